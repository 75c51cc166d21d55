"""The sync shell: an `Exchange` driven over an httpx2 (or httpx) `Client`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from langchain_synaptic_groq._http.exchange import Exchange, Slots, SSELines

__all__ = ["Gate", "send", "stream"]


class Gate(Slots):
    """Holds a connection slot (a `threading.BoundedSemaphore`) for a request."""

    __slots__ = ()

    def __enter__(self) -> None:
        if not self.slots.acquire(timeout=self.wait):
            raise self.no_slot()

    def __exit__(self, *exc: object) -> None:
        self.slots.release()


def send(
    client: Any,
    hold: AbstractContextManager[None],
    exchange: Exchange,
    method: str,
    url: str,
    **request: Any,
) -> None:
    """Send one request and read its whole answer into `exchange`."""
    with hold, exchange, client.stream(method, url, **request) as response:
        exchange.open(response.status_code, response.headers)
        _read(response.iter_bytes(), exchange)


@contextmanager
def stream(
    client: Any,
    hold: AbstractContextManager[None],
    exchange: Exchange,
    url: str,
    **request: Any,
) -> Iterator[tuple[Mapping[str, str], Iterator[str]]]:
    """POST for an event stream; yield its headers and lines (see `Transport`)."""
    with hold:
        with exchange:
            sent = client.build_request("POST", url, **request)
            response = client.send(sent, stream=True)
        chunks = response.iter_bytes()
        try:
            if not exchange.open(response.status_code, response.headers):
                _read(chunks, exchange)
                raise exchange.error()
            exchange.set_chunk_timeout(response.request.extensions)
            assert exchange.lines is not None  # a 2xx stream has its lines
            yield exchange.headers, _lines(exchange, exchange.lines, chunks)
        finally:
            _close(exchange, response, chunks)


def _read(chunks: Iterator[bytes], exchange: Exchange) -> None:
    with exchange:
        for chunk in chunks:
            if not exchange.take(chunk):
                return


def _lines(
    exchange: Exchange, lines: SSELines, chunks: Iterator[bytes]
) -> Iterator[str]:
    try:
        for data in chunks:
            yield from lines.feed(data)
        yield from lines.flush()
    except exchange.failures() as exc:
        raise exchange.cut(exc) from None


def _close(exchange: Exchange, response: Any, chunks: Iterator[bytes]) -> None:
    try:
        with exchange.reading_end():
            # Unlike the async shell's, this read cannot be bounded below the
            # stream's read timeout (httpcore takes it once, when the body
            # starts): a proxy that holds a finished stream open holds the
            # caller that long, as the official SDKs' sync streams do.
            if exchange.done:
                for piece in chunks:
                    if not exchange.drain(piece):
                        break
    finally:
        with exchange:
            response.close()
