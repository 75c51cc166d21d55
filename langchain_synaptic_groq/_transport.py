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
    redact,
)
from langchain_synaptic_groq.ratelimit import RateLimitState

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
        # The key lives only in this SecretStr and in httpx.Headers, whose
        # reprs mask it: no plain local variable holds it, so a traceback that
        # renders locals (capture_locals, Sentry, rich) cannot show it.
        self._secret = api_key if api_key and api_key.get_secret_value() else None
        self._headers = httpx.Headers(
            {
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            }
        )
        if default_headers:
            self._headers.update(default_headers)
        if self._secret is not None:
            self._headers["Authorization"] = "Bearer " + self._secret.get_secret_value()
        self._client = http_client
        self._async_client = http_async_client

    def __repr__(self) -> str:
        return f"Transport(base_url={self.base_url!r})"

    def _url(self, path: str) -> str:
        return f"{self.base_url}/{path}"

    def _client_sync(self) -> httpx.Client:
        return self._client or shared_client(self.timeout)

    def _client_async(self) -> httpx.AsyncClient:
        return self._async_client or shared_async_client(self.timeout)

    # The body of a response is read through `response.content` and never
    # kept in a local variable of a frame an error passes through: a proxy may
    # echo the request (key included) in its error page, and tracebacks that
    # render locals would show it.

    def _raise_for(self, response: httpx.Response) -> None:
        raise error_from_response(
            response.status_code,
            response.headers,
            response.content,
            secret=self._secret,
        )

    def _decode(self, response: httpx.Response) -> dict[str, Any]:
        try:
            data = json.loads(response.content)
        except ValueError:
            data = _NOT_JSON
        if isinstance(data, dict):
            return data
        headers = response.headers
        if data is _NOT_JSON:
            text = redact(response.content.decode("utf-8", "replace"), self._secret)
            msg = (
                f"Groq answered {response.status_code} with a body that is not "
                f"JSON: {' '.join(text[:200].split())}"
            )
            body: Any = text
        else:
            del data  # not JSON we can use; the redacted text is the body
            text = redact(response.content.decode("utf-8", "replace"), self._secret)
            msg = f"Groq answered with JSON that is not an object: {text[:200]}"
            body = text
        raise GroqAPIError(
            msg,
            status_code=response.status_code,
            request_id=headers.get("x-request-id"),
            rate_limit=RateLimitState.from_headers(headers),
            body=body,
        )

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
        with _translate_transport_errors(self._secret, self.timeout):
            response = self._client_sync().request(
                method, self._url(path), content=content, headers=self._headers
            )
        if response.status_code >= 400:
            self._raise_for(response)
        return self._decode(response), response.headers

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
        with _translate_transport_errors(self._secret, self.timeout):
            response = await self._client_async().request(
                method, self._url(path), content=content, headers=self._headers
            )
        if response.status_code >= 400:
            self._raise_for(response)
        return self._decode(response), response.headers

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
        with _translate_transport_errors(self._secret, self.timeout):
            cm = self._client_sync().stream(
                "POST", self._url(path), content=content, headers=self._headers
            )
            response = cm.__enter__()
        try:
            if response.status_code >= 400:
                with _translate_transport_errors(self._secret, self.timeout):
                    response.read()
                self._raise_for(response)
            yield (
                response.headers,
                _guard_lines(response.iter_lines(), response.headers),
            )
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
        with _translate_transport_errors(self._secret, self.timeout):
            cm = self._client_async().stream(
                "POST", self._url(path), content=content, headers=self._headers
            )
            response = await cm.__aenter__()
        try:
            if response.status_code >= 400:
                with _translate_transport_errors(self._secret, self.timeout):
                    await response.aread()
                self._raise_for(response)
            yield (
                response.headers,
                _aguard_lines(response.aiter_lines(), response.headers),
            )
        finally:
            await cm.__aexit__(None, None, None)


_NOT_JSON = object()


def _timeout_text(exc: httpx.TimeoutException, timeout: httpx.Timeout) -> str:
    limits = {
        httpx.ConnectTimeout: ("connect", timeout.connect),
        httpx.ReadTimeout: ("read", timeout.read),
        httpx.WriteTimeout: ("write", timeout.write),
        httpx.PoolTimeout: ("pool", timeout.pool),
    }
    for cls, (name, seconds) in limits.items():
        if isinstance(exc, cls):
            if seconds is None:
                return f"{name} timeout"
            return f"{name} timeout of {seconds:g}s"
    return type(exc).__name__


@contextmanager
def _translate_transport_errors(
    secret: SecretStr | None, timeout: httpx.Timeout
) -> Iterator[None]:
    try:
        yield
    except GroqError:
        raise
    except httpx.TimeoutException as exc:
        msg = f"Groq did not answer in time ({_timeout_text(exc, timeout)})"
        raise GroqTimeoutError(msg) from None
    except httpx.TransportError as exc:
        text = redact(str(exc) or type(exc).__name__, secret)
        msg = f"could not reach Groq: {type(exc).__name__}: {text}"
        raise GroqConnectionError(msg) from None


def _stream_failure(
    exc: httpx.TransportError, headers: httpx.Headers
) -> GroqStreamError | GroqTimeoutError:
    kw: dict[str, Any] = {
        "request_id": headers.get("x-request-id"),
        "rate_limit": RateLimitState.from_headers(headers),
    }
    if isinstance(exc, httpx.TimeoutException):
        msg = "the stream stalled: no data within the read timeout"
        return GroqTimeoutError(msg, **kw)
    msg = f"the stream was cut off before it finished ({type(exc).__name__})"
    return GroqStreamError(msg, **kw)


def _guard_lines(lines: Iterator[str], headers: httpx.Headers) -> Iterator[str]:
    try:
        yield from lines
    except httpx.TransportError as exc:
        raise _stream_failure(exc, headers) from None


async def _aguard_lines(
    lines: AsyncIterator[str], headers: httpx.Headers
) -> AsyncIterator[str]:
    try:
        async for line in lines:
            yield line
    except httpx.TransportError as exc:
        raise _stream_failure(exc, headers) from None
