"""A loopback Groq that enforces rate limits as Groq does, for pacer tests.

`LimitServer` answers `POST .../chat/completions` on 127.0.0.1 (keep-alive
HTTP/1.1, a `tests/support/loopback.LoopbackServer`), and refuses what Groq
would refuse:

* Limits per minute and per day, for requests (RPM, RPD) and tokens (TPM,
  TPD), each a bucket that refills continuously, the way Groq's numbers
  show (see `langchain_synaptic_groq._pacer`): `limit` units, refilled at
  `limit / window` a second. `minute` sets how long a minute lasts here
  (tests use 2 s so that an overload takes seconds), a day is 1440 of them.
* A request costs one request and its tokens: the prompt as this server
  counts it (4 per message plus a token per 4 bytes of text, deliberately not
  the package's estimator) plus `max_completion_tokens` (`max_tokens`), or the
  answer's length when neither is set. Refused requests cost nothing.
* Groq's answers: `x-ratelimit-limit/remaining/reset-requests` (the
  requests-per-day bucket) and `-tokens` (tokens per minute) on every
  response, computed when the request is admitted; a 429 `rate_limit_exceeded`
  whose message names the limit ("on tokens per minute (TPM): Limit 6000,
  Used 5800, Requested 900. Please try again in 2.5s. ...") with
  `retry-after`; a 413 when the request alone exceeds the tokens-per-minute
  limit ("Request too large ... Limit 6000, Requested 14810, please reduce
  your message size and try again."). Groq sends `retry-after` in whole
  seconds; here it is exact to the millisecond by default, because at a
  2-second minute the rounding would dwarf the window (at Groq's 60 s it is
  under 2 %). `whole_second_retry_after=True` rounds as Groq does.

What arrived is in `log` (one `Arrival` per request: time, status, charge,
the marker of the last user message); `floor(since)` is the time the limits
themselves need for what was answered since a moment: the shortest possible
run of the same answers.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from . import wire
from .loopback import Connection, LoopbackServer, Request, response

MODEL = "llama-3.1-8b-instant"
API_KEY = "gsk_LIMITKEY_0123456789abcdefghijklmnopqrstuv"
ORG = "org_01loopback"

# (resource, window) -> Groq's abbreviation.
_ABBREV = {
    ("requests", "minute"): "RPM",
    ("requests", "day"): "RPD",
    ("tokens", "minute"): "TPM",
    ("tokens", "day"): "TPD",
}


def go_duration(seconds: float) -> str:
    """Seconds as Go's `time.Duration.String()` writes them (as Groq sends)."""
    if seconds <= 0:
        return "0s"
    if seconds < 1:
        return f"{seconds * 1000:.3f}".rstrip("0").rstrip(".") + "ms"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{secs:.3f}".rstrip("0").rstrip(".") + "s"
    if minutes or hours:
        text = f"{int(minutes)}m{text}"
    if hours:
        text = f"{int(hours)}h{text}"
    return text


@dataclass
class _Bucket:
    limit: int
    rate: float
    level: float
    at: float

    def level_at(self, now: float) -> float:
        return min(self.limit, self.level + self.rate * (now - self.at))

    def take(self, now: float, amount: float) -> None:
        self.level = self.level_at(now) - amount
        self.at = now


@dataclass(frozen=True)
class Arrival:
    """One request as the server saw it."""

    at: float
    status: int
    marker: str
    tokens: int
    max_tokens: int | None
    service_tier: str | None
    limit: str | None = None
    """Which limit refused it (`"TPM"`, ...), for a 429 or 413."""


@dataclass
class _Charge:
    at: float
    tokens: int


def prompt_tokens(body: dict[str, Any]) -> int:
    """This server's count of a request's prompt tokens."""
    total = 3
    for message in body.get("messages") or []:
        content = message.get("content")
        text = content if isinstance(content, str) else json.dumps(content)
        total += 4 + math.ceil(len(text.encode()) / 4)
    if body.get("tools"):
        total += math.ceil(len(json.dumps(body["tools"]).encode()) / 4)
    return total


def _marker(body: dict[str, Any]) -> str:
    users = [m for m in body.get("messages") or [] if m.get("role") == "user"]
    content = users[-1].get("content") if users else ""
    return content if isinstance(content, str) else json.dumps(content)


@dataclass
class LimitServer(LoopbackServer):
    """Groq's limits on 127.0.0.1. `None` leaves a limit out."""

    thread_name = "limit-server"

    rpm: int | None = None
    rpd: int | None = 14400
    tpm: int | None = 6000
    tpd: int | None = None
    minute: float = 60.0
    answer_tokens: int = 8
    whole_second_retry_after: bool = False
    spent: dict[str, int] = field(default_factory=dict)
    """Units already used at the start, per limit (`{"TPD": 99000}`)."""
    log: list[Arrival] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._charges: list[_Charge] = []
        now = time.monotonic()
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        for key, limit in (
            (("requests", "minute"), self.rpm),
            (("requests", "day"), self.rpd),
            (("tokens", "minute"), self.tpm),
            (("tokens", "day"), self.tpd),
        ):
            if limit is not None:
                window = self.minute * (1440 if key[1] == "day" else 1)
                level = limit - self.spent.get(_ABBREV[key], 0)
                self._buckets[key] = _Bucket(limit, limit / window, level, now)

    # -- what happened ---------------------------------------------------------------

    def count(self, status: int) -> int:
        with self._lock:
            return sum(1 for a in self.log if a.status == status)

    @property
    def received(self) -> int:
        with self._lock:
            return len(self.log)

    def statuses(self, marker: str) -> list[int]:
        """The statuses the requests with this marker got, in order."""
        with self._lock:
            return [a.status for a in self.log if a.marker == marker]

    def time_to_full(self) -> float:
        """Seconds until every bucket is full again."""
        with self._lock:
            now = time.monotonic()
            return max(
                ((b.limit - b.level_at(now)) / b.rate for b in self._buckets.values()),
                default=0.0,
            )

    def levels(self) -> dict[tuple[str, str], float]:
        """Every bucket's level now."""
        with self._lock:
            now = time.monotonic()
            return {key: b.level_at(now) for key, b in self._buckets.items()}

    def floor(self, since: float, levels: dict[tuple[str, str], float]) -> float:
        """The least time after `since` the limits need for the answers
        charged since then, given the bucket `levels` at `since`."""
        with self._lock:
            charges = [c.tokens for c in self._charges if c.at >= since]
        return self.floor_for(charges, levels)

    def floor_for(
        self, charges: list[int], levels: dict[tuple[str, str], float]
    ) -> float:
        """The least time the limits need for requests of these token charges,
        from the bucket `levels` at the start.

        Each bucket lets through its level at once and then its rate: the last
        charge cannot come before `(total - level) / rate` seconds.
        """
        floor = 0.0
        for key, bucket in self._buckets.items():
            total = sum(charges) if key[0] == "tokens" else len(charges)
            floor = max(floor, (total - levels[key]) / bucket.rate)
        return floor

    # -- Groq's decisions --------------------------------------------------------------

    def _decide(
        self, body: dict[str, Any]
    ) -> tuple[int, dict[str, Any] | str, dict[str, str]]:
        """Status, body and headers for one request (under the lock).

        A 200 to a `"stream": true` request is the whole event stream.
        """
        now = time.monotonic()
        model = body.get("model", MODEL)
        prompt = prompt_tokens(body)
        max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
        answer = self.answer_tokens
        tokens = prompt + (max_tokens if max_tokens is not None else answer)
        tier = body.get("service_tier")
        marker = _marker(body)

        def arrival(status: int, limit: str | None = None) -> None:
            self.log.append(
                Arrival(now, status, marker, tokens, max_tokens, tier, limit)
            )

        tpm = self._buckets.get(("tokens", "minute"))
        if tpm is not None and tokens > tpm.limit:
            arrival(413, "TPM")
            message = (
                f"Request too large for model `{model}` in organization `{ORG}` "
                f"service tier `on_demand` on tokens per minute (TPM): Limit "
                f"{tpm.limit}, Requested {tokens}, please reduce your message "
                "size and try again. Visit https://console.groq.com/docs/rate-limits"
                " for more information."
            )
            return 413, _error(message, "tokens"), self._headers(now)
        for key, bucket in self._buckets.items():
            need = tokens if key[0] == "tokens" else 1
            level = bucket.level_at(now)
            if level >= need:
                continue
            wait = (need - level) / bucket.rate
            abbrev = _ABBREV[key]
            arrival(429, abbrev)
            message = (
                f"Rate limit reached for model `{model}` in organization `{ORG}` "
                f"service tier `on_demand` on {key[0]} per {key[1]} ({abbrev}): "
                f"Limit {bucket.limit}, Used {math.ceil(bucket.limit - level)}, "
                f"Requested {need}. Please try again in {go_duration(wait)}. "
                "Visit https://console.groq.com/docs/rate-limits for more "
                "information."
            )
            headers = self._headers(now)
            headers["retry-after"] = (
                str(math.ceil(wait))
                if self.whole_second_retry_after
                else f"{math.ceil(wait * 1000) / 1000:.3f}"
            )
            return 429, _error(message, key[0]), headers
        for key, bucket in self._buckets.items():
            bucket.take(now, tokens if key[0] == "tokens" else 1)
        self._charges.append(_Charge(now, tokens))
        arrival(200)
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": answer,
            "total_tokens": prompt + answer,
        }
        headers = self._headers(now)
        text = f"Answer to {marker}"
        if body.get("stream"):
            headers["content-type"] = "text/event-stream"
            return 200, wire.sse(_stream(text, model, usage)), headers
        return 200, _completion(text, model, usage), headers

    def _headers(self, now: float) -> dict[str, str]:
        headers = {"x-request-id": f"req_{len(self.log)}"}
        for key, name in (
            (("requests", "day"), "requests"),
            (("tokens", "minute"), "tokens"),
        ):
            bucket = self._buckets.get(key)
            if bucket is None:
                continue
            level = bucket.level_at(now)
            headers[f"x-ratelimit-limit-{name}"] = str(bucket.limit)
            headers[f"x-ratelimit-remaining-{name}"] = str(max(0, math.floor(level)))
            headers[f"x-ratelimit-reset-{name}"] = go_duration(
                (bucket.limit - level) / bucket.rate
            )
        return headers

    # -- HTTP ----------------------------------------------------------------

    async def answer(self, request: Request, connection: Connection) -> bool:
        with self._lock:
            status, payload, out = self._decide(request.json({}))
        await connection.send(response(status, payload, out, keep=request.keep_alive))
        return request.keep_alive


#: The ids and numbers of the limit server's bodies.
_BODY: dict[str, Any] = {
    "response_id": "chatcmpl-limit",
    "created": 1730000000,
    "x_groq_id": "req_limit",
}


def _error(message: str, kind: str) -> dict[str, Any]:
    return wire.error_body(message, type=kind, code="rate_limit_exceeded")


def _completion(text: str, model: str, usage: dict[str, int]) -> dict[str, Any]:
    return wire.completion(
        text,
        model=model,
        usage=usage,
        finish_reason="stop",
        system_fingerprint="fp_limit",
        **_BODY,
    )


def _stream(text: str, model: str, usage: dict[str, int]) -> list[dict[str, Any]]:
    """The answer as two events: all the text, then the finish and usage."""
    return [
        wire.chunk(
            {"role": "assistant", "content": text},
            model=model,
            system_fingerprint=None,
            **_BODY,
        ),
        wire.chunk(
            {},
            finish_reason="stop",
            usage=usage,
            model=model,
            system_fingerprint=None,
            **_BODY,
        ),
    ]


def iter_markers(count: int, prefix: str = "question") -> Iterator[str]:
    """`count` user messages of one length (the same prompt cost each)."""
    for n in range(count):
        yield f"{prefix} {n:04d}: what is the capital of France?"
