"""Groq-shaped answers for the core tests, on the shared `_scripted` server.

`_scripted.ScriptedGroq` records requests and replays queued answers; this
module adds what the core tests check field by field: full Groq completions
(timings, service tier, `x_groq`) and the rate-limit headers on every answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx

from langchain_synaptic_groq import ChatGroqSynaptic
from tests.support import scripted as _scripted

MODEL = "openai/gpt-oss-20b"

RATE_HEADERS = {
    "x-request-id": "req_hdr",
    "x-ratelimit-limit-requests": "14400",
    "x-ratelimit-remaining-requests": "14399",
    "x-ratelimit-limit-tokens": "6000",
    "x-ratelimit-remaining-tokens": "5985",
    "x-ratelimit-reset-requests": "2m59.56s",
    "x-ratelimit-reset-tokens": "150ms",
}


def completion(
    content: str | None = "Hello",
    *,
    model: str = MODEL,
    finish_reason: str = "stop",
    tool_calls: list[dict[str, Any]] | None = None,
    usage: dict[str, Any] | None = None,
    **message_extra: Any,
) -> dict[str, Any]:
    body = _scripted.completion(
        content,
        tool_calls=tool_calls,
        finish_reason=finish_reason,
        model=model,
        response_id="chatcmpl-abc",
        usage=usage
        or {
            "prompt_tokens": 12,
            "completion_tokens": 3,
            "total_tokens": 15,
            "queue_time": 0.02,
            "prompt_time": 0.001,
            "completion_time": 0.004,
            "total_time": 0.005,
        },
    )
    body["choices"][0]["message"].update(message_extra)
    body["service_tier"] = "on_demand"
    body["system_fingerprint"] = "fp_123"
    body["x_groq"] = {"id": "req_abc"}
    return body


def delta_event(
    content: str | None = None, *, finish_reason: str | None = None, **delta: Any
) -> dict[str, Any]:
    if content is not None:
        delta["content"] = content
    return _scripted.chunk(
        delta, finish_reason=finish_reason, model=MODEL, response_id="chatcmpl-s"
    )


def sse(events: Iterable[dict[str, Any] | str], *, done: bool = True) -> bytes:
    return _scripted.sse(events, done=done).encode()


class ScriptedGroq(_scripted.ScriptedGroq):
    """The shared scripted server, given its answers up front.

    A dict is answered as JSON and bytes as an event stream, each with Groq's
    rate-limit headers; an `httpx.Response` is answered as it is.
    """

    def __init__(self, *answers: httpx.Response | dict[str, Any] | bytes) -> None:
        super().__init__()
        for answer in answers:
            if isinstance(answer, bytes):
                self.reply(
                    httpx.Response(
                        200,
                        content=answer,
                        headers={"content-type": "text/event-stream", **RATE_HEADERS},
                    )
                )
            elif isinstance(answer, dict):
                self.reply_json(answer, headers=RATE_HEADERS)
            else:
                self.reply(answer)

    @property
    def body(self) -> dict[str, Any]:
        return self.last_body

    def model(self, **kwargs: Any) -> ChatGroqSynaptic:
        params: dict[str, Any] = {"max_retries": 2}
        if "groq_api_key" not in kwargs:
            params["api_key"] = "gsk_unit_secret_key"
        if "model_name" not in kwargs:
            params["model"] = MODEL
        params.update(kwargs)
        for alias, name in (("groq_api_key", "api_key"), ("model_name", "model")):
            if alias in params:
                params.setdefault(name, params.pop(alias))
        return super().model(**params)
