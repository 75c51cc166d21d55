"""A corrected httpcore connection pool for the httpx clients we build.

httpcore 1.0 runs `_assign_requests_to_connections` every time a request
starts or a response closes. Its pool has three faults:

* it compares the count of *all* connections, not of idle ones, with
  `max_keepalive_connections`, so once more than 20 requests are in flight
  (an agent or a batch fanning out to Groq) every connection that finishes
  while others are busy is closed, and the next burst opens new ones, each
  with a new TCP and TLS handshake;
* it rebuilds the idle list once per idle connection and the candidate lists
  once per queued request: O(connections x (connections + queued)) per pass;
* a request cancelled between the pass creating a connection for it and
  opening it leaves that connection in the pool for good, holding a slot;
  enough such cancellations and every request ends in `PoolTimeout`
  (encode/httpcore#1093). So does a request cancelled while its response
  is being closed (encode/httpcore#1115): fixed by `_ReleasingByteStream`.

Measured on the benchmark's loopback server with 100 requests in flight, the
stock pass left throughput between 590 and 950 requests/s from one run to the
next; with this pass it is about 1,050 requests/s in every run (see
`benchmarks/`). The fixes are open pull requests in httpcore
(encode/httpcore#1035, #1099, #1116) and released only in pydantic's fork
httpx2 (pydantic/httpx2#974, #983, #1075), whose client classes are not
httpx's: moving to it would change what users pass as `http_client`. So this
module ports their approach to httpcore 1.0, by hand.

The corrected pool is installed only on the clients this package builds for
itself (HTTP/1.1, no proxy), and only on the httpcore line it was written
against; anything else keeps httpcore's own. User-supplied clients are never
touched.
"""

from __future__ import annotations

from typing import Any

import httpcore

try:  # private; a later httpcore may move it, and `install` then declines
    from httpcore._async.connection_pool import PoolByteStream as _PoolByteStream

    _FOUND = True
except ImportError:  # pragma: no cover - only on an unsupported httpcore
    _PoolByteStream = object  # type: ignore[assignment,misc]
    _FOUND = False

#: The httpcore line whose pool internals this pass was written and tested
#: against (`_connections`, `_requests`, `create_connection`, ...).
_SUPPORTED = "1.0."


def assign_requests_to_connections(pool: Any) -> list[Any]:
    """One assignment pass, linear in connections plus requests.

    Same decisions as httpcore's pass, in the same order (oldest connection
    first), with three changes: the keep-alive bound counts idle connections;
    a connection a request holds (sending, reading, or assigned and about to
    send) is never closed or handed to a second request; and one that is
    neither held nor idle (left by a cancelled request) is dropped.

    Args:
        pool: An `httpcore.ConnectionPool` or `AsyncConnectionPool`, called
            under its lock.

    Returns:
        The connections to close (outside the lock), as httpcore expects.
    """
    closing: list[Any] = []
    held = {r.connection for r in pool._requests if r.connection is not None}
    kept: list[Any] = []
    idle: list[Any] = []
    for connection in pool._connections:
        if connection.is_closed():
            continue
        if connection in held:
            kept.append(connection)
        elif not connection.is_idle():
            # Neither idle nor held: left by a request cancelled before it
            # used it (never opened, or opened and never sent on:
            # encode/httpcore#1093) or while closing its response (#1115, see
            # `_ReleasingByteStream`). Nothing will use it again; httpcore
            # keeps it, holding a pool slot for good.
            closing.append(connection)
        elif connection.has_expired():  # keep-alive over, or server hung up
            closing.append(connection)
        else:
            kept.append(connection)
            idle.append(connection)

    surplus = len(idle) - pool._max_keepalive_connections
    if surplus > 0:
        evicted = set(idle[:surplus])
        del idle[:surplus]
        closing.extend(evicted)
        kept = [connection for connection in kept if connection not in evicted]
    pool._connections = kept

    for request in pool._requests:
        if not request.is_queued():
            continue
        origin = request.request.url.origin
        connection = _take_idle(idle, origin)
        if connection is None:
            if len(kept) >= pool._max_connections:
                if not idle:
                    break  # every connection is busy: the rest wait
                # Full of idle connections to other hosts: replace the oldest.
                old = idle.pop(0)
                kept.remove(old)
                closing.append(old)
            connection = pool.create_connection(origin)
            kept.append(connection)
        request.assign_to_connection(connection)
    return closing


def _take_idle(idle: list[Any], origin: Any) -> Any:
    for n, connection in enumerate(idle):
        if connection.can_handle_request(origin) and connection.is_available():
            return idle.pop(n)
    return None


class _SyncPool(httpcore.ConnectionPool):
    def _assign_requests_to_connections(self) -> list[Any]:
        return assign_requests_to_connections(self)


class _AsyncPool(httpcore.AsyncConnectionPool):
    def _assign_requests_to_connections(self) -> list[Any]:
        return assign_requests_to_connections(self)

    async def handle_async_request(self, request: httpcore.Request) -> Any:
        response = await super().handle_async_request(request)
        if type(response.stream) is _PoolByteStream:
            response.stream.__class__ = _ReleasingByteStream
        return response


class _ReleasingByteStream(_PoolByteStream):
    """httpcore's response stream, whose close always releases its request.

    httpcore marks the stream closed before the awaits that finish closing
    it; a cancellation landing in one of them (a timeout around `ainvoke`, a
    cancelled agent step) leaves the request registered and its connection
    busy for good (encode/httpcore#1115). Then the request is forgotten here,
    and the next pass finds its connection neither idle nor held and closes
    it.
    """

    async def aclose(self) -> None:
        try:
            await super().aclose()
        finally:
            pool, request = self._pool, self._pool_request
            with pool._optional_thread_lock:
                if request in pool._requests:  # the close was cut short
                    pool._requests.remove(request)


def install(client: Any) -> bool:
    """Give a client we built the corrected pool, where it is known to fit.

    The pool object is kept (with its connections, limits and TLS context);
    only its class changes, to a subclass that replaces the assignment pass
    (and, async, makes every response close release its request). The client
    keeps httpx's own transport, so environment proxies and every other httpx
    setting work as before.

    Args:
        client: An `httpx.Client` or `httpx.AsyncClient` built by this package.

    Returns:
        Whether it was installed (False: httpcore's own pool stays).
    """
    if not (_FOUND and httpcore.__version__.startswith(_SUPPORTED)):
        return False
    pool = getattr(getattr(client, "_transport", None), "_pool", None)
    if getattr(pool, "_http2", True):
        return False  # the pass hands each idle connection to one request
    if type(pool) is httpcore.ConnectionPool:
        pool.__class__ = _SyncPool
    elif type(pool) is httpcore.AsyncConnectionPool:
        pool.__class__ = _AsyncPool
    else:
        return False  # a proxy or a custom transport
    return True
