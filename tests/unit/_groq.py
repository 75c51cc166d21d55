"""A scripted Groq for unit tests: records requests, replays canned answers."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import httpx

from langchain_synaptic_groq import ChatGroqSynaptic

MODEL = "llama-3.1-8b-instant"


def completion(
    content: str | None = "Hello",
    *,
    model: str = MODEL,
    finish_reason: str = "stop",
    tool_calls: list[dict[str, Any]] | None = None,
    usage: dict[str, Any] | None = None,
    **message_extra: Any,
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls is not None:
        message["tool_calls"] = tool_calls
    message.update(message_extra)
    return {
        "id": "chatcmpl-abc",
        "object": "chat.completion",
        "created": 1730000000,
        "model": model,
        "system_fingerprint": "fp_123",
        "service_tier": "on_demand",
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": finish_reason,
                "logprobs": None,
            }
        ],
        "usage": usage
        or {
            "prompt_tokens": 12,
            "completion_tokens": 3,
            "total_tokens": 15,
            "queue_time": 0.02,
            "prompt_time": 0.001,
            "completion_time": 0.004,
            "total_time": 0.005,
        },
        "x_groq": {"id": "req_abc"},
    }


def delta_event(
    content: str | None = None, *, finish_reason: str | None = None, **delta: Any
) -> dict[str, Any]:
    if content is not None:
        delta["content"] = content
    return {
        "id": "chatcmpl-s",
        "object": "chat.completion.chunk",
        "created": 1730000000,
        "model": MODEL,
        "system_fingerprint": "fp_123",
        "choices": [
            {
                "index": 0,
                "delta": delta,
                "finish_reason": finish_reason,
                "logprobs": None,
            }
        ],
    }


def sse(events: Iterable[dict[str, Any] | str], *, done: bool = True) -> bytes:
    out = []
    for event in events:
        text = event if isinstance(event, str) else json.dumps(event)
        out.append(f"data: {text}\n\n")
    if done:
        out.append("data: [DONE]\n\n")
    return "".join(out).encode()


RATE_HEADERS = {
    "x-request-id": "req_hdr",
    "x-ratelimit-limit-requests": "14400",
    "x-ratelimit-remaining-requests": "14399",
    "x-ratelimit-limit-tokens": "6000",
    "x-ratelimit-remaining-tokens": "5985",
    "x-ratelimit-reset-requests": "2m59.56s",
    "x-ratelimit-reset-tokens": "150ms",
}


class ScriptedGroq:
    """Answers queued responses in order and records each request body."""

    def __init__(self, *answers: httpx.Response | dict[str, Any] | bytes) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests if r.content]

    @property
    def body(self) -> dict[str, Any]:
        return self.bodies[-1]

    def _next(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self.answers:
            msg = "ScriptedGroq ran out of answers"
            raise AssertionError(msg)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, httpx.Response):
            return answer
        if isinstance(answer, bytes):
            return httpx.Response(
                200,
                content=answer,
                headers={"content-type": "text/event-stream", **RATE_HEADERS},
            )
        return httpx.Response(200, json=answer, headers=RATE_HEADERS)

    def handler(self, request: httpx.Request) -> httpx.Response:
        return self._next(request)

    async def ahandler(self, request: httpx.Request) -> httpx.Response:
        return self._next(request)

    def model(self, **kwargs: Any) -> ChatGroqSynaptic:
        params: dict[str, Any] = {}
        if "groq_api_key" not in kwargs:
            params["api_key"] = "gsk_unit_secret_key"
        if "model_name" not in kwargs:
            params["model"] = MODEL
        params.update(kwargs)
        return ChatGroqSynaptic(
            http_client=httpx.Client(transport=httpx.MockTransport(self.handler)),
            http_async_client=httpx.AsyncClient(
                transport=httpx.MockTransport(self.ahandler)
            ),
            **params,
        )
