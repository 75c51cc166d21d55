"""One exchange with Groq without I/O: what is sent, and what the answer means.

The shells (`sync.py`, `async_.py`) open a response and hand its pieces to an
`Exchange`; everything that needs no I/O is decided here, once for both: the
JSON body, status and body to an error, the size limits, the lines of an
event stream and its `[DONE]`, whether the end of a stream is worth reading,
and which of the HTTP library's exceptions becomes which error.

User clients may be httpx2's or httpx's, so the exceptions of both are
mapped. httpx is never imported: when a user client is httpx's, httpx is in
`sys.modules` already (the approach of openai 3.57, `openai/_httpx2.py`).
"""

from __future__ import annotations

import json
import logging
import re
import ssl
import sys
from collections.abc import Mapping
from contextlib import AbstractContextManager
from types import ModuleType
from typing import Any

import anyio
import httpx2
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

logger = logging.getLogger("langchain_synaptic_groq")

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DRAIN_BYTES",
    "DRAIN_SECONDS",
    "Exchange",
    "SSELines",
    "Slots",
    "encode",
    "file_headers",
    "request_headers",
    "transport_errors",
]

#: The largest answer read by default: a non-streamed body, or all the events
#: of a stream together (decoded bytes). The longest Groq answer (65,536
#: tokens, ~250 bytes of JSON per streamed token) is about 16 MiB of events.
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024
USER_AGENT = "langchain-synaptic-groq/0.1.0"
# After `[DONE]` a stream's body ends at once, but the consumer stops reading
# at `[DONE]`, and a response closed before the end of its body takes its
# connection down with it: the next call pays a new TCP and TLS handshake.
# So a stream reads the rest (the chunked-encoding end, normally received
# with `[DONE]`) first, at most this much; an async one for at most this long
# (some proxies hold a response open after `[DONE]`).
DRAIN_BYTES = 64 * 1024
DRAIN_SECONDS = 0.25
_CODE_TOO_LARGE = "response_too_large"
_NOT_JSON = object()
_NO_HEADERS = httpx2.Headers()  # before the head arrived; never changed
# Server-sent events end a line with CRLF, LF or CR, and nothing else: not
# the other breaks `str.splitlines` knows (U+2028, U+0085, ...), which JSON
# strings may hold unescaped. Neither byte occurs inside a UTF-8 sequence, so
# lines are split as bytes and each line is decoded whole.
_EOL = re.compile(rb"\r\n|\r|\n")


def encode(body: Mapping[str, Any]) -> bytes:
    """The JSON body of a request.

    Raises:
        ValueError: If the body cannot be sent as JSON (a value JSON cannot
            carry, or text that is not valid Unicode).
    """
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
        # A lone surrogate (text decoded with `surrogateescape`, say): not
        # Unicode, so not sendable as UTF-8 JSON.
        bad = text[exc.start : exc.end].encode("unicode_escape").decode()
        msg = (
            f"the request holds text that is not valid Unicode ({bad} at "
            f"character {exc.start} of the body); clean the input first"
        )
        raise ValueError(msg) from None


def request_headers(
    api_key: SecretStr | None, extra: Mapping[str, str] | None
) -> httpx2.Headers:
    """The headers of every request.

    The key is only in `api_key` and in the returned headers, whose repr masks
    it: no plain local variable holds it, so a traceback that renders locals
    (capture_locals, Sentry, rich) cannot show it.
    """
    headers = httpx2.Headers(
        {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }
    )
    if extra:
        headers.update(extra)
    if api_key is not None:
        headers["Authorization"] = "Bearer " + api_key.get_secret_value()
    return headers


def file_headers(headers: httpx2.Headers, accept: str | None) -> httpx2.Headers:
    """`headers` for a file upload or download.

    Without the JSON content type: the client sets the multipart one (with
    its boundary) only when the request does not name one already.
    """
    headers = headers.copy()
    del headers["Content-Type"]
    if accept is not None:
        headers["Accept"] = accept
    return headers


# -- the HTTP library's exceptions -----------------------------------------------


def _families() -> tuple[ModuleType, ...]:
    legacy = sys.modules.get("httpx")
    return (httpx2,) if legacy is None else (httpx2, legacy)


def _classes(name: str) -> tuple[type[BaseException], ...]:
    return tuple(getattr(module, name) for module in _families())


def transport_errors() -> tuple[type[BaseException], ...]:
    """What a client raises when an exchange fails on the way.

    httpx2's and httpx's `TransportError` and `DecodingError`, and the TLS
    failures httpx2 lets through unmapped (pydantic/httpx2#854), as openai
    3.57 catches them too.
    """
    return (
        *_classes("TransportError"),
        *_classes("DecodingError"),
        ssl.SSLError,
        anyio.EndOfStream,
    )


class Slots:
    """The connection slots of a shared client, and how long to wait for one.

    The shells' gates (`sync.Gate`, `async_.Gate`) take one for the whole of
    a request; one gate serves every thread or task, so it keeps no state of
    its own beyond the semaphore.
    """

    __slots__ = ("slots", "wait")

    def __init__(self, slots: Any, wait: float | None) -> None:
        self.slots = slots
        self.wait = wait

    def no_slot(self) -> GroqTimeoutError:
        """The error when no slot came free within the pool timeout."""
        wait = "" if self.wait is None else f" of {self.wait:g}s"
        msg = (
            "Groq did not answer in time (no free connection within the pool "
            f"timeout{wait})"
        )
        return GroqTimeoutError(msg)


# -- one exchange -----------------------------------------------------------------


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


class Exchange:
    """One request's answer, fed to it piece by piece by a shell.

    The shell calls `open` with the response head, then `take` with each
    piece of a body (or, for a 2xx stream, hands the pieces to `lines`), and
    finally `answer` / `content`. Used as a context manager (`with
    exchange:`), it turns the HTTP library's exceptions raised inside into
    the package's errors.
    """

    __slots__ = (
        "_body",
        "_bounded",
        "_drained",
        "_limit",
        "_secret",
        "_stream",
        "_user_client",
        "chunk_timeout",
        "headers",
        "lines",
        "status",
        "timeout",
    )

    def __init__(
        self,
        *,
        secret: SecretStr | None,
        timeout: httpx2.Timeout,
        limit: int | None,
        chunk_timeout: float | None = None,
        user_client: bool = False,
        stream: bool = False,
        bounded: bool = True,
    ) -> None:
        """Start an exchange.

        Args:
            secret: The API key, scrubbed from headers and errors.
            timeout: The model's timeout (named in timeout errors).
            limit: `max_response_bytes`.
            chunk_timeout: `stream_chunk_timeout`.
            user_client: Whether the client is the user's (its timeout is then
                unknown).
            stream: Whether the answer is an event stream.
            bounded: Whether `limit` bounds a 2xx answer (a file's content is
                not bounded: a batch's output holds thousands of answers);
                error pages are always cut at `limit`.
        """
        self._secret = secret
        self.timeout = timeout
        self._limit = limit
        self.chunk_timeout = chunk_timeout
        self._user_client = user_client
        self._stream = stream
        self._bounded = bounded
        self._body = _Body()
        self._drained = 0
        self.status = 0
        self.headers: Mapping[str, str] = _NO_HEADERS
        self.lines: SSELines | None = None

    def __repr__(self) -> str:
        return f"<Exchange status={self.status}>"

    # -- the answer ----------------------------------------------------------

    def open(self, status: int, headers: Any) -> bool:
        """The response head arrived.

        Args:
            status: The status code.
            headers: The response headers (httpx2's or httpx's).

        Returns:
            Whether it is an answer; `False` for an error status, whose body
            the shell reads with `take` before raising `error()`.

        Raises:
            GroqAPIError: If the answer declares a length over the limit
                (`GroqStreamError` for a stream).
        """
        self.status = status
        self.headers = self._scrubbed(headers)
        if status >= 400:
            return False
        limit = self._limit if self._bounded else None
        if limit is not None:
            declared = headers.get("content-length")
            if declared is not None and declared.isdigit() and int(declared) > limit:
                raise self._too_large(limit)
        if self._stream:
            self.lines = SSELines(limit, self.headers, status)
        return True

    def take(self, piece: bytes) -> bool:
        """Add a piece of a whole body.

        Returns:
            Whether to read on: an error page is cut at the limit.

        Raises:
            GroqAPIError: If an answer grows over the limit.
        """
        data = self._body.data
        data += piece
        limit = self._limit
        if limit is None or len(data) <= limit:
            return True
        if self.status >= 400:  # keep the start of an error page
            del data[limit:]
            return False
        if not self._bounded:
            return True
        data.clear()
        raise self._too_large(limit)

    def error(self) -> GroqError:
        """The error for an error status, its body read."""
        return error_from_response(
            self.status, self.headers, bytes(self._body.data), secret=self._secret
        )

    def answer(self) -> tuple[dict[str, Any], Mapping[str, str]]:
        """The decoded JSON answer and the response headers.

        Raises:
            GroqError: For an error status, or an answer that is not a JSON
                object.
        """
        if self.status >= 400:
            raise self.error()
        body = self._body.data
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            data = _NOT_JSON
        if isinstance(data, dict):
            return data, self.headers
        text = redact(body.decode("utf-8", "replace"), self._secret)
        if data is _NOT_JSON:
            msg = (
                f"Groq answered {self.status} with a body that is not "
                f"JSON: {' '.join(text[:200].split())}"
            )
        else:
            del data  # not JSON we can use; the redacted text is the body
            msg = f"Groq answered with JSON that is not an object: {text[:200]}"
        raise GroqAPIError(
            msg,
            status_code=self.status,
            request_id=self.headers.get("x-request-id"),
            rate_limit=RateLimitState.from_headers(self.headers),
            body=text,
        )

    def content(self) -> tuple[bytes, Mapping[str, str]]:
        """The raw body (a file's content) and the response headers.

        Raises:
            GroqError: For an error status.
        """
        if self.status >= 400:
            raise self.error()
        return bytes(self._body.data), self.headers

    # -- streams -------------------------------------------------------------

    def set_chunk_timeout(self, extensions: dict[str, Any]) -> None:
        """Let each wait for the next piece of a stream last `chunk_timeout`.

        The response head was awaited under the read timeout. httpcore2 (and
        httpcore) read the request's `timeout` extension again when the body
        starts, so a new `read` value applies to every wait for the next
        piece of the stream. A custom transport may ignore it: the read
        timeout applies.
        """
        seconds = self.chunk_timeout
        if seconds is None:
            return
        timeouts = extensions.get("timeout")
        if isinstance(timeouts, dict):
            extensions["timeout"] = {**timeouts, "read": seconds}

    @property
    def done(self) -> bool:
        """Whether the consumer got the stream's `[DONE]`: read the end then."""
        return self.lines is not None and self.lines.done

    #: How long an async stream waits for the end of its body.
    drain_seconds = DRAIN_SECONDS

    def reading_end(self) -> AbstractContextManager[None]:
        """Wraps the read of the end of a finished stream.

        A failure there only costs the connection, so it is logged (DEBUG),
        not raised; a cancellation goes on.
        """
        return _ReadingEnd()

    def drain(self, piece: bytes) -> bool:
        """Count a piece read after `[DONE]`; whether to read on.

        More than an ending: the connection is closed rather than read on.
        """
        self._drained += len(piece)
        return self._drained <= DRAIN_BYTES

    # -- failures ------------------------------------------------------------

    failures = staticmethod(transport_errors)

    def __enter__(self) -> Exchange:
        return self

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is None or isinstance(exc, GroqError):
            return
        if isinstance(exc, transport_errors()):
            raise self.failure(exc) from None

    def failure(self, exc: BaseException) -> GroqError:
        """The error for a failure on the way (not within a stream's body)."""
        if isinstance(exc, _classes("TimeoutException")):
            msg = f"Groq did not answer in time ({self._timeout_text(exc)})"
            return GroqTimeoutError(msg)
        if isinstance(exc, _classes("DecodingError")):
            return self._undecodable(exc)
        text = redact(str(exc) or type(exc).__name__, self._secret)
        return GroqConnectionError(
            f"could not reach Groq: {type(exc).__name__}: {text}"
        )

    def cut(self, exc: BaseException) -> GroqError:
        """The error for a failure while a stream's body is read."""
        if isinstance(exc, _classes("DecodingError")):
            return self._undecodable(exc)
        kw: dict[str, Any] = {
            "request_id": self.headers.get("x-request-id"),
            "rate_limit": RateLimitState.from_headers(self.headers),
        }
        if isinstance(exc, _classes("TimeoutException")):
            return GroqTimeoutError(f"the stream stalled: {self._stall_text()}", **kw)
        msg = f"the stream was cut off before it finished ({type(exc).__name__})"
        return GroqStreamError(msg, **kw)

    def _timeout_text(self, exc: BaseException) -> str:
        timeout = self.timeout
        for name, seconds in (
            ("connect", timeout.connect),
            ("read", timeout.read),
            ("write", timeout.write),
            ("pool", timeout.pool),
        ):
            if isinstance(exc, _classes(name.capitalize() + "Timeout")):
                if seconds is None:
                    return f"{name} timeout"
                return f"{name} timeout of {seconds:g}s"
        return type(exc).__name__

    def _stall_text(self) -> str:
        if self.chunk_timeout is not None:
            return f"no data for {self.chunk_timeout:g}s (stream_chunk_timeout)"
        if not self._user_client and self.timeout.read is not None:
            return f"no data within the read timeout of {self.timeout.read:g}s"
        return "no data within the read timeout"

    def _undecodable(self, exc: BaseException) -> GroqAPIError:
        msg = f"Groq's answer could not be decoded ({type(exc).__name__}: {exc})"
        return GroqAPIError(
            msg,
            request_id=self.headers.get("x-request-id"),
            rate_limit=RateLimitState.from_headers(self.headers),
        )

    def _too_large(self, limit: int) -> GroqAPIError:
        return _too_large(limit, self.headers, self.status, stream=self._stream)

    def _scrubbed(self, headers: Any) -> Mapping[str, str]:
        """The response headers, with the key scrubbed if a server echoed it."""
        secret = self._secret
        if secret is None:
            return headers  # type: ignore[no-any-return]
        key = secret.get_secret_value().encode()
        if not any(key in value for _, value in headers.raw):
            return headers  # type: ignore[no-any-return]
        return httpx2.Headers(
            [(name, redact(value, secret)) for name, value in headers.multi_items()]
        )


def _too_large(
    limit: int, headers: Mapping[str, str], status: int | None, *, stream: bool
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


class _ReadingEnd:
    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> bool:
        if isinstance(exc, Exception):  # not a cancellation: it goes on
            logger.debug("the end of a finished stream was not read", exc_info=exc)
            return True
        return False


class SSELines:
    """Splits a byte stream into non-blank event-stream lines, counting bytes.

    Event streams are UTF-8 whatever the headers say: bad bytes become
    U+FFFD (as in browsers) and a leading byte-order mark is dropped.
    """

    __slots__ = ("_batch", "_cr", "_held", "_limit", "_size", "_status", "headers")

    def __init__(
        self, limit: int | None, headers: Mapping[str, str], status: int
    ) -> None:
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
        """The lines completed by `data`.

        Raises:
            GroqStreamError: If the stream grows over the limit.
        """
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
        """The last line, if the stream ended without a line break."""
        if not self._held:
            return []
        tail = b"".join(self._held)
        self._held = []
        lines = [tail.decode("utf-8", "replace")]
        if self._batch is None and lines[0].startswith("\ufeff"):
            lines[0] = lines[0][1:]
        self._batch = lines
        return lines
