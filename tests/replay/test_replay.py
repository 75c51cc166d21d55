"""Every recorded Groq exchange, replayed through `ChatGroqSynaptic`.

Each recording in `../shared/groq-recordings` (115 real exchanges with
api.groq.com, recorded by other projects; see its README) is served byte for
byte from 127.0.0.1 (`replay_server.py`). The recorded request is turned back
into LangChain input (messages with tool calls, tool results and images;
tools through `bind_tools`; the other parameters as the model's own fields or
as call arguments) and sent as recorded, invoked or streamed, sync and async,
with `output_version` v0 and v1.

What the answer must give is read from the recording here, by a plain
reading of Groq's JSON and SSE text that shares no code with the package's
parser: the text, the tool calls, the reasoning, the built-in tool runs with
all their results, the usage (counted once), the model, the finish reason,
the ids and rate limits; for an error, the error class and its details.
"""

from __future__ import annotations

import functools
import json
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from langchain_core.exceptions import (
    ContextOverflowError,
    ModelInvalidRequestError,
    ModelNotFoundError,
)
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.messages.ai import add_ai_message_chunks

from langchain_synaptic_groq import ChatGroqSynaptic
from langchain_synaptic_groq.errors import (
    GroqContextOverflowError,
    GroqError,
    GroqNotFoundError,
    GroqToolUseError,
)
from tests.replay.replay_server import (
    RECORDINGS_ENV,
    Recording,
    ReplayServer,
    recordings,
    recordings_dir,
)

pytestmark = pytest.mark.allow_hosts(["127.0.0.1"])

# Without the recordings every case of the tier fails with this message (not
# a collection error, which would stop the other tiers from running too).
MISSING: str | None = None
try:
    RECORDINGS = recordings()
except (OSError, ValueError, KeyError) as exc:
    RECORDINGS = {}
    MISSING = (
        f"the replay tier cannot run: {exc}. It reads the Groq recordings from "
        f"{recordings_dir()} (<repo>/../shared/groq-recordings, or the directory "
        f"in ${RECORDINGS_ENV})."
    )

# The policy for 400 tool_use_failed answers (`tool_use_failure`), where this
# version has it: error recordings must raise, whatever the default.
TOOL_USE_POLICY = next(
    (
        name
        for name in ChatGroqSynaptic.model_fields
        if name == "tool_use_failure" or name.startswith("tool_use_fail")
    ),
    None,
)


# -- what the recording says -----------------------------------------------------


@dataclass
class Expected:
    """The answer as the recording gives it."""

    text: str = ""
    reasoning: str = ""
    # (name, parsed args, id) of calls whose arguments are a JSON object;
    # (name, raw arguments, id) of the others.
    tool_calls: list[tuple[str, Any, str | None]] = field(default_factory=list)
    invalid_calls: list[tuple[str, Any, str | None]] = field(default_factory=list)
    executed: list[dict[str, Any]] = field(default_factory=list)
    usage: dict[str, Any] | None = None
    model: str | None = None
    finish_reason: str | None = None
    ids: set[str] = field(default_factory=set)
    x_groq_id: str | None = None
    service_tier: str | None = None
    usage_breakdown: Any = None
    error: dict[str, Any] | None = None
    error_status: int | None = None


def _split_calls(expected: Expected, calls: list[dict[str, Any]]) -> None:
    for call in calls:
        function = call.get("function") or {}
        name, raw = function.get("name") or "", function.get("arguments")
        try:
            args = json.loads(raw) if isinstance(raw, str) else None
        except ValueError:
            args = None
        if isinstance(args, dict):
            expected.tool_calls.append((name, args, call.get("id")))
        else:
            expected.invalid_calls.append((name, raw, call.get("id")))


def read_completion(recording: Recording) -> Expected:
    """A plain JSON answer (or a JSON error)."""
    data = json.loads(recording.body_text)
    if recording.status != 200:
        return Expected(error=data["error"], error_status=recording.status)
    [choice] = data["choices"]
    message = choice["message"]
    expected = Expected(
        text=message.get("content") or "",
        reasoning=message.get("reasoning") or "",
        executed=list(message.get("executed_tools") or []),
        usage=data.get("usage"),
        model=data.get("model"),
        finish_reason=choice.get("finish_reason"),
        ids={data["id"]},
        x_groq_id=(data.get("x_groq") or {}).get("id"),
        service_tier=data.get("service_tier"),
        usage_breakdown=data.get("usage_breakdown"),
    )
    _split_calls(expected, message.get("tool_calls") or [])
    return expected


def read_stream(recording: Recording) -> Expected:
    """An SSE answer: deltas joined, the run of each built-in tool as its last
    delivery describes it, the usage of the event that carries it."""
    expected = Expected()
    calls: dict[int, dict[str, Any]] = {}
    runs: dict[int, dict[str, Any]] = {}
    for line in recording.body_text.split("\n"):
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        event = json.loads(line[len("data: ") :])
        if "error" in event:  # `event: error`, then this data line
            expected.error = event["error"]
            expected.error_status = event["error"].get("status_code")
            break
        expected.ids.add(event["id"])
        expected.model = event.get("model") or expected.model
        expected.service_tier = event.get("service_tier") or expected.service_tier
        x_groq = event.get("x_groq") or {}
        expected.x_groq_id = x_groq.get("id") or expected.x_groq_id
        usage = x_groq.get("usage") or event.get("usage")
        if usage:
            # 2026 gpt-oss streams repeat it at the top level: the same counts.
            assert event.get("usage") in (None, usage)
            assert expected.usage is None, "two events carry usage"
            expected.usage = usage
        breakdown = x_groq.get("usage_breakdown") or event.get("usage_breakdown")
        expected.usage_breakdown = breakdown or expected.usage_breakdown
        for choice in event["choices"]:
            delta = choice.get("delta") or {}
            expected.text += delta.get("content") or ""
            expected.reasoning += delta.get("reasoning") or ""
            for part in delta.get("tool_calls") or []:
                call = calls.setdefault(
                    part["index"],
                    {"id": None, "function": {"name": "", "arguments": ""}},
                )
                call["id"] = part.get("id") or call["id"]
                function = part.get("function") or {}
                call["function"]["name"] += function.get("name") or ""
                call["function"]["arguments"] += function.get("arguments") or ""
            for run in delta.get("executed_tools") or []:
                runs.setdefault(run["index"], {}).update(run)
            expected.finish_reason = choice.get("finish_reason") or (
                expected.finish_reason
            )
    _split_calls(expected, [calls[i] for i in sorted(calls)])
    expected.executed = [runs[i] for i in sorted(runs)]
    return expected


@functools.cache
def _read(name: str) -> Expected:
    recording = RECORDINGS[name]
    if recording.request.get("stream"):
        return read_stream(recording)
    return read_completion(recording)


def read(recording: Recording) -> Expected:
    """What the recording says (read once per session; do not mutate)."""
    return _read(recording.name)


def _error_classes(
    status: int | None, error: Mapping[str, Any]
) -> tuple[type[GroqError], type[Exception]]:
    """Our class and langchain-core's for the errors these recordings hold."""
    code = error.get("code")
    if code == "tool_use_failed":
        return GroqToolUseError, ModelInvalidRequestError
    if status == 404 and code == "model_not_found":
        return GroqNotFoundError, ModelNotFoundError
    if status == 400 and code is None and error.get("param") == "messages":
        # Groq's context overflow: a 400 on `messages` without a code (the
        # recordings' README).
        return GroqContextOverflowError, ContextOverflowError
    pytest.fail(f"no expectation written for a {status} {error!r:.200}")


# -- the recorded request as LangChain input --------------------------------------


def to_messages(wire: list[dict[str, Any]]) -> list[BaseMessage]:
    out: list[BaseMessage] = []
    for message in wire:
        role, content = message["role"], message.get("content")
        if role == "system":
            out.append(SystemMessage(content))
        elif role == "user":
            out.append(HumanMessage(content))  # text or text/image_url blocks
        elif role == "assistant":
            calls = [
                {
                    "name": call["function"]["name"],
                    "args": json.loads(call["function"]["arguments"]),
                    "id": call["id"],
                    "type": "tool_call",
                }
                for call in message.get("tool_calls") or []
            ]
            out.append(AIMessage(content=content or "", tool_calls=calls))
        elif role == "tool":
            out.append(
                ToolMessage(
                    content,
                    tool_call_id=message["tool_call_id"],
                    name=message.get("name"),
                )
            )
        else:
            pytest.fail(f"a recorded {role!r} message has no conversion here")
    return out


# Request keys that say how to call rather than what to send.
_CALL_KEYS = frozenset({"messages", "stream", "tools", "tool_choice"})


def build(
    recording: Recording, server: ReplayServer, *, v1: bool
) -> tuple[Any, list[BaseMessage]]:
    """The runnable and the input that send the recorded request."""
    body = recording.request
    params: dict[str, Any] = {
        "api_key": "gsk_replay",
        "base_url": server.base_url(recording.name),
        "max_retries": 0,
        "output_version": "v1" if v1 else "v0",
    }
    if TOOL_USE_POLICY is not None and read(recording).error is not None:
        params[TOOL_USE_POLICY] = "raise"
    call_kwargs: dict[str, Any] = {}
    for key, value in body.items():
        if key in _CALL_KEYS:
            continue
        # Model fields (model, n, max_tokens, top_p, seed, stop, the reasoning
        # parameters, service_tier) as a user sets them; the rest
        # (response_format, search_settings) as call arguments.
        if key in ChatGroqSynaptic.model_fields:
            params[key] = value
        else:
            call_kwargs[key] = value
    with warnings.catch_warnings():
        # Many recorded models are shut down now: the construction warning is
        # not what this tier checks.
        warnings.simplefilter("ignore")
        model = ChatGroqSynaptic(**params)
        runnable: Any = model
        if "tools" in body:
            runnable = model.bind_tools(
                body["tools"], tool_choice=body.get("tool_choice"), **call_kwargs
            )
        elif call_kwargs:
            runnable = model.bind(**call_kwargs)
    return runnable, to_messages(body["messages"])


def _comparable(body: Mapping[str, Any]) -> dict[str, Any]:
    """A request body without what legitimately differs between senders."""
    out = {
        k: v
        for k, v in body.items()
        # `n` (always 1) and the stream switches are not part of what is asked.
        if k not in ("n", "stream", "stream_options", "messages")
    }
    if "max_tokens" in out:  # sent under its current name
        out["max_completion_tokens"] = out.pop("max_tokens")
    messages = []
    for message in body["messages"]:
        m = dict(message)
        if m["role"] == "assistant":
            # No `content` key, `null` and "" all mean "no text" next to calls;
            # arguments compared as JSON, not as spelled.
            m["content"] = m.get("content") or None
            m["tool_calls"] = [
                {
                    **c,
                    "function": {
                        **c["function"],
                        "arguments": json.loads(c["function"]["arguments"]),
                    },
                }
                for c in m.get("tool_calls") or []
            ] or None
        if m["role"] == "tool":
            # The package does not send ToolMessage.name (weave's client
            # did); the tool result is matched by tool_call_id.
            m.pop("name", None)
        messages.append({k: v for k, v in m.items() if v is not None})
    out["messages"] = messages
    return out


# -- the call ---------------------------------------------------------------------


async def replay(
    runnable: Any, messages: list[BaseMessage], *, stream: bool, use_async: bool
) -> tuple[AIMessage | None, Exception | None]:
    """The answer (streams: all chunks added up), and the error raised."""
    if not stream:
        try:
            if use_async:
                return await runnable.ainvoke(messages), None
            return runnable.invoke(messages), None
        except Exception as exc:
            return None, exc
    chunks: list[AIMessageChunk] = []
    error: Exception | None = None
    try:
        # One append per chunk (not a comprehension): the chunks that arrived
        # before an error event are kept.
        if use_async:
            async for chunk in runnable.astream(messages):
                chunks.append(chunk)  # noqa: PERF401
        else:
            for chunk in runnable.stream(messages):
                chunks.append(chunk)  # noqa: PERF402
    except Exception as exc:
        error = exc
    # Speed: one merge of all chunks, which equals adding them up one by one.
    total = add_ai_message_chunks(chunks[0], *chunks[1:]) if chunks else None
    return total, error


# -- what the message gives back --------------------------------------------------


def _blocks(ai: AIMessage, kind: str) -> list[dict[str, Any]]:
    assert isinstance(ai.content, list), "v1 content is a list of blocks"
    return [b for b in ai.content if isinstance(b, dict) and b.get("type") == kind]


def text_of(ai: AIMessage | None, v1: bool) -> str:
    if ai is None:
        return ""
    if v1:
        return "".join(b["text"] for b in _blocks(ai, "text"))
    assert isinstance(ai.content, str), "v0 content is a string"
    return ai.content


def reasoning_of(ai: AIMessage | None, v1: bool) -> str:
    if ai is None:
        return ""
    if v1:
        return "".join(b["reasoning"] for b in _blocks(ai, "reasoning"))
    return str(ai.additional_kwargs.get("reasoning_content", ""))


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s)")


def _seconds(text: str) -> float | None:
    """`716ms` or `10.33s`, the two forms these recordings use."""
    match = _DURATION.fullmatch(text)
    if match is None:
        return None
    value = float(match.group(1))
    return value / 1000 if match.group(2) == "ms" else value


def check_rate_limit(meta: Mapping[str, Any], headers: Mapping[str, str]) -> None:
    state = meta.get("rate_limit") or {}
    for kind in ("requests", "tokens"):
        for what in ("limit", "remaining"):
            raw = headers.get(f"x-ratelimit-{what}-{kind}")
            if raw is not None:
                want = int(raw) if raw.isdigit() else None
                assert state.get(f"{what}_{kind}") == want, (what, kind, raw)
        raw = headers.get(f"x-ratelimit-reset-{kind}")
        if raw is not None:
            seconds = _seconds(raw)
            got = state.get(f"reset_{kind}")
            if seconds is None:
                assert got is None, raw
            else:
                assert got == pytest.approx(seconds), raw


def check_answer(ai: AIMessage, want: Expected, recording: Recording, v1: bool) -> None:
    assert text_of(ai, v1) == want.text
    assert reasoning_of(ai, v1) == want.reasoning
    if not v1 and not want.reasoning:
        assert "reasoning_content" not in ai.additional_kwargs

    calls = [(c["name"], c["args"], c["id"]) for c in ai.tool_calls]
    assert calls == want.tool_calls
    bad = [(c["name"], c["args"], c["id"]) for c in ai.invalid_tool_calls]
    assert bad == want.invalid_calls
    if v1:
        blocks = [(b["name"], b["args"], b["id"]) for b in _blocks(ai, "tool_call")]
        assert blocks == want.tool_calls

    # Built-in tool runs: each once, with its arguments, output and results.
    if v1:
        runs = [(b["id"], b["args"]) for b in _blocks(ai, "server_tool_call")]
        assert runs == [
            (str(r["index"]), json.loads(r["arguments"])) for r in want.executed
        ]
        results = [
            (b["tool_call_id"], b["output"], b.get("extras", {}).get("search_results"))
            for b in _blocks(ai, "server_tool_result")
        ]
        assert results == [
            (str(r["index"]), r["output"], r.get("search_results"))
            for r in want.executed
            if r.get("output")
        ]
    else:
        assert ai.additional_kwargs.get("executed_tools", []) == want.executed

    usage = want.usage
    assert usage is not None, "a recorded answer without usage"
    got = ai.usage_metadata
    assert got is not None
    # Counted once: a stream that handed usage over twice would double these.
    assert (got["input_tokens"], got["output_tokens"], got["total_tokens"]) == (
        usage["prompt_tokens"],
        usage["completion_tokens"],
        usage["total_tokens"],
    )
    reasoning_tokens = (usage.get("completion_tokens_details") or {}).get(
        "reasoning_tokens"
    )
    if reasoning_tokens is not None:
        assert got.get("output_token_details", {}).get("reasoning") == reasoning_tokens
    cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens")
    if cached is not None:
        assert got.get("input_token_details", {}).get("cache_read") == cached

    meta = ai.response_metadata
    assert meta["model_provider"] == "groq"
    assert meta["model_name"] == want.model
    assert meta["finish_reason"] == want.finish_reason
    assert ai.id in want.ids
    assert meta.get("x_groq_id") == want.x_groq_id
    assert meta.get("service_tier") == want.service_tier
    if want.usage_breakdown is not None:
        assert meta.get("usage_breakdown") == want.usage_breakdown
    assert meta.get("request_id") == recording.headers.get("x-request-id")
    check_rate_limit(meta, recording.headers)


def check_error(exc: Exception | None, want: Expected, recording: Recording) -> None:
    error = want.error
    assert error is not None
    ours, core = _error_classes(want.error_status, error)
    assert isinstance(exc, ours), f"expected {ours.__name__}, got {exc!r:.300}"
    assert isinstance(exc, core)
    assert isinstance(exc, GroqError)  # (for the type checker: ours is one)
    assert exc.status_code == want.error_status
    assert exc.code == error.get("code")
    assert exc.error_type == error.get("type")
    assert exc.param == error.get("param")
    assert exc.request_id == recording.headers.get("x-request-id")
    if error.get("code") == "model_not_found":
        # Another change adds a replacement hint to this message: the model
        # it names is what must stay.
        assert f"`{recording.request['model']}`" in str(exc)
    else:
        assert exc.message == error["message"]
    if isinstance(exc, GroqToolUseError):
        assert exc.failed_generation == error["failed_generation"]


# -- the tier ---------------------------------------------------------------------


@pytest.mark.parametrize("version", ["v0", "v1"])
@pytest.mark.parametrize("io", ["sync", "async"])
@pytest.mark.parametrize("name", list(RECORDINGS) or ["no-recordings"])
async def test_replay(
    name: str, io: str, version: str, request: pytest.FixtureRequest
) -> None:
    if MISSING is not None:
        pytest.fail(MISSING, pytrace=False)
    replay_server: ReplayServer = request.getfixturevalue("replay_server")
    recording = RECORDINGS[name]
    want = read(recording)
    v1 = version == "v1"
    runnable, messages = build(recording, replay_server, v1=v1)
    before = len(replay_server.received(name))

    ai, exc = await replay(
        runnable,
        messages,
        stream=bool(recording.request.get("stream")),
        use_async=io == "async",
    )

    # The recorded request went out, once (no retry), as recorded.
    sent = replay_server.received(name)[before:]
    assert len(sent) == 1, f"{len(sent)} requests reached the replay server"
    assert sent[0].body is not None
    assert _comparable(sent[0].body) == _comparable(recording.request)

    if want.error is None:
        if exc is not None:
            raise exc
        assert ai is not None
        check_answer(ai, want, recording, v1)
    else:
        check_error(exc, want, recording)
        # What a stream handed over before its error event is what Groq sent.
        assert text_of(ai, v1) == want.text
        assert reasoning_of(ai, v1) == want.reasoning


def test_the_recordings_are_the_described_mix() -> None:
    if MISSING is not None:
        pytest.fail(MISSING, pytrace=False)
    # The parametrization above covers the index, which names every file.
    assert len(RECORDINGS) == 115
    # The mix the README describes: 11 streams, two failing midway; four 400s
    # and two 404s.
    streams = [r for r in RECORDINGS.values() if r.request.get("stream")]
    assert len(streams) == 11
    assert sum(read(r).error is not None for r in streams) == 2
    statuses = [r.status for r in RECORDINGS.values()]
    assert (statuses.count(400), statuses.count(404)) == (4, 2)
    # No answer is empty, so no case above passes by comparing nothing.
    for recording in RECORDINGS.values():
        want = read(recording)
        if want.error is None:
            assert want.text or want.tool_calls, recording.name
            assert all((want.usage, want.model, want.finish_reason)), recording.name
