"""HTTP for Groq: pooled httpx clients, SSE lines, HTTP failures -> errors."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import weakref
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
from pydantic import SecretStr

from langchain_synaptic_groq.errors import (
    GroqAPIError,
    GroqConnectionError,
    GroqError,
    GroqStreamError,
    GroqTimeoutError,
    error_from_response,
)

__all__ = ["Transport", "make_timeout"]

logger = logging.getLogger("langchain_synaptic_groq")

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
# As the Groq SDK: 100 connections, 20 kept alive.
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)
USER_AGENT = "langchain-synaptic-groq/0.1.0"
_TIMEOUT_FORMS = (
    "timeout must be seconds, a (connect, read) tuple or httpx.Timeout, got "
)


def make_timeout(value: Any) -> httpx.Timeout:
    """Normalise a user timeout to an `httpx.Timeout` that is never unbounded.

    Args:
        value: `None` (the default: 60 s read, 5 s connect), seconds as a
            number, a `(connect, read)` tuple, or an `httpx.Timeout`.

    Returns:
        The timeout to use.

    Raises:
        ValueError: If the value is not one of those forms or not positive.
    """
    if value is None:
        return DEFAULT_TIMEOUT
    if isinstance(value, httpx.Timeout):
        return value
    if isinstance(value, bool):
        raise ValueError(_TIMEOUT_FORMS + repr(value))
    if isinstance(value, int | float):
        if value <= 0:
            msg = f"timeout must be positive seconds, got {value!r}"
            raise ValueError(msg)
        return httpx.Timeout(float(value), connect=min(5.0, float(value)))
    if isinstance(value, tuple) and len(value) == 2:
        connect, read = value
        return httpx.Timeout(read, connect=connect)
    raise ValueError(_TIMEOUT_FORMS + repr(value))


# --- shared clients --------------------------------------------------------
# Building an httpx client costs ~1 ms and a TLS context; ChatGroq builds two
# per instance. Clients are shared per (process, timeout) and, for async, per
# event loop: an AsyncClient's connections belong to the loop that opened them,
# so reusing one under a new loop gives "Event loop is closed".

_lock = threading.Lock()
_sync_clients: dict[tuple[int, Any], httpx.Client] = {}
_async_clients: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[Any, httpx.AsyncClient]
] = weakref.WeakKeyDictionary()
_async_pid = os.getpid()


def _timeout_key(timeout: httpx.Timeout) -> tuple[Any, ...]:
    return (timeout.connect, timeout.read, timeout.write, timeout.pool)


def shared_client(timeout: httpx.Timeout) -> httpx.Client:
    """The process-wide sync client for this timeout (new after a fork)."""
    key = (os.getpid(), _timeout_key(timeout))
    client = _sync_clients.get(key)
    if client is None:
        with _lock:
            client = _sync_clients.get(key)
            if client is None:
                client = httpx.Client(timeout=timeout, limits=DEFAULT_LIMITS)
                _sync_clients[key] = client
    return client


def shared_async_client(timeout: httpx.Timeout) -> httpx.AsyncClient:
    """The async client for this timeout on the running event loop."""
    global _async_pid
    loop = asyncio.get_running_loop()
    if os.getpid() != _async_pid:
        _async_clients.clear()
        _async_pid = os.getpid()
    per_loop = _async_clients.get(loop)
    if per_loop is None:
        per_loop = {}
        _async_clients[loop] = per_loop
    key = _timeout_key(timeout)
    client = per_loop.get(key)
    if client is None:
        client = httpx.AsyncClient(timeout=timeout, limits=DEFAULT_LIMITS)
        per_loop[key] = client
    return client


class Transport:
    """Sends requests for one model configuration.

    It holds the base URL, the auth headers and the optional user clients;
    the repr never shows the key.
    """

    __slots__ = (
        "_async_client",
        "_client",
        "_headers",
        "_secret",
        "base_url",
        "timeout",
    )

    def __init__(
        self,
        *,
        base_url: str,
        api_key: SecretStr | None,
        timeout: httpx.Timeout,
        default_headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
        http_async_client: httpx.AsyncClient | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._secret = api_key
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
        if default_headers:
            headers.update(default_headers)
        if api_key is not None and api_key.get_secret_value():
            headers["Authorization"] = "Bearer " + api_key.get_secret_value()
        # httpx.Headers masks Authorization in its repr, so the key does not
        # show in a traceback that renders locals.
        self._headers = httpx.Headers(headers)
        self._client = http_client
        self._async_client = http_async_client

    def __repr__(self) -> str:
        return f"Transport(base_url={self.base_url!r})"

    def _scrub(self) -> str | None:
        return self._secret.get_secret_value() if self._secret else None

    def _url(self, path: str) -> str:
        return f"{self.base_url}/{path}"

    def _client_sync(self) -> httpx.Client:
        return self._client or shared_client(self.timeout)

    def _client_async(self) -> httpx.AsyncClient:
        return self._async_client or shared_async_client(self.timeout)

    def _raise_for(self, response: httpx.Response, content: bytes) -> None:
        raise error_from_response(
            response.status_code, response.headers, content, secret=self._scrub()
        )

    def _decode(self, response: httpx.Response, content: bytes) -> dict[str, Any]:
        try:
            data = json.loads(content)
        except ValueError:
            snippet = " ".join(content[:200].decode("utf-8", "replace").split())
            msg = (
                f"Groq answered {response.status_code} with a body that is not "
                f"JSON: {snippet}"
            )
            raise GroqAPIError(
                msg,
                status_code=response.status_code,
                request_id=response.headers.get("x-request-id"),
                body=content.decode("utf-8", "replace"),
            ) from None
        if not isinstance(data, dict):
            msg = f"Groq answered with JSON that is not an object: {str(data)[:200]}"
            raise GroqAPIError(msg, status_code=response.status_code, body=data)
        return data

    def _encode(self, body: Mapping[str, Any]) -> bytes:
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()

    # -- plain requests ------------------------------------------------------

    def request(
        self, method: str, path: str, body: Mapping[str, Any] | None = None
    ) -> tuple[dict[str, Any], httpx.Headers]:
        """Send a request and decode its JSON answer.

        Args:
            method: `GET` or `POST`.
            path: Path below the base URL, e.g. `chat/completions`.
            body: JSON body for `POST`.

        Returns:
            The decoded body and the response headers.

        Raises:
            GroqError: For any failure, classified.
        """
        content = self._encode(body) if body is not None else None
        with _translate_transport_errors(self._scrub()):
            response = self._client_sync().request(
                method, self._url(path), content=content, headers=self._headers
            )
            raw = response.content
        if response.status_code >= 400:
            self._raise_for(response, raw)
        return self._decode(response, raw), response.headers

    async def arequest(
        self, method: str, path: str, body: Mapping[str, Any] | None = None
    ) -> tuple[dict[str, Any], httpx.Headers]:
        """Async `request`.

        Args:
            method: `GET` or `POST`.
            path: Path below the base URL.
            body: JSON body for `POST`.

        Returns:
            The decoded body and the response headers.

        Raises:
            GroqError: For any failure, classified.
        """
        content = self._encode(body) if body is not None else None
        with _translate_transport_errors(self._scrub()):
            response = await self._client_async().request(
                method, self._url(path), content=content, headers=self._headers
            )
            raw = response.content
        if response.status_code >= 400:
            self._raise_for(response, raw)
        return self._decode(response, raw), response.headers

    # -- streams -------------------------------------------------------------

    @contextmanager
    def stream(
        self, path: str, body: Mapping[str, Any]
    ) -> Iterator[tuple[httpx.Headers, Iterator[str]]]:
        """Open a server-sent-event stream.

        Yields:
            The response headers and an iterator over the event lines. The
            connection goes back to the pool when the block exits, even if
            the consumer stopped early.

        Raises:
            GroqError: For an HTTP error status or a transport failure.
        """
        content = self._encode(body)
        secret = self._scrub()
        with _translate_transport_errors(secret):
            cm = self._client_sync().stream(
                "POST", self._url(path), content=content, headers=self._headers
            )
            response = cm.__enter__()
        try:
            if response.status_code >= 400:
                with _translate_transport_errors(secret):
                    raw = response.read()
                self._raise_for(response, raw)
            yield response.headers, _guard_lines(response.iter_lines(), secret)
        finally:
            cm.__exit__(None, None, None)

    @asynccontextmanager
    async def astream(
        self, path: str, body: Mapping[str, Any]
    ) -> AsyncIterator[tuple[httpx.Headers, AsyncIterator[str]]]:
        """Async `stream`.

        Yields:
            The response headers and an async iterator over the event lines.

        Raises:
            GroqError: For an HTTP error status or a transport failure.
        """
        content = self._encode(body)
        secret = self._scrub()
        with _translate_transport_errors(secret):
            cm = self._client_async().stream(
                "POST", self._url(path), content=content, headers=self._headers
            )
            response = await cm.__aenter__()
        try:
            if response.status_code >= 400:
                with _translate_transport_errors(secret):
                    raw = await response.aread()
                self._raise_for(response, raw)
            yield response.headers, _aguard_lines(response.aiter_lines(), secret)
        finally:
            await cm.__aexit__(None, None, None)


@contextmanager
def _translate_transport_errors(secret: str | None) -> Iterator[None]:
    try:
        yield
    except GroqError:
        raise
    except httpx.TimeoutException as exc:
        msg = f"Groq did not answer in time ({type(exc).__name__})"
        raise GroqTimeoutError(msg) from None
    except httpx.TransportError as exc:
        text = str(exc) or type(exc).__name__
        if secret:
            text = text.replace(secret, "***")
        msg = f"could not reach Groq: {text}"
        raise GroqConnectionError(msg) from None


def _guard_lines(lines: Iterator[str], secret: str | None) -> Iterator[str]:
    try:
        yield from lines
    except httpx.TimeoutException:
        msg = "the stream stalled: no data within the read timeout"
        raise GroqTimeoutError(msg) from None
    except httpx.TransportError as exc:
        msg = f"the stream was cut off: {type(exc).__name__}"
        raise GroqStreamError(msg) from None


async def _aguard_lines(
    lines: AsyncIterator[str], secret: str | None
) -> AsyncIterator[str]:
    try:
        async for line in lines:
            yield line
    except httpx.TimeoutException:
        msg = "the stream stalled: no data within the read timeout"
        raise GroqTimeoutError(msg) from None
    except httpx.TransportError as exc:
        msg = f"the stream was cut off: {type(exc).__name__}"
        raise GroqStreamError(msg) from None
