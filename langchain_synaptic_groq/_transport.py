"""The transport of one model configuration: Groq's URL, headers and clients.

`Transport` holds what a model's requests share (the base URL, the headers
with the key, the limits, the user clients if any) and sends each request
through the sans-IO exchange (`_http.exchange`) and the sync or async shell
(`_http.sync`, `_http.async_`), on the user's client or a shared one
(`_http.clients`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    nullcontext,
)
from typing import Any
from urllib.parse import urlsplit

import httpx2
from pydantic import SecretStr

from langchain_synaptic_groq._http import async_, clients, sync
from langchain_synaptic_groq._http.clients import DEFAULT_TIMEOUT, make_timeout
from langchain_synaptic_groq._http.exchange import (
    DEFAULT_MAX_RESPONSE_BYTES,
    Exchange,
    encode,
    file_headers,
    request_headers,
)

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "Transport",
    "make_timeout",
    "plain_http_origin",
]

Answer = tuple[dict[str, Any], Mapping[str, str]]
_NO_GATE = nullcontext()


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


class Transport:
    """Sends requests for one model configuration.

    It holds the base URL, the auth headers, the limits and the optional user
    clients (httpx2's or httpx's); the repr never shows the key. The
    environment (proxies, CA bundle) is read when it is made.
    """

    __slots__ = (
        "_async_client",
        "_client",
        "_headers",
        "_secret",
        "_settings",
        "base_url",
        "max_response_bytes",
        "stream_chunk_timeout",
        "timeout",
    )

    #: The JSON encoding of a request body (`batch.py` encodes its lines so).
    _encode = staticmethod(encode)

    def __init__(
        self,
        *,
        base_url: str,
        api_key: SecretStr | None,
        timeout: httpx2.Timeout,
        default_headers: Mapping[str, str] | None = None,
        http_client: Any = None,
        http_async_client: Any = None,
        stream_chunk_timeout: float | None = None,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.stream_chunk_timeout = stream_chunk_timeout
        self.max_response_bytes = max_response_bytes
        self._secret = api_key if api_key and api_key.get_secret_value() else None
        self._headers = request_headers(self._secret, default_headers)
        self._client = clients.check_sync_client(http_client)
        self._async_client = clients.check_async_client(http_async_client)
        self._settings = clients.Settings(timeout)

    def __repr__(self) -> str:
        return f"Transport(base_url={self.base_url!r})"

    def _url(self, path: str) -> str:
        return f"{self.base_url}/{path}"

    def _exchange(self, user: object, **kind: bool) -> Exchange:
        return Exchange(
            secret=self._secret,
            timeout=self.timeout,
            limit=self.max_response_bytes,
            chunk_timeout=self.stream_chunk_timeout,
            user_client=user is not None,
            **kind,
        )

    def _sync(self) -> tuple[Any, AbstractContextManager[None]]:
        if self._client is not None:
            return self._client, _NO_GATE
        shared = clients.shared_sync(self._settings)
        return shared.client, shared.hold

    async def _async(self) -> tuple[Any, AbstractAsyncContextManager[None]]:
        if self._async_client is not None:
            return self._async_client, _NO_GATE
        shared = await clients.shared_async(self._settings)
        return shared.client, shared.hold

    def _send(self, method: str, path: str, **request: Any) -> Exchange:
        exchange = self._exchange(self._client, bounded=request.pop("bounded", True))
        sync.send(*self._sync(), exchange, method, self._url(path), **request)
        return exchange

    async def _asend(self, method: str, path: str, **request: Any) -> Exchange:
        bounded = request.pop("bounded", True)
        exchange = self._exchange(self._async_client, bounded=bounded)
        await async_.send(self._async, exchange, method, self._url(path), **request)
        return exchange

    def _json(self, body: Mapping[str, Any] | None) -> dict[str, Any]:
        content = None if body is None else encode(body)
        return {"content": content, "headers": self._headers}

    def _files(
        self, files: Mapping[str, Any], data: Mapping[str, str]
    ) -> dict[str, Any]:
        headers = file_headers(self._headers, None)
        return {"files": files, "data": data, "headers": headers}

    def _file_content(self) -> dict[str, Any]:
        # A file's content is not bounded by `max_response_bytes`, which is
        # sized for one answer: a batch's output file holds thousands of them.
        headers = file_headers(self._headers, "application/octet-stream")
        return {"headers": headers, "bounded": False}

    # -- plain requests ------------------------------------------------------

    def request(
        self, method: str, path: str, body: Mapping[str, Any] | None = None
    ) -> Answer:
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
        return self._send(method, path, **self._json(body)).answer()

    async def arequest(
        self, method: str, path: str, body: Mapping[str, Any] | None = None
    ) -> Answer:
        """Async `request` (same arguments, answer and errors)."""
        return (await self._asend(method, path, **self._json(body))).answer()

    # -- files (the Batch API) -----------------------------------------------

    def upload(
        self, path: str, files: Mapping[str, Any], data: Mapping[str, str]
    ) -> Answer:
        """POST a `multipart/form-data` body (a file upload); decode the JSON answer.

        Args:
            path: Path below the base URL, e.g. `files`.
            files: The file parts, as httpx2 takes them (`name: (filename,
                bytes, content type)`).
            data: The plain form fields.

        Returns:
            The decoded body and the response headers.

        Raises:
            GroqError: For any failure, classified.
        """
        return self._send("POST", path, **self._files(files, data)).answer()

    async def aupload(
        self, path: str, files: Mapping[str, Any], data: Mapping[str, str]
    ) -> Answer:
        """Async `upload` (same arguments, answer and errors)."""
        return (await self._asend("POST", path, **self._files(files, data))).answer()

    def download(self, path: str) -> tuple[bytes, Mapping[str, str]]:
        """GET raw bytes (a file's content), read whole.

        Args:
            path: Path below the base URL, e.g. `files/file_01.../content`.

        Returns:
            The body and the response headers.

        Raises:
            GroqError: For any failure, classified.
        """
        return self._send("GET", path, **self._file_content()).content()

    async def adownload(self, path: str) -> tuple[bytes, Mapping[str, str]]:
        """Async `download` (same arguments, answer and errors)."""
        return (await self._asend("GET", path, **self._file_content())).content()

    # -- streams -------------------------------------------------------------

    def stream(
        self, path: str, body: Mapping[str, Any]
    ) -> AbstractContextManager[tuple[Mapping[str, str], Iterator[str]]]:
        """Open a server-sent-event stream.

        Returns:
            A context manager yielding the response headers and an iterator
            over the event lines (blank separator lines left out). When the
            block exits after `[DONE]`, the end of the body is read (at most
            64 KiB) so the connection can be reused; otherwise the response
            is closed and its connection dropped.

        Raises:
            GroqError: For an HTTP error status or a transport failure.
            ValueError: If the body cannot be sent as JSON (a value JSON
                cannot carry, or text that is not valid Unicode).
        """
        request = self._json(body)
        exchange = self._exchange(self._client, stream=True)
        return sync.stream(*self._sync(), exchange, self._url(path), **request)

    def astream(
        self, path: str, body: Mapping[str, Any]
    ) -> AbstractAsyncContextManager[tuple[Mapping[str, str], AsyncIterator[str]]]:
        """Async `stream`; the end of the body is read for at most 0.25 s.

        Returns:
            An async context manager yielding the response headers and an
            async iterator over the event lines.
        """
        request = self._json(body)
        exchange = self._exchange(self._async_client, stream=True)
        return async_.stream(self._async, exchange, self._url(path), **request)
