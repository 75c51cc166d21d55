"""`ChatGroqSynaptic`: the LangChain chat model. Glue only.

Data flows one way: LangChain input -> `_request` (wire body) -> `_transport`
(HTTP, SSE) -> `_response` (messages, usage, metadata) -> LangChain output.
"""

from __future__ import annotations

import functools
import inspect
import logging
import os
import re
import types
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Literal, Self, TypeAlias
from urllib.parse import urlsplit

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import (
    BaseChatModel,
    LangSmithParams,
    LanguageModelInput,
)
from langchain_core.language_models.model_profile import ModelProfile
from langchain_core.messages import AIMessage, BaseMessage, convert_to_messages
from langchain_core.output_parsers import (
    JsonOutputKeyToolsParser,
    JsonOutputParser,
    PydanticOutputParser,
    PydanticToolsParser,
)
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.tools import BaseTool
from langchain_core.utils import from_env, secret_from_env
from langchain_core.utils.function_calling import (
    convert_to_json_schema,
    convert_to_openai_tool,
)
from langchain_core.utils.pydantic import is_basemodel_subclass
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    field_validator,
    model_validator,
)
from tenacity import RetryCallState

from langchain_synaptic_groq._http.clients import (
    check_async_client,
    check_sync_client,
)
from langchain_synaptic_groq._pacer import Paced
from langchain_synaptic_groq._recovery import (
    ToolUseFailurePolicy,
    ToolUsePlan,
    arecover,
    arecover_stream,
    plan_for,
    recover,
    recover_stream,
    recovered_output_check,
)
from langchain_synaptic_groq._request import (
    build_body,
    check_n,
    check_stop,
    default_params,
)
from langchain_synaptic_groq._response import StreamParser, parse_completion
from langchain_synaptic_groq._tokens import estimate_message_tokens, text_counter
from langchain_synaptic_groq._transport import (
    DEFAULT_MAX_RESPONSE_BYTES,
    Transport,
    make_timeout,
    plain_http_origin,
)
from langchain_synaptic_groq.config import GroqConfig
from langchain_synaptic_groq.models import (
    GroqModel,
    GroqModelRecord,
    ModelCheck,
    check_reasoning_params,
    compare_records,
    model_id_of,
    model_info,
    warn_if_retired,
)
from langchain_synaptic_groq.retry import (
    RetryConfig,
    arun_with_retries,
    astream_with_retries,
    run_with_retries,
    stream_with_retries,
)
from langchain_synaptic_groq.retry import default_config as default_retry_config
from langchain_synaptic_groq.tools import (
    ToolChoice,
    convert_tools,
    json_schema_response_format,
    strict_for,
    tool_choice_to_wire,
    warn_unsupported_builtin_tools,
)

if TYPE_CHECKING:
    from langchain_synaptic_groq.batch import GroqBatchJob

__all__ = ["ChatGroqSynaptic", "GroqModelRecord"]

logger = logging.getLogger("langchain_synaptic_groq")

DEFAULT_BASE_URL = "https://api.groq.com/openai/v1"
# A production model (checked 2026-12-01 on console.groq.com/docs/models):
# the replacement Groq names for llama-3.3-70b-versatile, the old default.
DEFAULT_MODEL = GroqModel.GPT_OSS_120B.value

ReasoningEffort: TypeAlias = Literal["none", "default", "low", "medium", "high"]
ReasoningFormat: TypeAlias = Literal["parsed", "raw", "hidden"]
ServiceTier: TypeAlias = Literal["auto", "on_demand", "flex", "performance"]
StructuredMethod: TypeAlias = Literal["function_calling", "json_schema", "json_mode"]


# ChatGroq / ChatOpenAI parameters that are client settings, not request
# parameters: unknown names otherwise go to the request body (model_kwargs).
_NOT_REQUEST_PARAMS = {
    "openai_api_key": "use api_key (a Groq key)",
    "openai_api_base": "use base_url",
    "openai_organization": "Groq has no organizations; remove it",
    "organization": "Groq has no organizations; remove it",
    "groq_proxy": "pass http_client=httpx.Client(proxy=...) instead",
    "openai_proxy": "pass http_client=httpx.Client(proxy=...) instead",
    "default_query": "pass http_client=httpx.Client(params=...) instead",
    "extra_body": "put extra request fields in model_kwargs",
}
_SECRET_NAME = re.compile(r"api_?key|secret|password|access_token", re.IGNORECASE)


class ChatGroqSynaptic(BaseChatModel):
    """Groq chat models for LangChain, on a lean httpx2 client.

    A drop-in for `langchain_groq.ChatGroq`: its parameter names are accepted
    (all but `groq_proxy` and `default_query`), with better metadata, typed
    errors, retries that honour Groq's waits and a much cheaper hot path.

    Setup:
        Install the package and set your key:

        ```bash
        pip install langchain-synaptic-groq
        export GROQ_API_KEY="gsk_..."
        ```

    Key init args - completion params:
        - `model`: Model id or `GroqModel` member (alias `model_name`).
        - `temperature`: Sampling temperature, 0 to 2 (0 is sent as 0).
        - `max_tokens`: Longest completion (sent as `max_completion_tokens`).
        - `top_p`: Nucleus sampling, 0 to 1.
        - `seed`: Seed for best-effort determinism.
        - `stop`: Up to 4 stop sequences (alias `stop_sequences`).
        - `reasoning_format` / `reasoning_effort` / `include_reasoning`: For
          reasoning models.
        - `service_tier`: `"auto"`, `"on_demand"`, `"flex"` or
          `"performance"`.
        - `logprobs` / `top_logprobs` / `frequency_penalty` /
          `presence_penalty`: Sent when set; Groq accepts them but no Groq
          model supports them yet.
        - `user`: An id for your end user (helps Groq detect abuse).
        - `model_kwargs`: Any other request parameter, sent as is.

    Key init args - client params:
        - `api_key`: Groq key (alias `groq_api_key`, env `GROQ_API_KEY`).
        - `base_url`: API root (alias `groq_api_base`, env `GROQ_API_BASE`,
          then `GROQ_BASE_URL`), default `https://api.groq.com/openai/v1`.
        - `timeout`: Seconds, `(connect, read)`, `httpx2.Timeout` or
          `httpx.Timeout`; default 60 s read / 5 s connect, never unbounded
          (alias `request_timeout`).
        - `stream_chunk_timeout`: Longest silence within a started stream,
          in seconds (default: the read timeout).
        - `max_response_bytes`: Largest answer accepted (default 32 MiB).
        - `max_retries`: Retries after the first attempt (default 2), or
          pass `retry_config` for the full policy.
        - `default_headers`: Extra HTTP headers.
        - `http_client` / `http_async_client`: Your own httpx2 or httpx
          clients.

    Instantiate:
        ```python
        from langchain_synaptic_groq import ChatGroqSynaptic, GroqModel

        model = ChatGroqSynaptic(
            model=GroqModel.GPT_OSS_120B, temperature=0, max_tokens=256
        )
        ```

    Invoke:
        ```python
        model.invoke([("system", "Answer briefly."), ("human", "Capital of France?")])
        # AIMessage(content='Paris.', id='chatcmpl-...', ...)
        ```

    Stream:
        ```python
        for chunk in model.stream("Count to five."):
            print(chunk.content, end="", flush=True)
        ```

    Async:
        ```python
        await model.ainvoke("Hello")
        async for chunk in model.astream("Hello"):
            ...
        ```

    Tool calling:
        ```python
        from langchain_core.tools import tool


        @tool
        def add(a: int, b: int) -> int:
            '''Add two integers.'''
            return a + b


        ai = model.bind_tools([add], tool_choice="auto").invoke("What is 2 + 3?")
        ai.tool_calls  # [{'name': 'add', 'args': {'a': 2, 'b': 3}, 'id': ...}]
        ```

    Structured output:
        ```python
        from pydantic import BaseModel


        class City(BaseModel):
            name: str
            country: str


        model.with_structured_output(City).invoke("The capital of France?")
        # City(name='Paris', country='France')
        ```

    JSON mode:
        ```python
        model.with_structured_output(method="json_mode").invoke(
            "Reply in JSON with keys a and b."
        )
        ```

    Image input:
        ```python
        vision = ChatGroqSynaptic(model=GroqModel.QWEN3_8_27B)
        vision.invoke(
            [
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "Describe this image."},
                        {"type": "image", "url": "https://example.com/cat.png"},
                    ],
                }
            ]
        )
        ```

    Token usage:
        ```python
        model.invoke("Hi").usage_metadata
        # {'input_tokens': 36, 'output_tokens': 10, 'total_tokens': 46}
        model.get_num_tokens_from_messages([("human", "Hi")])  # an estimate
        # 35
        ```

    Response metadata:
        ```python
        model.invoke("Hi").response_metadata
        # {'model_provider': 'groq', 'model_name': 'openai/gpt-oss-120b',
        #  'finish_reason': 'stop', 'id': 'chatcmpl-...', 'system_fingerprint':
        #  'fp_...', 'service_tier': 'on_demand', 'x_groq_id': 'req_...',
        #  'timings': {'queue_time': ..., 'prompt_time': ..., ...},
        #  'rate_limit': {'remaining_requests': ..., 'reset_tokens': ...}, ...}
        ```
    """

    # hide_input_in_errors: a ValidationError would otherwise print the whole
    # constructor input, the plain API key included.
    model_config = ConfigDict(
        populate_by_name=True, arbitrary_types_allowed=True, hide_input_in_errors=True
    )

    model: str = Field(
        default=DEFAULT_MODEL, validation_alias=AliasChoices("model", "model_name")
    )
    """Model id (a `GroqModel` member or any id)."""
    api_key: SecretStr | None = Field(
        default_factory=secret_from_env("GROQ_API_KEY", default=None),
        validation_alias=AliasChoices("api_key", "groq_api_key"),
    )
    """Groq API key; read from `GROQ_API_KEY` when not given."""
    base_url: str = Field(
        default_factory=from_env(
            ("GROQ_API_BASE", "GROQ_BASE_URL"), default=DEFAULT_BASE_URL
        ),
        validation_alias=AliasChoices("base_url", "groq_api_base"),
        validate_default=True,
    )
    """API root, e.g. `https://api.groq.com/openai/v1`; a host alone (as ChatGroq
    takes it) gets `/openai/v1` appended."""
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    """Sampling temperature, 0 to 2; unset means Groq's default (1)."""
    max_tokens: int | None = Field(
        default=None,
        gt=0,
        validation_alias=AliasChoices("max_tokens", "max_completion_tokens"),
    )
    """Longest completion, sent as `max_completion_tokens`."""
    top_p: float | None = Field(default=None, ge=0.0, le=1.0)
    """Nucleus sampling mass, 0 to 1."""
    seed: int | None = None
    """Seed for best-effort deterministic sampling."""
    stop: list[str] | None = Field(
        default=None, validation_alias=AliasChoices("stop", "stop_sequences")
    )
    """Up to 4 stop sequences."""
    n: int = 1
    """Number of choices; Groq supports only 1."""
    streaming: bool = False
    """Route `invoke` through the streaming API."""
    stream_usage: bool = True
    """Report token usage on streamed answers."""
    reasoning_format: ReasoningFormat | None = None
    """For reasoning models: `"parsed"`, `"raw"` or `"hidden"`."""
    reasoning_effort: ReasoningEffort | None = None
    """For reasoning models that take it."""
    include_reasoning: bool | None = None
    """Whether to return reasoning (not together with `reasoning_format`)."""
    service_tier: ServiceTier | None = None
    """Groq service tier: `"on_demand"` (Groq's default), `"flex"` (higher
    limits, may answer 498 when busy), `"performance"`, or `"auto"`. The tier
    that served the request is in `response_metadata["service_tier"]`."""
    logprobs: bool | None = None
    """Ask for the log probabilities of the output tokens, returned in
    `response_metadata["logprobs"]` (on the final chunk when streaming).
    Groq accepts the parameter but documents it as "not yet supported by any
    of our models": expect no logprobs back today."""
    top_logprobs: int | None = Field(default=None, ge=0, le=20)
    """How many most likely tokens to return at each position, 0 to 20; needs
    `logprobs=True`. Like `logprobs`, accepted but not yet supported by any
    Groq model."""
    frequency_penalty: float | None = Field(default=None, ge=-2.0, le=2.0)
    """-2 to 2: positive values penalise tokens by how often they already
    appear. Groq accepts it but documents it as not yet supported by any of
    its models."""
    presence_penalty: float | None = Field(default=None, ge=-2.0, le=2.0)
    """-2 to 2: positive values penalise tokens that already appear at all.
    Groq accepts it but documents it as not yet supported by any of its
    models."""
    user: str | None = None
    """A unique id for your end user, which helps Groq monitor and detect
    abuse."""
    disable_tool_validation: bool | None = None
    """Groq's `disable_tool_validation`: when `True`, Groq returns tool calls
    without checking that the tool is in `tools` (a call to an unbound tool
    comes back as a call instead of a 400 `tool_use_failed`); `tool_choice`
    `"required"` / `"none"` is still enforced, but a specific tool cannot be
    required. Sent only when set."""
    tool_use_failure: ToolUseFailurePolicy = "recover"
    """What to do when Groq refuses the model's output (400 `tool_use_failed`
    or `json_validate_failed`, or the same as an error event mid-stream),
    for requests that carry tools or a `response_format`:

    - `"recover"` (default, keeps agent loops alive): calls that read
      unambiguously from Groq's `failed_generation` are returned as
      `tool_calls` (calls to tools that were never bound too, so the agent's
      tool node can tell the model), JSON for `response_format` as the
      content, marked in `response_metadata["tool_use_recovery"]` with the
      original error; anything else is retried once at a lower temperature
      (when `max_retries` allows a retry), then `GroqToolUseError` is raised.
    - `"raise"`: raise `GroqToolUseError` at once.

    Per call: `model.invoke(..., tool_use_failure="raise")` or
    `model.bind(tool_use_failure="raise")`. See docs/agent-reliability.md."""
    include_response_headers: bool = False
    """Copy the raw response headers into `response_metadata["headers"]`."""
    timeout: Any = Field(
        default=None, validation_alias=AliasChoices("timeout", "request_timeout")
    )
    """Seconds, `(connect, read)`, `httpx2.Timeout` or `httpx.Timeout`;
    `None` = 60 s / 5 s."""
    stream_chunk_timeout: float | None = Field(default=None, gt=0)
    """Seconds a stream may stay silent once its response has started (each
    wait for the next piece of it) before `GroqTimeoutError`; `None` = the
    read timeout. Not set lower by default: while Groq runs a built-in tool
    (browser search, code) a stream can go quiet for many seconds."""
    max_response_bytes: int | None = Field(default=DEFAULT_MAX_RESPONSE_BYTES, ge=1)
    """The largest answer accepted, in bytes (32 MiB by default): a
    non-streamed body, or all the events of one stream together. A larger
    answer is refused (`GroqAPIError`, `code="response_too_large"`) while it
    is read, before it fills memory. `None` = no limit."""
    max_retries: int = Field(default=2, ge=0)
    """Retries after the first attempt."""
    retry_config: RetryConfig | None = None
    """The full retry policy; overrides `max_retries` when set."""
    pace_requests: bool = True
    """Wait for room in Groq's announced rate limits before sending, instead
    of sending into a 429 (never longer than the retry policy's `max_wait`).
    The budget is shared by every model in the process with the same key,
    base URL, model and service tier. See the rate limits page of the docs."""
    clamp_max_tokens: bool = False
    """Lower `max_tokens` so that a request fits Groq's tokens-per-minute limit
    (which counts the prompt plus `max_tokens`), instead of failing with
    `GroqRequestTooLargeError`."""
    default_headers: dict[str, str] | None = None
    """Extra headers sent with every request."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Other request parameters, sent as they are."""
    http_client: Any = Field(default=None, exclude=True)
    """Your own sync client, an `httpx2.Client` or an `httpx.Client` (its
    timeout and pool are then yours)."""
    http_async_client: Any = Field(default=None, exclude=True)
    """Your own async client, an `httpx2.AsyncClient` or an
    `httpx.AsyncClient`."""

    _transport_cache: tuple[tuple[Any, ...], Transport] | None = PrivateAttr(
        default=None
    )

    # -- construction --------------------------------------------------------

    @model_validator(mode="before")
    @classmethod
    def _collect_model_kwargs(cls, values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        known = _known_names(cls)
        extra = dict(values.get("model_kwargs") or {})
        clash = sorted(known & extra.keys())
        if clash:
            msg = (
                f"{', '.join(clash)} must be passed as a parameter of "
                "ChatGroqSynaptic, not inside model_kwargs"
            )
            raise ValueError(msg)
        unknown = [k for k in values if k not in known]
        if not unknown:
            return values
        for name in unknown:
            # Client settings of ChatGroq/ChatOpenAI, and anything that looks
            # like a credential, must not end up in the request body.
            hint = _NOT_REQUEST_PARAMS.get(name)
            if hint is None and _SECRET_NAME.search(name):
                hint = "it looks like a credential; pass the Groq key as api_key"
            if hint is not None:
                msg = f"{name} is not supported by ChatGroqSynaptic: {hint}"
                raise ValueError(msg)
        values = dict(values)
        for name in unknown:
            warnings.warn(
                f"{name} is not a ChatGroqSynaptic parameter; it is sent to Groq "
                "as is via model_kwargs",
                UserWarning,
                stacklevel=4,
            )
            extra[name] = values.pop(name)
        values["model_kwargs"] = extra
        return values

    @field_validator("base_url")
    @classmethod
    def _api_root(cls, value: str) -> str:
        # ChatGroq and the groq SDK take the host and append /openai/v1
        # themselves; a host-only URL (e.g. GROQ_API_BASE=https://api.groq.com)
        # means the same here instead of 404s on every request.
        if urlsplit(value).path in ("", "/"):
            return value.rstrip("/") + "/openai/v1"
        return value

    @field_validator("model", mode="before")
    @classmethod
    def _model_id(cls, value: Any) -> str:
        return model_id_of(value)

    @field_validator("stop", mode="before")
    @classmethod
    def _stop_list(cls, value: Any) -> Any:
        return check_stop(value)

    @field_validator("n")
    @classmethod
    def _only_one_choice(cls, value: int) -> int:
        return check_n(value)  # type: ignore[no-any-return]

    @field_validator("http_client")
    @classmethod
    def _check_http_client(cls, value: Any) -> Any:
        # Typed `Any`: naming httpx's class would import httpx, which the
        # package does not use itself.
        return check_sync_client(value)

    @field_validator("http_async_client")
    @classmethod
    def _check_http_async_client(cls, value: Any) -> Any:
        return check_async_client(value)

    @field_validator("timeout")
    @classmethod
    def _check_timeout(cls, value: Any) -> Any:
        make_timeout(value)  # raises a ValueError naming the problem
        return value

    @model_validator(mode="after")
    def _check_combinations(self) -> Self:
        check_reasoning_params(
            self.model,
            {
                "reasoning_format": self.reasoning_format,
                "include_reasoning": self.include_reasoning,
                "reasoning_effort": self.reasoning_effort,
            },
        )
        warn_if_retired(self.model)
        exposed = plain_http_origin(self.base_url)
        if exposed is not None and self.api_key is not None:
            logger.warning(
                "base_url %s uses plain http: the API key would travel unencrypted",
                exposed,
            )
        return self

    @model_validator(mode="after")
    def _check_logprobs(self) -> Self:
        if self.top_logprobs is not None and not self.logprobs:
            msg = "top_logprobs needs logprobs=True (Groq rejects it otherwise)"
            raise ValueError(msg)
        return self

    @classmethod
    def from_config(cls, config: GroqConfig, **kwargs: Any) -> ChatGroqSynaptic:
        """Build a model from a `GroqConfig`.

        Args:
            config: The immutable settings.
            **kwargs: Any other `ChatGroqSynaptic` parameter (e.g. `timeout`).

        Returns:
            The chat model.
        """
        return cls(**config.to_model_kwargs(), **kwargs)

    def _resolve_model_profile(self) -> ModelProfile | None:
        info = model_info(self.model)
        if info.context_window is None:
            return None
        return info.to_profile()

    @property
    def lc_secrets(self) -> dict[str, str]:
        """Secrets and the env vars they come from."""
        return {"api_key": "GROQ_API_KEY"}

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """Not serializable: LangChain's loader only trusts its own packages."""
        return False

    @property
    def _llm_type(self) -> str:
        return "groq-synaptic"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": self.model, **default_params(self)}

    def _get_ls_params(
        self, stop: list[str] | None = None, **kwargs: Any
    ) -> LangSmithParams:
        params = LangSmithParams(
            ls_provider="groq",
            ls_model_name=kwargs.get("model", self.model),
            ls_model_type="chat",
        )
        temperature = kwargs.get("temperature", self.temperature)
        if temperature is not None:
            params["ls_temperature"] = temperature
        max_tokens = kwargs.get("max_tokens", self.max_tokens)
        if max_tokens is not None:
            params["ls_max_tokens"] = max_tokens
        stop = stop or kwargs.get("stop") or self.stop
        if stop:
            params["ls_stop"] = stop
        return params

    # -- request building ----------------------------------------------------

    def _build_body(
        self,
        messages: Sequence[BaseMessage],
        stop: list[str] | None,
        stream: bool,
        kwargs: dict[str, Any],
    ) -> dict[str, Any]:
        return build_body(self, messages, stop, stream, kwargs)

    def _get_transport(self) -> Transport:
        key = (
            self.base_url,
            self.api_key,
            self.timeout,
            id(self.default_headers),
            self.http_client,
            self.http_async_client,
            self.stream_chunk_timeout,
            self.max_response_bytes,
        )
        cached = self._transport_cache
        if cached is not None and cached[0] == key:
            return cached[1]
        transport = Transport(
            base_url=self.base_url,
            api_key=self.api_key,
            timeout=make_timeout(self.timeout),
            default_headers=self.default_headers,
            http_client=self.http_client,
            http_async_client=self.http_async_client,
            stream_chunk_timeout=self.stream_chunk_timeout,
            max_response_bytes=self.max_response_bytes,
        )
        self._transport_cache = (key, transport)
        return transport

    def _retry(self) -> RetryConfig:
        """The retry policy: `retry_config`, else the default with `max_retries`."""
        if self.retry_config is not None:
            return self.retry_config
        return default_retry_config(self.max_retries + 1)

    def without_retries(self) -> ChatGroqSynaptic:
        """This model with its own retries off, sharing its HTTP transport.

        `RetryChatModel` calls it so that attempts do not multiply.

        Returns:
            This model when it makes no retries, else a copy with
            `max_retries=0` and no `retry_config`.
        """
        if not self.max_retries and self.retry_config is None:
            return self
        self._get_transport()  # built once, shared with the copy
        return self.model_copy(update={"max_retries": 0, "retry_config": None})

    def _pace(self, body: dict[str, Any]) -> Paced:
        """This request's attempts through the shared rate-limit pacer."""
        return Paced(
            body,
            api_key=self.api_key,
            base_url=self.base_url,
            pace=self.pace_requests,
            retry=self._retry(),
            clamp=self.clamp_max_tokens,
        )

    def _tool_use_plan(
        self, body: dict[str, Any], kwargs: dict[str, Any]
    ) -> ToolUsePlan | None:
        """The `tool_use_failure` plan for this request (`None`: run as is)."""
        policy = kwargs.get("tool_use_failure") or self.tool_use_failure
        return plan_for(body, policy, can_retry=self._retry().max_attempts > 1)

    # -- calls ---------------------------------------------------------------

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        body, plan = self._request(messages, stop, False, kwargs)
        transport = self._get_transport()

        def complete(body: dict[str, Any]) -> ChatResult:
            pace = self._pace(body)
            answer = run_with_retries(
                lambda: pace.call(transport.request, "POST", "chat/completions"),
                self._retry(),
                on_retry=_sync_on_retry(run_manager),
            )
            return self._result(*answer, pace)

        return complete(body) if plan is None else recover(complete, plan)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        transport = self._get_transport()
        body, plan = self._request(messages, stop, False, kwargs)

        async def complete(body: dict[str, Any]) -> ChatResult:
            pace = self._pace(body)
            answer = await arun_with_retries(
                lambda: pace.acall(transport.arequest, "POST", "chat/completions"),
                self._retry(),
                on_retry=_async_on_retry(run_manager),
            )
            return self._result(*answer, pace)

        return await (complete(body) if plan is None else arecover(complete, plan))

    def _result(self, data: dict[str, Any], headers: Any, pace: Paced) -> ChatResult:
        return parse_completion(
            data,
            headers,
            include_headers=self.include_response_headers,
            rate_limit=pace.rate_limit(headers),  # read once, by the pacer
        )

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        # Not a generator itself: without a recovery plan the caller iterates
        # the retried stream directly, with no extra layer per chunk.
        body, plan = self._request(messages, stop, True, kwargs)
        include_usage = kwargs.get("stream_usage", self.stream_usage)
        notify = None if run_manager is None else _sync_notify(run_manager)

        def attempts(body: dict[str, Any]) -> Iterator[ChatGenerationChunk]:
            pace = self._pace(body)
            return stream_with_retries(
                lambda: self._chunks(pace, notify, include_usage),
                self._retry(),
                on_retry=_sync_on_retry(run_manager),
            )

        if plan is None:
            return attempts(body)
        return recover_stream(attempts, plan, notify)

    def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        # As `_stream`: returns the stream, so no extra async layer per chunk.
        notify = None if run_manager is None else _async_notify(run_manager)
        body, plan = self._request(messages, stop, True, kwargs)
        include_usage = kwargs.get("stream_usage", self.stream_usage)

        def attempts(body: dict[str, Any]) -> AsyncIterator[ChatGenerationChunk]:
            pace = self._pace(body)

            async def open_stream() -> AsyncIterator[ChatGenerationChunk]:
                return self._achunks(pace, notify, include_usage)

            return astream_with_retries(
                open_stream, self._retry(), on_retry=_async_on_retry(run_manager)
            )

        if plan is None:
            return attempts(body)
        return arecover_stream(attempts, plan, notify)

    def _request(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        stream: bool,
        kwargs: dict[str, Any],
    ) -> tuple[dict[str, Any], ToolUsePlan | None]:
        """A call's wire body and its `tool_use_failure` plan."""
        body = self._build_body(messages, stop, stream, kwargs)
        return body, self._tool_use_plan(body, kwargs)

    def _chunks(
        self,
        pace: Paced,
        notify: Callable[[ChatGenerationChunk], None] | None,
        include_usage: bool,
    ) -> Iterator[ChatGenerationChunk]:
        """One attempt at a stream: its chunks, each reported to `notify`."""
        transport = self._get_transport()
        with pace.stream(transport.stream, "chat/completions") as (headers, lines):
            parser = self._parser(headers, pace)
            feed = parser.feed_line
            for line in lines:
                chunk = feed(line)
                if chunk is not None:
                    if notify:
                        notify(chunk)
                    yield chunk
                elif parser.done:
                    break
            final = self._finish(parser, pace, include_usage)
            if notify:
                notify(final)
            yield final

    async def _achunks(
        self,
        pace: Paced,
        notify: Callable[[ChatGenerationChunk], Awaitable[None]] | None,
        include_usage: bool,
    ) -> AsyncIterator[ChatGenerationChunk]:
        """Async `_chunks`."""
        transport = self._get_transport()
        stream = pace.astream(transport.astream, "chat/completions")
        async with stream as (headers, lines):
            parser = self._parser(headers, pace)
            feed = parser.feed_line
            async for line in lines:
                chunk = feed(line)
                if chunk is not None:
                    if notify:
                        await notify(chunk)
                    yield chunk
                elif parser.done:
                    break
            final = self._finish(parser, pace, include_usage)
            if notify:
                await notify(final)
            yield final

    def _parser(self, headers: Any, pace: Paced) -> StreamParser:
        return StreamParser(
            headers,
            include_headers=self.include_response_headers,
            v1=self.output_version == "v1",
            rate_limit=pace.rate_limit(headers),  # read once, by the pacer
        )

    @staticmethod
    def _finish(
        parser: StreamParser, pace: Paced, include_usage: bool
    ) -> ChatGenerationChunk:
        """The stream's last chunk (usage, finish reason); teaches the pacer."""
        final = parser.finish()
        pace.learn(final.message.usage_metadata)  # type: ignore[attr-defined]
        if not include_usage:
            final.message.usage_metadata = None  # type: ignore[attr-defined]
        return final

    # -- tools and structured output ------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | bool | dict[str, Any] | ToolChoice | None = None,
        parallel_tool_calls: bool | None = None,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools (and Groq built-in tools) to the model.

        Args:
            tools: `BaseTool`s, `@tool` functions, plain functions, pydantic
                models, TypedDicts, JSON schemas, OpenAI-format tool dicts, or
                Groq built-in tools (`{"type": "browser_search"}`,
                `{"type": "code_interpreter"}`).
            tool_choice: `"auto"`, `"none"`, `"required"`, `"any"` (sent as
                `"required"`), a tool name, `True` (only with exactly one tool),
                a `ToolChoice`, or a dict sent as is.
            parallel_tool_calls: Whether the model may call several tools in one
                turn. `True` is left out of requests to models that make one
                call per turn (gpt-oss), where Groq's default applies.
            strict: Ask for schema-exact arguments (`strict` on each function).
            **kwargs: Other request parameters to bind.

        Returns:
            A runnable that sends the tools with every call.

        Raises:
            ValueError: If `tool_choice` names no bound tool or is `True` with
                other than one tool, if a tool name breaks Groq's rule (1 to 64
                letters, digits, `_` or `-`), or if there are over 128 tools.
        """
        formatted = convert_tools(tools, strict=strict)
        warn_unsupported_builtin_tools(kwargs.get("model", self.model), formatted)
        if tool_choice is not None and tool_choice is not False:
            kwargs["tool_choice"] = tool_choice_to_wire(tool_choice, formatted)
        if parallel_tool_calls is not None:
            kwargs["parallel_tool_calls"] = parallel_tool_calls
        if formatted:  # an empty `tools` array is not worth a 400
            kwargs["tools"] = formatted
        return super().bind(**kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: StructuredMethod | None = None,
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, dict[str, Any] | BaseModel]:
        """Return a runnable whose output follows `schema`.

        Args:
            schema: A pydantic class, a TypedDict, or a JSON schema (or an
                OpenAI tool dict). Not needed for `json_mode`.
            method: `"function_calling"` (a forced tool call; works on every
                tool model), `"json_schema"` (`response_format` json_schema;
                Groq enforces the schema with constrained decoding only on
                `openai/gpt-oss-20b` and `openai/gpt-oss-120b`), or
                `"json_mode"` (`json_object`: valid JSON, any shape; the prompt
                must mention JSON). Default: `"json_schema"` where the model
                registry says Groq decodes it strictly, else
                `"function_calling"`. When Groq refuses the output
                (`json_validate_failed` / `tool_use_failed`) and
                `tool_use_failure="recover"`, the refused output is parsed
                and validated here (pydantic models and TypedDicts); if it
                validates it is returned, else the parse error names the
                problem (for a raw JSON schema, Groq's verdict stands).
            include_raw: Return `{"raw", "parsed", "parsing_error"}` instead of
                raising when parsing fails.
            strict: For `function_calling`, sent on the tool. For
                `json_schema`, sent only where the model supports strict
                decoding (`openai/gpt-oss-20b` and `-120b`, where `None` means
                `True`); on other known models `strict=True` is left out with
                a warning, and on unknown model ids it is sent as given. When
                sent as `True`, the schema is made strict as Groq requires:
                `additionalProperties: false` on every object and every
                property required (optional fields are then always filled in;
                nullable ones may be `null`).
            **kwargs: Not used; present for signature compatibility.

        Returns:
            A runnable producing a pydantic instance or a dict (or the raw
            dict with `include_raw=True`).

        Raises:
            ValueError: On an unknown method, a missing schema, or unused kwargs.
        """
        if kwargs:
            msg = f"unexpected arguments to with_structured_output: {sorted(kwargs)}"
            raise ValueError(msg)
        is_pydantic = isinstance(schema, type) and is_basemodel_subclass(schema)
        if method is None:
            # Constrained decoding where Groq has it; a forced tool elsewhere.
            strict_ok = model_info(self.model).strict_json_schema
            method = "json_schema" if strict_ok else "function_calling"
        tool_name: str | None = None
        if method == "function_calling":
            if schema is None:
                msg = "schema is required for method='function_calling'"
                raise ValueError(msg)
            tool = convert_to_openai_tool(schema, strict=strict)
            tool_name = tool["function"]["name"]
            llm = self.bind_tools(
                [tool],
                tool_choice=tool_name,
                strict=strict,
                ls_structured_output_format={
                    "kwargs": {"method": method, "strict": strict},
                    "schema": tool,
                },
            )
            parser: Runnable[Any, Any] = (
                PydanticToolsParser(tools=[schema], first_tool_only=True)
                if is_pydantic
                else JsonOutputKeyToolsParser(key_name=tool_name, first_tool_only=True)
            )
        elif method == "json_schema":
            if schema is None:
                msg = "schema is required for method='json_schema'"
                raise ValueError(msg)
            llm = self.bind(
                response_format=json_schema_response_format(
                    schema, strict=strict_for(self.model, strict)
                ),
                ls_structured_output_format={
                    "kwargs": {"method": method, "strict": strict},
                    "schema": convert_to_json_schema(schema),
                },
            )
            parser = (
                PydanticOutputParser(pydantic_object=schema)
                if is_pydantic
                else JsonOutputParser()
            )
        elif method == "json_mode":
            llm = self.bind(
                response_format={"type": "json_object"},
                ls_structured_output_format={
                    "kwargs": {"method": method},
                    "schema": schema,
                },
            )
            parser = (
                PydanticOutputParser(pydantic_object=schema)
                if is_pydantic
                else JsonOutputParser()
            )
        else:
            msg = (
                f"method must be 'function_calling', 'json_schema' or "
                f"'json_mode', got {method!r}"
            )
            raise ValueError(msg)
        if schema is not None and not is_pydantic:
            # Pydantic parsers validate; other schemas need the check on an
            # answer read from a refusal (see recovered_output_check).
            parser = recovered_output_check(schema, tool_name) | parser
        if not include_raw:
            return llm | parser
        parser_assign = RunnablePassthrough.assign(
            parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
        )
        parser_none = RunnablePassthrough.assign(parsed=lambda _: None)
        parser_with_fallback = parser_assign.with_fallbacks(
            [parser_none], exception_key="parsing_error"
        )
        return RunnableMap(raw=llm) | parser_with_fallback

    # -- token counting --------------------------------------------------------

    def get_num_tokens(self, text: str) -> int:
        """Estimate the tokens in a text, with no tokenizer installed.

        Uses `custom_get_token_ids` when it is set; otherwise an estimate
        made for the large BPE vocabularies of Groq's models (about
        +/- 10-20 %; see `langchain_synaptic_groq._tokens` for how it was
        measured). `transformers` is never needed.

        Args:
            text: Any text.

        Returns:
            The (estimated) number of tokens.
        """
        return text_counter(self.custom_get_token_ids)(text)

    def get_num_tokens_from_messages(
        self,
        messages: list[BaseMessage],
        tools: Sequence[Any] | None = None,
    ) -> int:
        """Estimate the prompt tokens a request with these messages costs.

        Counts the text, the model's chat-template tokens (role headers,
        end-of-turn markers, the system preamble some templates always add,
        the reply header), tool calls and reasoning in history, images (a
        flat rough figure each) and, when given, the tool definitions. An
        estimate, not the count Groq bills: read `usage_metadata` of a
        response for that.

        Args:
            messages: The conversation (messages or anything LangChain
                coerces to messages).
            tools: Tools in any form `bind_tools` takes.

        Returns:
            The estimated number of prompt tokens.
        """
        return estimate_message_tokens(
            convert_to_messages(messages),
            model=self.model,
            tools=convert_tools(tools) if tools else None,
            count_text=text_counter(self.custom_get_token_ids),
        )

    # -- models ----------------------------------------------------------------

    def list_models(self) -> list[GroqModelRecord]:
        """List the models the API offers (`GET /models`).

        Returns:
            One record per model.
        """
        data, _ = run_with_retries(
            lambda: self._get_transport().request("GET", "models"), self._retry()
        )
        return [GroqModelRecord.model_validate(m) for m in data.get("data") or []]

    async def alist_models(self) -> list[GroqModelRecord]:
        """Async `list_models`.

        Returns:
            One record per model.
        """
        data, _ = await arun_with_retries(
            lambda: self._get_transport().arequest("GET", "models"), self._retry()
        )
        return [GroqModelRecord.model_validate(m) for m in data.get("data") or []]

    def check_models(self) -> ModelCheck:
        """Compare the package's model registry with what the server serves.

        Works against Groq and any OpenAI-compatible server (a local one
        lists its own names, which show as `unknown`).

        Returns:
            Which registry entries the server no longer lists (`missing`),
            which served models the registry lacks (`unknown`), and which
            models the registry marks shut down that are still served.
        """
        return compare_records(self.list_models())

    async def acheck_models(self) -> ModelCheck:
        """Async `check_models`.

        Returns:
            The comparison, as `check_models` returns it.
        """
        return compare_records(await self.alist_models())

    # -- Groq's Batch API ------------------------------------------------------

    def submit_batch(
        self,
        inputs: Sequence[LanguageModelInput],
        *,
        completion_window: str = "24h",
        metadata: dict[str, str] | None = None,
        state_file: str | os.PathLike[str] | None = None,
        config: Any = None,
        **kwargs: Any,
    ) -> GroqBatchJob:
        """Run many requests on Groq's Batch API (lower price, separate limits).

        Takes what `batch` takes; each request is built as `invoke` builds it.
        For tools, a response format or other bound parameters, call
        `GroqBatchJob.submit(model.bind_tools(...), inputs)`: a binding does
        not pass its parameters on to this method.

        Args:
            inputs: Strings, message lists or prompt values, one per request.
            completion_window: How long Groq may take, `"24h"` to `"7d"`.
            metadata: String pairs kept with the batch.
            state_file: Where to keep the job's state, so that
                `GroqBatchJob.resume(state_file, model)` can continue it in
                another process. Must not exist yet.
            config: Not a setting: LangChain passes one when this method is
                reached through a `RunnableBinding`, which would drop the
                bound tools and parameters, so that call is refused.
            **kwargs: Call parameters, as `invoke` takes them (`stop`,
                `temperature`, `tools`, ...).

        Returns:
            The job (see `GroqBatchJob`: `wait`, `results`, `cancel`).

        Raises:
            ValueError: If an input cannot be sent or a batch limit is broken
                (nothing is sent then).
            TypeError: If called through a binding (see `config`).
            GroqError: If the upload or the creation failed.
        """
        from langchain_synaptic_groq.batch import (
            GroqBatchJob,
            refuse_binding_config,
        )

        refuse_binding_config(config)
        return GroqBatchJob.submit(
            self,
            inputs,
            completion_window=completion_window,
            metadata=metadata,
            state_file=state_file,
            **kwargs,
        )

    async def asubmit_batch(
        self,
        inputs: Sequence[LanguageModelInput],
        *,
        completion_window: str = "24h",
        metadata: dict[str, str] | None = None,
        state_file: str | os.PathLike[str] | None = None,
        config: Any = None,
        **kwargs: Any,
    ) -> GroqBatchJob:
        """Async `submit_batch`.

        Args:
            inputs: Strings, message lists or prompt values, one per request.
            completion_window: How long Groq may take, `"24h"` to `"7d"`.
            metadata: String pairs kept with the batch.
            state_file: Where to keep the job's state; must not exist yet.
            config: Not a setting (see `submit_batch`).
            **kwargs: Call parameters, as `invoke` takes them.

        Returns:
            The job.
        """
        from langchain_synaptic_groq.batch import (
            GroqBatchJob,
            refuse_binding_config,
        )

        refuse_binding_config(config)
        return await GroqBatchJob.asubmit(
            self,
            inputs,
            completion_window=completion_window,
            metadata=metadata,
            state_file=state_file,
            **kwargs,
        )


def _store_signatures(
    methods: Sequence[Callable[..., Any]],
    check: Callable[[Callable[..., Any], inspect.Signature], bool],
) -> bool:
    """Store each method's signature on it, where `check` passes it.

    Speed: on every invoke, core checks whether `_generate` / `_agenerate`
    take a `run_manager` with `inspect.signature`, which rebuilds the
    signature from the code object each time (~10 us); a stored
    `__signature__` (PEP 362) is returned as is. Where the check fails, no
    signature is stored and core computes it as usual.

    Returns:
        Whether every signature was stored.
    """
    stored = True
    for method in methods:
        signature = inspect.signature(method)
        method.__signature__ = signature  # type: ignore[attr-defined]
        if not check(method, signature):
            del method.__signature__  # type: ignore[attr-defined]
            stored = False
    return stored


def _signature_is_used(method: Callable[..., Any], stored: inspect.Signature) -> bool:
    """Whether `inspect` returns the stored signature, bound (as core asks) too."""
    bound = inspect.signature(types.MethodType(method, object()))
    return inspect.signature(method) is stored and (
        list(bound.parameters) == list(stored.parameters)[1:]
    )


_store_signatures(
    (ChatGroqSynaptic._generate, ChatGroqSynaptic._agenerate), _signature_is_used
)


@functools.cache
def _known_names(cls: type[BaseModel]) -> frozenset[str]:
    """Field names and aliases of a model class (cached: runs per construction)."""
    names: set[str] = set()
    for name, field in cls.model_fields.items():
        names.add(name)
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(a for a in alias.choices if isinstance(a, str))
        elif isinstance(alias, str):
            names.add(alias)
        if field.alias:
            names.add(field.alias)
    return frozenset(names)


def _sync_notify(
    run_manager: CallbackManagerForLLMRun,
) -> Callable[[ChatGenerationChunk], None]:
    return lambda chunk: run_manager.on_llm_new_token(chunk.text, chunk=chunk)


def _async_notify(
    run_manager: AsyncCallbackManagerForLLMRun,
) -> Callable[[ChatGenerationChunk], Any]:
    return lambda chunk: run_manager.on_llm_new_token(chunk.text, chunk=chunk)


def _sync_on_retry(
    run_manager: CallbackManagerForLLMRun | None,
) -> Callable[[RetryCallState], None] | None:
    if run_manager is None:
        return None
    return run_manager.on_retry


def _async_on_retry(
    run_manager: AsyncCallbackManagerForLLMRun | None,
) -> Callable[[RetryCallState], Any] | None:
    if run_manager is None:
        return None
    return run_manager.on_retry
