"""The transport's connection pools, against a real loopback server.

httpx 0.28's pool (httpcore 1.0) closes every connection that finishes
while more than `max_keepalive_connections` exist, busy ones included, and
loses slots to cancelled requests (encode/httpcore#1093, #1115); the
transport runs on httpx2, whose pool has neither fault. What a user can see,
counted on the server, through the shared clients and through user httpx2
clients with small limits:

* idle connections are kept while other requests are busy, and the next
  burst reuses them (sync and async);
* an event loop's shared connections (100, over four pools of 25) are all
  kept: a fan-out of 100 opens 100 connections once, and the next fan-outs
  open none; calls made one at a time use one connection; requests beyond
  100 wait for a slot and complete;
* the keep-alive bound and the connection limit of a user client hold;
  requests beyond `max_connections` wait and complete, and a connection the
  server closed is not reused;
* cancelled requests and streams, one by one or in storms, leave every slot
  usable.
"""

from __future__ import annotations

import asyncio
import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2
import pytest

from tests.support.fault_server import (
    FaultServer,
    Forever,
    Hang,
    Reply,
    Stream,
    Together,
    completion,
    delta,
    final,
    model_for,
    own_pool_timeout,
)

pytestmark = pytest.mark.allow_hosts(["127.0.0.1"])

BURST = 20  # httpx's default keep-alive bound, where httpcore 1.0 went wrong
BUSY = 5  # requests the server never answers, holding their connections


def ok(text: str) -> Reply:
    """A completion without rate-limit headers: nothing for the pacer to wait
    for, so every request of a burst is sent at once."""
    return Reply(200, completion(text))


@pytest.fixture
def keep_alive(fault_server: FaultServer) -> FaultServer:
    assert fault_server.wait_until(lambda: fault_server.open_connections == 0)
    fault_server.keep_alive = True
    return fault_server


def user_client(connections: int, keep: int | None = None) -> httpx2.AsyncClient:
    limits = httpx2.Limits(max_connections=connections, max_keepalive_connections=keep)
    return httpx2.AsyncClient(limits=limits, timeout=httpx2.Timeout(5.0, pool=3.0))


async def test_a_burst_beside_busy_requests_reuses_its_connections(
    keep_alive: FaultServer,
) -> None:
    keep_alive.script(*[Hang()] * BUSY, Forever(Together(ok("x"), BURST)))
    model = model_for(keep_alive)
    busy = [asyncio.create_task(model.ainvoke("wait")) for _ in range(BUSY)]
    arrived = await asyncio.to_thread(keep_alive.wait_for_attempts, BUSY)
    assert arrived == BUSY
    try:
        for _ in range(3):
            answers = await asyncio.gather(*(model.ainvoke("Hi") for _ in range(BURST)))
            assert [a.content for a in answers] == ["x"] * BURST
        assert keep_alive.connections_opened == BUSY + BURST
    finally:
        for task in busy:
            task.cancel()
        await asyncio.gather(*busy, return_exceptions=True)


FAN_OUT = 100  # the shared async connections of one event loop


async def test_fan_outs_of_a_hundred_keep_their_hundred_connections(
    keep_alive: FaultServer,
) -> None:
    keep_alive.script(Forever(Together(ok("x"), FAN_OUT)))
    model = model_for(keep_alive)
    for _ in range(3):
        answers = await asyncio.gather(*(model.ainvoke("Hi") for _ in range(FAN_OUT)))
        assert [a.content for a in answers] == ["x"] * FAN_OUT
        # Together answers only once all 100 wait: 100 connections at once.
        assert keep_alive.connections_opened == FAN_OUT


async def test_calls_one_at_a_time_use_one_connection(
    keep_alive: FaultServer,
) -> None:
    keep_alive.script(Forever(ok("y")))
    model = model_for(keep_alive)
    for _ in range(10):
        assert (await model.ainvoke("again")).content == "y"
    assert keep_alive.connections_opened == 1


async def test_requests_beyond_the_shared_connections_wait_and_complete(
    keep_alive: FaultServer,
) -> None:
    keep_alive.script(Forever(ok("x")))
    model = model_for(keep_alive)
    answers = await asyncio.gather(*(model.ainvoke("Hi") for _ in range(250)))
    assert [a.content for a in answers] == ["x"] * 250
    assert keep_alive.connections_opened <= FAN_OUT


def test_a_threaded_burst_beside_busy_requests_reuses_its_connections(
    keep_alive: FaultServer,
) -> None:
    keep_alive.script(*[Hang()] * BUSY, Forever(Together(ok("x"), BURST)))
    model = model_for(keep_alive, timeout=own_pool_timeout(read=3.0))

    def burst_call(_: int) -> str:
        return str(model.invoke("Hi").content)

    with ThreadPoolExecutor(BUSY + BURST) as executor:
        busy = [executor.submit(model.invoke, "wait") for _ in range(BUSY)]
        assert keep_alive.wait_for_attempts(BUSY) == BUSY
        for _ in range(3):
            assert list(executor.map(burst_call, range(BURST))) == ["x"] * BURST
        assert keep_alive.connections_opened == BUSY + BURST
        keep_alive.reset()  # hang up on the busy requests
        for future in busy:
            assert future.exception(10) is not None


async def test_a_user_clients_keep_alive_bound_and_limit_hold(
    keep_alive: FaultServer,
) -> None:
    keep_alive.script(Forever(Together(ok("x"), 3)))  # 3 in flight at a time
    async with user_client(3, keep=2) as client:
        model = model_for(keep_alive, http_async_client=client)
        answers = await asyncio.gather(*(model.ainvoke("Hi") for _ in range(12)))
        assert [a.content for a in answers] == ["x"] * 12
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


@pytest.mark.parametrize("turns", range(1, 6))
async def test_cancelled_requests_leave_no_slot_behind(
    keep_alive: FaultServer, turns: int
) -> None:
    # One slot: a request holds it, another waits for it; both are cancelled,
    # the waiting one `turns` event-loop turns after the first. In some of
    # those turns httpcore 1.0's pool had just made a connection for the
    # waiting request, and kept it forever: the next request found no slot.
    keep_alive.script(Hang(), Forever(ok("x")))
    async with user_client(1) as client:
        model = model_for(keep_alive, http_async_client=client)
        holding = asyncio.create_task(model.ainvoke("Hi"))
        assert await asyncio.to_thread(keep_alive.wait_for_attempts, 1) == 1
        waiting = asyncio.create_task(model.ainvoke("Hi"))
        await asyncio.sleep(0.05)
        holding.cancel()
        for _ in range(turns):
            await asyncio.sleep(0)
        waiting.cancel()
        await asyncio.gather(holding, waiting, return_exceptions=True)
        assert (await model.ainvoke("Hi")).content == "x"


async def _cancel_later(task: asyncio.Task[Any], delay: float) -> None:
    await asyncio.sleep(delay)
    task.cancel()


@pytest.mark.parametrize("shared", [True, False], ids=["shared", "user-client"])
async def test_a_storm_of_cancellations_leaves_every_slot_usable(
    keep_alive: FaultServer, shared: bool
) -> None:
    # More requests than slots, most cancelled after a random moment (waiting
    # for a slot, connecting, sending, reading or closing). httpcore 1.0's
    # pool kept connections those requests never used, and requests whose
    # close was cut short, each holding a slot; afterwards every slot must
    # still take a request, all of them in flight together.
    slots = 100 if shared else 4
    keep_alive.script(Forever(ok("x")))
    rng = random.Random(7)
    async with user_client(slots, keep=2) as client:
        kwargs: dict[str, Any] = {} if shared else {"http_async_client": client}
        model = model_for(keep_alive, timeout=own_pool_timeout(pool=3.0), **kwargs)
        tasks = [asyncio.create_task(model.ainvoke("Hi")) for _ in range(300)]
        cancels = [
            _cancel_later(task, rng.uniform(0, 0.05))
            for task in tasks
            if rng.random() < 0.7
        ]
        await asyncio.gather(*cancels)
        outcomes = await asyncio.gather(*tasks, return_exceptions=True)
        for outcome in outcomes:
            if not isinstance(outcome, asyncio.CancelledError):
                assert outcome.content == "x"  # type: ignore[union-attr]

        keep_alive.reset()  # the server hangs up on every connection
        closed = lambda: keep_alive.open_connections == 0  # noqa: E731
        assert await asyncio.to_thread(keep_alive.wait_until, closed)
        keep_alive.keep_alive = True
        keep_alive.script(Forever(Together(ok("y"), slots)))
        burst = await asyncio.gather(*(model.ainvoke("Hi") for _ in range(slots)))
        assert [a.content for a in burst] == ["y"] * slots


@pytest.mark.parametrize("turns", range(1, 4))
async def test_streams_cancelled_twice_give_their_slot_back(
    keep_alive: FaultServer, turns: int
) -> None:
    # A cascading shutdown cancels a task twice, one loop turn apart; httpcore
    # 1.0 kept the slot of a stream whose close the second cancellation cut
    # short (encode/httpcore#1115).
    # `[DONE]`, then the server holds the response open: every close happens
    # with the body unfinished, the case where the close does I/O.
    keep_alive.script(Forever(Stream([delta("a"), delta("b"), final()], end="hold")))
    async with user_client(1) as client:
        model = model_for(keep_alive, http_async_client=client)

        async def consume() -> str:
            text = ""
            async for chunk in model.astream("Hi"):
                text += str(chunk.content)
                await asyncio.sleep(0)
            return text

        for _ in range(6):
            task = asyncio.create_task(consume())
            for _ in range(turns):
                await asyncio.sleep(0)
            task.cancel()
            await asyncio.sleep(0)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        assert await consume() == "ab"  # the one slot is free
