"""A linear-cost connection-assignment pass for our pooled httpx clients.

httpcore 1.0 runs `_assign_requests_to_connections` every time a request
starts or a response closes. Its pass has two faults that show as soon as
more than `max_keepalive_connections` (20) requests are in flight, as in any
agent or batch fanning out to Groq:

* it compares the count of *all* connections, not of idle ones, with
  `max_keepalive_connections`, so every connection that finishes while
  others are busy is closed at once, and the next burst opens new ones
  (a new TCP and TLS handshake with Groq for each);
* it rebuilds the idle list once per idle connection and the candidate lists
  once per queued request: O(connections x (connections + queued)) per pass.

Measured on the benchmark's loopback server with 100 requests in flight, the
stock pass left throughput between 590 and 950 requests/s from one run to the
next; with this pass it is about 1,020 requests/s in every run (see
`benchmarks/`). The fix is upstream but unreleased (encode/httpcore#1035, and
the same rewrite in pydantic/httpx2#974 and #1075); this module ports its
approach to httpcore 1.0. It is written by hand because no released httpx /
httpcore pair has it.

The pass is installed only on the clients this package builds for itself
(HTTP/1.1, no proxy), and only on the httpcore line it was written against;
anything else keeps httpcore's own pass. User-supplied clients are never
touched.
"""

from __future__ import annotations

from typing import Any

import httpcore

#: The httpcore line whose pool internals this pass was written and tested
#: against (`_connections`, `_requests`, `create_connection`, ...).
_SUPPORTED = "1.0."


def assign_requests_to_connections(pool: Any) -> list[Any]:
    """One assignment pass, linear in connections plus requests.

    Same decisions as httpcore's pass, in the same order (oldest connection
    first), with two changes: the keep-alive bound counts idle connections,
    and a connection a request holds (sending, reading, or assigned and about
    to send) is never closed or handed to a second request.

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
        elif connection.has_expired():  # keep-alive over, or server hung up
            closing.append(connection)
        else:
            kept.append(connection)
            if connection.is_idle():
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


def install(client: Any) -> bool:
    """Give a client we built the linear pass, where it is known to fit.

    The pool object is kept (with its connections, limits and TLS context);
    only its class changes to a subclass that overrides the one method. The
    client keeps httpx's own transport, so environment proxies and every
    other httpx setting work as before.

    Args:
        client: An `httpx.Client` or `httpx.AsyncClient` built by this package.

    Returns:
        Whether the pass was installed (False: httpcore's own pass stays).
    """
    if not httpcore.__version__.startswith(_SUPPORTED):
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
