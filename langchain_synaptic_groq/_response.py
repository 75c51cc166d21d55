"""Groq responses and stream events -> LangChain messages, usage and metadata."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages.ai import (
    InputTokenDetails,
    OutputTokenDetails,
    UsageMetadata,
)
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.output_parsers.openai_tools import (
    make_invalid_tool_call,
    parse_tool_call,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from langchain_synaptic_groq.errors import (
    GroqAPIError,
    GroqStreamError,
    error_from_stream_payload,
)
from langchain_synaptic_groq.ratelimit import RateLimitState

__all__ = ["StreamParser", "parse_completion", "usage_to_metadata"]

PROVIDER = "groq"
_TIMINGS = ("queue_time", "prompt_time", "completion_time", "total_time")


def usage_to_metadata(usage: Mapping[str, Any]) -> UsageMetadata:
    """Convert Groq's `usage` object to LangChain's `UsageMetadata`.

    Args:
        usage: Groq's usage (`usage` or `x_groq.usage`).

    Returns:
        Token counts with cache-read and reasoning details where present.
    """
    input_tokens = int(usage.get("prompt_tokens") or 0)
    output_tokens = int(usage.get("completion_tokens") or 0)
    total = usage.get("total_tokens")
    meta = UsageMetadata(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=int(total) if total is not None else input_tokens + output_tokens,
    )
    prompt_details = usage.get("prompt_tokens_details") or {}
    cached = prompt_details.get("cached_tokens")
    if cached is not None:
        meta["input_token_details"] = InputTokenDetails(cache_read=int(cached))
    completion_details = usage.get("completion_tokens_details") or {}
    reasoning = completion_details.get("reasoning_tokens")
    if reasoning is not None:
        meta["output_token_details"] = OutputTokenDetails(reasoning=int(reasoning))
    return meta


def _response_metadata(
    data: Mapping[str, Any],
    finish_reason: Any,
    usage: Mapping[str, Any] | None,
    headers: Mapping[str, str],
    include_headers: bool,
) -> dict[str, Any]:
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
    if data.get("usage_breakdown") is not None:
        meta["usage_breakdown"] = data["usage_breakdown"]
    request_id = headers.get("x-request-id")
    if request_id:
        meta["request_id"] = request_id
    state = RateLimitState.from_headers(headers)
    if state is not None:
        meta["rate_limit"] = state.to_dict()
    if include_headers:
        meta["headers"] = dict(headers)
    return meta


def _parse_tool_calls(
    raw_calls: list[dict[str, Any]],
) -> tuple[list[Any], list[Any]]:
    tool_calls = []
    invalid = []
    for raw in raw_calls:
        function = raw.get("function") or {}
        arguments = function.get("arguments")
        # Groq sends "null" (or nothing) for a call without arguments.
        if arguments in (None, "", "null"):
            raw = {**raw, "function": {**function, "arguments": "{}"}}
        try:
            parsed = parse_tool_call(raw, return_id=True)
        except Exception as exc:
            invalid.append(make_invalid_tool_call(raw, str(exc)))
            continue
        if parsed is None:
            continue
        if not isinstance(parsed.get("args"), dict):
            invalid.append(
                make_invalid_tool_call(raw, "tool arguments are not a JSON object")
            )
            continue
        tool_calls.append(parsed)
    return tool_calls, invalid


def parse_completion(
    data: Mapping[str, Any],
    headers: Mapping[str, str],
    *,
    include_headers: bool = False,
) -> ChatResult:
    """Convert a non-streamed chat completion to a `ChatResult`.

    Args:
        data: The decoded response body.
        headers: The response headers.
        include_headers: Whether to copy the headers into `response_metadata`.

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
    usage_meta = usage_to_metadata(usage) if isinstance(usage, Mapping) else None
    generations = []
    for choice in choices:
        message = choice.get("message") or {}
        additional: dict[str, Any] = {}
        reasoning = message.get("reasoning")
        if reasoning:
            additional["reasoning_content"] = reasoning
        for key in ("executed_tools", "annotations", "refusal"):
            if message.get(key):
                additional[key] = message[key]
        raw_calls = message.get("tool_calls") or []
        tool_calls, invalid = _parse_tool_calls(raw_calls)
        if raw_calls:
            additional["tool_calls"] = raw_calls
        finish_reason = choice.get("finish_reason")
        response_metadata = _response_metadata(
            data, finish_reason, usage, headers, include_headers
        )
        info: dict[str, Any] = {"finish_reason": finish_reason}
        if choice.get("logprobs") is not None:
            info["logprobs"] = choice["logprobs"]
            response_metadata["logprobs"] = choice["logprobs"]
        ai = AIMessage(
            content=message.get("content") or "",
            id=data.get("id"),
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


def _executed_blocks(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """v1 blocks for one stream event's built-in tool runs.

    Core's groq translator makes `server_tool_call` / `server_tool_result`
    blocks from `executed_tools`, but numbers them by position within one
    message: in a stream every event starts again at `"0"`, and core's
    stream indexing would merge two tools' consecutive call blocks into one.
    So each run is translated alone and its blocks are keyed by Groq's
    `index`, as an invoke of the whole answer would number them.
    """
    blocks: list[dict[str, Any]] = []
    for part in parts:
        key = str(part.get("index", 0))
        alone = AIMessage(
            content="",
            additional_kwargs={"executed_tools": [part]},
            response_metadata={"model_provider": PROVIDER},
        )
        for block in alone.content_blocks:
            out = dict(block)
            if out.get("type") == "server_tool_call":
                out["id"] = key
                out["index"] = f"lc_stc_{key}"
            elif out.get("type") == "server_tool_result":
                out["tool_call_id"] = key
                out["index"] = f"lc_str_{key}"
            else:
                continue
            blocks.append(out)
    return blocks


class StreamParser:
    """Turns decoded stream events into `ChatGenerationChunk`s.

    Content deltas become chunks at once. Usage, `finish_reason`, the model
    name and the rest of the metadata are collected and put on one final
    chunk (`finish()`), because core concatenates metadata strings when
    chunks are added.
    """

    __slots__ = (
        "_call_ids",
        "_call_index",
        "_done",
        "_executed",
        "_finish_reason",
        "_headers",
        "_id",
        "_include_headers",
        "_logprobs",
        "_meta_source",
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
    ) -> None:
        self._headers = headers
        self._include_headers = include_headers
        self._v1 = v1
        self._usage: dict[str, Any] | None = None
        self._finish_reason: Any = None
        self._meta_source: dict[str, Any] = {}
        self._x_groq: dict[str, Any] = {}
        self._logprobs: list[Any] = []
        self._done = False
        self._id: str | None = None
        # Tool-call indexes: Groq's index -> the index handed to core, and the
        # id seen at each handed-out index (see `_call_index_for`).
        self._call_index: dict[int, int] = {}
        self._call_ids: dict[int, str | None] = {}
        # Built-in tool runs seen so far, by index (see
        # `_new_executed_tool_parts`).
        self._executed: dict[int, dict[str, Any]] = {}

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
            return None
        payload = line[5:].strip()
        if payload == "[DONE]":
            self._done = True
            return None
        try:
            data = json.loads(payload)
        except ValueError:
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
            self._id = data.get("id")
        if isinstance(x_groq, dict):
            self._x_groq.update(x_groq)
            usage = x_groq.get("usage")
            if usage and self._usage is None:
                self._usage = usage
        usage = data.get("usage")
        if usage and self._usage is None:
            self._usage = usage
        choices = data.get("choices")
        if not choices:
            return None
        choice = choices[0]
        delta = choice.get("delta") or {}
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
            executed = self._new_executed_tool_parts(delta["executed_tools"])
        if not content and not reasoning and not raw_calls and not executed:
            return None
        if not reasoning and not raw_calls and not executed:
            # Hot path: a plain text delta (most of every stream). Built with
            # model_construct to skip validators that have nothing to do here.
            return ChatGenerationChunk(
                message=AIMessageChunk.model_construct(
                    content=content,
                    additional_kwargs={},
                    response_metadata={"model_provider": PROVIDER},
                    tool_call_chunks=[],
                    tool_calls=[],
                    invalid_tool_calls=[],
                    type="AIMessageChunk",
                    id=self._id,
                    name=None,
                    usage_metadata=None,
                    chunk_position=None,
                )
            )
        additional: dict[str, Any] = {}
        if reasoning:
            additional["reasoning_content"] = reasoning
        if executed:
            additional["executed_tools"] = executed
        chunks = []
        for position, raw in enumerate(raw_calls or ()):
            function = raw.get("function") or {}
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
                blocks.extend(_executed_blocks(executed))
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
        starts (type, arguments) and when it is done (the same fields again
        plus its output and results). Core merges `executed_tools` entries by
        `index` and concatenates their strings, which would double the type
        and the arguments; so each entry is cut down to the fields not yet
        handed over (plus `index`). A string that extends what was sent is
        cut to its new tail; one that is neither equal nor an extension is
        taken as a fragment and passed on as is.
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
            part: dict[str, Any] = {}
            for name, value in tool.items():
                if name == "index":
                    continue
                old = seen.get(name)
                if old is None:
                    if value is not None:
                        part[name] = value
                        seen[name] = value
                elif value == old or value is None:
                    continue
                elif isinstance(value, str) and isinstance(old, str):
                    tail = value[len(old) :] if value.startswith(old) else value
                    part[name] = tail
                    seen[name] = old + tail
                else:
                    # A changed non-string value cannot be merged by core
                    # without mixing the two; keep what was handed over.
                    continue
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
        meta = _response_metadata(
            source,
            self._finish_reason,
            self._usage,
            self._headers,
            self._include_headers,
        )
        info: dict[str, Any] = {"finish_reason": self._finish_reason}
        if self._logprobs:
            # Each event carries the logprobs of its own tokens; the final
            # chunk carries them all, in `response_metadata` as for invoke.
            logprobs = {
                "content": [
                    item for lp in self._logprobs for item in (lp.get("content") or [])
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
