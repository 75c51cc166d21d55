"""A canned, Groq-shaped chat-completions server for benchmarking clients.

The server is deliberately dumb and fast so that the *client* dominates every
measurement:

* raw ``asyncio.Protocol`` HTTP/1.1 with keep-alive and pipelining (no framework);
* every answer is pre-encoded once into ``bytes`` (per tool name / chunk count)
  and written with a single ``transport.write``;
* it runs in its own process (``multiprocessing``, spawn) so it never shares
  the GIL with the clients, optionally pinned to its own CPU.

Endpoints (``/openai/v1`` and ``/v1`` prefixes are both accepted):

* ``POST .../chat/completions`` -- the JSON body decides the answer:

  - ``"stream": true``: an SSE answer (HTTP chunked, one HTTP chunk per SSE
    event) with N ``chat.completion.chunk`` events whose delta is ``"tok "``, a
    final chunk with ``finish_reason: "stop"`` and ``x_groq.usage``, then
    ``data: [DONE]``.  N is taken from the *prompt*: the first ``chunks=<N>``
    marker found in the request body (so ``"Say hi chunks=1000"`` streams 1,000
    content chunks).  Without a marker N is the server default
    (``--chunks`` / ``BENCH_CHUNKS``, 1,000 unless set).  If the request asks
    for ``stream_options.include_usage`` an extra OpenAI-style usage chunk
    (empty ``choices``) is sent before ``[DONE]``.
  - non-stream, with ``tools``: a single tool call to the first tool
    (``{"a": 1, "b": 2}``), ``finish_reason: "tool_calls"``, content ``null``.
  - non-stream otherwise: ``"Hello from the canned server."`` with Groq's
    ``usage`` fields, ``x_groq``, ``system_fingerprint``, ``service_tier``.

* ``GET .../models`` -- a small model list.

Run standalone for manual poking::

    python benchmarks/canned_server.py --port 8765
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import re
import signal
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

MODEL = "llama-3.1-8b-instant"
ANSWER_TEXT = "Hello from the canned server."
STREAM_TOKEN = "tok "
TOOL_ARGUMENTS = {"a": 1, "b": 2}
PROMPT_TOKENS = 10
ANSWER_TOKENS = 8
DEFAULT_CHUNKS = 1000
MAX_CHUNKS = 1_000_000
CHUNKS_ENV = "BENCH_CHUNKS"

_CHUNKS_MARKER = re.compile(rb"chunks=(\d+)")
_MAX_HEADER_BYTES = 64 * 1024

_GROQ_HEADERS = (
    ("x-request-id", "req_x"),
    # A developer-plan budget (console.groq.com/docs/rate-limits, 2026-09):
    # room for 100 requests in flight, so the clients' pacing never waits and
    # the benchmark measures the clients, not the limit.
    ("x-ratelimit-limit-requests", "500000"),
    ("x-ratelimit-remaining-requests", "499999"),
    ("x-ratelimit-limit-tokens", "250000"),
    ("x-ratelimit-remaining-tokens", "249990"),
    ("x-ratelimit-reset-requests", "6s"),
    ("x-ratelimit-reset-tokens", "100ms"),
    ("server", "canned-groq"),
)


def _dumps(obj: object) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _head(status: str, content_type: str, extra: tuple[tuple[str, str], ...]) -> bytes:
    lines = [f"HTTP/1.1 {status}", f"content-type: {content_type}"]
    lines += [f"{name}: {value}" for name, value in _GROQ_HEADERS + extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _json_response(obj: object, status: str = "200 OK") -> bytes:
    body = _dumps(obj)
    head = _head(status, "application/json", (("content-length", str(len(body))),))
    return head + body


def _usage(completion_tokens: int) -> dict[str, Any]:
    return {
        "queue_time": 0.01,
        "prompt_tokens": PROMPT_TOKENS,
        "prompt_time": 0.001,
        "completion_tokens": completion_tokens,
        "completion_time": 0.1,
        "total_tokens": PROMPT_TOKENS + completion_tokens,
        "total_time": 0.101,
    }


def _completion(message: dict[str, Any], finish_reason: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-x",
        "object": "chat.completion",
        "created": 1,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
        "usage": _usage(ANSWER_TOKENS),
        "system_fingerprint": "fp_x",
        "x_groq": {"id": "req_x"},
        "service_tier": "on_demand",
    }


def _chunk(delta: dict[str, Any], finish_reason: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-x",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": MODEL,
        "system_fingerprint": "fp_x",
        "choices": [
            {
                "index": 0,
                "delta": delta,
                "logprobs": None,
                "finish_reason": finish_reason,
            }
        ],
    }


def _http_chunk(payload: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(payload), payload)


def build_stream_body(n_chunks: int, *, include_usage: bool = False) -> bytes:
    """Encode a whole SSE answer (HTTP chunked framing included)."""
    events: list[bytes] = []
    token = _chunk({"content": STREAM_TOKEN}, None)
    events.extend([b"data: " + _dumps(token) + b"\n\n"] * n_chunks)
    last = _chunk({}, "stop")
    last["x_groq"] = {"id": "req_x", "usage": _usage(n_chunks)}
    events.append(b"data: " + _dumps(last) + b"\n\n")
    if include_usage:
        usage_chunk: dict[str, Any] = {
            "id": "chatcmpl-x",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": MODEL,
            "system_fingerprint": "fp_x",
            "choices": [],
            "usage": _usage(n_chunks),
        }
        events.append(b"data: " + _dumps(usage_chunk) + b"\n\n")
    events.append(b"data: [DONE]\n\n")
    head = _head(
        "200 OK",
        "text/event-stream",
        (("cache-control", "no-cache"), ("transfer-encoding", "chunked")),
    )
    return head + b"".join(_http_chunk(event) for event in events) + b"0\r\n\r\n"


def _error(status: str, message: str, code: str) -> bytes:
    err = {"error": {"message": message, "type": "invalid_request_error", "code": code}}
    return _json_response(err, status)


class CannedGroq:
    """Maps a parsed request to pre-encoded response bytes (cached)."""

    def __init__(self, default_chunks: int = DEFAULT_CHUNKS) -> None:
        self.default_chunks = default_chunks
        self._plain = _json_response(
            _completion({"role": "assistant", "content": ANSWER_TEXT}, "stop")
        )
        self._models = _json_response(
            {
                "object": "list",
                "data": [
                    {
                        "id": MODEL,
                        "object": "model",
                        "created": 1,
                        "owned_by": "Meta",
                        "active": True,
                        "context_window": 131072,
                        "public_apps": None,
                        "max_completion_tokens": 131072,
                    }
                ],
            }
        )
        self._tool_answers: dict[str, bytes] = {}
        self._streams: dict[tuple[int, bool], bytes] = {}
        self.requests = 0

    def _tool_answer(self, name: str) -> bytes:
        cached = self._tool_answers.get(name)
        if cached is None:
            call = {
                "id": "call_1",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(TOOL_ARGUMENTS)},
            }
            message = {"role": "assistant", "content": None, "tool_calls": [call]}
            cached = _json_response(_completion(message, "tool_calls"))
            self._tool_answers[name] = cached
        return cached

    def _stream(self, n_chunks: int, include_usage: bool) -> bytes:
        key = (n_chunks, include_usage)
        cached = self._streams.get(key)
        if cached is None:
            cached = build_stream_body(n_chunks, include_usage=include_usage)
            self._streams[key] = cached
        return cached

    def respond(self, method: str, path: str, body: bytes) -> bytes:
        self.requests += 1
        path = path.split("?", 1)[0].rstrip("/")
        if path in ("/openai/v1/chat/completions", "/v1/chat/completions"):
            if method != "POST":
                return _error(
                    "405 Method Not Allowed", "use POST", "method_not_allowed"
                )
            return self._chat(body)
        if path in ("/openai/v1/models", "/v1/models"):
            return self._models
        return _error(
            "404 Not Found", f"Unknown request URL: {method} {path}", "unknown_url"
        )

    def _chat(self, body: bytes) -> bytes:
        try:
            request = json.loads(body)
        except ValueError:
            return _error("400 Bad Request", "invalid JSON body", "invalid_json")
        if not isinstance(request, dict):
            return _error("400 Bad Request", "body must be an object", "invalid_json")
        if request.get("stream"):
            marker = _CHUNKS_MARKER.search(body)
            n_chunks = int(marker.group(1)) if marker else self.default_chunks
            options = request.get("stream_options") or {}
            include_usage = bool(
                isinstance(options, dict) and options.get("include_usage")
            )
            return self._stream(min(n_chunks, MAX_CHUNKS), include_usage)
        tools = request.get("tools")
        if tools:
            try:
                name = str(tools[0]["function"]["name"])
            except (KeyError, IndexError, TypeError):
                return _error("400 Bad Request", "malformed tools", "invalid_tools")
            return self._tool_answer(name)
        return self._plain


def _parse_chunked(buf: bytearray, start: int) -> tuple[bytes, int] | None:
    """Decode a chunked request body starting at ``start``.

    Returns ``(body, end_offset)`` or ``None`` if more bytes are needed.
    """
    pos = start
    parts: list[bytes] = []
    while True:
        eol = buf.find(b"\r\n", pos)
        if eol < 0:
            return None
        size = int(bytes(buf[pos:eol]).split(b";", 1)[0], 16)
        pos = eol + 2
        if size == 0:
            # Skip (absent) trailers up to the blank line.
            end = buf.find(b"\r\n", pos)
            while end >= 0 and end != pos:
                pos = end + 2
                end = buf.find(b"\r\n", pos)
            if end < 0:
                return None
            return b"".join(parts), end + 2
        if len(buf) < pos + size + 2:
            return None
        parts.append(bytes(buf[pos : pos + size]))
        pos += size + 2


class _HttpProtocol(asyncio.Protocol):
    def __init__(self, app: CannedGroq) -> None:
        self._app = app
        self._buf = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None

    def data_received(self, data: bytes) -> None:
        self._buf += data
        while self._transport is not None and self._handle_one():
            pass

    def _handle_one(self) -> bool:
        """Serve one complete request from the buffer; False if incomplete."""
        transport = self._transport
        assert transport is not None
        buf = self._buf
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            if len(buf) > _MAX_HEADER_BYTES:
                transport.write(
                    _error("431 Request Header Fields Too Large", "", "headers")
                )
                transport.close()
            return False
        lines = bytes(buf[:end]).decode("latin-1").split("\r\n")
        try:
            method, target, version = lines[0].split(" ", 2)
        except ValueError:
            transport.write(
                _error("400 Bad Request", "bad request line", "bad_request")
            )
            transport.close()
            return False
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        body_start = end + 4
        if "chunked" in headers.get("transfer-encoding", "").lower():
            parsed = _parse_chunked(buf, body_start)
            if parsed is None:
                return False
            body, consumed = parsed
        else:
            length = int(headers.get("content-length", "0") or "0")
            consumed = body_start + length
            if len(buf) < consumed:
                return False
            body = bytes(buf[body_start:consumed])
        del buf[:consumed]
        transport.write(self._app.respond(method, target, body))
        connection = headers.get("connection", "").lower()
        keep_alive = (
            connection != "close"
            if version == "HTTP/1.1"
            else connection == "keep-alive"
        )
        if not keep_alive:
            transport.close()
            return False
        return True


async def serve_forever(
    host: str,
    port: int,
    default_chunks: int,
    ready: Connection | None = None,
) -> None:
    """Serve until cancelled; report the bound port through ``ready``."""
    app = CannedGroq(default_chunks)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: _HttpProtocol(app), host, port, backlog=2048, reuse_address=True
    )
    bound_port = int(server.sockets[0].getsockname()[1])
    if ready is not None:
        ready.send(bound_port)
        ready.close()
    else:
        print(f"canned Groq server on http://{host}:{bound_port}/openai/v1", flush=True)
    async with server:
        await server.serve_forever()


def _server_main(
    ready: Connection, host: str, default_chunks: int, cpus: frozenset[int] | None
) -> None:
    if cpus and hasattr(os, "sched_setaffinity"):
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, cpus)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent owns Ctrl-C
    with contextlib.suppress(asyncio.CancelledError):
        asyncio.run(serve_forever(host, 0, default_chunks, ready))


@dataclass
class ServerProcess:
    """Handle on a running canned server in a child process."""

    process: multiprocessing.process.BaseProcess
    host: str
    port: int

    @property
    def openai_base_url(self) -> str:
        """Base URL with the ``/openai/v1`` suffix (OpenAI-compatible clients)."""
        return f"http://{self.host}:{self.port}/openai/v1"

    @property
    def host_url(self) -> str:
        """Base URL without a path (what ``langchain_groq.ChatGroq`` expects)."""
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)


def start_server(
    default_chunks: int = DEFAULT_CHUNKS,
    host: str = "127.0.0.1",
    cpus: frozenset[int] | None = None,
) -> ServerProcess:
    """Start the canned server in a separate (spawned) process."""
    ctx = multiprocessing.get_context("spawn")
    parent_end, child_end = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=_server_main,
        args=(child_end, host, default_chunks, cpus),
        name="canned-groq-server",
        daemon=True,
    )
    process.start()
    child_end.close()
    if not parent_end.poll(30):
        process.kill()
        msg = "canned server did not start within 30 s"
        raise RuntimeError(msg)
    port = int(parent_end.recv())
    parent_end.close()
    return ServerProcess(process=process, host=host, port=port)


@contextlib.contextmanager
def running_server(
    default_chunks: int = DEFAULT_CHUNKS,
    host: str = "127.0.0.1",
    cpus: frozenset[int] | None = None,
) -> Iterator[ServerProcess]:
    """Context manager around :func:`start_server`."""
    server = start_server(default_chunks, host, cpus)
    try:
        yield server
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--chunks",
        type=int,
        default=int(os.environ.get(CHUNKS_ENV, DEFAULT_CHUNKS)),
        help="chunks per streamed answer when the prompt has no chunks=N marker",
    )
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever(args.host, args.port, args.chunks))


if __name__ == "__main__":
    main()
