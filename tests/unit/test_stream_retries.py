"""The one stream policy: retried until the first item, never after it.

`ChatGroqSynaptic._stream` / `_astream` and `RetryChatModel` both stream
through `retry.stream_with_retries` / `astream_with_retries`; here the policy
itself, on plain generators (the models' behaviour is in test_retry.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from langchain_synaptic_groq import GroqConnectionError, RetryConfig
from langchain_synaptic_groq.retry import astream_with_retries, stream_with_retries

POLICY = RetryConfig(max_attempts=3, initial_backoff=0, jitter=0)


class Attempts:
    """Streams that fail as scripted: `fail_before` attempts fail before their
    first item, then one attempt yields `items` and fails after `fail_after`."""

    def __init__(
        self, fail_before: int, items: list[str], fail_after: int | None = None
    ) -> None:
        self.fail_before = fail_before
        self.items = items
        self.fail_after = fail_after
        self.opened = 0
        self.closed = 0

    def _step(self, index: int) -> None:
        if self.opened <= self.fail_before:
            raise GroqConnectionError("cut before the first chunk")
        if self.fail_after is not None and index == self.fail_after:
            raise GroqConnectionError("cut after a chunk")

    def sync(self) -> Iterator[str]:
        self.opened += 1
        try:
            for index, item in enumerate(self.items):
                self._step(index)
                yield item
            self._step(len(self.items))
        finally:
            self.closed += 1

    async def asynchronous(self) -> AsyncIterator[str]:
        self.opened += 1
        try:
            for index, item in enumerate(self.items):
                self._step(index)
                yield item
            self._step(len(self.items))
        finally:
            self.closed += 1


async def collect(attempts: Attempts, mode: str) -> list[str]:
    if mode == "sync":
        return list(stream_with_retries(attempts.sync, POLICY))

    async def open_stream() -> AsyncIterator[str]:
        return attempts.asynchronous()

    return [item async for item in astream_with_retries(open_stream, POLICY)]


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_failures_before_the_first_item_are_retried(mode: str) -> None:
    attempts = Attempts(fail_before=2, items=["a", "b"])
    assert await collect(attempts, mode) == ["a", "b"]
    assert (attempts.opened, attempts.closed) == (3, 3)


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_failure_after_the_first_item_raises(mode: str) -> None:
    attempts = Attempts(fail_before=0, items=["a", "b"], fail_after=1)
    with pytest.raises(GroqConnectionError, match="after a chunk"):
        await collect(attempts, mode)
    assert attempts.opened == 1  # not retried: "a" was handed over


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_attempts_are_bounded(mode: str) -> None:
    attempts = Attempts(fail_before=5, items=["a"])
    with pytest.raises(GroqConnectionError, match="before the first chunk"):
        await collect(attempts, mode)
    assert attempts.opened == POLICY.max_attempts


def test_an_empty_stream_is_not_retried() -> None:
    attempts = Attempts(fail_before=0, items=[])
    assert list(stream_with_retries(attempts.sync, POLICY)) == []
    assert attempts.opened == 1


def test_a_consumer_that_stops_after_the_first_item_closes_the_stream() -> None:
    attempts = Attempts(fail_before=0, items=["a", "b", "c"])
    stream = stream_with_retries(attempts.sync, POLICY)
    assert next(stream) == "a"
    stream.close()  # type: ignore[attr-defined]
    assert attempts.closed == 1


async def test_an_async_consumer_that_stops_early_closes_the_stream() -> None:
    attempts = Attempts(fail_before=0, items=["a", "b", "c"])

    async def open_stream() -> AsyncIterator[str]:
        return attempts.asynchronous()

    stream = astream_with_retries(open_stream, POLICY)
    assert await anext(stream) == "a"
    await stream.aclose()  # type: ignore[attr-defined]
    assert attempts.closed == 1
