"""Retries with exponential backoff, on tenacity, that honour Groq's waits."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
)

from langchain_synaptic_groq.errors import (
    GroqAPIError,
    GroqConnectionError,
    GroqError,
    GroqRateLimitError,
    GroqTimeoutError,
)

__all__ = ["RetryConfig", "arun_with_retries", "run_with_retries"]

logger = logging.getLogger("langchain_synaptic_groq")

T = TypeVar("T")

RETRY_STATUSES = frozenset({408, 409, 429, 498, 500, 502, 503, 504})


class RetryConfig(BaseModel):
    """How failed requests are retried.

    The wait before retry `n` (1-based) is
    `min(initial_backoff * multiplier**(n-1), max_backoff)`, reduced by up to
    `jitter` (a fraction). When Groq names a wait (`retry-after`), that wait
    is used exactly instead; if it is longer than `max_wait`, the error is
    raised at once with its `retry_after` set.
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
    """The longest wait worth waiting; a longer `retry-after` raises at once."""
    retry_on: tuple[type[BaseException], ...] = (
        GroqRateLimitError,
        GroqAPIError,
        GroqConnectionError,
        GroqTimeoutError,
    )
    """Error classes that may be retried (status rules apply on top)."""

    def backoff(self, retry_number: int) -> float:
        """The computed wait before retry `retry_number` (1-based), no jitter."""
        return float(
            min(
                self.initial_backoff * self.multiplier ** (retry_number - 1),
                self.max_backoff,
            )
        )


def is_retryable(exc: BaseException, config: RetryConfig) -> bool:
    """Whether `exc` is worth another attempt under `config`."""
    if not isinstance(exc, config.retry_on):
        return False
    if isinstance(exc, GroqError):
        if exc.should_retry is not None:
            return exc.should_retry
        status = exc.status_code
        if status is not None and status not in RETRY_STATUSES and status < 500:
            return False
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None and retry_after > config.max_wait:
            return False
    return True


def _wait(config: RetryConfig) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            return float(retry_after)
        base = config.backoff(state.attempt_number)
        return base * (1 - config.jitter * random.random())  # noqa: S311

    return wait


def _log(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    wait = state.next_action.sleep if state.next_action else 0.0
    logger.warning(
        "Groq request failed (%s, status %s); retrying in %.2fs (attempt %d)",
        type(exc).__name__,
        getattr(exc, "status_code", None),
        wait,
        state.attempt_number + 1,
    )


def run_with_retries(
    fn: Callable[[], T],
    config: RetryConfig,
    *,
    on_retry: Callable[[RetryCallState], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call `fn`, retrying as `config` says.

    Args:
        fn: The call to make.
        config: The retry policy.
        on_retry: Called before each sleep (e.g. to tell LangChain callbacks).
        sleep: The sleep function (injectable for tests).

    Returns:
        What `fn` returned.
    """

    def before_sleep(state: RetryCallState) -> None:
        _log(state)
        if on_retry is not None:
            on_retry(state)

    retrying = Retrying(
        stop=stop_after_attempt(config.max_attempts),
        wait=_wait(config),
        retry=retry_if_exception(lambda e: is_retryable(e, config)),
        before_sleep=before_sleep,
        sleep=sleep,
        reraise=True,
    )
    return retrying(fn)


async def arun_with_retries(
    fn: Callable[[], Awaitable[T]],
    config: RetryConfig,
    *,
    on_retry: Callable[[RetryCallState], Any] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Async `run_with_retries`; waits never block the event loop.

    Args:
        fn: The coroutine function to call.
        config: The retry policy.
        on_retry: Called before each sleep; may be sync or async.
        sleep: The async sleep function (injectable for tests).

    Returns:
        What `fn` returned.
    """

    async def before_sleep(state: RetryCallState) -> None:
        _log(state)
        if on_retry is not None:
            result = on_retry(state)
            if asyncio.iscoroutine(result):
                await result

    retrying = AsyncRetrying(
        stop=stop_after_attempt(config.max_attempts),
        wait=_wait(config),
        retry=retry_if_exception(lambda e: is_retryable(e, config)),
        before_sleep=before_sleep,
        sleep=sleep,
        reraise=True,
    )
    return await retrying(fn)
