"""`RetryChatModel`: any chat model, with its calls retried under a `RetryConfig`.

The policy itself (what is retried, how long to wait) is `retry.py`; this
module only applies it around another chat model's LangChain hooks.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, Protocol, cast

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
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
from pydantic import Field

from langchain_synaptic_groq.retry import (
    RetryConfig,
    arun_with_retries,
    astream_with_retries,
    run_with_retries,
    stream_with_retries,
)

__all__ = ["RetryChatModel", "SupportsRetriesOff"]


class SupportsRetriesOff(Protocol):
    """A chat model that can hand out a copy of itself with its retries off.

    `ChatGroqSynaptic` is one; any other chat model may implement it too.
    """

    def without_retries(self) -> BaseChatModel:
        """This model with its own retries switched off."""
        ...


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
            ChatGroqSynaptic(model="openai/gpt-oss-20b"),
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

    def without_retries(self) -> BaseChatModel:
        """The wrapped model with its own retries off (this wrapper's too).

        Returns:
            The model each attempt calls.
        """
        return self._attempt_model()

    def _attempt_model(self) -> BaseChatModel:
        """The wrapped model with its own retries off, so none multiply."""
        inner = self.model
        # Looked up on the class: isinstance with a runtime protocol costs
        # 5-20 us per call on a pydantic model.
        if callable(getattr(type(inner), "without_retries", None)):
            return cast(SupportsRetriesOff, inner).without_retries()
        return inner

    def _call(
        self,
        inner: BaseChatModel,
        method: str,
        messages: list[BaseMessage],
        stop: list[str] | None,
        run_manager: Any,
        kwargs: dict[str, Any],
    ) -> Any:
        """Call the wrapped model's `method` as core would."""
        # As core does: pass run_manager only to methods that declare it, so
        # it never lands in **kwargs (and in a request body).
        if run_manager is not None and _takes_run_manager(type(inner), method):
            kwargs = {**kwargs, "run_manager": run_manager}
        return getattr(inner, method)(messages, stop=stop, **kwargs)

    # -- calls -----------------------------------------------------------------
    # Each attempt asks the wrapped model's `rate_limiter` first. A stream is
    # retried only until its first chunk (`retry.stream_with_retries`).

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
            args = (messages, stop, run_manager, kwargs)
            return cast(ChatResult, self._call(inner, "_generate", *args))

        return run_with_retries(
            attempt, self.retry_config, on_retry=_on_retry(run_manager)
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
            args = (messages, stop, run_manager, kwargs)
            return cast(ChatResult, await self._call(inner, "_agenerate", *args))

        return await arun_with_retries(
            attempt, self.retry_config, on_retry=_on_retry(run_manager)
        )

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        inner = self._attempt_model()

        def open_stream() -> Iterator[ChatGenerationChunk]:
            if inner.rate_limiter is not None:
                inner.rate_limiter.acquire(blocking=True)
            args = (messages, stop, run_manager, kwargs)
            return cast(
                Iterator[ChatGenerationChunk], self._call(inner, "_stream", *args)
            )

        return stream_with_retries(
            open_stream, self.retry_config, on_retry=_on_retry(run_manager)
        )

    def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        inner = self._attempt_model()

        async def open_stream() -> AsyncIterator[ChatGenerationChunk]:
            if inner.rate_limiter is not None:
                await inner.rate_limiter.aacquire(blocking=True)
            chunks = self._call(inner, "_astream", messages, stop, run_manager, kwargs)
            return cast(AsyncIterator[ChatGenerationChunk], chunks)

        return astream_with_retries(
            open_stream, self.retry_config, on_retry=_on_retry(run_manager)
        )

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


def _on_retry(run_manager: Any) -> Any:
    """LangChain's `on_retry` of the run, if there is a run."""
    return run_manager.on_retry if run_manager else None
