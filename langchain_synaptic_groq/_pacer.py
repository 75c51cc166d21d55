"""The client-side pacer: requests wait for Groq's budget instead of a 429.

Groq limits each organisation and model by requests and tokens, per minute
and per day, and says where the client stands on every answer. This module
keeps that picture for every `(key fingerprint, base URL, model, service
tier)` in the process and admits a request only when the last known budget
has room for it; otherwise the request waits, first in first out, until it
does. How Groq's numbers are read (checked 2026-12-01 against the Groq rate
limits page, console.groq.com/docs/rate-limits, and recorded answers):

* `x-ratelimit-*-requests` is the requests-per-day budget and
  `x-ratelimit-*-tokens` the tokens-per-minute budget. The requests-per-minute
  and tokens-per-day limits are not in the headers: they are learned from the
  429 that names them ("on requests per minute (RPM): Limit 30, Used 30,
  Requested 1. Please try again in 2s.").
* Each budget refills continuously, not at a window boundary: `reset` is the
  time until it is full again. Recorded answers show it: 14400 requests a day
  with one used resets in `6s` (86400 s / 14400); 30000 tokens a minute with 15
  used resets in `30ms`. 429 messages agree: "Limit 15000, Used 11972,
  Requested 4351. Please try again in 5.289s" is the 1323 missing tokens at
  15000 a minute (aider#3265); "Limit 5000, Used 5747, Requested ~4251 ...
  59.977s" too (crewAI#494). So each budget is a bucket of `limit` units
  refilled at `(limit - remaining) / reset` units a second.
* A request costs one request and its tokens: the prompt plus
  `max_completion_tokens`, which Groq counts in full before running it (the
  413 "Requested 32979" of an 8000-token limit was a short prompt with a
  32768-token `max_completion_tokens`). Without `max_completion_tokens` the
  pacer counts the largest completion among the last answers that had none,
  and `DEFAULT_COMPLETION_TOKENS` before it has seen one.

Nothing known means nothing to wait for: the pacer starts optimistic and
learns from the first answers. A 2xx answer without any rate-limit header
(a proxy or a server that does not enforce Groq's limits) makes it forget
what it knew. Waits never exceed the retry policy's `max_wait`: a request
that would wait longer fails at once with `GroqRateLimitError` naming the
limit and the wait.

The decisions are pure (`Budget`, given the time); `Pacer` is the thin shell
that makes threads wait on a `threading.Condition` and coroutines on a future
of their own loop (so one pacer serves every event loop), and `Paced` walks
one request's attempts through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
import os
import secrets
import threading
import time
import weakref
from collections import deque
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterator,
    Mapping,
)
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import SecretStr

from langchain_synaptic_groq._tokens import estimate_text_tokens, estimate_wire_tokens
from langchain_synaptic_groq.errors import (
    GroqError,
    GroqRateLimitError,
    GroqRequestTooLargeError,
)
from langchain_synaptic_groq.ratelimit import (
    UNREAD,
    RateLimitState,
    ReadState,
    read_rate_limit,
)
from langchain_synaptic_groq.retry import RetryConfig, fallback_tier

__all__ = [
    "DEFAULT_COMPLETION_TOKENS",
    "Budget",
    "Paced",
    "Pacer",
    "Ticket",
    "fingerprint",
    "pacer_for",
]

logger = logging.getLogger("langchain_synaptic_groq")

T = TypeVar("T")

DEFAULT_COMPLETION_TOKENS = 1024
"""Tokens counted for the answer of a request without `max_tokens`, until the
pacer has seen such an answer (then it counts the largest of the last
`_COMPLETIONS_KEPT`)."""

_COMPLETIONS_KEPT = 16
# Seconds in each window, for a budget whose refill rate no answer showed yet.
_WINDOW_SECONDS = {"minute": 60.0, "day": 86400.0}
# The headers' budgets: (resource, window) of x-ratelimit-*-requests / -tokens.
_REQUESTS_PER_DAY = ("requests", "day")
_TOKENS_PER_MINUTE = ("tokens", "minute")
# Room left when `max_tokens` is clamped to an estimated prompt, a tenth of it
# (the estimate is within about 10-20 %; a 413 then clamps again with Groq's
# own count).
_CLAMP_MARGIN = 10
# Waking a little late costs nothing; waking early costs a round of waiting.
_LATE = 0.001

Key = tuple[str, str]


# -- the pure part -------------------------------------------------------------


@dataclass(slots=True)
class Ticket:
    """One admitted attempt, until its answer (or failure) is known."""

    seq: int
    at: float
    tokens: int
    prompt_estimate: int | None
    max_tokens: int | None
    done: bool = False
    charged: bool = True
    """Whether Groq (may have) counted it: not when it refused it (429, 413)."""
    settled_at: float = 0.0
    """When its answer or failure came: Groq counted it before then."""

    def cost(self, resource: str) -> int:
        """What it takes from a budget of `resource`."""
        return self.tokens if resource == "tokens" else 1


@dataclass(slots=True)
class Sighting:
    """Groq's level of one budget, as an answer showed it.

    `level` was the budget when Groq counted the request of ticket `seq`;
    tickets admitted here after it (higher `seq`) and tickets unanswered may
    be missing from it.
    """

    seq: int
    level: float
    at: float


@dataclass(slots=True)
class Bucket:
    """One budget: `limit` units, refilled at `rate` a second.

    Its level is the lowest of what the recent answers imply (`sightings`),
    each less what may have been spent since it (see `Budget.level`).
    """

    limit: float
    rate: float
    sightings: list[Sighting]
    basis: float = 0.0
    """The deficit the rate was measured on (0: assumed from the window).
    A larger deficit measures it more precisely: whole-number counts and
    rounded resets matter less."""


@dataclass(slots=True)
class Budget:
    """What one pacer knows, and every decision it makes (no I/O, no clock).

    Every method takes the current time (`time.monotonic()` seconds) so the
    decisions can be checked with any clock.

    Tickets are kept from the oldest still unanswered on (`log`): an answer's
    numbers are taken when Groq counts its request, and the requests counted
    after it are unknown, so each sighting of a budget is reduced by every
    ticket still unanswered and every later ticket Groq may have counted.
    When those answers come, the sighting is worked out again with what they
    say (a refused request then costs nothing). That can only make the
    picture too cautious, never too hopeful, whatever order Groq counted the
    requests in; the fresh answers that follow correct it.
    """

    buckets: dict[Key, Bucket] = field(default_factory=dict)
    blocked_until: float = 0.0
    """Set by a 429 whose limit the message does not name: wait its
    `retry-after`."""
    prompt_ratio: float | None = None
    """Groq's prompt count over the estimate, from the answers seen."""
    completions: deque[int] = field(
        default_factory=lambda: deque(maxlen=_COMPLETIONS_KEPT)
    )
    log: deque[Ticket] = field(default_factory=deque)
    seq: int = 0
    pending_tokens: int = 0
    """Tokens of the tickets still unanswered."""
    pending_requests: int = 0
    """How many tickets are still unanswered."""
    observed_at: float = -math.inf
    """When the last answer came."""
    announced: bool | None = None
    """Whether the last answer had rate-limit headers (`None`: no answer yet).
    Costs are estimated unless it had none: then nothing is counted."""

    # -- costs ---------------------------------------------------------------

    def prompt_cost(self, estimate: int) -> int:
        """The prompt tokens Groq is expected to count for `estimate`."""
        ratio = self.prompt_ratio or 1.0
        return math.ceil(estimate * ratio)

    def completion_cost(self, max_tokens: int | None) -> int:
        """The answer tokens to count: `max_tokens`, else what answers took."""
        if max_tokens is not None:
            return max_tokens
        return max(self.completions) if self.completions else DEFAULT_COMPLETION_TOKENS

    def token_limit(self) -> float | None:
        """The smallest known token limit (what one request can never pass)."""
        limits = [b.limit for k, b in self.buckets.items() if k[0] == "tokens"]
        return min(limits) if limits else None

    def clamp(self, estimate: int, max_tokens: int | None) -> int | None:
        """A lower `max_tokens` that fits the token limit, or `None` to keep it.

        Args:
            estimate: The prompt estimate.
            max_tokens: The request's `max_completion_tokens`.

        Returns:
            The clamped value, or `None` when it fits already, nothing is
            known, or even one answer token would not fit.
        """
        limit = self.token_limit()
        if limit is None or max_tokens is None:
            return None
        prompt = self.prompt_cost(estimate)
        room = int(limit) - prompt - -(-prompt // _CLAMP_MARGIN)
        if max_tokens <= room or room < 1:
            return None
        return room

    # -- levels ----------------------------------------------------------------

    def _run(
        self, bucket: Bucket, sighting: Sighting, resource: str, stop: int | None
    ) -> tuple[float, float, int]:
        """Play the answered tickets after `sighting` on its level.

        Each counted ticket is spent when its answer came (Groq counted it
        earlier: spending it later only refills less); the bucket refills at
        its rate up to its limit in between. Stops before the first ticket
        still unanswered when `stop` is `None`, else at ticket `stop`.

        Returns:
            The level, the time it is for, and the last ticket played.
        """
        spends = []
        last = sighting.seq
        for ticket in self.log:
            if ticket.seq <= sighting.seq:
                continue
            if stop is None and not ticket.done:
                break
            if stop is not None and ticket.seq > stop:
                break
            last = ticket.seq
            if ticket.done and ticket.charged:
                spends.append(
                    (max(ticket.settled_at, sighting.at), ticket.cost(resource))
                )
        level, at = sighting.level, sighting.at
        for when, cost in sorted(spends):
            level = min(bucket.limit, level + bucket.rate * (when - at)) - cost
            at = when
        return level, at, last

    def _pending(self, resource: str) -> int:
        return self.pending_tokens if resource == "tokens" else self.pending_requests

    def level(self, now: float, key: Key) -> float:
        """The units of budget `key` available at `now`.

        Never above `limit` less the unanswered tickets: Groq counts a request
        when it arrives, a moment after it leaves here, and while its budget is
        full the refill of that moment is lost.
        """
        bucket = self.buckets[key]
        resource = key[0]
        lowest = math.inf
        for sighting in bucket.sightings:
            level, at, _ = self._run(bucket, sighting, resource, self.seq)
            lowest = min(
                lowest, min(bucket.limit, level + bucket.rate * max(0.0, now - at))
            )
        return lowest - self._pending(resource)

    def _refill_wait(self, now: float, key: Key, need: float) -> float:
        """Seconds of refill until `need` units are there, answers aside."""
        bucket = self.buckets[key]
        short = need - (self.level(now, key) + self._pending(key[0]))
        if short <= 0:
            return 0.0
        return short / bucket.rate if bucket.rate > 0 else math.inf

    # -- admission -------------------------------------------------------------

    def never_fits(self, tokens: int) -> bool:
        """Whether a request of `tokens` exceeds a token limit itself."""
        limit = self.token_limit()
        return limit is not None and tokens > limit

    def room(self, now: float, tokens: int) -> bool:
        """Whether one request of `tokens` may go now."""
        if now < self.blocked_until:
            return False
        for key in self.buckets:
            need = tokens if key[0] == "tokens" else 1
            if self.level(now, key) < need:
                return False
        return True

    def wait(
        self, now: float, tokens: int, requests: int = 1
    ) -> tuple[float, Key | None]:
        """How long the refill takes until `requests` requests may go.

        0 when only unanswered requests hold them back (answers lift that).

        Args:
            now: The current time.
            tokens: Tokens needed (of this request and those ahead of it).
            requests: Requests needed (this one and those ahead).

        Returns:
            Seconds, and the budget that decides it (`None` for a plain
            `retry-after`).
        """
        worst, why = self.blocked_until - now, None
        for key in self.buckets:
            need = tokens if key[0] == "tokens" else requests
            seconds = self._refill_wait(now, key, need)
            if seconds > worst:
                worst, why = seconds, key
        return max(0.0, worst), why

    def admit(
        self,
        now: float,
        tokens: int,
        prompt_estimate: int | None,
        max_tokens: int | None,
    ) -> Ticket:
        """Count one request of `tokens` against every budget; its ticket."""
        self.seq += 1
        ticket = Ticket(self.seq, now, tokens, prompt_estimate, max_tokens)
        self.log.append(ticket)
        self.pending_tokens += tokens
        self.pending_requests += 1
        return ticket

    # -- learning ------------------------------------------------------------

    def _close(self, now: float, ticket: Ticket) -> None:
        if not ticket.done:
            ticket.done = True
            ticket.settled_at = now
            self.pending_tokens -= ticket.tokens
            self.pending_requests -= 1

    def minute(self) -> float:
        """How long a minute lasts in the server's budgets, in seconds.

        60 for Groq; read from the tokens-per-minute budget when its refill
        is known (limit / rate), so that every per-minute and per-day budget
        refills at the server's pace (a test server may run faster).
        """
        bucket = self.buckets.get(_TOKENS_PER_MINUTE)
        if bucket is None or bucket.rate <= 0:
            return _WINDOW_SECONDS["minute"]
        return bucket.limit / bucket.rate

    def _default_rate(self, key: Key, limit: float) -> float:
        window = self.minute() * (1440 if key[1] == "day" else 1)
        return limit / window

    def _see(
        self,
        now: float,
        key: Key,
        limit: int,
        level: float,
        rate: tuple[float, float] | None,
        ticket: Ticket | None,
    ) -> None:
        """Record that budget `key` stood at `level` when Groq counted `ticket`.

        `rate` is a measured refill rate and the deficit it was measured on.
        """
        old = self.buckets.get(key)
        if old is not None and old.limit != limit:
            old = None  # another plan: nothing carries over
        if rate is not None and (old is None or rate[1] >= old.basis):
            speed, basis = rate
        elif old is not None:
            speed, basis = old.rate, old.basis
        else:
            speed, basis = self._default_rate(key, limit), 0.0
        # `ticket` None: a level known now, before any ticket still to come.
        seq = self.seq if ticket is None else ticket.seq
        sighting = Sighting(seq, level, now)
        # A ticket sent after the last answer came is counted after every
        # ticket answered so far: what its answer shows replaces the older
        # sightings. Otherwise Groq may have counted it before tickets already
        # answered, and its numbers may be the older ones: kept beside them.
        fresh = ticket is None or ticket.at >= self.observed_at
        if old is None or fresh:
            self.buckets[key] = Bucket(float(limit), speed, [sighting], basis)
        else:
            old.rate, old.basis = speed, basis
            old.sightings.append(sighting)

    def _compact(self, now: float) -> None:
        """Play settled tickets into the sightings; drop what no longer counts.

        A sighting takes in every answered ticket up to the first unanswered
        one; sightings that then stand at the same ticket differ for good, so
        only the lower one (now) is kept. Tickets every sighting has taken in
        are dropped.
        """
        log = self.log
        if not self.pending_requests and all(
            len(b.sightings) == 1 and b.sightings[0].seq == self.seq
            for b in self.buckets.values()
        ):
            log.clear()  # the usual case: one at a time, each answer fresh
            return
        for key, bucket in self.buckets.items():
            kept: dict[int, tuple[Sighting, float]] = {}
            for sighting in bucket.sightings:
                level, at, last = self._run(bucket, sighting, key[0], None)
                moved = Sighting(last, level, at)
                value = min(bucket.limit, level + bucket.rate * max(0.0, now - at))
                if last not in kept or value < kept[last][1]:
                    kept[last] = (moved, value)
            bucket.sightings = [sighting for sighting, _ in kept.values()]
        floor = min(
            (s.seq for b in self.buckets.values() for s in b.sightings),
            default=self.seq,
        )
        while log and log[0].done and log[0].seq <= floor:
            log.popleft()

    def observe(self, now: float, state: RateLimitState, ticket: Ticket | None) -> None:
        """Take Groq's headers on the answer to `ticket`."""
        for key, limit, remaining, reset in (
            (
                _REQUESTS_PER_DAY,
                state.limit_requests,
                state.remaining_requests,
                state.reset_requests,
            ),
            (
                _TOKENS_PER_MINUTE,
                state.limit_tokens,
                state.remaining_tokens,
                state.reset_tokens,
            ),
        ):
            if limit is None or remaining is None or limit <= 0:
                continue
            deficit = limit - remaining
            # A deficit of a unit or two gives a rounded, noisy rate.
            rate = (deficit / reset, deficit) if reset and deficit >= 2 else None
            self._see(now, key, limit, min(remaining, limit), rate, ticket)

    def forget(self) -> None:
        """Drop every budget (the server announced none)."""
        self.buckets.clear()
        self.blocked_until = 0.0

    def settle(
        self,
        now: float,
        ticket: Ticket,
        state: RateLimitState | None,
    ) -> None:
        """An answer to `ticket` arrived, with these headers (`None`: none)."""
        self._close(now, ticket)
        self.announced = state is not None
        if state is None:
            self.forget()
        else:
            self.observe(now, state, ticket)
        self.observed_at = now
        self._compact(now)

    def fail(self, now: float, ticket: Ticket, exc: BaseException) -> None:
        """The attempt of `ticket` failed with `exc`; learn what it says."""
        self._close(now, ticket)
        if isinstance(exc, GroqError):
            # Refused at the door: Groq spent nothing on it.
            ticket.charged = exc.status_code not in (413, 429)
            if exc.rate_limit is not None:
                self.announced = True
                self.observe(now, exc.rate_limit, ticket)
            if isinstance(exc, GroqRequestTooLargeError):
                self._learn_too_large(now, ticket, exc)
            elif isinstance(exc, GroqRateLimitError):
                self._learn_rate_limit(now, ticket, exc)
            self.observed_at = now
        self._compact(now)

    def _learn_too_large(
        self, now: float, ticket: Ticket, exc: GroqRequestTooLargeError
    ) -> None:
        if exc.requested is not None and ticket.max_tokens is not None:
            self._learn_prompt(ticket, exc.requested - ticket.max_tokens)
        if exc.limit is None:
            return
        key = ("tokens", exc.limit_window or "minute")
        old = self.buckets.get(key)
        if old is not None:
            old.limit = float(exc.limit)
        else:  # the level is unknown: the next answer says
            self._see(now, key, exc.limit, exc.limit, None, None)

    def _learn_rate_limit(
        self, now: float, ticket: Ticket, exc: GroqRateLimitError
    ) -> None:
        resource, window = exc.limit_resource, exc.limit_window
        if resource is None or window is None or exc.limit is None:
            if exc.retry_after:
                self.blocked_until = max(self.blocked_until, now + exc.retry_after)
            return
        level = float(exc.limit - exc.used) if exc.used is not None else 0.0
        need = exc.requested
        if need is None:
            need = ticket.cost(resource)
        rate = None
        # "Used" is a whole number: for requests its rounding is as large as
        # what is missing, so their rate comes from the window instead.
        short = need - level
        if resource == "tokens" and exc.retry_after and short >= 2:
            rate = (short / exc.retry_after, short)
        self._see(now, (resource, window), exc.limit, level, rate, ticket)

    def _learn_prompt(self, ticket: Ticket, counted: int) -> None:
        estimate = ticket.prompt_estimate
        if not estimate or counted <= 0:
            return
        sample = min(4.0, max(0.25, counted / estimate))
        old = self.prompt_ratio
        self.prompt_ratio = sample if old is None else 0.7 * old + 0.3 * sample

    def learn_usage(
        self, ticket: Ticket, prompt_tokens: int | None, completion_tokens: int | None
    ) -> None:
        """Correct the estimates with the usage Groq reported for `ticket`."""
        if ticket.max_tokens is None and completion_tokens is not None:
            self.completions.append(completion_tokens)
        if prompt_tokens is None:
            return
        self._learn_prompt(ticket, prompt_tokens)
        # What Groq counted for it, for the sightings it may be missing from:
        # the prompt as counted plus the `max_completion_tokens` it reserved,
        # or the answer it gave.
        answer = (
            ticket.max_tokens if ticket.max_tokens is not None else completion_tokens
        )
        if answer is not None and ticket.done:
            ticket.tokens = prompt_tokens + answer

    def too_long(
        self, wait: float, why: Key | None, max_wait: float
    ) -> GroqRateLimitError:
        """The error for a request that would wait longer than `max_wait`."""
        if why is None:
            text = (
                f"Groq asked this client to wait (retry-after); this request "
                f"would wait {wait:.1f}s"
            )
            resource = window = None
            limit = None
        else:
            resource, window = why
            limit = int(self.buckets[why].limit)
            cap = " (a daily cap)" if window == "day" else ""
            text = (
                f"Groq's {resource}-per-{window} limit{cap} of {limit:,} has no "
                f"room for this request for {wait:.1f}s"
            )
        message = (
            f"{text}, longer than RetryConfig.max_wait ({max_wait:g}s): not sent. "
            "Raise max_wait to let the client wait."
        )
        return GroqRateLimitError(
            message,
            code="rate_limit_exceeded",
            retry_after=round(wait, 3),
            limit_resource=resource,
            limit_window=window,
            limit=limit,
        )


# -- the shell: waiting ----------------------------------------------------------


class _Waiter:
    """A request asking to go, and, once queued, what it waits on.

    A thread waits on its condition, a coroutine on its future.
    """

    __slots__ = (
        "cond",
        "deadline",
        "estimate",
        "future",
        "loop",
        "max_tokens",
        "max_wait",
        "queued",
        "tokens",
    )

    def __init__(
        self,
        tokens: int,
        estimate: int | None,
        max_tokens: int | None,
        max_wait: float,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self.tokens = tokens
        self.estimate = estimate
        self.max_tokens = max_tokens
        self.max_wait = max_wait
        self.deadline = 0.0
        self.cond: threading.Condition | None = None
        self.loop = loop
        self.future: asyncio.Future[None] | None = None
        self.queued = False

    def wake(self) -> bool:
        """Make the waiter look again; `False` if its event loop is gone."""
        if self.cond is not None:
            self.cond.notify()
            return True
        future, loop = self.future, self.loop
        if future is None or loop is None or future.done():
            return True
        try:
            loop.call_soon_threadsafe(_resolve, future)
        except RuntimeError:  # the loop was closed: nobody waits here
            return False
        return True


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Pacer:
    """The admission queue of one budget, shared by threads and event loops."""

    def __init__(self) -> None:
        self.budget = Budget()
        self._lock = threading.Lock()
        self._queue: deque[_Waiter] = deque()
        self._queued_tokens = 0
        _every_pacer.add(self)

    def __repr__(self) -> str:
        return (
            f"Pacer(buckets={sorted(self.budget.buckets)}, queued={len(self._queue)})"
        )

    @property
    def lock(self) -> threading.Lock:
        """The lock that guards `budget` (hold it to read the budget)."""
        return self._lock

    # All the methods below run with the lock held, except where they wait.

    def _wake_head(self) -> None:
        while self._queue:
            if self._queue[0].wake():
                return
            self._drop(self._queue[0])

    def _drop(self, waiter: _Waiter) -> None:
        if waiter.queued:
            waiter.queued = False
            self._queue.remove(waiter)
            self._queued_tokens -= waiter.tokens

    def _leave(self, waiter: _Waiter) -> None:
        head = bool(self._queue) and self._queue[0] is waiter
        self._drop(waiter)
        if head:
            self._wake_head()

    def _arrive(self, waiter: _Waiter) -> Ticket | None:
        """Admit at once if nothing queues and the budget allows; else queue it.

        Returns:
            The ticket, or `None` once the waiter is queued.

        Raises:
            GroqRateLimitError: If the wait would be longer than its `max_wait`.
        """
        budget, tokens, now = self.budget, waiter.tokens, time.monotonic()
        if budget.never_fits(tokens):
            # No wait can help: sent as it is, so that Groq's 413 names its own
            # count and the limit (an estimate could be wrong either way).
            return budget.admit(now, 0, waiter.estimate, waiter.max_tokens)
        if not self._queue and budget.room(now, tokens):
            return budget.admit(now, tokens, waiter.estimate, waiter.max_tokens)
        wait, why = budget.wait(now, tokens + self._queued_tokens, 1 + len(self._queue))
        if wait > waiter.max_wait:
            raise budget.too_long(wait, why, waiter.max_wait)
        waiter.deadline = now + waiter.max_wait
        waiter.queued = True
        self._queue.append(waiter)
        self._queued_tokens += tokens
        return None

    def _turn(self, waiter: _Waiter) -> tuple[Ticket | None, float]:
        """One look at the queue: the ticket, or how long to sleep.

        An answer, or the head's leaving, wakes the waiter earlier.
        """
        budget, now, deadline = self.budget, time.monotonic(), waiter.deadline
        head = self._queue[0] is waiter
        if head and budget.room(now, waiter.tokens):
            self._leave(waiter)
            admitted = budget.admit(
                now, waiter.tokens, waiter.estimate, waiter.max_tokens
            )
            return admitted, 0.0
        if head:
            wait, why = budget.wait(now, waiter.tokens)
        else:  # only at its deadline: the head is woken, not the others
            ahead = 0
            for place, other in enumerate(self._queue, 1):  # noqa: B007
                ahead += other.tokens
                if other is waiter:
                    break
            wait, why = budget.wait(now, ahead, place)
        if now + wait > deadline or now >= deadline:
            self._leave(waiter)
            raise budget.too_long(wait, why, waiter.max_wait)
        if head and wait > 0:
            return None, wait + _LATE
        return None, deadline - now

    def acquire(
        self,
        tokens: int,
        *,
        max_wait: float,
        estimate: int | None = None,
        max_tokens: int | None = None,
    ) -> Ticket:
        """Wait (in this thread) until a request of `tokens` may go.

        Args:
            tokens: The request's estimated cost in tokens.
            max_wait: The longest wait allowed.
            estimate: The prompt estimate (kept to learn from the usage).
            max_tokens: The request's `max_completion_tokens`.

        Returns:
            The ticket to settle with the answer or the failure.

        Raises:
            GroqRateLimitError: If the wait would be longer than `max_wait`.
        """
        waiter = _Waiter(tokens, estimate, max_tokens, max_wait)
        with self._lock:
            ticket = self._arrive(waiter)
            if ticket is not None:
                return ticket
            waiter.cond = cond = threading.Condition(self._lock)
            try:
                while True:
                    ticket, wait = self._turn(waiter)
                    if ticket is not None:
                        return ticket
                    cond.wait(wait)
            except BaseException:
                self._leave(waiter)
                raise

    async def aacquire(
        self,
        tokens: int,
        *,
        max_wait: float,
        estimate: int | None = None,
        max_tokens: int | None = None,
    ) -> Ticket:
        """Async `acquire`, with its arguments: waits without blocking the loop.

        Returns:
            The ticket to settle with the answer or the failure.
        """
        loop = asyncio.get_running_loop()
        waiter = _Waiter(tokens, estimate, max_tokens, max_wait, loop)
        with self._lock:
            ticket = self._arrive(waiter)
        if ticket is not None:
            return ticket
        try:
            while True:
                with self._lock:
                    ticket, wait = self._turn(waiter)
                    if ticket is not None:
                        return ticket
                    waiter.future = future = loop.create_future()
                try:
                    async with asyncio.timeout(wait):
                        await future
                except TimeoutError:
                    pass
        except BaseException:
            with self._lock:
                self._leave(waiter)
            raise

    # -- answers -------------------------------------------------------------

    def settle(
        self,
        ticket: Ticket,
        state: RateLimitState | None,
        usage: Mapping[str, Any] | None = None,
    ) -> None:
        """The answer to `ticket` arrived with these headers and usage."""
        with self._lock:
            self.budget.settle(time.monotonic(), ticket, state)
            if usage:
                self._usage(ticket, usage)
            self._wake_head()

    def fail(self, ticket: Ticket, exc: BaseException) -> None:
        """The attempt of `ticket` failed."""
        with self._lock:
            self.budget.fail(time.monotonic(), ticket, exc)
            self._wake_head()

    def learn(self, ticket: Ticket, usage: Mapping[str, Any]) -> None:
        """The usage of `ticket`'s answer, known after the answer (streams)."""
        with self._lock:
            self._usage(ticket, usage)

    def _usage(self, ticket: Ticket, usage: Mapping[str, Any]) -> None:
        prompt = usage.get("prompt_tokens", usage.get("input_tokens"))
        completion = usage.get("completion_tokens", usage.get("output_tokens"))
        self.budget.learn_usage(
            ticket,
            prompt if isinstance(prompt, int) else None,
            completion if isinstance(completion, int) else None,
        )

    def plan(
        self, estimate: Callable[[], int], max_tokens: int | None, clamp: bool
    ) -> tuple[int, int | None, int | None]:
        """A request's cost: `(tokens, prompt estimate, clamped max_tokens)`.

        Nothing is estimated when the server announces no budget.
        """
        with self._lock:
            budget = self.budget
            if budget.announced is False:
                return 0, None, None
        prompt = estimate()  # outside the lock: it walks the messages
        with self._lock:
            clamped = budget.clamp(prompt, max_tokens) if clamp else None
            answer = budget.completion_cost(clamped or max_tokens)
            return budget.prompt_cost(prompt) + answer, prompt, clamped

    def _after_fork(self) -> None:
        # Threads and loops of the parent do not exist here; a lock one of
        # them held would stay held forever. What was learned stays.
        self._lock = threading.Lock()
        self._queue.clear()
        self._queued_tokens = 0
        budget = self.budget
        budget.log.clear()
        budget.pending_tokens = budget.pending_requests = 0


# -- the registry ----------------------------------------------------------------

# Pacers are shared by key, never by the key itself: a keyed hash with a
# secret of this process stands for it (not reversible, not comparable with
# another process's).
_SALT = secrets.token_bytes(16)
_registry: dict[tuple[bytes, str, str, str], Pacer] = {}
_registry_lock = threading.Lock()
_every_pacer: weakref.WeakSet[Pacer] = weakref.WeakSet()


def fingerprint(api_key: SecretStr | None) -> bytes:
    """A keyed hash of the API key (b"" for none)."""
    if api_key is None:
        return b""
    secret = api_key.get_secret_value().encode()
    return hashlib.blake2b(secret, key=_SALT, digest_size=16).digest()


def pacer_for(print_: bytes, base_url: str, model: str, tier: str) -> Pacer:
    """The process's pacer for one key fingerprint, base URL, model and tier."""
    key = (print_, base_url, model, tier)
    pacer = _registry.get(key)
    if pacer is None:
        with _registry_lock:
            pacer = _registry.setdefault(key, Pacer())
    return pacer


def _after_fork_in_child() -> None:
    global _registry_lock
    _registry_lock = threading.Lock()
    for pacer in list(_every_pacer):
        pacer._after_fork()


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_after_fork_in_child)


# -- one request's attempts --------------------------------------------------------


# Text already counted, by length and hash (the text itself is not kept): an
# agent resends its whole history every turn, and counting 20 messages with
# three tools takes ~1.7 ms against ~20 us with this. Not functools.lru_cache:
# it would keep every text (whole documents) alive.
_counted: dict[tuple[int, int], int] = {}
_COUNTED_KEPT = 4096


def _count_text(text: str) -> int:
    key = (len(text), hash(text))
    tokens = _counted.get(key)
    if tokens is None:
        tokens = estimate_text_tokens(text)
        if len(_counted) >= _COUNTED_KEPT:
            _counted.clear()
        _counted[key] = tokens
    return tokens


def _max_tokens(body: Mapping[str, Any]) -> tuple[str, int | None]:
    for name in ("max_completion_tokens", "max_tokens"):
        value = body.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return name, value
    return "max_completion_tokens", None


class Paced:
    """One request's way through the pacer, for each of its attempts.

    The chat model wraps each attempt's send in `call` / `acall` / `stream` /
    `astream`: the attempt waits for its turn, goes out, and its answer (or
    failure) teaches the pacer. It also switches the body to the on_demand
    tier after a 498 when `RetryConfig.flex_fallback` asks for it, and with
    `clamp` lowers `max_completion_tokens` to fit the token limit.
    """

    __slots__ = (
        "_base_url",
        "_body",
        "_clamp",
        "_pace",
        "_print",
        "_prompt",
        "_read",
        "_refitted",
        "_retry",
        "_ticket",
        "_ticket_pacer",
    )

    def __init__(
        self,
        body: dict[str, Any],
        *,
        api_key: SecretStr | None,
        base_url: str,
        pace: bool,
        retry: RetryConfig,
        clamp: bool = False,
    ) -> None:
        self._body = body
        self._print = fingerprint(api_key) if pace else b""
        self._base_url = base_url
        self._pace = pace
        self._prompt: int | None = None
        self._retry = retry
        self._clamp = clamp
        self._refitted = False
        self._ticket: Ticket | None = None
        self._ticket_pacer: Pacer | None = None
        # The last answer's headers and the state read from them.
        self._read: tuple[Any, RateLimitState | None] | None = None

    @property
    def body(self) -> dict[str, Any]:
        """The body the next attempt sends (before any clamp)."""
        return self._body

    def _prompt_estimate(self) -> int:
        # Once per request: retries, a fallback or a clamp keep the messages.
        if self._prompt is None:
            body = self._body
            self._prompt = estimate_wire_tokens(
                body.get("messages") or (),
                model=str(body.get("model")),
                tools=body.get("tools"),
                count_text=_count_text,
            )
        return self._prompt

    def _pacer(self) -> Pacer | None:
        if not self._pace:
            return None
        body = self._body
        tier = body.get("service_tier") or "on_demand"
        return pacer_for(self._print, self._base_url, str(body.get("model")), str(tier))

    def _plan(self) -> tuple[Pacer | None, dict[str, Any], int, int | None, int | None]:
        pacer = self._pacer()
        body = self._body
        name, max_tokens = _max_tokens(body)
        if pacer is None:
            return None, body, 0, None, max_tokens
        tokens, estimate, clamped = pacer.plan(
            self._prompt_estimate, max_tokens, self._clamp
        )
        if clamped is not None:
            logger.info(
                "max_completion_tokens lowered from %d to %d to fit Groq's token "
                "limit (clamp_max_tokens)",
                max_tokens,
                clamped,
            )
            body = {**body, name: clamped}
            max_tokens = clamped
        return pacer, body, tokens, estimate, max_tokens

    def _sent(
        self,
        pacer: Pacer | None,
        ticket: Ticket | None,
        headers: Mapping[str, str],
        usage: Any,
    ) -> None:
        self._ticket, self._ticket_pacer = ticket, pacer
        self._read = None
        if pacer is not None and ticket is not None:
            state, plain = read_rate_limit(headers)
            if plain:  # the metadata's read would give the same state
                self._read = (headers, state)
            pacer.settle(ticket, state, usage if isinstance(usage, Mapping) else None)

    def rate_limit(self, headers: Mapping[str, str]) -> ReadState:
        """The state the pacer read from `headers`, for the answer's metadata.

        One read per answer: the response parser takes it instead of reading
        the headers again. `UNREAD` when the pacer did not read these.
        """
        read = self._read
        if read is not None and read[0] is headers:
            return read[1]
        return UNREAD

    def _failed(
        self,
        pacer: Pacer | None,
        ticket: Ticket | None,
        exc: BaseException,
        sent: dict[str, Any],
    ) -> bool:
        """Learn from a failed attempt; `True` to send again at once."""
        if pacer is not None and ticket is not None:
            pacer.fail(ticket, exc)
        tier = fallback_tier(exc, self._body.get("service_tier"), self._retry)
        if tier is not None:
            logger.warning(
                "Groq's flex tier is out of capacity (498); the retry goes to "
                "the %s tier (RetryConfig.flex_fallback)",
                tier,
            )
            self._body = {**self._body, "service_tier": tier}
        if (
            self._clamp
            and not self._refitted
            and isinstance(exc, GroqRequestTooLargeError)
        ):
            return self._refit(exc, sent)
        return False

    def _refit(self, exc: GroqRequestTooLargeError, sent: dict[str, Any]) -> bool:
        """After a 413, clamp with Groq's own count and send once more."""
        name, max_tokens = _max_tokens(sent)
        if exc.limit is None or exc.requested is None or max_tokens is None:
            return False
        room = exc.limit - (exc.requested - max_tokens)
        if room < 1 or room >= max_tokens:
            return False
        logger.info(
            "max_completion_tokens lowered from %d to %d to fit Groq's "
            "tokens-per-minute limit of %d (clamp_max_tokens)",
            max_tokens,
            room,
            exc.limit,
        )
        self._refitted = True
        self._body = {**self._body, name: room}
        return True

    def learn(self, usage: Mapping[str, Any] | None) -> None:
        """The usage of a streamed answer, known at its end."""
        pacer, ticket = self._ticket_pacer, self._ticket
        if usage and pacer is not None and ticket is not None:
            pacer.learn(ticket, usage)

    # -- the shells: one sync, one async ------------------------------------------

    def _run(self, open_: Callable[[dict[str, Any]], tuple[T, Any, Any]]) -> T:
        """Admit, send with `open_(body) -> (result, headers, usage)`, learn."""
        while True:
            pacer, body, tokens, estimate, max_tokens = self._plan()
            ticket = None
            if pacer is not None:
                ticket = pacer.acquire(
                    tokens,
                    max_wait=self._retry.max_wait,
                    estimate=estimate,
                    max_tokens=max_tokens,
                )
            try:
                result, headers, usage = open_(body)
            except BaseException as exc:
                if self._failed(pacer, ticket, exc, body):
                    continue
                raise
            self._sent(pacer, ticket, headers, usage)
            return result

    async def _arun(
        self, open_: Callable[[dict[str, Any]], Awaitable[tuple[T, Any, Any]]]
    ) -> T:
        """Async `_run`."""
        while True:
            pacer, body, tokens, estimate, max_tokens = self._plan()
            ticket = None
            if pacer is not None:
                ticket = await pacer.aacquire(
                    tokens,
                    max_wait=self._retry.max_wait,
                    estimate=estimate,
                    max_tokens=max_tokens,
                )
            try:
                result, headers, usage = await open_(body)
            except BaseException as exc:
                if self._failed(pacer, ticket, exc, body):
                    continue
                raise
            self._sent(pacer, ticket, headers, usage)
            return result

    def call(
        self, send: Callable[..., tuple[dict[str, Any], Any]], *args: Any
    ) -> tuple[dict[str, Any], Any]:
        """`send(*args, body)` when the pacer admits it.

        Returns:
            What `send` returned: the decoded body and the headers.
        """

        def open_(body: dict[str, Any]) -> tuple[tuple[dict[str, Any], Any], Any, Any]:
            answer = send(*args, body)
            return answer, answer[1], answer[0].get("usage")

        return self._run(open_)

    async def acall(
        self,
        send: Callable[..., Awaitable[tuple[dict[str, Any], Any]]],
        *args: Any,
    ) -> tuple[dict[str, Any], Any]:
        """Async `call`.

        Returns:
            What `send` returned: the decoded body and the headers.
        """

        async def open_(
            body: dict[str, Any],
        ) -> tuple[tuple[dict[str, Any], Any], Any, Any]:
            answer = await send(*args, body)
            return answer, answer[1], answer[0].get("usage")

        return await self._arun(open_)

    @contextlib.contextmanager
    def stream(
        self,
        open_stream: Callable[..., AbstractContextManager[tuple[Any, Iterator[str]]]],
        *args: Any,
    ) -> Iterator[tuple[Any, Iterator[str]]]:
        """`open_stream(*args, body)`, entered when the pacer admits it.

        Its headers teach the pacer; it is left when this context is.

        Yields:
            What `open_stream`'s context yields: the headers and the lines.
        """
        with contextlib.ExitStack() as stack:

            def enter(body: dict[str, Any]) -> tuple[Any, Any, None]:
                opened = stack.enter_context(open_stream(*args, body))
                return opened, opened[0], None

            yield self._run(enter)

    @contextlib.asynccontextmanager
    async def astream(
        self,
        open_stream: Callable[
            ..., AbstractAsyncContextManager[tuple[Any, AsyncIterator[str]]]
        ],
        *args: Any,
    ) -> AsyncIterator[tuple[Any, AsyncIterator[str]]]:
        """Async `stream`.

        Yields:
            What `open_stream`'s context yields: the headers and the lines.
        """
        async with contextlib.AsyncExitStack() as stack:

            async def enter(body: dict[str, Any]) -> tuple[Any, Any, None]:
                opened = await stack.enter_async_context(open_stream(*args, body))
                return opened, opened[0], None

            yield await self._arun(enter)
