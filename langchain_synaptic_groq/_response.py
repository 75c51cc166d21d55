"""Groq responses and stream events -> LangChain messages, usage and metadata."""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages.ai import (
    InputTokenDetails,
    OutputTokenDetails,
    UsageMetadata,
)
from langchain_core.messages.tool import invalid_tool_call, tool_call_chunk
from langchain_core.output_parsers.openai_tools import parse_tool_call
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import BaseModel

from langchain_synaptic_groq.errors import (
    GroqAPIError,
    GroqStreamError,
    error_from_stream_payload,
)
from langchain_synaptic_groq.ratelimit import UNREAD, RateLimitState, ReadState

__all__ = ["StreamParser", "parse_completion", "usage_to_metadata"]

PROVIDER = "groq"
_TEXT_DELTA_KEYS = frozenset({"content", "role"})
# The C scanner json.loads runs, called directly by `_decode_json` (typeshed
# leaves the decoder's `scan_once` attribute out).
_ScanOnce = Callable[[str, int], tuple[Any, int]]
_scan_json: _ScanOnce = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_TIMINGS = ("queue_time", "prompt_time", "completion_time", "total_time")
# Credentials a server or a proxy might echo back: masked in the copy of the
# headers that `include_response_headers` gives.
_SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)


def _decode_json(text: str) -> Any:
    """`json.loads` for text with no whitespace around the value.

    Speed: this runs once per stream event. `json.loads` runs two whitespace
    regexes around the same C scanner; a stripped event needs neither.

    Raises:
        ValueError: If `text` is not exactly one JSON value.
        RecursionError: If it nests too deeply.
    """
    try:
        value, end = _scan_json(text, 0)
    except StopIteration:  # the scanner's "no value starts here"
        msg = "no JSON value"
        raise ValueError(msg) from None
    if end != len(text):
        msg = "extra data after the JSON value"
        raise ValueError(msg)
    return value


# -- shape checks: Groq's JSON of the wrong type is a GroqAPIError naming the
# field, never a KeyError/TypeError/AttributeError from deep inside.


def _shape_error(what: str, value: Any, *, stream: bool = False) -> GroqAPIError:
    cls = GroqStreamError if stream else GroqAPIError
    return cls(f"Groq sent {what} of the wrong type: {value!r:.100}")


def _mapping(value: Any, what: str, *, stream: bool = False) -> Mapping[str, Any]:
    """`value` if it is an object, `{}` if it is absent; else the error."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _shape_error(what, value, stream=stream)
    return value


def _count(source: Mapping[str, Any], key: str, where: str) -> int | None:
    """A token count, or `None` when absent; else the error."""
    value = source.get(key)
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (isinstance(value, float) and not math.isfinite(value))
    ):
        raise _shape_error(f"{where}.{key} (a token count)", value)
    return int(value)


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _call_function(raw: Any, n: int, *, stream: bool = False) -> Mapping[str, Any]:
    """The `function` of tool call `n`, once the call's field types are checked."""
    if not isinstance(raw, Mapping):
        raise _shape_error(f"tool call {n} (an object)", raw, stream=stream)
    function = _mapping(
        raw.get("function"), f"tool call {n}'s function (an object)", stream=stream
    )
    for where, value in (
        ("id", raw.get("id")),
        ("function.name", function.get("name")),
        ("function.arguments", function.get("arguments")),
    ):
        if value is not None and not isinstance(value, str):
            raise _shape_error(f"tool call {n}'s {where} (text)", value, stream=stream)
    return function


def _executed_tools(value: Any, *, stream: bool = False) -> list[Any]:
    """Built-in tool runs, once the types core's translator relies on are checked."""
    if not isinstance(value, list):
        raise _shape_error("executed_tools (a list)", value, stream=stream)
    for n, tool in enumerate(value):
        if not isinstance(tool, Mapping):
            raise _shape_error(f"executed tool {n} (an object)", tool, stream=stream)
        for key in ("arguments", "type", "name"):
            field = tool.get(key)
            if field is not None and not isinstance(field, str):
                what = f"executed tool {n}'s {key} (text)"
                raise _shape_error(what, field, stream=stream)
    return value


def _public_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        name: "***" if name.lower() in _SECRET_HEADERS else value
        for name, value in headers.items()
    }


def usage_to_metadata(usage: Mapping[str, Any]) -> UsageMetadata:
    """Convert Groq's `usage` object to LangChain's `UsageMetadata`.

    Args:
        usage: Groq's usage (`usage` or `x_groq.usage`).

    Returns:
        Token counts with cache-read and reasoning details where present.
    """
    usage = _mapping(usage, "usage (an object)")
    input_tokens = _count(usage, "prompt_tokens", "usage") or 0
    output_tokens = _count(usage, "completion_tokens", "usage") or 0
    total = _count(usage, "total_tokens", "usage")
    meta = UsageMetadata(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=total if total is not None else input_tokens + output_tokens,
    )
    where = "usage.prompt_tokens_details"
    prompt_details = _mapping(usage.get("prompt_tokens_details"), where)
    cached = _count(prompt_details, "cached_tokens", where)
    if cached is not None:
        meta["input_token_details"] = InputTokenDetails(cache_read=cached)
    where = "usage.completion_tokens_details"
    completion_details = _mapping(usage.get("completion_tokens_details"), where)
    reasoning = _count(completion_details, "reasoning_tokens", where)
    if reasoning is not None:
        meta["output_token_details"] = OutputTokenDetails(reasoning=reasoning)
    return meta


def _response_metadata(
    data: Mapping[str, Any],
    finish_reason: Any,
    usage: Mapping[str, Any] | None,
    headers: Mapping[str, str],
    include_headers: bool,
    rate_limit: ReadState = UNREAD,
) -> dict[str, Any]:
    # Speed: httpx.Headers.get scans every header per lookup and about fifteen
    # names are read below; one plain dict (lower-case names, repeated headers
    # joined as `get` joins them) makes each lookup O(1).
    headers = dict(headers.items())
    meta: dict[str, Any] = {
        "model_provider": PROVIDER,
        "model_name": data.get("model"),
        "finish_reason": finish_reason,
    }
    for key in ("id", "system_fingerprint", "service_tier", "created"):
        value = data.get(key)
        if value is not None:
            meta[key] = value
    x_groq = data.get("x_groq")
    if isinstance(x_groq, Mapping) and x_groq.get("id"):
        meta["x_groq_id"] = x_groq["id"]
    if usage:
        timings = {k: usage[k] for k in _TIMINGS if usage.get(k) is not None}
        if timings:
            meta["timings"] = timings
        meta["token_usage"] = dict(usage)
    breakdown = data.get("usage_breakdown")
    if breakdown is None and isinstance(x_groq, Mapping):
        # A stream puts it in its last event's `x_groq`, next to the usage
        # (groq/compound, in the recordings of ../shared/groq-recordings).
        breakdown = x_groq.get("usage_breakdown")
    if breakdown is not None:
        meta["usage_breakdown"] = breakdown
    request_id = headers.get("x-request-id")
    if request_id:
        meta["request_id"] = request_id
    # Read once per answer: the pacer has read them when it paced the call.
    state = RateLimitState.from_headers(headers) if rate_limit is UNREAD else rate_limit
    if state is not None:
        meta["rate_limit"] = state.to_dict()
    if include_headers:
        meta["headers"] = _public_headers(headers)
    return meta


def _parse_tool_calls(
    raw_calls: list[dict[str, Any]],
) -> tuple[list[Any], list[Any]]:
    tool_calls = []
    invalid = []
    for n, raw in enumerate(raw_calls):
        function = _call_function(raw, n)
        arguments = function.get("arguments")
        # Groq sends "null" (or nothing) for a call without arguments.
        if arguments in (None, "", "null"):
            function = {**function, "arguments": "{}"}
            raw = {**raw, "function": function}
        try:
            parsed = parse_tool_call(raw, return_id=True)
        except Exception as exc:
            invalid.append(_invalid_call(raw, function, str(exc)))
            continue
        if parsed is None:
            continue
        if not isinstance(parsed.get("args"), dict):
            error = "tool arguments are not a JSON object"
            invalid.append(_invalid_call(raw, function, error))
            continue
        tool_calls.append(parsed)
    return tool_calls, invalid


def _invalid_call(
    raw: Mapping[str, Any], function: Mapping[str, Any], error: str
) -> Any:
    # Not core's `make_invalid_tool_call`: it indexes `function["name"]`,
    # which a malformed call may lack.
    return invalid_tool_call(
        name=function.get("name"),
        args=function.get("arguments"),
        id=raw.get("id"),
        error=error,
    )


def warn_if_reasoning_used_budget(
    model: Any,
    usage: Mapping[str, Any] | None,
    *,
    answered: bool | None = None,
    reasoned: bool = False,
) -> None:
    """Warn when a reasoning model stopped at the token limit before answering.

    A reasoning model can spend all of `max_completion_tokens` thinking:
    Groq then answers `finish_reason="length"` with empty content and no
    tool call, which would otherwise pass on as an empty answer.

    Args:
        model: The model the response names.
        usage: The response's usage.
        answered: Whether any content or tool call came; `None` (a stream,
            whose text is not kept) decides from the token counts: every
            completion token a reasoning token means no answer.
        reasoned: Whether reasoning text came.
    """
    details = usage.get("completion_tokens_details") if usage else None
    if not isinstance(details, Mapping):
        details = {}
    reasoning = details.get("reasoning_tokens")
    completion = usage.get("completion_tokens") if usage else None
    if answered is None:
        answered = not (
            isinstance(reasoning, int)
            and isinstance(completion, int)
            and 0 < completion <= reasoning
        )
    if answered or not (reasoned or reasoning):
        return
    spent = f" ({reasoning} of {completion} tokens were reasoning)" if reasoning else ""
    warnings.warn(
        f"{model or 'The model'} spent its whole completion budget reasoning"
        f"{spent}: finish_reason='length' with no answer and no tool call. "
        "Raise max_tokens (sent as max_completion_tokens) or lower "
        "reasoning_effort (e.g. reasoning_effort='low') to leave room for "
        "the answer.",
        UserWarning,
        stacklevel=2,
    )


def parse_completion(
    data: Mapping[str, Any],
    headers: Mapping[str, str],
    *,
    include_headers: bool = False,
    rate_limit: ReadState = UNREAD,
) -> ChatResult:
    """Convert a non-streamed chat completion to a `ChatResult`.

    Args:
        data: The decoded response body.
        headers: The response headers.
        include_headers: Whether to copy the headers into `response_metadata`.
        rate_limit: The state already read from `headers` (`UNREAD`: read
            them here).

    Returns:
        One generation per choice, with usage and response metadata.

    Raises:
        GroqAPIError: If the body is not a chat completion.
    """
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices:
        msg = f"Groq answered without choices: {str(data)[:200]}"
        raise GroqAPIError(msg, body=dict(data))
    usage = data.get("usage")
    usage_meta = usage_to_metadata(usage) if usage is not None else None
    generations = []
    for n, choice in enumerate(choices):
        if not isinstance(choice, Mapping):
            raise _shape_error(f"choice {n} (an object)", choice)
        message = _mapping(choice.get("message"), f"choice {n}'s message (an object)")
        for name in ("content", "reasoning"):
            value = message.get(name)
            if value is not None and not isinstance(value, str):
                raise _shape_error(f"a message {name} (text)", value)
        additional: dict[str, Any] = {}
        reasoning = message.get("reasoning")
        if reasoning:
            additional["reasoning_content"] = reasoning
        if message.get("executed_tools"):
            _executed_tools(message["executed_tools"])
        for key in ("executed_tools", "annotations", "refusal"):
            if message.get(key):
                additional[key] = message[key]
        raw_calls = message.get("tool_calls") or []
        if not isinstance(raw_calls, list):
            raise _shape_error("tool_calls (a list)", raw_calls)
        tool_calls, invalid = _parse_tool_calls(raw_calls)
        if raw_calls:
            additional["tool_calls"] = raw_calls
        finish_reason = choice.get("finish_reason")
        response_metadata = _response_metadata(
            data, finish_reason, usage, headers, include_headers, rate_limit
        )
        info: dict[str, Any] = {"finish_reason": finish_reason}
        if choice.get("logprobs") is not None:
            info["logprobs"] = choice["logprobs"]
            response_metadata["logprobs"] = choice["logprobs"]
        if finish_reason == "length":
            answered = bool(message.get("content") or tool_calls or invalid)
            warn_if_reasoning_used_budget(
                data.get("model"), usage, answered=answered, reasoned=bool(reasoning)
            )
        ai = AIMessage(
            content=message.get("content") or "",
            id=_text_or_none(data.get("id")),
            additional_kwargs=additional,
            tool_calls=tool_calls,
            invalid_tool_calls=invalid,
            usage_metadata=usage_meta,
            response_metadata=response_metadata,
        )
        generations.append(ChatGeneration(message=ai, generation_info=info))
    llm_output = {
        "token_usage": dict(usage) if isinstance(usage, Mapping) else {},
        "model_name": data.get("model"),
        "system_fingerprint": data.get("system_fingerprint"),
    }
    return ChatResult(generations=generations, llm_output=llm_output)


def _unsent(
    seen: Mapping[str, Any], new: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What `new` adds to `seen`, as core's `merge_dicts` will add it back.

    Returns the part to hand over and what has then been handed over in all;
    neither input is changed (earlier chunks hold parts of `seen`). Equal and
    `None` values are left out; a string or a list that extends what was sent
    is cut to its new tail (one that does not is taken as a fragment, passed
    on as is); an object is compared key by key, so the results of a finished
    search reach the empty `search_results` of its start. Any other changed
    value cannot be merged by core without mixing the two: what was handed
    over is kept.
    """
    part: dict[str, Any] = {}
    merged = dict(seen)
    for name, value in new.items():
        old = seen.get(name)
        if value is None or value == old:
            continue
        if old is None:
            part[name] = merged[name] = value
        elif isinstance(value, str) and isinstance(old, str):
            part[name] = value[len(old) :] if value.startswith(old) else value
            merged[name] = old + part[name]
        elif isinstance(value, list) and isinstance(old, list):
            extends = value[: len(old)] == old
            part[name] = value[len(old) :] if extends else value
            merged[name] = old + part[name]
        elif isinstance(value, Mapping) and isinstance(old, Mapping):
            inner, merged[name] = _unsent(old, value)
            if inner:
                part[name] = inner
    return part, merged


def _executed_blocks(
    parts: list[dict[str, Any]], runs: Mapping[int, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """v1 blocks for one stream event's built-in tool runs.

    Core's groq translator makes `server_tool_call` / `server_tool_result`
    blocks from `executed_tools`, but numbers them by position within one
    message: in a stream every event starts again at `"0"`, and core's
    stream indexing would merge two tools' consecutive call blocks into one.
    So each run is translated alone, from everything seen of it so far
    (`runs`, so the blocks equal those of an invoke), keyed by Groq's
    `index`, and only the blocks this event's part brings are kept: the call
    when it brings the arguments, the result when it brings the output.
    """
    blocks: list[dict[str, Any]] = []
    for part in parts:
        index = part.get("index", 0)
        run = runs.get(index, part) if isinstance(index, int) else part
        key = str(index)
        alone = AIMessage(
            content="",
            additional_kwargs={"executed_tools": [dict(run)]},
            response_metadata={"model_provider": PROVIDER},
        )
        for block in alone.content_blocks:
            out = dict(block)
            if out.get("type") == "server_tool_call" and "arguments" in part:
                out["id"] = key
                out["index"] = f"lc_stc_{key}"
            elif out.get("type") == "server_tool_result" and "output" in part:
                out["tool_call_id"] = key
                out["index"] = f"lc_str_{key}"
            else:
                continue
            blocks.append(out)
    return blocks


# Speed: text deltas are most of every stream, and pydantic validation (even
# model_construct) of the two objects below costs several times what parsing
# the event's JSON does. `text_chunk` builds the very instances validation would
# build (tests/unit/test_response.py pins that) without running it.
# A text chunk carries no `model_provider`: core's best-effort translation of
# plain text equals the groq translator's, merging an empty dict per chunk is
# cheaper, and the final chunk (and every non-text chunk) names the provider,
# so the aggregated message has it.
# The writes go through pydantic's slot descriptors, which are not public API:
# `_pick_text_chunk` checks once, at import, that the fast builder still builds
# what validation builds, and falls back to validation when pydantic or core
# changed under it.
_new = object.__new__
_SLOTS = ("__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__")


def _slot_setters() -> tuple[Callable[[Any, Any], None], ...] | None:
    """The setters of pydantic's three slots, or `None` if they moved."""
    try:
        return tuple(BaseModel.__dict__[name].__set__ for name in _SLOTS)
    except (KeyError, AttributeError):
        return None


def _moved(obj: Any, value: Any) -> None:
    raise AttributeError("pydantic's model slots moved")  # the check then fails


_set_fields, _set_extra, _set_private = _slot_setters() or (_moved,) * 3


def validated_text_chunk(content: str, message_id: str | None) -> ChatGenerationChunk:
    """`text_chunk` the public way: the models' constructors, validated.

    Args:
        content: The text delta.
        message_id: The completion id.

    Returns:
        `ChatGenerationChunk(message=AIMessageChunk(content=..., id=...))`.
    """
    return ChatGenerationChunk(message=AIMessageChunk(content=content, id=message_id))


def fast_text_chunk(content: str, message_id: str | None) -> ChatGenerationChunk:
    """`text_chunk` without validation (used when `_pick_text_chunk` allows).

    Args:
        content: The text delta.
        message_id: The completion id.

    Returns:
        The same objects `validated_text_chunk` gives.
    """
    message = _new(AIMessageChunk)
    message.__dict__.update(
        content=content,
        additional_kwargs={},
        response_metadata={},
        type="AIMessageChunk",
        name=None,
        id=message_id,
        tool_calls=[],
        invalid_tool_calls=[],
        usage_metadata=None,
        tool_call_chunks=[],
        chunk_position=None,
    )
    _set_fields(message, {"content", "id"})
    _set_extra(message, {})
    _set_private(message, None)
    generation = _new(ChatGenerationChunk)
    generation.__dict__.update(
        text=content, generation_info=None, type="ChatGenerationChunk", message=message
    )
    _set_fields(generation, {"text", "message"})
    _set_extra(generation, None)
    _set_private(generation, None)
    return generation


def builds_the_same(build: Callable[[str, str | None], ChatGenerationChunk]) -> bool:
    """Whether `build` makes exactly what `validated_text_chunk` makes.

    Compares the instances, their fields, every pydantic slot of both
    objects, and what adding two messages gives.

    Args:
        build: A text chunk builder.

    Returns:
        `True` when nothing tells the two apart; `False` (never an error)
        otherwise.
    """
    try:
        for content, message_id in (("tok", "chatcmpl-1"), ("", None)):
            fast = build(content, message_id)
            slow = validated_text_chunk(content, message_id)
            pairs = ((fast, slow), (fast.message, slow.message))
            if fast != slow or any(
                a.__dict__ != b.__dict__
                or any(getattr(a, n) != getattr(b, n) for n in BaseModel.__slots__)
                for a, b in pairs
            ):
                return False
            if (fast.message + fast.message) != (slow.message + slow.message):
                return False
    except Exception:  # any failure means "not the same"
        return False
    return True


def _pick_text_chunk(
    check: Callable[[Callable[[str, str | None], ChatGenerationChunk]], bool],
) -> Callable[[str, str | None], ChatGenerationChunk]:
    """The fast builder if `check` passes it, else the validated one."""
    return fast_text_chunk if check(fast_text_chunk) else validated_text_chunk


text_chunk = _pick_text_chunk(builds_the_same)
"""Build a `ChatGenerationChunk` holding a plain text `AIMessageChunk`: the
fast builder when it was checked at import to build the same, else the
validated one."""


class StreamParser:
    """Turns decoded stream events into `ChatGenerationChunk`s.

    Content deltas become chunks at once. Usage, `finish_reason`, the model
    name and the rest of the metadata are collected and put on one final
    chunk (`finish()`), because core concatenates metadata strings when
    chunks are added. `rate_limit` is the state already read from `headers`
    (`UNREAD`: read them at the end).
    """

    __slots__ = (
        "_call_ids",
        "_call_index",
        "_done",
        "_executed",
        "_fast",
        "_finish_reason",
        "_headers",
        "_id",
        "_include_headers",
        "_logprobs",
        "_meta_source",
        "_rate_limit",
        "_service_tier",
        "_usage",
        "_v1",
        "_x_groq",
    )

    def __init__(
        self,
        headers: Mapping[str, str],
        *,
        include_headers: bool = False,
        v1: bool = False,
        rate_limit: ReadState = UNREAD,
    ) -> None:
        self._headers = headers
        self._include_headers = include_headers
        self._v1 = v1
        self._rate_limit = rate_limit
        self._usage: dict[str, Any] | None = None
        self._finish_reason: Any = None
        self._meta_source: dict[str, Any] = {}
        self._x_groq: dict[str, Any] = {}
        self._logprobs: list[Any] = []
        self._done = False
        self._id: str | None = None
        # True once the first event has set the metadata and while no error
        # event is pending: then plain text deltas may take the fast path.
        self._fast = False
        # Tool-call indexes: Groq's index -> the index handed to core, and the
        # id seen at each handed-out index (see `_call_index_for`).
        self._call_index: dict[int, int] = {}
        self._call_ids: dict[int, str | None] = {}
        # Built-in tool runs seen so far, by index (see
        # `_new_executed_tool_parts`).
        self._executed: dict[int, dict[str, Any]] = {}
        # The tier the stream's events name (the last one that does).
        self._service_tier: Any = None

    @property
    def done(self) -> bool:
        """Whether `[DONE]` has been seen."""
        return self._done

    def feed_line(self, line: str) -> ChatGenerationChunk | None:
        """Handle one SSE line.

        Args:
            line: One line of the event stream, without its line break.

        Returns:
            A chunk to yield, or `None` for lines that carry no content.

        Raises:
            GroqStreamError: On an error event, or data that is not JSON.
        """
        if not line.startswith("data:"):
            if line.startswith("event:") and line[6:].strip() == "error":
                # The data line that follows carries the details; flag it.
                self._meta_source["_error_event"] = True
                self._fast = False
            return None
        payload = line[5:].strip()
        if payload == "[DONE]":
            self._done = True
            return None
        try:
            data = _decode_json(payload)
        except (ValueError, RecursionError):
            msg = f"Groq sent a stream event that is not JSON: {payload[:200]!r}"
            raise GroqStreamError(
                msg, request_id=self._headers.get("x-request-id")
            ) from None
        if not isinstance(data, dict):
            msg = f"Groq sent a stream event that is not an object: {payload[:200]!r}"
            raise GroqStreamError(msg, request_id=self._headers.get("x-request-id"))
        return self.feed(data)

    def feed(self, data: dict[str, Any]) -> ChatGenerationChunk | None:
        """Handle one decoded stream event (a `chat.completion.chunk`).

        Args:
            data: The event's JSON object.

        Returns:
            A chunk to yield, or `None` when the event carries no delta.

        Raises:
            GroqStreamError: When the event reports an error.
        """
        if self._fast and "x_groq" not in data and "usage" not in data:
            # Speed: most events are a plain text delta; recognise one with a
            # few lookups and skip the general path below.
            choices = data.get("choices")
            if choices.__class__ is list and len(choices) == 1:
                choice = choices[0]
                delta = choice.get("delta") if choice.__class__ is dict else None
                if (
                    delta.__class__ is dict
                    and choice.get("finish_reason") is None
                    and choice.get("logprobs") is None
                    and delta.keys() <= _TEXT_DELTA_KEYS
                    and "error" not in data
                ):
                    content = delta.get("content")
                    if content.__class__ is str:
                        return text_chunk(content, self._id) if content else None
                    if content is None:
                        return None
        error = data.get("error")
        x_groq = data.get("x_groq")
        if error is None and self._meta_source.get("_error_event"):
            error = data
        if error is None and isinstance(x_groq, dict) and x_groq.get("error"):
            error = x_groq["error"]
        if error is not None:
            payload = error if isinstance(error, dict) else {"message": str(error)}
            raise error_from_stream_payload(payload, self._headers)
        if not self._meta_source:
            self._meta_source = data
            self._id = _text_or_none(data.get("id"))
            self._fast = True
        if isinstance(x_groq, dict):
            self._x_groq.update(x_groq)
            usage = x_groq.get("usage")
            if usage and self._usage is None:
                self._usage = dict(_mapping(usage, "usage (an object)", stream=True))
        usage = data.get("usage")
        if usage and self._usage is None:
            self._usage = dict(_mapping(usage, "usage (an object)", stream=True))
        tier = data.get("service_tier")
        if tier:
            self._service_tier = tier
        choices = data.get("choices")
        if not choices:
            return None
        if not isinstance(choices, list):
            raise _shape_error("choices (a list)", choices, stream=True)
        choice = choices[0]
        if not isinstance(choice, Mapping):
            raise _shape_error("choice 0 (an object)", choice, stream=True)
        delta = _mapping(choice.get("delta"), "a delta (an object)", stream=True)
        for name in ("content", "reasoning"):
            value = delta.get(name)
            if value is not None and not isinstance(value, str):
                raise _shape_error(f"a delta {name} (text)", value, stream=True)
        if not isinstance(delta.get("tool_calls") or [], list):
            calls = delta.get("tool_calls")
            raise _shape_error("delta tool_calls (a list)", calls, stream=True)
        finish_reason = choice.get("finish_reason")
        if finish_reason is not None:
            self._finish_reason = finish_reason
            # Keep the most complete metadata source: the final event.
            self._meta_source = data
        if choice.get("logprobs") is not None:
            self._logprobs.append(choice["logprobs"])
        content = delta.get("content") or ""
        reasoning = delta.get("reasoning")
        raw_calls = delta.get("tool_calls")
        executed: list[dict[str, Any]] | None = None
        if delta.get("executed_tools"):
            executed = self._new_executed_tool_parts(
                _executed_tools(delta["executed_tools"], stream=True)
            )
        if not content and not reasoning and not raw_calls and not executed:
            return None
        if not reasoning and not raw_calls and not executed:
            # Hot path: a plain text delta, most of every stream.
            return text_chunk(content, self._id)
        additional: dict[str, Any] = {}
        if reasoning:
            additional["reasoning_content"] = reasoning
        if executed:
            additional["executed_tools"] = executed
        chunks = []
        for position, raw in enumerate(raw_calls or ()):
            function = _call_function(raw, position, stream=True)
            arguments = function.get("arguments")
            if arguments == "null":
                arguments = "{}"
            call_id = raw.get("id") or None
            chunks.append(
                tool_call_chunk(
                    name=function.get("name"),
                    args=arguments,
                    id=call_id,
                    index=self._call_index_for(raw.get("index"), position, call_id),
                )
            )
        response_metadata: dict[str, Any] = {"model_provider": PROVIDER}
        message_content: Any = content
        if self._v1 and (chunks or executed):
            # Core's groq translator parses each chunk's partial arguments
            # (giving `{}` for fragments); pre-render v1 blocks as
            # tool_call_chunk blocks, which core merges by index and turns
            # into full tool_call blocks on the last chunk. Built-in tool
            # runs are pre-rendered too, keyed by Groq's index (see
            # `_executed_blocks`).
            blocks: list[dict[str, Any]] = []
            if reasoning:
                blocks.append({"type": "reasoning", "reasoning": reasoning})
            if executed:
                blocks.extend(_executed_blocks(executed, self._executed))
            if content:
                blocks.append({"type": "text", "text": content})
            blocks.extend(
                {
                    "type": "tool_call_chunk",
                    "id": c["id"],
                    "name": c["name"],
                    "args": c["args"],
                    "index": f"lc_tc_{c['index']}",
                }
                for c in chunks
            )
            message_content = blocks
            response_metadata["output_version"] = "v1"
        return ChatGenerationChunk(
            message=AIMessageChunk(
                content=message_content,
                additional_kwargs=additional,
                tool_call_chunks=chunks,
                response_metadata=response_metadata,
                id=self._id,
            )
        )

    def _new_executed_tool_parts(self, executed: Any) -> list[dict[str, Any]]:
        """What is new in a delta's `executed_tools`, for core to merge.

        Groq streams each built-in tool run twice under one `index`: when it
        starts (type, arguments, empty `search_results`) and when it is done
        (the same fields again plus its output and the results). Core merges
        `executed_tools` entries by `index`, concatenating strings and lists,
        which would double the type and the arguments; so each entry is cut
        down to what was not yet handed over (see `_unsent`), plus `index`.
        """
        out: list[dict[str, Any]] = []
        for position, tool in enumerate(executed if isinstance(executed, list) else ()):
            if not isinstance(tool, Mapping):
                continue
            key = tool.get("index")
            if not isinstance(key, int):
                key = position
            seen = self._executed.get(key)
            if seen is None:
                self._executed[key] = dict(tool)
                out.append(dict(tool))
                continue
            part, self._executed[key] = _unsent(
                seen, {k: v for k, v in tool.items() if k != "index"}
            )
            if part:
                out.append({"index": tool.get("index", key), **part})
        return out

    def _call_index_for(self, raw_index: Any, position: int, call_id: Any) -> int:
        """The index under which core merges this tool-call fragment.

        Core joins chunks that share an index, so fragments of one call keep
        the index of the call they continue, while a new `id` on an index
        already in use starts a new call under a fresh index.
        """
        key = raw_index if isinstance(raw_index, int) else position
        index = self._call_index.get(key)
        if index is None or (
            call_id and self._call_ids[index] and self._call_ids[index] != call_id
        ):
            taken = self._call_ids.keys()
            index = key if key not in taken else max(taken) + 1
            self._call_index[key] = index
            self._call_ids[index] = call_id
        elif call_id and not self._call_ids[index]:
            self._call_ids[index] = call_id
        return index

    def finish(self) -> ChatGenerationChunk:
        """The final chunk: usage, finish reason and response metadata.

        Returns:
            An empty-content chunk marked as the last one.

        Raises:
            GroqStreamError: If the stream ended before `[DONE]`.
        """
        if not self._done:
            msg = "the stream ended before [DONE]: the answer is incomplete"
            raise GroqStreamError(msg, request_id=self._headers.get("x-request-id"))
        source = dict(self._meta_source)
        source.pop("_error_event", None)
        if self._x_groq:
            source["x_groq"] = self._x_groq
        if self._service_tier:
            source["service_tier"] = self._service_tier
        meta = _response_metadata(
            source,
            self._finish_reason,
            self._usage,
            self._headers,
            self._include_headers,
            self._rate_limit,
        )
        if self._finish_reason == "length" and not self._call_ids:
            # The text is not kept: the counts tell whether any was answered.
            warn_if_reasoning_used_budget(source.get("model"), self._usage)
        info: dict[str, Any] = {"finish_reason": self._finish_reason}
        if self._logprobs:
            # Each event carries the logprobs of its own tokens; the final
            # chunk carries them all, in `response_metadata` as for invoke.
            logprobs = {
                "content": [
                    item
                    for lp in self._logprobs
                    if isinstance(lp, Mapping) and isinstance(lp.get("content"), list)
                    for item in lp["content"]
                ]
            }
            info["logprobs"] = logprobs
            meta["logprobs"] = logprobs
        return ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                usage_metadata=(
                    usage_to_metadata(self._usage) if self._usage else None
                ),
                response_metadata=meta,
                chunk_position="last",
                id=self._id,
            ),
            generation_info=info,
        )
