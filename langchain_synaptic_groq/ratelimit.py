"""Groq's rate-limit headers and waits, parsed into plain numbers."""

from __future__ import annotations

import enum
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Final, Literal

__all__ = [
    "LimitHit",
    "RateLimitState",
    "limit_kind",
    "parse_duration",
    "parse_limit_message",
    "parse_retry_after",
]

# Go's time.Duration.String() form, as Groq sends it: "2m59.56s", "7.66s",
# "120ms", "1h2m3s". No stdlib parser exists for it.
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)")
_UNIT_SECONDS = {
    "h": 3600.0,
    "m": 60.0,
    "s": 1.0,
    "ms": 1e-3,
    "us": 1e-6,
    "µs": 1e-6,
    "ns": 1e-9,
}
_SIMPLE_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s)?")
_TRY_AGAIN = re.compile(r"try again in\s+([0-9hmsµun.]+)", re.IGNORECASE)
_HEADERS = (
    "x-ratelimit-limit-requests",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-reset-requests",
    "x-ratelimit-limit-tokens",
    "x-ratelimit-remaining-tokens",
    "x-ratelimit-reset-tokens",
)
_LIMIT_KIND = re.compile(
    r"on (requests|tokens) per (minute|day)|\((RPM|TPM|RPD|TPD)\)", re.IGNORECASE
)
# The numbers after the limit's name, as Groq writes them (checked 2026-12-01
# against messages quoted in public issues: Aider-AI/aider#3265, crewAI#494,
# ai_automation_suggester#61):
#   "... on tokens per minute (TPM): Limit 15000, Used 11972, Requested 4351.
#    Please try again in 5.289s."    (429; older messages say "Requested ~4251")
#   "Request too large ... on tokens per minute (TPM): Limit 6000, Requested
#    14810, please reduce your message size and try again."    (413)
_LIMIT_NUMBERS = re.compile(
    r"(?:per (?:minute|day)|\((?:RPM|TPM|RPD|TPD)\))\s*:?\s*"
    r"Limit\s+~?(\d+)(?:,\s*Used\s+~?(\d+))?(?:,\s*Requested\s+~?(\d+))?",
    re.IGNORECASE,
)


def parse_duration(text: str | None) -> float | None:
    """Parse a Go-style duration (`2m59.56s`, `7.66s`, `120ms`) into seconds.

    A bare number is taken as seconds.

    Args:
        text: The header value.

    Returns:
        Seconds, or `None` when the value is missing or not a duration.
    """
    if not text:
        return None
    text = text.strip()
    simple = _SIMPLE_DURATION.fullmatch(text)  # "7.66s", "716ms", "2": most
    if simple:
        value = float(simple.group(1))
        return value / 1000 if simple.group(2) == "ms" else value
    try:
        return float(text)
    except ValueError:
        pass
    pos = 0
    total = 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            return None
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    return total if pos == len(text) and pos > 0 else None


def parse_retry_after(
    headers: Mapping[str, str],
    message: str | None = None,
    *,
    now: float | None = None,
) -> float | None:
    """The wait the server asked for, in seconds.

    Looks at `retry-after-ms`, then `retry-after` (seconds or an HTTP date),
    then a "Please try again in 7m12.5s" phrase in the error message.

    Args:
        headers: Response headers (case-insensitive mapping).
        message: The error message, if any.
        now: The current Unix time, to turn an HTTP-date `retry-after` into
            seconds (default: `time.time()`).

    Returns:
        Seconds to wait, or `None` when nothing says.
    """
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value:
        seconds = parse_duration(value)
        if seconds is not None:
            return max(0.0, seconds)
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            current = time.time() if now is None else now
            return max(0.0, when.timestamp() - current)
    if message:
        match = _TRY_AGAIN.search(message)
        if match:
            seconds = parse_duration(match.group(1).rstrip("."))
            if seconds is not None:
                return max(0.0, seconds)
    return None


def _rate_limit_headers(headers: Mapping[str, str]) -> tuple[Mapping[str, str], bool]:
    """The rate-limit headers alone, and whether each came once, in ASCII.

    From httpx, a plain dict read in one pass: each `httpx.Headers.get` scans
    every header, and this runs on every answer. The pass keeps the last of
    repeated headers and reads bytes as Latin-1, where `httpx.Headers.items()`
    joins repeats and may decode UTF-8; the two agree when each came once, in
    ASCII.
    """
    raw = getattr(headers, "raw", None)  # httpx.Headers: (name, value) bytes
    if not isinstance(raw, list):
        return headers, True
    found: dict[str, str] = {}
    plain = True
    for name, value in raw:
        lower = name.lower()
        if lower.startswith((b"x-ratelimit-", b"retry-after")):
            key = lower.decode("latin-1")
            plain = plain and key not in found and value.isascii()
            found[key] = value.decode("latin-1")
    return found, plain


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class RateLimitState:
    """Groq's `x-ratelimit-*` headers as numbers.

    Requests are counted per day and tokens per minute. Reset values are
    seconds until the window refills.

    Attributes:
        limit_requests: Requests allowed per day.
        remaining_requests: Requests left today.
        reset_requests: Seconds until the request budget refills.
        limit_tokens: Tokens allowed per minute.
        remaining_tokens: Tokens left this minute.
        reset_tokens: Seconds until the token budget refills.
        retry_after: The wait a 429 asked for, in seconds.
    """

    limit_requests: int | None = None
    remaining_requests: int | None = None
    reset_requests: float | None = None
    limit_tokens: int | None = None
    remaining_tokens: int | None = None
    reset_tokens: float | None = None
    retry_after: float | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimitState | None:
        """Read the state from response headers.

        Args:
            headers: Response headers (case-insensitive mapping).

        Returns:
            The state, or `None` when no rate-limit header is present.
        """
        return cls._read(_rate_limit_headers(headers)[0])

    @classmethod
    def _read(cls, headers: Mapping[str, str]) -> RateLimitState | None:
        get = headers.get
        if all(get(name) is None for name in _HEADERS):
            retry_after = parse_retry_after(headers)
            return None if retry_after is None else cls(retry_after=retry_after)
        return cls(
            limit_requests=_int(get("x-ratelimit-limit-requests")),
            remaining_requests=_int(get("x-ratelimit-remaining-requests")),
            reset_requests=parse_duration(get("x-ratelimit-reset-requests")),
            limit_tokens=_int(get("x-ratelimit-limit-tokens")),
            remaining_tokens=_int(get("x-ratelimit-remaining-tokens")),
            reset_tokens=parse_duration(get("x-ratelimit-reset-tokens")),
            retry_after=parse_retry_after(headers),
        )

    def to_dict(self) -> dict[str, Any]:
        """The fields that are set, as a plain dict for `response_metadata`."""
        # Not dataclasses.asdict: it deep-copies, and this runs per response.
        return {
            name: value
            for name in self.__slots__
            if (value := getattr(self, name)) is not None
        }


class _Unread(enum.Enum):
    UNREAD = "unread"


#: Where a read state is handed on: not read, the headers are to be read.
UNREAD: Final = _Unread.UNREAD
#: A state read from an answer's headers (`None`: none), or `UNREAD`.
ReadState = RateLimitState | None | Literal[_Unread.UNREAD]


def read_rate_limit(headers: Mapping[str, str]) -> tuple[RateLimitState | None, bool]:
    """`RateLimitState.from_headers`, and whether it stands for the metadata's.

    The pacer reads an answer's headers first; the response metadata reads a
    plain copy, `dict(headers.items())`. The two states are the same unless a
    rate-limit header repeats or is not ASCII (see `_rate_limit_headers`):
    then the metadata reads its copy itself, as before.

    Args:
        headers: Response headers (case-insensitive mapping).

    Returns:
        The state (`None` when no rate-limit header is present), and whether
        it is also the state of `dict(headers.items())`.
    """
    found, plain = _rate_limit_headers(headers)
    return RateLimitState._read(found), plain


def limit_kind(
    message: str | None, state: RateLimitState | None = None
) -> tuple[str | None, str | None]:
    """Which limit a 429 names: (`requests`/`tokens`, `minute`/`day`).

    The message says it ("... on tokens per minute (TPM) ..."). When it does
    not, the headers may: Groq counts requests per day and tokens per minute,
    so an exhausted budget names the limit.

    Args:
        message: Groq's error message.
        state: The rate-limit headers of the same response.

    Returns:
        The resource and the window, each `None` when nothing says.
    """
    match = _LIMIT_KIND.search(message) if message else None
    if match:
        if match.group(1):
            return match.group(1).lower(), match.group(2).lower()
        abbrev = match.group(3).upper()
        return (
            "requests" if abbrev[0] == "R" else "tokens",
            "minute" if abbrev[-1] == "M" else "day",
        )
    if state is not None:
        if state.remaining_requests == 0:
            return "requests", "day"
        if state.remaining_tokens == 0:
            return "tokens", "minute"
    return None, None


@dataclass(frozen=True, slots=True)
class LimitHit:
    """What a 429 or 413 message says about the limit it hit.

    Attributes:
        resource: `"requests"` or `"tokens"`.
        window: `"minute"` or `"day"`.
        limit: The limit, in requests or tokens per window.
        used: What was used when the request arrived (may exceed `limit`).
        requested: What the refused request needed (tokens: the prompt plus
            `max_completion_tokens`; requests: 1).
        retry_after: The "Please try again in ..." wait, in seconds.
    """

    resource: str
    window: str
    limit: int | None = None
    used: int | None = None
    requested: int | None = None
    retry_after: float | None = None


def parse_limit_message(message: str | None) -> LimitHit | None:
    """Read which limit a Groq rate-limit message names, with its numbers.

    Args:
        message: The `error.message` of a 429 or 413.

    Returns:
        The limit, or `None` when the message names none (the numbers are
        `None` when the message does not give them).
    """
    resource, window = limit_kind(message)
    if message is None or resource is None or window is None:
        return None
    match = _LIMIT_NUMBERS.search(message)
    limit = used = requested = None
    if match:
        limit = int(match.group(1))
        used = int(match.group(2)) if match.group(2) else None
        requested = int(match.group(3)) if match.group(3) else None
    return LimitHit(
        resource,
        window,
        limit=limit,
        used=used,
        requested=requested,
        retry_after=parse_retry_after({}, message),
    )
