"""Surviving Groq's refusals of the model's own output (`GroqToolUseError`).

Groq checks what the model wrote before it answers: a tool call its parser
cannot read, a call to a tool that was not sent, prose where a call was
required, or JSON that does not match `response_format`, and answers 400
`tool_use_failed` / `json_validate_failed` (mid-stream: an SSE `event: error`
after HTTP 200) with the model's raw output in `failed_generation`. An agent
loop dies on that error. The `"recover"` policy reads `failed_generation`
instead:

* calls written in a shape that reads unambiguously become the `tool_calls`
  of an `AIMessage` (calls to tools that were never bound included: the
  agent's tool node answers those with "not a valid tool, try one of ..." and
  the loop goes on; an `AIMessage` with only `invalid_tool_calls` would end a
  `create_agent` loop instead);
* JSON for `response_format` becomes the message content, for
  `with_structured_output` to validate against the schema;
* anything else is retried once at a lower temperature, then raised.

The decisions are pure functions (`read_tool_calls`, `read_json_output`,
`ToolUsePlan.after`); `recover` / `arecover` / `recover_stream` /
`arecover_stream` are the thin sync and async shells the chat model runs its
calls in.

The shapes of `failed_generation` read here, and where each was seen (checked
2026-12-01; the test module `tests/unit/test_agent_recovery.py` replays each):

* a JSON object `{"name", "arguments"}`: gpt-oss-120b in the recordings
  `../shared/groq-recordings/pydai-test-tool-use-failed-error-0.json` and
  `...-streaming-0.json` (pydantic/pydantic-ai), and a call to a tool that
  was never bound in BerriAI/litellm#21242;
* `{"tool_calls": [{"function": {"name", "parameters"}}]}`, bare, in a code
  fence (groq/groq-typescript#28) or in `<tool-use>` tags
  (microsoft/autogen#3217);
* `<function=NAME>{...}</function>` (langchain-ai/langchain#31440), also
  without the closing tag, with `=` or `,` or nothing between the name and
  the arguments (tashfeenahmed/freellmapi#291, sipeed/picoclaw#748,
  prism-php/prism#983), several calls in a row, and with the opening
  `<function=` lost: `NAME{...}</function>` (huggingface/smolagents#1119) or
  `NAME>{...}` (run-llama/llama_index#17082), read only when NAME is a bound
  tool;
* unreadable, hence retried: prose (`"maybe"` in
  `pydai-test-tool-use-failed-error-with-text-0.json`, agno-agi/agno#4090),
  an empty string (the `...-streaming-with-text-0.json` recording,
  lucagrippa/obsidian-ai-tagger#34), code where JSON arguments belong
  (OpenHands/OpenHands#10187), Groq's own words instead of the output
  (anomalyco/opencode#1018), and calls mixed with prose or cut short.
"""

from __future__ import annotations

import inspect
import json
import logging
import re
import uuid
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Mapping,
)
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.output_parsers.openai_tools import parse_tool_call
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableGenerator
from pydantic import TypeAdapter, ValidationError

from langchain_synaptic_groq.errors import GroqToolUseError

__all__ = [
    "RECOVERY_KEY",
    "RETRY_TEMPERATURE",
    "Reading",
    "ToolUseFailurePolicy",
    "ToolUsePlan",
    "arecover",
    "arecover_stream",
    "check_policy",
    "plan_for",
    "read_json_output",
    "read_tool_calls",
    "recover",
    "recover_stream",
    "recovered_output_check",
]

logger = logging.getLogger("langchain_synaptic_groq")

ToolUseFailurePolicy: TypeAlias = Literal["recover", "raise"]
_POLICIES = ("recover", "raise")

RECOVERY_KEY = "tool_use_recovery"
"""The `response_metadata` key that marks a recovered or retried answer."""

RETRY_TEMPERATURE = 0.2
"""The temperature of the one retry (or the request's own, if lower).

Lowering the temperature for tool calls is what issue 14 cites Groq's
tool-use guide for; 0.2 is our choice (Groq's default is 1), not a number
Groq gives."""

_PROVIDER = "groq"
_JSON = json.JSONDecoder(strict=False)  # models put raw newlines in strings
_NOT_JSON = object()

# `<function=NAME` then what models put between the name and the arguments.
_FUNCTION_TAG = re.compile(r"<function\s*=\s*(?P<name>[A-Za-z0-9_.:\-]+)\s*")
# A call whose `<function=` was lost: `NAME{...}` or `NAME>{...}` at the start.
_BARE_CALL = re.compile(r"(?P<name>[A-Za-z0-9_\-]{1,64})\s*>?\s*(?=[{(])")
# What may follow a call's arguments: closing tags (`</function>`, the
# `<function>` llama writes as one, a lone `>` or `</function`) and the stray
# `}` or `)` models add.
_CLOSER = re.compile(r"\s*(?:</function>|<function>|</function|>|\}|\))*\s*")
_FENCE = re.compile(r"^```[A-Za-z]*\s*\n?(?P<body>.*?)\n?```$", re.DOTALL)
_WRAPPER = re.compile(
    r"^<(?P<tag>tool-use|tool_call)>\s*(?P<body>.*?)\s*</(?P=tag)>$", re.DOTALL
)


# -- reading failed_generation (pure) -------------------------------------------


@dataclass(frozen=True)
class Reading:
    """The calls read from a `failed_generation`.

    Attributes:
        shape: Which shape it was written in (`"json"`, `"function_tag"`,
            `"bare_call"`), recorded in `response_metadata`.
        calls: `(name, arguments as JSON text of an object)` per call.
        text: Prose the model wrote before its first call (kept as content).
    """

    shape: str
    calls: tuple[tuple[str, str], ...]
    text: str = ""


def read_tool_calls(
    failed_generation: Any, bound: Iterable[str] = ()
) -> Reading | None:
    """Read the tool calls a model wrote in a shape Groq refused.

    All or nothing: every call must have a name and arguments that are a
    JSON object, and nothing but closing tags may sit between and after the
    calls; otherwise the output is ambiguous and `None` is returned.

    Args:
        failed_generation: Groq's `failed_generation` (text, or an object).
        bound: The names of the bound function tools; a call whose
            `<function=` opener was lost is read only when it names one.

    Returns:
        The calls, or `None` when none can be read unambiguously.
    """
    if isinstance(failed_generation, Mapping | list):
        calls = _calls_from_json(failed_generation)
        return Reading("json", calls) if calls else None
    if not isinstance(failed_generation, str) or not failed_generation.strip():
        return None
    text = failed_generation.strip()
    value = _json_document(_unwrap(text))
    if value is not _NOT_JSON:
        calls = _calls_from_json(value)
        return Reading("json", calls) if calls else None
    return _read_function_tags(text) or _read_bare_call(text, frozenset(bound))


def read_json_output(failed_generation: Any) -> str | None:
    """The JSON a model wrote for `response_format`, as text, if it parses.

    Args:
        failed_generation: Groq's `failed_generation` of a
            `json_validate_failed` error (text, or an object).

    Returns:
        JSON text of an object or array (a code fence around it removed), or
        `None` when it is not JSON.
    """
    if isinstance(failed_generation, Mapping | list):
        return json.dumps(failed_generation)
    if not isinstance(failed_generation, str):
        return None
    text = _unwrap(failed_generation.strip())
    value = _json_document(text)
    if isinstance(value, dict | list):
        return text
    return None


def _unwrap(text: str) -> str:
    """The text inside a code fence or a `<tool-use>` / `<tool_call>` wrapper."""
    for pattern in (_FENCE, _WRAPPER):
        match = pattern.match(text)
        if match:
            return match.group("body").strip()
    return text


def _json_document(text: str) -> Any:
    try:
        return _JSON.decode(text)
    except ValueError:
        return _NOT_JSON


def _calls_from_json(value: Any) -> tuple[tuple[str, str], ...] | None:
    if isinstance(value, Mapping) and isinstance(value.get("tool_calls"), list):
        value = value["tool_calls"]
    items = value if isinstance(value, list) else [value]
    calls = []
    for item in items:
        call = _call_from_json(item)
        if call is None:
            return None
        calls.append(call)
    return tuple(calls) or None


def _call_from_json(item: Any) -> tuple[str, str] | None:
    """`{"name", "arguments"|"parameters"}`, or OpenAI's `{"function": {...}}`."""
    if not isinstance(item, Mapping):
        return None
    function = item.get("function")
    if isinstance(function, Mapping):
        item = function
    name = item.get("name")
    # Both keys are needed: `{"name": "Paris", "country": "France"}` is an
    # answer, not a call.
    key = "arguments" if "arguments" in item else "parameters"
    if not isinstance(name, str) or not name.strip() or key not in item:
        return None
    arguments = _arguments_text(item[key])
    return None if arguments is None else (name.strip(), arguments)


def _arguments_text(arguments: Any) -> str | None:
    """Arguments as the JSON text of an object, or `None` if they are not one."""
    if arguments is None or arguments in ("", "null"):
        return "{}"  # Groq's own form of "no arguments"
    if isinstance(arguments, str):
        arguments = _json_document(arguments.strip())
    return json.dumps(arguments) if isinstance(arguments, dict) else None


def _read_args(text: str, pos: int) -> tuple[str, int] | None:
    """The JSON object starting at `pos` (after an optional `(`) and its end."""
    if text.startswith("(", pos):
        pos += 1
    if not text.startswith("{", pos):
        return None
    try:
        value, end = _JSON.raw_decode(text, pos)
    except ValueError:
        return None
    return (json.dumps(value), end) if isinstance(value, dict) else None


def _read_function_tags(text: str) -> Reading | None:
    first = _FUNCTION_TAG.search(text)
    if first is None:
        return None
    prose = text[: first.start()].strip()
    calls = []
    pos = first.start()
    while pos < len(text):
        match = _FUNCTION_TAG.match(text, pos)
        if match is None:
            return None  # prose between or after the calls: ambiguous
        pos = match.end()
        if text.startswith((">", ",", "="), pos):
            pos = _skip_space(text, pos + 1)
        args = _read_args(text, pos)
        if args is None:
            # `<function=NAME></function>` or `<function=NAME>` alone: a call
            # without arguments; anything else (cut-off JSON) is unreadable.
            rest = _CLOSER.match(text, pos)
            end = rest.end() if rest else pos
            if end == pos or (end < len(text) and text[end] != "<"):
                return None
            calls.append((match.group("name"), "{}"))
            pos = end
            continue
        calls.append((match.group("name"), args[0]))
        closer = _CLOSER.match(text, args[1])
        pos = closer.end() if closer else args[1]
    return Reading("function_tag", tuple(calls), prose)


def _read_bare_call(text: str, bound: frozenset[str]) -> Reading | None:
    match = _BARE_CALL.match(text)
    if match is None or match.group("name") not in bound:
        return None
    args = _read_args(text, match.end())
    if args is None:
        return None
    closer = _CLOSER.match(text, args[1])
    if (closer.end() if closer else args[1]) != len(text):
        return None
    return Reading("bare_call", ((match.group("name"), args[0]),))


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


# -- what the request allows ---------------------------------------------------


def _function_names(body: Mapping[str, Any]) -> list[str]:
    names = []
    for tool in body.get("tools") or ():
        function = tool.get("function") if isinstance(tool, Mapping) else None
        if isinstance(function, Mapping) and isinstance(function.get("name"), str):
            names.append(function["name"])
    return names


def _forced_name(body: Mapping[str, Any]) -> str | None:
    choice = body.get("tool_choice")
    function = choice.get("function") if isinstance(choice, Mapping) else None
    name = function.get("name") if isinstance(function, Mapping) else None
    return name if isinstance(name, str) else None


def _error_record(exc: GroqToolUseError) -> dict[str, Any]:
    """The refused answer's error, kept for inspection.

    JSON-safe (messages are checkpointed), and free of the key:
    `error_from_response` has already scrubbed it.
    """
    return {
        "type": type(exc).__name__,
        "code": exc.code,
        "message": exc.message,
        "status_code": exc.status_code,
        "request_id": exc.request_id,
        "failed_generation": exc.failed_generation,
    }


def _metadata(
    body: Mapping[str, Any], finish_reason: str, recovery: dict[str, Any]
) -> dict[str, Any]:
    return {
        "model_provider": _PROVIDER,
        "model_name": body.get("model"),
        "finish_reason": finish_reason,
        RECOVERY_KEY: recovery,
    }


def _result(message: AIMessage) -> ChatResult:
    finish_reason = message.response_metadata.get("finish_reason")
    return ChatResult(
        generations=[
            ChatGeneration(
                message=message, generation_info={"finish_reason": finish_reason}
            )
        ],
        llm_output={"model_name": message.response_metadata.get("model_name")},
    )


def _tool_call_message(
    reading: Reading, exc: GroqToolUseError, body: Mapping[str, Any], retried: bool
) -> AIMessage:
    raw_calls = [
        {
            "id": f"call_recovered_{uuid.uuid4().hex[:24]}",
            "type": "function",
            "function": {"name": name, "arguments": arguments},
        }
        for name, arguments in reading.calls
    ]
    # The arguments were checked to be JSON objects, so core's parser (the
    # one `parse_completion` uses) cannot fail here; no invalid calls result.
    tool_calls = [parse_tool_call(raw, return_id=True) for raw in raw_calls]
    recovery = {
        "status": "recovered",
        "shape": reading.shape,
        "retried": retried,
        "error": _error_record(exc),
    }
    return AIMessage(
        content=reading.text,
        tool_calls=[call for call in tool_calls if call is not None],
        additional_kwargs={"tool_calls": raw_calls},
        response_metadata=_metadata(body, "tool_calls", recovery),
    )


def _json_message(
    text: str, exc: GroqToolUseError, body: Mapping[str, Any], retried: bool
) -> AIMessage:
    recovery = {
        "status": "recovered",
        "shape": "json",
        "retried": retried,
        "error": _error_record(exc),
    }
    return AIMessage(content=text, response_metadata=_metadata(body, "stop", recovery))


# -- the decision ----------------------------------------------------------------


def check_policy(value: Any) -> ToolUseFailurePolicy:
    """The policy, or a `ValueError` naming the accepted values.

    Args:
        value: A per-call `tool_use_failure` value.

    Returns:
        The value, once checked.

    Raises:
        ValueError: If it is not `"recover"` or `"raise"`.
    """
    if value not in _POLICIES:
        msg = f"tool_use_failure must be 'recover' or 'raise', got {value!r}"
        raise ValueError(msg)
    return value  # type: ignore[no-any-return]


class ToolUsePlan:
    """What to do when one model call fails with `GroqToolUseError`.

    One plan per call: it remembers whether the one retry was spent.
    """

    __slots__ = ("_can_retry", "_first_error", "body")

    def __init__(self, body: dict[str, Any], *, can_retry: bool) -> None:
        """Plan for a request.

        Args:
            body: The request body that is about to be sent.
            can_retry: Whether the retry policy allows another attempt
                (`max_retries=0` means no second request, this one included).
        """
        self.body = body
        self._can_retry = can_retry
        self._first_error: GroqToolUseError | None = None

    def after(
        self, exc: GroqToolUseError, streamed: str = ""
    ) -> ChatResult | dict[str, Any]:
        """Decide, from the error of the last attempt.

        Args:
            exc: The error of the last attempt.
            streamed: The text a stream already handed over before the error
                (a recovered answer then brings only the rest of it).

        Returns:
            The recovered answer, or the body to retry with.

        Raises:
            GroqToolUseError: `exc`, with a note saying why, when it can
                neither be read nor retried.
        """
        retried = self._first_error is not None
        body = self.body
        message: AIMessage | None = None
        if exc.code == "json_validate_failed":
            text = read_json_output(exc.failed_generation)
            if text is None:
                why = "its failed_generation is not JSON"
            elif streamed and not text.startswith(streamed):
                why = "the stream already handed over other text"
            else:
                message = _json_message(text, exc, body, retried)
                what = "read the JSON from failed_generation"
            # Once JSON text was streamed, a retry's would be appended to it.
            can_retry = not streamed
        else:
            bound = _function_names(body)
            if not bound:
                raise exc  # no tools were sent: not a tool loop to keep alive
            reading, why = self._read_calls(exc, bound)
            if reading is not None:
                message = _tool_call_message(reading, exc, body, retried)
                what = f"read {len(reading.calls)} call(s) from failed_generation"
            can_retry = True
        if message is not None:
            _log(what, exc)
            return _result(message)
        if self._can_retry and can_retry and not retried:
            self._first_error = exc
            temperature = body.get("temperature")
            lower = (
                RETRY_TEMPERATURE
                if temperature is None
                else min(float(temperature), RETRY_TEMPERATURE)
            )
            _log(f"{why}; retrying once at temperature {lower:g}", exc)
            return {**body, "temperature": lower}
        if retried:
            tail = "the one retry at a lower temperature was refused too"
        elif not can_retry:
            tail = "not retried: JSON text of this answer was already streamed"
        else:
            tail = "not retried: the retry policy allows one attempt (max_retries=0)"
        exc.add_note(
            f"tool_use_failure='recover' could not recover this: {why}; {tail}."
        )
        raise exc

    def _read_calls(
        self, exc: GroqToolUseError, bound: list[str]
    ) -> tuple[Reading | None, str]:
        """The calls to return, or `None` and why they cannot be returned."""
        if self.body.get("tool_choice") == "none":
            return None, "tool_choice is 'none', so no call may be returned"
        reading = read_tool_calls(exc.failed_generation, bound)
        if reading is None:
            return None, "no tool call reads unambiguously from its failed_generation"
        forced = _forced_name(self.body)
        if forced is not None and any(name != forced for name, _ in reading.calls):
            return None, f"tool_choice requires {forced!r}; the model called another"
        return reading, ""

    def mark_retried(self, message: BaseMessage) -> None:
        """Note on the answer of the retry which error it replaced."""
        if (
            self._first_error is not None
            and RECOVERY_KEY not in message.response_metadata
        ):
            message.response_metadata[RECOVERY_KEY] = {
                "status": "retried",
                "shape": None,
                "retried": True,
                "error": _error_record(self._first_error),
            }


def _log(what: str, exc: GroqToolUseError) -> None:
    logger.warning(
        "Groq refused the model's output (%s, request %s): %s",
        exc.code or "no code",
        exc.request_id or "unknown",
        what,
        extra={"groq_error": exc.code, "groq_request_id": exc.request_id},
    )


def plan_for(
    body: dict[str, Any], policy: Any, *, can_retry: bool
) -> ToolUsePlan | None:
    """The plan for a request, or `None` when nothing can be recovered.

    Args:
        body: The request body.
        policy: `"recover"` or `"raise"` (checked).
        can_retry: Whether the retry policy allows another attempt.

    Returns:
        A plan when the policy is `"recover"` and the request carries tools
        or a `response_format`; else `None` (the call runs as is).
    """
    if check_policy(policy) == "raise":
        return None
    if not body.get("tools") and not body.get("response_format"):
        return None
    return ToolUsePlan(body, can_retry=can_retry)


# -- the shells (sync and async, stream and not) --------------------------------


def recover(
    call: Callable[[dict[str, Any]], ChatResult], plan: ToolUsePlan
) -> ChatResult:
    """Run `call(body)`, recovering or retrying once as `plan` decides."""
    body = plan.body
    while True:
        try:
            result = call(body)
        except GroqToolUseError as exc:
            step = plan.after(exc)
            if isinstance(step, ChatResult):
                return step
            body = step
            continue
        plan.mark_retried(result.generations[0].message)
        return result


async def arecover(
    call: Callable[[dict[str, Any]], Awaitable[ChatResult]], plan: ToolUsePlan
) -> ChatResult:
    """Async `recover`."""
    body = plan.body
    while True:
        try:
            result = await call(body)
        except GroqToolUseError as exc:
            step = plan.after(exc)
            if isinstance(step, ChatResult):
                return step
            body = step
            continue
        plan.mark_retried(result.generations[0].message)
        return result


def _as_chunk(result: ChatResult, streamed: str) -> ChatGenerationChunk:
    """The recovered answer as the last chunk of a stream.

    Of its text, only what the stream has not handed over yet.
    """
    message = result.generations[0].message
    assert isinstance(message, AIMessage)
    content = message.content
    if isinstance(content, str) and streamed and content.startswith(streamed):
        content = content[len(streamed) :]
    calls = [
        tool_call_chunk(
            name=call["name"], args=json.dumps(call["args"]), id=call["id"], index=n
        )
        for n, call in enumerate(message.tool_calls)
    ]
    return ChatGenerationChunk(
        message=AIMessageChunk(
            content=content,
            tool_call_chunks=calls,
            response_metadata=message.response_metadata,
            chunk_position="last",
        ),
        generation_info=result.generations[0].generation_info,
    )


class StreamRecovery:
    """What a recovering stream decides, without I/O: the two shells feed it.

    It remembers the text handed over by the current attempt, marks the last
    chunk of a retried stream with the error it replaced, and turns a
    refusal into either the recovered answer's last chunk or the next body.
    """

    def __init__(self, plan: ToolUsePlan) -> None:
        self.plan = plan
        self.body = plan.body
        self._streamed: list[str] = []
        self._retried = False

    def begin(self) -> dict[str, Any]:
        """Start an attempt; returns the body to stream."""
        self._streamed = []
        self._retried = self.body is not self.plan.body
        return self.body

    def seen(self, chunk: ChatGenerationChunk) -> ChatGenerationChunk:
        """Note a chunk on its way to the caller; returns it."""
        self._streamed.append(chunk.text)
        if self._retried and getattr(chunk.message, "chunk_position", None) == "last":
            self.plan.mark_retried(chunk.message)
        return chunk

    def refused(self, exc: GroqToolUseError) -> ChatGenerationChunk | None:
        """The recovered last chunk, or `None` when the next attempt streams.

        Raises:
            GroqToolUseError: `exc`, when the plan can neither recover nor retry.
        """
        streamed = "".join(self._streamed)
        step = self.plan.after(exc, streamed)
        if isinstance(step, ChatResult):
            return _as_chunk(step, streamed)
        self.body = step
        return None


def recover_stream(
    open_stream: Callable[[dict[str, Any]], Iterator[ChatGenerationChunk]],
    plan: ToolUsePlan,
    notify: Callable[[ChatGenerationChunk], Any] | None = None,
) -> Iterator[ChatGenerationChunk]:
    """Stream `open_stream(body)`, recovering or retrying once on a refusal.

    Chunks handed over before a mid-stream error (reasoning, text) stay; the
    recovered answer (only the text not streamed yet, and the calls) or the
    retried stream follows them.

    Args:
        open_stream: Streams one request body (a generator).
        plan: The plan.
        notify: Called with a recovered chunk (the callbacks' new token).

    Yields:
        The chunks.
    """
    state = StreamRecovery(plan)
    while True:
        stream = open_stream(state.begin())
        try:
            yield from map(state.seen, stream)
            return
        except GroqToolUseError as exc:
            last = state.refused(exc)
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
        if last is not None:
            if notify is not None:
                notify(last)
            yield last
            return


async def arecover_stream(
    open_stream: Callable[[dict[str, Any]], AsyncIterator[ChatGenerationChunk]],
    plan: ToolUsePlan,
    notify: Callable[[ChatGenerationChunk], Any] | None = None,
) -> AsyncIterator[ChatGenerationChunk]:
    """Async `recover_stream`; `notify` may be a coroutine function.

    Yields:
        The chunks.
    """
    state = StreamRecovery(plan)
    while True:
        stream = open_stream(state.begin())
        try:
            async for chunk in stream:
                yield state.seen(chunk)
            return
        except GroqToolUseError as exc:
            last = state.refused(exc)
        finally:
            # An async generator is not closed by dropping it: close it here
            # so its response is released now, not at garbage collection.
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:
                await aclose()
        if last is not None:
            if notify is not None and inspect.isawaitable(result := notify(last)):
                await result
            yield last
            return


# -- structured output -------------------------------------------------------------


def recovered_output_check(
    schema: dict[str, Any] | type, tool_name: str | None
) -> Runnable[Any, Any]:
    """A step before a non-pydantic structured-output parser.

    An answer read from a refusal is one Groq judged not to match the schema.
    A pydantic parser validates it anyway; for a TypedDict (or another class)
    this step validates it with pydantic's `TypeAdapter`; a raw JSON schema
    cannot be checked without a JSON-schema validator, which this package does
    not depend on, so Groq's verdict stands and the refusal is raised as a
    parse error naming Groq's complaint. Every other message (or chunk) passes
    untouched, and chunks pass as they come, so streaming still streams.

    Args:
        schema: The schema given to `with_structured_output`.
        tool_name: The forced tool's name (`function_calling`), else `None`.

    Returns:
        The step.
    """

    def check(message: Any) -> Any:
        metadata = getattr(message, "response_metadata", None) or {}
        recovery = metadata.get(RECOVERY_KEY)
        if not isinstance(recovery, Mapping) or recovery.get("status") != "recovered":
            return message
        error = recovery.get("error") or {}
        complaint = error.get("message")
        if not isinstance(schema, type):
            function = schema.get("function")
            title = (
                schema.get("title")
                or (function.get("name") if isinstance(function, Mapping) else None)
                or "the schema"
            )
            msg = (
                f"Groq refused the model's output as not matching {title}: "
                f"{complaint}. A raw JSON schema is not validated locally, so "
                "the output is not returned (use a pydantic model or a "
                "TypedDict to have it validated here, or include_raw=True to "
                "see it)"
            )
            raise OutputParserException(msg, llm_output=str(message.content))
        if tool_name is not None:
            calls = getattr(message, "tool_calls", None) or []
            value = next((c["args"] for c in calls if c["name"] == tool_name), None)
        else:
            text = read_json_output(error.get("failed_generation"))
            value = None if text is None else json.loads(text)
        try:
            TypeAdapter(schema).validate_python(value)
        except ValidationError as exc:
            msg = (
                f"Groq refused the model's output ({complaint}) and it does not "
                f"validate against {schema.__name__} either: {exc}"
            )
            raise OutputParserException(msg, llm_output=str(message.content)) from exc
        return message

    def transform(chunks: Iterator[Any]) -> Iterator[Any]:
        for chunk in chunks:
            yield check(chunk)

    async def atransform(chunks: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for chunk in chunks:
            yield check(chunk)

    return RunnableGenerator(transform, atransform, name="recovered_output_check")
