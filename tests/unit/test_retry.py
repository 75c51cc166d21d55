"""Failures against a real HTTP server on loopback: classes, fields, attempts, waits.

Each test scripts the fault server (see `fault_server.py`), calls the model in
one of four ways (invoke, ainvoke, stream, astream) and checks the error class
and fields, how many requests the server saw, and the waits the retry policy
asked for. Waits go to an injected sleep that records them; nothing here
measures wall-clock time.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import traceback
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
)
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessageChunk
from langchain_core.tools import tool
from pydantic import BaseModel
from tenacity import RetryCallState

from langchain_synaptic_groq import (
    ChatGroqSynaptic,
    GroqAPIError,
    GroqAuthenticationError,
    GroqCapacityError,
    GroqConnectionError,
    GroqContextOverflowError,
    GroqError,
    GroqInvalidRequestError,
    GroqNotFoundError,
    GroqPermissionDeniedError,
    GroqRateLimitError,
    GroqRequestTooLargeError,
    GroqStreamError,
    GroqTimeoutError,
    GroqToolUseError,
    RetryChatModel,
    RetryConfig,
)
from langchain_synaptic_groq.retry import (
    arun_with_retries,
    default_config,
    is_retryable,
    run_with_retries,
)
from tests.support.fault_server import (
    API_KEY,
    MODEL,
    FaultServer,
    Forever,
    Hang,
    Reply,
    SleepRecorder,
    Stream,
    completion,
    delta,
    error,
    final,
    ok,
    ok_stream,
)

pytestmark = pytest.mark.allow_hosts(["127.0.0.1"])

MODES = ["invoke", "ainvoke", "stream", "astream"]
RATE_LIMIT_MESSAGE = (
    "Rate limit reached for model `llama-3.1-8b-instant` in organization "
    "`org_01` service tier `on_demand` on tokens per minute (TPM): Limit 6000, "
    "Used 5800, Requested 900. Please try again in 2s. Need more tokens? "
    "Upgrade to Dev Tier today at https://console.groq.com/settings/billing"
)


def rate_limited(retry_after: str | None = "2", message: str = RATE_LIMIT_MESSAGE):
    headers = {
        "x-ratelimit-limit-requests": "14400",
        "x-ratelimit-remaining-requests": "14000",
        "x-ratelimit-reset-requests": "2m59.56s",
        "x-ratelimit-limit-tokens": "6000",
        "x-ratelimit-remaining-tokens": "0",
        "x-ratelimit-reset-tokens": "7.66s",
    }
    if retry_after is not None:
        headers["retry-after"] = retry_after
    return error(
        429,
        message,
        type="tokens",
        code="rate_limit_exceeded",
        headers=headers,
    )


def model_for(
    server: FaultServer,
    sleeps: SleepRecorder,
    *,
    max_attempts: int = 3,
    jitter: float = 0.0,
    **kwargs: Any,
) -> ChatGroqSynaptic:
    config = RetryConfig(
        max_attempts=max_attempts,
        jitter=jitter,
        sleep=sleeps,
        async_sleep=sleeps.asleep,
    )
    return ChatGroqSynaptic(
        model=MODEL,
        api_key=API_KEY,
        base_url=server.base_url,
        retry_config=config,
        **kwargs,
    )


def success(mode: str) -> Reply | Stream:
    return ok_stream("Hello", "!") if "stream" in mode else ok("Hello!")


async def call(model: Any, mode: str, text: str = "Hi") -> AIMessage:
    """Run the model one way; streams are joined into one message."""
    if mode == "invoke":
        return model.invoke(text)  # type: ignore[no-any-return]
    if mode == "ainvoke":
        return await model.ainvoke(text)  # type: ignore[no-any-return]
    chunks: list[BaseMessageChunk] = []
    if mode == "stream":
        chunks.extend(model.stream(text))
    else:
        chunks.extend([c async for c in model.astream(text)])
    joined = chunks[0]
    for chunk in chunks[1:]:
        joined = joined + chunk
    assert isinstance(joined, AIMessageChunk)
    return AIMessage(content=joined.content, response_metadata=joined.response_metadata)


async def collect(model: Any, mode: str, into: list[str]) -> None:
    """Stream into `into`, chunk by chunk, so a failure keeps what came."""
    if mode == "stream":
        for chunk in model.stream("Hi"):
            into.append(str(chunk.content))  # noqa: PERF401
    else:
        async for chunk in model.astream("Hi"):
            into.append(str(chunk.content))  # noqa: PERF401


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


# -- rate limits -----------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_429_with_retry_after_then_success(
    fault_server: FaultServer, sleeps: SleepRecorder, mode: str
) -> None:
    fault_server.script(rate_limited("2"), success(mode))
    ai = await call(model_for(fault_server, sleeps), mode)
    assert ai.content == "Hello!"
    assert fault_server.attempts == 2
    assert sleeps.waits == [2.0]


@pytest.mark.parametrize("mode", MODES)
async def test_429_forever_raises_rate_limit_error_with_every_field(
    fault_server: FaultServer, sleeps: SleepRecorder, mode: str
) -> None:
    fault_server.script(Forever(rate_limited("2")))
    with pytest.raises(GroqRateLimitError) as info:
        await call(model_for(fault_server, sleeps), mode)
    err = info.value
    assert isinstance(err, ModelRateLimitError)
    assert fault_server.attempts == 3
    assert sleeps.waits == [2.0, 2.0]
    assert err.status_code == 429
    assert err.error_type == "tokens"
    assert err.code == "rate_limit_exceeded"
    assert err.message == RATE_LIMIT_MESSAGE
    assert err.request_id == "req_429"
    assert err.retry_after == 2.0
    assert (err.limit_resource, err.limit_window) == ("tokens", "minute")
    assert err.rate_limit is not None
    assert err.rate_limit.remaining_tokens == 0
    assert err.rate_limit.reset_requests == pytest.approx(179.56)
    assert err.rate_limit.reset_tokens == pytest.approx(7.66)
    assert err.__notes__ == ["Gave up after 3 attempts."]


@pytest.mark.parametrize("mode", MODES)
async def test_seven_minute_retry_after_raises_at_once(
    fault_server: FaultServer, sleeps: SleepRecorder, mode: str
) -> None:
    message = RATE_LIMIT_MESSAGE.replace("2s", "7m12s").replace(
        "tokens per minute (TPM)", "requests per day (RPD)"
    )
    fault_server.script(Forever(rate_limited("432", message)))
    with pytest.raises(GroqRateLimitError) as info:
        await call(model_for(fault_server, sleeps), mode)
    assert fault_server.attempts == 1
    assert sleeps.waits == []
    assert info.value.retry_after == 432.0
    assert (info.value.limit_resource, info.value.limit_window) == (
        "requests",
        "day",
    )
    assert "retry after 432s" in str(info.value)
    assert "longer than RetryConfig.max_wait (60s)" in info.value.__notes__[0]


async def test_try_again_text_is_the_wait_when_no_header_says(
    fault_server: FaultServer, sleeps: SleepRecorder
) -> None:
    message = RATE_LIMIT_MESSAGE.replace("2s", "7m12.5s")
    fault_server.script(Forever(rate_limited(None, message)))
    with pytest.raises(GroqRateLimitError) as info:
        model_for(fault_server, sleeps).invoke("Hi")
    assert info.value.retry_after == 432.5
    assert fault_server.attempts == 1
    assert sleeps.waits == []


async def test_a_named_wait_longer_than_the_backoff_is_honoured_exactly(
    fault_server: FaultServer, sleeps: SleepRecorder
) -> None:
    fault_server.script(rate_limited("45"), ok())
    model_for(fault_server, sleeps).invoke("Hi")
    assert sleeps.waits == [45.0]  # the default backoff would be 0.5 s


async def test_a_longer_max_wait_lets_the_client_wait(
    fault_server: FaultServer, sleeps: SleepRecorder
) -> None:
    fault_server.script(rate_limited("432"), ok())
    config = RetryConfig(max_wait=600, sleep=sleeps)
    model = ChatGroqSynaptic(
        model=MODEL, api_key=API_KEY, base_url=fault_server.base_url
    )
    model.retry_config = config
    model.invoke("Hi")
    assert sleeps.waits == [432.0]


async def test_retry_after_ms_wins_over_retry_after(
    fault_server: FaultServer, sleeps: SleepRecorder
) -> None:
    limited = rate_limited("2")
    limited.headers["retry-after-ms"] = "1500"
    fault_server.script(limited, ok())
    model_for(fault_server, sleeps).invoke("Hi")
    assert sleeps.waits == [1.5]


async def test_a_429_without_a_named_wait_backs_off(
    fault_server: FaultServer, sleeps: SleepRecorder
) -> None:
    fault_server.script(rate_limited(None, "Too many requests"), ok())
    model_for(fault_server, sleeps).invoke("Hi")
    assert sleeps.waits == [0.5]


# -- server failures -------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_503_twice_then_success_backs_off_exponentially(
    fault_server: FaultServer, sleeps: SleepRecorder, mode: str
) -> None:
    busy = error(503, "Service Unavailable", type="internal_server_error")
    fault_server.script(busy, busy, success(mode))
    ai = await call(model_for(fault_server, sleeps), mode)
    assert ai.content == "Hello!"
    assert fault_server.attempts == 3
    assert sleeps.waits == [0.5, 1.0]


async def test_jitter_only_shortens_the_backoff(
    fault_server: FaultServer, sleeps: SleepRecorder
) -> None:
    busy = error(503, "Service Unavailable", type="internal_server_error")
    fault_server.script(busy, busy, ok())
    model_for(fault_server, sleeps, jitter=0.25).invoke("Hi")
    first, second = sleeps.waits
    assert 0.375 <= first <= 0.5
    assert 0.75 <= second <= 1.0


async def test_a_503_retry_after_is_honoured(
    fault_server: FaultServer, sleeps: SleepRecorder
) -> None:
    busy = error(
        503, "busy", type="internal_server_error", headers={"retry-after": "3"}
    )
    fault_server.script(busy, ok())
    model_for(fault_server, sleeps).invoke("Hi")
    assert sleeps.waits == [3.0]


@pytest.mark.parametrize("mode", MODES)
async def test_500_forever(
    fault_server: FaultServer, sleeps: SleepRecorder, mode: str
) -> None:
    fault_server.script(
        Forever(error(500, "Internal Server Error", type="internal_server_error"))
    )
    with pytest.raises(GroqAPIError) as info:
        await call(model_for(fault_server, sleeps, max_attempts=4), mode)
    assert isinstance(info.value, ModelAPIError)
    assert info.value.status_code == 500
    assert info.value.error_type == "internal_server_error"
    assert info.value.request_id == "req_500"
    assert fault_server.attempts == 4
    assert sleeps.waits == [0.5, 1.0, 2.0]


@pytest.mark.parametrize("mode", MODES)
async def test_498_flex_capacity_then_success(
    fault_server: FaultServer, sleeps: SleepRecorder, mode: str
) -> None:
    fault_server.script(error(498, "Capacity exceeded", type="capacity"), success(mode))
    ai = await call(model_for(fault_server, sleeps), mode)
    assert ai.content == "Hello!"
    assert fault_server.attempts == 2
    assert sleeps.waits == [0.5]


async def test_498_is_a_capacity_error(
    fault_server: FaultServer, sleeps: SleepRecorder
) -> None:
    fault_server.script(Forever(error(498, "Capacity exceeded", type="capacity")))
    with pytest.raises(GroqCapacityError) as info:
        model_for(fault_server, sleeps, max_attempts=2).invoke("Hi")
    assert isinstance(info.value, ModelAPIError)
    assert info.value.status_code == 498
    assert fault_server.attempts == 2


@pytest.mark.parametrize("mode", MODES)
async def test_html_502_from_a_proxy(
    fault_server: FaultServer, sleeps: SleepRecorder, mode: str
) -> None:
    page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    fault_server.script(Forever(Reply(502, page, {"x-request-id": "req_502"})))
    with pytest.raises(GroqAPIError) as info:
        await call(model_for(fault_server, sleeps), mode)
    err = info.value
    assert err.status_code == 502
    assert "non-JSON body" in err.message
    assert "502 Bad Gateway" in err.message
    assert err.body == page
    assert err.request_id == "req_502"
    assert fault_server.attempts == 3


@pytest.mark.parametrize(
    ("status", "cls"), [(408, GroqTimeoutError), (409, GroqAPIError)]
)
async def test_408_and_409_are_retried(
    fault_server: FaultServer, sleeps: SleepRecorder, status: int, cls: type
) -> None:
    fault_server.script(Forever(error(status, "try later", type="server_error")))
    with pytest.raises(cls) as info:
        model_for(fault_server, sleeps).invoke("Hi")
    assert isinstance(info.value, GroqError)
    assert info.value.status_code == status
    assert fault_server.attempts == 3


# -- errors that are not retried -------------------------------------------------------


NOT_RETRIED = [
    (
        error(401, "Invalid API Key", code="invalid_api_key"),
        GroqAuthenticationError,
        ModelAuthenticationError,
        "invalid_api_key",
    ),
    (
        error(403, "Forbidden", type="permission_error", code="permission_denied"),
        GroqPermissionDeniedError,
        ModelPermissionDeniedError,
        "permission_denied",
    ),
    (
        error(
            404,
            "The model `nope` does not exist or you do not have access to it.",
            code="model_not_found",
        ),
        GroqNotFoundError,
        ModelNotFoundError,
        "model_not_found",
    ),
    (
        error(
            400,
            "The model `mixtral-8x7b-32768` has been decommissioned.",
            code="model_decommissioned",
        ),
        GroqNotFoundError,
        ModelNotFoundError,
        "model_decommissioned",
    ),
    (
        error(
            413,
            "Request too large for model on tokens per minute (TPM): Limit 6000, "
            "Requested 9000",
            type="tokens",
            code="rate_limit_exceeded",
        ),
        GroqRequestTooLargeError,
        ModelInvalidRequestError,
        "rate_limit_exceeded",
    ),
    (
        error(422, "Unprocessable", code="unprocessable_entity"),
        GroqInvalidRequestError,
        ModelInvalidRequestError,
        "unprocessable_entity",
    ),
    (
        error(400, "'messages' must be an array", param="messages"),
        GroqInvalidRequestError,
        ModelInvalidRequestError,
        None,
    ),
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("reply", "cls", "core_cls", "code"), NOT_RETRIED)
async def test_client_errors_are_not_retried(
    fault_server: FaultServer,
    sleeps: SleepRecorder,
    mode: str,
    reply: Reply,
    cls: type[GroqError],
    core_cls: type[Exception],
    code: str | None,
) -> None:
    fault_server.script(Forever(reply))
    with pytest.raises(cls) as info:
        await call(model_for(fault_server, sleeps), mode)
    err = info.value
    assert type(err) is cls
    assert isinstance(err, core_cls)
    assert not err.is_retryable
    assert err.status_code == reply.status
    assert err.code == code
    assert isinstance(reply.body, dict)
    assert err.message == reply.body["error"]["message"]
    assert err.request_id == f"req_{reply.status}"
    assert fault_server.attempts == 1
    assert sleeps.waits == []


async def test_context_length_error(
    fault_server: FaultServer, sleeps: SleepRecorder
) -> None:
    fault_server.script(
        Forever(
            error(
                400,
                "Please reduce the length of the messages or completion.",
                param="messages",
                code="context_length_exceeded",
            )
        )
    )
    with pytest.raises(GroqContextOverflowError) as info:
        model_for(fault_server, sleeps).invoke("Hi")
    assert isinstance(info.value, ContextOverflowError)
    assert isinstance(info.value, ModelInvalidRequestError)
    assert info.value.param == "messages"
    assert fault_server.attempts == 1


async def test_context_length_error_known_by_its_message(
    fault_server: FaultServer, sleeps: SleepRecorder
) -> None:
    message = (
        "This model's maximum context length is 131072 tokens. However, you "
        "requested 140000 tokens. Please reduce the length of the messages."
    )
    fault_server.script(error(400, message))
    with pytest.raises(GroqContextOverflowError):
        model_for(fault_server, sleeps).invoke("Hi")


@pytest.mark.parametrize("mode", MODES)
async def test_tool_use_failed_carries_failed_generation(
    fault_server: FaultServer, sleeps: SleepRecorder, mode: str
) -> None:
    generation = '<function=add>{"a": 1, "b": }</function>'
    fault_server.script(
        Forever(
            error(
                400,
                "Failed to call a function. Please adjust your prompt. See "
                "'failed_generation' for more details.",
                code="tool_use_failed",
                failed_generation=generation,
            )
        )
    )
    with pytest.raises(GroqToolUseError) as info:
        await call(model_for(fault_server, sleeps), mode)
    assert info.value.failed_generation == generation
    assert info.value.code == "tool_use_failed"
    assert isinstance(info.value, ModelInvalidRequestError)
    assert fault_server.attempts == 1


async def test_x_should_retry_false_stops_a_429(
    fault_server: FaultServer, sleeps: SleepRecorder
) -> None:
    limited = rate_limited("1")
    limited.headers["x-should-retry"] = "false"
    fault_server.script(Forever(limited))
    with pytest.raises(GroqRateLimitError) as info:
        model_for(fault_server, sleeps).invoke("Hi")
    assert info.value.should_retry is False
    assert info.value.is_retryable is False
    assert fault_server.attempts == 1


async def test_x_should_retry_true_retries_a_400(
    fault_server: FaultServer, sleeps: SleepRecorder
) -> None:
    fault_server.script(
        error(400, "transient", headers={"x-should-retry": "true"}), ok()
    )
    assert model_for(fault_server, sleeps).invoke("Hi").content == "Hello!"
    assert fault_server.attempts == 2


# -- streams ---------------------------------------------------------------------------


ERROR_EVENT = (
    "event: error\n"
    'data: {"error": {"message": "Internal error while generating", '
    '"type": "internal_server_error", "code": "stream_failed"}}\n\n'
)


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_error_event_after_the_first_chunk_raises(
    fault_server: FaultServer, sleeps: SleepRecorder, mode: str
) -> None:
    fault_server.script(
        Forever(Stream([delta("Hel"), ERROR_EVENT], headers={"x-request-id": "req_s"}))
    )
    received: list[str] = []
    model = model_for(fault_server, sleeps)
    with pytest.raises(GroqStreamError) as info:
        await collect(model, mode, received)
    assert received == ["Hel"]
    assert info.value.code == "stream_failed"
    assert info.value.error_type == "internal_server_error"
    assert info.value.message == "Internal error while generating"
    assert info.value.request_id == "req_s"
    assert fault_server.attempts == 1  # a chunk went out: no retry
    assert sleeps.waits == []


async def test_chunks_before_a_stream_error_reach_the_caller(
    fault_server: FaultServer, sleeps: SleepRecorder
) -> None:
    fault_server.script(Stream([delta("Hel"), delta("lo"), ERROR_EVENT]))
    received: list[str] = []
    with pytest.raises(GroqStreamError):
        await collect(model_for(fault_server, sleeps), "stream", received)
    assert received == ["Hel", "lo"]


async def test_data_error_without_event_line_raises(
    fault_server: FaultServer, sleeps: SleepRecorder
) -> None:
    payload = 'data: {"error": {"message": "overloaded", "type": "server_error"}}\n\n'
    fault_server.script(Stream([delta("a"), payload]))
    with pytest.raises(GroqStreamError, match="overloaded"):
        list(model_for(fault_server, sleeps).stream("Hi"))


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_error_event_before_any_chunk_is_retried(
    fault_server: FaultServer, sleeps: SleepRecorder, mode: str
) -> None:
    fault_server.script(Stream([ERROR_EVENT]), ok_stream("Hello", "!"))
    ai = await call(model_for(fault_server, sleeps), mode)
    assert ai.content == "Hello!"
    assert fault_server.attempts == 2
    assert sleeps.waits == [0.5]


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_stream_cut_off_midway_raises(
    fault_server: FaultServer, sleeps: SleepRecorder, mode: str
) -> None:
    fault_server.script(Forever(Stream([delta("Hel"), delta("lo")], end="cut")))
    with pytest.raises(GroqStreamError, match="cut off") as info:
        await call(model_for(fault_server, sleeps), mode)
    assert isinstance(info.value, ModelAPIError)
    assert fault_server.attempts == 1


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_stream_ending_without_done_raises(
    fault_server: FaultServer, sleeps: SleepRecorder, mode: str
) -> None:
    fault_server.script(Forever(Stream([delta("Hel"), final()], end="close")))
    with pytest.raises(GroqStreamError, match=r"\[DONE\]"):
        await call(model_for(fault_server, sleeps), mode)
    assert fault_server.attempts == 1


@pytest.mark.parametrize("mode", ["stream", "astream"])
@pytest.mark.parametrize("end", ["cut", "close"])
async def test_stream_cut_before_any_chunk_is_retried(
    fault_server: FaultServer, sleeps: SleepRecorder, mode: str, end: str
) -> None:
    fault_server.script(Stream([], end=end), ok_stream("Hello", "!"))  # type: ignore[arg-type]
    ai = await call(model_for(fault_server, sleeps), mode)
    assert ai.content == "Hello!"
    assert fault_server.attempts == 2


async def test_a_stream_line_that_is_not_json_raises(
    fault_server: FaultServer, sleeps: SleepRecorder
) -> None:
    fault_server.script(Stream([delta("a"), "data: {not json\n\n"]))
    with pytest.raises(GroqStreamError, match="not JSON"):
        list(model_for(fault_server, sleeps).stream("Hi"))


# -- timeouts and connection failures --------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_a_server_too_slow_for_the_timeout(
    fault_server: FaultServer, sleeps: SleepRecorder, mode: str
) -> None:
    fault_server.script(Forever(Hang()))
    # 5 s to connect, 0.1 s to read: the server reads the request and hangs.
    model = model_for(fault_server, sleeps, max_attempts=2, timeout=(5.0, 0.1))
    with pytest.raises(GroqTimeoutError) as info:
        await call(model, mode)
    assert isinstance(info.value, ModelTimeoutError)
    assert "read timeout of 0.1s" in info.value.message
    assert fault_server.wait_for_attempts(2) == 2
    assert sleeps.waits == [0.5]


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_a_stream_that_stalls_after_a_chunk_times_out(
    fault_server: FaultServer, sleeps: SleepRecorder, mode: str
) -> None:
    fault_server.script(Forever(Stream([delta("Hel")], end="stall")))
    # A read timeout roomy enough for the first chunk even on a busy machine.
    model = model_for(fault_server, sleeps, timeout=(5.0, 0.5))
    received: list[str] = []
    with pytest.raises(GroqTimeoutError, match="stalled"):
        await collect(model, mode, received)
    assert received == ["Hel"]
    assert fault_server.wait_for_attempts(1) == 1
    assert sleeps.waits == []


def closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("mode", MODES)
async def test_connection_refused_is_retried_then_raised(
    sleeps: SleepRecorder, mode: str
) -> None:
    model = ChatGroqSynaptic(
        model=MODEL,
        api_key=API_KEY,
        base_url=f"http://127.0.0.1:{closed_port()}/openai/v1",
        retry_config=RetryConfig(jitter=0, sleep=sleeps, async_sleep=sleeps.asleep),
    )
    with pytest.raises(GroqConnectionError) as info:
        await call(model, mode)
    assert isinstance(info.value, ModelConnectionError)
    assert "ConnectError" in info.value.message
    assert info.value.status_code is None
    assert sleeps.waits == [0.5, 1.0]


# -- the model's own max_retries -------------------------------------------------------


@pytest.mark.parametrize("max_retries", [0, 1, 4])
async def test_max_retries_uses_the_same_policy(
    fault_server: FaultServer, max_retries: int
) -> None:
    # retry-after 0: the policy's default sleep runs, but waits nothing.
    fault_server.script(Forever(rate_limited("0")))
    model = ChatGroqSynaptic(
        model=MODEL,
        api_key=API_KEY,
        base_url=fault_server.base_url,
        max_retries=max_retries,
    )
    with pytest.raises(GroqRateLimitError):
        model.invoke("Hi")
    assert fault_server.attempts == max_retries + 1


async def test_max_retries_async(fault_server: FaultServer) -> None:
    fault_server.script(rate_limited("0"), rate_limited("0"), ok())
    model = ChatGroqSynaptic(
        model=MODEL, api_key=API_KEY, base_url=fault_server.base_url, max_retries=2
    )
    assert (await model.ainvoke("Hi")).content == "Hello!"
    assert fault_server.attempts == 3


async def test_async_waits_use_asyncio_sleep_never_time_sleep(
    fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without an injected sleep, the async path awaits asyncio.sleep (the
    # event loop keeps running) and never calls the blocking time.sleep.
    from langchain_synaptic_groq import retry as retry_module

    awaited: list[float] = []

    async def fake_asyncio_sleep(seconds: float) -> None:
        awaited.append(seconds)

    def blocking_sleep(seconds: float) -> None:
        raise AssertionError("time.sleep called from the async path")

    monkeypatch.setattr(
        retry_module,
        "asyncio",
        SimpleNamespace(sleep=fake_asyncio_sleep, iscoroutine=asyncio.iscoroutine),
    )
    monkeypatch.setattr(retry_module, "time", SimpleNamespace(sleep=blocking_sleep))
    fault_server.script(rate_limited("2"), ok())
    model = ChatGroqSynaptic(
        model=MODEL, api_key=API_KEY, base_url=fault_server.base_url, max_retries=1
    )
    assert (await model.ainvoke("Hi")).content == "Hello!"
    assert awaited == [2.0]
    assert fault_server.attempts == 2


# -- rate-limit state on success -------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_rate_limit_state_in_response_metadata(
    fault_server: FaultServer, sleeps: SleepRecorder, mode: str
) -> None:
    fault_server.script(success(mode))
    ai = await call(model_for(fault_server, sleeps), mode)
    assert ai.response_metadata["rate_limit"] == {
        "limit_requests": 14400,
        "remaining_requests": 14370,
        "reset_requests": pytest.approx(179.56),
        "limit_tokens": 6000,
        "remaining_tokens": 5990,
        "reset_tokens": pytest.approx(0.12),
    }


# -- callbacks and logs ----------------------------------------------------------------


Seen = tuple[int, BaseException | None, float]


def seen(state: RetryCallState) -> Seen:
    # tenacity reuses one RetryCallState: copy what it says now.
    exc = state.outcome.exception() if state.outcome else None
    return state.attempt_number, exc, state.upcoming_sleep


class RetryRecorder(BaseCallbackHandler):
    def __init__(self) -> None:
        self.states: list[Seen] = []

    def on_retry(self, retry_state: RetryCallState, **kwargs: Any) -> None:
        self.states.append(seen(retry_state))


class AsyncRetryRecorder(AsyncCallbackHandler):
    def __init__(self) -> None:
        self.states: list[Seen] = []

    async def on_retry(self, retry_state: RetryCallState, **kwargs: Any) -> None:
        self.states.append(seen(retry_state))


@pytest.mark.parametrize("handler_cls", [RetryRecorder, AsyncRetryRecorder])
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_each_retry_reaches_on_retry_callbacks(
    fault_server: FaultServer,
    sleeps: SleepRecorder,
    mode: str,
    handler_cls: type[RetryRecorder | AsyncRetryRecorder],
) -> None:
    if mode == "invoke" and handler_cls is AsyncRetryRecorder:
        pytest.skip("an async handler on a sync call runs elsewhere")
    fault_server.script(rate_limited("2"), rate_limited("2"), ok())
    handler = handler_cls()
    model = model_for(fault_server, sleeps)
    if mode == "invoke":
        model.invoke("Hi", config={"callbacks": [handler]})
    else:
        await model.ainvoke("Hi", config={"callbacks": [handler]})
    assert [attempt for attempt, _, _ in handler.states] == [1, 2]
    for _, exc, wait in handler.states:
        assert isinstance(exc, GroqRateLimitError)
        assert wait == 2.0


async def test_plain_stream_reports_no_on_retry_but_logs(
    fault_server: FaultServer,
    sleeps: SleepRecorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Core's .stream() calls _stream without a run manager, so a stream's
    # retries cannot reach on_retry; the WARNING log still tells.
    fault_server.script(rate_limited("2"), ok_stream())
    handler = RetryRecorder()
    with caplog.at_level(logging.WARNING, logger="langchain_synaptic_groq"):
        list(
            model_for(fault_server, sleeps).stream(
                "Hi", config={"callbacks": [handler]}
            )
        )
    assert handler.states == []
    assert len(caplog.records) == 1


async def test_each_retry_is_logged_at_warning(
    fault_server: FaultServer,
    sleeps: SleepRecorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    busy = error(503, "Service Unavailable", type="internal_server_error")
    fault_server.script(rate_limited("2"), busy, ok())
    with caplog.at_level(logging.WARNING, logger="langchain_synaptic_groq"):
        model_for(fault_server, sleeps).invoke("Hi")
    first, second = caplog.records
    assert first.levelno == logging.WARNING
    assert first.getMessage().startswith(
        "Groq request failed (status 429, GroqRateLimitError, request req_429): "
        "Rate limit reached"
    )
    assert first.getMessage().endswith(
        "; retrying in 2.00s (retry-after), attempt 2 of 3"
    )
    assert second.getMessage() == (
        "Groq request failed (status 503, GroqAPIError, request req_503): "
        "Service Unavailable; retrying in 1.00s (backoff), attempt 3 of 3"
    )
    assert second.groq_status == 503  # type: ignore[attr-defined]
    assert second.groq_wait == 1.0  # type: ignore[attr-defined]
    assert second.groq_attempt == 3  # type: ignore[attr-defined]


# -- RetryChatModel --------------------------------------------------------------------


def wrapped(
    server: FaultServer, sleeps: SleepRecorder, max_attempts: int = 3
) -> RetryChatModel:
    inner = ChatGroqSynaptic(
        model=MODEL, api_key=API_KEY, base_url=server.base_url, max_retries=5
    )
    return RetryChatModel(
        inner,
        RetryConfig(
            max_attempts=max_attempts,
            jitter=0,
            sleep=sleeps,
            async_sleep=sleeps.asleep,
        ),
    )


@pytest.mark.parametrize("mode", MODES)
async def test_retry_chat_model_retries_without_multiplying_attempts(
    fault_server: FaultServer, sleeps: SleepRecorder, mode: str
) -> None:
    fault_server.script(Forever(error(500, "boom", type="internal_server_error")))
    model = wrapped(fault_server, sleeps)
    with pytest.raises(GroqAPIError):
        await call(model, mode)
    # The wrapped model's max_retries=5 is switched off inside the wrapper.
    assert fault_server.attempts == 3
    assert sleeps.waits == [0.5, 1.0]
    assert model.model.max_retries == 5  # type: ignore[attr-defined]


@pytest.mark.parametrize("mode", MODES)
async def test_retry_chat_model_recovers(
    fault_server: FaultServer, sleeps: SleepRecorder, mode: str
) -> None:
    fault_server.script(rate_limited("3"), success(mode))
    ai = await call(wrapped(fault_server, sleeps), mode)
    assert ai.content == "Hello!"
    assert ai.response_metadata["model_provider"] == "groq"
    assert sleeps.waits == [3.0]


async def test_retry_chat_model_honours_max_wait(
    fault_server: FaultServer, sleeps: SleepRecorder
) -> None:
    fault_server.script(Forever(rate_limited("432")))
    with pytest.raises(GroqRateLimitError) as info:
        wrapped(fault_server, sleeps).invoke("Hi")
    assert info.value.retry_after == 432
    assert fault_server.attempts == 1
    assert len(info.value.__notes__) == 1


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_retry_chat_model_does_not_retry_after_the_first_chunk(
    fault_server: FaultServer, sleeps: SleepRecorder, mode: str
) -> None:
    fault_server.script(Forever(Stream([delta("Hel"), ERROR_EVENT])))
    with pytest.raises(GroqStreamError):
        await call(wrapped(fault_server, sleeps), mode)
    assert fault_server.attempts == 1


async def test_retry_chat_model_reports_on_retry(
    fault_server: FaultServer, sleeps: SleepRecorder
) -> None:
    fault_server.script(rate_limited("1"), ok())
    handler = RetryRecorder()
    wrapped(fault_server, sleeps).invoke("Hi", config={"callbacks": [handler]})
    assert len(handler.states) == 1


async def test_retry_chat_model_binds_tools_of_the_wrapped_model(
    fault_server: FaultServer, sleeps: SleepRecorder
) -> None:
    @tool
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    fault_server.script(error(503, "busy", type="server_error"), ok())
    model = wrapped(fault_server, sleeps).bind_tools([add], tool_choice="add")
    model.invoke("2 + 3?")
    assert fault_server.attempts == 2
    body = fault_server.requests[1].body
    assert body["tools"][0]["function"]["name"] == "add"
    assert body["tool_choice"] == {"type": "function", "function": {"name": "add"}}


def test_retry_chat_model_describes_itself() -> None:
    inner = ChatGroqSynaptic(model=MODEL, api_key=API_KEY, output_version="v1")
    model = RetryChatModel(inner)
    assert model.retry_config == RetryConfig()
    assert model.output_version == "v1"
    assert model._llm_type == "retry-groq-synaptic"
    assert model._get_ls_params()["ls_provider"] == "groq"
    assert model._get_ls_params()["ls_model_name"] == MODEL
    keyword = RetryChatModel(model=inner, retry_config=RetryConfig(max_attempts=2))
    assert keyword.retry_config.max_attempts == 2
    assert API_KEY not in repr(model)


# -- the API key never leaks -----------------------------------------------------------


def assert_no_key(text: str) -> None:
    assert API_KEY not in text
    assert API_KEY[4:20] not in text


def rendered(exc: BaseException) -> str:
    te = traceback.TracebackException(
        type(exc), exc, exc.__traceback__, capture_locals=True
    )
    return "".join(te.format())


def echo_page() -> str:
    # Built in a function so that no test frame holds the key in a local.
    return f"<html><pre>Authorization: Bearer {API_KEY}</pre></html>"


@pytest.mark.parametrize("mode", MODES)
async def test_key_not_in_errors_echoed_by_a_proxy(
    fault_server: FaultServer, sleeps: SleepRecorder, mode: str
) -> None:
    fault_server.script(Forever(Reply(401, echo_page())))
    with pytest.raises(GroqAuthenticationError) as info:
        await call(model_for(fault_server, sleeps), mode)
    err = info.value
    assert fault_server.requests[0].headers["authorization"] == f"Bearer {API_KEY}"
    assert "Bearer ***" in err.message
    for text in (str(err), repr(err), err.message, str(err.body), rendered(err)):
        assert_no_key(text)
    assert_no_key(repr(pickle.loads(pickle.dumps(err)).__dict__))


@pytest.mark.parametrize("mode", MODES)
async def test_key_not_in_traceback_locals(
    fault_server: FaultServer, sleeps: SleepRecorder, mode: str
) -> None:
    fault_server.script(
        error(503, "busy", type="server_error"),
        Forever(error(401, "Invalid API Key", code="invalid_api_key")),
    )
    with pytest.raises(GroqAuthenticationError) as info:
        await call(model_for(fault_server, sleeps), mode)
    text = rendered(info.value)
    assert "Transport" in text  # the frames of the request are there
    assert_no_key(text)


@pytest.mark.parametrize("mode", MODES)
async def test_key_not_in_traceback_of_transport_failures(
    fault_server: FaultServer, sleeps: SleepRecorder, mode: str
) -> None:
    fault_server.script(Forever(Stream([delta("a")], end="cut")))
    model = model_for(fault_server, sleeps, max_attempts=1)
    with pytest.raises(GroqError) as info:
        await call(model, mode)
    assert_no_key(rendered(info.value))
    refused = ChatGroqSynaptic(
        model=MODEL,
        api_key=API_KEY,
        base_url=f"http://127.0.0.1:{closed_port()}/openai/v1",
        max_retries=0,
    )
    with pytest.raises(GroqConnectionError) as info2:
        await call(refused, mode)
    assert_no_key(rendered(info2.value))


async def test_key_not_in_debug_logs(
    fault_server: FaultServer,
    sleeps: SleepRecorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fault_server.script(
        rate_limited("1"),
        Reply(502, echo_page()),
        ok(),
        Reply(401, echo_page()),
        ok_stream(),
    )
    model = model_for(fault_server, sleeps)
    with caplog.at_level(logging.DEBUG):
        model.invoke("Hi")
        with pytest.raises(GroqAuthenticationError):
            await model.ainvoke("Hi")
        list(model.stream("Hi"))
    assert any(r.name.startswith("httpx") for r in caplog.records)
    assert any(r.name.startswith("httpcore") for r in caplog.records)
    for record in caplog.records:
        assert_no_key(record.getMessage())
        assert_no_key(repr(record.args))
    assert_no_key(caplog.text)


async def test_http_client_of_the_user_is_used_for_retries(
    fault_server: FaultServer, sleeps: SleepRecorder
) -> None:
    fault_server.script(error(500, "boom", type="server_error"), ok())
    with httpx.Client() as client:
        model = model_for(fault_server, sleeps, http_client=client)
        assert model.invoke("Hi").content == "Hello!"
    assert fault_server.attempts == 2


# -- the policy on its own (no server) -------------------------------------------------


def failing(*errors: BaseException, result: str = "done") -> Any:
    queue = list(errors)
    calls: list[int] = []

    def fn() -> str:
        calls.append(1)
        if queue:
            raise queue.pop(0)
        return result

    fn.calls = calls  # type: ignore[attr-defined]
    return fn


def test_backoff_grows_and_is_capped() -> None:
    sleeps = SleepRecorder()
    config = RetryConfig(
        max_attempts=5,
        initial_backoff=1,
        multiplier=3,
        max_backoff=5,
        jitter=0,
        sleep=sleeps,
    )
    fn = failing(*(GroqAPIError("x", status_code=500) for _ in range(4)))
    assert run_with_retries(fn, config) == "done"
    assert sleeps.waits == [1.0, 3.0, 5.0, 5.0]
    assert len(fn.calls) == 5


def test_success_at_once_never_sleeps() -> None:
    sleeps = SleepRecorder()
    fn = failing()
    assert run_with_retries(fn, RetryConfig(sleep=sleeps)) == "done"
    assert sleeps.waits == []
    assert len(fn.calls) == 1


def test_max_attempts_one_never_retries() -> None:
    fn = failing(GroqAPIError("x", status_code=500))
    with pytest.raises(GroqAPIError) as info:
        run_with_retries(fn, RetryConfig(max_attempts=1))
    assert len(fn.calls) == 1
    assert not hasattr(info.value, "__notes__")


def test_the_original_traceback_is_kept() -> None:
    def fn() -> None:
        raise GroqAPIError("deep", status_code=500)

    with pytest.raises(GroqAPIError) as info:
        run_with_retries(fn, RetryConfig(max_attempts=2, sleep=SleepRecorder()))
    frames = [f.name for f in traceback.extract_tb(info.value.__traceback__)]
    assert frames[-1] == "fn"


async def test_async_runner_accepts_a_lambda_returning_a_coroutine() -> None:
    sleeps = SleepRecorder()
    fn = failing(GroqTimeoutError("slow"))

    async def work() -> str:
        return fn()  # type: ignore[no-any-return]

    config = RetryConfig(jitter=0, async_sleep=sleeps.asleep)
    assert await arun_with_retries(lambda: work(), config) == "done"
    assert sleeps.waits == [0.5]
    assert len(fn.calls) == 2


class OtherProviderRateLimitError(ModelRateLimitError):
    pass


@pytest.mark.parametrize(
    ("exc", "config", "expected"),
    [
        # The server's x-should-retry decides...
        (GroqAPIError("x", status_code=503, should_retry=False), RetryConfig(), False),
        (
            GroqInvalidRequestError("x", status_code=400, should_retry=True),
            RetryConfig(),
            True,
        ),
        # ...but never beyond max_wait.
        (
            GroqRateLimitError("x", status_code=429, retry_after=90, should_retry=True),
            RetryConfig(),
            False,
        ),
        (
            GroqRateLimitError("x", status_code=429, retry_after=90),
            RetryConfig(max_wait=90),
            True,
        ),
        # Status rules.
        (GroqAPIError("x", status_code=500), RetryConfig(), True),
        (GroqAPIError("x", status_code=409), RetryConfig(), True),
        (GroqTimeoutError("x", status_code=408), RetryConfig(), True),
        (GroqCapacityError("x", status_code=498), RetryConfig(), True),
        (GroqAPIError("200 with HTML", status_code=200), RetryConfig(), False),
        (GroqNotFoundError("x", status_code=404), RetryConfig(), False),
        (GroqInvalidRequestError("x", status_code=413), RetryConfig(), False),
        (GroqStreamError("cut"), RetryConfig(), True),
        (GroqConnectionError("refused"), RetryConfig(), True),
        # retry_on narrows what is retried.
        (
            GroqAPIError("x", status_code=503),
            RetryConfig(retry_on=(GroqRateLimitError,)),
            False,
        ),
        # Provider-neutral: another provider's core errors are retried too.
        (OtherProviderRateLimitError("x"), RetryConfig(), True),
        (ValueError("x"), RetryConfig(), False),
    ],
)
def test_is_retryable(exc: BaseException, config: RetryConfig, expected: bool) -> None:
    assert is_retryable(exc, config) is expected


def test_retry_config_serializes_without_the_sleep_functions() -> None:
    config = RetryConfig(max_attempts=4, sleep=SleepRecorder())
    dumped = config.model_dump()
    assert "sleep" not in dumped
    assert "async_sleep" not in dumped
    assert dumped["max_attempts"] == 4
    assert "sleep" not in repr(config)


def test_the_default_policy_is_built_once() -> None:
    assert default_config(3) is default_config(3)
    assert default_config(3) == RetryConfig()
    model = ChatGroqSynaptic(api_key=API_KEY, max_retries=4)
    assert model._retry() == RetryConfig(max_attempts=5)
    custom = RetryConfig(max_attempts=9)
    assert ChatGroqSynaptic(api_key=API_KEY, retry_config=custom)._retry() is custom


async def test_retry_chat_model_structured_output(
    fault_server: FaultServer, sleeps: SleepRecorder
) -> None:
    class City(BaseModel):
        name: str

    answer = completion("")
    answer["choices"][0]["message"] = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "City", "arguments": '{"name": "Paris"}'},
            }
        ],
    }
    answer["choices"][0]["finish_reason"] = "tool_calls"
    fault_server.script(rate_limited("1"), Reply(200, answer))
    structured = wrapped(fault_server, sleeps).with_structured_output(City)
    assert structured.invoke("Capital of France?") == City(name="Paris")
    assert fault_server.attempts == 2
    assert fault_server.requests[1].body["tool_choice"] == "required"
