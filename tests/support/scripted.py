"""A scripted Groq server for unit tests, on `httpx.MockTransport`.

`ScriptedGroq` records every request it receives (method, URL, headers and the
decoded JSON body) and answers with responses queued in advance: JSON bodies,
SSE streams (lists of events), HTTP errors, or a function of the request (to
echo what the client sent). Pass `scripted.client()` / `scripted.async_client()`
as `http_client` / `http_async_client`, or use `scripted.model(...)`.

The builders (`completion`, `chunk`, `wire_tool_call`, `sse`) produce bodies in
the shape Groq sends, so tests read like captured traffic.
"""

from __future__ import annotations

import itertools
import json
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from langchain_synaptic_groq import ChatGroqSynaptic

__all__ = [
    "Recorded",
    "ScriptedGroq",
    "chunk",
    "completion",
    "sse",
    "sse_response",
    "stream_events",
    "wire_tool_call",
]

MODEL = "openai/gpt-oss-120b"
USAGE = {"prompt_tokens": 20, "completion_tokens": 5, "total_tokens": 25}

Reply = httpx.Response | Callable[["Recorded"], httpx.Response]

_ids = itertools.count(1)


@dataclass(frozen=True)
class Recorded:
    """One request the scripted server received."""

    method: str
    url: str
    headers: httpx.Headers
    body: dict[str, Any] | None

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The request's `messages` array."""
        assert self.body is not None
        return list(self.body["messages"])


class ScriptedGroq:
    """Replays queued responses and records the requests that fetched them."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._replies: deque[Reply] = deque()

    # -- scripting -----------------------------------------------------------

    def reply(self, response: Reply) -> ScriptedGroq:
        """Queue a ready response, or a function building one from the request."""
        self._replies.append(response)
        return self

    def reply_json(
        self,
        body: Mapping[str, Any],
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> ScriptedGroq:
        """Queue a JSON answer (a completion or an error body)."""
        return self.reply(
            httpx.Response(status, json=dict(body), headers=dict(headers or {}))
        )

    def reply_sse(
        self,
        events: Iterable[Mapping[str, Any] | str],
        *,
        done: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> ScriptedGroq:
        """Queue an event stream: each event a JSON object or a raw SSE line."""
        return self.reply(sse_response(events, done=done, headers=headers))

    def reply_error(
        self,
        status: int,
        error: Mapping[str, Any],
        *,
        headers: Mapping[str, str] | None = None,
    ) -> ScriptedGroq:
        """Queue an HTTP error with Groq's `{"error": {...}}` body."""
        return self.reply_json({"error": dict(error)}, status=status, headers=headers)

    @property
    def pending(self) -> int:
        """How many queued responses were not fetched."""
        return len(self._replies)

    # -- what was sent ---------------------------------------------------------

    @property
    def bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies of the requests, in order."""
        return [r.body for r in self.requests if r.body is not None]

    @property
    def last_body(self) -> dict[str, Any]:
        """The JSON body of the last request."""
        assert self.requests, "no request was sent"
        body = self.requests[-1].body
        assert body is not None
        return body

    # -- clients ---------------------------------------------------------------

    def handler(self, request: httpx.Request) -> httpx.Response:
        """The `httpx.MockTransport` handler (works for sync and async)."""
        content = request.read()
        body = json.loads(content) if content else None
        recorded = Recorded(request.method, str(request.url), request.headers, body)
        self.requests.append(recorded)
        if not self._replies:
            msg = f"unscripted request #{len(self.requests)}: {body!r:.300}"
            raise AssertionError(msg)
        reply = self._replies.popleft()
        return reply if isinstance(reply, httpx.Response) else reply(recorded)

    def client(self) -> httpx.Client:
        """A sync client whose requests this server answers."""
        return httpx.Client(transport=httpx.MockTransport(self.handler))

    def async_client(self) -> httpx.AsyncClient:
        """An async client whose requests this server answers."""
        return httpx.AsyncClient(transport=httpx.MockTransport(self.handler))

    def model(self, **kwargs: Any) -> ChatGroqSynaptic:
        """A `ChatGroqSynaptic` wired to this server (no retries by default)."""
        params: dict[str, Any] = {
            "model": MODEL,
            "api_key": "gsk_test",
            "max_retries": 0,
            "http_client": self.client(),
            "http_async_client": self.async_client(),
        }
        params.update(kwargs)
        return ChatGroqSynaptic(**params)


# -- builders ------------------------------------------------------------------


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
) -> dict[str, Any]:
    """A non-streamed chat completion body (with a fresh id unless given)."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls is not None:
        message["tool_calls"] = tool_calls
    if finish_reason is None:
        finish_reason = "tool_calls" if tool_calls else "stop"
    return {
        "id": response_id or f"chatcmpl-{next(_ids)}",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "system_fingerprint": "fp_test",
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": finish_reason,
                "logprobs": None,
            }
        ],
        "usage": dict(usage or USAGE),
        "x_groq": {"id": "req_test"},
    }


def chunk(
    delta: Mapping[str, Any] | None = None,
    *,
    finish_reason: str | None = None,
    usage: Mapping[str, Any] | None = None,
    model: str = MODEL,
    response_id: str = "chatcmpl-s1",
) -> dict[str, Any]:
    """One `chat.completion.chunk` event (usage goes in `x_groq` as Groq does)."""
    data: dict[str, Any] = {
        "id": response_id,
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": model,
        "system_fingerprint": "fp_test",
        "choices": [
            {
                "index": 0,
                "delta": dict(delta or {}),
                "finish_reason": finish_reason,
                "logprobs": None,
            }
        ],
    }
    if usage is not None:
        data["x_groq"] = {"id": "req_test", "usage": dict(usage)}
    return data


def sse_response(
    events: Iterable[Mapping[str, Any] | str],
    *,
    done: bool = True,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """A `200 text/event-stream` response carrying the events."""
    return httpx.Response(
        200,
        content=sse(events, done=done).encode(),
        headers={"content-type": "text/event-stream", **(headers or {})},
    )


def sse(events: Iterable[Mapping[str, Any] | str], *, done: bool = True) -> str:
    """Render events as a server-sent-event body."""
    parts = []
    for event in events:
        if isinstance(event, str):
            parts.append(event + "\n")
        else:
            parts.append(f"data: {json.dumps(event)}\n\n")
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
