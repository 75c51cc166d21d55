"""Retries with exponential backoff, on tenacity, that honour Groq's waits.

`RetryConfig` is the policy; `run_with_retries` / `arun_with_retries` apply it
to one call (the chat model uses them for `max_retries` / `retry_config`), and
`RetryChatModel` wraps any chat model with the same policy.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any, TypeVar

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.exceptions import (
    ModelAPIError,
    ModelConnectionError,
    ModelRateLimitError,
    ModelTimeoutError,
)
from langchain_core.language_models import (
    BaseChatModel,
    LangSmithParams,
    LanguageModelInput,
)
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableBinding
from langchain_core.tools import BaseTool
from pydantic import BaseModel, ConfigDict, Field
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
)

from langchain_synaptic_groq.errors import GroqError

__all__ = [
    "RetryChatModel",
    "RetryConfig",
    "arun_with_retries",
    "is_retryable",
    "run_with_retries",
]

logger = logging.getLogger("langchain_synaptic_groq")

T = TypeVar("T")

#: Statuses worth another attempt (every 5xx is, too).
RETRY_STATUSES = frozenset({408, 409, 429, 498})

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
    """The longest wait worth waiting; a longer `retry-after` raises at once."""
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
        else whether `exc` is one of `config.retry_on` with a retryable status.
    """
    if _wait_too_long(exc, config):
        return False
    if isinstance(exc, GroqError) and exc.should_retry is not None:
        return exc.should_retry
    if not isinstance(exc, config.retry_on):
        return False
    if isinstance(exc, GroqError):
        status = exc.status_code
        if status is not None and status < 500 and status not in RETRY_STATUSES:
            return False
    return True


def _wait(config: RetryConfig) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(retry_after, int | float):
            return float(retry_after)
        base = config.backoff(state.attempt_number)
        return base * (1 - config.jitter * random.random())  # noqa: S311

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
        note = (
            f"Not retried: the server asked to wait {exc.retry_after:g}s, longer "
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


# -- a chat model wrapper ------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _takes_run_manager(cls: type[BaseChatModel], method: str) -> bool:
    return "run_manager" in inspect.signature(getattr(cls, method)).parameters


class RetryChatModel(BaseChatModel):
    """Any chat model, with failed calls retried under a `RetryConfig`.

    `RetryChatModel(model, RetryConfig())` calls the wrapped model's
    `_generate` / `_agenerate` / `_stream` / `_astream` and retries them as
    the policy says: waits the server names are honoured exactly, a wait
    longer than `max_wait` raises at once, and a stream is retried only
    until its first chunk reaches the caller (after that a failure raises).
    Each retry is logged at WARNING and reported to callbacks (`on_retry`)
    for `invoke` / `ainvoke`.

    The wrapped model's own retries are switched off while it runs inside
    the wrapper, so attempts do not multiply: a `ChatGroqSynaptic` runs with
    `max_retries=0`. Other chat models keep their own retry settings (set
    their `max_retries=0` yourself). The wrapped model's `rate_limiter` is
    asked before every attempt; its callbacks, cache and tags are not used
    (give them to the wrapper).

    Example:
        ```python
        from langchain_synaptic_groq import (
            ChatGroqSynaptic,
            RetryChatModel,
            RetryConfig,
        )

        model = RetryChatModel(
            ChatGroqSynaptic(model="llama-3.1-8b-instant"),
            RetryConfig(max_attempts=6, max_wait=90.0),
        )
        model.invoke("Hello")
        ```
    """

    model: BaseChatModel
    """The chat model to call."""
    retry_config: RetryConfig = Field(default_factory=RetryConfig)
    """The retry policy."""

    def __init__(
        self,
        model: BaseChatModel | None = None,
        retry_config: RetryConfig | None = None,
        /,
        **kwargs: Any,
    ) -> None:
        """Wrap `model`.

        Args:
            model: The chat model to call (or pass `model=`).
            retry_config: The policy (or pass `retry_config=`); default
                `RetryConfig()`.
            **kwargs: Other `BaseChatModel` fields (callbacks, tags, ...).
        """
        if model is not None:
            kwargs["model"] = model
        if retry_config is not None:
            kwargs["retry_config"] = retry_config
        inner = kwargs.get("model")
        if isinstance(inner, BaseChatModel):
            # Mirror how the wrapped model shapes its output and streaming.
            kwargs.setdefault("output_version", inner.output_version)
            kwargs.setdefault("disable_streaming", inner.disable_streaming)
        super().__init__(**kwargs)

    @property
    def _llm_type(self) -> str:
        return f"retry-{self.model._llm_type}"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            **self.model._identifying_params,
            "max_attempts": self.retry_config.max_attempts,
        }

    def _get_ls_params(
        self, stop: list[str] | None = None, **kwargs: Any
    ) -> LangSmithParams:
        return self.model._get_ls_params(stop=stop, **kwargs)

    def _attempt_model(self) -> BaseChatModel:
        """The wrapped model with its own retries off, so none multiply."""
        from langchain_synaptic_groq.chat_models import ChatGroqSynaptic

        inner = self.model
        if isinstance(inner, RetryChatModel):
            return inner._attempt_model()
        if isinstance(inner, ChatGroqSynaptic) and (
            inner.max_retries or inner.retry_config is not None
        ):
            inner._get_transport()  # built once, shared with the copy
            return inner.model_copy(update={"max_retries": 0, "retry_config": None})
        return inner

    def _run_manager_kwargs(
        self, inner: BaseChatModel, method: str, run_manager: Any
    ) -> dict[str, Any]:
        # As core does: pass run_manager only to methods that declare it, so
        # it never lands in **kwargs (and in a request body).
        if run_manager is None or not _takes_run_manager(type(inner), method):
            return {}
        return {"run_manager": run_manager}

    # -- calls -----------------------------------------------------------------

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        inner = self._attempt_model()

        def attempt() -> ChatResult:
            if inner.rate_limiter is not None:
                inner.rate_limiter.acquire(blocking=True)
            return inner._generate(
                messages,
                stop=stop,
                **self._run_manager_kwargs(inner, "_generate", run_manager),
                **kwargs,
            )

        return run_with_retries(
            attempt,
            self.retry_config,
            on_retry=run_manager.on_retry if run_manager else None,
        )

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        inner = self._attempt_model()

        async def attempt() -> ChatResult:
            if inner.rate_limiter is not None:
                await inner.rate_limiter.aacquire(blocking=True)
            return await inner._agenerate(
                messages,
                stop=stop,
                **self._run_manager_kwargs(inner, "_agenerate", run_manager),
                **kwargs,
            )

        return await arun_with_retries(
            attempt,
            self.retry_config,
            on_retry=run_manager.on_retry if run_manager else None,
        )

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        inner = self._attempt_model()

        def open_stream() -> tuple[
            Iterator[ChatGenerationChunk], ChatGenerationChunk | None
        ]:
            if inner.rate_limiter is not None:
                inner.rate_limiter.acquire(blocking=True)
            chunks = inner._stream(
                messages,
                stop=stop,
                **self._run_manager_kwargs(inner, "_stream", run_manager),
                **kwargs,
            )
            try:
                return chunks, next(chunks)
            except StopIteration:
                return chunks, None

        # Retried only until the first chunk exists; it is handed over below,
        # outside the retry, so a later failure raises.
        chunks, first = run_with_retries(
            open_stream,
            self.retry_config,
            on_retry=run_manager.on_retry if run_manager else None,
        )
        try:
            if first is None:
                return
            yield first
            yield from chunks
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        inner = self._attempt_model()

        async def open_stream() -> tuple[
            AsyncIterator[ChatGenerationChunk], ChatGenerationChunk | None
        ]:
            if inner.rate_limiter is not None:
                await inner.rate_limiter.aacquire(blocking=True)
            chunks = inner._astream(
                messages,
                stop=stop,
                **self._run_manager_kwargs(inner, "_astream", run_manager),
                **kwargs,
            )
            try:
                return chunks, await anext(chunks)
            except StopAsyncIteration:
                return chunks, None

        chunks, first = await arun_with_retries(
            open_stream,
            self.retry_config,
            on_retry=run_manager.on_retry if run_manager else None,
        )
        try:
            if first is None:
                return
            yield first
            async for chunk in chunks:
                yield chunk
        finally:
            aclose = getattr(chunks, "aclose", None)
            if aclose is not None:
                await aclose()

    # -- tools -----------------------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: Any = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools the way the wrapped model does, keeping the retries.

        Args:
            tools: Tools in any form the wrapped model's `bind_tools` takes.
            tool_choice: As the wrapped model's `bind_tools` takes it.
            **kwargs: Other arguments of the wrapped model's `bind_tools`.

        Returns:
            This wrapper with the wrapped model's tool parameters bound.

        Raises:
            TypeError: If the wrapped model's `bind_tools` does not return a
                plain binding of itself.
        """
        if tool_choice is not None:
            kwargs["tool_choice"] = tool_choice
        bound = self.model.bind_tools(tools, **kwargs)
        if not isinstance(bound, RunnableBinding) or bound.bound is not self.model:
            msg = (
                f"{type(self.model).__name__}.bind_tools did not return a binding "
                "of the model; bind tools on the model before wrapping it"
            )
            raise TypeError(msg)
        return self.bind(**bound.kwargs)
