"""The scripted Groq server for unit tests, on `httpx.MockTransport`.

`ScriptedGroq` records every request it receives (method, URL, headers and the
decoded JSON body) and answers with responses queued in advance: JSON bodies,
SSE streams (lists of events), HTTP errors, or a function of the request (to
echo what the client sent). Answers can be given up front
(`ScriptedGroq(body, sse_text, response)`: a dict is answered as JSON, a str or
bytes as an event stream, each with Groq's rate-limit headers) or queued later
(`reply_json`, `reply_sse`, ...). Pass `scripted.client()` /
`scripted.async_client()` as `http_client` / `http_async_client`, or use
`scripted.model(...)`.

The bodies come from `tests.support.wire`.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from langchain_synaptic_groq import ChatGroqSynaptic

from .wire import MODEL, rate_limit_headers, sse

__all__ = [
    "CORE_MODEL",
    "Recorded",
    "ScriptedGroq",
    "sse_response",
]

Reply = httpx.Response | Callable[["Recorded"], httpx.Response]
Answer = httpx.Response | Mapping[str, Any] | str | bytes

#: `model(...)` settings when a test gives none: no retries.
MODEL_DEFAULTS: dict[str, Any] = {
    "model": MODEL,
    "api_key": "gsk_test",
    "max_retries": 0,
}
#: The settings the request/response/CLI tests were written against (two
#: retries, a key they look for): `ScriptedGroq(..., **CORE_MODEL)`.
CORE_MODEL: dict[str, Any] = {
    "api_key": "gsk_unit_secret_key",
    "max_retries": 2,
}
#: Headers of the answers given up front (test_response reads these values).
ANSWER_HEADERS = {
    "x-request-id": "req_hdr",
    **rate_limit_headers(
        remaining_requests=14399, remaining_tokens=5985, reset_tokens="150ms"
    ),
}
# `ChatGroqSynaptic` field aliases: a test passing one overrides the default.
_ALIASES = {"groq_api_key": "api_key", "model_name": "model"}


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

    def __init__(self, *answers: Answer, **model_defaults: Any) -> None:
        """Queue `answers` (with Groq's rate-limit headers); `model_defaults`
        are `model(...)` settings over `MODEL_DEFAULTS`."""
        self.requests: list[Recorded] = []
        self._replies: deque[Reply] = deque()
        self._model_defaults = {**MODEL_DEFAULTS, **model_defaults}
        for answer in answers:
            if isinstance(answer, str | bytes):
                self.reply(sse_response(answer, headers=ANSWER_HEADERS))
            elif isinstance(answer, httpx.Response):
                self.reply(answer)
            else:
                self.reply_json(answer, headers=ANSWER_HEADERS)

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
    def body(self) -> dict[str, Any]:
        """The JSON body of the last request (`last_body`)."""
        return self.last_body

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
            **self._model_defaults,
            "http_client": self.client(),
            "http_async_client": self.async_client(),
        }
        for alias, name in _ALIASES.items():
            if alias in kwargs:
                params.pop(name)
        params.update(kwargs)
        return ChatGroqSynaptic(**params)


def sse_response(
    events: Iterable[Mapping[str, Any] | str] | str | bytes,
    *,
    done: bool = True,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """A `200 text/event-stream` response carrying the events (or a body
    already rendered by `wire.sse`, sent as it is)."""
    if isinstance(events, bytes):
        content = events
    elif isinstance(events, str):
        content = events.encode()
    else:
        content = sse(events, done=done).encode()
    return httpx.Response(
        200,
        content=content,
        headers={"content-type": "text/event-stream", **(headers or {})},
    )
