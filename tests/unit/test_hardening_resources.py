"""Resource bounds against a real loopback server: stalls, size limits, pools.

* `stream_chunk_timeout`: a stream that stalls mid-way raises
  `GroqTimeoutError` naming the setting (sync and async); the wait for the
  response head keeps the read timeout.
* `max_response_bytes`: an answer over the bound is refused while it is read
  (a body that would go on for 64 MiB is cut at 1 MiB), never retried; an
  error page over the bound is cut and still classified by its status.
* Connections: after errors, refusals, stalls and a consumer that stops
  reading a stream, the client's connections are back in its pool or closed:
  counted on the server, they do not grow with the number of calls.

Nothing here measures time: a stall test checks the error class and message.
"""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk

from langchain_synaptic_groq import (
    ChatGroqSynaptic,
    GroqAPIError,
    GroqError,
    GroqStreamError,
    GroqTimeoutError,
)
from langchain_synaptic_groq._http import clients
from langchain_synaptic_groq._transport import DEFAULT_MAX_RESPONSE_BYTES
from tests.support.fault_server import (
    FaultServer,
    Flood,
    Forever,
    Hang,
    Reply,
    Stream,
    completion,
    delta,
    error,
    final,
    model_for,
    ok,
    ok_stream,
    own_pool_timeout,
)

pytestmark = pytest.mark.allow_hosts(["127.0.0.1"])

MIB = 1024 * 1024


async def consume(model: ChatGroqSynaptic, mode: str, into: list[str]) -> None:
    if mode == "stream":
        for chunk in model.stream("Hi"):
            into.append(str(chunk.content))  # noqa: PERF401
    else:
        async for chunk in model.astream("Hi"):
            into.append(str(chunk.content))  # noqa: PERF401


async def call(model: ChatGroqSynaptic, mode: str) -> Any:
    if mode == "invoke":
        return model.invoke("Hi")
    if mode == "ainvoke":
        return await model.ainvoke("Hi")
    received: list[str] = []
    await consume(model, mode, received)
    return "".join(received)


# -- stream_chunk_timeout ---------------------------------------------------------


def test_stream_chunk_timeout_is_off_by_default_and_validated() -> None:
    assert ChatGroqSynaptic(api_key="k").stream_chunk_timeout is None
    assert ChatGroqSynaptic(api_key="k", stream_chunk_timeout=2.5).stream_chunk_timeout
    with pytest.raises(ValueError, match="stream_chunk_timeout"):
        ChatGroqSynaptic(api_key="k", stream_chunk_timeout=0)


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_a_stream_that_stalls_midway_raises_after_the_chunk_timeout(
    fault_server: FaultServer, mode: str
) -> None:
    fault_server.script(Stream([delta("Hel"), delta("lo")], end="stall"))
    # A read timeout far longer than the chunk timeout: only the chunk
    # timeout can end this test with this message.
    model = model_for(
        fault_server, timeout=own_pool_timeout(read=60.0), stream_chunk_timeout=0.3
    )
    received: list[str] = []
    with pytest.raises(GroqTimeoutError) as info:
        await consume(model, mode, received)
    assert received == ["Hel", "lo"]
    assert "stalled" in info.value.message
    assert "no data for 0.3s (stream_chunk_timeout)" in info.value.message
    assert info.value.is_retryable  # a timeout; but not retried mid-stream
    assert fault_server.attempts == 1


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_without_a_chunk_timeout_the_stall_names_the_read_timeout(
    fault_server: FaultServer, mode: str
) -> None:
    fault_server.script(Stream([delta("Hel")], end="stall"))
    model = model_for(fault_server, timeout=own_pool_timeout(read=0.3))
    with pytest.raises(GroqTimeoutError, match=r"no data within the read timeout"):
        await consume(model, mode, [])


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_the_chunk_timeout_does_not_cut_the_wait_for_the_response(
    fault_server: FaultServer, mode: str
) -> None:
    # The server reads the request and never answers: the response head is
    # awaited under the read timeout, whatever the chunk timeout says.
    fault_server.script(Hang())
    model = model_for(
        fault_server, timeout=own_pool_timeout(read=0.3), stream_chunk_timeout=0.05
    )
    with pytest.raises(GroqTimeoutError) as info:
        await consume(model, mode, [])
    assert "read timeout of 0.3s" in info.value.message
    assert "stream_chunk_timeout" not in info.value.message


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_a_stream_within_the_chunk_timeout_is_untouched(
    fault_server: FaultServer, mode: str
) -> None:
    fault_server.script(ok_stream("Hel", "lo"))
    model = model_for(fault_server, stream_chunk_timeout=5.0)
    assert await call(model, mode) == "Hello"


# -- max_response_bytes -----------------------------------------------------------


def test_max_response_bytes_default_and_validation() -> None:
    model = ChatGroqSynaptic(api_key="k")
    assert model.max_response_bytes == DEFAULT_MAX_RESPONSE_BYTES == 32 * MIB
    assert (
        ChatGroqSynaptic(api_key="k", max_response_bytes=None).max_response_bytes
        is None
    )
    with pytest.raises(ValueError, match="max_response_bytes"):
        ChatGroqSynaptic(api_key="k", max_response_bytes=0)


def assert_too_large(err: GroqError, limit: int) -> None:
    assert isinstance(err, GroqAPIError)
    assert err.code == "response_too_large"
    assert f"max_response_bytes ({limit:,} bytes)" in err.message
    assert err.is_retryable is False


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_an_answer_with_a_length_over_the_bound_is_refused_unread(
    fault_server: FaultServer, mode: str
) -> None:
    big = completion("x" * (2 * MIB))
    fault_server.script(Forever(Reply(200, big)))
    model = model_for(fault_server, max_response_bytes=MIB, max_retries=2)
    with pytest.raises(GroqAPIError) as info:
        await call(model, mode)
    assert_too_large(info.value, MIB)
    assert info.value.status_code == 200
    assert fault_server.attempts == 1  # the same question gets the same answer


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_an_endless_answer_is_cut_at_the_bound(
    fault_server: FaultServer, mode: str
) -> None:
    # Chunked, no length, 64 MiB of it: read to the end it would not fit the
    # bound, and would fail as "not JSON" rather than "too large".
    fault_server.script(Flood(total=64 * MIB))
    model = model_for(fault_server, max_response_bytes=MIB)
    with pytest.raises(GroqAPIError) as info:
        await call(model, mode)
    assert_too_large(info.value, MIB)


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_an_endless_stream_line_is_cut_at_the_bound(
    fault_server: FaultServer, mode: str
) -> None:
    fault_server.script(
        Flood(prefix=b"data: ", total=64 * MIB, content_type="text/event-stream")
    )
    model = model_for(fault_server, max_response_bytes=MIB)
    with pytest.raises(GroqStreamError) as info:
        await consume(model, mode, [])
    assert_too_large(info.value, MIB)


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_a_stream_over_the_bound_in_total_is_refused_midway(
    fault_server: FaultServer, mode: str
) -> None:
    events = [delta("x" * 1000) for _ in range(300)]  # ~ 480 KB of events
    fault_server.script(Stream([*events, final()]))
    model = model_for(fault_server, max_response_bytes=100_000)
    received: list[str] = []
    with pytest.raises(GroqStreamError) as info:
        await consume(model, mode, received)
    assert_too_large(info.value, 100_000)
    assert 0 < len(received) < 300  # what came before the bound was handed over


@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream", "astream"])
async def test_an_error_page_over_the_bound_is_cut_but_classified(
    fault_server: FaultServer, mode: str
) -> None:
    page = "<html>" + "busy " * 100_000 + "</html>"  # ~ 500 KB
    fault_server.script(Reply(503, page))
    model = model_for(fault_server, max_response_bytes=10_000)
    with pytest.raises(GroqAPIError) as info:
        await call(model, mode)
    assert info.value.status_code == 503
    assert info.value.code != "response_too_large"
    assert "busy" in info.value.message
    assert len(str(info.value.body)) <= 10_000


@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream", "astream"])
async def test_no_bound_reads_a_large_answer(
    fault_server: FaultServer, mode: str
) -> None:
    text = "y" * (2 * MIB)
    if "stream" in mode:
        fault_server.script(Stream([delta(text[:MIB]), delta(text[MIB:]), final()]))
    else:
        fault_server.script(Reply(200, completion(text)))
    model = model_for(fault_server, max_response_bytes=None)
    answer = await call(model, mode)
    assert (answer if isinstance(answer, str) else answer.content) == text


# -- connections go back to the pool ---------------------------------------------


def settled(server: FaultServer, most: int) -> bool:
    """Whether the server soon sees at most `most` connections still open.

    Closing is asynchronous: the server notices a closed connection a moment
    after the client closed it, so this waits for the condition (and fails
    only if it never holds), it does not time anything.
    """
    return server.wait_until(lambda: server.open_connections <= most)


@pytest.fixture
def keep_alive(fault_server: FaultServer) -> FaultServer:
    assert settled(fault_server, 0)  # no connection left from an earlier test
    fault_server.keep_alive = True
    return fault_server


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_http_errors_leave_one_reused_connection(
    keep_alive: FaultServer, mode: str
) -> None:
    keep_alive.script(Forever(error(500, "boom", type="server_error")))
    model = model_for(keep_alive)
    for _ in range(15):
        with pytest.raises(GroqAPIError):
            await call(model, mode)
    assert keep_alive.attempts == 15
    assert keep_alive.connections_opened == 1  # every error read to the end
    assert settled(keep_alive, 1)


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_unreadable_answers_leave_one_reused_connection(
    keep_alive: FaultServer, mode: str
) -> None:
    keep_alive.script(Forever(Reply(200, "<html>not json</html>")))
    model = model_for(keep_alive)
    for _ in range(10):
        with pytest.raises(GroqAPIError, match="not JSON"):
            await call(model, mode)
    assert keep_alive.connections_opened == 1


@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream", "astream"])
async def test_successes_reuse_one_connection(
    keep_alive: FaultServer, mode: str
) -> None:
    # A stream reads the end of the body after `[DONE]` (sync and async), so
    # its connection goes back to the pool: against Groq every stream after
    # the first skips a TCP and TLS handshake.
    keep_alive.script(Forever(ok_stream("a", "b") if "stream" in mode else ok("ab")))
    model = model_for(keep_alive)
    for _ in range(10):
        answer = await call(model, mode)
        assert (answer if isinstance(answer, str) else answer.content) == "ab"
    assert keep_alive.connections_opened == 1
    assert settled(keep_alive, 1)


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_a_server_holding_the_stream_open_after_done_does_not_hold_us(
    keep_alive: FaultServer, mode: str
) -> None:
    # `[DONE]`, then neither the end of the body nor a close (some proxies):
    # the stream still ends, and the connection is closed, not pooled. An
    # async stream waits 0.25 s for the end of the body; a sync read cannot be
    # bounded below the stream's read timeout, here `stream_chunk_timeout`.
    keep_alive.script(
        Stream([delta("a"), final()], end="hold"), ok_stream("next", "one")
    )
    model = model_for(keep_alive, stream_chunk_timeout=0.3)
    assert await call(model, mode) == "a"
    assert await call(model, mode) == "nextone"
    assert keep_alive.connections_opened == 2
    assert settled(keep_alive, 1)


def test_a_stream_left_early_gives_its_connection_back(keep_alive: FaultServer) -> None:
    keep_alive.script(Forever(ok_stream(*"abcdefgh")))
    model = model_for(keep_alive)
    for _ in range(12):
        for chunk in model.stream("Hi"):
            assert chunk.content == "a"
            break  # the generator is closed: the response must be too
        assert settled(keep_alive, 1)
    assert settled(keep_alive, 1)
    assert keep_alive.connections_opened <= 12  # never more than one per call


async def test_an_async_stream_left_early_gives_its_connection_back(
    keep_alive: FaultServer,
) -> None:
    keep_alive.script(Forever(ok_stream(*"abcdefgh")))
    model = model_for(keep_alive)
    for _ in range(12):
        stream = model.astream("Hi")
        async for chunk in stream:
            assert chunk.content == "a"
            break
        await stream.aclose()  # what `async for` cannot do by itself
        assert settled(keep_alive, 1)
    assert keep_alive.connections_opened <= 12


async def test_an_abandoned_async_stream_is_closed_by_the_event_loop(
    keep_alive: FaultServer,
) -> None:
    # Left without `aclose()`: the loop's async-generator finaliser closes it
    # once it is garbage; the connection must not stay checked out forever.
    keep_alive.script(Forever(ok_stream(*"abcdefgh")))
    model = model_for(keep_alive)
    for _ in range(5):
        async for _chunk in model.astream("Hi"):
            break
    gc.collect()
    for _ in range(20):  # let the scheduled aclose() tasks run
        await asyncio.sleep(0)
    assert settled(keep_alive, 1)


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_stream_failures_do_not_leak_connections(
    keep_alive: FaultServer, mode: str
) -> None:
    failures = [
        Stream([delta("a"), {"error": {"message": "overloaded", "type": "x"}}]),
        Stream([delta("a"), "data: {not json\n\n"]),
        Stream([delta("a")], end="close"),  # no [DONE]
        Stream([delta("a")], end="cut"),
        error(429, "slow down", code="rate_limit_exceeded"),
    ]
    keep_alive.script(*failures * 3)
    model = model_for(keep_alive)
    for _ in range(len(failures) * 3):
        with pytest.raises(GroqError):
            await consume(model, mode, [])
    assert settled(keep_alive, 1)
    assert keep_alive.connections_opened <= len(failures) * 3


@pytest.mark.parametrize("mode", ["invoke", "ainvoke", "stream", "astream"])
async def test_refused_and_stalled_answers_do_not_leak_connections(
    keep_alive: FaultServer, mode: str
) -> None:
    if "stream" in mode:
        keep_alive.script(
            Stream([delta("a")], end="stall"),
            Flood(prefix=b"data: ", total=8 * MIB, content_type="text/event-stream"),
            ok_stream("ok"),
        )
    else:
        keep_alive.script(Hang(), Flood(total=8 * MIB), ok("ok"))
    model = model_for(
        keep_alive,
        timeout=own_pool_timeout(read=0.3),
        max_response_bytes=100_000,
    )
    with pytest.raises(GroqTimeoutError):
        await call(model, mode)
    with pytest.raises(GroqAPIError, match="max_response_bytes"):
        await call(model, mode)
    answer = await call(model, mode)
    assert (answer if isinstance(answer, str) else answer.content) == "ok"
    assert settled(keep_alive, 1)


def test_chunks_stay_whole_across_network_reads(keep_alive: FaultServer) -> None:
    # Events far larger than one socket read arrive in many pieces.
    big = "é" * 200_000
    keep_alive.script(Stream([delta(big), final()]))
    chunks = list(model_for(keep_alive).stream("Hi"))
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert isinstance(total, AIMessageChunk)
    assert total.content == big


# -- the shared pools' connection slots ------------------------------------------


def test_waiting_for_a_free_connection_is_bounded_by_the_pool_timeout(
    fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clients, "_SLOTS", 1)  # for the pool made below
    fault_server.script(Stream([delta("a")], end="stall"), ok("free again"))
    model = model_for(
        fault_server,
        timeout=own_pool_timeout(pool=0.2),
    )
    holder = model.stream("Hi")
    assert next(holder).content == "a"  # the one slot is taken by this stream
    with pytest.raises(GroqTimeoutError, match="no free connection"):
        model.invoke("Hi")
    holder.close()
    assert model.invoke("Hi").content == "free again"


async def test_waiting_for_a_free_async_connection_is_bounded_too(
    fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clients, "_SLOTS", 1)
    fault_server.script(Stream([delta("a")], end="stall"), ok("free again"))
    model = model_for(
        fault_server,
        timeout=own_pool_timeout(pool=0.2),
    )
    holder = model.astream("Hi")
    assert (await holder.__anext__()).content == "a"
    with pytest.raises(GroqTimeoutError, match="no free connection"):
        await model.ainvoke("Hi")
    await holder.aclose()
    assert (await model.ainvoke("Hi")).content == "free again"
