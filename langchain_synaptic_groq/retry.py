"""Retries with exponential backoff, on tenacity, that honour Groq's waits.

`RetryConfig` is the policy; `run_with_retries` / `arun_with_retries` apply it
to one call and `stream_with_retries` / `astream_with_retries` to a stream,
until its first item (the chat model uses them for `max_retries` /
`retry_config`), and `wrappers.RetryChatModel` wraps any chat model with the
same policy.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

from langchain_core.exceptions import (
    ModelAPIError,
    ModelConnectionError,
    ModelRateLimitError,
    ModelTimeoutError,
)
from pydantic import BaseModel, ConfigDict, Field
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
)

from langchain_synaptic_groq.errors import GroqCapacityError, GroqError

__all__ = [
    "RetryConfig",
    "arun_with_retries",
    "astream_with_retries",
    "fallback_tier",
    "is_retryable",
    "run_with_retries",
    "stream_with_retries",
]

logger = logging.getLogger("langchain_synaptic_groq")

T = TypeVar("T")

SyncSleep = Callable[[float], None]
AsyncSleep = Callable[[float], Awaitable[None]]


class RetryConfig(BaseModel):
    """How failed requests are retried.

    The wait before retry `n` (1-based) is
    `min(initial_backoff * multiplier**(n-1), max_backoff)`, reduced by up to
    `jitter` (a fraction). When the server names a wait (`retry-after-ms`,
    `retry-after`, or a 429's "try again in 7m12s"), that wait is used exactly
    instead, even when it is longer than the backoff; if it is longer than
    `max_wait`, the error is raised at once with its `retry_after` set.

    Which errors are retried: an `x-should-retry` header decides when the
    server sends one. Otherwise an error is retried when it is an instance of
    `retry_on` and, for an HTTP error, its status is 408, 409, 429, 498 or
    5xx (never 400, 401, 403, 404, 413, 422).

    Example:
        ```python
        from langchain_synaptic_groq import ChatGroqSynaptic, RetryConfig

        model = ChatGroqSynaptic(
            retry_config=RetryConfig(max_attempts=5, max_wait=120.0)
        )
        ```
    """

    model_config = ConfigDict(frozen=True)

    max_attempts: int = Field(default=3, ge=1)
    """Attempts in all, the first included (3 = two retries)."""
    initial_backoff: float = Field(default=0.5, ge=0)
    """Seconds before the first retry."""
    max_backoff: float = Field(default=8.0, ge=0)
    """The longest computed backoff, in seconds."""
    multiplier: float = Field(default=2.0, ge=1)
    """Backoff growth per attempt."""
    jitter: float = Field(default=0.25, ge=0, le=1)
    """Fraction of the backoff removed at random, to spread retries."""
    max_wait: float = Field(default=60.0, ge=0)
    """The longest wait worth waiting; a longer `retry-after` raises at once.
    Also the longest a request waits for its turn in the rate-limit pacer."""
    flex_fallback: bool = False
    """After a 498 (the flex tier is out of capacity), send the retries with
    `service_tier="on_demand"`, at once, instead of waiting for flex capacity.
    On-demand has its own, usually lower, rate limits."""
    retry_on: tuple[type[BaseException], ...] = (
        ModelRateLimitError,
        ModelAPIError,
        ModelConnectionError,
        ModelTimeoutError,
    )
    """Error classes that may be retried (status rules apply on top).

    The defaults are `langchain_core`'s retryable classes, which every
    retryable `GroqError` subclasses (rate limit 429, capacity 498, server
    5xx and 409, connection, timeout and 408).
    """
    sleep: SyncSleep | None = Field(default=None, exclude=True, repr=False)
    """The sync sleep function (default `time.sleep`); inject one to record
    or skip waits in tests. Not serialized."""
    async_sleep: AsyncSleep | None = Field(default=None, exclude=True, repr=False)
    """The async sleep function (default `asyncio.sleep`). Not serialized."""

    def backoff(self, retry_number: int) -> float:
        """The computed wait before retry `retry_number` (1-based), no jitter.

        Args:
            retry_number: 1 for the wait after the first failed attempt.

        Returns:
            Seconds.
        """
        return float(
            min(
                self.initial_backoff * self.multiplier ** (retry_number - 1),
                self.max_backoff,
            )
        )


@functools.lru_cache(maxsize=16)
def default_config(max_attempts: int) -> RetryConfig:
    """The default policy with `max_attempts` attempts (cached: built once).

    Args:
        max_attempts: Attempts in all.

    Returns:
        The policy.
    """
    return RetryConfig(max_attempts=max_attempts)


def _wait_too_long(exc: BaseException, config: RetryConfig) -> bool:
    retry_after = getattr(exc, "retry_after", None)
    return isinstance(retry_after, int | float) and retry_after > config.max_wait


def is_retryable(exc: BaseException, config: RetryConfig) -> bool:
    """Whether `exc` is worth another attempt under `config`.

    Args:
        exc: The error of the failed attempt.
        config: The policy.

    Returns:
        `False` when the server asked for a wait longer than
        `config.max_wait`; else the server's `x-should-retry` when sent;
        else whether `exc` is one of `config.retry_on` and, for an HTTP error,
        whether its status is worth another attempt (the error's own
        `is_retryable`: the status rule lives with the errors).
    """
    if _wait_too_long(exc, config):
        return False
    if isinstance(exc, GroqError) and exc.should_retry is not None:
        return exc.should_retry
    if not isinstance(exc, config.retry_on):
        return False
    if isinstance(exc, GroqError) and exc.status_code is not None:
        return exc.is_retryable
    # No status (connection, timeout, a cut stream): listed in retry_on is enough.
    return True


def fallback_tier(exc: BaseException, tier: Any, config: RetryConfig) -> str | None:
    """The service tier the next attempt should use after `exc`, if another.

    Args:
        exc: The failed attempt's error.
        tier: The `service_tier` the attempt was sent with.
        config: The policy.

    Returns:
        `"on_demand"` after a 498 when `config.flex_fallback` is set and the
        attempt went to the flex (or auto) tier; else `None`.
    """
    if not config.flex_fallback or not isinstance(exc, GroqCapacityError):
        return None
    return "on_demand" if tier in ("flex", "auto") else None


def _wait(config: RetryConfig) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        spread = 1 - config.jitter * random.random()  # noqa: S311
        if isinstance(exc, GroqCapacityError):
            if config.flex_fallback:
                return 0.0  # the retry goes to another tier
            # Flex capacity frees up for everyone at once: a named wait gets
            # jitter too (added, never below what the server asked).
            named = getattr(exc, "retry_after", None)
            if isinstance(named, int | float):
                return float(named) * (2 - spread)
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, int | float):
            return float(retry_after)
        return config.backoff(state.attempt_number) * spread

    return wait


def _log_retry(state: RetryCallState, config: RetryConfig) -> None:
    exc = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else state.upcoming_sleep
    source = (
        "retry-after"
        if isinstance(getattr(exc, "retry_after", None), int | float)
        else "backoff"
    )
    status = getattr(exc, "status_code", None)
    request_id = getattr(exc, "request_id", None)
    text = getattr(exc, "message", None) or str(exc)
    if len(text) > 200:
        text = text[:197] + "..."
    logger.warning(
        "Groq request failed (status %s, %s, request %s): %s; retrying in "
        "%.2fs (%s), attempt %d of %d",
        status if status is not None else "none",
        type(exc).__name__,
        request_id or "unknown",
        text,
        wait,
        source,
        state.attempt_number + 1,
        config.max_attempts,
        extra={
            "groq_status": status,
            "groq_error": type(exc).__name__,
            "groq_request_id": request_id,
            "groq_wait": wait,
            "groq_wait_source": source,
            "groq_attempt": state.attempt_number + 1,
            "groq_max_attempts": config.max_attempts,
        },
    )


def _explain(exc: BaseException, config: RetryConfig, attempts: int) -> None:
    """Note on the error why it was not retried (shown in tracebacks)."""
    if not isinstance(exc, GroqError):
        return
    if _wait_too_long(exc, config):
        # No status: the pacer refused before sending (its message says why).
        who = "the server asked" if exc.status_code is not None else "it would have"
        note = (
            f"Not retried: {who} to wait {exc.retry_after:g}s, longer "
            f"than RetryConfig.max_wait ({config.max_wait:g}s). Retry after that "
            "time, or raise max_wait to let the client wait."
        )
    elif attempts > 1:
        note = f"Gave up after {attempts} attempts."
    else:
        return
    if note not in getattr(exc, "__notes__", ()):
        exc.add_note(note)


def _retrying_kwargs(config: RetryConfig) -> dict[str, Any]:
    return {
        "stop": stop_after_attempt(config.max_attempts),
        "wait": _wait(config),
        "retry": retry_if_exception(lambda e: is_retryable(e, config)),
        "reraise": True,
    }


def run_with_retries(
    fn: Callable[[], T],
    config: RetryConfig,
    *,
    on_retry: Callable[[RetryCallState], Any] | None = None,
    sleep: SyncSleep | None = None,
) -> T:
    """Call `fn`, retrying as `config` says.

    The first attempt runs outside tenacity, so a call that succeeds costs
    nothing extra.

    Args:
        fn: The call to make.
        config: The retry policy.
        on_retry: Called before each wait (e.g. LangChain's `on_retry`).
        sleep: The sleep function; default `config.sleep`, then `time.sleep`.

    Returns:
        What `fn` returned.

    Raises:
        BaseException: The last attempt's error, when it is not retryable or
            the attempts are used up.
    """
    try:
        return fn()
    except Exception as exc:
        if config.max_attempts <= 1 or not is_retryable(exc, config):
            _explain(exc, config, 1)
            raise
        first: list[BaseException] = [exc]

    def attempt() -> T:
        if first:
            raise first.pop()
        return fn()

    def before_sleep(state: RetryCallState) -> None:
        _log_retry(state, config)
        if on_retry is not None:
            on_retry(state)

    retrying = Retrying(
        sleep=sleep or config.sleep or time.sleep,
        before_sleep=before_sleep,
        **_retrying_kwargs(config),
    )
    try:
        return retrying(attempt)
    except Exception as exc:
        _explain(exc, config, int(retrying.statistics.get("attempt_number", 1)))
        raise


async def arun_with_retries(
    fn: Callable[[], Awaitable[T]],
    config: RetryConfig,
    *,
    on_retry: Callable[[RetryCallState], Any] | None = None,
    sleep: AsyncSleep | None = None,
) -> T:
    """Async `run_with_retries`; waits never block the event loop.

    Args:
        fn: A function returning an awaitable (a coroutine function or a
            lambda calling one).
        config: The retry policy.
        on_retry: Called before each wait; may be sync or async.
        sleep: The async sleep; default `config.async_sleep`, then
            `asyncio.sleep`.

    Returns:
        What `fn`'s awaitable returned.

    Raises:
        BaseException: The last attempt's error, when it is not retryable or
            the attempts are used up.
    """
    try:
        return await fn()
    except Exception as exc:
        if config.max_attempts <= 1 or not is_retryable(exc, config):
            _explain(exc, config, 1)
            raise
        first: list[BaseException] = [exc]

    async def attempt() -> T:
        # A coroutine function, so AsyncRetrying awaits it (it calls plain
        # callables without awaiting what they return).
        if first:
            raise first.pop()
        return await fn()

    async def before_sleep(state: RetryCallState) -> None:
        _log_retry(state, config)
        if on_retry is not None:
            result = on_retry(state)
            if asyncio.iscoroutine(result):
                await result

    retrying = AsyncRetrying(
        sleep=sleep or config.async_sleep or asyncio.sleep,
        before_sleep=before_sleep,
        **_retrying_kwargs(config),
    )
    try:
        return await retrying(attempt)
    except Exception as exc:
        _explain(exc, config, int(retrying.statistics.get("attempt_number", 1)))
        raise


# -- streams: retried until their first item -------------------------------------
# A stream is retried like a call only until its first item exists: that item
# is read inside the retry, so a failure while opening it (an error status, a
# cut before any chunk) is retried; once it is handed over, a later failure
# raises, as the caller may already have shown what came before. The chat
# model and `RetryChatModel` both stream through these two.


def stream_with_retries(
    open_stream: Callable[[], Iterator[T]],
    config: RetryConfig,
    *,
    on_retry: Callable[[RetryCallState], Any] | None = None,
) -> Iterator[T]:
    """Iterate `open_stream()`, retried as `config` says until its first item.

    Args:
        open_stream: Opens one attempt at the stream.
        config: The retry policy.
        on_retry: Called before each wait (e.g. LangChain's `on_retry`).

    Yields:
        The items of the attempt that produced a first item.
    """

    def start() -> tuple[Iterator[T], list[T]]:
        chunks = open_stream()
        for first in chunks:
            return chunks, [first]
        return chunks, []

    chunks, first = run_with_retries(start, config, on_retry=on_retry)
    try:
        yield from first
        yield from chunks
    finally:
        close = getattr(chunks, "close", None)  # stopped early: close it now
        if close is not None:
            close()


async def astream_with_retries(
    open_stream: Callable[[], Awaitable[AsyncIterator[T]]],
    config: RetryConfig,
    *,
    on_retry: Callable[[RetryCallState], Any] | None = None,
) -> AsyncIterator[T]:
    """Async `stream_with_retries`; `open_stream` is awaited for each attempt.

    Args:
        open_stream: Opens one attempt at the stream (a coroutine function).
        config: The retry policy.
        on_retry: Called before each wait; may be sync or async.

    Yields:
        The items of the attempt that produced a first item.
    """

    async def start() -> tuple[AsyncIterator[T], list[T]]:
        chunks = await open_stream()
        async for first in chunks:
            return chunks, [first]
        return chunks, []

    chunks, first = await arun_with_retries(start, config, on_retry=on_retry)
    try:
        for item in first:
            yield item
        async for item in chunks:
            yield item
    finally:
        aclose = getattr(chunks, "aclose", None)
        if aclose is not None:
            await aclose()
