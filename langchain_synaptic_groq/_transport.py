"""HTTP for Groq: pooled httpx clients, SSE lines, HTTP failures -> errors."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import os
import re
import ssl
import threading
import weakref
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    asynccontextmanager,
    contextmanager,
    nullcontext,
)
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from langchain_synaptic_groq import _pool
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

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "Transport",
    "make_timeout",
    "plain_http_origin",
]

logger = logging.getLogger("langchain_synaptic_groq")

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
# As the Groq SDK: 100 connections, 20 kept alive. Idle connections expire
# after 4 s, before the 5 s keep-alive timeout common to servers (llama.cpp,
# nginx): reusing one the server is closing fails with "Server disconnected".
DEFAULT_LIMITS = httpx.Limits(
    max_connections=100, max_keepalive_connections=20, keepalive_expiry=4.0
)
_SLOTS = 100  # = DEFAULT_LIMITS.max_connections
#: The largest answer read by default: a non-streamed body, or all the events
#: of a stream together (decoded bytes). The longest Groq answer (65,536
#: tokens, ~250 bytes of JSON per streamed token) is about 16 MiB of events.
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024
USER_AGENT = "langchain-synaptic-groq/0.1.0"
_TIMEOUT_FORMS = (
    "timeout must be seconds, a (connect, read) tuple or httpx.Timeout, got "
)
_CODE_TOO_LARGE = "response_too_large"


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


def plain_http_origin(url: str) -> str | None:
    """The origin of `url` if it is plain http to a host off this machine.

    Args:
        url: A base URL.

    Returns:
        `http://host[:port]` (without any user or password in the URL) when a
        request to `url` would cross a network unencrypted; `None` for https
        and for loopback hosts (`localhost`, `*.localhost`, `127.0.0.0/8`,
        `::1`).
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() != "http":
        return None
    host = (parts.hostname or "").rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}" + (f":{port}" if port is not None else "")


# --- shared clients --------------------------------------------------------
# Building an httpx client costs ~1 ms and a TLS context; ChatGroq builds two
# per instance. Clients are shared per (process, timeout) and, for async, per
# event loop: an AsyncClient's connections belong to the loop that opened them,
# so reusing one under a new loop gives "Event loop is closed".
#
# After `os.fork()` the child must not touch the parent's clients: their
# sockets are the parent's too, and a request from both sides would mix the
# two conversations on one connection. Sync clients are keyed by pid; the
# async map is emptied in the child. The parent's clients are kept alive (not
# closed, not collected) in the child, so that nothing in the child shuts a
# socket the parent still uses.
#
# Each shared client comes with a gate: a semaphore with one slot per pooled
# connection, taken for the whole of a request or stream. httpcore's pool
# scans every waiting request against every connection each time one frees
# up; with 500 coroutines on 100 connections that bookkeeping took 2.5 s of
# CPU for 500 loopback requests, against 0.4 s when the extra requests wait
# here instead. User clients have no gate: their limits are unknown.


class _Shared:
    """A shared client and its gate."""

    __slots__ = ("client", "gate")

    def __init__(self, client: Any, gate: Any) -> None:
        self.client = client
        self.gate = gate


_lock = threading.Lock()
_sync_clients: dict[tuple[int, Any], _Shared] = {}
_async_clients: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, dict[Any, _Shared]
] = weakref.WeakKeyDictionary()
_async_pid = os.getpid()
_inherited: list[Any] = []


def _after_fork_in_child() -> None:
    """Give a forked child its own lock and an empty async client map."""
    global _lock, _async_pid
    # A lock held by another thread of the parent at fork time would stay
    # held in the child forever.
    _lock = threading.Lock()
    _inherited.append(list(_async_clients.values()))
    _async_clients.clear()
    _async_pid = os.getpid()


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_after_fork_in_child)


_ssl_context: ssl.SSLContext | None = None


def _shared_ssl_context() -> ssl.SSLContext:
    """One TLS context for every pooled client.

    Building one loads the CA bundle (~15 ms); without sharing, each new event
    loop (`asyncio.run` in a loop) would pay that for its client. Built as
    httpx builds its default (certifi, or SSL_CERT_FILE / SSL_CERT_DIR).
    """
    global _ssl_context
    if _ssl_context is None:
        _ssl_context = httpx.create_ssl_context()
    return _ssl_context


def _timeout_key(timeout: httpx.Timeout) -> tuple[Any, ...]:
    return (timeout.connect, timeout.read, timeout.write, timeout.pool)


def _shared_sync(timeout: httpx.Timeout) -> _Shared:
    key = (os.getpid(), _timeout_key(timeout))
    shared = _sync_clients.get(key)
    if shared is None:
        with _lock:
            shared = _sync_clients.get(key)
            if shared is None:
                client = httpx.Client(
                    timeout=timeout,
                    limits=DEFAULT_LIMITS,
                    verify=_shared_ssl_context(),
                )
                _pool.install(client)
                shared = _Shared(client, threading.BoundedSemaphore(_SLOTS))
                _sync_clients[key] = shared
    return shared


def _shared_async(timeout: httpx.Timeout) -> _Shared:
    loop = asyncio.get_running_loop()
    if os.getpid() != _async_pid:  # forked without the at-fork hook
        _after_fork_in_child()
    per_loop = _async_clients.get(loop)
    if per_loop is None:
        per_loop = {}
        _async_clients[loop] = per_loop
    key = _timeout_key(timeout)
    shared = per_loop.get(key)
    if shared is None:
        client = httpx.AsyncClient(
            timeout=timeout, limits=DEFAULT_LIMITS, verify=_shared_ssl_context()
        )
        _pool.install(client)
        shared = _Shared(client, asyncio.BoundedSemaphore(_SLOTS))
        per_loop[key] = shared
    return shared


def shared_client(timeout: httpx.Timeout) -> httpx.Client:
    """The process-wide sync client for this timeout (new after a fork)."""
    client: httpx.Client = _shared_sync(timeout).client
    return client


def shared_async_client(timeout: httpx.Timeout) -> httpx.AsyncClient:
    """The async client for this timeout on the running event loop."""
    client: httpx.AsyncClient = _shared_async(timeout).client
    return client


def _no_slot(timeout: httpx.Timeout) -> GroqTimeoutError:
    wait = "" if timeout.pool is None else f" of {timeout.pool:g}s"
    msg = (
        "Groq did not answer in time (no free connection within the pool "
        f"timeout{wait})"
    )
    return GroqTimeoutError(msg)


_NO_GATE = nullcontext()


class _Held:
    """Holds one connection slot of a shared sync client (see `_Shared`)."""

    __slots__ = ("gate", "wait")

    def __init__(
        self, gate: threading.BoundedSemaphore, timeout: httpx.Timeout
    ) -> None:
        self.gate = gate
        self.wait = timeout

    def __enter__(self) -> None:
        if not self.gate.acquire(timeout=self.wait.pool):
            raise _no_slot(self.wait)

    def __exit__(self, *exc: object) -> None:
        self.gate.release()


class _AHeld:
    """Holds one connection slot of a shared async client (see `_Shared`)."""

    __slots__ = ("gate", "wait")

    def __init__(self, gate: asyncio.BoundedSemaphore, timeout: httpx.Timeout) -> None:
        self.gate = gate
        self.wait = timeout

    async def __aenter__(self) -> None:
        if not self.gate.locked():
            await self.gate.acquire()
            return
        try:
            async with asyncio.timeout(self.wait.pool):
                await self.gate.acquire()
        except TimeoutError:
            raise _no_slot(self.wait) from None

    async def __aexit__(self, *exc: object) -> None:
        self.gate.release()


def _gate(
    gate: threading.BoundedSemaphore | None, timeout: httpx.Timeout
) -> AbstractContextManager[None]:
    """Hold a connection slot of a shared sync client; user clients have none."""
    return _NO_GATE if gate is None else _Held(gate, timeout)


def _agate(
    gate: asyncio.BoundedSemaphore | None, timeout: httpx.Timeout
) -> AbstractAsyncContextManager[None]:
    """Hold a connection slot of a shared async client; user clients have none."""
    return _NO_GATE if gate is None else _AHeld(gate, timeout)


class _Body:
    """A response body being read, with a repr that never shows it.

    The body is kept here rather than in a plain local variable: a proxy may
    echo the request (key included) in its error page, and tracebacks that
    render locals (capture_locals, Sentry, rich) would show it.
    """

    __slots__ = ("data",)

    def __init__(self) -> None:
        self.data = bytearray()

    def __repr__(self) -> str:
        return f"<response body, {len(self.data)} bytes>"

    def add(self, chunk: bytes) -> int:
        self.data += chunk
        return len(self.data)


def _declared_length(headers: httpx.Headers) -> int | None:
    value = headers.get("content-length")
    return int(value) if value is not None and value.isdigit() else None


def _too_large(
    limit: int, headers: httpx.Headers, status: int | None, *, stream: bool
) -> GroqAPIError:
    what = "stream" if stream else "answer"
    msg = (
        f"Groq's {what} is larger than max_response_bytes ({limit:,} bytes); "
        f"refused without reading the rest (raise max_response_bytes if the "
        f"answer is expected to be this large)"
    )
    cls = GroqStreamError if stream else GroqAPIError
    return cls(
        msg,
        status_code=status,
        code=_CODE_TOO_LARGE,
        request_id=headers.get("x-request-id"),
        rate_limit=RateLimitState.from_headers(headers),
        should_retry=False,  # the same question gets the same answer
    )


class Transport:
    """Sends requests for one model configuration.

    It holds the base URL, the auth headers, the limits and the optional user
    clients; the repr never shows the key.
    """

    __slots__ = (
        "_async_client",
        "_client",
        "_headers",
        "_secret",
        "base_url",
        "max_response_bytes",
        "stream_chunk_timeout",
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
        stream_chunk_timeout: float | None = None,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.stream_chunk_timeout = stream_chunk_timeout
        self.max_response_bytes = max_response_bytes
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

    def _pool_sync(self) -> tuple[httpx.Client, threading.BoundedSemaphore | None]:
        if self._client is not None:
            return self._client, None
        shared = _shared_sync(self.timeout)
        return shared.client, shared.gate

    def _pool_async(
        self,
    ) -> tuple[httpx.AsyncClient, asyncio.BoundedSemaphore | None]:
        if self._async_client is not None:
            return self._async_client, None
        shared = _shared_async(self.timeout)
        return shared.client, shared.gate

    def _response_headers(self, response: httpx.Response) -> httpx.Headers:
        """The response headers, with the key scrubbed if a server echoed it."""
        headers = response.headers
        if self._secret is None:
            return headers
        key = self._secret.get_secret_value().encode()
        if not any(key in value for _, value in headers.raw):
            return headers
        return httpx.Headers(
            [
                (name, redact(value, self._secret))
                for name, value in headers.multi_items()
            ]
        )

    # A body is read into a `_Body` (see there), at most `max_response_bytes`
    # of it: an error page is cut there, an answer is refused.

    def _check_declared(self, response: httpx.Response, *, stream: bool) -> None:
        limit = self.max_response_bytes
        if limit is None or response.status_code >= 400:
            return
        declared = _declared_length(response.headers)
        if declared is not None and declared > limit:
            raise _too_large(
                limit, response.headers, response.status_code, stream=stream
            )

    def _read(self, response: httpx.Response, *, stream: bool = False) -> _Body:
        self._check_declared(response, stream=stream)
        limit = self.max_response_bytes
        body = _Body()
        for size in map(body.add, response.iter_bytes()):
            if limit is not None and size > limit:
                return self._over(body, limit, response, stream=stream)
        return body

    async def _aread(self, response: httpx.Response, *, stream: bool = False) -> _Body:
        self._check_declared(response, stream=stream)
        limit = self.max_response_bytes
        body = _Body()
        async for chunk in response.aiter_bytes():
            size = body.add(chunk)
            if limit is not None and size > limit:
                return self._over(body, limit, response, stream=stream)
        return body

    def _over(
        self, body: _Body, limit: int, response: httpx.Response, *, stream: bool
    ) -> _Body:
        if response.status_code >= 400:  # keep the start of an error page
            del body.data[limit:]
            return body
        body.data.clear()
        raise _too_large(limit, response.headers, response.status_code, stream=stream)

    def _raise_for(self, response: httpx.Response, body: _Body) -> None:
        raise error_from_response(
            response.status_code,
            self._response_headers(response),
            bytes(body.data),
            secret=self._secret,
        )

    def _decode(self, response: httpx.Response, body: _Body) -> dict[str, Any]:
        try:
            data = json.loads(body.data)
        except (ValueError, RecursionError):
            data = _NOT_JSON
        if isinstance(data, dict):
            return data
        headers = response.headers
        if data is _NOT_JSON:
            text = redact(body.data.decode("utf-8", "replace"), self._secret)
            msg = (
                f"Groq answered {response.status_code} with a body that is not "
                f"JSON: {' '.join(text[:200].split())}"
            )
        else:
            del data  # not JSON we can use; the redacted text is the body
            text = redact(body.data.decode("utf-8", "replace"), self._secret)
            msg = f"Groq answered with JSON that is not an object: {text[:200]}"
        raise GroqAPIError(
            msg,
            status_code=response.status_code,
            request_id=headers.get("x-request-id"),
            rate_limit=RateLimitState.from_headers(headers),
            body=text,
        )

    @staticmethod
    def _encode(body: Mapping[str, Any]) -> bytes:
        try:
            text = json.dumps(
                body, separators=(",", ":"), ensure_ascii=False, allow_nan=False
            )
        except (TypeError, ValueError) as exc:
            # A value JSON cannot carry (bytes, a set, NaN) in a parameter.
            msg = f"the request cannot be sent as JSON: {exc}"
            raise ValueError(msg) from None
        try:
            return text.encode()
        except UnicodeEncodeError as exc:
            # A lone surrogate (text decoded with `surrogateescape`, say):
            # not Unicode, so not sendable as UTF-8 JSON.
            bad = text[exc.start : exc.end].encode("unicode_escape").decode()
            msg = (
                f"the request holds text that is not valid Unicode ({bad} at "
                f"character {exc.start} of the body); clean the input first"
            )
            raise ValueError(msg) from None

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
            ValueError: If the body cannot be sent as JSON (a value JSON
                cannot carry, or text that is not valid Unicode).
        """
        content = self._encode(body) if body is not None else None
        client, gate = self._pool_sync()
        with (
            _gate(gate, self.timeout),
            _translate_transport_errors(self._secret, self.timeout),
            client.stream(
                method, self._url(path), content=content, headers=self._headers
            ) as response,
        ):
            answer = self._read(response)
        if response.status_code >= 400:
            self._raise_for(response, answer)
        return self._decode(response, answer), self._response_headers(response)

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
            ValueError: If the body cannot be sent as JSON (a value JSON
                cannot carry, or text that is not valid Unicode).
        """
        content = self._encode(body) if body is not None else None
        client, gate = self._pool_async()
        async with _agate(gate, self.timeout):
            with _translate_transport_errors(self._secret, self.timeout):
                async with client.stream(
                    method, self._url(path), content=content, headers=self._headers
                ) as response:
                    answer = await self._aread(response)
        if response.status_code >= 400:
            self._raise_for(response, answer)
        return self._decode(response, answer), self._response_headers(response)

    # -- files (the Batch API) -----------------------------------------------

    def _file_headers(self, *, accept: str | None = None) -> httpx.Headers:
        # Without the JSON content type: httpx sets the multipart one (with its
        # boundary) only when the request does not name one already.
        headers = self._headers.copy()
        del headers["Content-Type"]
        if accept is not None:
            headers["Accept"] = accept
        return headers

    def upload(
        self, path: str, files: Mapping[str, Any], data: Mapping[str, str]
    ) -> tuple[dict[str, Any], httpx.Headers]:
        """POST a `multipart/form-data` body (a file upload); decode the JSON answer.

        Args:
            path: Path below the base URL, e.g. `files`.
            files: The file parts, as httpx takes them (`name: (filename,
                bytes, content type)`).
            data: The plain form fields.

        Returns:
            The decoded body and the response headers.

        Raises:
            GroqError: For any failure, classified.
        """
        client, gate = self._pool_sync()
        with (
            _gate(gate, self.timeout),
            _translate_transport_errors(self._secret, self.timeout),
            client.stream(
                "POST",
                self._url(path),
                files=files,
                data=data,
                headers=self._file_headers(),
            ) as response,
        ):
            answer = self._read(response)
        if response.status_code >= 400:
            self._raise_for(response, answer)
        return self._decode(response, answer), self._response_headers(response)

    async def aupload(
        self, path: str, files: Mapping[str, Any], data: Mapping[str, str]
    ) -> tuple[dict[str, Any], httpx.Headers]:
        """Async `upload`.

        Args:
            path: Path below the base URL, e.g. `files`.
            files: The file parts, as httpx takes them.
            data: The plain form fields.

        Returns:
            The decoded body and the response headers.

        Raises:
            GroqError: For any failure, classified.
        """
        client, gate = self._pool_async()
        async with _agate(gate, self.timeout):
            with _translate_transport_errors(self._secret, self.timeout):
                async with client.stream(
                    "POST",
                    self._url(path),
                    files=files,
                    data=data,
                    headers=self._file_headers(),
                ) as response:
                    answer = await self._aread(response)
        if response.status_code >= 400:
            self._raise_for(response, answer)
        return self._decode(response, answer), self._response_headers(response)

    # A file's content is not bounded by `max_response_bytes`, which is sized
    # for one answer: the output file of a batch holds thousands of them.

    def download(self, path: str) -> tuple[bytes, httpx.Headers]:
        """GET raw bytes (a file's content), read whole.

        Args:
            path: Path below the base URL, e.g. `files/file_01.../content`.

        Returns:
            The body and the response headers.

        Raises:
            GroqError: For any failure, classified.
        """
        client, gate = self._pool_sync()
        headers = self._file_headers(accept="application/octet-stream")
        with (
            _gate(gate, self.timeout),
            _translate_transport_errors(self._secret, self.timeout),
            client.stream("GET", self._url(path), headers=headers) as response,
        ):
            if response.status_code >= 400:
                self._raise_for(response, self._read(response))
            content = response.read()
        return content, self._response_headers(response)

    async def adownload(self, path: str) -> tuple[bytes, httpx.Headers]:
        """Async `download`.

        Args:
            path: Path below the base URL, e.g. `files/file_01.../content`.

        Returns:
            The body and the response headers.

        Raises:
            GroqError: For any failure, classified.
        """
        client, gate = self._pool_async()
        headers = self._file_headers(accept="application/octet-stream")
        async with _agate(gate, self.timeout):
            with _translate_transport_errors(self._secret, self.timeout):
                async with client.stream(
                    "GET", self._url(path), headers=headers
                ) as response:
                    if response.status_code >= 400:
                        self._raise_for(response, await self._aread(response))
                    content = await response.aread()
        return content, self._response_headers(response)

    # -- streams -------------------------------------------------------------

    def _chunk_timeout(self, response: httpx.Response) -> None:
        """Let the body of a stream wait `stream_chunk_timeout` per read.

        The response head was awaited under the read timeout. httpcore reads
        the request's `timeout` extension again when the body starts, so a
        new `read` value applies to every wait for the next piece of the
        stream. A custom transport may ignore it: the read timeout applies.
        """
        seconds = self.stream_chunk_timeout
        if seconds is None:
            return
        extensions = response.request.extensions
        timeouts = extensions.get("timeout")
        if isinstance(timeouts, dict):
            extensions["timeout"] = {**timeouts, "read": seconds}

    def _stall_text(self, own_client: bool) -> str:
        if self.stream_chunk_timeout is not None:
            return f"no data for {self.stream_chunk_timeout:g}s (stream_chunk_timeout)"
        if not own_client and self.timeout.read is not None:
            return f"no data within the read timeout of {self.timeout.read:g}s"
        return "no data within the read timeout"

    @contextmanager
    def stream(
        self, path: str, body: Mapping[str, Any]
    ) -> Iterator[tuple[httpx.Headers, Iterator[str]]]:
        """Open a server-sent-event stream.

        Yields:
            The response headers and an iterator over the event lines (blank
            separator lines left out). The response is closed when the block
            exits, even if the consumer stopped early; its connection is then
            dropped unless the body was read to its end.

        Raises:
            GroqError: For an HTTP error status or a transport failure.
            ValueError: If the body cannot be sent as JSON (a value JSON
                cannot carry, or text that is not valid Unicode).
        """
        content = self._encode(body)
        client, gate = self._pool_sync()
        with _gate(gate, self.timeout):
            with _translate_transport_errors(self._secret, self.timeout):
                cm = client.stream(
                    "POST", self._url(path), content=content, headers=self._headers
                )
                response = cm.__enter__()
            try:
                if response.status_code >= 400:
                    with _translate_transport_errors(self._secret, self.timeout):
                        answer = self._read(response)
                    self._raise_for(response, answer)
                self._check_declared(response, stream=True)
                self._chunk_timeout(response)
                headers = self._response_headers(response)
                lines = _SSELines(
                    self.max_response_bytes, headers, response.status_code
                )
                yield headers, self._lines(response.iter_bytes(), lines)
            finally:
                # Not drained after `[DONE]` as the async stream is: a sync
                # read cannot be bounded below the read timeout, and a proxy
                # that holds the response open after `[DONE]` would hold the
                # caller that long. Closed unfinished, the connection is
                # dropped, not reused (as the official Groq SDK does).
                with _translate_transport_errors(self._secret, self.timeout):
                    cm.__exit__(None, None, None)

    @asynccontextmanager
    async def astream(
        self, path: str, body: Mapping[str, Any]
    ) -> AsyncIterator[tuple[httpx.Headers, AsyncIterator[str]]]:
        """Async `stream`.

        Yields:
            The response headers and an async iterator over the event lines
            (blank separator lines left out). When the block exits after
            `[DONE]`, the end of the body is read (for at most 0.25 s) so the
            connection can be reused; otherwise the response is closed and its
            connection dropped.

        Raises:
            GroqError: For an HTTP error status or a transport failure.
            ValueError: If the body cannot be sent as JSON (a value JSON
                cannot carry, or text that is not valid Unicode).
        """
        content = self._encode(body)
        client, gate = self._pool_async()
        async with _agate(gate, self.timeout):
            with _translate_transport_errors(self._secret, self.timeout):
                cm = client.stream(
                    "POST", self._url(path), content=content, headers=self._headers
                )
                response = await cm.__aenter__()
            lines: _SSELines | None = None
            try:
                if response.status_code >= 400:
                    with _translate_transport_errors(self._secret, self.timeout):
                        answer = await self._aread(response)
                    self._raise_for(response, answer)
                self._check_declared(response, stream=True)
                self._chunk_timeout(response)
                headers = self._response_headers(response)
                lines = _SSELines(
                    self.max_response_bytes, headers, response.status_code
                )
                chunks = response.aiter_bytes()
                yield headers, self._alines(chunks, lines)
            finally:
                try:
                    if lines is not None and lines.done:
                        await _adrain(chunks)
                finally:
                    with _translate_transport_errors(self._secret, self.timeout):
                        await cm.__aexit__(None, None, None)

    def _lines(self, chunks: Iterator[bytes], lines: _SSELines) -> Iterator[str]:
        try:
            for data in chunks:
                yield from lines.feed(data)
            yield from lines.flush()
        except httpx.TransportError as exc:
            stall = self._stall_text(self._client is not None)
            raise _stream_failure(exc, lines.headers, stall) from None
        except httpx.DecodingError as exc:
            raise _undecodable(exc, lines.headers) from None

    async def _alines(
        self, chunks: AsyncIterator[bytes], lines: _SSELines
    ) -> AsyncIterator[str]:
        try:
            async for data in chunks:
                for line in lines.feed(data):
                    yield line
            for line in lines.flush():
                yield line
        except httpx.TransportError as exc:
            stall = self._stall_text(self._async_client is not None)
            raise _stream_failure(exc, lines.headers, stall) from None
        except httpx.DecodingError as exc:
            raise _undecodable(exc, lines.headers) from None


# After `[DONE]` a stream's body ends at once, but the consumer stops reading
# at `[DONE]`, and a response closed before the end of its body takes its
# connection down with it: the next call pays a new TCP and TLS handshake.
# So an async stream reads the rest (the chunked-encoding end, normally
# already received) first, at most this much and for at most this long: some
# proxies hold a response open after `[DONE]`, and then the connection is
# closed after the wait instead.
_DRAIN_BYTES = 64 * 1024
_DRAIN_SECONDS = 0.25


async def _adrain(chunks: AsyncIterator[bytes]) -> None:
    drained = 0
    try:
        async with asyncio.timeout(_DRAIN_SECONDS):
            async for data in chunks:
                drained += len(data)
                if drained > _DRAIN_BYTES:
                    return  # more than an ending: close the connection
    except Exception:  # noqa: S110 - timeout, transport error, not asyncio
        pass


_NOT_JSON = object()
# Server-sent events end a line with CRLF, LF or CR, and nothing else: not
# the other breaks `str.splitlines` knows (U+2028, U+0085, ...), which JSON
# strings may hold unescaped. Neither byte occurs inside a UTF-8 sequence, so
# lines are split as bytes and each line is decoded whole.
_EOL = re.compile(rb"\r\n|\r|\n")


class _SSELines:
    """Splits a byte stream into non-blank event-stream lines, counting bytes.

    Event streams are UTF-8 whatever the headers say: bad bytes become
    U+FFFD (as in browsers) and a leading byte-order mark is dropped.
    """

    __slots__ = ("_batch", "_cr", "_held", "_limit", "_size", "_status", "headers")

    def __init__(self, limit: int | None, headers: httpx.Headers, status: int) -> None:
        self._limit = limit
        self.headers = headers
        self._status = status
        self._size = 0
        self._held: list[bytes] = []  # the start of a line still being received
        self._cr = False  # the last piece ended with CR: skip a leading LF
        self._batch: list[str] | None = None  # the lines handed out last

    @property
    def done(self) -> bool:
        """Whether the last lines handed out hold `data: [DONE]`.

        A consumer stops at `[DONE]`, which is among the last lines it got;
        looking there when asked keeps the per-line path free of the check.
        """
        return any(
            line.endswith("[DONE]")
            and line.startswith("data:")
            and line[5:].strip() == "[DONE]"
            for line in self._batch or ()
        )

    def feed(self, data: bytes) -> list[str]:
        self._size += len(data)
        if self._limit is not None and self._size > self._limit:
            self._held = []
            raise _too_large(self._limit, self.headers, self._status, stream=True)
        if self._cr:
            self._cr = False
            if data[:1] == b"\n":
                data = data[1:]
        if not data:
            return []
        if b"\r" in data:
            self._cr = data[-1] == 13  # CR
            parts = _EOL.split(data)
        else:
            parts = data.split(b"\n")
        if len(parts) == 1:
            self._held.append(data)
            return []
        if self._held:
            self._held.append(parts[0])
            parts[0] = b"".join(self._held)
        tail = parts.pop()
        self._held = [tail] if tail else []
        # Blank lines only separate events (Groq's carry one data line each).
        lines = [part.decode("utf-8", "replace") for part in parts if part]
        if not lines:
            return lines  # `_batch` keeps the lines that may hold [DONE]
        if self._batch is None and lines[0].startswith("\ufeff"):
            lines[0] = lines[0][1:]
        self._batch = lines
        return lines

    def flush(self) -> list[str]:
        if not self._held:
            return []
        tail = b"".join(self._held)
        self._held = []
        lines = [tail.decode("utf-8", "replace")]
        if self._batch is None and lines[0].startswith("\ufeff"):
            lines[0] = lines[0][1:]
        self._batch = lines
        return lines


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
    except httpx.DecodingError as exc:
        raise _undecodable(exc, httpx.Headers()) from None


def _undecodable(exc: httpx.DecodingError, headers: httpx.Headers) -> GroqAPIError:
    msg = f"Groq's answer could not be decoded ({type(exc).__name__}: {exc})"
    return GroqAPIError(
        msg,
        request_id=headers.get("x-request-id"),
        rate_limit=RateLimitState.from_headers(headers),
    )


def _stream_failure(
    exc: httpx.TransportError, headers: httpx.Headers, stall: str
) -> GroqStreamError | GroqTimeoutError:
    kw: dict[str, Any] = {
        "request_id": headers.get("x-request-id"),
        "rate_limit": RateLimitState.from_headers(headers),
    }
    if isinstance(exc, httpx.TimeoutException):
        return GroqTimeoutError(f"the stream stalled: {stall}", **kw)
    msg = f"the stream was cut off before it finished ({type(exc).__name__})"
    return GroqStreamError(msg, **kw)
