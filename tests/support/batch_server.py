"""A loopback implementation of Groq's Files and Batches endpoints, for tests.

`BatchServer` is a real HTTP/1.1 server on 127.0.0.1 (a
`tests/support/loopback.LoopbackServer`) with the endpoints under `/openai/v1`:
`POST /files` (multipart, `purpose=batch`, a `.jsonl`), `GET /files`,
`GET /files/{id}`, `GET /files/{id}/content`, `DELETE /files/{id}`,
`POST /batches`, `GET /batches`, `GET /batches/{id}` and
`POST /batches/{id}/cancel`. The objects have the fields of groq-python's
types (`FileCreateResponse`, `BatchCreateResponse`, ...; see the notes at the
top of `langchain_synaptic_groq/batch.py` for the sources).

A batch moves over time, on a thread of its own: `validating` for
`validate_seconds` (a malformed file, a repeated custom_id, a wrong url or a
second model make it `failed`, with `errors.data` naming the line), then
`in_progress`, where each line's body goes to `runner` (a function from a
chat completion request to `(status, body)`: by default an echo, for the
integration tier a real model server), `line_seconds` apart; then
`finalizing` and `completed`. A batch still running when its window ends
(`window_seconds`, or the real duration of its `completion_window`) becomes
`expired`; a cancelled one goes `cancelling`, then `cancelled`. Either way
the lines that ran are in the output file (or, for answers with an error
status, the error file) and the rest are in the error file with
`batch_expired` / `batch_cancelled`.

Tests script faults with `fail_next(method, path, status)` (one error
answer) and `drop_next(method, path)` (the request is carried out, then the
connection is closed without an answer); `requests` records what arrived.

Tests that use it need `pytest.mark.allow_hosts(["127.0.0.1"])`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import httpx

from .loopback import Connection, LoopbackServer, Request, response
from .wire import completion, error_body, wire_tool_call

API_KEY = "gsk_BATCHKEY_0123456789abcdefghijklmnopqrstu"
ENDPOINT = "/v1/chat/completions"
PREFIX = "/openai/v1"

#: A line's answer: the HTTP status and the JSON body.
Runner = Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]

_WINDOW = re.compile(r"([1-9][0-9]*)([hd])")
_ids = itertools.count(1)


def _id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:26]}"


def _last_user_text(body: dict[str, Any]) -> str:
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return " ".join(
                    str(p.get("text", "")) for p in content if isinstance(p, dict)
                )
            return str(content)
    return ""


def echo_runner(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Answer `echo: <last user text>`; markers in the text script failures.

    - `FAIL <status>` in the text: that HTTP status with Groq's error body;
    - with `tools` in the request: a call of the first function, its
      arguments `{"text": <the user text>}`.
    """
    text = _last_user_text(body)
    marker = re.search(r"FAIL (\d{3})", text)
    if marker:
        status = int(marker[1])
        return status, error_body(
            f"scripted failure {status} for {text!r}", code="scripted_failure"
        )
    model = str(body.get("model"))
    tools = body.get("tools") or []
    if tools:
        name = tools[0]["function"]["name"]
        call = wire_tool_call(f"call_{next(_ids)}", name, json.dumps({"text": text}))
        answer = completion(None, tool_calls=[call], finish_reason="tool_calls")
    else:
        answer = completion(f"echo: {text}", finish_reason="stop")
    answer["model"] = model
    answer["x_groq"] = {"id": _id("req")}
    return 200, answer


def forward_runner(base_url: str, api_key: str, timeout: float = 300.0) -> Runner:
    """Run each line against a real OpenAI-compatible server (`base_url`)."""
    client = httpx.Client(
        base_url=base_url.rstrip("/") + "/",
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=timeout,
    )

    def run(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        response = client.post("chat/completions", json=body)
        try:
            data = response.json()
        except ValueError:
            data = {"error": {"message": response.text[:500]}}
        return response.status_code, data

    return run


#: One request the server got (`path` without the query, `body` bytes).
Received = Request


@dataclass
class _Batch:
    obj: dict[str, Any]
    cancel: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None


@dataclass
class _Fault:
    method: str
    path: str
    status: int | None  # None: carry the request out, then drop the connection
    body: dict[str, Any] | None = None


def _error(message: str, code: str | None = None) -> dict[str, Any]:
    body = error_body(message)
    body["error"]["code"] = code  # these endpoints send `"code": null` too
    return body


class BatchServer(LoopbackServer):
    """Groq's Files and Batches endpoints on 127.0.0.1, for one test."""

    thread_name = "batch-server"

    def __init__(self, runner: Runner = echo_runner, *, api_key: str = API_KEY):
        super().__init__()
        self.runner = runner
        self.api_key = api_key
        self.validate_seconds = 0.0
        self.line_seconds = 0.0
        self.finalize_seconds = 0.0
        #: Overrides every batch's window (in seconds) when set.
        self.window_seconds: float | None = None
        #: Groq-side limits, checked at upload (None: not checked).
        self.max_lines: int | None = None
        self.max_bytes: int | None = None
        #: Models the batch service runs (None: any); another fails validation.
        self.allowed_models: set[str] | None = None
        #: Write the output file in reverse order (Groq keeps no order).
        self.reverse_output = False
        self.requests: list[Received] = []
        self.files: dict[str, dict[str, Any]] = {}
        self.contents: dict[str, bytes] = {}
        self._batches: dict[str, _Batch] = {}
        self._faults: deque[_Fault] = deque()
        self._lock = threading.RLock()

    def stop(self) -> None:
        with self._lock:
            for batch in self._batches.values():
                batch.cancel.set()
        super().stop()

    # -- scripting and reading -------------------------------------------------

    def fail_next(
        self,
        method: str,
        path: str,
        status: int,
        body: dict[str, Any] | None = None,
        *,
        times: int = 1,
    ) -> None:
        """Answer the next `times` requests to `path` (below /openai/v1): an error."""
        for _ in range(times):
            self._faults.append(
                _Fault(method, path, status, body or _error(f"scripted {status}"))
            )

    def drop_next(self, method: str, path: str) -> None:
        """Carry the next request to `path` out, then close without answering."""
        self._faults.append(_Fault(method, path, None))

    def batch(self, batch_id: str) -> dict[str, Any]:
        with self._lock:
            return json.loads(json.dumps(self._batches[batch_id].obj))

    @property
    def batch_ids(self) -> list[str]:
        with self._lock:
            return list(self._batches)

    def calls(self, method: str, path: str) -> list[Received]:
        """The requests to `method path` (`path` below /openai/v1, a prefix)."""
        return [
            r
            for r in self.requests
            if r.method == method and r.path.startswith(PREFIX + path)
        ]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                msg = "the batch server did not reach the expected state in time"
                raise AssertionError(msg)
            time.sleep(0.01)

    # -- HTTP ------------------------------------------------------------------

    async def answer(self, request: Request, connection: Connection) -> bool:
        """One request per connection (each answer says `Connection: close`)."""
        answer = self._answer(request)
        if answer is None:
            return False  # dropped: the connection closes without an answer
        status, body = answer
        if isinstance(body, bytes):
            headers = {"content-type": "application/octet-stream"}
        else:
            headers = {"content-type": "application/json"}
        headers["x-request-id"] = _id("req")
        await connection.send(response(status, body, headers))
        return False

    def _answer(self, request: Request) -> tuple[int, Any] | None:
        """The status and body for `request` (`None`: no answer at all)."""
        self.requests.append(request)
        fault = self._take_fault(request.method, request.path)
        if fault is not None and fault.status is not None:
            return fault.status, fault.body or {}
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return 401, _error("Invalid API Key", "invalid_api_key")
        try:
            status, answer = self._route(
                request.method, request.path, request.headers, request.body
            )
        except Exception as exc:  # a bug here: say so instead of hanging
            status, answer = 500, _error(f"batch server error: {exc!r}")
        if fault is not None:  # carried out; the answer is lost
            return None
        return status, answer

    def _take_fault(self, method: str, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method == method and path.startswith(PREFIX + fault.path):
                    self._faults.remove(fault)
                    return fault
        return None

    def _route(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, Any]:
        parts = path.removeprefix(PREFIX).strip("/").split("/")
        with self._lock:
            if parts == ["files"] and method == "POST":
                return self._upload(headers, body)
            if parts == ["files"] and method == "GET":
                return 200, {"object": "list", "data": list(self.files.values())}
            if len(parts) >= 2 and parts[0] == "files":
                return self._file(method, parts[1], parts[2:])
            if parts == ["batches"] and method == "POST":
                return self._create(body)
            if parts == ["batches"] and method == "GET":
                data = [b.obj for b in reversed(self._batches.values())]
                return 200, json.loads(json.dumps({"object": "list", "data": data}))
            if len(parts) >= 2 and parts[0] == "batches":
                return self._batch_call(method, parts[1], parts[2:])
        return 404, _error(f"Unknown request URL: {method} {path}", "unknown_url")

    # -- files -----------------------------------------------------------------

    def _upload(self, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        ctype = headers.get("content-type", "")
        if not ctype.startswith("multipart/form-data"):
            return 400, _error(f"expected multipart/form-data, got {ctype!r}")
        message = BytesParser(policy=HTTP).parsebytes(
            f"content-type: {ctype}\r\n\r\n".encode() + body
        )
        fields: dict[str, str] = {}
        upload: tuple[str, bytes] | None = None
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            filename = part.get_filename()
            if name == "file" and filename is not None:
                upload = (filename, data)
            elif isinstance(name, str):
                fields[name] = data.decode()
        if fields.get("purpose") != "batch":
            return 400, _error("purpose must be 'batch'", "invalid_purpose")
        if upload is None:
            return 400, _error("a file part named 'file' is required")
        filename, content = upload
        if not filename.endswith(".jsonl"):
            return 400, _error("the Batch API only supports .jsonl files")
        if self.max_bytes is not None and len(content) > self.max_bytes:
            return 413, _error("file too large", "file_too_large")
        lines = [ln for ln in content.splitlines() if ln.strip()]
        if self.max_lines is not None and len(lines) > self.max_lines:
            return 400, _error("too many lines", "too_many_lines")
        return 200, self._store(filename, content, "batch")

    def _store(self, filename: str, content: bytes, purpose: str) -> dict[str, Any]:
        file_id = _id("file")
        record = {
            "id": file_id,
            "object": "file",
            "bytes": len(content),
            "created_at": int(time.time()),
            "filename": filename,
            "purpose": purpose,
        }
        self.files[file_id] = record
        self.contents[file_id] = content
        return record

    def _file(self, method: str, file_id: str, rest: list[str]) -> tuple[int, Any]:
        if file_id not in self.files:
            return 404, _error(f"file {file_id} not found", "file_not_found")
        if rest == ["content"] and method == "GET":
            return 200, self.contents[file_id]
        if not rest and method == "GET":
            return 200, self.files[file_id]
        if not rest and method == "DELETE":
            del self.files[file_id]
            del self.contents[file_id]
            return 200, {"id": file_id, "object": "file", "deleted": True}
        return 404, _error("Unknown request URL", "unknown_url")

    # -- batches -----------------------------------------------------------------

    def _create(self, body: bytes) -> tuple[int, Any]:
        try:
            params = json.loads(body)
        except ValueError:
            return 400, _error("the body is not JSON")
        file_id = params.get("input_file_id")
        if file_id not in self.files:
            return 400, _error(f"input file {file_id!r} not found", "file_not_found")
        if params.get("endpoint") != ENDPOINT:
            return 400, _error(f"endpoint must be {ENDPOINT}", "invalid_endpoint")
        window = params.get("completion_window")
        match = _WINDOW.fullmatch(window) if isinstance(window, str) else None
        hours = int(match[1]) * (24 if match[2] == "d" else 1) if match else 0
        if not 24 <= hours <= 168:
            return 400, _error(f"invalid completion_window {window!r}", "invalid")
        metadata = params.get("metadata")
        if metadata is not None and not (
            isinstance(metadata, dict)
            and all(isinstance(v, str) for v in metadata.values())
        ):
            return 400, _error("metadata must map strings to strings")
        now = int(time.time())
        seconds = (
            self.window_seconds if self.window_seconds is not None else hours * 3600
        )
        obj = {
            "id": _id("batch"),
            "object": "batch",
            "endpoint": ENDPOINT,
            "errors": None,
            "input_file_id": file_id,
            "completion_window": window,
            "status": "validating",
            "output_file_id": None,
            "error_file_id": None,
            "finalizing_at": None,
            "failed_at": None,
            "expired_at": None,
            "cancelled_at": None,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
            "metadata": metadata,
            "created_at": now,
            "expires_at": now + int(seconds),
            "cancelling_at": None,
            "completed_at": None,
            "in_progress_at": None,
        }
        batch = _Batch(obj)
        self._batches[obj["id"]] = batch
        batch.thread = threading.Thread(
            target=self._work, args=(batch, time.monotonic() + seconds), daemon=True
        )
        batch.thread.start()
        return 200, json.loads(json.dumps(obj))

    def _batch_call(
        self, method: str, batch_id: str, rest: list[str]
    ) -> tuple[int, Any]:
        batch = self._batches.get(batch_id)
        if batch is None:
            return 404, _error(f"batch {batch_id} not found", "not_found")
        if not rest and method == "GET":
            return 200, json.loads(json.dumps(batch.obj))
        if rest == ["cancel"] and method == "POST":
            if batch.obj["status"] in ("completed", "failed", "expired", "cancelled"):
                return 400, _error(
                    f"batch {batch_id} is {batch.obj['status']}: it cannot be cancelled"
                )
            if batch.obj["status"] != "cancelling":
                batch.obj["status"] = "cancelling"
                batch.obj["cancelling_at"] = int(time.time())
            batch.cancel.set()
            return 200, json.loads(json.dumps(batch.obj))
        return 404, _error("Unknown request URL", "unknown_url")

    # -- the worker ----------------------------------------------------------------

    def _set(self, batch: _Batch, **fields: Any) -> None:
        with self._lock:
            batch.obj.update(fields)

    def _validate(self, content: bytes) -> tuple[list[dict[str, Any]], list[Any]]:
        lines: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        seen: set[str] = set()
        models: set[str] = set()
        raw_lines = [ln for ln in content.decode().splitlines() if ln.strip()]
        if not raw_lines:
            errors.append({"code": "empty_file", "line": None, "message": "empty"})
        for number, raw in enumerate(raw_lines, 1):
            try:
                line = json.loads(raw)
            except ValueError:
                errors.append(
                    {
                        "code": "invalid_json_line",
                        "line": number,
                        "message": "This line is not parseable as valid JSON.",
                    }
                )
                continue
            custom_id = line.get("custom_id")
            if custom_id in seen:
                errors.append(
                    {
                        "code": "duplicate_custom_id",
                        "line": number,
                        "message": f"custom_id {custom_id!r} is not unique",
                        "param": "custom_id",
                    }
                )
            seen.add(custom_id)
            if line.get("url") != ENDPOINT:
                errors.append(
                    {
                        "code": "url_mismatch",
                        "line": number,
                        "message": f"url must be {ENDPOINT}",
                        "param": "url",
                    }
                )
            model = str((line.get("body") or {}).get("model"))
            if self.allowed_models is not None and model not in self.allowed_models:
                errors.append(
                    {
                        "code": "model_not_supported",
                        "line": number,
                        "message": f"model {model!r} is not available for batch",
                        "param": "body.model",
                    }
                )
            models.add(model)
            if len(models) > 1:
                errors.append(
                    {
                        "code": "model_mismatch",
                        "line": number,
                        "message": "every request of a batch must use one model",
                        "param": "body.model",
                    }
                )
            lines.append(line)
        return lines, errors

    def _work(self, batch: _Batch, deadline: float) -> None:
        if batch.cancel.wait(self.validate_seconds):
            self._finish_cancel(batch, [], [], [])
            return
        content = self.contents.get(batch.obj["input_file_id"], b"")
        lines, errors = self._validate(content)
        now = int(time.time())
        if errors:
            self._set(
                batch,
                status="failed",
                failed_at=now,
                errors={"object": "list", "data": errors},
                request_counts={"total": len(lines), "completed": 0, "failed": 0},
            )
            return
        self._set(
            batch,
            status="in_progress",
            in_progress_at=now,
            request_counts={"total": len(lines), "completed": 0, "failed": 0},
        )
        outputs: list[dict[str, Any]] = []
        failures: list[dict[str, Any]] = []
        left = list(lines)
        while left:
            if batch.cancel.is_set() or time.monotonic() > deadline:
                break
            if self.line_seconds and batch.cancel.wait(self.line_seconds):
                break
            line = left.pop(0)
            try:
                status, answer = self.runner(line["body"])
            except Exception as exc:
                status, answer = 500, _error(f"the runner failed: {exc!r}")
            out = {
                "id": _id("batch_req_out"),
                "custom_id": line["custom_id"],
                "response": {
                    "status_code": status,
                    "request_id": _id("req"),
                    "body": answer,
                },
                "error": None,
            }
            with self._lock:
                counts = batch.obj["request_counts"]
                if status < 400:
                    outputs.append(out)
                    counts["completed"] += 1
                else:
                    failures.append(out)
                    counts["failed"] += 1
        if batch.cancel.is_set():
            self._finish_cancel(batch, outputs, failures, left)
        elif left:
            self._finish(batch, "expired", outputs, failures, left, "batch_expired")
        else:
            self._set(batch, status="finalizing", finalizing_at=int(time.time()))
            time.sleep(self.finalize_seconds)
            self._finish(batch, "completed", outputs, failures, [], "")

    def _finish_cancel(
        self,
        batch: _Batch,
        outputs: list[dict[str, Any]],
        failures: list[dict[str, Any]],
        left: list[dict[str, Any]],
    ) -> None:
        if not outputs and not failures and not left:
            content = self.contents.get(batch.obj["input_file_id"], b"")
            left = [json.loads(ln) for ln in content.splitlines() if ln.strip()]
        time.sleep(self.finalize_seconds)
        self._finish(batch, "cancelled", outputs, failures, left, "batch_cancelled")

    def _finish(
        self,
        batch: _Batch,
        status: str,
        outputs: list[dict[str, Any]],
        failures: list[dict[str, Any]],
        left: list[dict[str, Any]],
        code: str,
    ) -> None:
        messages = {
            "batch_expired": (
                "This request could not be executed before the completion "
                "window expired."
            ),
            "batch_cancelled": "This request did not run: the batch was cancelled.",
        }
        failures.extend(
            {
                "id": _id("batch_req_out"),
                "custom_id": line.get("custom_id"),
                "response": None,
                "error": {"code": code, "message": messages[code]},
            }
            for line in left
        )
        with self._lock:
            fields: dict[str, Any] = {
                "status": status,
                f"{status}_at": int(time.time()),
            }
            if self.reverse_output:
                outputs = outputs[::-1]
            if outputs:
                data = "".join(json.dumps(o) + "\n" for o in outputs).encode()
                fields["output_file_id"] = self._store(
                    "batch_output.jsonl", data, "batch_output"
                )["id"]
            if failures:
                data = "".join(json.dumps(o) + "\n" for o in failures).encode()
                fields["error_file_id"] = self._store(
                    "batch_errors.jsonl", data, "batch_output"
                )["id"]
            if left:
                counts = batch.obj["request_counts"]
                counts["failed"] += len(left)
            batch.obj.update(fields)


@contextlib.contextmanager
def running(runner: Runner = echo_runner, **settings: Any) -> Iterator[BatchServer]:
    """A started server with `settings` (e.g. `line_seconds=0.05`)."""
    server = BatchServer(runner)
    for name, value in settings.items():
        setattr(server, name, value)
    with server:
        yield server
