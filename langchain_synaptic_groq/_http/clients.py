"""The httpx2 clients this package shares, and the user clients it accepts.

Building a client costs ~1 ms and a TLS context ~15 ms; ChatGroq builds two
per instance. So the package's own clients are shared, one per:

* process: after `os.fork()` the child must not touch the parent's clients:
  their sockets are the parent's too, and a request from both sides would mix
  the two conversations on one connection. The child starts with empty maps;
  the parent's clients are kept alive (not closed, not collected) in it, so
  that nothing in the child shuts a socket the parent still uses.
* event loop (async clients): a connection belongs to the loop that opened
  it. Each loop's clients are closed when the loop shuts down
  (`loop.shutdown_asyncgens()`, which `asyncio.run` and `asyncio.Runner` call
  before closing it), so a program that runs `asyncio.run` per request keeps
  no socket of a finished loop; a loop closed without it is forgotten the
  next time a new loop asks for a client.
* environment: the proxy variables (`HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY`,
  `NO_PROXY`, read as `urllib.request.getproxies` reads them, as httpx2 does)
  and `SSL_CERT_FILE` / `SSL_CERT_DIR`, as they are when a model's transport
  is made (`Settings`): a model built after they changed gets a client built
  from the new values; models built under the same values share one.
* timeout.

Each shared client comes with a gate: a semaphore with one slot per pooled
connection, taken for the whole of a request or stream. The pool scans every
waiting request against every connection each time one frees up; with 500
coroutines on 100 connections that bookkeeping took 2.5 s of CPU for 500
loopback requests, against 0.4 s when the extra requests wait here instead.
User clients have no gate: their limits are unknown.

An event loop's 100 slots are split over four async clients of 25
connections each (`_Shards`), filled in order: a request takes the first
client with a free slot, so calls made one at a time all use the first
client and its one connection. httpcore2 polls every idle connection of a
pool on each pass (through anyio, ~8 us a poll), twice per request: with one
pool of 100 and 100 requests in flight that was ~94 polls per request, and
throughput about 30 % below the former hand-patched httpx pool. Four pools
of 25 keep the same 100 connections alive (none reopened between fan-outs)
and poll at most 25 per pass: ~1.2 ms of CPU per request on loopback instead
of ~1.8 ms (benchmarks/README.md, "100 in flight"). Ten pools of 10 measured
~1.0 ms, but past 100 in flight each pool queues its own waiters, and small
queues behind slow answers wait longer. The sync client keeps one pool:
threads rarely reach such numbers, and its polls skip anyio.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
import sys
import threading
from collections.abc import AsyncIterator
from typing import Any
from urllib.request import getproxies

import certifi
import httpx2

from langchain_synaptic_groq._http import async_, sync

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_TIMEOUT",
    "Settings",
    "Shared",
    "check_async_client",
    "check_sync_client",
    "make_timeout",
    "shared_async",
    "shared_sync",
]

logger = logging.getLogger("langchain_synaptic_groq")

DEFAULT_TIMEOUT = httpx2.Timeout(60.0, connect=5.0)
# Chosen by measurement (benchmarks/http_stack.py, results/http_stack.json):
# with 100 in flight, httpx2's default of 20 kept-alive connections reopens 80
# per fan-out (80 TLS handshakes against Groq); keeping all 100 reopens none.
# Idle connections expire after 4 s, before the 5 s keep-alive timeout common
# to servers (llama.cpp, nginx): reusing one the server is closing fails with
# "Server disconnected".
DEFAULT_LIMITS = httpx2.Limits(
    max_connections=100, max_keepalive_connections=100, keepalive_expiry=4.0
)
_SLOTS = 100  # = DEFAULT_LIMITS.max_connections; an event loop's, over its shards
_SHARD = 25  # connections (and slots) per async client; see the module's docstring
_TIMEOUT_FORMS = (
    "timeout must be seconds, a (connect, read) tuple, an httpx2.Timeout or an "
    "httpx.Timeout, got "
)


# -- what users pass ---------------------------------------------------------------


def _legacy_httpx() -> Any:
    """The httpx module if it is loaded (a user client of httpx implies it)."""
    return sys.modules.get("httpx")


def make_timeout(value: Any) -> httpx2.Timeout:
    """Normalise a user timeout to an `httpx2.Timeout` that is never unbounded.

    Args:
        value: `None` (the default: 60 s read, 5 s connect), seconds as a
            number, a `(connect, read)` tuple, an `httpx2.Timeout` or an
            `httpx.Timeout`.

    Returns:
        The timeout to use.

    Raises:
        ValueError: If the value is not one of those forms or not positive.
    """
    if value is None:
        return DEFAULT_TIMEOUT
    if isinstance(value, httpx2.Timeout):
        return value
    legacy = _legacy_httpx()
    if legacy is not None and isinstance(value, legacy.Timeout):
        return httpx2.Timeout(**value.as_dict())
    if isinstance(value, bool):
        raise ValueError(_TIMEOUT_FORMS + repr(value))
    if isinstance(value, int | float):
        if value <= 0:
            msg = f"timeout must be positive seconds, got {value!r}"
            raise ValueError(msg)
        return httpx2.Timeout(float(value), connect=min(5.0, float(value)))
    if isinstance(value, tuple) and len(value) == 2:
        connect, read = value
        return httpx2.Timeout(read, connect=connect)
    raise ValueError(_TIMEOUT_FORMS + repr(value))


def _check_client(value: Any, name: str, kind: str) -> Any:
    if value is None or isinstance(value, getattr(httpx2, kind)):
        return value
    legacy = _legacy_httpx()
    if legacy is not None and isinstance(value, getattr(legacy, kind)):
        return value
    msg = (
        f"{name} must be an httpx2.{kind} or an httpx.{kind}, got "
        f"{type(value).__module__}.{type(value).__qualname__}"
    )
    raise ValueError(msg)


def check_sync_client(value: Any) -> Any:
    """`value` if it is `None` or a client for `http_client`.

    Raises:
        ValueError: Unless it is an `httpx2.Client` or an `httpx.Client`.
    """
    return _check_client(value, "http_client", "Client")


def check_async_client(value: Any) -> Any:
    """`value` if it is `None` or a client for `http_async_client`.

    Raises:
        ValueError: Unless it is an `httpx2.AsyncClient` or an
            `httpx.AsyncClient`.
    """
    return _check_client(value, "http_async_client", "AsyncClient")


# -- what shared clients are built from ----------------------------------------------

_lock = threading.Lock()
_keys: dict[tuple[Any, ...], int] = {}
_contexts: dict[tuple[str | None, str | None], ssl.SSLContext] = {}


def _ssl_context(cafile: str | None, capath: str | None) -> ssl.SSLContext:
    """The CAs httpx 0.28 trusted by default, once per pair of values.

    `SSL_CERT_FILE`, else `SSL_CERT_DIR`, else certifi's bundle, as httpx
    builds its default context: httpx2's own default on Linux is the
    system's store instead, which would change what the package trusts.
    Loading a bundle takes ~15 ms, so each context is built once.
    """
    key = (cafile, capath)
    context = _contexts.get(key)
    if context is None:
        if cafile:
            context = ssl.create_default_context(cafile=cafile)
        elif capath:
            context = ssl.create_default_context(capath=capath)
        else:
            context = ssl.create_default_context(cafile=certifi.where())
        _contexts[key] = context
    return context


class Settings:
    """What a transport's shared client is built from, read when it is made.

    The environment is read here, not when the client is built (on first
    use), so that models built under the same values share one client. The
    client itself reads the proxy variables again when it is built; they are
    the same unless they changed in between.
    """

    __slots__ = ("_cafile", "_capath", "key", "timeout")

    def __init__(self, timeout: httpx2.Timeout) -> None:
        self.timeout = timeout
        self._cafile = os.environ.get("SSL_CERT_FILE") or None
        self._capath = os.environ.get("SSL_CERT_DIR") or None
        values = (
            timeout.connect,
            timeout.read,
            timeout.write,
            timeout.pool,
            tuple(sorted(getproxies().items())),
            self._cafile,
            self._capath,
        )
        # A small int: hashed on every request, where the tuple is not.
        key = _keys.get(values)
        if key is None:
            with _lock:
                key = _keys.setdefault(values, len(_keys))
        self.key = key

    def _options(self, limits: httpx2.Limits = DEFAULT_LIMITS) -> dict[str, Any]:
        return {
            "timeout": self.timeout,
            "limits": limits,
            "verify": _ssl_context(self._cafile, self._capath),
        }

    def build_sync(self) -> Shared:
        """A new sync client and its gate."""
        gate = sync.Gate(threading.BoundedSemaphore(_SLOTS), self.timeout.pool)
        return Shared(httpx2.Client(**self._options()), gate)

    def build_async(self, slots: int = _SHARD) -> Shared:
        """A new async client of `slots` connections and its gate.

        For the running event loop: one of its `_Shards`.
        """
        limits = httpx2.Limits(
            max_connections=slots,
            max_keepalive_connections=slots,
            keepalive_expiry=DEFAULT_LIMITS.keepalive_expiry,
        )
        gate = async_.Gate(asyncio.BoundedSemaphore(slots), self.timeout.pool)
        return Shared(httpx2.AsyncClient(**self._options(limits)), gate)


class Shared:
    """A shared client and its gate (`hold`)."""

    __slots__ = ("client", "hold")

    def __init__(self, client: Any, hold: Any) -> None:
        self.client = client
        self.hold = hold


# -- per process ---------------------------------------------------------------------

_sync_clients: dict[int, Shared] = {}
_loops: dict[asyncio.AbstractEventLoop, _LoopClients] = {}
_pid = os.getpid()
_inherited: list[Any] = []


def _after_fork_in_child() -> None:
    """Give a forked child its own lock and empty client maps."""
    global _lock, _pid
    # A lock held by another thread of the parent at fork time would stay
    # held in the child forever.
    _lock = threading.Lock()
    _inherited.append((list(_sync_clients.values()), list(_loops.values())))
    _sync_clients.clear()
    _loops.clear()
    _pid = os.getpid()


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_after_fork_in_child)


def shared_sync(settings: Settings) -> Shared:
    """The process's sync client for `settings` (a new one after a fork)."""
    if os.getpid() != _pid:  # forked without the at-fork hook
        _after_fork_in_child()
    shared = _sync_clients.get(settings.key)
    if shared is None:
        with _lock:
            shared = _sync_clients.get(settings.key)
            if shared is None:
                shared = settings.build_sync()
                _sync_clients[settings.key] = shared
    return shared


# -- per event loop -------------------------------------------------------------------


class _Shards:
    """One event loop's async clients for one `Settings`, filled in order.

    Built one at a time, when every earlier one is full. Picking and taking
    the slot happen without a suspension in between (`Gate` acquires a free
    semaphore without waiting), so a free slot picked is a slot taken.
    """

    __slots__ = ("built", "settings", "sizes", "turn")

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # _SLOTS in shards of _SHARD (read here: tests shrink _SLOTS).
        full, rest = divmod(_SLOTS, _SHARD)
        self.sizes = [_SHARD] * full + ([rest] if rest else [])
        self.built: list[Shared] = []
        self.turn = 0

    def pick(self) -> Shared:
        for shared in self.built:
            if not shared.hold.slots.locked():
                return shared
        if len(self.built) < len(self.sizes):
            shared = self.settings.build_async(self.sizes[len(self.built)])
            self.built.append(shared)
            return shared
        # All full: wait on each in turn, so no one queue grows alone.
        self.turn += 1
        return self.built[self.turn % len(self.built)]


class _LoopClients:
    """The shared async clients of one event loop, closed when it shuts down."""

    __slots__ = ("clients", "closer", "pid")

    def __init__(self) -> None:
        self.clients: dict[int, _Shards] = {}
        self.pid = os.getpid()
        self.closer: AsyncIterator[None] | None = None


async def shared_async(settings: Settings) -> Shared:
    """The running event loop's async client for `settings`, with its gate.

    The first of the loop's clients with a free slot: the same one for calls
    made one at a time.
    """
    if os.getpid() != _pid:  # forked without the at-fork hook
        _after_fork_in_child()
    loop = asyncio.get_running_loop()
    per_loop = _loops.get(loop)
    if per_loop is None:
        per_loop = await _open_loop(loop)
    shards = per_loop.clients.get(settings.key)
    if shards is None:
        shards = _Shards(settings)
        per_loop.clients[settings.key] = shards
    return shards.pick()


async def _open_loop(loop: asyncio.AbstractEventLoop) -> _LoopClients:
    # Loops closed without `shutdown_asyncgens` never said they finished:
    # forget their clients (the garbage collector then closes their sockets).
    for old in [old for old in list(_loops) if old.is_closed()]:
        _loops.pop(old, None)
    per_loop = _LoopClients()
    _loops[loop] = per_loop
    per_loop.closer = _close_at_shutdown(loop, per_loop)
    # Started here, suspended at its `yield` for the life of the loop: the
    # loop's async-generator hooks have registered it, so the loop's
    # `shutdown_asyncgens()` finishes it, which closes the clients.
    await anext(per_loop.closer)
    return per_loop


async def _close_at_shutdown(
    loop: asyncio.AbstractEventLoop, per_loop: _LoopClients
) -> AsyncIterator[None]:
    try:
        yield
    finally:
        if _loops.get(loop) is per_loop:
            del _loops[loop]
        if per_loop.pid == os.getpid():  # never a parent's sockets in a child
            built = [s.built for s in list(per_loop.clients.values())]
            for shared in [shared for shards in built for shared in shards]:
                try:
                    await shared.client.aclose()
                except Exception:  # closing: nothing left to give the error to
                    logger.debug("closing a shared client failed", exc_info=True)
