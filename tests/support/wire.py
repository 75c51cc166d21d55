"""Groq wire bodies and constants: the one set every test helper builds on.

`completion`, `chunk`, `stream_events`, `wire_tool_call`, `sse` and
`error_body` produce bodies in the shape Groq sends (see
`/work/shared/GROQ_WIRE.md`), so tests read like captured traffic. Their
defaults are the plain ones; a test that checks a particular id, timing or
fingerprint passes it explicitly (or uses a preset below that does).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "CREATED",
    "MODEL",
    "TIMED_USAGE",
    "USAGE",
    "chunk",
    "completion",
    "delta_event",
    "error_body",
    "full_completion",
    "rate_limit_headers",
    "sse",
    "stream_events",
    "wire_tool_call",
]

#: The one default model id of the test helpers.
MODEL = "openai/gpt-oss-120b"
#: The `usage` of a completion when a test does not give one.
USAGE = {"prompt_tokens": 20, "completion_tokens": 5, "total_tokens": 25}
#: A usage with the timings Groq adds to it (`queue_time`, ... in seconds).
TIMED_USAGE = {
    "prompt_tokens": 12,
    "completion_tokens": 3,
    "total_tokens": 15,
    "queue_time": 0.02,
    "prompt_time": 0.001,
    "completion_time": 0.004,
    "total_time": 0.005,
}
#: `created` of every body unless a test gives one.
CREATED = 1_700_000_000


def rate_limit_headers(
    *,
    remaining_requests: int,
    remaining_tokens: int,
    reset_tokens: str,
    limit_requests: int = 14400,
    limit_tokens: int = 6000,
    reset_requests: str = "2m59.56s",
) -> dict[str, str]:
    """Groq's rate-limit headers (sent on every response) with these values.

    The remaining counts and the token reset have no default: the tests that
    parse them each say which values they expect.
    """
    return {
        "x-ratelimit-limit-requests": str(limit_requests),
        "x-ratelimit-remaining-requests": str(remaining_requests),
        "x-ratelimit-reset-requests": reset_requests,
        "x-ratelimit-limit-tokens": str(limit_tokens),
        "x-ratelimit-remaining-tokens": str(remaining_tokens),
        "x-ratelimit-reset-tokens": reset_tokens,
    }


_ids = itertools.count(1)


def wire_tool_call(
    call_id: str | None,
    name: str | None,
    arguments: str | None,
    *,
    index: int | None = None,
) -> dict[str, Any]:
    """A tool call as Groq sends it (fields that are `None` are left out)."""
    function: dict[str, Any] = {}
    if name is not None:
        function["name"] = name
    if arguments is not None:
        function["arguments"] = arguments
    out: dict[str, Any] = {"function": function}
    if index is not None:
        out["index"] = index
    if call_id is not None:
        out["id"] = call_id
        out["type"] = "function"
    return out


def completion(
    content: str | None = None,
    *,
    tool_calls: list[dict[str, Any]] | None = None,
    finish_reason: str | None = None,
    model: str = MODEL,
    usage: Mapping[str, Any] | None = None,
    response_id: str | None = None,
    created: int = CREATED,
    system_fingerprint: str | None = "fp_test",
    x_groq_id: str = "req_test",
    service_tier: str | None = None,
    message: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A non-streamed chat completion body (with a fresh id unless given).

    `message` adds fields to the message (`reasoning`, `executed_tools`, ...);
    `service_tier` is left out unless given, `system_fingerprint=None` leaves
    the field out.
    """
    body_message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls is not None:
        body_message["tool_calls"] = tool_calls
    body_message.update(message or {})
    if finish_reason is None:
        finish_reason = "tool_calls" if tool_calls else "stop"
    body: dict[str, Any] = {
        "id": response_id or f"chatcmpl-{next(_ids)}",
        "object": "chat.completion",
        "created": created,
        "model": model,
        "system_fingerprint": system_fingerprint,
        "choices": [
            {
                "index": 0,
                "message": body_message,
                "finish_reason": finish_reason,
                "logprobs": None,
            }
        ],
        "usage": dict(usage or USAGE),
        "x_groq": {"id": x_groq_id},
    }
    if system_fingerprint is None:
        del body["system_fingerprint"]
    if service_tier is not None:
        body["service_tier"] = service_tier
    return body


def chunk(
    delta: Mapping[str, Any] | None = None,
    *,
    finish_reason: str | None = None,
    usage: Mapping[str, Any] | None = None,
    model: str = MODEL,
    response_id: str = "chatcmpl-s1",
    created: int = CREATED,
    system_fingerprint: str | None = "fp_test",
    x_groq_id: str = "req_test",
) -> dict[str, Any]:
    """One `chat.completion.chunk` event (usage goes in `x_groq` as Groq does).

    `system_fingerprint=None` leaves the field out.
    """
    data: dict[str, Any] = {
        "id": response_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
    }
    if system_fingerprint is not None:
        data["system_fingerprint"] = system_fingerprint
    data["choices"] = [
        {
            "index": 0,
            "delta": dict(delta or {}),
            "finish_reason": finish_reason,
            "logprobs": None,
        }
    ]
    if usage is not None:
        data["x_groq"] = {"id": x_groq_id, "usage": dict(usage)}
    return data


def sse(
    events: Iterable[Mapping[str, Any] | str],
    *,
    done: bool = True,
    ensure_ascii: bool = True,
) -> str:
    """Render events as a server-sent-event body (a str event is a raw line).

    `ensure_ascii=False` sends non-ASCII text as it is (UTF-8 on the wire)
    rather than as `\\u` escapes (CR and LF in a string stay escaped).
    """
    parts = []
    for event in events:
        if isinstance(event, str):
            parts.append(event + "\n")
        else:
            parts.append(f"data: {json.dumps(event, ensure_ascii=ensure_ascii)}\n\n")
    if done:
        parts.append("data: [DONE]\n\n")
    return "".join(parts)


def stream_events(
    *deltas: Mapping[str, Any],
    finish_reason: str = "stop",
    usage: Mapping[str, Any] | None = None,
    response_id: str = "chatcmpl-s1",
) -> list[dict[str, Any]]:
    """A whole stream as Groq sends it: a role delta, the given deltas, then
    an empty delta with `finish_reason` and the usage in `x_groq`."""
    return [
        chunk({"role": "assistant", "content": ""}, response_id=response_id),
        *(chunk(d, response_id=response_id) for d in deltas),
        chunk(
            {},
            finish_reason=finish_reason,
            usage=usage or USAGE,
            response_id=response_id,
        ),
    ]


def error_body(
    message: str,
    *,
    type: str = "invalid_request_error",
    code: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """Groq's error body: `{"error": {"message", "type", "code", ...}}`."""
    payload: dict[str, Any] = {"message": message, "type": type}
    if code is not None:
        payload["code"] = code
    payload.update(extra)
    return {"error": payload}


# -- presets: the explicit values some tests read field by field -------------


def full_completion(
    content: str | None = "Hello",
    *,
    model: str = MODEL,
    finish_reason: str = "stop",
    tool_calls: list[dict[str, Any]] | None = None,
    usage: dict[str, Any] | None = None,
    **message_extra: Any,
) -> dict[str, Any]:
    """A completion with every field Groq fills (timings, service tier,
    `x_groq`) and fixed ids, as the request/response tests check them.

    `finish_reason` stays "stop" even with `tool_calls` unless given.
    """
    return completion(
        content,
        tool_calls=tool_calls,
        finish_reason=finish_reason,
        model=model,
        usage=usage or TIMED_USAGE,
        response_id="chatcmpl-abc",
        system_fingerprint="fp_123",
        x_groq_id="req_abc",
        service_tier="on_demand",
        message=message_extra,
    )


def delta_event(
    content: str | None = None, *, finish_reason: str | None = None, **delta: Any
) -> dict[str, Any]:
    """One stream chunk of the `full_completion` answer (id `chatcmpl-s`)."""
    if content is not None:
        delta["content"] = content
    return chunk(delta, finish_reason=finish_reason, response_id="chatcmpl-s")
