"""The error hierarchy: classes, fields, pickling, stream errors, redaction."""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import httpx
import pytest
from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
)
from pydantic import SecretStr

from langchain_synaptic_groq import (
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
    GroqStreamError,
    GroqTimeoutError,
    GroqToolUseError,
    RateLimitState,
)
from langchain_synaptic_groq.errors import (
    error_from_response,
    error_from_stream_payload,
    redact,
)

KEY = "gsk_ERRKEY_0123456789abcdefghijklmnopqrstuvwx"
HEADERS = httpx.Headers(
    {
        "x-request-id": "req_01abc",
        "x-ratelimit-limit-requests": "1000",
        "x-ratelimit-remaining-requests": "999",
        "x-ratelimit-reset-requests": "1m26.4s",
        "x-ratelimit-limit-tokens": "6000",
        "x-ratelimit-remaining-tokens": "5000",
        "x-ratelimit-reset-tokens": "10s",
    }
)


def body(message: str, **fields: Any) -> bytes:
    return json.dumps({"error": {"message": message, **fields}}).encode()


# -- the hierarchy ---------------------------------------------------------------------

HIERARCHY = [
    (GroqError, ModelError),
    (GroqAuthenticationError, ModelAuthenticationError),
    (GroqPermissionDeniedError, ModelPermissionDeniedError),
    (GroqInvalidRequestError, ModelInvalidRequestError),
    (GroqToolUseError, ModelInvalidRequestError),
    (GroqContextOverflowError, ContextOverflowError),
    (GroqContextOverflowError, ModelInvalidRequestError),
    (GroqNotFoundError, ModelNotFoundError),
    (GroqRateLimitError, ModelRateLimitError),
    (GroqAPIError, ModelAPIError),
    (GroqCapacityError, ModelAPIError),
    (GroqStreamError, ModelAPIError),
    (GroqConnectionError, ModelConnectionError),
    (GroqTimeoutError, ModelTimeoutError),
]


@pytest.mark.parametrize(("cls", "core"), HIERARCHY)
def test_every_class_is_the_matching_core_error(cls: type, core: type) -> None:
    assert issubclass(cls, core)
    assert issubclass(cls, GroqError)


@pytest.mark.parametrize(
    ("cls", "retryable"),
    [
        (GroqRateLimitError, True),
        (GroqAPIError, True),
        (GroqCapacityError, True),
        (GroqConnectionError, True),
        (GroqTimeoutError, True),
        (GroqAuthenticationError, False),
        (GroqPermissionDeniedError, False),
        (GroqInvalidRequestError, False),
        (GroqNotFoundError, False),
        (GroqContextOverflowError, False),
        (GroqToolUseError, False),
    ],
)
def test_is_retryable_follows_core(cls: type[GroqError], retryable: bool) -> None:
    assert cls("x").is_retryable is retryable


# -- status -> class -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "payload", "cls"),
    [
        (400, body("bad", type="invalid_request_error"), GroqInvalidRequestError),
        (401, body("Invalid API Key", code="invalid_api_key"), GroqAuthenticationError),
        (403, body("no"), GroqPermissionDeniedError),
        (404, body("no model", code="model_not_found"), GroqNotFoundError),
        (400, body("gone", code="model_decommissioned"), GroqNotFoundError),
        (408, body("slow"), GroqTimeoutError),
        (409, body("conflict"), GroqAPIError),
        (
            413,
            body("Request too large", code="rate_limit_exceeded"),
            GroqInvalidRequestError,
        ),
        (422, body("unprocessable"), GroqInvalidRequestError),
        (429, body("Rate limit reached"), GroqRateLimitError),
        (498, body("Capacity exceeded"), GroqCapacityError),
        (499, body("cancelled"), GroqInvalidRequestError),
        (500, body("oops"), GroqAPIError),
        (502, b"<html>502 Bad Gateway</html>", GroqAPIError),
        (503, body("busy"), GroqAPIError),
        (504, b"", GroqAPIError),
        (
            400,
            body("x", code="tool_use_failed", failed_generation="y"),
            GroqToolUseError,
        ),
        (400, body("x", code="json_validate_failed"), GroqToolUseError),
        (400, body("x", code="context_length_exceeded"), GroqContextOverflowError),
    ],
)
def test_status_and_code_pick_the_class(status: int, payload: bytes, cls: type) -> None:
    err = error_from_response(status, HEADERS, payload)
    assert type(err) is cls
    assert err.status_code == status


def test_every_field_is_filled() -> None:
    payload = body(
        "'temperature' must be at most 2",
        type="invalid_request_error",
        code="invalid_value",
        param="temperature",
    )
    err = error_from_response(
        400, httpx.Headers({**HEADERS, "retry-after": "3"}), payload
    )
    assert err.message == "'temperature' must be at most 2"
    assert err.status_code == 400
    assert err.error_type == "invalid_request_error"
    assert err.code == "invalid_value"
    assert err.param == "temperature"
    assert err.request_id == "req_01abc"
    assert err.retry_after == 3.0
    assert err.rate_limit == RateLimitState(
        limit_requests=1000,
        remaining_requests=999,
        reset_requests=86.4,
        limit_tokens=6000,
        remaining_tokens=5000,
        reset_tokens=10.0,
        retry_after=3.0,
    )
    assert err.body == json.loads(payload)
    assert err.should_retry is None
    assert str(err) == (
        "'temperature' must be at most 2 (status 400, code invalid_value, "
        "request req_01abc)"
    )


def test_rate_limit_error_reads_the_wait_and_the_limit() -> None:
    message = (
        "Rate limit reached for model `llama-3.3-70b-versatile` in organization "
        "`org_1` service tier `on_demand` on requests per day (RPD): Limit 1000, "
        "Used 1000, Requested 1. Please try again in 1m26.4s."
    )
    err = error_from_response(
        429, HEADERS, body(message, type="requests", code="rate_limit_exceeded")
    )
    assert isinstance(err, GroqRateLimitError)
    assert err.retry_after == pytest.approx(86.4)
    assert (err.limit_resource, err.limit_window) == ("requests", "day")
    assert str(err).endswith("; retry after 86.4s")


def test_rate_limit_header_wait_wins_over_the_text() -> None:
    err = error_from_response(
        429,
        httpx.Headers({"retry-after": "7"}),
        body("Please try again in 6.5s."),
    )
    assert err.retry_after == 7.0


def test_rate_limit_kind_from_headers_when_the_text_is_silent() -> None:
    headers = httpx.Headers({**HEADERS, "x-ratelimit-remaining-tokens": "0"})
    err = error_from_response(429, headers, body("Too Many Requests"))
    assert isinstance(err, GroqRateLimitError)
    assert (err.limit_resource, err.limit_window) == ("tokens", "minute")
    assert err.retry_after is None


def test_failed_generation_as_string_or_object() -> None:
    as_text = error_from_response(
        400, HEADERS, body("x", code="tool_use_failed", failed_generation="<f>")
    )
    as_object = error_from_response(
        400,
        HEADERS,
        body(
            "x",
            code="json_validate_failed",
            failed_generation={"name": "a", "arguments": {}},
        ),
    )
    assert isinstance(as_text, GroqToolUseError)
    assert as_text.failed_generation == "<f>"
    assert isinstance(as_object, GroqToolUseError)
    assert as_object.failed_generation == {"name": "a", "arguments": {}}


@pytest.mark.parametrize(
    "message",
    [
        "Please reduce the length of the messages or completion.",
        "This model's maximum context length is 8192 tokens.",
        "The prompt exceeds the model's context window",
        "Request exceeds context length of 131072",
    ],
)
def test_context_overflow_by_message(message: str) -> None:
    assert isinstance(
        error_from_response(400, HEADERS, body(message)), GroqContextOverflowError
    )


def test_non_json_body() -> None:
    page = "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>nginx</body>"
    err = error_from_response(502, HEADERS, page.encode())
    assert err.message == (
        "HTTP 502 Bad Gateway: non-JSON body: <html> <head><title>502 Bad "
        "Gateway</title></head> <body>nginx</body>"
    )
    assert err.body == page
    assert err.error_type is None


def test_empty_body_and_unknown_status() -> None:
    assert error_from_response(503, {}, b"").message == "HTTP 503 Service Unavailable"
    assert error_from_response(599, {}, b"").message == "HTTP 599 error"


@pytest.mark.parametrize(
    "payload",
    [
        b'{"error": "model is overloaded"}',
        b'{"message": "model is overloaded"}',
        b'{"detail": "model is overloaded"}',
    ],
)
def test_other_error_shapes_of_compatible_servers(payload: bytes) -> None:
    assert error_from_response(503, {}, payload).message == "model is overloaded"


@pytest.mark.parametrize(
    ("header", "expected"), [("true", True), ("false", False), ("TRUE", True)]
)
def test_x_should_retry_sets_is_retryable(header: str, expected: bool) -> None:
    err = error_from_response(400, {"x-should-retry": header}, body("x"))
    assert err.should_retry is expected
    assert err.is_retryable is expected


# -- stream payloads -------------------------------------------------------------------


def test_error_inside_a_stream() -> None:
    err = error_from_stream_payload(
        {"message": "boom", "type": "internal_server_error", "code": "oops"}, HEADERS
    )
    assert type(err) is GroqStreamError
    assert isinstance(err, ModelAPIError)
    assert err.status_code is None
    assert (err.message, err.error_type, err.code) == (
        "boom",
        "internal_server_error",
        "oops",
    )
    assert err.request_id == "req_01abc"
    assert err.rate_limit is not None


def test_stream_payload_with_status_tool_use_and_rate_limit() -> None:
    tool = error_from_stream_payload(
        {"message": "x", "code": "tool_use_failed", "failed_generation": "g"}, {}
    )
    assert isinstance(tool, GroqToolUseError)
    assert tool.failed_generation == "g"
    limited = error_from_stream_payload(
        {
            "message": "on tokens per minute (TPM). Please try again in 2.5s.",
            "code": "rate_limit_exceeded",
            "status_code": 429,
        },
        {},
    )
    assert isinstance(limited, GroqRateLimitError)
    assert limited.retry_after == 2.5
    assert limited.status_code == 429
    assert (limited.limit_resource, limited.limit_window) == ("tokens", "minute")


def test_stream_payload_without_message() -> None:
    err = error_from_stream_payload({"type": "server_error"}, {})
    assert err.message == '{"type": "server_error"}'


# -- pickling --------------------------------------------------------------------------


def every_error() -> list[GroqError]:
    rate = RateLimitState(remaining_requests=0, reset_tokens=1.5)
    return [
        error_from_response(429, HEADERS, body("Please try again in 7m12s")),
        error_from_response(
            400, HEADERS, body("x", code="tool_use_failed", failed_generation={"a": 1})
        ),
        error_from_response(400, HEADERS, body("x", code="context_length_exceeded")),
        error_from_response(401, HEADERS, body("x")),
        error_from_response(403, HEADERS, body("x")),
        error_from_response(404, HEADERS, body("x")),
        error_from_response(498, HEADERS, body("x")),
        error_from_response(502, {"x-should-retry": "false"}, b"<html>"),
        GroqStreamError("cut", request_id="req_1", rate_limit=rate),
        GroqConnectionError("refused"),
        GroqTimeoutError("slow"),
        GroqInvalidRequestError("bad", status_code=422),
    ]


@pytest.mark.parametrize("err", every_error(), ids=lambda e: type(e).__name__)
def test_errors_pickle_round_trip(err: GroqError) -> None:
    err.add_note("Gave up after 3 attempts.")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is type(err)
    assert back.__dict__ == err.__dict__
    assert str(back) == str(err)
    assert back.args == err.args
    assert back.__notes__ == ["Gave up after 3 attempts."]
    assert back.is_retryable == err.is_retryable
    assert copy.deepcopy(err).__dict__ == err.__dict__


# -- the key is scrubbed ---------------------------------------------------------------


@pytest.mark.parametrize("secret", [KEY, SecretStr(KEY)])
def test_key_echoed_by_a_proxy_is_scrubbed(secret: str | SecretStr) -> None:
    page = f"<pre>POST /chat/completions\nAuthorization: Bearer {KEY}</pre>".encode()
    err = error_from_response(401, {}, page, secret=secret)
    assert KEY not in str(err)
    assert KEY not in repr(err)
    assert KEY not in str(err.body)
    assert "Bearer ***" in err.message
    as_json = json.dumps({"error": {"message": f"bad key {KEY}", "echo": KEY}})
    err = error_from_response(401, {}, as_json.encode(), secret=secret)
    assert err.message == "bad key ***"
    assert err.body == {"error": {"message": "bad key ***", "echo": "***"}}


def test_redact() -> None:
    assert redact(f"a {KEY} b {KEY}", SecretStr(KEY)) == "a *** b ***"
    assert redact("nothing", SecretStr(KEY)) == "nothing"
    assert redact("x", None) == "x"
    assert redact("x", SecretStr("")) == "x"
