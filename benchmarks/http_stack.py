"""The HTTP stack under the package: httpx (public config) vs httpx2 (issue 17).

    python benchmarks/http_stack.py             # one full run, ~1.5 min on 2 cores
    python benchmarks/http_stack.py --repeat 3  # three runs, and the spread
    python benchmarks/http_stack.py --smoke     # every scenario, tiny counts, < 20 s

Only the raw HTTP layer, used as `langchain_synaptic_groq/_transport.py` uses
it: `client.stream("POST", ...)` with a pre-encoded JSON body and the
package's headers, the answer read with `iter_bytes`; SSE answers split into
lines by hand (bytes split on LF, each line decoded). No LangChain, no gate.

Contenders (one server port each, so connections are counted per contender on
the server side): httpx 0.28.1 with public configuration only, httpx2 with its
defaults, and httpx2 with the same Limits. (The decision's run also had, for
reference only, httpx with the package's former `_pool.py`; that row went
with the module, its numbers stay in results/http_stack.json.)
Timed scenarios run interleaved in rounds, the contender order rotated each
round, in this one process; the canned server (`canned_server.py`) runs in its
own process. See the "HTTP stack" section of benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import gc
import importlib
import importlib.metadata
import json
import multiprocessing
import os
import platform
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import canned_server as cs
from children import child_env

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REFERENCE = "httpx-public"

# --------------------------------------------------------------------------- #
# Contenders                                                                   #
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Contender:
    key: str
    label: str
    module: str  # "httpx" or "httpx2"
    limits: tuple[int, int, float] | None  # None: the library's default Limits


CONTENDERS = (
    Contender(
        "httpx-public",
        "httpx, Limits(100, 100, keepalive_expiry=4)",
        "httpx",
        (100, 100, 4.0),
    ),
    Contender("httpx2-default", "httpx2, default Limits (100, 20, 5)", "httpx2", None),
    Contender(
        "httpx2-limits",
        "httpx2, Limits(100, 100, keepalive_expiry=4)",
        "httpx2",
        (100, 100, 4.0),
    ),
)


def make_client(c: Contender, *, asynchronous: bool) -> Any:
    mod = importlib.import_module(c.module)
    kw: dict[str, Any] = {"timeout": mod.Timeout(60.0, connect=5.0)}
    if c.limits is not None:
        conns, keep, expiry = c.limits
        kw["limits"] = mod.Limits(
            max_connections=conns,
            max_keepalive_connections=keep,
            keepalive_expiry=expiry,
        )
    return (mod.AsyncClient if asynchronous else mod.Client)(**kw)


# --------------------------------------------------------------------------- #
# The server: the canned Groq app, one port per contender, connections counted #
# --------------------------------------------------------------------------- #

_DELAY = re.compile(rb"delay_ms=(\d+)")  # the whole answer after N ms
_TRICKLE = re.compile(
    rb"trickle_ms=(\d+)"
)  # head + first event now, the rest after N ms


# Per port, in shared memory: connections opened, open now, answers held back
# now, and their peak.
_OPENED, _OPEN, _PENDING, _PEAK = range(4)
_SLOTS = 4


class _Deferred(bytes):
    """An answer whose bytes after `cut` are sent `delay` seconds later."""

    cut: int
    delay: float


class _SlowGroq(cs.CannedGroq):
    def respond(self, method: str, path: str, body: bytes) -> bytes:
        answer = super().respond(method, path, body)
        delay, trickle = _DELAY.search(body), _TRICKLE.search(body)
        if not (delay or trickle):
            return answer
        out = _Deferred(answer)
        if trickle:
            head_end = answer.index(b"\r\n\r\n") + 4
            out.cut = answer.index(b"\n\n\r\n", head_end) + 4  # after event 1
            out.delay = int(trickle.group(1)) / 1000
        else:
            assert delay is not None
            out.cut, out.delay = 0, int(delay.group(1)) / 1000
        return out


class _Wire:
    """The protocol's transport, sending `_Deferred` answers in two parts.

    Counts the answers held back (requests in service) and their peak: with
    `probe` requests held at once, the peak is the number of pool slots that
    actually carried a request.
    """

    def __init__(self, transport: asyncio.Transport, counters: Any, index: int) -> None:
        self._t = transport
        self._loop = asyncio.get_running_loop()
        self._counters, self._base = counters, _SLOTS * index

    def write(self, data: bytes) -> None:
        if isinstance(data, _Deferred):
            if data.cut:
                self._t.write(data[: data.cut])
            counters, base = self._counters, self._base
            counters[base + _PENDING] += 1
            counters[base + _PEAK] = max(
                counters[base + _PEAK], counters[base + _PENDING]
            )
            self._loop.call_later(data.delay, self._late, bytes(data[data.cut :]))
        else:
            self._t.write(data)

    def _late(self, data: bytes) -> None:
        self._counters[self._base + _PENDING] -= 1
        if not self._t.is_closing():
            self._t.write(data)

    def close(self) -> None:
        self._t.close()


class _CountingProtocol(cs._HttpProtocol):
    def __init__(self, app: cs.CannedGroq, counters: Any, index: int) -> None:
        super().__init__(app)
        self._counters, self._index = counters, index

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._transport = _Wire(transport, self._counters, self._index)  # type: ignore[assignment]
        self._counters[_SLOTS * self._index + _OPENED] += 1
        self._counters[_SLOTS * self._index + _OPEN] += 1

    def connection_lost(self, exc: Exception | None) -> None:
        self._counters[_SLOTS * self._index + _OPEN] -= 1
        super().connection_lost(exc)


async def _serve(n_ports: int, counters: Any, ready: Any) -> None:
    app = _SlowGroq(cs.DEFAULT_CHUNKS)
    loop = asyncio.get_running_loop()
    servers = []
    for index in range(n_ports):
        server = await loop.create_server(
            lambda i=index: _CountingProtocol(app, counters, i),  # type: ignore[misc]
            "127.0.0.1",
            0,
            backlog=2048,
            reuse_address=True,
        )
        servers.append(server)
    ready.send([int(s.sockets[0].getsockname()[1]) for s in servers])
    ready.close()
    await asyncio.gather(*(s.serve_forever() for s in servers))


def _server_main(n_ports: int, counters: Any, ready: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(asyncio.CancelledError):
        asyncio.run(_serve(n_ports, counters, ready))


class Server:
    def __init__(self, n_ports: int) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.counters = ctx.Array("q", _SLOTS * n_ports, lock=False)
        parent, child = ctx.Pipe(duplex=False)
        self.process = ctx.Process(
            target=_server_main, args=(n_ports, self.counters, child), daemon=True
        )
        self.process.start()
        child.close()
        if not parent.poll(30):
            self.process.kill()
            msg = "server did not start within 30 s"
            raise RuntimeError(msg)
        self.ports: list[int] = parent.recv()

    def url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.ports[index]}/openai/v1/chat/completions"

    def opened(self, index: int) -> int:
        return int(self.counters[_SLOTS * index + _OPENED])

    def open_now(self, index: int) -> int:
        return int(self.counters[_SLOTS * index + _OPEN])

    def reset_peak(self, index: int) -> None:
        self.counters[_SLOTS * index + _PEAK] = 0

    def peak(self, index: int) -> int:
        return int(self.counters[_SLOTS * index + _PEAK])

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()


# --------------------------------------------------------------------------- #
# The operations, as the package does them                                     #
# --------------------------------------------------------------------------- #

HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/json",
    "User-Agent": "langchain-synaptic-groq/0.1.0",
    "Authorization": "Bearer gsk_benchmark_not_a_key",
}


def body(prompt: str = "Say hi", *, stream: bool = False) -> bytes:
    request = {
        "model": cs.MODEL,
        "messages": [{"role": "user", "content": prompt}],
        "stream": stream,
    }
    return json.dumps(request, separators=(",", ":")).encode()


PLAIN = body()


def stream_body(chunks: int, extra: str = "") -> bytes:
    return body(f"Count chunks={chunks} {extra}", stream=True)


def invoke(client: Any, url: str, content: bytes = PLAIN, **kw: Any) -> dict[str, Any]:
    with client.stream("POST", url, content=content, headers=HEADERS, **kw) as response:
        data = bytearray()
        for chunk in response.iter_bytes():
            data += chunk
    answer: dict[str, Any] = json.loads(data)
    return answer


async def ainvoke(
    client: Any, url: str, content: bytes = PLAIN, **kw: Any
) -> dict[str, Any]:
    async with client.stream(
        "POST", url, content=content, headers=HEADERS, **kw
    ) as response:
        data = bytearray()
        async for chunk in response.aiter_bytes():
            data += chunk
    answer: dict[str, Any] = json.loads(data)
    return answer


class _Lines:
    """Bytes to non-blank SSE lines; counts data lines until `data: [DONE]`."""

    __slots__ = ("done", "events", "held")

    def __init__(self) -> None:
        self.held = b""
        self.events = 0
        self.done = False

    def feed(self, data: bytes) -> None:
        parts = (self.held + data).split(b"\n") if self.held else data.split(b"\n")
        self.held = parts.pop()
        for part in parts:
            if part:
                if part.decode() == "data: [DONE]":
                    self.done = True
                    return
                self.events += 1


@dataclass
class StreamResult:
    events: int
    done: bool
    drain_s: float = 0.0


def stream(client: Any, url: str, content: bytes, *, drain: bool) -> StreamResult:
    """Read lines to `[DONE]`; then close, or read the rest first (`drain`)."""
    lines = _Lines()
    drain_s = 0.0
    with client.stream("POST", url, content=content, headers=HEADERS) as response:
        chunks = response.iter_bytes()
        for data in chunks:
            lines.feed(data)
            if lines.done:
                break
        if drain and lines.done:
            t0 = time.perf_counter()
            for _ in chunks:
                pass
            drain_s = time.perf_counter() - t0
    return StreamResult(lines.events, lines.done, drain_s)


async def astream(
    client: Any, url: str, content: bytes, *, drain: bool
) -> StreamResult:
    lines = _Lines()
    drain_s = 0.0
    async with client.stream("POST", url, content=content, headers=HEADERS) as response:
        chunks = response.aiter_bytes()
        async for data in chunks:
            lines.feed(data)
            if lines.done:
                break
        if drain and lines.done:
            t0 = time.perf_counter()
            async for _ in chunks:
                pass
            drain_s = time.perf_counter() - t0
    return StreamResult(lines.events, lines.done, drain_s)


def check_answer(answer: dict[str, Any]) -> None:
    text = answer["choices"][0]["message"]["content"]
    if text != cs.ANSWER_TEXT:
        msg = f"wrong answer {text!r}"
        raise AssertionError(msg)


def check_stream(result: StreamResult, chunks: int) -> None:
    if not result.done or result.events != chunks + 1:  # + the finish_reason chunk
        msg = f"stream: {result.events} events, [DONE] {result.done}, not {chunks + 1}"
        raise AssertionError(msg)


# --------------------------------------------------------------------------- #
# Counts                                                                       #
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Counts:
    rounds: int = 7
    warmup: int = 30
    invokes: int = 300
    streams: int = 8  # per round, per sync/async
    chunks: int = 1000
    inflight: int = 100
    batches: int = 5
    burst: int = 50
    burst_rounds: int = 3
    short_idle: float = 1.0  # below every keepalive_expiry here
    long_idle: float = (
        6.0  # above every keepalive_expiry here (httpx2's default is 5 s)
    )
    reuse_streams: int = 20
    reuse_chunks: int = 20
    storm_rounds: int = 2
    storm_a_reps: int = 5
    storm_a_tasks: int = 150  # > max_connections: some wait for a slot
    storm_b_reps: int = 6
    storm_b_tasks: int = 20
    probe: int = 100  # = max_connections
    later: int = 20
    import_reps: int = 5


FULL = Counts()
SMOKE = Counts(
    rounds=1,
    warmup=2,
    invokes=5,
    streams=1,
    chunks=20,
    inflight=10,
    batches=1,
    burst=10,
    burst_rounds=1,
    short_idle=0.2,
    long_idle=0.5,
    reuse_streams=3,
    reuse_chunks=5,
    storm_rounds=1,
    storm_a_reps=1,
    storm_a_tasks=30,
    storm_b_reps=1,
    storm_b_tasks=5,
    probe=100,
    later=3,
    import_reps=1,
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _settle() -> None:
    gc.collect()
    gc.freeze()


def rotated(items: tuple[Contender, ...], n: int) -> list[tuple[int, Contender]]:
    indexed = list(enumerate(items))
    k = n % len(indexed)
    return indexed[k:] + indexed[:k]


# --------------------------------------------------------------------------- #
# Timed scenarios                                                              #
# --------------------------------------------------------------------------- #

TIMED = {
    "invoke": "µs/call",
    "stream": "µs/chunk",
    "astream": "µs/chunk",
    "inflight": "req/s",
}


def time_sync(c: Contender, url: str, n: Counts) -> dict[str, float]:
    body_ = stream_body(n.chunks)
    with make_client(c, asynchronous=False) as client:
        for _ in range(n.warmup):
            check_answer(invoke(client, url))
        check_stream(stream(client, url, body_, drain=True), n.chunks)
        _settle()
        t0 = time.perf_counter()
        for _ in range(n.invokes):
            invoke(client, url)
        per_call = (time.perf_counter() - t0) / n.invokes * 1e6
        _settle()
        t0 = time.perf_counter()
        for _ in range(n.streams):
            stream(client, url, body_, drain=True)
        per_chunk = (time.perf_counter() - t0) / (n.streams * n.chunks) * 1e6
    return {"invoke": per_call, "stream": per_chunk}


async def _time_async(
    c: Contender, server: Server, index: int, n: Counts
) -> dict[str, float]:
    url = server.url(index)
    body_ = stream_body(n.chunks)
    async with make_client(c, asynchronous=True) as client:
        check_answer(await ainvoke(client, url))
        check_stream(await astream(client, url, body_, drain=True), n.chunks)
        _settle()
        t0 = time.perf_counter()
        for _ in range(n.streams):
            await astream(client, url, body_, drain=True)
        per_chunk = (time.perf_counter() - t0) / (n.streams * n.chunks) * 1e6
        for answer in await asyncio.gather(
            *(ainvoke(client, url) for _ in range(n.inflight))
        ):
            check_answer(answer)  # the warm-up batch opens the connections
        _settle()
        opened = server.opened(index)
        t0 = time.perf_counter()
        for _ in range(n.batches):
            await asyncio.gather(*(ainvoke(client, url) for _ in range(n.inflight)))
        rps = n.batches * n.inflight / (time.perf_counter() - t0)
        opened = server.opened(index) - opened
    return {"astream": per_chunk, "inflight": rps, "inflight_opened": float(opened)}


def run_timed(server: Server, n: Counts) -> dict[str, dict[str, list[float]]]:
    samples: dict[str, dict[str, list[float]]] = {}
    for r in range(n.rounds):
        for index, c in rotated(CONTENDERS, r):
            row = time_sync(c, server.url(index), n)
            row |= asyncio.run(_time_async(c, server, index, n))
            gc.unfreeze()
            for name, value in row.items():
                samples.setdefault(name, {}).setdefault(c.key, []).append(value)
        log(f"  timed round {r + 1}/{n.rounds}")
    return samples


# --------------------------------------------------------------------------- #
# Connections: bursts after idle, sequential streams                           #
# --------------------------------------------------------------------------- #


async def _burst(client: Any, url: str, size: int) -> int:
    results = await asyncio.gather(
        *(ainvoke(client, url) for _ in range(size)), return_exceptions=True
    )
    return sum(isinstance(r, BaseException) for r in results)


async def _bursts(server: Server, n: Counts, r: int) -> dict[str, dict[str, int]]:
    order = rotated(CONTENDERS, r)
    clients = {c.key: make_client(c, asynchronous=True) for _, c in order}
    out: dict[str, dict[str, int]] = {c.key: {} for _, c in order}
    try:
        for phase, idle in (
            ("first", 0.0),
            ("short_idle", n.short_idle),
            ("long_idle", n.long_idle),
        ):
            await asyncio.sleep(idle)
            for index, c in order:  # each burst takes ~10-50 ms: idle times stay alike
                before = server.opened(index)
                failures = await _burst(clients[c.key], server.url(index), n.burst)
                out[c.key][f"{phase}_opened"] = server.opened(index) - before
                out[c.key][f"{phase}_failures"] = failures
    finally:
        for client in clients.values():
            await client.aclose()
    return out


def run_bursts(server: Server, n: Counts) -> dict[str, dict[str, list[int]]]:
    samples: dict[str, dict[str, list[int]]] = {}
    for r in range(n.burst_rounds):
        for key, row in asyncio.run(_bursts(server, n, r)).items():
            for name, value in row.items():
                samples.setdefault(name, {}).setdefault(key, []).append(value)
        log(f"  burst round {r + 1}/{n.burst_rounds}")
    return samples


def _reuse_sync(
    c: Contender, server: Server, index: int, n: Counts
) -> dict[str, float]:
    url, body_ = server.url(index), stream_body(n.reuse_chunks)
    out: dict[str, float] = {}
    for drain in (False, True):
        with make_client(c, asynchronous=False) as client:
            before = server.opened(index)
            drains = []
            for _ in range(n.reuse_streams):
                result = stream(client, url, body_, drain=drain)
                check_stream(result, n.reuse_chunks)
                drains.append(result.drain_s)
            mode = "drain" if drain else "close"
            out[f"sync_{mode}_opened"] = server.opened(index) - before
            if drain:
                out["sync_drain_us"] = statistics.median(drains) * 1e6
    return out


async def _reuse_async(
    c: Contender, server: Server, index: int, n: Counts
) -> dict[str, float]:
    url, body_ = server.url(index), stream_body(n.reuse_chunks)
    out: dict[str, float] = {}
    for drain in (False, True):
        async with make_client(c, asynchronous=True) as client:
            before = server.opened(index)
            for _ in range(n.reuse_streams):
                check_stream(
                    await astream(client, url, body_, drain=drain), n.reuse_chunks
                )
            mode = "drain" if drain else "close"
            out[f"async_{mode}_opened"] = server.opened(index) - before
    return out


def run_reuse(server: Server, n: Counts) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for index, c in enumerate(CONTENDERS):
        out[c.key] = _reuse_sync(c, server, index, n) | asyncio.run(
            _reuse_async(c, server, index, n)
        )
    return out


# --------------------------------------------------------------------------- #
# Cancellation storms                                                          #
# --------------------------------------------------------------------------- #


def _kind(result: BaseException | object) -> str:
    if isinstance(result, asyncio.CancelledError):
        return "cancelled"
    if isinstance(result, BaseException):
        return type(result).__name__
    return "ok"


async def _read_stream(client: Any, url: str, content: bytes) -> None:
    async with client.stream("POST", url, content=content, headers=HEADERS) as response:
        async for _ in response.aiter_bytes():
            pass


async def _storm_a(
    client: Any, url: str, n: Counts, rng: random.Random
) -> Counter[str]:
    """More requests than slots, each cancelled at a random moment (httpcore#1093).

    Half wait for a delayed answer, half read a stream whose rest comes late:
    cancellations land while waiting for a slot, connecting, sending, waiting
    for the head, reading and closing.
    """
    loop = asyncio.get_running_loop()
    outcome: Counter[str] = Counter()
    slow_plain, slow_stream = body("delay_ms=40"), stream_body(5, "trickle_ms=40")
    for _ in range(n.storm_a_reps):
        tasks = []
        for i in range(n.storm_a_tasks):
            coro = (
                ainvoke(client, url, slow_plain)
                if i % 2
                else _read_stream(client, url, slow_stream)
            )
            task = asyncio.ensure_future(coro)
            loop.call_later(rng.uniform(0.0, 0.06), task.cancel)
            tasks.append(task)
        outcome.update(map(_kind, await asyncio.gather(*tasks, return_exceptions=True)))
    return outcome


async def _storm_b(
    client: Any, url: str, n: Counts, rng: random.Random
) -> Counter[str]:
    """Streams cancelled twice, one loop turn apart (httpx#3782, httpcore#1115).

    As a cascading shutdown does: `task.cancel()`, `await asyncio.sleep(0)`,
    `task.cancel()` again, while the stream waits for the rest of its body.
    """
    outcome: Counter[str] = Counter()
    content = stream_body(5, "trickle_ms=200")

    async def cancel_twice(task: asyncio.Future[None], after: float) -> None:
        await asyncio.sleep(after)
        task.cancel()
        await asyncio.sleep(0)
        task.cancel()

    for _ in range(n.storm_b_reps):
        tasks = [
            asyncio.ensure_future(_read_stream(client, url, content))
            for _ in range(n.storm_b_tasks)
        ]
        await asyncio.gather(
            *(cancel_twice(t, rng.uniform(0.005, 0.03)) for t in tasks)
        )
        outcome.update(map(_kind, await asyncio.gather(*tasks, return_exceptions=True)))
    return outcome


async def _probe(
    mod: ModuleType, client: Any, server: Server, index: int, n: Counts
) -> dict[str, Any]:
    """`probe` (= max_connections) requests held 300 ms at once, pool timeout 0.2 s.

    The server counts how many were in service at the same time: with every
    slot free, all of them; each slot a storm left taken is one fewer
    (`leaked`). The requests that found no slot in time fail with
    `PoolTimeout` (`failed`), unless the pool hands them a connection that
    another request already holds, which httpcore 1.0's pass does.
    """
    timeout = mod.Timeout(5.0, pool=0.2)
    held = body("delay_ms=300")
    server.reset_peak(index)
    t0 = time.perf_counter()
    results = await asyncio.gather(
        *(
            ainvoke(client, server.url(index), held, timeout=timeout)
            for _ in range(n.probe)
        ),
        return_exceptions=True,
    )
    outcome = Counter(map(_kind, results))
    return {
        "leaked": n.probe - server.peak(index),
        "failed": n.probe - outcome["ok"],
        "seconds": round(time.perf_counter() - t0, 3),  # 0.3 when nothing waits
        "outcome": dict(outcome),
    }


async def _storm(
    c: Contender, server: Server, index: int, n: Counts, seed: int
) -> dict[str, Any]:
    mod = importlib.import_module(c.module)
    url = server.url(index)
    rng = random.Random(seed)
    out: dict[str, Any] = {}
    async with make_client(c, asynchronous=True) as client:
        check_answer(await ainvoke(client, url))
        out["storm_a"] = dict(await _storm_a(client, url, n, rng))
        await asyncio.sleep(0.1)  # every delayed answer sent (40 ms)
        out["probe_a"] = await _probe(mod, client, server, index, n)
        out["storm_b"] = dict(await _storm_b(client, url, n, rng))
        await asyncio.sleep(0.25)  # (200 ms)
        out["probe_b"] = await _probe(mod, client, server, index, n)
        later: Counter[str] = Counter()
        for _ in range(n.later):
            try:
                check_answer(
                    await ainvoke(client, url, timeout=mod.Timeout(5.0, pool=2.0))
                )
                later["ok"] += 1
            except Exception as exc:
                later[type(exc).__name__] += 1
        out["later"] = dict(later)
        out["later_failures"] = n.later - later["ok"]
        out["server_open_after"] = server.open_now(index)
    return out


def run_storms(server: Server, n: Counts) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {c.key: [] for c in CONTENDERS}
    for r in range(n.storm_rounds):
        for index, c in rotated(CONTENDERS, r):
            # The same random cancellation times for every contender in a round.
            out[c.key].append(asyncio.run(_storm(c, server, index, n, seed=1000 + r)))
        log(f"  storm round {r + 1}/{n.storm_rounds}")
    return out


# --------------------------------------------------------------------------- #
# Import time                                                                  #
# --------------------------------------------------------------------------- #

CORE = "langchain_core.language_models.chat_models"  # where BaseChatModel lives
#: Fresh-process wall time of each line (ms).
IMPORTS = {
    "python -c pass": "pass",
    "httpx": "import httpx, httpcore",
    "httpx2": "import httpx2, httpcore2",
    "core": f"import {CORE}",
    "core + httpx": f"import {CORE}; import httpx, httpcore",
    "core + httpx2": f"import {CORE}; import httpx2, httpcore2",
}
#: What each stack adds, from `-X importtime` (cumulative µs of the stack's own
#: top-level modules, so modules already loaded cost nothing): alone, and after
#: langchain-core's chat model module.
STACK_MODULES = {"httpx": ("httpx", "httpcore"), "httpx2": ("httpx2", "httpcore2")}
_LOADED = (
    "import sys, json; import {m}; "
    "print(json.dumps(sorted(n for n in ('httpx', 'httpx2', 'httpcore', 'httpcore2') "
    "if n in sys.modules)))"
)


def _importtime_us(code: str, modules: tuple[str, ...], env: dict[str, str]) -> float:
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    ).stderr
    total = 0.0
    for line in err.splitlines():
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2][1:]  # one space, then two more per nesting level
        if not name.startswith(" ") and name.strip() in modules:
            total += int(parts[1])
    return total


def run_imports(n: Counts) -> dict[str, Any]:
    env = child_env()

    def wall(code: str) -> float:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, env=env)
        return (time.perf_counter() - t0) * 1000

    if n.import_reps > 1:  # byte code compiled, files cached (not in smoke)
        for code in IMPORTS.values():
            wall(code)
    lines = IMPORTS if n.import_reps > 1 else {"httpx": IMPORTS["httpx"]}
    samples: dict[str, list[float]] = {name: [] for name in lines}
    added: dict[str, list[float]] = {}
    for _ in range(n.import_reps):
        for name, code in lines.items():
            samples[name].append(wall(code))
        for stack, modules in STACK_MODULES.items():
            line = "import " + ", ".join(modules)
            added.setdefault(f"{stack} alone", []).append(
                _importtime_us(line, modules, env) / 1000
            )
            added.setdefault(f"{stack} after core", []).append(
                _importtime_us(f"import {CORE}; {line}", modules, env) / 1000
            )
    loaded = {}
    for m in ("langchain_core.language_models", CORE):
        text = subprocess.run(
            [sys.executable, "-c", _LOADED.format(m=m)],
            check=True,
            env=env,
            capture_output=True,
            text=True,
        ).stdout
        loaded[m] = json.loads(text)
    return {
        "wall_samples_ms": samples,
        "wall_median_ms": {name: statistics.median(v) for name, v in samples.items()},
        "importtime_samples_ms": added,
        "importtime_median_ms": {
            name: statistics.median(v) for name, v in added.items()
        },
        "stack_modules_loaded_by": loaded,
    }


# --------------------------------------------------------------------------- #
# One run, aggregation, report                                                 #
# --------------------------------------------------------------------------- #


def _median_rows(
    samples: dict[str, dict[str, list[float]]],
) -> dict[str, dict[str, float]]:
    return {
        name: {key: statistics.median(v) for key, v in per.items()}
        for name, per in samples.items()
    }


def _ratios(samples: dict[str, dict[str, list[float]]]) -> dict[str, dict[str, float]]:
    """Cost ratios vs httpx-public, lower is better (req/s inverted).

    Paired: each round's value over the reference's value in the same round,
    then the median over rounds, so a slow spell of the shared machine that
    hits one round hits both sides of its ratio.
    """
    out: dict[str, dict[str, float]] = {}
    for name in TIMED:
        per = samples.get(name, {})
        ref = per.get(REFERENCE)
        if not ref:
            continue
        out[name] = {}
        for key, values in per.items():
            pairs = zip(values, ref, strict=True)
            if name == "inflight":
                ratios = [r / v for v, r in pairs if v]
            else:
                ratios = [v / r for v, r in pairs if r]
            out[name][key] = statistics.median(ratios)
    return out


def one_run(n: Counts, *, with_imports: bool) -> dict[str, Any]:
    stages: dict[str, float] = {}

    def stage(name: str, fn: Callable[..., Any], *args: Any) -> Any:
        log(name)
        t0 = time.perf_counter()
        out = fn(*args)
        stages[name] = round(time.perf_counter() - t0, 1)
        return out

    server = stage("server start", Server, len(CONTENDERS))
    try:
        timed = stage("timed scenarios", run_timed, server, n)
        bursts = stage("bursts after idle", run_bursts, server, n)
        reuse = stage("sequential streams", run_reuse, server, n)
        storms = stage("cancellation storms", run_storms, server, n)
    finally:
        server.stop()
    medians = _median_rows(timed)
    result: dict[str, Any] = {
        "timed_samples": timed,
        "timed_medians": medians,
        "timed_min": {
            k: {c: min(v) for c, v in per.items()} for k, per in timed.items()
        },
        "timed_max": {
            k: {c: max(v) for c, v in per.items()} for k, per in timed.items()
        },
        "ratios_vs_reference": _ratios(timed),
        "bursts": bursts,
        "bursts_median": _median_rows(bursts),
        "stream_reuse": reuse,
        "storms": storms,
        "storm_summary": {
            key: {
                "leaked_after_a": [s["probe_a"]["leaked"] for s in rows],
                "probe_failed_after_a": [s["probe_a"]["failed"] for s in rows],
                "leaked_after_a_b": [s["probe_b"]["leaked"] for s in rows],
                "probe_failed_after_a_b": [s["probe_b"]["failed"] for s in rows],
                "later_failures": [s["later_failures"] for s in rows],
            }
            for key, rows in storms.items()
        },
    }
    if with_imports:
        result["imports"] = stage("import times", run_imports, n)
    result["stage_seconds"] = stages
    return result


def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in (
        "httpx",
        "httpcore",
        "httpx2",
        "httpcore2",
        "anyio",
        "h11",
        "langchain-core",
    ):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def _cpu_busy(interval: float = 0.5) -> float | None:
    def sample() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
        return sum(fields), fields[3] + fields[4]

    try:
        t0, i0 = sample()
        time.sleep(interval)
        t1, i1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return 1.0 - (i1 - i0) / (t1 - t0) if t1 > t0 else None


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit == "req/s" or value >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:.2f}"


def table(runs: list[dict[str, Any]]) -> str:
    """Markdown: per cell the median over runs, (min-max) when several runs."""
    keys = [c.key for c in CONTENDERS]

    def across(values: list[float | None], unit: str = "") -> tuple[float | None, str]:
        got = [v for v in values if v is not None]
        if not got:
            return None, "-"
        mid = statistics.median(got)
        text = _fmt(mid, unit)
        if len(got) > 1:
            text += f" ({_fmt(min(got), unit)}-{_fmt(max(got), unit)})"
        return mid, text

    lines = ["| | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for name, unit in TIMED.items():
        cells = []
        for k in keys:
            _, value = across([r["timed_medians"][name].get(k) for r in runs], unit)
            ratio, ratios = across(
                [r["ratios_vs_reference"].get(name, {}).get(k) for r in runs]
            )
            cells.append(f"{value}; {ratios}x" if ratio is not None else value)
        lines.append(f"| {name} ({unit}; cost ratio) | " + " | ".join(cells) + " |")
    counted: list[tuple[str, Callable[[dict[str, Any], str], float | None]]] = [
        (
            "conns opened, 100 in flight x batches",
            lambda r, k: r["timed_medians"]["inflight_opened"].get(k),
        ),
        (
            "conns opened, burst after short idle",
            lambda r, k: r["bursts_median"]["short_idle_opened"].get(k),
        ),
        (
            "conns opened, burst after long idle",
            lambda r, k: r["bursts_median"]["long_idle_opened"].get(k),
        ),
        (
            "burst failures (all phases)",
            lambda r, k: sum(
                sum(v[k])
                for name, v in r["bursts"].items()
                if name.endswith("failures")
            ),
        ),
        (
            "sync streams, close at [DONE]: conns",
            lambda r, k: r["stream_reuse"][k]["sync_close_opened"],
        ),
        (
            "sync streams, drain then close: conns",
            lambda r, k: r["stream_reuse"][k]["sync_drain_opened"],
        ),
        (
            "async streams, close at [DONE]: conns",
            lambda r, k: r["stream_reuse"][k]["async_close_opened"],
        ),
        (
            "async streams, drain then close: conns",
            lambda r, k: r["stream_reuse"][k]["async_drain_opened"],
        ),
        (
            "sync drain after [DONE] (µs)",
            lambda r, k: r["stream_reuse"][k]["sync_drain_us"],
        ),
        (
            "slots leaked by storm A (#1093), max",
            lambda r, k: max(r["storm_summary"][k]["leaked_after_a"]),
        ),
        (
            "  probe PoolTimeouts after A, max",
            lambda r, k: max(r["storm_summary"][k]["probe_failed_after_a"]),
        ),
        (
            "slots leaked by A + B (#1115), max",
            lambda r, k: max(r["storm_summary"][k]["leaked_after_a_b"]),
        ),
        (
            "  probe PoolTimeouts after A + B, max",
            lambda r, k: max(r["storm_summary"][k]["probe_failed_after_a_b"]),
        ),
        (
            "later requests failed, max",
            lambda r, k: max(r["storm_summary"][k]["later_failures"]),
        ),
    ]
    for label, get in counted:
        cells = [across([get(r, k) for r in runs])[1] for k in keys]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


#: A contender may be at most this much slower than the reference in any timed
#: scenario (median over runs of the paired ratio) before speed, not
#: correctness, decides.
SLOWER_LIMIT = 1.10


def decide(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The decision rule, applied to the numbers (see benchmarks/README.md).

    1. Correct under load, or out: no pool slot left taken after either
       cancellation storm, no failed burst or later request.
    2. Keeps its connections: none opened by the 100-in-flight batches or by
       the burst after a short idle (every slot kept alive).
    3. Of the contenders left, the one with the lowest geometric mean of the
       four timed cost ratios wins, if none of its ratios is above
       SLOWER_LIMIT.
    """
    rows: dict[str, dict[str, Any]] = {}
    for c in CONTENDERS:
        k = c.key
        leaked = max(
            max(
                r["storm_summary"][k]["leaked_after_a"]
                + r["storm_summary"][k]["leaked_after_a_b"]
            )
            for r in runs
        )
        failures = sum(
            sum(r["storm_summary"][k]["later_failures"])
            + sum(sum(v[k]) for n, v in r["bursts"].items() if n.endswith("failures"))
            for r in runs
        )
        opened = max(
            r["timed_medians"]["inflight_opened"][k]
            + r["bursts_median"]["short_idle_opened"][k]
            for r in runs
        )
        ratios = {
            name: statistics.median(r["ratios_vs_reference"][name][k] for r in runs)
            for name in TIMED
        }
        geo = statistics.geometric_mean(ratios.values())
        rows[k] = {
            "max_slots_leaked": leaked,
            "failures": failures,
            "connections_reopened": opened,
            "ratios": ratios,
            "geomean_ratio": geo,
            "correct": leaked == 0 and failures == 0,
            "keeps_connections": opened == 0,
            "within_speed_limit": max(ratios.values()) <= SLOWER_LIMIT,
        }
    candidates = [
        k
        for k, row in rows.items()
        if row["correct"] and row["keeps_connections"] and row["within_speed_limit"]
    ]
    winner = min(candidates, key=lambda k: rows[k]["geomean_ratio"], default=None)
    return {"rule": decide.__doc__, "rows": rows, "winner": winner}


def smoke_check(run: dict[str, Any]) -> list[str]:
    problems = []
    for name in TIMED:
        for key, value in run["timed_medians"][name].items():
            if not (value > 0 and value == value):
                problems.append(f"{name}/{key}: {value}")
    for name, per in run["bursts"].items():
        if name.endswith("failures"):
            problems += [
                f"burst {name}/{k}: {sum(v)}" for k, v in per.items() if sum(v)
            ]
    for key, rows in run["storms"].items():
        for row in rows:
            if row["storm_a"].get("ok", 0) + row["storm_a"].get("cancelled", 0) == 0:
                problems.append(f"storm A/{key}: nothing ran {row['storm_a']}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--smoke", action="store_true", help="tiny counts, < 20 s, sanity-checked"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="full runs in a row (spread)"
    )
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument("--skip-imports", action="store_true")
    args = parser.parse_args()
    for name in ("NO_PROXY", "no_proxy"):
        os.environ[name] = ",".join(
            filter(None, [os.environ.get(name, ""), "127.0.0.1,localhost"])
        )
    n = SMOKE if args.smoke else FULL
    output = args.output or HERE / "results" / (
        "http_stack.smoke.json" if args.smoke else "http_stack.json"
    )
    environment = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "loadavg_before": os.getloadavg(),
        "cpu_busy_before": None if args.smoke else _cpu_busy(),
        "versions": _versions(),
    }
    started = time.perf_counter()
    runs = []
    for i in range(max(1, args.repeat)):
        log(f"run {i + 1}/{args.repeat}")
        t0 = time.perf_counter()
        run = one_run(n, with_imports=not args.skip_imports)
        run["seconds"] = round(time.perf_counter() - t0, 1)
        run["loadavg_after"] = os.getloadavg()
        runs.append(run)
    result: dict[str, Any] = {
        "environment": environment,
        "contenders": [asdict(c) for c in CONTENDERS],
        "reference": REFERENCE,
        "counts": asdict(n),
        "runs": runs,
        "table_markdown": table(runs),
        "decision": decide(runs),
        "seconds": round(time.perf_counter() - started, 1),
    }
    decision: dict[str, Any] = result["decision"]
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(result["table_markdown"])
    for key, row in decision["rows"].items():
        flags = ("correct", "keeps_connections", "within_speed_limit")
        print(
            f"{key}: geomean ratio {row['geomean_ratio']:.2f}x,",
            {f: row[f] for f in flags},
        )
    print("winner by the rule:", decision["winner"])
    if "imports" in runs[-1]:
        imp = runs[-1]["imports"]
        print(
            "\nimport wall, ms:",
            {k: round(v) for k, v in imp["wall_median_ms"].items()},
        )
        print(
            "import added, ms:",
            {k: round(v, 1) for k, v in imp["importtime_median_ms"].items()},
        )
        print("stack modules loaded by:", imp["stack_modules_loaded_by"])
    print(f"\n{result['seconds']} s; written to {output}")
    if args.smoke:
        problems = [p for run in runs for p in smoke_check(run)]
        for problem in problems:
            log(f"SMOKE FAIL: {problem}")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
