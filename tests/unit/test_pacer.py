"""The rate-limit pacer: requests wait for Groq's budget instead of a 429.

Against `LimitServer`, a loopback Groq that enforces RPM/TPM/RPD/TPD budgets
with Groq's headers and 429/413 bodies (a 2-second "minute" keeps the
overloads short):

* 50 callers asking for three times the budget all get their answer, no 429
  reaches them (none is even sent once the pacer knows the budget), and they
  finish within 10 % of the least time the limit itself allows (measured by
  the server), as threads, as tasks, and on several event loops;
* a request that can never fit fails at once with the 413 error; the clamp
  makes it fit instead; a daily cap fails at once, and then without sending;
* with the pacer off, the same overload sends 429s to the callers.

The decisions themselves (`Budget`) are checked with a made-up clock, the
waiting (`Pacer`) with threads, tasks, cancellation and a fork.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from langchain_core.exceptions import ModelInvalidRequestError

from langchain_synaptic_groq import (
    ChatGroqSynaptic,
    GroqInvalidRequestError,
    GroqRateLimitError,
    GroqRequestTooLargeError,
    RateLimitState,
    RetryConfig,
)
from langchain_synaptic_groq._pacer import (
    DEFAULT_COMPLETION_TOKENS,
    Budget,
    Pacer,
    fingerprint,
    pacer_for,
)
from langchain_synaptic_groq.errors import error_from_response
from langchain_synaptic_groq.ratelimit import LimitHit, parse_limit_message
from langchain_synaptic_groq.retry import is_retryable
from tests.support.fault_server import (
    FaultServer,
    SleepRecorder,
    error,
    ok,
    own_pool_timeout,
)
from tests.support.limit_server import API_KEY, LimitServer, iter_markers

pytestmark = pytest.mark.allow_hosts(["127.0.0.1"])

MODEL = "openai/gpt-oss-20b"
MINUTE = 2.0  # seconds a "minute" lasts on the test server
CALLERS = 50
ANSWER = 160  # max_tokens of each overload request


def model_on(server: LimitServer, **kwargs: Any) -> ChatGroqSynaptic:
    params: dict[str, Any] = {
        "model": MODEL,
        "api_key": API_KEY,
        "base_url": server.base_url,
        "timeout": own_pool_timeout(),
    }
    params.update(kwargs)
    return ChatGroqSynaptic(**params)


def overloaded(**limits: Any) -> LimitServer:
    """Token budget 3000 a minute: 50 requests of ~180 tokens are 3x it."""
    params: dict[str, Any] = {"tpm": 3000, "rpm": 1000, "minute": MINUTE}
    params.update(limits)
    return LimitServer(**params)


def warm_up(server: LimitServer, model: ChatGroqSynaptic) -> None:
    """One answer teaches the pacer the budget; then wait until it is full."""
    model.invoke("question 9999: what is the capital of France?")
    time.sleep(server.time_to_full() + 0.01)


def assert_paced(
    server: LimitServer, results: list[Any], started: float, levels: Any
) -> float:
    """Every caller answered, none saw an error; the run's time over the floor."""
    elapsed = time.monotonic() - started
    failures = [r for r in results if isinstance(r, BaseException)]
    assert failures == []
    assert len(results) == CALLERS
    floor = server.floor(started, levels)
    assert floor > MINUTE  # the overload really is beyond the budget
    # How close the run comes to the floor is measured, not asserted (timed
    # assertions fail on a loaded machine): benchmarks/ratelimit_overload.py
    # reports it (1.00-1.03x the ideal).
    return elapsed / floor


# -- the overload ------------------------------------------------------------------


def test_fifty_threads_at_three_times_the_budget() -> None:
    with overloaded() as server:
        model = model_on(server, max_tokens=ANSWER)
        warm_up(server, model)
        levels, started = server.levels(), time.monotonic()

        def call(text: str) -> Any:
            try:
                return model.invoke(text).content
            except Exception as exc:  # counted below
                return exc

        with ThreadPoolExecutor(CALLERS) as pool:
            results = list(pool.map(call, iter_markers(CALLERS)))
        assert_paced(server, results, started, levels)
        assert server.count(429) == 0
        assert results[7] == "Answer to " + list(iter_markers(8))[7]


async def test_fifty_tasks_at_three_times_the_budget() -> None:
    with overloaded() as server:
        model = model_on(server, max_tokens=ANSWER)
        await asyncio.to_thread(warm_up, server, model)
        levels, started = server.levels(), time.monotonic()
        results = await asyncio.gather(
            *(model.ainvoke(text) for text in iter_markers(CALLERS)),
            return_exceptions=True,
        )
        assert_paced(server, results, started, levels)
        assert server.count(429) == 0
        answers = [r.content for r in results if not isinstance(r, BaseException)]
        assert answers == [f"Answer to {t}" for t in iter_markers(CALLERS)]


def test_tasks_on_two_event_loops_share_one_budget() -> None:
    with overloaded() as server:
        model = model_on(server, max_tokens=ANSWER)
        warm_up(server, model)
        texts = list(iter_markers(CALLERS))
        halves = [texts[::2], texts[1::2]]
        results: list[Any] = []

        async def run(half: list[str]) -> list[Any]:
            return await asyncio.gather(
                *(model.ainvoke(t) for t in half), return_exceptions=True
            )

        levels, started = server.levels(), time.monotonic()
        threads = [
            threading.Thread(target=lambda h=h: results.extend(asyncio.run(run(h))))
            for h in halves
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert_paced(server, results, started, levels)
        assert server.count(429) == 0


async def test_streams_are_paced_too() -> None:
    with overloaded() as server:
        model = model_on(server, max_tokens=ANSWER)
        await asyncio.to_thread(warm_up, server, model)

        async def streamed(text: str) -> str:
            return "".join([str(c.content) async for c in model.astream(text)])

        levels, started = server.levels(), time.monotonic()
        results = await asyncio.gather(
            *(streamed(t) for t in iter_markers(CALLERS)), return_exceptions=True
        )
        assert_paced(server, results, started, levels)
        assert server.count(429) == 0
        assert results[3] == "Answer to " + list(iter_markers(4))[3]


async def test_the_minute_limit_on_requests_is_learned_from_the_first_429s() -> None:
    # Groq's headers do not carry requests per minute: only a 429 names it.
    # Cold, the first burst goes out and 40 of its 60 requests are refused;
    # their retries then wait their turn, and no caller sees a 429.
    callers = 60
    with overloaded(tpm=100_000, rpm=20) as server:
        model = model_on(server)
        levels, started = server.levels(), time.monotonic()
        texts = list(iter_markers(callers))
        results = await asyncio.gather(
            *(model.ainvoke(t) for t in texts), return_exceptions=True
        )
        assert [r for r in results if isinstance(r, BaseException)] == []
        assert server.count(200) == callers
        # Each caller was refused at most once: in the burst before the pacer
        # knew the limit.
        assert max(server.statuses(t).count(429) for t in texts) == 1
        assert server.floor(started, levels) > MINUTE  # beyond the budget


async def test_with_the_pacer_off_429s_reach_the_callers() -> None:
    with overloaded() as server:
        model = model_on(server, max_tokens=ANSWER, pace_requests=False, max_retries=0)
        results = await asyncio.gather(
            *(model.ainvoke(t) for t in iter_markers(CALLERS)), return_exceptions=True
        )
        limited = [r for r in results if isinstance(r, GroqRateLimitError)]
        assert len(limited) >= CALLERS // 2
        assert server.count(429) == len(limited)


# -- what can never fit ------------------------------------------------------------


@pytest.mark.parametrize("warm", [False, True])
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_a_request_over_the_token_limit_gets_the_413_at_once(
    warm: bool, mode: str
) -> None:
    # A 10-minute "minute": any wait for the budget would be minutes long.
    with overloaded(minute=600.0) as server:
        model = model_on(server, max_tokens=4000)
        if warm:
            await model_on(server, max_tokens=2500).ainvoke("hello")
        sent = server.received
        started = time.monotonic()
        text = "question: what is the capital of France?"
        with pytest.raises(GroqRequestTooLargeError) as info:
            await (
                asyncio.to_thread(model.invoke, text)
                if mode == "invoke"
                else model.ainvoke(text)
            )
        assert time.monotonic() - started < 600.0 / 100
        assert server.received == sent + 1  # sent once, never retried
        err = info.value
        assert err.status_code == 413
        assert err.limit == 3000
        assert err.requested == server.log[-1].tokens
        assert err.requested > 4000
        assert not err.is_retryable
        assert "Limit 3000" in str(err)


@pytest.mark.parametrize("warm", [False, True])
async def test_clamp_max_tokens_makes_the_request_fit(warm: bool) -> None:
    with overloaded() as server:
        if warm:
            await model_on(server, max_tokens=100).ainvoke("hello")
        model = model_on(server, max_tokens=4000, clamp_max_tokens=True)
        answer = await model.ainvoke("question: what is the capital of France?")
        assert answer.content == "Answer to question: what is the capital of France?"
        last = server.log[-1]
        assert last.status == 200
        assert last.max_tokens is not None
        assert last.max_tokens < 4000
        assert last.tokens <= 3000
        # Cold, Groq's 413 names its own count: one refusal, then an exact fit.
        assert [a.status for a in server.log[-2:]] == (
            [200, 200] if warm else [413, 200]
        )


def test_a_daily_cap_fails_at_once_and_then_without_sending() -> None:
    day = 1440 * MINUTE  # a day of the test server: 48 minutes
    with overloaded(tpd=1_000, spent={"TPD": 990}) as server:
        model = model_on(server, max_tokens=ANSWER)
        sleeps = SleepRecorder()
        model.retry_config = RetryConfig(sleep=sleeps)
        with pytest.raises(GroqRateLimitError) as info:
            model.invoke("question: what is the capital of France?")
        first = info.value
        assert (first.limit_resource, first.limit_window) == ("tokens", "day")
        assert first.retry_after is not None
        assert 60 < first.retry_after < day
        assert server.received == 1
        assert sleeps.waits == []
        # The pacer now knows: the next call is refused here, not sent.
        with pytest.raises(GroqRateLimitError) as again:
            model.invoke("question: what is the capital of Spain?")
        assert server.received == 1
        second = again.value
        assert second.status_code is None
        assert (second.limit_resource, second.limit_window) == ("tokens", "day")
        assert second.retry_after is not None
        assert second.retry_after > 60
        assert "tokens-per-day limit (a daily cap) of 1,000" in str(second)
        assert "longer than RetryConfig.max_wait (60s)" in str(second)


# -- flex capacity -------------------------------------------------------------------


@pytest.mark.parametrize("fallback", [False, True])
def test_a_498_on_flex_falls_back_to_on_demand_when_asked(
    fault_server: FaultServer, fallback: bool
) -> None:
    sleeps = SleepRecorder()
    fault_server.script(error(498, "Capacity exceeded", type="capacity"), ok("done"))
    model = ChatGroqSynaptic(
        model=MODEL,
        api_key=API_KEY,
        base_url=fault_server.base_url,
        service_tier="flex",
        timeout=own_pool_timeout(),
        retry_config=RetryConfig(sleep=sleeps, flex_fallback=fallback, jitter=0.0),
    )
    assert model.invoke("Hi").content == "done"
    tiers = [r.body["service_tier"] for r in fault_server.requests]
    assert tiers == ["flex", "on_demand" if fallback else "flex"]
    assert sleeps.waits == ([0.0] if fallback else [0.5])


def test_a_498_retry_after_gets_jitter_on_top(fault_server: FaultServer) -> None:
    sleeps = SleepRecorder()
    busy = error(
        498, "Capacity exceeded", type="capacity", headers={"retry-after": "2"}
    )
    fault_server.script(busy, busy, busy, ok())
    model = ChatGroqSynaptic(
        model=MODEL,
        api_key=API_KEY,
        base_url=fault_server.base_url,
        service_tier="flex",
        timeout=own_pool_timeout(),
        retry_config=RetryConfig(sleep=sleeps, max_attempts=4, jitter=0.25),
    )
    model.invoke("Hi")
    assert all(2.0 <= w <= 2.5 for w in sleeps.waits)
    assert len(set(sleeps.waits)) > 1  # spread, not one shared instant


# -- what Groq's messages say --------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (  # Aider-AI/aider#3265
            "Rate limit reached for model `gemma2-9b-it` in organization `org` "
            "service tier on_demand on tokens per minute (TPM): Limit 15000, Used "
            "11972, Requested 4351. Please try again in 5.289s. Visit ...",
            LimitHit("tokens", "minute", 15000, 11972, 4351, 5.289),
        ),
        (  # crewAI#494: an older message, "~" before the count
            "on tokens per minute (TPM): Limit 5000, Used 5747, Requested ~4251. "
            "Please try again in 59.977s.",
            LimitHit("tokens", "minute", 5000, 5747, 4251, 59.977),
        ),
        (
            "on requests per day (RPD): Limit 1000, Used 1000, Requested 1. Please "
            "try again in 1m26.4s.",
            LimitHit("requests", "day", 1000, 1000, 1, 86.4),
        ),
        (  # a 413: no "Used", no wait
            "Request too large for model `llama-3.3-70b-versatile` in organization "
            "`org` service tier `on_demand` on tokens per minute (TPM): Limit 6000, "
            "Requested 14810, please reduce your message size and try again.",
            LimitHit("tokens", "minute", 6000, None, 14810, None),
        ),
        (
            "on tokens per minute (TPM). Please try again in 2.5s.",
            LimitHit("tokens", "minute", None, None, None, 2.5),
        ),
        ("slow down", None),
    ],
)
def test_the_limit_a_message_names(message: str, expected: LimitHit | None) -> None:
    assert parse_limit_message(message) == expected


def test_a_413_on_tokens_per_minute_is_its_own_error() -> None:
    body = {
        "error": {
            "message": "Request too large for model `openai/gpt-oss-120b` in "
            "organization `org` service tier `on_demand` on tokens per minute "
            "(TPM): Limit 8000, Requested 32979, please reduce your message size "
            "and try again.",
            "type": "tokens",
            "code": "rate_limit_exceeded",
        }
    }
    err = error_from_response(413, httpx.Headers(), json.dumps(body).encode())
    assert type(err) is GroqRequestTooLargeError
    assert isinstance(err, GroqInvalidRequestError)
    assert isinstance(err, ModelInvalidRequestError)
    assert (err.limit, err.requested) == (8000, 32979)
    assert (err.limit_resource, err.limit_window) == ("tokens", "minute")
    assert not err.is_retryable
    assert not is_retryable(err, RetryConfig())
    # Any other 413 (a body too large, say) stays a plain invalid request.
    other = error_from_response(413, httpx.Headers(), b'{"error": {"message": "big"}}')
    assert type(other) is GroqInvalidRequestError


# -- the decisions, on a made-up clock ----------------------------------------------


def headers(**values: str) -> RateLimitState:
    state = RateLimitState.from_headers(httpx.Headers(values))
    assert state is not None
    return state


TPM_EMPTY = {
    "x-ratelimit-limit-tokens": "6000",
    "x-ratelimit-remaining-tokens": "0",
    "x-ratelimit-reset-tokens": "1m0s",
}


def test_nothing_known_admits_anything() -> None:
    budget = Budget()
    assert budget.room(0.0, 10**9)
    assert budget.wait(0.0, 10**9) == (0.0, None)


def test_headers_give_the_budget_and_its_refill() -> None:
    budget = Budget()
    ticket = budget.admit(0.0, 100, None, None)
    budget.settle(1.0, ticket, headers(**TPM_EMPTY))
    key = ("tokens", "minute")
    assert budget.level(1.0, key) == 0
    assert budget.level(31.0, key) == pytest.approx(3000)
    assert budget.level(500.0, key) == 6000  # full, not beyond
    assert budget.minute() == pytest.approx(60)
    assert budget.wait(1.0, 1000) == (pytest.approx(10.0), key)
    assert not budget.room(1.0, 1)


def test_an_unanswered_request_counts_until_its_answer() -> None:
    budget = Budget()
    first = budget.admit(0.0, 10, None, None)
    budget.settle(
        0.0, first, headers(**{**TPM_EMPTY, "x-ratelimit-remaining-tokens": "6000"})
    )
    key = ("tokens", "minute")
    assert budget.level(0.0, key) == 6000
    flying = budget.admit(0.0, 2500, None, None)
    assert budget.level(0.0, key) == 3500
    assert budget.room(0.0, 3500)
    assert not budget.room(0.0, 3501)
    # Its answer says what Groq counted: its number replaces the reservation.
    budget.settle(
        0.1, flying, headers(**{**TPM_EMPTY, "x-ratelimit-remaining-tokens": "5000"})
    )
    assert budget.level(0.1, key) == 5000


def test_an_older_answer_cannot_raise_what_a_newer_one_showed() -> None:
    budget = Budget()
    key = ("tokens", "minute")
    seed = budget.admit(0.0, 1, None, None)
    budget.settle(
        0.0, seed, headers(**{**TPM_EMPTY, "x-ratelimit-remaining-tokens": "6000"})
    )
    a = budget.admit(1.0, 1000, None, None)
    b = budget.admit(1.0, 1000, None, None)
    # Groq counted b first, then a; b's answer comes first, a's numbers are
    # the newer ones but arrive last. Neither order may overstate the budget.
    budget.settle(
        1.1, b, headers(**{**TPM_EMPTY, "x-ratelimit-remaining-tokens": "5000"})
    )
    budget.settle(
        1.2, a, headers(**{**TPM_EMPTY, "x-ratelimit-remaining-tokens": "4000"})
    )
    assert budget.level(1.2, key) <= 4000
    # And the other way round: the stale number (5000) comes last.
    budget2 = Budget()
    seed = budget2.admit(0.0, 1, None, None)
    budget2.settle(
        0.0, seed, headers(**{**TPM_EMPTY, "x-ratelimit-remaining-tokens": "6000"})
    )
    a = budget2.admit(1.0, 1000, None, None)
    b = budget2.admit(1.0, 1000, None, None)
    budget2.settle(
        1.1, a, headers(**{**TPM_EMPTY, "x-ratelimit-remaining-tokens": "4000"})
    )
    budget2.settle(
        1.2, b, headers(**{**TPM_EMPTY, "x-ratelimit-remaining-tokens": "5000"})
    )
    assert budget2.level(1.2, key) <= 4000 + 100 * 0.2  # plus the refill


def test_a_429_teaches_the_limit_it_names() -> None:
    message = (
        "Rate limit reached for model `openai/gpt-oss-20b` in organization `org_x` "
        "service tier `on_demand` on requests per minute (RPM): Limit 30, Used 30, "
        "Requested 1. Please try again in 2s. Visit https://console.groq.com/docs"
    )
    exc = error_from_response(
        429,
        httpx.Headers({"retry-after": "2"}),
        json.dumps(
            {"error": {"message": message, "code": "rate_limit_exceeded"}}
        ).encode(),
    )
    assert isinstance(exc, GroqRateLimitError)
    assert (exc.limit, exc.used, exc.requested) == (30, 30, 1)
    budget = Budget()
    budget.fail(0.0, budget.admit(0.0, 50, None, None), exc)
    key = ("requests", "minute")
    assert budget.buckets[key].limit == 30
    assert budget.wait(0.0, 50) == (pytest.approx(2.0), key)  # 30 a minute
    assert budget.room(2.0, 50)
    # The refused request costs nothing: other requests are not held back.
    assert budget.pending_requests == 0


def test_refused_requests_stop_counting_once_refused() -> None:
    budget = Budget()
    key = ("requests", "minute")
    burst = [budget.admit(0.0, 10, None, None) for _ in range(5)]
    rpm = error_from_response(
        429,
        httpx.Headers(),
        b'{"error": {"message": "on requests per minute (RPM): Limit 3, Used 3, '
        b'Requested 1. Please try again in 20s."}}',
    )
    budget.fail(0.1, burst[3], rpm)
    # Four more may have been counted after it: all held against the budget.
    assert budget.level(0.1, key) == pytest.approx(-4, abs=0.01)
    budget.fail(0.1, burst[4], rpm)
    for ticket in burst[:3]:
        budget.settle(
            0.1,
            ticket,
            headers(**{**TPM_EMPTY, "x-ratelimit-remaining-tokens": "6000"}),
        )
    # Now known: the three were counted before the refusals, which cost nothing.
    assert budget.level(0.1, key) == pytest.approx(0, abs=0.01)


def test_a_wait_longer_than_max_wait_raises_at_once_naming_the_cap() -> None:
    pacer = Pacer()
    state = headers(
        **{
            "x-ratelimit-limit-requests": "1000",
            "x-ratelimit-remaining-requests": "0",
            "x-ratelimit-reset-requests": "24h0m0s",
        }
    )
    with pacer.lock:
        pacer.budget.settle(
            time.monotonic(), pacer.budget.admit(0.0, 1, None, None), state
        )
    started = time.monotonic()
    with pytest.raises(GroqRateLimitError) as info:
        pacer.acquire(10, max_wait=60.0)
    assert time.monotonic() - started < 1.0
    err = info.value
    assert (err.limit_resource, err.limit_window) == ("requests", "day")
    assert err.retry_after == pytest.approx(86.4, rel=0.01)  # one of 1000 a day
    assert "requests-per-day limit (a daily cap) of 1,000" in str(err)


def test_usage_corrects_the_estimates() -> None:
    budget = Budget()
    assert budget.completion_cost(None) == DEFAULT_COMPLETION_TOKENS
    assert budget.completion_cost(300) == 300
    ticket = budget.admit(0.0, 0, 100, None)
    budget.settle(0.0, ticket, None)
    budget.learn_usage(ticket, 150, 42)
    assert budget.prompt_ratio == pytest.approx(1.5)
    assert budget.prompt_cost(100) == 150
    assert budget.completion_cost(None) == 42
    assert ticket.tokens == 150 + 42  # what Groq counted, for later sightings


def test_an_answer_without_rate_limit_headers_forgets_the_budget() -> None:
    budget = Budget()
    ticket = budget.admit(0.0, 1, None, None)
    budget.settle(0.0, ticket, headers(**TPM_EMPTY))
    assert budget.buckets
    budget.settle(0.1, budget.admit(0.1, 1, None, None), None)
    assert budget.buckets == {}
    assert budget.announced is False
    assert budget.room(0.1, 10**9)


def test_clamp_fits_the_token_limit() -> None:
    budget = Budget()
    assert budget.clamp(100, 9000) is None  # nothing known
    budget.settle(0.0, budget.admit(0.0, 1, None, None), headers(**TPM_EMPTY))
    assert budget.clamp(100, 9000) == 6000 - 110  # a tenth of room for the estimate
    assert budget.clamp(100, 5000) is None  # fits already
    assert budget.clamp(7000, 500) is None  # nothing would fit
    assert budget.never_fits(6001)
    assert not budget.never_fits(6000)


def test_pacers_are_shared_by_key_fingerprint_url_model_and_tier() -> None:
    from pydantic import SecretStr

    key = SecretStr("gsk_secret_value_123")
    print_ = fingerprint(key)
    assert b"gsk_secret_value_123" not in print_
    assert print_ == fingerprint(SecretStr("gsk_secret_value_123"))
    assert print_ != fingerprint(SecretStr("gsk_other"))
    same = pacer_for(print_, "http://x/openai/v1", "m", "on_demand")
    assert same is pacer_for(print_, "http://x/openai/v1", "m", "on_demand")
    assert same is not pacer_for(print_, "http://x/openai/v1", "m", "flex")
    assert same is not pacer_for(print_, "http://x/openai/v1", "other", "on_demand")
    assert same is not pacer_for(
        fingerprint(None), "http://x/openai/v1", "m", "on_demand"
    )
    assert "gsk_" not in repr(same)


# -- the waiting ---------------------------------------------------------------------


def drained(rate_per_s: float = 2000.0) -> Pacer:
    """A pacer whose token budget (60 000) is empty and refills at `rate_per_s`."""
    pacer = Pacer()
    limit = 60_000
    state = headers(
        **{
            "x-ratelimit-limit-tokens": str(limit),
            "x-ratelimit-remaining-tokens": "0",
            "x-ratelimit-reset-tokens": f"{limit / rate_per_s}s",
        }
    )
    with pacer.lock:
        budget = pacer.budget
        budget.settle(time.monotonic(), budget.admit(0.0, 1, None, None), state)
    return pacer


def test_first_come_first_served_a_big_request_is_not_starved() -> None:
    pacer = drained()
    order: list[str] = []
    lock = threading.Lock()

    def take(name: str, tokens: int) -> None:
        ticket = pacer.acquire(tokens, max_wait=30.0)
        with lock:
            order.append(name)
        pacer.settle(ticket, None)  # no headers: forgets, the rest may go

    big = threading.Thread(target=take, args=("big", 600))
    big.start()
    while not pacer._queue:
        time.sleep(0.001)
    smalls = [threading.Thread(target=take, args=(f"s{n}", 10)) for n in range(20)]
    for thread in smalls:
        thread.start()
    for thread in [big, *smalls]:
        thread.join(30)
    assert order[0] == "big"
    assert sorted(order[1:]) == sorted(f"s{n}" for n in range(20))


async def test_a_waiting_task_leaves_the_event_loop_free() -> None:
    pacer = drained()
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    ticker = asyncio.create_task(tick())
    await pacer.aacquire(400, max_wait=30.0)  # about 0.2 s of refill
    ticker.cancel()
    assert ticks >= 10


async def test_a_cancelled_waiter_leaves_the_queue() -> None:
    pacer = drained()
    first = asyncio.create_task(pacer.aacquire(1000, max_wait=30.0))
    await asyncio.sleep(0.01)
    second = asyncio.create_task(pacer.aacquire(10, max_wait=30.0))
    await asyncio.sleep(0.01)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    await asyncio.wait_for(second, 5)
    assert not pacer._queue


def test_a_waiter_on_another_loop_is_woken_by_an_answer() -> None:
    pacer = drained(rate_per_s=1.0)  # would wait for hours
    admitted = threading.Event()

    def other_loop() -> None:
        asyncio.run(pacer.aacquire(10, max_wait=10_000.0))
        admitted.set()

    thread = threading.Thread(target=other_loop)
    thread.start()
    while not pacer._queue:
        time.sleep(0.001)
    with pacer.lock:
        budget = pacer.budget
        probe = budget.admit(time.monotonic(), 0, None, None)
    pacer.settle(probe, None)  # an answer without headers: nothing to wait for
    assert admitted.wait(5)
    thread.join(5)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_after_a_fork_the_child_can_wait_and_admit() -> None:
    pacer = drained()
    holding = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with pacer.lock:  # held by another thread at the moment of the fork
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(5)
    pid = os.fork()
    if pid == 0:  # the child: the parent's lock and queue are not its own
        code = 1
        try:
            pacer.acquire(100, max_wait=5.0)
            code = 0
        finally:
            os._exit(code)
    release.set()
    holder.join(5)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
