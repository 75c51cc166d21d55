"""A real HTTP/1.1 server on 127.0.0.1 that fails on cue, for retry tests.

`FaultServer` is a `tests/support/loopback.LoopbackServer` (an asyncio server
on 127.0.0.1 in a daemon thread of the test process).
Each test queues the replies the next requests get (`server.script(...)`),
then reads what arrived (`server.requests`, `server.attempts`). Replies:

* `Reply(status, body, headers)`: a whole response (`body` a dict is sent as
  JSON, a str or bytes as is, e.g. a proxy's HTML page).
* `Stream(events, end=...)`: an SSE answer, one HTTP chunk per event, that ends
  with `[DONE]` (`"done"`), a clean end without `[DONE]` (`"close"`), a cut
  connection in the middle of the chunked body (`"cut"`), silence until the
  client gives up (`"stall"`), or `[DONE]` and then that silence (`"hold"`).
* `Hang()`: read the request and never answer (the client's timeout fires).
* `Forever(reply)`: the same reply to every later request.
* `Echo()`: a completion (or, for `"stream": true`, a stream) whose text is
  the last user message of the request: a per-request marker comes back.
* `Together(reply, size)`: hold `reply` until `size` requests wait for it,
  then answer them all at once: that many requests were in flight together.
* `Flood(prefix, total)`: a 200 whose body is `prefix` then filler up to
  `total` bytes, sent piece by piece (chunked, no length), to check that the
  client stops reading at its bound.

Every response says `Connection: close`, so each attempt is a new connection
and counting requests counts attempts. Set `server.keep_alive = True` (until
the next `reset`) to answer `Connection: keep-alive` and serve several
requests per connection; `connections_opened`, `open_connections` and
`wait_until(...)` then show whether the client reuses or leaks connections.

`model_for(server)` builds a model on the server with no retries and a
shared client of its own (`own_pool_timeout`: shared clients are keyed by
timeout, and one counter for every module keeps the keys apart).

Tests that use the server need `pytest.mark.allow_hosts(["127.0.0.1"])`
(pytest-socket), which lets them connect to loopback only, while the rest of
the suite stays socket-free.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from langchain_synaptic_groq import ChatGroqSynaptic

from . import wire
from .loopback import (
    LAST_CHUNK,
    Connection,
    LoopbackServer,
    Request,
    chunk,
    head,
    response,
    until_closed,
)
from .wire import MODEL, rate_limit_headers

API_KEY = "gsk_FAULTKEY_0123456789abcdefghijklmnopqrstuv"

#: Groq's rate-limit headers on the fault server's answers (test_retry reads
#: these values).
RATE_LIMIT_HEADERS = rate_limit_headers(
    remaining_requests=14370, remaining_tokens=5990, reset_tokens="120ms"
)
#: The ids and numbers of the fault server's bodies (tests read them).
_BODY: dict[str, Any] = {
    "response_id": "chatcmpl-fault",
    "created": 1730000000,
    "x_groq_id": "req_fault",
}
_USAGE = {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}


@dataclass(frozen=True)
class Reply:
    """A complete response."""

    status: int = 200
    body: dict[str, Any] | str | bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Stream:
    """A server-sent-event response (HTTP 200, chunked)."""

    events: Sequence[dict[str, Any] | str]
    end: Literal["done", "close", "cut", "stall", "hold"] = "done"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Hang:
    """Read the request, then say nothing until the client hangs up."""


@dataclass(frozen=True)
class Echo:
    """Answer with the text of the request's last user message."""


@dataclass(frozen=True)
class Flood:
    """A 200 body of `prefix` then filler, `total` bytes in all, chunked."""

    prefix: bytes = b'{"choices": ['
    total: int = 64 * 1024 * 1024
    content_type: str = "application/json"
    piece: int = 64 * 1024


@dataclass(frozen=True)
class Together:
    """Hold `reply` until `size` requests wait for it (10 s at most)."""

    reply: Reply
    size: int


@dataclass(frozen=True)
class Forever:
    """Answer every remaining request with `reply`."""

    reply: Reply | Stream | Hang | Echo | Flood | Together


Scripted = Reply | Stream | Hang | Echo | Flood | Together | Forever


@dataclass(frozen=True)
class Received:
    """One request as the server read it."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any


# -- Groq-shaped bodies ---------------------------------------------------------


def completion(text: str = "Hello!", *, model: str = MODEL) -> dict[str, Any]:
    """A non-streamed chat completion."""
    return wire.completion(
        text, model=model, usage=_USAGE, system_fingerprint="fp_fault", **_BODY
    )


def delta(text: str) -> dict[str, Any]:
    """A stream chunk carrying `text`."""
    return wire.chunk({"content": text}, system_fingerprint=None, **_BODY)


def final() -> dict[str, Any]:
    """The last stream chunk: finish reason and usage."""
    return wire.chunk(
        {}, finish_reason="stop", usage=_USAGE, system_fingerprint=None, **_BODY
    )


def ok(text: str = "Hello!", **headers: str) -> Reply:
    """A 200 completion with Groq's rate-limit headers."""
    return Reply(
        200,
        completion(text),
        {**RATE_LIMIT_HEADERS, "x-request-id": "req_ok", **headers},
    )


def ok_stream(*texts: str) -> Stream:
    """A complete stream of `texts`, with Groq's rate-limit headers."""
    return Stream(
        [*(delta(t) for t in texts or ("Hello", "!")), final()],
        headers={**RATE_LIMIT_HEADERS, "x-request-id": "req_stream"},
    )


def error(
    status: int,
    message: str,
    *,
    type: str = "invalid_request_error",
    code: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Reply:
    """A Groq error response: `{"error": {"message", "type", "code", ...}}`."""
    return Reply(
        status,
        wire.error_body(message, type=type, code=code, **extra),
        {"x-request-id": f"req_{status}", **(headers or {})},
    )


# -- the server -----------------------------------------------------------------


class FaultServer(LoopbackServer):
    """A scripted HTTP server on 127.0.0.1, running in a daemon thread."""

    thread_name = "fault-server"

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[Received] = []
        self._script: deque[Scripted] = deque()
        self._lock = threading.RLock()  # `wait_until` predicates read under it
        self._arrived = threading.Condition(self._lock)
        #: Serve several requests per connection (`Connection: keep-alive`).
        self.keep_alive = False
        #: Connections accepted since the last `reset`.
        self.connections_opened = 0
        self._live = 0
        # Together groups filling up: id -> (the item, waiting count, event).
        self._groups: dict[int, tuple[Together, int, asyncio.Event]] = {}

    def stop(self) -> None:
        self.reset()
        super().stop()

    # -- scripting ---------------------------------------------------------------

    def script(self, *replies: Scripted) -> FaultServer:
        """Queue the replies of the next requests (after a `reset`)."""
        with self._lock:
            self._script.extend(replies)
        return self

    def reset(self) -> None:
        """Forget the script and the requests; hang up on waiting clients."""
        with self._lock:
            self._script.clear()
            self.requests = []
            self.keep_alive = False
            self.connections_opened = 0
        self.call_soon(self._release_groups)
        self.hang_up()

    @property
    def open_connections(self) -> int:
        """Connections open now (the client's idle pooled ones included)."""
        with self._lock:
            return self._live

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Block until `predicate()` holds (checked on every server event).

        Returns whether it held before `timeout`; for conditions that the
        server thread reaches after the client returned (a connection the
        client closed is seen closed a moment later).
        """
        with self._arrived:
            return self._arrived.wait_for(predicate, timeout)

    @property
    def attempts(self) -> int:
        """Requests received since the last reset."""
        with self._lock:
            return len(self.requests)

    def wait_for_attempts(self, count: int, timeout: float = 10.0) -> int:
        """Block until `count` requests arrived (or `timeout`); return the count.

        Only for replies the client gives up on (`Hang`, `stall`), where the
        client may return before the server thread has logged the request.
        """
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.requests) >= count, timeout)
            return len(self.requests)

    def _next(
        self, request: Received
    ) -> Reply | Stream | Hang | Echo | Flood | Together:
        with self._lock:
            self.requests.append(request)
            self._arrived.notify_all()
            if not self._script:
                return Reply(599, {"error": {"message": "fault server: no reply"}})
            item = self._script[0]
            if isinstance(item, Forever):
                return item.reply
            self._script.popleft()
            return item

    # -- HTTP --------------------------------------------------------------------

    def opened(self) -> None:
        self._count(1)

    def closed(self) -> None:
        self._count(-1)

    def _count(self, change: int) -> None:
        with self._arrived:
            self.connections_opened += max(change, 0)
            self._live += change
            self._arrived.notify_all()

    async def answer(self, raw: Request, connection: Connection) -> bool:
        request = Received(raw.method, raw.target, raw.headers, raw.json())
        reply = self._next(request)
        keep = self.keep_alive
        if isinstance(reply, Echo):
            reply = _echo(request)
        if isinstance(reply, Together):
            await self._together(reply)
            reply = reply.reply
        if isinstance(reply, Hang):
            await until_closed(connection.reader)
            return False
        if isinstance(reply, Flood):
            await _write_flood(connection, reply)
            return False
        if isinstance(reply, Stream):
            await _write_stream(connection, reply, keep=keep)
            return keep and reply.end not in ("cut", "stall", "hold")
        await connection.send(
            response(reply.status, reply.body, reply.headers, keep=keep)
        )
        return keep

    def _release_groups(self) -> None:
        # On the server's loop: the waiting handlers go on to a closed
        # connection at once instead of waiting out their 10 s.
        for _, _, full in self._groups.values():
            full.set()
        self._groups.clear()

    async def _together(self, item: Together) -> None:
        # Runs on the server's loop only, so the groups need no lock.
        _, waiting, full = self._groups.get(id(item), (item, 0, asyncio.Event()))
        waiting += 1
        if waiting >= item.size:
            full.set()
            self._groups.pop(id(item), None)  # the next ones form a new group
            return
        self._groups[id(item)] = (item, waiting, full)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(full.wait(), 10)


def _event(item: dict[str, Any] | str) -> bytes:
    # A str is sent as it is (a raw event, its blank line included).
    return (item if isinstance(item, str) else wire.sse([item], done=False)).encode()


async def _write_stream(
    connection: Connection, stream: Stream, *, keep: bool = False
) -> None:
    writer = connection.writer
    headers = {
        "content-type": "text/event-stream",
        "transfer-encoding": "chunked",
        **stream.headers,
    }
    writer.write(head(200, headers, keep=keep))
    for item in stream.events:
        writer.write(chunk(_event(item)))
    done = wire.sse([]).encode()  # `data: [DONE]`
    if stream.end == "hold":
        # `[DONE]`, then neither the end of the body nor a close: some proxies
        # hold a finished stream open like this.
        writer.write(chunk(done))
    elif stream.end == "done":
        writer.write(chunk(done) + LAST_CHUNK)
    elif stream.end == "close":
        writer.write(LAST_CHUNK)
    elif stream.end == "cut":
        # Half a chunk, then the connection drops: an incomplete body.
        writer.write(b'40\r\ndata: {"choices"')
    await writer.drain()
    if stream.end in ("stall", "hold"):
        await until_closed(connection.reader)


async def _write_flood(connection: Connection, flood: Flood) -> None:
    headers = {"content-type": flood.content_type, "transfer-encoding": "chunked"}
    connection.writer.write(head(200, headers) + chunk(flood.prefix))
    sent = len(flood.prefix)
    filler = b" " * flood.piece
    while sent < flood.total:
        await connection.send(chunk(filler))  # raises once the client hung up
        sent += len(filler)
    await connection.send(LAST_CHUNK)


def _echo(request: Received) -> Reply | Stream:
    """The request's last user message, sent back as the answer."""
    body = request.body if isinstance(request.body, dict) else {}
    users = [m for m in body.get("messages", []) if m.get("role") == "user"]
    text = str(users[-1]["content"]) if users else ""
    if body.get("stream"):
        half = len(text) // 2
        return Stream([delta(text[:half]), delta(text[half:]), final()])
    return Reply(200, completion(text), {"x-request-id": f"req_{text[:40]}"})


# -- shared clients -------------------------------------------------------------

_pools = itertools.count(1)  # one counter for every module: keys never collide


def own_pool_timeout(read: float = 20.0, *, pool: float = 30.0) -> httpx.Timeout:
    """A timeout no other test uses: the model gets a shared client of its own.

    Shared clients are keyed by timeout, so keep-alive connections left idle
    in this test's pool can never be picked up by another test.
    """
    return httpx.Timeout(read, connect=5.0, pool=pool + next(_pools) / 1e6)


def model_for(server: FaultServer, **kwargs: Any) -> ChatGroqSynaptic:
    """A model on `server`, with a shared client of its own and no retries."""
    params: dict[str, Any] = {
        "model": MODEL,
        "api_key": API_KEY,
        "base_url": server.base_url,
        "max_retries": 0,
        "timeout": own_pool_timeout(),
    }
    params.update(kwargs)
    return ChatGroqSynaptic(**params)


class SleepRecorder:
    """Stands in for `time.sleep` / `asyncio.sleep`: records, never waits."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)

    async def asleep(self, seconds: float) -> None:
        self.waits.append(seconds)
