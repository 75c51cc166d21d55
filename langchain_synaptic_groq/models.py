"""Groq model ids, what each model can do, its lifecycle, and LangChain profiles.

Every fact about a model lives in one data table, `_TABLE`, below. Groq
changes its line-up every few months: `ChatGroqSynaptic.check_models()` (CLI:
`synaptic-groq models`) compares the table with what a server serves now.
"""

from __future__ import annotations

import difflib
import inspect
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    from langchain_core.language_models.model_profile import ModelProfile

__all__ = [
    "REGISTRY_CHECKED_ON",
    "REGISTRY_SOURCES",
    "CustomGroqModel",
    "GroqModel",
    "GroqModelInfo",
    "GroqModelRecord",
    "GroqModelShutDownWarning",
    "ModelCheck",
    "ModelStatus",
    "builtin_tool_model_ids",
    "check_reasoning_params",
    "compare_models",
    "compare_records",
    "current_model_ids",
    "model_id_of",
    "model_info",
    "replacement_hint",
    "strict_json_schema_model_ids",
    "suggest_model_ids",
    "vision_model_ids",
]


class ModelStatus(StrEnum):
    """Where a model is in Groq's lifecycle (Groq's deprecations page)."""

    PRODUCTION = "production"
    """Meant for production use; deprecated with notice."""
    PREVIEW = "preview"
    """For evaluation; may be shut down at short notice."""
    DEPRECATED = "deprecated"
    """Shutdown announced; still served until `shutdown_date`."""
    SHUT_DOWN = "shut_down"
    """No longer served: requests fail with `model_not_found` (404) or
    `model_decommissioned` (400)."""


class GroqModelShutDownWarning(UserWarning):
    """A model Groq has shut down (or will shut down) was configured.

    A `UserWarning`, not a `DeprecationWarning`: Python hides the latter in
    library code, and requests to a shut-down model fail.
    """


@dataclass(frozen=True, slots=True)
class GroqModelInfo:
    """What is known about one Groq model.

    Attributes:
        id: The id the API expects in the `model` field.
        context_window: Tokens of context (prompt plus completion), or `None`
            when unknown (a custom id).
        max_completion_tokens: The longest completion Groq allows, when known.
        tools: Whether the model does function calling.
        json_mode: Whether `response_format={"type": "json_object"}` works.
        strict_json_schema: Whether `json_schema` with `strict: true`
            (constrained decoding) is supported.
        reasoning: Whether the model emits reasoning.
        vision: Whether the model accepts image inputs.
        status: Lifecycle status, `None` for an id the table does not know.
        builtin_tools: Groq's server-side tools the model can use.
        parallel_tool_calls: Whether the model may call several tools in one
            turn (`parallel_tool_calls=true` is only sent where it can).
        reasoning_format: Whether the model takes `reasoning_format`.
        include_reasoning: Whether the model takes `include_reasoning`.
        reasoning_effort: The `reasoning_effort` values the model takes
            (empty: it takes none).
        max_images: Most images one request may carry, for vision models.
        shutdown_date: When Groq shut (or will shut) the model down.
        replacements: Groq's recommended replacements, as its deprecations
            page names them (some of them since shut down too).
        note: Anything else a user must know (e.g. which plans keep access).
    """

    id: str
    context_window: int | None = None
    max_completion_tokens: int | None = None
    tools: bool = False
    json_mode: bool = False
    strict_json_schema: bool = False
    reasoning: bool = False
    vision: bool = False
    status: ModelStatus | None = None
    builtin_tools: tuple[str, ...] = ()
    parallel_tool_calls: bool = True
    reasoning_format: bool = False
    include_reasoning: bool = False
    reasoning_effort: tuple[str, ...] = ()
    max_images: int | None = None
    shutdown_date: date | None = None
    replacements: tuple[str, ...] = ()
    note: str | None = None

    @property
    def retired(self) -> bool:
        """Whether Groq no longer serves the model."""
        return self.status is ModelStatus.SHUT_DOWN

    @property
    def known(self) -> bool:
        """Whether the id is in the table (custom ids are not)."""
        return self.status is not None

    @property
    def live_replacements(self) -> tuple[str, ...]:
        """Served models to move to.

        `replacements`, with each shut-down one followed to its own
        successor (gemma2-9b-it -> llama-3.1-8b-instant, shut down since ->
        openai/gpt-oss-20b).
        """
        return _LIVE_REPLACEMENTS.get(self.id, self.replacements)

    @property
    def replacement(self) -> str | None:
        """The first served replacement, if Groq named any."""
        live = self.live_replacements
        return live[0] if live else None

    def to_profile(self) -> ModelProfile:
        """Render this record as a LangChain `ModelProfile`.

        Returns:
            The profile dict that `BaseChatModel.profile` carries.
        """
        profile: dict[str, Any] = {
            "text_inputs": True,
            "text_outputs": True,
            "image_inputs": self.vision,
            "image_url_inputs": self.vision,
            "pdf_inputs": False,
            "audio_inputs": False,
            "video_inputs": False,
            "reasoning_output": self.reasoning,
            "tool_calling": self.tools,
            "tool_choice": self.tools,
            "tool_call_streaming": self.tools,
            "structured_output": self.strict_json_schema,
        }
        if self.context_window is not None:
            profile["max_input_tokens"] = self.context_window
        if self.max_completion_tokens is not None:
            profile["max_output_tokens"] = self.max_completion_tokens
        if self.reasoning_effort:
            profile["reasoning_effort_levels"] = list(self.reasoning_effort)
        if self.status in (ModelStatus.DEPRECATED, ModelStatus.SHUT_DOWN):
            profile["status"] = "deprecated"
        return profile  # type: ignore[return-value]


# -- the model table -----------------------------------------------------------

REGISTRY_CHECKED_ON = date(2026, 12, 1)
"""When the table was last checked against the pages in `REGISTRY_SOURCES`."""

REGISTRY_SOURCES: Mapping[str, str] = {
    "models": "https://console.groq.com/docs/models",
    "deprecations": "https://console.groq.com/docs/deprecations",
    "reasoning": "https://console.groq.com/docs/reasoning",
    "vision": "https://console.groq.com/docs/vision",
    "structured-outputs": "https://console.groq.com/docs/structured-outputs",
    "tool-use": "https://console.groq.com/docs/tool-use",
    "browser-search": "https://console.groq.com/docs/browser-search",
    "code-execution": "https://console.groq.com/docs/code-execution",
}
"""The pages the table's facts come from.

Checked on 2026-12-01 against stored copies of these pages; the newest
entries in those copies date from late September 2026 (the 2026-09-21
shutdown of `groq/compound`). Where the pages were silent or disagreed, the
row's comment says what decided it. Recorded Groq answers (pydantic-ai's
2026 cassettes) confirm that gpt-oss takes `reasoning_format="parsed"` and
strict `json_schema`.
"""

_K128 = 131_072
_GPT_OSS_EFFORT = ("low", "medium", "high")
_P = ModelStatus.PRODUCTION
_V = ModelStatus.PREVIEW
_X = ModelStatus.SHUT_DOWN
# The 2026 shutdowns apply to the free and developer plans only.
_ENTERPRISE_KEEPS = (
    "shut down for the free and developer plans; enterprise contracts with "
    "committed spend keep access"
)

_TABLE: tuple[GroqModelInfo, ...] = (
    # -- served (models page) ------------------------------------------------
    GroqModelInfo(
        "openai/gpt-oss-120b",
        _K128,
        65_536,
        tools=True,
        json_mode=True,
        strict_json_schema=True,
        reasoning=True,
        status=_P,
        builtin_tools=("browser_search", "code_interpreter"),
        # Tool-use page: gpt-oss does not make parallel calls.
        parallel_tool_calls=False,
        reasoning_format=True,
        include_reasoning=True,
        # Reasoning page: low/medium/high only; thinking cannot be turned off.
        reasoning_effort=_GPT_OSS_EFFORT,
    ),
    GroqModelInfo(
        "openai/gpt-oss-20b",
        _K128,
        65_536,
        tools=True,
        json_mode=True,
        strict_json_schema=True,
        reasoning=True,
        status=_P,
        builtin_tools=("browser_search", "code_interpreter"),
        parallel_tool_calls=False,
        reasoning_format=True,
        include_reasoning=True,
        reasoning_effort=_GPT_OSS_EFFORT,
    ),
    GroqModelInfo(
        "qwen/qwen3.8-27b",
        # 131,042 on the models page and in GET /models (2026-08-29).
        131_042,
        16_384,
        tools=True,
        json_mode=True,
        strict_json_schema=True,
        reasoning=True,
        vision=True,
        status=_V,
        reasoning_format=True,
        include_reasoning=True,
        # The reasoning page and the model page disagree (none/default only,
        # or all five); the wider set, so a valid value is never refused here.
        reasoning_effort=("none", "default", "low", "medium", "high"),
        max_images=3,
    ),
    GroqModelInfo(
        "openai/gpt-oss-safeguard-20b",
        _K128,
        65_536,
        tools=True,
        json_mode=True,
        reasoning=True,
        status=_V,
        builtin_tools=("browser_search",),
        parallel_tool_calls=False,
        reasoning_format=True,
        include_reasoning=True,
        reasoning_effort=_GPT_OSS_EFFORT,
        note="a safety-policy classifier: it answers with a policy verdict",
    ),
    GroqModelInfo(
        "minimaxai/minimax-m2.7",
        196_608,
        131_072,
        # MiniMax's model card: agentic tool use; Groq lists no tool table.
        tools=True,
        reasoning=True,
        status=_V,
        note="enterprise plans only (Contact Sales on the models page)",
    ),
    GroqModelInfo(
        "meta-llama/llama-prompt-guard-2-22m",
        512,
        512,
        status=_V,
        note="a prompt-injection classifier, not a chat model",
    ),
    GroqModelInfo(
        "meta-llama/llama-prompt-guard-2-86m",
        512,
        512,
        status=_V,
        note="a prompt-injection classifier, not a chat model",
    ),
    # -- shut down in 2026 (deprecations page) ---------------------------------
    GroqModelInfo(
        "llama-3.3-70b-versatile",
        _K128,
        32_768,
        tools=True,
        json_mode=True,
        status=_X,
        shutdown_date=date(2026, 8, 16),
        replacements=("openai/gpt-oss-120b", "qwen/qwen3.6-27b"),
        note=_ENTERPRISE_KEEPS,
    ),
    GroqModelInfo(
        "llama-3.1-8b-instant",
        _K128,
        _K128,
        tools=True,
        json_mode=True,
        status=_X,
        shutdown_date=date(2026, 8, 16),
        replacements=("openai/gpt-oss-20b",),
        note=_ENTERPRISE_KEEPS,
    ),
    GroqModelInfo(
        "groq/compound",
        _K128,
        8_192,
        tools=True,
        reasoning=True,
        status=_X,
        shutdown_date=date(2026, 9, 21),
        note="no replacement named; gpt-oss has browser_search and "
        "code_interpreter as built-in tools",
    ),
    GroqModelInfo(
        "groq/compound-mini",
        _K128,
        8_192,
        tools=True,
        reasoning=True,
        status=_X,
        shutdown_date=date(2026, 9, 21),
        note="no replacement named; gpt-oss has browser_search and "
        "code_interpreter as built-in tools",
    ),
    GroqModelInfo(
        "qwen/qwen3.6-27b",
        _K128,
        16_384,
        tools=True,
        json_mode=True,
        reasoning=True,
        vision=True,
        status=_X,
        reasoning_format=True,
        include_reasoning=True,
        reasoning_effort=("none", "default"),
        max_images=5,
        shutdown_date=date(2026, 9, 14),
        replacements=("qwen/qwen3.8-27b",),
    ),
    GroqModelInfo(
        "qwen/qwen3-32b",
        _K128,
        40_960,
        tools=True,
        json_mode=True,
        reasoning=True,
        status=_X,
        reasoning_format=True,
        include_reasoning=True,
        reasoning_effort=("none", "default"),
        shutdown_date=date(2026, 7, 17),
        replacements=("openai/gpt-oss-120b",),
        note=_ENTERPRISE_KEEPS,
    ),
    GroqModelInfo(
        "meta-llama/llama-4-scout-17b-16e-instruct",
        _K128,
        8_192,
        tools=True,
        json_mode=True,
        vision=True,
        status=_X,
        max_images=5,
        shutdown_date=date(2026, 7, 17),
        replacements=("openai/gpt-oss-120b", "qwen/qwen3.6-27b"),
        note=_ENTERPRISE_KEEPS,
    ),
    GroqModelInfo(
        "moonshotai/kimi-k2-instruct-0905",
        262_144,
        16_384,
        tools=True,
        json_mode=True,
        status=_X,
        shutdown_date=date(2026, 4, 15),
        replacements=("openai/gpt-oss-120b",),
    ),
    GroqModelInfo(
        "meta-llama/llama-4-maverick-17b-128e-instruct",
        _K128,
        8_192,
        tools=True,
        json_mode=True,
        vision=True,
        status=_X,
        max_images=5,
        shutdown_date=date(2026, 3, 9),
        replacements=("openai/gpt-oss-120b",),
    ),
    GroqModelInfo(
        "meta-llama/llama-guard-4-12b",
        _K128,
        1_024,
        status=_X,
        shutdown_date=date(2026, 3, 5),
        replacements=("openai/gpt-oss-safeguard-20b",),
    ),
    # -- shut down before 2026 -------------------------------------------------
    GroqModelInfo(
        "moonshotai/kimi-k2-instruct",
        _K128,
        16_384,
        tools=True,
        json_mode=True,
        status=_X,
        shutdown_date=date(2025, 10, 10),
        # The page's table; its prose names kimi-k2-instruct-0905, since shut.
        replacements=("openai/gpt-oss-120b",),
    ),
    GroqModelInfo(
        "gemma2-9b-it",
        8_192,
        8_192,
        tools=True,
        status=_X,
        shutdown_date=date(2025, 10, 8),
        replacements=("llama-3.1-8b-instant",),
    ),
    GroqModelInfo(
        "deepseek-r1-distill-llama-70b",
        _K128,
        _K128,
        tools=True,
        reasoning=True,
        status=_X,
        reasoning_format=True,
        shutdown_date=date(2025, 10, 2),
        replacements=("llama-3.3-70b-versatile", "openai/gpt-oss-120b"),
    ),
    GroqModelInfo(
        "llama3-70b-8192",
        8_192,
        8_192,
        tools=True,
        json_mode=True,
        status=_X,
        shutdown_date=date(2025, 8, 30),
        replacements=("llama-3.3-70b-versatile",),
    ),
    GroqModelInfo(
        "llama3-8b-8192",
        8_192,
        8_192,
        tools=True,
        json_mode=True,
        status=_X,
        shutdown_date=date(2025, 8, 30),
        replacements=("llama-3.1-8b-instant",),
    ),
    GroqModelInfo(
        "mistral-saba-24b",
        32_768,
        32_768,
        status=_X,
        shutdown_date=date(2025, 7, 30),
        replacements=("qwen/qwen3-32b",),
    ),
    GroqModelInfo(
        "qwen-qwq-32b",
        _K128,
        _K128,
        tools=True,
        reasoning=True,
        status=_X,
        shutdown_date=date(2025, 7, 14),
        replacements=("qwen/qwen3-32b",),
    ),
    GroqModelInfo(
        "llama-guard-3-8b",
        8_192,
        8_192,
        status=_X,
        shutdown_date=date(2025, 6, 6),
        replacements=("meta-llama/llama-guard-4-12b",),
    ),
    *(
        GroqModelInfo(
            model_id,
            _K128,
            8_192,
            status=_X,
            shutdown_date=date(2025, 4, 14),
            replacements=(replacement,),
        )
        for model_id, replacement in (
            ("llama-3.2-1b-preview", "llama-3.1-8b-instant"),
            ("llama-3.2-3b-preview", "llama-3.1-8b-instant"),
            (
                "llama-3.2-11b-vision-preview",
                "meta-llama/llama-4-scout-17b-16e-instruct",
            ),
            (
                "llama-3.2-90b-vision-preview",
                "meta-llama/llama-4-scout-17b-16e-instruct",
            ),
            ("deepseek-r1-distill-qwen-32b", "qwen-qwq-32b"),
            ("qwen-2.5-32b", "qwen-qwq-32b"),
            ("qwen-2.5-coder-32b", "qwen-qwq-32b"),
            ("llama-3.3-70b-specdec", "meta-llama/llama-4-scout-17b-16e-instruct"),
        )
    ),
    GroqModelInfo(
        "mixtral-8x7b-32768",
        32_768,
        32_768,
        tools=True,
        status=_X,
        shutdown_date=date(2025, 3, 20),
        replacements=("mistral-saba-24b", "llama-3.3-70b-versatile"),
    ),
    GroqModelInfo(
        "llama-3.1-70b-versatile",
        _K128,
        32_768,
        tools=True,
        json_mode=True,
        status=_X,
        shutdown_date=date(2025, 1, 24),
        replacements=("llama-3.3-70b-versatile",),
    ),
    GroqModelInfo(
        "gemma-7b-it",
        8_192,
        8_192,
        status=_X,
        shutdown_date=date(2024, 12, 18),
        replacements=("gemma2-9b-it",),
    ),
)

_INFO: dict[str, GroqModelInfo] = {info.id: info for info in _TABLE}


def _live_successor(model_id: str) -> tuple[str, ...]:
    """Follow replacements until served models: a chain of shutdowns.

    The page names what was recommended at the time (gemma2-9b-it ->
    llama-3.1-8b-instant, itself shut down since); a user needs the model
    that works today. Cycles and unknown ids stop the walk.
    """
    seen: set[str] = set()
    result: list[str] = []
    todo = list(_INFO[model_id].replacements)
    while todo:
        candidate = todo.pop(0)
        if candidate in seen:
            continue
        seen.add(candidate)
        info = _INFO.get(candidate)
        if info is None or not info.retired:
            result.append(candidate)
        else:
            todo[:0] = info.replacements
    return tuple(result)


# Successors as users need them: each shut-down model points at served ones.
_LIVE_REPLACEMENTS: dict[str, tuple[str, ...]] = {
    key: _live_successor(key) for key, info in _INFO.items() if info.replacements
}


class _ModelInfoMixin:
    """Properties shared by enum members and custom ids."""

    @property
    def info(self) -> GroqModelInfo:
        """Everything known about this model (defaults for an unknown id)."""
        return model_info(str(self))

    @property
    def id(self) -> str:
        """The id sent to the API."""
        return str(self)

    @property
    def context_window(self) -> int | None:
        """Context window in tokens, `None` when unknown."""
        return self.info.context_window

    @property
    def max_completion_tokens(self) -> int | None:
        """The longest completion Groq allows, `None` when unknown."""
        return self.info.max_completion_tokens

    @property
    def supports_tools(self) -> bool:
        """Whether the model does function calling."""
        return self.info.tools

    @property
    def supports_json_mode(self) -> bool:
        """Whether JSON mode (`json_object`) is supported."""
        return self.info.json_mode

    @property
    def supports_reasoning(self) -> bool:
        """Whether the model is a reasoning model."""
        return self.info.reasoning

    @property
    def supports_vision(self) -> bool:
        """Whether the model accepts images."""
        return self.info.vision

    @property
    def status(self) -> ModelStatus | None:
        """Lifecycle status, `None` for an id the table does not know."""
        return self.info.status

    @property
    def is_retired(self) -> bool:
        """Whether Groq has shut the model down."""
        return self.info.retired

    @property
    def replacement(self) -> str | None:
        """The served model Groq's recommendation leads to, if any."""
        return self.info.replacement


class GroqModel(_ModelInfoMixin, StrEnum):
    """Groq model ids: today's models and the package's earlier members.

    Members are strings, so a member works wherever a model id does. For an
    id that is not listed use `GroqModel.custom("id")` or the plain string.
    The earlier members are kept so that code naming them keeps working;
    Groq has shut them down (`status` and `replacement` say so, and choosing
    one warns).

    Example:
        ```python
        GroqModel.GPT_OSS_120B.context_window  # 131072
        GroqModel.LLAMA_3_3_70B_VERSATILE.replacement  # "openai/gpt-oss-120b"
        GroqModel.custom("my-org/finetune").id  # "my-org/finetune"
        ```
    """

    # The first members (all shut down by Groq).
    LLAMA_3_3_70B_VERSATILE = "llama-3.3-70b-versatile"
    LLAMA_3_1_8B_INSTANT = "llama-3.1-8b-instant"
    LLAMA_3_1_70B_VERSATILE = "llama-3.1-70b-versatile"
    GEMMA2_9B_IT = "gemma2-9b-it"
    MIXTRAL_8X7B_32768 = "mixtral-8x7b-32768"
    # Served (production).
    GPT_OSS_120B = "openai/gpt-oss-120b"
    GPT_OSS_20B = "openai/gpt-oss-20b"
    # Served (preview).
    QWEN3_8_27B = "qwen/qwen3.8-27b"
    GPT_OSS_SAFEGUARD_20B = "openai/gpt-oss-safeguard-20b"
    MINIMAX_M2_7 = "minimaxai/minimax-m2.7"
    LLAMA_PROMPT_GUARD_2_22M = "meta-llama/llama-prompt-guard-2-22m"
    LLAMA_PROMPT_GUARD_2_86M = "meta-llama/llama-prompt-guard-2-86m"
    # Earlier members, shut down since.
    QWEN3_6_27B = "qwen/qwen3.6-27b"
    QWEN3_32B = "qwen/qwen3-32b"
    LLAMA_4_SCOUT = "meta-llama/llama-4-scout-17b-16e-instruct"
    LLAMA_4_MAVERICK = "meta-llama/llama-4-maverick-17b-128e-instruct"
    KIMI_K2_INSTRUCT = "moonshotai/kimi-k2-instruct-0905"
    COMPOUND = "groq/compound"
    COMPOUND_MINI = "groq/compound-mini"

    @staticmethod
    def custom(model_id: str) -> CustomGroqModel:
        """A model id this enum does not list.

        Args:
            model_id: The id as the API knows it.

        Returns:
            A string subclass usable anywhere a `GroqModel` member is.

        Raises:
            ValueError: If the id is empty.
        """
        return CustomGroqModel(model_id)

    @classmethod
    def served(cls) -> list[GroqModel]:
        """The members Groq serves today (production and preview).

        Returns:
            Members in declaration order, production first.
        """
        return [m for m in cls if m.info.status in _SERVED]


class CustomGroqModel(_ModelInfoMixin, str):
    """A model id not listed in `GroqModel`; a plain `str` with the same API."""

    __slots__ = ()

    def __new__(cls, model_id: str) -> CustomGroqModel:  # noqa: D102
        if not isinstance(model_id, str) or not model_id.strip():
            msg = "model id must be a non-empty string"
            raise ValueError(msg)
        return super().__new__(cls, model_id)

    def __repr__(self) -> str:
        return f"GroqModel.custom({str.__repr__(self)})"


_SERVED = (ModelStatus.PRODUCTION, ModelStatus.PREVIEW, ModelStatus.DEPRECATED)


def model_id_of(value: Any) -> str:
    """The model id a `model` setting names (one check for every setting).

    Args:
        value: A `GroqModel` member, a `CustomGroqModel`, or an id string.

    Returns:
        The id as a plain string.

    Raises:
        ValueError: If `value` is not a `GroqModel` or a non-empty string.
    """
    if isinstance(value, GroqModel):
        return value.value
    if not isinstance(value, str) or not value.strip():
        msg = "model must be a GroqModel or a non-empty model id string"
        raise ValueError(msg)
    return str(value)


def model_info(model_id: str) -> GroqModelInfo:
    """Look up what is known about a model id.

    Args:
        model_id: A model id, a `GroqModel` member or a custom id.

    Returns:
        The known record, or a record with only `id` set for an unknown id.
    """
    key = str(model_id)
    return _INFO.get(key) or GroqModelInfo(key)


def current_model_ids() -> list[str]:
    """The ids the table says Groq serves today (production, then preview).

    Returns:
        Model ids, production models first.
    """
    order = {ModelStatus.PRODUCTION: 0, ModelStatus.PREVIEW: 1}
    served = [i for i in _TABLE if i.status in _SERVED]
    return [i.id for i in sorted(served, key=lambda i: order.get(i.status, 2))]  # type: ignore[arg-type]


def vision_model_ids() -> list[str]:
    """The served Groq models that take images.

    Returns:
        Model ids, in the order of the model table.
    """
    return [i.id for i in _TABLE if i.vision and i.status in _SERVED]


def builtin_tool_model_ids(tool_type: str) -> list[str]:
    """The served Groq models that offer a built-in tool.

    Args:
        tool_type: A built-in tool type, e.g. `"browser_search"`.

    Returns:
        Model ids, in the order of the model table.
    """
    return [
        i.id for i in _TABLE if tool_type in i.builtin_tools and i.status in _SERVED
    ]


def strict_json_schema_model_ids() -> list[str]:
    """The served Groq models with strict `json_schema` (constrained decoding).

    Returns:
        Model ids, in the order of the model table.
    """
    return [i.id for i in _TABLE if i.strict_json_schema and i.status in _SERVED]


def suggest_model_ids(model_id: str, limit: int = 3) -> list[str]:
    """Known ids close to a misspelt one (`llama-3.3-70b-versatlie`).

    Args:
        model_id: The id the server did not know.
        limit: The most suggestions to return.

    Returns:
        Close ids, served ones first, best match first within each group.
    """
    close = difflib.get_close_matches(str(model_id), list(_INFO), n=limit, cutoff=0.8)
    return sorted(close, key=lambda m: _INFO[m].retired)


def replacement_hint(model_id: str) -> tuple[str | None, str]:
    """What to tell a user whose model the server refused.

    Args:
        model_id: The model the request named.

    Returns:
        `(replacement, text)`: the served replacement when the table knows
        one (else `None`), and a sentence for the error message ("" when
        there is nothing useful to say).
    """
    info = _INFO.get(str(model_id))
    if info is None:
        close = [
            f"{m!r} (shut down)" if _INFO[m].retired else repr(m)
            for m in suggest_model_ids(model_id)
        ]
        if close:
            return None, f"Did you mean {' or '.join(close)}?"
        return None, ""
    if not info.retired:
        return None, ""
    when = f" on {info.shutdown_date.isoformat()}" if info.shutdown_date else ""
    text = f"Groq shut {info.id!r} down{when}"
    if info.note:
        text += f" ({info.note})"
    if info.replacement is not None:
        others = info.live_replacements[1:]
        text += f"; replace it with {info.replacement!r}"
        if others:
            text += f" (or {', '.join(map(repr, others))})"
    else:
        production = [i.id for i in _TABLE if i.status is ModelStatus.PRODUCTION]
        text += f"; Groq's production models: {', '.join(production)}"
    return info.replacement, text + "."


_INTERNAL = ("langchain_synaptic_groq", "langchain_core", "pydantic")


def warn_if_retired(model_id: str) -> None:
    """Warn when a shut-down (or soon shut-down) model is configured.

    Python's warning registry shows it once per call site; the model is
    never swapped.
    """
    info = _INFO.get(str(model_id))
    if info is None or info.status not in (
        ModelStatus.SHUT_DOWN,
        ModelStatus.DEPRECATED,
    ):
        return
    if info.retired:
        _, hint = replacement_hint(info.id)
        text = (
            f"{hint} Requests naming it fail with model_not_found or "
            "model_decommissioned; the model is not swapped for you."
        )
    else:
        when = info.shutdown_date.isoformat() if info.shutdown_date else "soon"
        move = f"; replace it with {info.replacement!r}" if info.replacement else ""
        text = f"Groq will shut {info.id!r} down on {when}{move}."
    warnings.warn(text, GroqModelShutDownWarning, stacklevel=_user_stacklevel())


def _user_stacklevel() -> int:
    """The `stacklevel` that points `warnings.warn` at the user's code.

    Construction passes through pydantic and langchain-core frames whose number
    varies; a fixed level would blame one of them, and the warning registry
    would then show the warning only once for every caller together.
    """
    # inspect.currentframe, not sys._getframe: the public way. It may give
    # None (Python implementations without frames): the level is then 2.
    here = inspect.currentframe()
    caller = here.f_back if here is not None else None
    frame = caller.f_back if caller is not None else None  # warn_if_retired's caller
    level = 2
    while frame is not None and frame.f_globals.get("__name__", "").startswith(
        _INTERNAL
    ):
        frame = frame.f_back
        level += 1
    return level


def check_reasoning_params(model_id: str, params: Mapping[str, Any]) -> None:
    """Refuse reasoning parameters Groq would refuse for this model.

    One check for construction and per-call parameters. Unknown (custom)
    ids are trusted: the table cannot speak for them.

    Args:
        model_id: The model the request goes to.
        params: The request parameters (`reasoning_format`,
            `include_reasoning`, `reasoning_effort` are read).

    Raises:
        ValueError: Naming the parameter, the model and what it accepts.
    """
    fmt = params.get("reasoning_format")
    include = params.get("include_reasoning")
    effort = params.get("reasoning_effort")
    if fmt is not None and include is not None:
        msg = (
            "reasoning_format and include_reasoning cannot be used together; "
            "Groq rejects the combination"
        )
        raise ValueError(msg)
    info = _INFO.get(str(model_id))
    if info is None or (fmt is None and include is None and effort is None):
        return
    if fmt is not None and not info.reasoning_format:
        msg = f"{info.id} does not take reasoning_format on Groq"
        raise ValueError(msg + _reasoning_alternatives(info))
    if include is not None and not info.include_reasoning:
        msg = f"{info.id} does not take include_reasoning on Groq"
        raise ValueError(msg + _reasoning_alternatives(info))
    if effort is not None and effort not in info.reasoning_effort:
        if info.reasoning_effort:
            accepted = ", ".join(map(repr, info.reasoning_effort))
            msg = f"{info.id} takes reasoning_effort {accepted} on Groq, not {effort!r}"
        else:
            msg = f"{info.id} does not take reasoning_effort on Groq"
            msg += _reasoning_alternatives(info)
        raise ValueError(msg)


def _reasoning_alternatives(info: GroqModelInfo) -> str:
    takes = [
        name
        for name, ok in (
            ("reasoning_format", info.reasoning_format),
            ("include_reasoning", info.include_reasoning),
            ("reasoning_effort", bool(info.reasoning_effort)),
        )
        if ok
    ]
    if takes:
        return f" (it takes {', '.join(takes)})"
    return " (it is not a reasoning model)"


# -- the live check ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModelCheck:
    """The registry next to what a server serves (`GET /models`).

    Attributes:
        served: Every id the server lists.
        known: Served ids the registry knows and counts as served.
        unknown: Served ids the registry lacks (new models, or a local
            server's own names).
        missing: Ids the registry counts as served that the server does
            not list (shut down since, or not on this plan or server).
        shut_down_but_served: Ids the registry marks shut down that the
            server still lists (an enterprise plan, or a registry behind
            Groq).
        checked_on: When the registry was last checked against Groq's pages.
    """

    served: tuple[str, ...]
    known: tuple[str, ...]
    unknown: tuple[str, ...]
    missing: tuple[str, ...]
    shut_down_but_served: tuple[str, ...]
    checked_on: date = field(default=REGISTRY_CHECKED_ON)

    @property
    def in_sync(self) -> bool:
        """Whether the server and the registry agree."""
        return not (self.unknown or self.missing or self.shut_down_but_served)


# GET /models also lists speech models; they are not chat models.
_NOT_CHAT = re.compile(r"whisper|orpheus|tts", re.IGNORECASE)


def compare_models(served_ids: Iterable[str]) -> ModelCheck:
    """Compare the ids a server serves with the registry (pure).

    Args:
        served_ids: The ids `GET /models` listed (inactive ones left out).

    Returns:
        The comparison; speech models the server lists are ignored.
    """
    served = tuple(dict.fromkeys(str(m) for m in served_ids))
    chat = [m for m in served if not _NOT_CHAT.search(m)]
    current = set(current_model_ids())
    return ModelCheck(
        served=served,
        known=tuple(m for m in chat if m in current),
        unknown=tuple(m for m in chat if m not in _INFO),
        missing=tuple(m for m in current_model_ids() if m not in served),
        shut_down_but_served=tuple(m for m in chat if m in _INFO and _INFO[m].retired),
    )


class GroqModelRecord(BaseModel):
    """One model as `GET /models` describes it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: str
    owned_by: str | None = None
    active: bool | None = None
    context_window: int | None = None
    max_completion_tokens: int | None = None
    created: int | None = None


def compare_records(records: list[GroqModelRecord]) -> ModelCheck:
    """Compare `GET /models` records with the registry.

    Args:
        records: What `list_models()` returned.

    Returns:
        The comparison; models listed as `active: false` (they refuse
        requests) count as not served.
    """
    return compare_models(r.id for r in records if r.active is not False)
