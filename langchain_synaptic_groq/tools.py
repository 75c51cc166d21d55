"""Tool definitions and `tool_choice`, in Groq's wire form."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import Any

from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import (
    convert_to_json_schema,
    convert_to_openai_tool,
)

from langchain_synaptic_groq.models import (
    builtin_tool_model_ids,
    model_info,
    strict_json_schema_model_ids,
)

__all__ = [
    "BUILTIN_TOOL_TYPES",
    "ToolChoice",
    "convert_tools",
    "json_schema_response_format",
    "strict_for",
    "supports_parallel_tool_calls",
    "tool_choice_to_wire",
    "warn_unsupported_builtin_tools",
]

BUILTIN_TOOL_TYPES = frozenset({"browser_search", "code_interpreter"})
"""Groq's server-side tools, bound as `{"type": name}`."""

MAX_TOOLS = 128

# Groq's rule for function (and json_schema) names.
_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
_NOT_NAME_CHARS = re.compile(r"[^a-zA-Z0-9_-]")


class ToolChoice(StrEnum):
    """Let the model choose, forbid, or require a tool.

    To require one tool by name, pass the tool's name (or
    `ToolChoice.specific(name)`).
    """

    AUTO = "auto"
    NONE = "none"
    REQUIRED = "required"

    @staticmethod
    def specific(name: str) -> dict[str, Any]:
        """Force a call to the named tool.

        Args:
            name: The tool's name.

        Returns:
            The wire form `{"type": "function", "function": {"name": name}}`.
        """
        return {"type": "function", "function": {"name": name}}


def convert_tools(
    tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
    *,
    strict: bool | None = None,
) -> list[dict[str, Any]]:
    """Convert any LangChain tool form to Groq's `tools` entries.

    Args:
        tools: Tools in any form `convert_to_openai_tool` takes, or Groq
            built-in tools given as `{"type": "browser_search"}`.
        strict: When set, sent as `strict` on every function tool.

    Returns:
        The `tools` array.

    Raises:
        ValueError: If there are more than 128 tools or a name breaks Groq's
            rules.
    """
    if len(tools) > MAX_TOOLS:
        msg = f"Groq accepts at most {MAX_TOOLS} tools, got {len(tools)}"
        raise ValueError(msg)
    out: list[dict[str, Any]] = []
    for tool in tools:
        if isinstance(tool, dict) and tool.get("type") in BUILTIN_TOOL_TYPES:
            out.append(dict(tool))
            continue
        formatted = convert_to_openai_tool(tool, strict=strict)
        if strict is not None:
            formatted["function"]["strict"] = strict
        name = formatted["function"].get("name")
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            msg = (
                f"tool name {name!r} is not accepted by Groq: use 1 to 64 "
                "letters, digits, '_' or '-'"
            )
            raise ValueError(msg)
        out.append(formatted)
    return out


def supports_parallel_tool_calls(model: str) -> bool:
    """Whether `parallel_tool_calls: true` may be sent for `model`.

    gpt-oss models make one call per turn (GROQ_WIRE.md), and clients that
    sent `true` to single-call models have seen tool calling break with 400s
    (openclaw/openclaw#37048, checked 2026-12-01); the chat model leaves
    `true` out for such models. Unknown ids are trusted.

    Args:
        model: A model id.

    Returns:
        The registry's `parallel_tool_calls` (`True` for unknown ids).
    """
    return model_info(model).parallel_tool_calls


def warn_unsupported_builtin_tools(
    model: str, tools: Sequence[Mapping[str, Any]]
) -> None:
    """Warn when a Groq built-in tool goes to a known model that lacks it.

    A warning, not an error: the model table can lag behind Groq, which adds
    built-in tools to models over time. Unknown ids are trusted. Call it
    straight from the public method the user called (the warning points two
    frames up).

    Args:
        model: The model id the tools are bound for.
        tools: The converted tools.
    """
    info = model_info(model)
    if info.context_window is None:
        return
    for tool in tools:
        kind = tool.get("type")
        if kind in BUILTIN_TOOL_TYPES and kind not in info.builtin_tools:
            offered = ", ".join(builtin_tool_model_ids(kind)) or "no known model"
            warnings.warn(
                f"{model} does not offer Groq's built-in {kind} tool (known "
                f"models with it: {offered}); Groq is likely to reject the "
                "request",
                UserWarning,
                stacklevel=3,
            )


def strict_for(model: str, strict: bool | None) -> bool | None:
    """The `strict` to send with a json_schema `response_format` for `model`.

    Call it straight from the public method the user called (the warning
    points two frames up).

    Args:
        model: The model id.
        strict: What the caller asked for.

    Returns:
        `True` (or the caller's value) where Groq decodes the schema
        strictly; the caller's value for unknown ids; else `None`, with a
        warning when `strict=True` was asked for.
    """
    info = model_info(model)
    if info.strict_json_schema:
        return True if strict is None else strict
    if info.context_window is None:  # unknown id: trust the caller
        return strict
    if strict:
        warnings.warn(
            f"{model} does not support strict json_schema decoding on "
            f"Groq (only {', '.join(strict_json_schema_model_ids())} do); "
            "sending without strict",
            UserWarning,
            stacklevel=3,
        )
    return None


def json_schema_response_format(
    schema: dict[str, Any] | type, *, strict: bool | None
) -> dict[str, Any]:
    """Build the `response_format` for structured output by JSON schema.

    Args:
        schema: A pydantic class, a TypedDict, a JSON schema (with a `title`)
            or an OpenAI tool dict.
        strict: `True` asks Groq for constrained decoding; the schema is then
            made strict the way Groq requires (`additionalProperties: false`
            on every object and every property listed in `required`, so
            optional fields must be filled in; nullable ones may be `null`).
            `False` is sent as is; `None` leaves `strict` out.

    Returns:
        `{"type": "json_schema", "json_schema": {"name", "description"?,
        "schema", "strict"?}}`.
    """
    if strict:
        function = convert_to_openai_tool(schema, strict=True)["function"]
        json_schema: dict[str, Any] = function["parameters"]
        name = function.get("name")
        description = function.get("description")
    else:
        json_schema = convert_to_json_schema(schema)
        name = json_schema.get("title")
        description = json_schema.get("description")
    wire_name = _NOT_NAME_CHARS.sub("_", str(name or ""))[:64] or "response"
    out: dict[str, Any] = {"name": wire_name}
    if description:
        out["description"] = description
    out["schema"] = json_schema
    if strict is not None:
        out["strict"] = strict
    return {"type": "json_schema", "json_schema": out}


def _names(tools: Sequence[dict[str, Any]]) -> list[str]:
    return [t["function"]["name"] for t in tools if t.get("type") == "function"]


def tool_choice_to_wire(
    choice: str | bool | dict[str, Any] | ToolChoice, tools: Sequence[dict[str, Any]]
) -> str | dict[str, Any]:
    """Translate LangChain's `tool_choice` forms to Groq's.

    Args:
        choice: `"auto"`, `"none"`, `"required"`, `"any"`, a tool name, `True`,
            a `ToolChoice` or a dict.
        tools: The converted tools being bound.

    Returns:
        The `tool_choice` value to send.

    Raises:
        ValueError: If a name matches no tool, or `True` is used with other
            than exactly one tool.
    """
    if isinstance(choice, ToolChoice):
        return choice.value
    if isinstance(choice, dict):
        return choice
    names = _names(tools)
    if choice is True:
        if len(names) != 1:
            msg = f"tool_choice=True needs exactly one function tool, got {len(names)}"
            raise ValueError(msg)
        return ToolChoice.specific(names[0])
    if isinstance(choice, str):
        if choice in ("auto", "none", "required"):
            return choice
        if choice == "any":
            return "required"
        if choice in names:
            return ToolChoice.specific(choice)
        msg = f"tool_choice {choice!r} names no bound tool; bound tools: {names}"
        raise ValueError(msg)
    msg = f"tool_choice must be a str, bool, dict or ToolChoice, got {choice!r}"
    raise ValueError(msg)
