"""The async shell: an `Exchange` driven over an httpx2 (or httpx) `AsyncClient`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from langchain_synaptic_groq._http.exchange import Exchange, Slots, SSELines

__all__ = ["Gate", "send", "stream"]
#: Gives the client to use and its gate.
Pick = Callable[[], Awaitable[tuple[Any, AbstractAsyncContextManager[None]]]]


class Gate(Slots):
    """Holds a connection slot (an `asyncio.BoundedSemaphore`) for a request."""

    __slots__ = ()

    async def __aenter__(self) -> None:
        if not self.slots.locked():
            await self.slots.acquire()
            return
        try:
            async with asyncio.timeout(self.wait):
                await self.slots.acquire()
        except TimeoutError:
            raise self.no_slot() from None

    async def __aexit__(self, *exc: object) -> None:
        self.slots.release()


async def send(
    pick: Pick,
    exchange: Exchange,
    method: str,
    url: str,
    **request: Any,
) -> None:
    """Send one request and read its whole answer into `exchange`.

    `pick` gives the client and its gate (a shared client is looked up on the
    running event loop).
    """
    client, hold = await pick()
    async with hold:
        with exchange:
            async with client.stream(method, url, **request) as response:
                exchange.open(response.status_code, response.headers)
                await _read(response.aiter_bytes(), exchange)


@asynccontextmanager
async def stream(
    pick: Pick,
    exchange: Exchange,
    url: str,
    **request: Any,
) -> AsyncIterator[tuple[Mapping[str, str], AsyncIterator[str]]]:
    """POST for an event stream; yield its headers and lines (see `Transport`)."""
    client, hold = await pick()
    async with hold:
        with exchange:
            sent = client.build_request("POST", url, **request)
            response = await client.send(sent, stream=True)
        chunks = response.aiter_bytes()
        try:
            if not exchange.open(response.status_code, response.headers):
                await _read(chunks, exchange)
                raise exchange.error()
            exchange.set_chunk_timeout(response.request.extensions)
            assert exchange.lines is not None  # a 2xx stream has its lines
            yield exchange.headers, _lines(exchange, exchange.lines, chunks)
        finally:
            await _close(exchange, response, chunks)


async def _read(chunks: AsyncIterator[bytes], exchange: Exchange) -> None:
    with exchange:
        async for chunk in chunks:
            if not exchange.take(chunk):
                return


async def _lines(
    exchange: Exchange, lines: SSELines, chunks: AsyncIterator[bytes]
) -> AsyncIterator[str]:
    try:
        async for data in chunks:
            for line in lines.feed(data):
                yield line
        for line in lines.flush():
            yield line
    except exchange.failures() as exc:
        raise exchange.cut(exc) from None


async def _close(
    exchange: Exchange, response: Any, chunks: AsyncIterator[bytes]
) -> None:
    try:
        with exchange.reading_end():
            if exchange.done:
                async with asyncio.timeout(exchange.drain_seconds):
                    async for piece in chunks:
                        if not exchange.drain(piece):
                            break
    finally:
        with exchange:
            await response.aclose()
