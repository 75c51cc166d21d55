"""A loopback HTTP server that answers with recorded Groq exchanges.

`ReplayServer` serves every recording in `../shared/groq-recordings/` (see
its README) at once, each under its own path prefix: a client whose base URL
is `server.base_url(name)` gets recording `name`'s answer, so tests need no
shared script and may run in any order. Each answer is the recorded status,
the recorded headers and the recorded body, byte for byte; a streamed answer
(`text/event-stream`) is sent in chunks, one SSE event per chunk, as Groq
sends it.

The framing headers are the one exception: `content-length`,
`transfer-encoding` and `connection` describe how the original bytes
travelled, and pydantic-ai's recorder reformatted its JSON bodies after
recording (13 recorded `content-length`s do not match their `body_text`), so
replaying them would break HTTP framing. The server sets its own:
`Content-Length` of the body it sends (or chunked encoding for a stream) and
`Connection: close`.

What each request carried is kept (`server.received(name)`), so a test can
check that the request path and model were the recorded ones.

Tests that use the server need `pytest.mark.allow_hosts(["127.0.0.1"])`
(pytest-socket): the suite runs with `--disable-socket`.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

__all__ = [
    "RECORDINGS_DIR",
    "Received",
    "Recording",
    "ReplayServer",
    "load_recordings",
    "recordings",
    "recordings_dir",
]

#: Where CI (and this machine) keep the recordings: `<repo>/../shared/`.
RECORDINGS_DIR = (
    Path(__file__).resolve().parents[2].parent / "shared" / "groq-recordings"
)
#: Names another directory holding the recordings and their `INDEX.json`.
RECORDINGS_ENV = "SYNAPTIC_GROQ_RECORDINGS"

# Hop-by-hop framing of the original transfer (see the module docstring).
_FRAMING = frozenset({"content-length", "transfer-encoding", "connection"})


@dataclass(frozen=True)
class Recording:
    """One recorded exchange."""

    name: str
    source: str
    method: str
    path: str
    request: dict[str, Any]
    status: int
    headers: dict[str, str]
    body_text: str

    @property
    def streamed(self) -> bool:
        """Whether the answer is an event stream."""
        return self.headers.get("content-type", "").startswith("text/event-stream")

    @property
    def body(self) -> bytes:
        """The body as sent on the wire."""
        return self.body_text.encode()

    def events(self) -> Iterator[bytes]:
        """The stream's events (each with its blank line), in order."""
        body = self.body
        start = 0
        while start < len(body):
            end = body.find(b"\n\n", start)
            end = len(body) if end < 0 else end + 2
            yield body[start:end]
            start = end


@dataclass(frozen=True)
class Received:
    """A request the server answered."""

    method: str
    path: str
    body: dict[str, Any] | None


def load_recordings(directory: Path = RECORDINGS_DIR) -> dict[str, Recording]:
    """Read every recording named in the directory's `INDEX.json`.

    Raises:
        FileNotFoundError: If the directory, its index or a listed file is
            missing.
        ValueError: If the index's count disagrees with its names or the files.
    """
    index_path = directory / "INDEX.json"
    if not index_path.is_file():
        msg = f"no Groq recordings: {index_path} does not exist"
        raise FileNotFoundError(msg)
    index = json.loads(index_path.read_text(encoding="utf-8"))
    names = list(index["names"])
    if len(names) != index["count"] or len(set(names)) != len(names):
        msg = f"{index_path}: count {index['count']} but {len(names)} names"
        raise ValueError(msg)
    on_disk = {p.stem for p in directory.glob("*.json")} - {"INDEX"}
    if on_disk != set(names):
        msg = (
            f"{directory}: files and INDEX.json disagree (not indexed: "
            f"{sorted(on_disk - set(names))}, missing: {sorted(set(names) - on_disk)})"
        )
        raise ValueError(msg)
    out: dict[str, Recording] = {}
    for name in names:
        raw = json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))
        request, response = raw["request"], raw["response"]
        out[name] = Recording(
            name=name,
            source=raw["source"],
            method=request["method"],
            path=request["path"],
            request=request["body"],
            status=int(response["status"]),
            headers=dict(response["headers"]),
            body_text=response["body_text"],
        )
    return out


def recordings_dir() -> Path:
    """`$SYNAPTIC_GROQ_RECORDINGS`, else `<repo>/../shared/groq-recordings`."""
    override = os.environ.get(RECORDINGS_ENV, "").strip()
    return Path(override) if override else RECORDINGS_DIR


@functools.cache
def recordings() -> dict[str, Recording]:
    """Every recording of `recordings_dir()`, read once per session."""
    return load_recordings(recordings_dir())


class ReplayServer:
    """Serves recordings on 127.0.0.1 from a daemon thread."""

    def __init__(self, recordings: Mapping[str, Recording]) -> None:
        self.recordings = dict(recordings)
        self._received: dict[str, list[Received]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Listen on a free loopback port."""
        replay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                replay._answer(self)

            def do_POST(self) -> None:
                replay._answer(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep the test output clean

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll: `shutdown` waits up to one interval (0.5 s by default).
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="replay-server",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(10)

    @property
    def port(self) -> int:
        assert self._server is not None, "the replay server is not started"
        return int(self._server.server_address[1])

    def base_url(self, name: str) -> str:
        """The API root under which recording `name` is served."""
        return f"http://127.0.0.1:{self.port}/{name}/openai/v1"

    def received(self, name: str) -> list[Received]:
        """The requests that fetched recording `name`, in order."""
        with self._lock:
            return list(self._received.get(name, ()))

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("content-length") or 0)
        raw = handler.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        name, _, rest = handler.path.lstrip("/").partition("/")
        recording = self.recordings.get(name)
        handler.close_connection = True
        if (
            recording is None
            or handler.command != recording.method
            or ("/" + rest != recording.path)
        ):
            # Not a recorded exchange: a plain-text 599 no Groq answer has,
            # so a test asserting on a recording fails naming the request.
            text = f"no recording for {handler.command} {handler.path}".encode()
            handler.send_response(599)
            handler.send_header("Content-Type", "text/plain")
            handler.send_header("Content-Length", str(len(text)))
            handler.send_header("Connection", "close")
            handler.end_headers()
            handler.wfile.write(text)
            return
        with self._lock:
            self._received.setdefault(name, []).append(
                Received(handler.command, "/" + rest, body)
            )
        handler.send_response_only(recording.status)
        for key, value in recording.headers.items():
            if key.lower() not in _FRAMING:
                handler.send_header(key, value)
        handler.send_header("Connection", "close")
        if recording.streamed:
            handler.send_header("Transfer-Encoding", "chunked")
            handler.end_headers()
            for event in recording.events():
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
            handler.wfile.write(b"0\r\n\r\n")
        else:
            payload = recording.body
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
