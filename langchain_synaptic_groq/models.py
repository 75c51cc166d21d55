"""Groq model ids, what each model can do, and LangChain model profiles."""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_core.language_models.model_profile import ModelProfile

__all__ = [
    "CustomGroqModel",
    "GroqModel",
    "GroqModelInfo",
    "builtin_tool_model_ids",
    "model_info",
    "vision_model_ids",
]


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
        reasoning: Whether the model emits reasoning (`reasoning_format`).
        vision: Whether the model accepts image inputs.
        retired: Whether Groq has decommissioned the model.
        builtin_tools: Groq's server-side tools the model can use.
    """

    id: str
    context_window: int | None = None
    max_completion_tokens: int | None = None
    tools: bool = False
    json_mode: bool = False
    strict_json_schema: bool = False
    reasoning: bool = False
    vision: bool = False
    retired: bool = False
    builtin_tools: tuple[str, ...] = ()

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
        if self.retired:
            profile["status"] = "deprecated"
        return profile  # type: ignore[return-value]


_K128 = 131_072

# Numbers from Groq's model pages and GET /models (2026). The list changes:
# GET /models (`ChatGroqSynaptic.list_models`) is the truth.
_INFO: dict[str, GroqModelInfo] = {
    info.id: info
    for info in (
        GroqModelInfo(
            "llama-3.3-70b-versatile", _K128, 32_768, tools=True, json_mode=True
        ),
        GroqModelInfo("llama-3.1-8b-instant", _K128, _K128, tools=True, json_mode=True),
        GroqModelInfo(
            "llama-3.1-70b-versatile",
            _K128,
            32_768,
            tools=True,
            json_mode=True,
            retired=True,
        ),
        GroqModelInfo("gemma2-9b-it", 8_192, 8_192, tools=True, retired=True),
        GroqModelInfo("mixtral-8x7b-32768", 32_768, 32_768, tools=True, retired=True),
        GroqModelInfo(
            "openai/gpt-oss-20b",
            _K128,
            65_536,
            tools=True,
            json_mode=True,
            strict_json_schema=True,
            reasoning=True,
            builtin_tools=("browser_search", "code_interpreter"),
        ),
        GroqModelInfo(
            "openai/gpt-oss-120b",
            _K128,
            65_536,
            tools=True,
            json_mode=True,
            strict_json_schema=True,
            reasoning=True,
            builtin_tools=("browser_search", "code_interpreter"),
        ),
        GroqModelInfo(
            "qwen/qwen3-32b", _K128, 40_960, tools=True, json_mode=True, reasoning=True
        ),
        GroqModelInfo(
            "meta-llama/llama-4-scout-17b-16e-instruct",
            _K128,
            8_192,
            tools=True,
            json_mode=True,
            vision=True,
        ),
        GroqModelInfo(
            "meta-llama/llama-4-maverick-17b-128e-instruct",
            _K128,
            8_192,
            tools=True,
            json_mode=True,
            vision=True,
        ),
        GroqModelInfo(
            "moonshotai/kimi-k2-instruct-0905",
            262_144,
            16_384,
            tools=True,
            json_mode=True,
        ),
        GroqModelInfo("groq/compound", _K128, 8_192, tools=True, reasoning=True),
        GroqModelInfo("groq/compound-mini", _K128, 8_192, tools=True, reasoning=True),
    )
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
    def is_retired(self) -> bool:
        """Whether Groq has decommissioned the model."""
        return self.info.retired


class GroqModel(_ModelInfoMixin, StrEnum):
    """Groq model ids, as in synaptic-groq's `GroqModel`, plus today's models.

    Members are strings, so a member works wherever a model id does. For an
    id that is not listed use `GroqModel.custom("id")` or the plain string.

    Example:
        ```python
        GroqModel.LLAMA_3_3_70B_VERSATILE.context_window  # 131072
        GroqModel.custom("llama-3.1-405b").id  # "llama-3.1-405b"
        ```
    """

    LLAMA_3_3_70B_VERSATILE = "llama-3.3-70b-versatile"
    LLAMA_3_1_8B_INSTANT = "llama-3.1-8b-instant"
    LLAMA_3_1_70B_VERSATILE = "llama-3.1-70b-versatile"
    GEMMA2_9B_IT = "gemma2-9b-it"
    MIXTRAL_8X7B_32768 = "mixtral-8x7b-32768"
    GPT_OSS_20B = "openai/gpt-oss-20b"
    GPT_OSS_120B = "openai/gpt-oss-120b"
    QWEN3_32B = "qwen/qwen3-32b"
    LLAMA_4_SCOUT = "meta-llama/llama-4-scout-17b-16e-instruct"
    LLAMA_4_MAVERICK = "meta-llama/llama-4-maverick-17b-128e-instruct"
    KIMI_K2_INSTRUCT = "moonshotai/kimi-k2-instruct-0905"
    COMPOUND = "groq/compound"
    COMPOUND_MINI = "groq/compound-mini"

    @staticmethod
    def custom(model_id: str) -> CustomGroqModel:
        """A model id this enum does not list (the seed's `Custom(String)`).

        Args:
            model_id: The id as the API knows it.

        Returns:
            A string subclass usable anywhere a `GroqModel` member is.

        Raises:
            ValueError: If the id is empty.
        """
        return CustomGroqModel(model_id)


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


def model_info(model_id: str) -> GroqModelInfo:
    """Look up what is known about a model id.

    Args:
        model_id: A model id, a `GroqModel` member or a custom id.

    Returns:
        The known record, or a record with only `id` set for an unknown id.
    """
    key = str(model_id)
    return _INFO.get(key) or GroqModelInfo(key)


def vision_model_ids() -> list[str]:
    """The known Groq models that take images (retired ones left out).

    Returns:
        Model ids, in the order of the model table.
    """
    return [i.id for i in _INFO.values() if i.vision and not i.retired]


def builtin_tool_model_ids(tool_type: str) -> list[str]:
    """The known Groq models that offer a built-in tool.

    Args:
        tool_type: A built-in tool type, e.g. `"browser_search"`.

    Returns:
        Model ids, in the order of the model table.
    """
    return [
        i.id for i in _INFO.values() if tool_type in i.builtin_tools and not i.retired
    ]


def warn_if_retired(model_id: str) -> None:
    """Warn once per call site when a decommissioned model is configured."""
    if model_info(model_id).retired:
        warnings.warn(
            f"Groq has decommissioned the model {model_id!r}; requests will fail "
            "with model_decommissioned. See GroqModel for current models.",
            DeprecationWarning,
            stacklevel=_user_stacklevel(),
        )


_INTERNAL = ("langchain_synaptic_groq", "langchain_core", "pydantic")


def _user_stacklevel() -> int:
    """The `stacklevel` that points `warnings.warn` at the user's code.

    Construction passes through pydantic and langchain-core frames whose number
    varies; a fixed level would blame one of them, and Python hides a
    DeprecationWarning unless it is attributed to `__main__` or a test.
    """
    frame = sys._getframe(2)  # the caller of warn_if_retired
    level = 2
    while frame is not None and frame.f_globals.get("__name__", "").startswith(
        _INTERNAL
    ):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level
