"""The connection pool of our own clients, against a real loopback server.

httpcore 1.0 closes every connection that finishes while more than
`max_keepalive_connections` connections exist, busy ones included, so a burst
beside long requests reconnects every time, and it can lose a slot to a
cancelled request; `_pool` fixes both for the clients this package builds.
What a user can see, counted on the server:

* idle connections are kept up to the keep-alive bound while other requests
  are busy, and the next burst reuses them (sync and async);
* the bound still holds, requests beyond `max_connections` wait and complete,
  and a connection the server closed is not reused;
* cancelled requests do not take their slot with them (httpcore's pool can
  keep a never-opened connection, or a request whose close was cut short,
  for good);
* user clients, proxies and custom transports keep httpx's own pool.
"""

from __future__ import annotations

import asyncio
import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpcore
import httpx
import pytest

from langchain_synaptic_groq import _pool, _transport

from .fault_server import (
    FaultServer,
    Forever,
    Hang,
    Together,
    fault_server_fixture,  # noqa: F401  (the `fault_server` fixture)
    fault_server_session_fixture,  # noqa: F401  (its session-wide server)
    model_for,
    ok,
    own_pool_timeout,
)

pytestmark = pytest.mark.allow_hosts(["127.0.0.1"])

KEEP = _transport.DEFAULT_LIMITS.max_keepalive_connections
BUSY = 5  # requests the server never answers, holding their connections


def pool_of(client: httpx.Client | httpx.AsyncClient) -> Any:
    """The httpcore pool behind a client's default transport."""
    return client._transport._pool  # type: ignore[union-attr]


@pytest.fixture
def keep_alive(fault_server: FaultServer) -> FaultServer:
    assert fault_server.wait_until(lambda: fault_server.open_connections == 0)
    fault_server.keep_alive = True
    return fault_server


async def test_a_burst_beside_busy_requests_reuses_its_connections(
    keep_alive: FaultServer,
) -> None:
    keep_alive.script(*[Hang()] * BUSY, Forever(Together(ok("x"), KEEP)))
    model = model_for(keep_alive)
    busy = [asyncio.create_task(model.ainvoke("wait")) for _ in range(BUSY)]
    arrived = await asyncio.to_thread(keep_alive.wait_for_attempts, BUSY)
    assert arrived == BUSY
    try:
        for _ in range(3):
            answers = await asyncio.gather(*(model.ainvoke("Hi") for _ in range(KEEP)))
            assert [a.content for a in answers] == ["x"] * KEEP
        # httpcore's own pool opens up to BUSY new connections per burst here.
        assert keep_alive.connections_opened == BUSY + KEEP
    finally:
        for task in busy:
            task.cancel()
        await asyncio.gather(*busy, return_exceptions=True)


def test_a_threaded_burst_beside_busy_requests_reuses_its_connections(
    keep_alive: FaultServer,
) -> None:
    keep_alive.script(*[Hang()] * BUSY, Forever(Together(ok("x"), KEEP)))
    model = model_for(keep_alive, timeout=own_pool_timeout(read=3.0))

    def burst_call(_: int) -> str:
        return str(model.invoke("Hi").content)

    with ThreadPoolExecutor(BUSY + KEEP) as executor:
        busy = [executor.submit(model.invoke, "wait") for _ in range(BUSY)]
        assert keep_alive.wait_for_attempts(BUSY) == BUSY
        for _ in range(3):
            assert list(executor.map(burst_call, range(KEEP))) == ["x"] * KEEP
        assert keep_alive.connections_opened == BUSY + KEEP
        keep_alive.reset()  # hang up on the busy requests
        for future in busy:
            assert future.exception(10) is not None


async def test_the_keep_alive_bound_and_the_connection_limit_still_hold(
    keep_alive: FaultServer,
) -> None:
    keep_alive.script(Forever(Together(ok("x"), 3)))  # 3 in flight at a time
    limits = httpx.Limits(max_connections=3, max_keepalive_connections=2)
    async with httpx.AsyncClient(limits=limits) as client:
        assert _pool.install(client)
        url = keep_alive.base_url + "/chat/completions"
        responses = await asyncio.gather(
            *(client.post(url, json={}) for _ in range(12))
        )
        assert [r.status_code for r in responses] == [200] * 12
        assert keep_alive.connections_opened == 3  # the others waited their turn
        assert keep_alive.wait_until(lambda: keep_alive.open_connections == 2)


async def test_a_connection_the_server_closed_is_not_reused(
    keep_alive: FaultServer,
) -> None:
    keep_alive.script(Forever(ok("first")))
    model = model_for(keep_alive)
    assert (await model.ainvoke("Hi")).content == "first"
    keep_alive.reset()  # the server hangs up on the idle connection
    assert keep_alive.wait_until(lambda: keep_alive.open_connections == 0)
    keep_alive.keep_alive = True
    keep_alive.script(Forever(ok("second")))
    assert (await model.ainvoke("Hi")).content == "second"
    assert keep_alive.connections_opened == 1


async def test_our_shared_clients_get_the_pass_and_user_clients_do_not(
    fault_server: FaultServer,
) -> None:
    timeout = own_pool_timeout()
    assert type(pool_of(_transport.shared_client(timeout))) is _pool._SyncPool
    shared_async = _transport.shared_async_client(timeout)
    assert type(pool_of(shared_async)) is _pool._AsyncPool
    fault_server.script(Forever(ok("x")))
    async with httpx.AsyncClient() as mine:
        model = model_for(fault_server, http_async_client=mine)
        assert (await model.ainvoke("Hi")).content == "x"
        assert type(pool_of(mine)) is httpcore.AsyncConnectionPool


def test_install_leaves_proxies_custom_transports_and_other_httpcore_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with httpx.Client(proxy="http://127.0.0.1:9") as proxied:
        _pool.install(proxied)
        proxy_pools = [t._pool for t in proxied._mounts.values() if t is not None]
        assert proxy_pools
        assert all(type(p) is httpcore.HTTPProxy for p in proxy_pools)
    with httpx.Client(
        transport=httpx.MockTransport(lambda r: httpx.Response(200))
    ) as mocked:
        assert not _pool.install(mocked)
    monkeypatch.setattr(httpcore, "__version__", "1.1.0")
    with httpx.Client() as newer:
        assert not _pool.install(newer)
        assert type(pool_of(newer)) is httpcore.ConnectionPool


@pytest.mark.parametrize("turns", range(1, 6))
async def test_cancelled_requests_leave_no_slot_behind(
    keep_alive: FaultServer, turns: int
) -> None:
    # One slot: a request holds it, another waits for it; both are cancelled,
    # the waiting one `turns` event-loop turns after the first. In some of
    # those turns httpcore's own pool has just made a connection for the
    # waiting request, and keeps it forever: the next request finds no slot.
    keep_alive.script(Hang(), Forever(ok("x")))
    limits = httpx.Limits(max_connections=1)
    timeout = httpx.Timeout(5.0, pool=2.0)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
        assert _pool.install(client)
        url = keep_alive.base_url + "/chat/completions"
        holding = asyncio.create_task(client.post(url, json={}))
        assert await asyncio.to_thread(keep_alive.wait_for_attempts, 1) == 1
        waiting = asyncio.create_task(client.post(url, json={}))
        await asyncio.sleep(0.05)
        holding.cancel()
        for _ in range(turns):
            await asyncio.sleep(0)
        waiting.cancel()
        await asyncio.gather(holding, waiting, return_exceptions=True)
        assert (await client.post(url, json={})).status_code == 200


async def test_a_storm_of_cancellations_leaves_every_slot_usable(
    keep_alive: FaultServer,
) -> None:
    # 300 requests on 4 slots, most cancelled after a random moment (waiting
    # for a slot, connecting, sending, reading or closing). httpcore's own
    # pool keeps connections those requests never used (never opened, or
    # opened and never sent on), and requests whose close was cut short, each
    # holding a slot; afterwards 4 requests must still be in flight together.
    keep_alive.script(Forever(ok("x")))
    rng = random.Random(7)
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=2)
    timeout = httpx.Timeout(5.0, pool=3.0)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
        assert _pool.install(client)
        url = keep_alive.base_url + "/chat/completions"

        async def cancel_later(task: asyncio.Task[Any], delay: float) -> None:
            await asyncio.sleep(delay)
            task.cancel()

        tasks = [asyncio.create_task(client.post(url, json={})) for _ in range(300)]
        cancels = [
            cancel_later(task, rng.uniform(0, 0.05))
            for task in tasks
            if rng.random() < 0.7
        ]
        await asyncio.gather(*cancels)
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, httpx.Response):
                assert outcome.status_code == 200
            else:
                assert isinstance(outcome, asyncio.CancelledError)

        keep_alive.reset()  # the server hangs up on every connection
        closed = lambda: keep_alive.open_connections == 0  # noqa: E731
        assert await asyncio.to_thread(keep_alive.wait_until, closed)
        keep_alive.keep_alive = True
        keep_alive.script(Forever(Together(ok("y"), 4)))
        burst = await asyncio.gather(*(client.post(url, json={}) for _ in range(4)))
        assert [r.status_code for r in burst] == [200] * 4
        assert len(pool_of(client).connections) <= 4


@pytest.mark.parametrize("turns", range(1, 4))
async def test_a_close_cut_short_by_cancellation_gives_the_slot_back(
    keep_alive: FaultServer, turns: int
) -> None:
    # A response is read, then its close is cancelled `turns` event-loop
    # turns after it started; httpcore's own pool keeps that request (and
    # its one slot) when the cancellation lands inside the close.
    keep_alive.script(Forever(ok("x")))
    limits = httpx.Limits(max_connections=1)
    timeout = httpx.Timeout(5.0, pool=2.0)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
        assert _pool.install(client)
        url = keep_alive.base_url + "/chat/completions"
        request = client.build_request("POST", url, json={})
        response = await client.send(request, stream=True)
        body = b""
        async for part in response.stream:  # the body, without httpx's close
            body += part
        assert b"x" in body
        closing = asyncio.create_task(response.aclose())
        for _ in range(turns):
            await asyncio.sleep(0)
        closing.cancel()
        await asyncio.gather(closing, return_exceptions=True)
        assert (await client.post(url, json={})).status_code == 200
