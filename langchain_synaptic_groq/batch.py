"""Groq's Batch API from LangChain inputs: `GroqBatchJob`.

`model.submit_batch(inputs)` takes what `model.batch(inputs)` takes, builds
every request with the builder `invoke` uses, uploads them as one JSONL file
and starts a Groq batch. The returned `GroqBatchJob` follows the batch
(`refresh`, `wait`), cancels it, and maps Groq's result files back to one
entry per input, in input order: the `AIMessage` `invoke` would have returned,
or the package's error for that request.

With `state_file`, everything needed to pick the job up again (the batch and
file ids, the custom_id of each input, and until the batch exists a copy of
the JSONL) is written before the upload is sent and rewritten as the job
moves, so `GroqBatchJob.resume(state_file, model)` continues it in another
process.

All decisions are pure functions here: building and checking the file, the
state and what to send next (`_plan` / `_apply`), and mapping result files to
messages. The sync and async methods of `GroqBatchJob` are thin shells that
send what the plan asks for, with the model's retry policy.
"""

# What Groq's Batch and Files API look like, confirmed on 2026-12-01 with the
# look-up tools. Sources:
#   [SDK]  groq/groq-python: src/groq/resources/batches.py (commit 882ffc0f:
#          create, retrieve, list, cancel), src/groq/resources/files.py,
#          src/groq/types/batch_create_params.py, batch_create_response.py,
#          batch_cancel_response.py, batch_list_response.py,
#          file_create_params.py, file_create_response.py,
#          file_info_response.py, file_delete_response.py (commit 0681348f).
#   [REF]  Groq's API reference (console.groq.com/docs/api-reference), the
#          Batches and Files sections of the stored copy.
#   [DOC]  console.groq.com/docs/batch (stored copies) and the example output
#          line in groq/groq-api-cookbook tutorials/batch-processing/README.md.
# Endpoints, below the API root (https://api.groq.com/openai/v1):
#   POST /files     multipart/form-data: `file` (the JSONL, a file part with
#                   a name) and `purpose` = "batch" -> a File: id, object
#                   "file", bytes, created_at, filename, purpose ("batch" or
#                   "batch_output")                                [SDK, REF]
#   GET  /files/{id} -> a File; GET /files/{id}/content -> the raw bytes (the
#                   SDK asks with Accept: application/octet-stream); DELETE
#                   /files/{id} -> {id, object: "file", deleted}  [SDK, REF]
#   POST /batches   {input_file_id, endpoint: "/v1/chat/completions",
#                   completion_window, metadata: {str: str} | null}; the
#                   window: "Durations from 24h to 7d are supported" [SDK, REF]
#   GET  /batches/{id}; GET /batches -> {object: "list", data: [Batch]};
#   POST /batches/{id}/cancel -> the Batch, "status moves to cancelling" [REF]
#   A Batch: id, object "batch", endpoint, input_file_id, completion_window,
#   status (validating, failed, in_progress, finalizing, completed, expired,
#   cancelling, cancelled), output_file_id, error_file_id, errors {object:
#   "list", data: [{code, line, message, param}]}, request_counts {total,
#   completed, failed}, metadata, and the Unix times created_at,
#   in_progress_at, finalizing_at, completed_at, failed_at, expired_at,
#   expires_at, cancelling_at, cancelled_at.                      [SDK, REF]
# An input line: {"custom_id", "method": "POST", "url":
#   "/v1/chat/completions", "body": <a chat completion request>}.      [DOC]
# An output line: {"id": "batch_req_out_...", "custom_id", "response":
#   {"status_code": 200, "request_id", "body": <a chat completion>},
#   "error": null}.                                         [DOC, cookbook]
# Error-file lines are not shown in the stored Groq pages. They are read in
# the shape of the OpenAI batch API that Groq's copies field for field: the
# same `response` with an error status and Groq's {"error": {...}} body, or
# `response: null` and `error: {code, message}` (e.g. "batch_expired"). Both
# are accepted.
# Limits: issue 16 (from Groq's current batch page) gives 50,000 lines and
# 200 MB per input file and one model per batch; these are checked before
# anything is sent. The stored SDK docstrings and API reference still say
# "up to 100 MB" and the stored batch pages are older than either figure:
# Groq's answer to the upload is the last word (a 4xx there raises
# `GroqInvalidRequestError`).

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO, TypeAlias, cast

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, convert_to_messages
from langchain_core.outputs import ChatResult
from langchain_core.prompt_values import (
    ChatPromptValue,
    PromptValue,
    StringPromptValue,
)
from langchain_core.runnables import Runnable, RunnableBinding, RunnableSequence
from pydantic import BaseModel, ConfigDict, ValidationError

from langchain_synaptic_groq._response import parse_completion
from langchain_synaptic_groq._transport import Transport
from langchain_synaptic_groq.chat_models import ChatGroqSynaptic
from langchain_synaptic_groq.errors import (
    GroqAPIError,
    GroqError,
    GroqInvalidRequestError,
    GroqTimeoutError,
    error_from_response,
)
from langchain_synaptic_groq.retry import arun_with_retries, run_with_retries

__all__ = [
    "DEFAULT_POLL_INTERVAL",
    "ENDPOINT",
    "MAX_FILE_BYTES",
    "MAX_LINES",
    "TERMINAL_STATUSES",
    "BatchResult",
    "BatchStatus",
    "GroqBatchJob",
]

#: The one endpoint a Groq batch runs [SDK, REF].
ENDPOINT = "/v1/chat/completions"
#: Requests (lines) in one input file (issue 16, from Groq's batch page).
MAX_LINES = 50_000
#: Bytes in one input file: 200 MB, counted in decimal megabytes so that the
#: check is never looser than Groq's.
MAX_FILE_BYTES = 200_000_000
#: Seconds between two polls in `wait` by default: batches take minutes to
#: days, and each poll is a request.
DEFAULT_POLL_INTERVAL = 30.0

BatchStatus: TypeAlias = Literal[
    "validating",
    "failed",
    "in_progress",
    "finalizing",
    "completed",
    "expired",
    "cancelling",
    "cancelled",
]
#: One entry of `GroqBatchJob.results()`.
BatchResult: TypeAlias = AIMessage | GroqError

#: Statuses after which nothing changes [SDK, REF].
TERMINAL_STATUSES: frozenset[str] = frozenset(
    {"completed", "failed", "expired", "cancelled"}
)

# The batch metadata key that marks a batch as this job's: a retried or
# resumed creation looks for it before creating a second, paid-for batch.
_JOB_KEY = "langchain_synaptic_groq_job"
_WINDOW = re.compile(r"([1-9][0-9]*)([hd])")
_BAR = 24

# -- building the input file (pure) -------------------------------------------


def check_completion_window(window: str) -> str:
    """Check a completion window against Groq's range (24h to 7d).

    Args:
        window: A duration such as `"24h"`, `"48h"` or `"7d"`.

    Returns:
        The window, unchanged.

    Raises:
        ValueError: If it is not hours or days, or outside 24h to 7d.
    """
    match = _WINDOW.fullmatch(window) if isinstance(window, str) else None
    if match is None:
        msg = (
            "completion_window must be a duration in hours or days such as "
            f"'24h' or '7d', got {window!r}"
        )
        raise ValueError(msg)
    hours = int(match[1]) * (24 if match[2] == "d" else 1)
    if not 24 <= hours <= 7 * 24:
        msg = f"completion_window must be from 24h to 7d (Groq's range), got {window!r}"
        raise ValueError(msg)
    return window


def _check_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in (metadata or {}).items():
        if not isinstance(key, str) or not isinstance(value, str):
            msg = (
                "metadata must map strings to strings (Groq's batch metadata), "
                f"got {key!r}: {value!r}"
            )
            raise TypeError(msg)
        if key == _JOB_KEY:
            msg = f"the metadata key {_JOB_KEY!r} is set by GroqBatchJob itself"
            raise ValueError(msg)
        out[key] = value
    return out


def _to_messages(value: LanguageModelInput, index: int) -> list[BaseMessage]:
    """Turn one input into messages, as `BaseChatModel.invoke` does.

    Core's own conversion is a private method; this uses the same public
    prompt values in the same order (prompt value, string, sequence).
    """
    prompt: PromptValue
    if isinstance(value, PromptValue):
        prompt = value
    elif isinstance(value, str):
        prompt = StringPromptValue(text=value)
    elif isinstance(value, Sequence):
        try:
            prompt = ChatPromptValue(messages=convert_to_messages(value))
        except (ValueError, TypeError, NotImplementedError) as exc:
            msg = f"input {index} is not a list of messages: {exc}"
            raise ValueError(msg) from exc
    else:
        msg = (
            f"input {index} is a {type(value).__name__}: submit_batch takes what "
            "invoke takes (a string, a list of messages, or a prompt value)"
        )
        raise TypeError(msg)
    return prompt.to_messages()


def build_requests(
    model: ChatGroqSynaptic,
    inputs: Sequence[LanguageModelInput],
    params: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """Build one batch line per input with the request builder of `invoke`.

    Args:
        model: The chat model whose settings make the requests.
        inputs: What `model.batch` takes.
        params: Call parameters as `invoke(input, **params)` takes them
            (`stop`, `tools`, `tool_choice`, `response_format`, ...).

    Returns:
        The JSONL lines, `custom_id` `"request-<index>"`.

    Raises:
        ValueError: If there is no input, or one cannot be sent (naming it).
        TypeError: If an input is of a type `invoke` does not take.
    """
    if isinstance(inputs, str | PromptValue) or not isinstance(inputs, Sequence):
        msg = "inputs must be a list of inputs (as model.batch takes them)"
        raise TypeError(msg)
    if not inputs:
        msg = "submit_batch needs at least one input"
        raise ValueError(msg)
    kwargs = dict(params)
    stop = kwargs.pop("stop", None)
    # As BaseChatModel.generate: tracing information, not request parameters.
    kwargs.pop("structured_output_format", None)
    lines = []
    for index, value in enumerate(inputs):
        messages = _to_messages(value, index)
        try:
            body = model._build_body(messages, stop, False, kwargs)
        except ValueError as exc:
            msg = f"input {index} cannot be sent: {exc}"
            raise ValueError(msg) from exc
        lines.append(
            {
                "custom_id": f"request-{index}",
                "method": "POST",
                "url": ENDPOINT,
                "body": body,
            }
        )
    return lines


def check_requests(lines: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Check batch lines written by hand (e.g. a `.jsonl` for the CLI).

    Args:
        lines: Objects with `custom_id`, `method`, `url` and `body`.

    Returns:
        The lines as plain dicts.

    Raises:
        ValueError: Naming the line (1-based) and what is wrong with it.
    """
    seen: set[str] = set()
    out = []
    for number, line in enumerate(lines, 1):
        where = f"batch line {number}"
        if not isinstance(line, Mapping):
            msg = f"{where} is not a JSON object"
            raise ValueError(msg)
        custom_id = line.get("custom_id")
        if not isinstance(custom_id, str) or not custom_id:
            msg = f"{where} needs a custom_id (a non-empty string)"
            raise ValueError(msg)
        if custom_id in seen:
            msg = f"{where} repeats custom_id {custom_id!r}; each must be unique"
            raise ValueError(msg)
        seen.add(custom_id)
        if line.get("method", "POST") != "POST":
            msg = f"{where}: method must be POST, got {line.get('method')!r}"
            raise ValueError(msg)
        if line.get("url", ENDPOINT) != ENDPOINT:
            msg = f"{where}: url must be {ENDPOINT}, got {line.get('url')!r}"
            raise ValueError(msg)
        body = line.get("body")
        if not isinstance(body, Mapping):
            msg = f"{where} needs a body (a chat completion request object)"
            raise ValueError(msg)
        if not isinstance(body.get("model"), str) or not body["model"]:
            msg = f"{where}: the body names no model"
            raise ValueError(msg)
        if not isinstance(body.get("messages"), list) or not body["messages"]:
            msg = f"{where}: the body has no messages"
            raise ValueError(msg)
        out.append(
            {"custom_id": custom_id, "method": "POST", "url": ENDPOINT, "body": body}
        )
    return out


def encode_requests(lines: Sequence[Mapping[str, Any]]) -> bytes:
    """Encode batch lines as JSONL and check Groq's limits, before any upload.

    Each line is encoded as `invoke` encodes its body.

    Args:
        lines: The batch lines.

    Returns:
        The file content.

    Raises:
        ValueError: If a line cannot be sent as JSON, or the file breaks a
            limit (line count, size, one model per batch), naming it.
    """
    if not lines:
        msg = "a batch needs at least one request"
        raise ValueError(msg)
    if len(lines) > MAX_LINES:
        msg = (
            f"a Groq batch holds at most {MAX_LINES:,} requests (lines); this "
            f"one has {len(lines):,}: split the inputs over several batches"
        )
        raise ValueError(msg)
    models = sorted({str(line["body"].get("model")) for line in lines})
    if len(models) > 1:
        msg = (
            f"a Groq batch runs one model, but these requests name {len(models)}: "
            f"{', '.join(models)}; submit one batch per model"
        )
        raise ValueError(msg)
    parts = []
    size = 0
    for number, line in enumerate(lines, 1):
        try:
            part = Transport._encode(line)
        except ValueError as exc:
            msg = f"batch line {number}: {exc}"
            raise ValueError(msg) from None
        size += len(part) + 1
        if size > MAX_FILE_BYTES:
            msg = (
                f"a Groq batch input file is at most 200 MB ({MAX_FILE_BYTES:,} "
                f"bytes); these requests pass that at line {number:,}: split the "
                "inputs over several batches"
            )
            raise ValueError(msg)
        parts.append(part)
    return b"\n".join(parts) + b"\n"


def read_jsonl(data: bytes, what: str) -> list[dict[str, Any]]:
    """Parse a JSONL file (blank lines skipped); each line must be an object.

    Args:
        data: The file content.
        what: What the file is, for errors (e.g. "the output file").

    Returns:
        The objects, in file order.

    Raises:
        ValueError: Naming the file and the line that is not a JSON object.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = f"{what} is not UTF-8 text ({exc})"
        raise ValueError(msg) from None
    out = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except ValueError as exc:
            msg = f"{what}, line {number}, is not JSON ({exc})"
            raise ValueError(msg) from None
        if not isinstance(value, dict):
            msg = f"{what}, line {number}, is not a JSON object"
            raise ValueError(msg)
        out.append(value)
    return out


# -- the job's state (pure) ---------------------------------------------------


class _State(BaseModel):
    """Everything needed to continue a job, as written to its state file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: Literal["langchain-synaptic-groq/batch-state/1"] = (
        "langchain-synaptic-groq/batch-state/1"
    )
    token: str | None = None
    """Marks the batch as this job's (in its metadata)."""
    base_url: str
    completion_window: str = "24h"
    metadata: dict[str, str] = {}
    input_name: str = "batch.jsonl"
    custom_ids: tuple[str, ...] | None = None
    """The custom_id of each input, in input order (None: read the input
    file's on Groq)."""
    input_copy: str | None = None
    """Where the JSONL waits until the batch exists (for a re-upload)."""
    input_file_id: str | None = None
    create_sent: bool = False
    """A creation was sent and may have succeeded unseen."""
    batch_id: str | None = None
    batch: dict[str, Any] | None = None
    """The last batch object Groq sent."""

    @property
    def status(self) -> str | None:
        return None if self.batch is None else str(self.batch.get("status"))

    def file_id(self, key: str) -> str | None:
        value = (self.batch or {}).get(key)
        return value if isinstance(value, str) and value else None


def _load_state(text: str, where: str) -> _State:
    try:
        return _State.model_validate_json(text)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}"
            for e in exc.errors()[:3]
        )
        msg = f"{where} is not a GroqBatchJob state file ({problems})"
        raise ValueError(msg) from None


def _same_server(state: _State, model: ChatGroqSynaptic, where: str) -> None:
    if state.base_url.rstrip("/") != model.base_url.rstrip("/"):
        msg = (
            f"{where} belongs to a batch on {state.base_url}, but the model talks "
            f"to {model.base_url}: pass a model with that base_url"
        )
        raise ValueError(msg)


@dataclass(frozen=True)
class _Call:
    """One request the plan asks for."""

    kind: Literal["upload", "create", "get", "cancel", "download", "delete"]
    path: str
    body: dict[str, Any] | None = None
    file_id: str | None = None
    lookup: bool = False
    """For `create`: first look for the batch of this job (a creation may
    have been sent before and succeeded unseen)."""

    @property
    def method(self) -> str:
        return _METHODS[self.kind]


_METHODS = {
    "upload": "POST",
    "create": "POST",
    "cancel": "POST",
    "get": "GET",
    "download": "GET",
    "delete": "DELETE",
}


@dataclass
class _Pass:
    """What one call of a job method has done so far (never persisted)."""

    fresh: bool = False
    cancel_sent: bool = False
    files: dict[str, bytes] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)


_Goal: TypeAlias = Literal["refresh", "cancel", "results", "delete"]


def _plan(state: _State, goal: _Goal, done: _Pass) -> _Call | None:
    """The next request toward `goal`, or `None` when there is nothing to send."""
    if state.batch_id is None:
        if state.input_file_id is None:
            return _Call("upload", "files")
        body = {
            "input_file_id": state.input_file_id,
            "endpoint": ENDPOINT,
            "completion_window": state.completion_window,
            "metadata": {**state.metadata, _JOB_KEY: state.token or ""},
        }
        return _Call("create", "batches", body, lookup=state.create_sent)
    batch_path = f"batches/{state.batch_id}"
    if goal == "cancel":
        if done.cancel_sent or state.status in TERMINAL_STATUSES:
            return None
        return _Call("cancel", f"{batch_path}/cancel")
    if not done.fresh and (goal == "refresh" or state.status not in TERMINAL_STATUSES):
        return _Call("get", batch_path)
    if goal == "results":
        if state.status not in TERMINAL_STATUSES:
            return None
        wanted = [state.file_id("output_file_id"), state.file_id("error_file_id")]
        if state.custom_ids is None:
            wanted.append(state.input_file_id)
        for file_id in wanted:
            if file_id is not None and file_id not in done.files:
                return _Call("download", f"files/{file_id}/content", file_id=file_id)
    if goal == "delete":
        owned = [
            state.input_file_id,
            state.file_id("output_file_id"),
            state.file_id("error_file_id"),
        ]
        for file_id in owned:
            if file_id is not None and file_id not in done.deleted:
                return _Call("delete", f"files/{file_id}", file_id=file_id)
    return None


def _before(state: _State, call: _Call) -> _State:
    """The state to persist before `call` is sent."""
    if call.kind == "create" and not state.create_sent:
        return state.model_copy(update={"create_sent": True})
    return state


def _batch_object(answer: Any) -> dict[str, Any]:
    if (
        not isinstance(answer, dict)
        or not isinstance(answer.get("id"), str)
        or not isinstance(answer.get("status"), str)
    ):
        msg = f"Groq answered with something that is not a batch: {str(answer)[:200]}"
        raise GroqAPIError(msg, body=answer)
    return answer


def _apply(state: _State, call: _Call, answer: Any, done: _Pass) -> _State:
    """The state after `call` was answered with `answer`."""
    if call.kind == "upload":
        file_id = answer.get("id") if isinstance(answer, dict) else None
        if not isinstance(file_id, str) or not file_id:
            msg = f"Groq's answer to the upload names no file id: {str(answer)[:200]}"
            raise GroqAPIError(msg, body=answer)
        return state.model_copy(update={"input_file_id": file_id})
    if call.kind == "download":
        done.files[cast(str, call.file_id)] = answer
        return state
    if call.kind == "delete":
        done.deleted.add(cast(str, call.file_id))
        return state
    batch = _batch_object(answer)
    done.fresh = True
    done.cancel_sent = done.cancel_sent or call.kind == "cancel"
    update: dict[str, Any] = {"batch": batch, "batch_id": batch["id"]}
    if call.kind == "create":
        update["input_copy"] = None  # on Groq now; the local copy can go
    if state.input_file_id is None and isinstance(batch.get("input_file_id"), str):
        update["input_file_id"] = batch["input_file_id"]
    return state.model_copy(update=update)


def _find_batch(listing: Any, token: str | None) -> dict[str, Any] | None:
    """This job's batch in a `GET /batches` answer, if it is there."""
    if not token or not isinstance(listing, dict):
        return None
    for item in listing.get("data") or ():
        metadata = item.get("metadata") if isinstance(item, dict) else None
        if isinstance(metadata, dict) and metadata.get(_JOB_KEY) == token:
            return cast(dict[str, Any], item)
    return None


# -- results (pure) -----------------------------------------------------------


def _as_invoke_returns(result: ChatResult, output_version: str | None) -> AIMessage:
    """The message `invoke` returns for this result.

    `BaseChatModel` finishes what `_generate` returns with private helpers
    (`_update_message_content_to_blocks`, `_gen_info_and_msg_metadata`), so
    the same steps are written out here: v1 content blocks when asked for,
    then the generation info and `llm_output` merged into the metadata.
    (Core also drops its gateway key from the generation info; our parser
    never sets it.) A unit test compares the result with `invoke`'s.
    """
    generation = result.generations[0]
    message = generation.message
    if output_version == "v1":
        message = message.model_copy(
            update={
                "content": message.content_blocks,
                "response_metadata": {
                    **message.response_metadata,
                    "output_version": output_version,
                },
            }
        )
    metadata = {**(generation.generation_info or {}), **message.response_metadata}
    if len(result.generations) == 1 and result.llm_output is not None:
        metadata = {**result.llm_output, **metadata}
    return cast(AIMessage, message.model_copy(update={"response_metadata": metadata}))


def _line_error(error: Mapping[str, Any]) -> GroqError:
    """The error for a result line that failed outside HTTP (no response)."""
    code = str(error.get("code") or "") or None
    message = str(error.get("message") or code or "the request failed")
    if code == "batch_expired":
        return GroqTimeoutError(message, code=code, body=dict(error))
    if code == "batch_cancelled":
        return GroqError(message, code=code, body=dict(error))
    return GroqAPIError(message, code=code, body=dict(error))


def _line_result(
    line: Mapping[str, Any], include_headers: bool, output_version: str | None
) -> BatchResult:
    """One result line as `invoke` would have answered it."""
    response = line.get("response")
    if isinstance(response, Mapping):
        status = response.get("status_code")
        request_id = response.get("request_id")
        headers = {"x-request-id": request_id} if isinstance(request_id, str) else {}
        body = response.get("body")
        if isinstance(status, int) and status >= 400:
            raw = body if isinstance(body, str) else json.dumps(body)
            return error_from_response(status, headers, raw.encode())
        if isinstance(body, Mapping):
            try:
                result = parse_completion(
                    body, headers, include_headers=include_headers
                )
            except GroqError as exc:
                return exc
            return _as_invoke_returns(result, output_version)
    error = line.get("error")
    if isinstance(error, Mapping):
        return _line_error(error)
    msg = (
        f"Groq's result for {line.get('custom_id')!r} has neither a response nor "
        "an error"
    )
    return GroqAPIError(msg, body=dict(line))


def _batch_errors(batch: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    errors = batch.get("errors")
    data = errors.get("data") if isinstance(errors, Mapping) else None
    return [e for e in data or () if isinstance(e, Mapping)]


def _missing(state: _State, index: int, custom_id: str) -> GroqError:
    """The error for an input that has no line in either result file."""
    status = state.status
    batch = state.batch or {}
    if status == "expired":
        msg = (
            f"request {index} ({custom_id}) did not run before the batch expired "
            f"(completion window {batch.get('completion_window') or '?'})"
        )
        return GroqTimeoutError(msg, code="batch_expired")
    if status == "cancelled":
        msg = f"request {index} ({custom_id}) did not run: the batch was cancelled"
        return GroqError(msg, code="batch_cancelled")
    if status == "failed":
        errors = _batch_errors(batch)
        mine = [e for e in errors if e.get("line") == index + 1]
        chosen = (mine or errors or [{}])[0]
        reason = chosen.get("message") or "no reason given"
        at = f" (line {chosen['line']})" if chosen.get("line") else ""
        msg = f"Groq refused the batch: {reason}{at}"
        return GroqInvalidRequestError(
            msg,
            code=str(chosen.get("code") or "batch_failed"),
            param=chosen.get("param"),
            body=dict(chosen),
        )
    msg = (
        f"Groq's result files hold nothing for request {index} ({custom_id}) of "
        f"batch {state.batch_id}"
    )
    return GroqAPIError(msg, code="batch_result_missing")


def _input_ids(state: _State, files: Mapping[str, bytes]) -> tuple[str, ...]:
    """The custom_id of each input, in input order.

    From the input file when the state does not hold them.
    """
    if state.custom_ids is not None:
        return state.custom_ids
    data = files[cast(str, state.input_file_id)]
    lines = read_jsonl(data, "the batch's input file")
    return tuple(str(line.get("custom_id")) for line in lines)


def _map_results(
    state: _State,
    files: Mapping[str, bytes],
    *,
    include_headers: bool = False,
    output_version: str | None = None,
) -> list[BatchResult]:
    """One entry per input, in input order, from the downloaded files."""
    if state.status not in TERMINAL_STATUSES:
        msg = (
            f"batch {state.batch_id} is {state.status or 'not created yet'}; its "
            "results are ready once it completes, fails, expires or is "
            "cancelled: wait() for it first"
        )
        raise RuntimeError(msg)
    custom_ids = _input_ids(state, files)
    lines: dict[str, Mapping[str, Any]] = {}
    # The output file last: a request that is in both counts as answered.
    for key, what in (("error_file_id", "error"), ("output_file_id", "output")):
        file_id = state.file_id(key)
        if file_id is None:
            continue
        for line in read_jsonl(files[file_id], f"the batch's {what} file"):
            lines[str(line.get("custom_id"))] = line
    return [
        _line_result(lines[custom_id], include_headers, output_version)
        if custom_id in lines
        else _missing(state, index, custom_id)
        for index, custom_id in enumerate(custom_ids)
    ]


# -- waiting and progress (pure) ----------------------------------------------


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def progress_line(batch: Mapping[str, Any] | None, elapsed: float) -> str:
    """One line about a batch: status, a bar, the counts, time waited.

    Args:
        batch: The batch object (its `request_counts`), or `None`.
        elapsed: Seconds waited so far.

    Returns:
        E.g. `batch_01 in_progress [######------] 12/48 (1 failed) 3m20s`.
    """
    batch = batch or {}
    counts = batch.get("request_counts") or {}
    total = int(counts.get("total") or 0)
    completed = int(counts.get("completed") or 0)
    failed = int(counts.get("failed") or 0)
    finished = completed + failed
    filled = round(_BAR * finished / total) if total else 0
    bar = "#" * filled + "-" * (_BAR - filled)
    failures = f" ({failed} failed)" if failed else ""
    return (
        f"{batch.get('id') or 'batch'} {batch.get('status') or 'submitting'} "
        f"[{bar}] {finished}/{total or '?'}{failures} {_clock(elapsed)}"
    )


ProgressCallback: TypeAlias = Callable[["GroqBatchJob"], Any]


class _Display:
    """`wait(progress=...)`: a line redrawn in place, or a callback.

    A terminal or a notebook (ipykernel turns a carriage return into a
    redraw of the last line) gets one line rewritten in place on stderr;
    elsewhere (a log file, CI) a line is printed each time the counts move.
    No display library is needed.
    """

    def __init__(
        self, progress: bool | ProgressCallback, stream: TextIO | None
    ) -> None:
        self.callback = progress if callable(progress) else None
        self.on = bool(progress)
        self.stream = stream if stream is not None else sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.in_place = bool(isatty and isatty()) or "ipykernel" in sys.modules
        self.width = 0
        self.last = ""

    def show(self, job: GroqBatchJob, elapsed: float) -> None:
        if self.callback is not None:
            self.callback(job)
            return
        if not self.on:
            return
        line = progress_line(job.batch, elapsed)
        if self.in_place:
            self.stream.write("\r" + line.ljust(self.width))
            self.width = max(self.width, len(line))
        elif line.rsplit(" ", 1)[0] != self.last:
            self.stream.write(line + "\n")
            self.last = line.rsplit(" ", 1)[0]
        self.stream.flush()

    def close(self) -> None:
        if self.width:
            self.stream.write("\n")
            self.stream.flush()
            self.width = 0


class _Schedule:
    """When `wait` polls next, and when it gives up."""

    def __init__(self, poll_interval: float, timeout: float | None) -> None:
        if not poll_interval > 0:
            msg = f"poll_interval must be positive seconds, got {poll_interval!r}"
            raise ValueError(msg)
        if timeout is not None and not timeout >= 0:
            msg = f"timeout must be None or seconds >= 0, got {timeout!r}"
            raise ValueError(msg)
        self.interval = poll_interval
        self.timeout = timeout
        self.start = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def next_sleep(self, job: GroqBatchJob) -> float:
        """Seconds to sleep before the next poll.

        Raises:
            TimeoutError: When `timeout` has passed.
        """
        if self.timeout is None:
            return self.interval
        left = self.timeout - self.elapsed()
        if left <= 0:
            msg = (
                f"batch {job.id} is still {job.status} after {self.timeout:g}s; "
                "it keeps running on Groq: wait() again, or resume it later"
            )
            raise TimeoutError(msg)
        return min(self.interval, left)


# -- the job ------------------------------------------------------------------


def _unwrap(runnable: Runnable[Any, Any]) -> tuple[ChatGroqSynaptic, dict[str, Any]]:
    """The chat model under `bind`/`bind_tools` bindings, and their kwargs."""
    kwargs: dict[str, Any] = {}
    node: Any = runnable
    while isinstance(node, RunnableBinding):
        kwargs = {**node.kwargs, **kwargs}  # the outer binding wins
        node = node.bound
    if isinstance(node, ChatGroqSynaptic):
        return node, kwargs
    hint = ""
    if isinstance(runnable, RunnableSequence):
        hint = (
            " For with_structured_output(...), submit its first step "
            "(`structured.first`) and parse each AIMessage of the results with "
            "its last (`structured.last.invoke(message)`)."
        )
    msg = (
        "a batch takes a ChatGroqSynaptic or a binding of one (bind, bind_tools), "
        f"got {type(runnable).__name__}.{hint}"
    )
    raise TypeError(msg)


def refuse_binding_config(config: Any) -> None:
    """Refuse a call of `submit_batch` that came through a `RunnableBinding`.

    A binding forwards unknown methods to the model it wraps with only its
    `config`, dropping the bound tools and parameters: the batch would run
    without them. Called that way, the method gets a `config`; called on the
    model itself, it gets none.

    Args:
        config: The `config` the method received.

    Raises:
        TypeError: If one was passed, pointing at `GroqBatchJob.submit`.
    """
    if config is not None:
        msg = (
            "submit_batch was reached through a RunnableBinding (bind_tools, "
            "bind, with_config), which would drop the bound tools and "
            "parameters; use GroqBatchJob.submit(bound_model, inputs), or "
            "await GroqBatchJob.asubmit(...), which keep them"
        )
        raise TypeError(msg)


def _write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` whole, so a process killed mid-write leaves the old file."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)


class GroqBatchJob:
    """A job on Groq's Batch API: many chat requests run within a time window.

    Create one with `ChatGroqSynaptic.submit_batch` (or `GroqBatchJob.submit`
    for a bound model), pick one up with `resume` (from a state file) or
    `from_batch_id`. Every method that talks to Groq has an async twin
    (`arefresh`, `await_`, `aresults`, `acancel`, `adelete_files`).

    Example:
        ```python
        from langchain_synaptic_groq import ChatGroqSynaptic, GroqBatchJob

        model = ChatGroqSynaptic(model="openai/gpt-oss-20b", max_tokens=64)
        job = model.submit_batch(
            ["Capital of France?", "Capital of Peru?"], state_file="capitals.json"
        )
        job.wait(progress=True)
        for answer in job.results():
            print(answer.text if not isinstance(answer, Exception) else answer)

        # in another process, later:
        job = GroqBatchJob.resume("capitals.json", model)
        ```
    """

    def __init__(
        self,
        model: ChatGroqSynaptic,
        state: _State,
        *,
        state_file: Path | None = None,
        payload: bytes | None = None,
    ) -> None:
        """Wrap a state; use `submit`, `resume` or `from_batch_id` instead.

        Args:
            model: The model whose connection settings, retry policy and
                parsing options (`include_response_headers`,
                `output_version`) the job uses.
            state: The job's state.
            state_file: Where the state is kept, if anywhere.
            payload: The JSONL, while it is not uploaded yet.
        """
        self._model = model
        self._state = state
        self._state_file = state_file
        self._payload = payload
        self._results: list[BatchResult] | None = None

    def __repr__(self) -> str:
        counts = self.request_counts
        return (
            f"GroqBatchJob(id={self.id!r}, status={self.status!r}, "
            f"completed={counts['completed']}, failed={counts['failed']}, "
            f"total={counts['total']})"
        )

    # -- what is known ---------------------------------------------------------

    @property
    def id(self) -> str | None:
        """The batch id (`None` until Groq created the batch)."""
        return self._state.batch_id

    @property
    def status(self) -> str | None:
        """Groq's status as last seen (`None` before any answer about it).

        One of `validating`, `in_progress`, `finalizing`, `completed`,
        `failed`, `expired`, `cancelling` or `cancelled`.
        """
        return self._state.status

    @property
    def done(self) -> bool:
        """Whether the batch reached a status after which nothing changes."""
        return self._state.status in TERMINAL_STATUSES

    @property
    def request_counts(self) -> dict[str, int]:
        """`total`, `completed` and `failed` as last seen."""
        counts = (self._state.batch or {}).get("request_counts") or {}
        return {k: int(counts.get(k) or 0) for k in ("total", "completed", "failed")}

    @property
    def batch(self) -> dict[str, Any] | None:
        """The batch object as Groq last sent it (a copy)."""
        return None if self._state.batch is None else dict(self._state.batch)

    @property
    def input_file_id(self) -> str | None:
        """The uploaded input file's id."""
        return self._state.input_file_id

    @property
    def custom_ids(self) -> tuple[str, ...] | None:
        """The custom_id of each input, in input order.

        For a job made with `from_batch_id`, known once `results` has read the
        batch's input file.
        """
        return self._state.custom_ids

    @property
    def state_file(self) -> Path | None:
        """Where the job's state is kept, if anywhere."""
        return self._state_file

    # -- making jobs -----------------------------------------------------------

    @classmethod
    def _prepare(
        cls,
        model: ChatGroqSynaptic,
        lines: list[dict[str, Any]],
        *,
        completion_window: str,
        metadata: Mapping[str, str] | None,
        state_file: str | os.PathLike[str] | None,
    ) -> GroqBatchJob:
        """Check everything and write the state file; nothing is sent yet."""
        check_completion_window(completion_window)
        payload = encode_requests(lines)
        token = uuid.uuid4().hex
        path = None if state_file is None else Path(state_file).absolute()
        copy = None
        if path is not None:
            if path.exists():
                msg = (
                    f"state_file {path} exists already (another job?): resume it "
                    "with GroqBatchJob.resume, or pass another path"
                )
                raise FileExistsError(msg)
            copy = path.with_name(path.name + ".input.jsonl")
        state = _State(
            token=token,
            base_url=model.base_url,
            completion_window=completion_window,
            metadata=_check_metadata(metadata),
            input_name=f"langchain-batch-{token}.jsonl",
            custom_ids=tuple(line["custom_id"] for line in lines),
            input_copy=None if copy is None else str(copy),
        )
        if path is not None and copy is not None:
            _write_atomic(copy, payload)
            _write_atomic(path, state.model_dump_json(indent=1).encode())
        return cls(model, state, state_file=path, payload=payload)

    @classmethod
    def _prepare_inputs(
        cls,
        runnable: Runnable[Any, Any],
        inputs: Sequence[LanguageModelInput],
        completion_window: str,
        metadata: Mapping[str, str] | None,
        state_file: str | os.PathLike[str] | None,
        kwargs: Mapping[str, Any],
    ) -> GroqBatchJob:
        model, bound = _unwrap(runnable)
        lines = build_requests(model, inputs, {**bound, **kwargs})
        return cls._prepare(
            model,
            lines,
            completion_window=completion_window,
            metadata=metadata,
            state_file=state_file,
        )

    @classmethod
    def submit(
        cls,
        runnable: Runnable[Any, Any],
        inputs: Sequence[LanguageModelInput],
        *,
        completion_window: str = "24h",
        metadata: Mapping[str, str] | None = None,
        state_file: str | os.PathLike[str] | None = None,
        **kwargs: Any,
    ) -> GroqBatchJob:
        """Build, upload and start a batch from what `runnable.batch` takes.

        Args:
            runnable: A `ChatGroqSynaptic`, or a binding of one: the result of
                `bind_tools(...)`, `bind(...)`, or the first step of
                `with_structured_output(...)`. Its bound tools, tool choice,
                response format and parameters go into every request.
            inputs: Strings, message lists or prompt values, one per request.
            completion_window: How long Groq may take, `"24h"` to `"7d"`.
            metadata: Up to Groq's limit of string pairs kept with the batch.
            state_file: Where to keep the job's state (written before the
                upload, updated as the job moves): `resume` continues from it.
                Must not exist yet.
            **kwargs: Call parameters, as `invoke` takes them (`stop`,
                `temperature`, `max_tokens`, ...); they win over bound ones.

        Returns:
            The job; Groq created the batch (its `status` is usually
            `validating`).

        Raises:
            ValueError: If an input cannot be sent, or a limit (50,000 lines,
                200 MB, one model, the completion window) is broken; nothing
                was sent then.
            TypeError: If an input or `runnable` is of the wrong kind.
            FileExistsError: If `state_file` exists.
            GroqError: If the upload or the creation failed (after retries).
        """
        job = cls._prepare_inputs(
            runnable, inputs, completion_window, metadata, state_file, kwargs
        )
        return job.refresh()

    @classmethod
    async def asubmit(
        cls,
        runnable: Runnable[Any, Any],
        inputs: Sequence[LanguageModelInput],
        *,
        completion_window: str = "24h",
        metadata: Mapping[str, str] | None = None,
        state_file: str | os.PathLike[str] | None = None,
        **kwargs: Any,
    ) -> GroqBatchJob:
        """Async `submit`.

        Args:
            runnable: A `ChatGroqSynaptic`, or a binding of one.
            inputs: Strings, message lists or prompt values, one per request.
            completion_window: How long Groq may take, `"24h"` to `"7d"`.
            metadata: String pairs kept with the batch.
            state_file: Where to keep the job's state; must not exist yet.
            **kwargs: Call parameters, as `invoke` takes them.

        Returns:
            The job, created on Groq.
        """
        job = await asyncio.to_thread(
            cls._prepare_inputs,
            runnable,
            inputs,
            completion_window,
            metadata,
            state_file,
            kwargs,
        )
        return await job.arefresh()

    @classmethod
    def submit_requests(
        cls,
        model: ChatGroqSynaptic,
        requests: Sequence[Mapping[str, Any]],
        *,
        completion_window: str = "24h",
        metadata: Mapping[str, str] | None = None,
        state_file: str | os.PathLike[str] | None = None,
    ) -> GroqBatchJob:
        """Start a batch from ready batch lines (a `.jsonl` written by hand).

        Args:
            model: Gives the connection settings and retry policy (the lines
                name their own model).
            requests: Objects with `custom_id`, `method` (`POST`), `url`
                (`/v1/chat/completions`) and `body`.
            completion_window: How long Groq may take, `"24h"` to `"7d"`.
            metadata: String pairs kept with the batch.
            state_file: Where to keep the job's state; must not exist yet.

        Returns:
            The job, created on Groq.

        Raises:
            ValueError: If a line is malformed or a limit is broken (naming
                it); nothing was sent then.
        """
        job = cls._prepare(
            model,
            check_requests(requests),
            completion_window=completion_window,
            metadata=metadata,
            state_file=state_file,
        )
        return job.refresh()

    @classmethod
    def resume(
        cls, state_file: str | os.PathLike[str], model: ChatGroqSynaptic
    ) -> GroqBatchJob:
        """Pick a job up from its state file (in any process).

        Nothing is sent until `refresh`, `wait` or `results`; a job whose
        upload or creation was cut short is finished then (a batch that was
        created unseen is found by its metadata, not created twice).

        Args:
            state_file: The file given to `submit_batch`.
            model: A model on the same server (its connection settings, retry
                policy and parsing options are used).

        Returns:
            The job.

        Raises:
            FileNotFoundError: If there is no such file.
            ValueError: If it is not a job's state file, or it belongs to a
                batch on another server.
        """
        path = Path(state_file).absolute()
        state = _load_state(path.read_text(encoding="utf-8"), str(path))
        _same_server(state, model, str(path))
        return cls(model, state, state_file=path)

    @classmethod
    def from_batch_id(cls, batch_id: str, model: ChatGroqSynaptic) -> GroqBatchJob:
        """Follow a batch known by its id (e.g. one made by another tool).

        The input order is read from the batch's input file on Groq when
        `results` needs it. Nothing is sent until a method asks.

        Args:
            batch_id: Groq's batch id (`batch_...`).
            model: A model on the batch's server.

        Returns:
            The job.

        Raises:
            ValueError: If `batch_id` is empty.
        """
        if not isinstance(batch_id, str) or not batch_id.strip():
            msg = f"batch_id must be a non-empty string, got {batch_id!r}"
            raise ValueError(msg)
        return cls(model, _State(base_url=model.base_url, batch_id=batch_id.strip()))

    # -- the shells: send what the plan asks for --------------------------------

    def _commit(self, state: _State) -> None:
        old, self._state = self._state, state
        if state == old:
            return
        if self._state_file is not None:
            _write_atomic(self._state_file, state.model_dump_json(indent=1).encode())
        if old.input_copy is not None and state.input_copy is None:
            Path(old.input_copy).unlink(missing_ok=True)
        if state.batch_id is not None:
            self._payload = None

    def _upload_parts(self) -> dict[str, Any]:
        payload = self._payload
        if payload is None and self._state.input_copy is not None:
            copy = Path(self._state.input_copy)
            if copy.exists():
                payload = copy.read_bytes()
        if payload is None:
            msg = (
                "the batch was never uploaded and its input is gone (not held "
                "by this job, no copy next to the state file): submit it again"
            )
            raise ValueError(msg)
        return {"file": (self._state.input_name, payload)}

    def _send(self, call: _Call) -> Any:
        transport = self._model._get_transport()
        retry = self._model._retry()
        if call.kind == "upload":
            parts = self._upload_parts()
            return run_with_retries(
                lambda: transport.upload(call.path, parts, {"purpose": "batch"})[0],
                retry,
            )
        if call.kind == "download":
            return run_with_retries(lambda: transport.download(call.path)[0], retry)
        if call.kind == "create":
            tries = itertools.count()

            def create() -> Any:
                if call.lookup or next(tries) > 0:
                    listing = transport.request("GET", "batches")[0]
                    found = _find_batch(listing, self._state.token)
                    if found is not None:
                        return found
                return transport.request("POST", call.path, call.body)[0]

            return run_with_retries(create, retry)
        return run_with_retries(
            lambda: transport.request(call.method, call.path, call.body)[0], retry
        )

    async def _asend(self, call: _Call) -> Any:
        transport = self._model._get_transport()
        retry = self._model._retry()
        if call.kind == "upload":
            parts = await asyncio.to_thread(self._upload_parts)

            async def upload() -> Any:
                answer = await transport.aupload(call.path, parts, {"purpose": "batch"})
                return answer[0]

            return await arun_with_retries(upload, retry)
        if call.kind == "download":

            async def download() -> Any:
                return (await transport.adownload(call.path))[0]

            return await arun_with_retries(download, retry)
        if call.kind == "create":
            tries = itertools.count()

            async def create() -> Any:
                if call.lookup or next(tries) > 0:
                    listing = (await transport.arequest("GET", "batches"))[0]
                    found = _find_batch(listing, self._state.token)
                    if found is not None:
                        return found
                return (await transport.arequest("POST", call.path, call.body))[0]

            return await arun_with_retries(create, retry)

        async def plain() -> Any:
            return (await transport.arequest(call.method, call.path, call.body))[0]

        return await arun_with_retries(plain, retry)

    def _drive(self, goal: _Goal) -> _Pass:
        done = _Pass()
        while (call := _plan(self._state, goal, done)) is not None:
            self._commit(_before(self._state, call))
            answer = self._send(call)
            self._commit(_apply(self._state, call, answer, done))
        return done

    async def _adrive(self, goal: _Goal) -> _Pass:
        done = _Pass()
        while (call := _plan(self._state, goal, done)) is not None:
            await asyncio.to_thread(self._commit, _before(self._state, call))
            answer = await self._asend(call)
            await asyncio.to_thread(
                self._commit, _apply(self._state, call, answer, done)
            )
        return done

    def _map(self, done: _Pass) -> list[BatchResult]:
        if self._state.custom_ids is None and self.done:
            ids = _input_ids(self._state, done.files)
            self._commit(self._state.model_copy(update={"custom_ids": ids}))
        self._results = _map_results(
            self._state,
            done.files,
            include_headers=self._model.include_response_headers,
            output_version=self._model.output_version,
        )
        return list(self._results)

    # -- sync --------------------------------------------------------------------

    def refresh(self) -> GroqBatchJob:
        """Ask Groq where the batch stands (finishing a cut-short submission).

        Returns:
            This job, updated (and its state file rewritten).

        Raises:
            GroqError: If Groq could not be asked (after retries).
        """
        self._drive("refresh")
        return self

    def wait(
        self,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        timeout: float | None = None,
        progress: bool | ProgressCallback = False,
        *,
        stream: TextIO | None = None,
    ) -> GroqBatchJob:
        """Poll until the batch completes, fails, expires or is cancelled.

        Args:
            poll_interval: Seconds between polls.
            timeout: Give up after this many seconds (`None`: never). The
                batch keeps running on Groq.
            progress: `True` for a progress line from the batch's
                `request_counts` (redrawn in place in a terminal or a
                notebook), or a function called with the job after each poll.
            stream: Where the progress line goes (default stderr).

        Returns:
            This job, finished.

        Raises:
            TimeoutError: If `timeout` passed first.
            GroqError: If a poll failed (after retries).
        """
        schedule = _Schedule(poll_interval, timeout)
        display = _Display(progress, stream)
        try:
            while True:
                self.refresh()
                display.show(self, schedule.elapsed())
                if self.done:
                    return self
                time.sleep(schedule.next_sleep(self))
        finally:
            display.close()

    def results(self) -> list[BatchResult]:
        """One entry per input, in input order.

        Each is the `AIMessage` `invoke` would have returned for that input
        (content, tool calls, reasoning, usage, response metadata), or the
        package's error for it: the error Groq answered for that request
        (`GroqInvalidRequestError`, `GroqRateLimitError`, ...),
        `GroqTimeoutError` (`code="batch_expired"`) for a request the window
        closed on, `GroqError` (`code="batch_cancelled"`) for one a
        cancellation stopped, `GroqInvalidRequestError` for every request of
        a batch that failed validation.

        Returns:
            The results (downloaded once, then kept).

        Raises:
            RuntimeError: If the batch has not finished.
            GroqError: If a download failed (after retries).
        """
        if self._results is None:
            self._map(self._drive("results"))
        return list(cast(list[BatchResult], self._results))

    def cancel(self) -> GroqBatchJob:
        """Ask Groq to cancel the batch.

        It moves to `cancelling`, then `cancelled`; requests that finished
        keep their results.

        Returns:
            This job, updated.

        Raises:
            GroqError: If Groq refused (after retries).
        """
        self._drive("cancel")
        return self

    def delete_files(self) -> GroqBatchJob:
        """Delete the batch's input, output and error files on Groq.

        Read `results()` first: they come from those files.

        Returns:
            This job.

        Raises:
            GroqError: If a deletion failed (after retries).
        """
        self._drive("delete")
        return self

    # -- async -------------------------------------------------------------------

    async def arefresh(self) -> GroqBatchJob:
        """Async `refresh`.

        Returns:
            This job, updated.
        """
        await self._adrive("refresh")
        return self

    async def await_(
        self,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        # The same parameters as `wait`: a deadline of the whole wait, not of
        # one await (the polls' own requests have the model's timeout).
        timeout: float | None = None,  # noqa: ASYNC109
        progress: bool | ProgressCallback = False,
        *,
        stream: TextIO | None = None,
    ) -> GroqBatchJob:
        """Async `wait` (the event loop runs between polls).

        Args:
            poll_interval: Seconds between polls.
            timeout: Give up after this many seconds (`None`: never).
            progress: `True` for a progress line, or a function called with
                the job after each poll.
            stream: Where the progress line goes (default stderr).

        Returns:
            This job, finished.

        Raises:
            TimeoutError: If `timeout` passed first.
        """
        schedule = _Schedule(poll_interval, timeout)
        display = _Display(progress, stream)
        try:
            while True:
                await self.arefresh()
                display.show(self, schedule.elapsed())
                if self.done:
                    return self
                await asyncio.sleep(schedule.next_sleep(self))
        finally:
            display.close()

    async def aresults(self) -> list[BatchResult]:
        """Async `results`.

        Returns:
            One entry per input, in input order.
        """
        if self._results is None:
            self._map(await self._adrive("results"))
        return list(cast(list[BatchResult], self._results))

    async def acancel(self) -> GroqBatchJob:
        """Async `cancel`.

        Returns:
            This job, updated.
        """
        await self._adrive("cancel")
        return self

    async def adelete_files(self) -> GroqBatchJob:
        """Async `delete_files`.

        Returns:
            This job.
        """
        await self._adrive("delete")
        return self
