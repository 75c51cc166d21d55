"""The one loopback HTTP server base of the test servers, and its framing.

`LoopbackServer` runs an asyncio server on 127.0.0.1 in a daemon thread of
the test process: `start()` / `stop()` or `with server:`, `port`,
`base_url` (`.../openai/v1`) and `host_url`. It keeps the open connections
(so `hang_up()` and `stop()` close them), reads the requests on each and
hands each request to the subclass's `answer(request, connection)`, which
says whether the connection serves another; `opened()` / `closed()` are told
of each connection.

The answers are written by hand (`head`, `response`, `chunk`), not by a
ready-made server, because the fault server must also break HTTP on cue: half
a chunk, a body that never ends, silence after `[DONE]`. The bodies
themselves come from `tests/support/wire.py`.

Tests that use a loopback server need `pytest.mark.allow_hosts(["127.0.0.1"])`
(pytest-socket).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Self

__all__ = [
    "HOST",
    "LAST_CHUNK",
    "Connection",
    "LoopbackServer",
    "Request",
    "chunk",
    "head",
    "read_request",
    "response",
    "until_closed",
]

HOST = "127.0.0.1"
#: The end of a chunked body.
LAST_CHUNK = b"0\r\n\r\n"


@dataclass(frozen=True)
class Request:
    """One request as a loopback server read it (header names lower-case)."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        """The target without its query."""
        return self.target.split("?", 1)[0]

    @property
    def keep_alive(self) -> bool:
        """Whether the client keeps the connection (HTTP/1.1's default)."""
        return self.headers.get("connection", "").lower() != "close"

    def json(self, empty: Any = None) -> Any:
        """The body as JSON (`empty` when there is no body)."""
        return json.loads(self.body) if self.body else empty


@dataclass(frozen=True)
class Connection:
    """One client's connection to a loopback server."""

    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    async def send(self, data: bytes) -> None:
        """Write `data` and wait until it is sent (raises once the client hung up)."""
        self.writer.write(data)
        await self.writer.drain()


async def read_request(reader: asyncio.StreamReader) -> Request | None:
    """The next request on a connection (`None`: the client hung up)."""
    try:
        raw_head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    lines = raw_head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return Request(method, target, headers, body)


async def until_closed(reader: asyncio.StreamReader) -> None:
    """Read and drop everything until the client closes the connection."""
    while await reader.read(65536):
        pass


def head(status: int, headers: Mapping[str, str], *, keep: bool = False) -> bytes:
    """The status line and headers, `Connection` first."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:  # a status no standard names (the fault server's 599)
        reason = "Unknown"
    lines = [
        f"HTTP/1.1 {status} {reason}",
        f"connection: {'keep-alive' if keep else 'close'}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def response(
    status: int,
    body: Mapping[str, Any] | str | bytes | None,
    headers: Mapping[str, str] | None = None,
    *,
    keep: bool = False,
) -> bytes:
    """A whole answer with a `Content-Length`.

    A mapping is sent as JSON, a str as an HTML page (a proxy's error page)
    and bytes as they are, each with that content type unless `headers`
    names one.
    """
    out = dict(headers or {})
    if isinstance(body, Mapping):
        data = json.dumps(body).encode()
        out.setdefault("content-type", "application/json")
    elif isinstance(body, str):
        data = body.encode()
        out.setdefault("content-type", "text/html; charset=utf-8")
    else:
        data = body or b""
    out["content-length"] = str(len(data))
    return head(status, out, keep=keep) + data


def chunk(data: bytes) -> bytes:
    """One chunk of a chunked body."""
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


class LoopbackServer:
    """An asyncio HTTP server on 127.0.0.1, in a daemon thread of its own.

    Subclasses answer in `answer`; it may raise `ConnectionError` or
    `asyncio.IncompleteReadError` when the client goes away.
    """

    #: The name of the server's thread (and of the server in errors).
    thread_name = "loopback-server"

    def __init__(self) -> None:
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    # -- what subclasses answer --------------------------------------------------

    async def answer(self, request: Request, connection: Connection) -> bool:
        """Answer `request`; whether to read another one on the connection."""
        raise NotImplementedError

    def opened(self) -> None:
        """A connection was accepted (on the server's thread)."""

    def closed(self) -> None:
        """A connection was closed (on the server's thread)."""

    # -- lifecycle ---------------------------------------------------------------

    def start(self) -> Self:
        """Listen on a free port of 127.0.0.1; return once it listens."""
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            server = loop.run_until_complete(
                asyncio.start_server(self._accept, HOST, 0)
            )
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
            server.close()
            self._close_all()  # their handlers see the end and return
            pending = asyncio.all_tasks(loop)
            if pending:
                _, late = loop.run_until_complete(asyncio.wait(pending, timeout=5))
                # Cancelled only when they wait for something else: on 3.11
                # asyncio logs each cancelled handler as an error.
                for task in late:
                    task.cancel()
                if late:
                    loop.run_until_complete(asyncio.wait(late))
            loop.run_until_complete(server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=run, name=self.thread_name, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            msg = f"the {self.thread_name} did not start"
            raise RuntimeError(msg)
        return self

    def stop(self) -> None:
        """Close every connection and the socket; end the thread."""
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and not loop.is_closed():
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def host_url(self) -> str:
        """`http://127.0.0.1:PORT` (the groq SDK appends `/openai/v1` itself)."""
        assert self.port, f"start() the {self.thread_name} first"
        return f"http://{HOST}:{self.port}"

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL, as `base_url` of a model."""
        return f"{self.host_url}/openai/v1"

    # -- connections -------------------------------------------------------------

    def call_soon(self, callback: Callable[[], None]) -> None:
        """Run `callback` on the server's loop (from any thread)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(callback)

    def hang_up(self) -> None:
        """Close every open connection (waiting clients see the end)."""
        self.call_soon(self._close_all)

    def _close_all(self) -> None:
        for writer in list(self._writers):
            writer.close()

    async def _accept(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self._writers.add(writer)
        self.opened()
        connection = Connection(reader, writer)
        try:
            while (request := await read_request(reader)) is not None:
                if not await self.answer(request, connection):
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
            self.closed()
