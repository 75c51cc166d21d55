"""Rate-limit headers, Go durations and retry-after, parsed into numbers."""

from __future__ import annotations

import pickle
import uuid
from email.utils import formatdate
from typing import Any

import httpx
import pytest

from langchain_synaptic_groq import RateLimitState
from langchain_synaptic_groq.ratelimit import (
    limit_kind,
    parse_duration,
    parse_retry_after,
)
from tests.support.scripted import ScriptedGroq
from tests.support.wire import completion, sse, stream_events


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2m59.56s", 179.56),
        ("7.66s", 7.66),
        ("120ms", 0.12),
        ("1h2m3s", 3723.0),
        ("24h0m0s", 86400.0),
        ("1m", 60.0),
        ("0s", 0.0),
        ("1.5", 1.5),
        ("2", 2.0),
        (" 3s ", 3.0),
        ("500us", 0.0005),
        ("500µs", 0.0005),
        ("10ns", 1e-8),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", [None, "", "soon", "2x", "s", "1m 2s", "m5"])
def test_parse_duration_rejects(text: str | None) -> None:
    assert parse_duration(text) is None


def test_retry_after_sources_in_order() -> None:
    both = {"retry-after-ms": "1500", "retry-after": "2"}
    assert parse_retry_after(both, "try again in 9s") == 1.5
    assert parse_retry_after({"retry-after": "2"}, "try again in 9s") == 2.0
    assert parse_retry_after({}, "Please try again in 7m12.5s.") == 432.5
    assert parse_retry_after({}, "Please try again in 120ms. Thanks") == 0.12
    assert parse_retry_after({}, "no hint") is None
    assert parse_retry_after({}) is None


def test_retry_after_bad_values_fall_through() -> None:
    assert parse_retry_after({"retry-after-ms": "soon", "retry-after": "4"}) == 4.0
    assert parse_retry_after({"retry-after": "later"}, "try again in 3s") == 3.0
    assert parse_retry_after({"retry-after": "-5"}) == 0.0


def test_retry_after_http_date_uses_the_given_clock() -> None:
    now = 1_750_000_000.0
    date = formatdate(now + 30, usegmt=True)
    assert parse_retry_after({"retry-after": date}, now=now) == 30.0
    assert parse_retry_after({"retry-after": date}, now=now + 60) == 0.0


FULL = httpx.Headers(
    {
        "x-ratelimit-limit-requests": "14400",
        "x-ratelimit-remaining-requests": "14370",
        "x-ratelimit-reset-requests": "2m59.56s",
        "x-ratelimit-limit-tokens": "18000",
        "x-ratelimit-remaining-tokens": "17997",
        "x-ratelimit-reset-tokens": "10ms",
        "retry-after": "2",
    }
)


def test_state_from_every_header() -> None:
    state = RateLimitState.from_headers(FULL)
    assert state == RateLimitState(
        limit_requests=14400,
        remaining_requests=14370,
        reset_requests=pytest.approx(179.56),  # type: ignore[arg-type]
        limit_tokens=18000,
        remaining_tokens=17997,
        reset_tokens=pytest.approx(0.01),  # type: ignore[arg-type]
        retry_after=2.0,
    )
    assert state is not None
    assert state.to_dict() == {
        "limit_requests": 14400,
        "remaining_requests": 14370,
        "reset_requests": pytest.approx(179.56),
        "limit_tokens": 18000,
        "remaining_tokens": 17997,
        "reset_tokens": pytest.approx(0.01),
        "retry_after": 2.0,
    }


@pytest.mark.parametrize(
    "name",
    [
        "x-ratelimit-limit-requests",
        "x-ratelimit-remaining-requests",
        "x-ratelimit-reset-requests",
        "x-ratelimit-limit-tokens",
        "x-ratelimit-remaining-tokens",
        "x-ratelimit-reset-tokens",
    ],
)
def test_any_one_header_makes_a_state(name: str) -> None:
    state = RateLimitState.from_headers(httpx.Headers({name: FULL[name]}))
    assert state is not None
    assert len(state.to_dict()) == 1


def test_no_headers_no_state() -> None:
    assert RateLimitState.from_headers(httpx.Headers({})) is None
    assert RateLimitState.from_headers({"retry-after": "5"}) == RateLimitState(
        retry_after=5.0
    )


def test_garbage_values_become_none() -> None:
    state = RateLimitState.from_headers(
        {"x-ratelimit-limit-requests": "lots", "x-ratelimit-reset-tokens": "soon"}
    )
    assert state == RateLimitState()
    assert state is not None
    assert state.to_dict() == {}


def test_state_pickles() -> None:
    state = RateLimitState.from_headers(FULL)
    assert pickle.loads(pickle.dumps(state)) == state


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("... on tokens per minute (TPM): Limit 6000", ("tokens", "minute")),
        ("... on requests per day (RPD): Limit 1000", ("requests", "day")),
        ("... on requests per minute: Limit 30", ("requests", "minute")),
        ("limit (TPD) reached", ("tokens", "day")),
        ("limit (rpm) reached", ("requests", "minute")),
        ("Too Many Requests", (None, None)),
        (None, (None, None)),
    ],
)
def test_limit_kind_from_the_message(
    message: str | None, kind: tuple[str | None, str | None]
) -> None:
    assert limit_kind(message) == kind


def test_limit_kind_from_the_headers() -> None:
    requests_out = RateLimitState(remaining_requests=0, remaining_tokens=10)
    tokens_out = RateLimitState(remaining_requests=10, remaining_tokens=0)
    assert limit_kind("Too Many Requests", requests_out) == ("requests", "day")
    assert limit_kind("Too Many Requests", tokens_out) == ("tokens", "minute")
    assert limit_kind("Too Many Requests", RateLimitState()) == (None, None)
    # The message wins when it says.
    assert limit_kind("on tokens per day (TPD)", requests_out) == ("tokens", "day")


# -- one read per answer -------------------------------------------------------------


def _answer(odd: list[tuple[str, bytes]], stream: bool) -> httpx.Response:
    headers = [("x-ratelimit-remaining-tokens", b"5985"), *odd]
    if stream:
        body = sse(stream_events({"content": "hi"})).encode()
        headers.append(("content-type", b"text/event-stream"))
        return httpx.Response(200, headers=headers, content=body)
    return httpx.Response(200, headers=headers, json=completion("hi"))


@pytest.mark.parametrize("mode", ["invoke", "stream"])
@pytest.mark.parametrize(
    ("odd", "expected"),
    [
        pytest.param(
            [
                ("x-ratelimit-limit-tokens", b"6000"),
                ("x-ratelimit-limit-tokens", b"7000"),
            ],
            {"remaining_tokens": 5985},  # joined, "6000, 7000" is no number
            id="repeated",
        ),
        pytest.param(
            [("x-ratelimit-reset-tokens", "500µs".encode())],  # Go's micro sign
            {"remaining_tokens": 5985, "reset_tokens": pytest.approx(0.0005)},
            id="utf-8",
        ),
    ],
)
def test_odd_rate_limit_headers_show_the_same_paced_or_not(
    mode: str, odd: list[tuple[str, bytes]], expected: dict[str, Any]
) -> None:
    # The pacer's read of the headers also fills the metadata, except where
    # its one-pass read differs from the metadata's (repeats, non-ASCII).
    for pace in (True, False):
        groq = ScriptedGroq(_answer(odd, mode == "stream"))
        model = groq.model(pace_requests=pace, api_key=f"gsk_odd_{uuid.uuid4().hex}")
        if mode == "invoke":
            meta = model.invoke("Hi").response_metadata
        else:
            meta = [c for c in model.stream("Hi") if c.response_metadata][
                -1
            ].response_metadata
        assert meta["rate_limit"] == expected, f"pace_requests={pace}"
