"""Helpers for the Groq-feature tests: one call made the four ways users make
it (invoke, ainvoke, stream, astream) against `ScriptedGroq`, and Groq-shaped
answers carrying the fields those tests need (reasoning, executed tools,
service tier, logprobs)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.runnables import Runnable

from .scripted import ScriptedGroq
from .wire import MODEL, chunk, completion, stream_events

MODES = ("invoke", "ainvoke", "stream", "astream")
STREAMING = frozenset({"stream", "astream"})

# Groq's answer to "What is 6 x 7?" from a reasoning model, in both shapes.
REASONING_USAGE = {
    "prompt_tokens": 18,
    "completion_tokens": 12,
    "total_tokens": 30,
    "completion_tokens_details": {"reasoning_tokens": 9},
}


def answer_body(
    content: str | None = "42",
    *,
    message: Mapping[str, Any] | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    usage: Mapping[str, Any] | None = None,
    logprobs: Any = None,
    model: str = MODEL,
    **top: Any,
) -> dict[str, Any]:
    """A non-streamed completion with extra message fields and top-level keys."""
    body = completion(
        content, tool_calls=tool_calls, usage=usage, model=model, message=message
    )
    body["choices"][0]["logprobs"] = logprobs
    body.update(top)
    return body


def answer_events(
    *deltas: Mapping[str, Any],
    usage: Mapping[str, Any] | None = None,
    model: str = MODEL,
    finish_reason: str = "stop",
    **top: Any,
) -> list[dict[str, Any]]:
    """A whole stream: role delta, the deltas, a final finish/usage event.

    Keys in `top` go on every event (as Groq repeats `model` and the like).
    """
    events = stream_events(*deltas, usage=usage, finish_reason=finish_reason)
    for event in events:
        event["model"] = model
        event.update(copy.deepcopy(top))
    return events


def queue(
    groq: ScriptedGroq,
    mode: str,
    body: Mapping[str, Any],
    events: list[dict[str, Any]],
) -> None:
    """Queue the answer in the shape the call mode fetches."""
    if mode in STREAMING:
        groq.reply_sse(events)
    else:
        groq.reply_json(body)


async def call(
    model: Runnable[Any, Any], mode: str, prompt: Any, **kwargs: Any
) -> AIMessage:
    """Make the call one of four ways; a stream is merged into one message."""
    if mode == "invoke":
        return model.invoke(prompt, **kwargs)  # type: ignore[no-any-return]
    if mode == "ainvoke":
        return await model.ainvoke(prompt, **kwargs)  # type: ignore[no-any-return]
    return merge(await chunks_of(model, mode, prompt, **kwargs))


async def chunks_of(
    model: Runnable[Any, Any], mode: str, prompt: Any, **kwargs: Any
) -> list[AIMessageChunk]:
    """The chunks of a streamed call (`mode` is "stream" or "astream")."""
    if mode == "stream":
        return list(model.stream(prompt, **kwargs))
    return [c async for c in model.astream(prompt, **kwargs)]


def merge(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    """Add the chunks up, as LangChain does."""
    assert chunks, "the stream yielded nothing"
    total = chunks[0]
    for item in chunks[1:]:
        total = total + item
    return total


def without_index(blocks: Any) -> list[dict[str, Any]]:
    """v1 content blocks with the stream bookkeeping key `index` removed."""
    assert isinstance(blocks, list)
    return [{k: v for k, v in b.items() if k != "index"} for b in blocks]


__all__ = [
    "MODES",
    "REASONING_USAGE",
    "STREAMING",
    "answer_body",
    "answer_events",
    "call",
    "chunk",
    "chunks_of",
    "merge",
    "queue",
    "without_index",
]
