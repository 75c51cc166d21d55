"""Exceptions: one per failure a caller may want to tell apart.

Every class subclasses the matching `langchain_core.exceptions` class, so code
written for any provider (`except ModelRateLimitError`) catches ours too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

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

from langchain_synaptic_groq.models import replacement_hint
from langchain_synaptic_groq.ratelimit import (
    RateLimitState,
    limit_kind,
    parse_limit_message,
    parse_retry_after,
)

__all__ = [
    "GroqAPIError",
    "GroqAuthenticationError",
    "GroqCapacityError",
    "GroqConnectionError",
    "GroqContextOverflowError",
    "GroqError",
    "GroqInvalidRequestError",
    "GroqNotFoundError",
    "GroqPermissionDeniedError",
    "GroqRateLimitError",
    "GroqRequestTooLargeError",
    "GroqStreamError",
    "GroqTimeoutError",
    "GroqToolUseError",
    "error_from_response",
    "error_from_stream_payload",
    "redact",
]

_CONTEXT_OVERFLOW = re.compile(
    r"context.{0,20}(length|window|too long|exceed)|"
    r"(exceeds?|larger than|greater than).{0,40}context|"
    r"maximum context|too many tokens|prompt is too long|"
    r"reduce the length of the messages",
    re.IGNORECASE,
)
# "The model `llama-3.3-70b-versatile` does not exist or you do not have
# access to it." / "The model `qwen-qwq-32b` has been decommissioned ..."
# (backticks are sometimes lost where the message was quoted).
_REFUSED_MODEL = re.compile(r"\bmodel [`'\"]?([\w./:-]+?)[`'\"]? (?:does not|has been)")
_TOOL_USE_CODES = frozenset({"tool_use_failed", "json_validate_failed"})
_REDACTED = "***"
# Statuses below 500 worth another attempt; any other status under 500 (a 200
# with an unreadable body, a 4xx) is not, whatever the error's class.
_RETRYABLE_STATUSES = frozenset({408, 409, 429, 498})


def redact(text: str, secret: SecretStr | str | None) -> str:
    """Replace every occurrence of `secret` (the API key) in `text`.

    Args:
        text: Text that may echo the key (a proxy's error page, say).
        secret: The key, preferably as a `SecretStr` so that no caller keeps
            it in a plain local variable.

    Returns:
        The text with the key replaced by `***`.
    """
    if secret is None:
        return text
    if isinstance(secret, SecretStr):
        if not secret.get_secret_value() or secret.get_secret_value() not in text:
            return text
        return text.replace(secret.get_secret_value(), _REDACTED)
    return text.replace(secret, _REDACTED) if secret and secret in text else text


def _redact_body(body: Any, secret: SecretStr | str | None) -> Any:
    if secret is None or body is None:
        return body
    if isinstance(body, str):
        return redact(body, secret)
    try:
        text = json.dumps(body)
    except (TypeError, ValueError):
        return body
    clean = redact(text, secret)
    return body if clean == text else json.loads(clean)


class GroqError(ModelError):
    """Base class of every error this package raises about a request.

    Attributes:
        message: What went wrong, in Groq's words where Groq said.
        status_code: The HTTP status, if an error response arrived (`None`
            for connection failures, timeouts and errors inside a stream).
        error_type: Groq's `error.type` (e.g. `invalid_request_error`).
        code: Groq's `error.code` (e.g. `rate_limit_exceeded`).
        param: Groq's `error.param`, when it names a parameter.
        request_id: The `x-request-id` header, to quote to Groq support.
        rate_limit: The rate-limit headers of the failed response.
        retry_after: Seconds the server asked to wait before retrying
            (`retry-after-ms`, `retry-after`, or for a 429 the "try again in"
            text), when it said.
        body: The parsed error body (or the raw text when it was not JSON).
        should_retry: The server's `x-should-retry` header, when sent.
        is_retryable: Whether retrying may succeed: the class default of the
            matching `langchain_core` error, `False` for a status below 500
            other than 408, 409, 429 and 498, overridden by `x-should-retry`.
            The retry policy reads it.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        error_type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        request_id: str | None = None,
        rate_limit: RateLimitState | None = None,
        retry_after: float | None = None,
        body: Any = None,
        should_retry: bool | None = None,
    ) -> None:
        self.message = message
        self.status_code = status_code
        self.error_type = error_type
        self.code = code
        self.param = param
        self.request_id = request_id
        self.rate_limit = rate_limit
        self.retry_after = retry_after
        self.body = body
        self.should_retry = should_retry
        if should_retry is not None:
            self.is_retryable = should_retry
        elif (
            status_code is not None
            and status_code < 500
            and status_code not in _RETRYABLE_STATUSES
        ):
            self.is_retryable = False
        super().__init__(self._render())

    def _render(self) -> str:
        parts = [self.message]
        details = []
        if self.status_code is not None:
            details.append(f"status {self.status_code}")
        if self.code:
            details.append(f"code {self.code}")
        elif self.error_type:
            details.append(f"type {self.error_type}")
        if self.request_id:
            details.append(f"request {self.request_id}")
        if details:
            parts.append(f"({', '.join(details)})")
        return " ".join(parts)

    def __reduce__(self) -> Any:
        # Exceptions with keyword-only args do not pickle by default; they
        # must cross process pools and LangGraph checkpoints.
        return _rebuild, (type(self), self.__dict__.copy())


def _rebuild(cls: type[GroqError], state: dict[str, Any]) -> GroqError:
    err = cls.__new__(cls)
    err.__dict__.update(state)
    Exception.__init__(err, err._render())
    return err


class GroqAuthenticationError(GroqError, ModelAuthenticationError):
    """The API key is missing, wrong or revoked (HTTP 401)."""


class GroqPermissionDeniedError(GroqError, ModelPermissionDeniedError):
    """The key may not use this model or feature (HTTP 403)."""


class GroqInvalidRequestError(GroqError, ModelInvalidRequestError):
    """Groq rejected the request (HTTP 400, 413, 422)."""


class GroqToolUseError(GroqInvalidRequestError):
    """The model's output broke the tool or JSON contract.

    Groq answers 400 with `code` `tool_use_failed` or `json_validate_failed`.

    Attributes:
        failed_generation: The model's raw output, a string or an object, as
            Groq sent it.
    """

    def __init__(
        self, message: str, *, failed_generation: Any = None, **kw: Any
    ) -> None:
        self.failed_generation = failed_generation
        super().__init__(message, **kw)


class GroqRequestTooLargeError(GroqInvalidRequestError):
    """One request needs more tokens than the tokens-per-minute limit allows.

    Groq answers 413 ("Request too large ... on tokens per minute (TPM):
    Limit 8000, Requested 32979") when the prompt plus `max_completion_tokens`
    exceeds the limit itself: waiting never helps, so it is not retried.
    Lower `max_tokens`, shorten the prompt, or set `clamp_max_tokens=True` on
    the model to have `max_tokens` lowered to fit.

    Attributes:
        limit: The tokens-per-minute limit, when Groq named it.
        requested: The tokens the request needed (prompt plus
            `max_completion_tokens`), when Groq named them.
        limit_resource: `"tokens"`.
        limit_window: `"minute"` (or what the message names).
    """

    def __init__(
        self,
        message: str,
        *,
        limit: int | None = None,
        requested: int | None = None,
        limit_resource: str | None = "tokens",
        limit_window: str | None = "minute",
        **kw: Any,
    ) -> None:
        self.limit = limit
        self.requested = requested
        self.limit_resource = limit_resource
        self.limit_window = limit_window
        super().__init__(message, **kw)


class GroqContextOverflowError(GroqInvalidRequestError, ContextOverflowError):
    """The prompt plus `max_tokens` does not fit the model's context window."""


class GroqNotFoundError(GroqError, ModelNotFoundError):
    """The model (or endpoint) does not exist, or Groq shut it down.

    Groq answers a shut-down model with 404 `model_not_found` (the 2026
    shutdowns) or 400 `model_decommissioned` (older ones). The message adds
    what the package's model registry knows: the shutdown date and Groq's
    recommended replacement, or close ids for a misspelt one. Nothing is
    retried with another model: that choice is the caller's.

    Attributes:
        model: The model id the server refused, when its message names it.
        replacement: The served model Groq recommends instead, when known.
        hint: The registry's sentence about the model ("" when none).
    """

    def __init__(self, message: str, *, model: str | None = None, **kw: Any) -> None:
        self.model = model
        self.replacement: str | None = None
        self.hint = ""
        if model is not None:
            self.replacement, self.hint = replacement_hint(model)
        super().__init__(message, **kw)

    def _render(self) -> str:
        text = super()._render()
        return f"{text}. {self.hint}" if self.hint else text


class GroqRateLimitError(GroqError, ModelRateLimitError):
    """A rate limit was hit (HTTP 429).

    `retry_after` (on every `GroqError`) holds the wait Groq asked for; a
    429 also reads it from the "Please try again in 7m12.5s" text.

    Attributes:
        limit_resource: `"requests"` or `"tokens"`, when the message or the
            headers say.
        limit_window: `"minute"` or `"day"`, when the message or the headers
            say. A `"day"` limit with a long `retry_after` is a daily cap:
            retries within `RetryConfig.max_wait` cannot help.
        limit: The limit (requests or tokens per window), when the message
            names it.
        used: What was used of it, when the message says.
        requested: What the refused request needed, when the message says.
    """

    def __init__(
        self,
        message: str,
        *,
        limit_resource: str | None = None,
        limit_window: str | None = None,
        limit: int | None = None,
        used: int | None = None,
        requested: int | None = None,
        **kw: Any,
    ) -> None:
        self.limit_resource = limit_resource
        self.limit_window = limit_window
        self.limit = limit
        self.used = used
        self.requested = requested
        super().__init__(message, **kw)

    def _render(self) -> str:
        text = super()._render()
        if self.retry_after is not None:
            text += f"; retry after {self.retry_after:g}s"
        return text


class GroqAPIError(GroqError, ModelAPIError):
    """Groq failed on its side (HTTP 5xx), or answered something unreadable."""


class GroqCapacityError(GroqAPIError):
    """The flex service tier is out of capacity (HTTP 498); retry with jitter."""


class GroqStreamError(GroqAPIError):
    """A stream failed after it started: an error event, bad data, or a cut."""


class GroqConnectionError(GroqError, ModelConnectionError):
    """Groq could not be reached (DNS, refused connection, TLS, reset)."""


class GroqTimeoutError(GroqError, ModelTimeoutError):
    """No answer (or no next stream chunk) in the time allowed."""


def _parse_body(content: bytes) -> tuple[dict[str, Any], Any]:
    """Return Groq's `error` object and the whole body (text if not JSON)."""
    try:
        body = json.loads(content) if content else None
    except ValueError:
        body = None
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return error, body
        if isinstance(error, str):  # some OpenAI-compatible servers
            return {"message": error}, body
        for key in ("message", "detail"):  # proxies and gateways
            if isinstance(body.get(key), str):
                return {"message": body[key]}, body
        return {}, body
    if body is not None:
        return {}, body
    return {}, content.decode("utf-8", "replace")


def _refused_model(message: str) -> str | None:
    match = _REFUSED_MODEL.search(message)
    return match.group(1) if match else None


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "error"


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    content: bytes,
    *,
    secret: SecretStr | str | None = None,
) -> GroqError:
    """Build the exception for an HTTP error response.

    Args:
        status: The HTTP status code.
        headers: The response headers.
        content: The raw body.
        secret: The API key, to scrub from the message and body in case a
            proxy echoes the request.

    Returns:
        The matching `GroqError` subclass, fully filled.
    """
    error, body = _parse_body(content)
    message = error.get("message")
    if not isinstance(message, str) or not message:
        if isinstance(body, str) and body.strip():
            snippet = " ".join(body.split())[:200]
            message = f"HTTP {status} {_reason(status)}: non-JSON body: {snippet}"
        else:
            message = f"HTTP {status} {_reason(status)}"
    message = redact(message, secret)
    code = _str_or_none(error.get("code"))
    should = headers.get("x-should-retry")
    rate_limit = RateLimitState.from_headers(headers)
    kw: dict[str, Any] = {
        "status_code": status,
        "error_type": _str_or_none(error.get("type")),
        "code": code,
        "param": _str_or_none(error.get("param")),
        "request_id": headers.get("x-request-id"),
        "rate_limit": rate_limit,
        "body": _redact_body(body, secret),
        "should_retry": None if should is None else should.strip().lower() == "true",
    }
    if status == 429:
        resource, window = limit_kind(message, rate_limit)
        hit = parse_limit_message(message)
        return GroqRateLimitError(
            message,
            retry_after=parse_retry_after(headers, message),
            limit_resource=resource,
            limit_window=window,
            limit=hit.limit if hit else None,
            used=hit.used if hit else None,
            requested=hit.requested if hit else None,
            **kw,
        )
    kw["retry_after"] = parse_retry_after(headers)
    if status == 413:
        hit = parse_limit_message(message)
        if hit is not None and hit.resource == "tokens":
            return GroqRequestTooLargeError(
                message,
                limit=hit.limit,
                requested=hit.requested,
                limit_window=hit.window,
                **kw,
            )
    if status in (400, 413, 422):
        if code in _TOOL_USE_CODES or "failed_generation" in error:
            return GroqToolUseError(
                message,
                failed_generation=_redact_body(error.get("failed_generation"), secret),
                **kw,
            )
        if code == "model_decommissioned":
            return GroqNotFoundError(message, model=_refused_model(message), **kw)
        if code == "context_length_exceeded" or _CONTEXT_OVERFLOW.search(message):
            return GroqContextOverflowError(message, **kw)
        return GroqInvalidRequestError(message, **kw)
    if status == 401:
        return GroqAuthenticationError(message, **kw)
    if status == 403:
        return GroqPermissionDeniedError(message, **kw)
    if status == 404:
        return GroqNotFoundError(message, model=_refused_model(message), **kw)
    if status == 408:
        return GroqTimeoutError(message, **kw)
    if status == 498:
        return GroqCapacityError(message, **kw)
    if status >= 500 or status == 409:
        return GroqAPIError(message, **kw)
    return GroqInvalidRequestError(message, **kw)


def error_from_stream_payload(
    payload: Mapping[str, Any], headers: Mapping[str, str]
) -> GroqError:
    """Build the exception for an error that arrived inside a stream.

    Args:
        payload: The `error` object (or `x_groq.error`) from the event.
        headers: The stream's response headers.

    Returns:
        A `GroqStreamError`, or a more precise class when the code says
        (a rate limit or a tool-use failure inside the stream).
    """
    raw_message = payload.get("message") or payload.get("error") or payload
    message = raw_message if isinstance(raw_message, str) else json.dumps(raw_message)
    code = _str_or_none(payload.get("code"))
    status = payload.get("status_code", payload.get("status"))
    rate_limit = RateLimitState.from_headers(headers)
    kw: dict[str, Any] = {
        "status_code": status if isinstance(status, int) else None,
        "error_type": _str_or_none(payload.get("type")),
        "code": code,
        "param": _str_or_none(payload.get("param")),
        "request_id": headers.get("x-request-id"),
        "rate_limit": rate_limit,
        "body": dict(payload),
    }
    if code in _TOOL_USE_CODES:
        return GroqToolUseError(
            message, failed_generation=payload.get("failed_generation"), **kw
        )
    if code == "rate_limit_exceeded":
        resource, window = limit_kind(message, rate_limit)
        hit = parse_limit_message(message)
        return GroqRateLimitError(
            message,
            retry_after=parse_retry_after({}, message),
            limit_resource=resource,
            limit_window=window,
            limit=hit.limit if hit else None,
            used=hit.used if hit else None,
            requested=hit.requested if hit else None,
            **kw,
        )
    return GroqStreamError(message, **kw)
