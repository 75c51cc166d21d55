"""LangChain messages and parameters -> the Groq request body."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from langchain_core.messages import (
    AIMessage,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
    convert_to_openai_data_block,
    is_data_content_block,
)

from langchain_synaptic_groq.models import (
    GroqModel,
    check_reasoning_params,
    model_info,
    vision_model_ids,
)
from langchain_synaptic_groq.tools import supports_parallel_tool_calls

__all__ = [
    "RequestSettings",
    "build_body",
    "build_messages",
    "check_n",
    "check_stop",
    "default_params",
    "message_to_wire",
]

# Assistant content blocks that are not text and are not sent as text.
_NOT_TEXT_BLOCKS = frozenset(
    {
        "tool_call_chunk",
        "invalid_tool_call",
        "server_tool_call",
        "server_tool_call_chunk",
        "server_tool_result",
    }
)

# Roles a ChatMessage may carry (a tool result needs a ToolMessage's id).
_CHAT_ROLES = frozenset({"system", "developer", "user", "assistant"})

# Groq's vision limits (GROQ_WIRE.md): checked before sending so the caller
# gets an error naming the limit rather than an opaque 400/413. The third
# limit, 20 MB per image given by URL, cannot be checked without fetching the
# URL, which this package never does: Groq enforces it (a 400).
MAX_IMAGES = 5
MAX_BASE64_BYTES = 4 * 1024 * 1024
MAX_URL_IMAGE_MB = 20


def build_messages(
    messages: Sequence[BaseMessage], *, model: str | None = None
) -> list[dict[str, Any]]:
    """Convert a LangChain conversation to Groq's `messages` array.

    Args:
        messages: The conversation, oldest first.
        model: The model the request goes to. When given and known not to
            take images, a conversation holding an image is refused.

    Returns:
        The wire form of each message.

    Raises:
        ValueError: If the list is empty, a message kind has no Groq form,
            image limits are exceeded, or images go to a known text-only
            model.
    """
    if not messages:
        msg = "messages must not be empty: Groq needs at least one message"
        raise ValueError(msg)
    wire = [message_to_wire(m) for m in messages]
    _check_image_limits(wire, model)
    return wire


def message_to_wire(message: BaseMessage) -> dict[str, Any]:
    """Convert one LangChain message to Groq's wire form.

    Args:
        message: Any LangChain message.

    Returns:
        The message as Groq expects it.

    Raises:
        ValueError: If the message kind or its content has no Groq form.
    """
    if isinstance(message, HumanMessage):
        out: dict[str, Any] = {
            "role": "user",
            "content": _user_content(message.content),
        }
    elif isinstance(message, AIMessage):
        out = _assistant(message)
    elif isinstance(message, SystemMessage):
        role = message.additional_kwargs.get("__openai_role__") or "system"
        if role not in ("system", "developer"):
            msg = f"a system message's role must be system or developer, got {role!r}"
            raise ValueError(msg)
        out = {"role": role, "content": _text_content(message.content, "system")}
    elif isinstance(message, ToolMessage):
        result = _tool_content(message.content)
        if message.status == "error" and not result.strip():
            # Groq has no error flag on tool messages: the content is all the
            # model sees, so a failure must not reach it as an empty result.
            result = "Error: the tool failed without a message."
        out = {
            "role": "tool",
            "content": result,
            "tool_call_id": message.tool_call_id,
        }
    elif isinstance(message, ChatMessage):
        role = message.role
        if role not in _CHAT_ROLES:
            msg = (
                f"ChatMessage role {role!r} has no Groq form (use one of "
                f"{', '.join(sorted(_CHAT_ROLES))}, or a ToolMessage for tool "
                "results)"
            )
            raise ValueError(msg)
        if role == "user":
            content: Any = _user_content(message.content)
        else:
            content = _text_content(message.content, role)
        out = {"role": role, "content": content}
    elif isinstance(message, FunctionMessage):
        msg = (
            "FunctionMessage is the retired OpenAI functions format; "
            "use ToolMessage with a tool_call_id instead"
        )
        raise ValueError(msg)
    else:
        msg = f"cannot send a message of type {type(message).__name__} to Groq"
        raise ValueError(msg)
    if message.name and out["role"] in ("user", "assistant", "system", "developer"):
        out["name"] = message.name
    return out


def _text_of_blocks(content: Iterable[Any], where: str) -> str:
    parts: list[str] = []
    for block in content:
        if isinstance(block, str):
            parts.append(block)
        elif isinstance(block, Mapping):
            kind = block.get("type")
            if kind == "text" or (kind is None and "text" in block):
                parts.append(str(block.get("text", "")))
            elif kind in ("reasoning", "thinking", "tool_call", "tool_use"):
                continue  # carried elsewhere in the wire form, not as text
            elif isinstance(kind, str) and kind in _NOT_TEXT_BLOCKS:
                # Carried as `tool_calls`, or a Groq built-in tool's call and
                # result (v1 form), which the server ran and does not take back.
                continue
            else:
                msg = f"{where} message content block of type {kind!r} is not supported"
                raise ValueError(msg)
        else:
            msg = f"{where} message content must be text or blocks, got {block!r}"
            raise ValueError(msg)
    return "".join(parts)


def _text_content(content: str | list[Any], where: str) -> str:
    if isinstance(content, str):
        return content
    return _text_of_blocks(content, where)


def _user_content(content: str | list[Any]) -> str | list[dict[str, Any]]:
    if isinstance(content, str):
        return content
    parts: list[dict[str, Any]] = []
    for block in content:
        if isinstance(block, str):
            parts.append({"type": "text", "text": block})
            continue
        if not isinstance(block, Mapping):
            msg = f"user message content must be text or blocks, got {block!r}"
            raise ValueError(msg)
        kind = block.get("type")
        if kind == "text":
            text = block.get("text")
            if not isinstance(text, str):
                msg = f"a text content block needs a string 'text', got {text!r:.100}"
                raise ValueError(msg)
            parts.append({"type": "text", "text": text})
        elif kind == "image_url":
            image = block.get("image_url")
            if isinstance(image, str):
                image = {"url": image}
            parts.append({"type": "image_url", "image_url": _image_url(image)})
        elif isinstance(kind, str) and is_data_content_block(dict(block)):
            if block.get("type") != "image":
                msg = (
                    f"Groq chat models take text and images only; "
                    f"got a {block.get('type')!r} content block"
                )
                raise ValueError(msg)
            try:
                part = convert_to_openai_data_block(dict(block))
            except (KeyError, TypeError, ValueError) as exc:
                msg = f"this image content block cannot be sent: {exc!r:.200}"
                raise ValueError(msg) from None
            image = _image_url(part.get("image_url"))
            parts.append({"type": "image_url", "image_url": image})
        else:
            msg = f"user message content block of type {kind!r} is not supported"
            raise ValueError(msg)
    return parts


def _image_url(image: Any) -> dict[str, Any]:
    """An `image_url` object with a string `url`, or a `ValueError`."""
    if not isinstance(image, Mapping) or not isinstance(image.get("url"), str):
        msg = (
            "an image_url content block needs a URL string or an object with a "
            f"string 'url', got {image!r:.100}"
        )
        raise ValueError(msg)
    return dict(image)


def _arguments(args: Any, name: Any) -> str:
    """Tool-call arguments as the JSON text Groq takes, or a `ValueError`."""
    try:
        return json.dumps(args, allow_nan=False)
    except (TypeError, ValueError) as exc:
        msg = f"the arguments of tool call {name!r:.64} are not JSON: {exc}"
        raise ValueError(msg) from None


def _tool_content(content: str | list[Any]) -> str:
    if isinstance(content, str):
        return content
    texts: list[str] = []
    for block in content:
        if isinstance(block, str):
            texts.append(block)
        elif isinstance(block, Mapping) and block.get("type") == "text":
            texts.append(str(block.get("text", "")))
        else:
            # Groq tool messages are text only: keep structured output as JSON.
            texts.append(json.dumps(block, default=str))
    return "\n".join(texts) if len(texts) > 1 else "".join(texts)


def _tool_call_to_wire(
    call_id: str | None, name: str, arguments: str
) -> dict[str, Any]:
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": arguments},
    }


def _assistant(message: AIMessage) -> dict[str, Any]:
    content = message.content
    text = _text_content(content, "assistant")
    tool_calls = [
        _tool_call_to_wire(tc.get("id"), tc["name"], _arguments(tc["args"], tc["name"]))
        for tc in message.tool_calls
    ]
    tool_calls.extend(
        _tool_call_to_wire(tc.get("id"), tc.get("name") or "", tc.get("args") or "")
        for tc in message.invalid_tool_calls
    )
    if not tool_calls and isinstance(content, list):
        # v1 tool_call blocks or Anthropic-style tool_use blocks in the content.
        tool_calls = [
            _block_tool_call(block)
            for block in content
            if isinstance(block, Mapping)
            and block.get("type") in ("tool_use", "tool_call")
        ]
    if not tool_calls and message.additional_kwargs.get("tool_calls"):
        tool_calls = _wire_tool_calls(message.additional_kwargs["tool_calls"])
    out: dict[str, Any] = {"role": "assistant"}
    out["content"] = text if (text or not tool_calls) else None
    if tool_calls:
        out["tool_calls"] = tool_calls
    reasoning = _reasoning_of(message)
    if reasoning:
        out["reasoning"] = reasoning
    return out


def _block_tool_call(block: Mapping[str, Any]) -> dict[str, Any]:
    """A v1 `tool_call` (or Anthropic `tool_use`) block in wire form."""
    name, call_id = block.get("name"), block.get("id")
    if not isinstance(name, str) or not (call_id is None or isinstance(call_id, str)):
        msg = (
            f"a {block.get('type')} content block needs a string 'name' and a "
            f"string or null 'id', got name={name!r:.64}, id={call_id!r:.64}"
        )
        raise ValueError(msg)
    args = block.get("input") or block.get("args") or {}
    return _tool_call_to_wire(call_id, name, _arguments(args, name))


def _wire_tool_calls(raw: Any) -> list[dict[str, Any]]:
    """`additional_kwargs["tool_calls"]` (already in wire form), checked."""
    calls = raw if isinstance(raw, list) else [raw]
    for call in calls:
        function = call.get("function") if isinstance(call, Mapping) else None
        if not (
            isinstance(function, Mapping)
            and isinstance(function.get("name"), str)
            and isinstance(function.get("arguments"), str)
            and (call.get("id") is None or isinstance(call.get("id"), str))
        ):
            msg = (
                "additional_kwargs['tool_calls'] must hold OpenAI-format tool "
                "calls ({'id', 'type': 'function', 'function': {'name', "
                f"'arguments': JSON text}}}}), got {call!r:.100}"
            )
            raise ValueError(msg)
    return [{"type": "function", **call} for call in calls]


def _reasoning_of(message: AIMessage) -> str | None:
    reasoning = message.additional_kwargs.get("reasoning_content")
    if isinstance(reasoning, str) and reasoning:
        return reasoning
    if isinstance(message.content, list):
        parts = [
            str(block.get("reasoning", ""))
            for block in message.content
            if isinstance(block, Mapping) and block.get("type") == "reasoning"
        ]
        joined = "".join(parts)
        return joined or None
    return None


def _check_image_limits(wire: list[dict[str, Any]], model: str | None) -> None:
    """Check Groq's vision rules on the wire messages before anything is sent.

    Counted: images per request (at most 5) and base64 image data per request
    (at most 4 MB, counted as the encoded text of the data URLs, which is
    what the request carries). Images given by URL are never fetched here:
    Groq limits each to 20 MB and says so in a 400.
    """
    images = 0
    base64_bytes = 0
    for message in wire:
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for part in content:
            if part.get("type") != "image_url":
                continue
            images += 1
            url = part["image_url"].get("url", "")
            if url.startswith("data:"):
                base64_bytes += len(url) - url.find(",") - 1
    if not images:
        return
    limit = MAX_IMAGES
    if model is not None:
        info = model_info(model)
        # Unknown or custom ids (no context window on record) pass through.
        if info.context_window is not None and not info.vision:
            suggestions = ", ".join(vision_model_ids()) or "a vision model"
            msg = (
                f"{model} does not accept images on Groq ({images} image(s) in "
                f"the conversation); use a vision model such as {suggestions}"
            )
            raise ValueError(msg)
        limit = info.max_images or MAX_IMAGES
    if images > limit:
        whose = f"{model} on Groq accepts" if limit != MAX_IMAGES else "Groq accepts"
        msg = f"{whose} at most {limit} images per request, got {images}"
        raise ValueError(msg)
    if base64_bytes > MAX_BASE64_BYTES:
        msg = (
            f"Groq accepts at most 4 MB of base64 image data per request, "
            f"got {base64_bytes / 1024 / 1024:.1f} MB; send large images by "
            f"URL instead (Groq fetches those itself, up to "
            f"{MAX_URL_IMAGE_MB} MB each)"
        )
        raise ValueError(msg)


# -- the whole body -------------------------------------------------------------

# Keyword arguments LangChain passes to _generate/_stream that are not request
# parameters.
_NOT_WIRE = frozenset(
    {"ls_structured_output_format", "stream_usage", "stream", "tool_use_failure"}
)

# Settings sent under their own name when set (unset ones are left out, so
# Groq's defaults apply).
_SENT_WHEN_SET = (
    "temperature",
    "top_p",
    "seed",
    "reasoning_format",
    "reasoning_effort",
    "include_reasoning",
    "service_tier",
    "logprobs",
    "top_logprobs",
    "frequency_penalty",
    "presence_penalty",
    "user",
    "disable_tool_validation",
)


class RequestSettings(Protocol):
    """What the body builder reads of a chat model's settings.

    `ChatGroqSynaptic` is one; so is anything with these attributes and the
    optional request parameters (`temperature`, `top_p`, `seed`, ...).
    """

    @property
    def model(self) -> str: ...

    @property
    def max_tokens(self) -> int | None: ...

    @property
    def stop(self) -> list[str] | None: ...

    @property
    def stream_usage(self) -> bool: ...

    @property
    def model_kwargs(self) -> dict[str, Any]: ...


def check_n(value: Any) -> Any:
    """Refuse a choice count other than 1 (for settings and per call alike).

    Args:
        value: The `n` asked for.

    Returns:
        `value`, when it is 1.

    Raises:
        ValueError: If `value` is not 1.
    """
    if value != 1:
        msg = f"n must be 1: Groq returns a single choice (got n={value})"
        raise ValueError(msg)
    return value


def check_stop(value: Any) -> Any:
    """Refuse more than four stop sequences; one string is a list of one.

    Args:
        value: A string, a sequence of strings, or `None`.

    Returns:
        `value`, a string made a one-item list.

    Raises:
        ValueError: If there are more than four sequences.
    """
    if isinstance(value, str):
        value = [value]
    if value is not None and len(value) > 4:
        msg = f"stop takes at most 4 sequences, got {len(value)}"
        raise ValueError(msg)
    return value


def default_params(settings: RequestSettings) -> dict[str, Any]:
    """The request parameters a model's settings set (unset ones left out).

    Args:
        settings: The chat model (or any `RequestSettings`).

    Returns:
        The parameters, `model_kwargs` last (so they win).
    """
    params: dict[str, Any] = {}
    for name in _SENT_WHEN_SET:
        value = getattr(settings, name)
        if value is not None:
            params[name] = value
    if settings.max_tokens is not None:
        params["max_completion_tokens"] = settings.max_tokens
    if settings.stop:
        params["stop"] = list(settings.stop)
    params.update(settings.model_kwargs)
    return params


def build_body(
    settings: RequestSettings,
    messages: Sequence[BaseMessage],
    stop: list[str] | None,
    stream: bool,
    kwargs: Mapping[str, Any],
) -> dict[str, Any]:
    """The complete `chat/completions` body for one call (pure).

    Args:
        settings: The chat model's settings.
        messages: The conversation.
        stop: The call's stop sequences (they replace the settings' ones).
        stream: Whether the answer is streamed.
        kwargs: The call's keyword arguments (bound ones included); `None`
            values and LangChain's own arguments are left out.

    Returns:
        The body, ready to encode.

    Raises:
        ValueError: If a parameter or a message cannot be sent (naming it).
    """
    body: dict[str, Any] = {"model": settings.model, **default_params(settings)}
    for key, value in kwargs.items():
        if key in _NOT_WIRE or value is None:
            continue
        if key == "max_tokens":
            body["max_completion_tokens"] = value
        elif key == "n":
            body["n"] = check_n(value)
        else:
            body[key] = value
    if isinstance(body.get("model"), GroqModel):
        body["model"] = body["model"].value
    if stop:
        body["stop"] = list(stop)
    if body.get("parallel_tool_calls") is True and not (
        supports_parallel_tool_calls(body["model"])
    ):
        del body["parallel_tool_calls"]  # see supports_parallel_tool_calls
    check_reasoning_params(body["model"], body)
    body["messages"] = build_messages(messages, model=body["model"])
    if stream:
        body["stream"] = True
        if kwargs.get("stream_usage", settings.stream_usage):
            body["stream_options"] = {"include_usage": True}
    return body
