"""Property-based tests: the request builder and the response/SSE parsers.

* Any conversation LangChain lets you build either becomes a body that
  encodes to JSON in Groq's shape, or is refused with a `ValueError` (never
  a `KeyError`, `TypeError`, ...).
* A valid stream cut into arbitrary byte pieces (multi-byte characters split,
  CRLF / CR / LF line ends) gives exactly what the whole stream gives, through
  the real path: an httpx response body yielding those pieces, read by
  `model.stream(...)` / `model.astream(...)`.
* Any body of a 200 answer (stream or not) ends in a result or in the
  package's own `GroqError`; JSON of the wrong shape is a `GroqAPIError` that
  names the problem.

Hypothesis runs derandomized (the same examples on every run, no example
database) with a modest number of examples; set `HARDENING_FUZZ_EXAMPLES`
for a longer local run, and `HARDENING_FUZZ_RANDOM=1` for new examples.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import json
import os
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    RemoveMessage,
    SystemMessage,
    ToolMessage,
)
from pydantic import ValidationError

from langchain_synaptic_groq import ChatGroqSynaptic, GroqAPIError, GroqError
from langchain_synaptic_groq._response import parse_completion
from tests.support.wire import chunk as wire_chunk
from tests.support.wire import completion, sse, wire_tool_call

FUZZ = settings(
    max_examples=int(os.environ.get("HARDENING_FUZZ_EXAMPLES", "60")),
    deadline=None,
    derandomize=os.environ.get("HARDENING_FUZZ_RANDOM") != "1",
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

MODEL = "openai/gpt-oss-20b"
# A model id the package knows nothing about: images pass through to Groq.
UNKNOWN_MODEL = "fuzz/unknown-model"

# -- strategies: text and JSON ------------------------------------------------

# Characters that break naive code: multi-byte UTF-8 (2, 3 and 4 bytes), the
# line breaks `str.splitlines` knows but SSE does not, quotes, backslashes,
# control characters, a byte-order mark.
TRICKY = 'é€😀\u2028\u2029\u0085\x1c\x0b\x0c\r\n"\\\x00\ufeff 語'
texts = st.text(alphabet=st.characters() | st.sampled_from(TRICKY), max_size=12)
# Text as Python may hold it: lone surrogates too (e.g. `surrogateescape`).
any_texts = texts | st.text(
    alphabet=st.characters(categories=["Cs", "Ll"]), min_size=1, max_size=3
)
FIELD_NAMES = [
    "type",
    "text",
    "content",
    "role",
    "name",
    "id",
    "args",
    "input",
    "url",
    "image_url",
    "detail",
    "base64",
    "mime_type",
    "source_type",
    "data",
    "reasoning",
    "tool_calls",
    "function",
    "arguments",
    "index",
    "tool_call_id",
    "status",
]
keys = st.sampled_from(FIELD_NAMES) | st.text(max_size=4)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | texts
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=4)
    ),
    max_leaves=8,
)
# Values Python code may put in a message that JSON cannot carry.
odd_values = st.sampled_from([b"raw", {1, 2}, object(), 1j, float("nan")])

# -- strategies: LangChain messages -------------------------------------------

BLOCK_TYPES = [
    "text",
    "image_url",
    "image",
    "file",
    "audio",
    "reasoning",
    "thinking",
    "tool_call",
    "tool_use",
    "tool_call_chunk",
    "invalid_tool_call",
    "server_tool_call",
    "server_tool_result",
    "non_standard",
    "video",
]


@st.composite
def blocks(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from([*BLOCK_TYPES, None]))
    block: dict[str, Any] = {} if kind is None else {"type": kind}
    shaped = {
        "text": {"text": any_texts},
        "image_url": {
            "image_url": st.one_of(
                texts,
                st.fixed_dictionaries({"url": texts}, optional={"detail": texts}),
                json_values,
            )
        },
        "image": {
            "url": texts,
            "base64": texts,
            "mime_type": st.sampled_from(["image/png", "text/plain"]) | texts,
            "source_type": st.sampled_from(["url", "base64", "id"]),
        },
        "tool_call": {"name": texts, "args": json_values, "id": texts},
        "tool_use": {"name": texts, "input": json_values, "id": texts},
        "reasoning": {"reasoning": json_values},
    }.get(kind or "", {})
    for name, strategy in shaped.items():
        if draw(st.booleans()):
            block[name] = draw(strategy)
    block.update(draw(st.dictionaries(keys, json_values, max_size=2)))
    return block


contents = any_texts | st.lists(any_texts | blocks(), max_size=4)
names = st.none() | any_texts
tool_args = st.dictionaries(texts, json_values | odd_values, max_size=3)


@st.composite
def tool_calls(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "name": draw(any_texts),
        "args": draw(tool_args),
        "id": draw(st.none() | any_texts),
    }


@st.composite
def invalid_tool_calls(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "name": draw(st.none() | any_texts),
        "args": draw(st.none() | any_texts),
        "id": draw(st.none() | any_texts),
        "error": draw(st.none() | texts),
    }


def _build(factory: Callable[..., BaseMessage], **kwargs: Any) -> BaseMessage | None:
    try:
        return factory(**kwargs)
    except (ValidationError, ValueError, TypeError):
        return None  # LangChain itself refuses it: not our builder's input


@st.composite
def messages(draw: st.DrawFn) -> BaseMessage | None:
    kind = draw(
        st.sampled_from(["human", "ai", "system", "tool", "chat", "function", "remove"])
    )
    content = draw(contents)
    name = draw(names)
    extra = draw(
        st.dictionaries(
            st.sampled_from(["tool_calls", "reasoning_content", "__openai_role__"]),
            json_values,
            max_size=2,
        )
    )
    if kind == "human":
        return _build(HumanMessage, content=content, name=name)
    if kind == "ai":
        return _build(
            AIMessage,
            content=content,
            name=name,
            tool_calls=draw(st.lists(tool_calls(), max_size=2)),
            invalid_tool_calls=draw(st.lists(invalid_tool_calls(), max_size=2)),
            additional_kwargs=extra,
        )
    if kind == "system":
        return _build(
            SystemMessage, content=content, name=name, additional_kwargs=extra
        )
    if kind == "tool":
        return _build(
            ToolMessage,
            content=content,
            name=name,
            tool_call_id=draw(any_texts),
            status=draw(st.sampled_from(["success", "error"])),
        )
    if kind == "chat":
        return _build(ChatMessage, content=content, role=draw(texts), name=name)
    if kind == "function":
        return _build(FunctionMessage, content=content, name=draw(texts))
    return _build(RemoveMessage, id=draw(texts))


conversations = st.lists(messages(), max_size=5).map(
    lambda ms: [m for m in ms if m is not None]
)

# -- the request builder ---------------------------------------------------------

ROLES = {"system", "developer", "user", "assistant", "tool"}


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def assert_groq_shape(wire: dict[str, Any]) -> None:
    """The body Groq takes: what a message of each role may hold."""
    assert isinstance(wire["model"], str)
    assert isinstance(wire["messages"], list)
    assert wire["messages"], "Groq needs at least one message"
    for message in wire["messages"]:
        role = message["role"]
        assert isinstance(role, str)
        content = message.get("content")
        if "name" in message:
            assert _is_str(message["name"])
        if role == "user":
            assert _is_str(content) or isinstance(content, list)
            for part in content if isinstance(content, list) else ():
                assert part["type"] in ("text", "image_url"), part
                if part["type"] == "text":
                    assert _is_str(part["text"]), part
                else:
                    assert _is_str(part["image_url"]["url"]), part
        elif role == "assistant":
            assert content is None or _is_str(content)
            for call in message.get("tool_calls", []):
                assert call["type"] == "function", call
                assert call["id"] is None or _is_str(call["id"]), call
                assert _is_str(call["function"]["name"]), call
                assert _is_str(call["function"]["arguments"]), call
            if "reasoning" in message:
                assert _is_str(message["reasoning"])
        elif role == "tool":
            assert _is_str(content)
            assert _is_str(message["tool_call_id"])
        else:
            assert _is_str(content), message


@FUZZ
@given(
    conversation=conversations,
    model=st.sampled_from([MODEL, UNKNOWN_MODEL]),
    stream=st.booleans(),
)
def test_any_conversation_builds_a_groq_body_or_a_value_error(
    conversation: list[BaseMessage], model: str, stream: bool
) -> None:
    chat = ChatGroqSynaptic(api_key="gsk_fuzz", model=model)
    try:
        body = chat._build_body(conversation, None, stream, {})
        encoded = chat._get_transport()._encode(body)
    except ValueError as exc:  # pydantic's ValidationError is one too
        refused = str(exc)
    else:
        assert_groq_shape(json.loads(encoded))
        return
    assert refused  # a message that says what is wrong


# -- bodies through the real read path -----------------------------------------


class Pieces(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A response body that arrives in the given pieces, sync or async."""

    def __init__(self, pieces: Sequence[bytes]) -> None:
        self.pieces = list(pieces)

    def __iter__(self) -> Iterator[bytes]:
        yield from self.pieces

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for piece in self.pieces:
            yield piece


class Served:
    """Serves whatever `body` holds, as SSE or JSON, in `pieces`."""

    def __init__(self, output_version: str = "v0") -> None:
        self.pieces: list[bytes] = []
        self.content_type = "text/event-stream"
        self.output_version = output_version

    def handler(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            headers={"content-type": self.content_type, "x-request-id": "req_fuzz"},
            stream=Pieces(self.pieces),
        )

    def model(self) -> ChatGroqSynaptic:
        transport = httpx.MockTransport(self.handler)
        return ChatGroqSynaptic(
            model=MODEL,
            api_key="gsk_fuzz",
            max_retries=0,  # garbage is not worth a retry, nor a wait
            output_version=self.output_version,
            http_client=httpx.Client(transport=transport),
            http_async_client=httpx.AsyncClient(transport=transport),
        )


def split(data: bytes, cuts: Sequence[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges) if b > a]


def joined(chunks: Sequence[Any]) -> AIMessageChunk:
    assert chunks
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert isinstance(total, AIMessageChunk)
    return total


def run_stream(served: Served, pieces: list[bytes], mode: str) -> AIMessageChunk:
    served.pieces = pieces
    model = served.model()
    if mode == "stream":
        return joined(list(model.stream("Hi")))

    async def collect() -> list[Any]:
        return [c async for c in model.astream("Hi")]

    return joined(asyncio.run(collect()))


def summary(message: AIMessageChunk) -> dict[str, Any]:
    return {
        "content": message.content,
        "id": message.id,
        "additional_kwargs": message.additional_kwargs,
        "tool_calls": message.tool_calls,
        "invalid_tool_calls": message.invalid_tool_calls,
        "tool_call_chunks": message.tool_call_chunks,
        "usage_metadata": message.usage_metadata,
        "response_metadata": message.response_metadata,
    }


# -- valid streams ----------------------------------------------------------------

#: The ids of the fuzz answers (tests/support/wire.py builds the bodies).
IDS: dict[str, Any] = {
    "model": MODEL,
    "response_id": "chatcmpl-fuzz",
    "created": 1730000000,
    "system_fingerprint": "fp_fuzz",
    "x_groq_id": "req_fuzz",
}
USAGE = {
    "prompt_tokens": 11,
    "completion_tokens": 7,
    "total_tokens": 18,
    "queue_time": 0.01,
    "total_time": 0.02,
    "prompt_tokens_details": {"cached_tokens": 3},
    "completion_tokens_details": {"reasoning_tokens": 2},
}


def event(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> Any:
    """A stream chunk; `extra` sets top-level fields (right or wrong ones)."""
    return {**wire_chunk(delta, finish_reason=finish, **IDS), **extra}


def final_event() -> Any:
    """The last chunk: the finish reason, and the usage in `x_groq` and (as
    2026 gpt-oss streams repeat it) at the top level."""
    return {**wire_chunk({}, finish_reason="stop", usage=USAGE, **IDS), "usage": USAGE}


words = st.text(
    alphabet=st.characters(codec="utf-8") | st.sampled_from(TRICKY), max_size=8
)


@st.composite
def valid_streams(draw: st.DrawFn) -> tuple[list[Any], dict[str, str]]:
    """Events of a valid stream, and the text and reasoning they carry."""
    events: list[Any] = [event({"role": "assistant", "content": ""})]
    text, reasoning = "", ""
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["content", "content", "reasoning"]))
        value = draw(words)
        events.append(event({kind: value}))
        if kind == "content":
            text += value
        else:
            reasoning += value
    if draw(st.booleans()):
        # A tool call, whole or in fragments (OpenAI style, by index).
        args = json.dumps({"city": draw(words), "n": draw(st.integers())})
        cut = draw(st.integers(0, len(args)))
        head = wire_tool_call("call_fuzz", "weather", args[:cut], index=0)
        events.append(event({"tool_calls": [head]}))
        if cut < len(args):
            rest = wire_tool_call(None, None, args[cut:], index=0)
            events.append(event({"tool_calls": [rest]}))
    events.append(final_event())
    return events, {"content": text, "reasoning": reasoning}


def render(events: list[Any], eol: str, ascii_only: bool, comments: bool) -> bytes:
    """The SSE body of `events` with `eol` line ends, non-ASCII text escaped
    or not, and a keep-alive comment before each event if `comments`."""
    items = [
        part for e in events for part in ([": keep-alive", e] if comments else [e])
    ]
    # JSON escapes CR and LF inside strings: every "\n" left is SSE framing.
    return sse(items, ensure_ascii=ascii_only).replace("\n", eol).encode()


@FUZZ
@given(
    stream=valid_streams(),
    eol=st.sampled_from(["\n", "\r\n", "\r"]),
    ascii_only=st.booleans(),
    comments=st.booleans(),
    cuts=st.lists(st.integers(min_value=0), max_size=40)
    | st.just(list(range(1, 4000))),  # one byte per piece
    mode=st.sampled_from(["stream", "astream"]),
    version=st.sampled_from(["v0", "v1"]),
)
def test_a_stream_split_anywhere_gives_what_the_whole_gives(
    stream: tuple[list[Any], dict[str, str]],
    eol: str,
    ascii_only: bool,
    comments: bool,
    cuts: list[int],
    mode: str,
    version: str,
) -> None:
    events, expected = stream
    data = render(events, eol, ascii_only, comments)
    served = Served(version)
    whole = run_stream(served, [data], mode)
    pieces = run_stream(served, split(data, cuts), mode)
    assert summary(pieces) == summary(whole)
    assert whole.text == expected["content"]
    assert whole.additional_kwargs.get("reasoning_content", "") == expected["reasoning"]
    assert whole.usage_metadata is not None
    assert whole.usage_metadata["input_tokens"] == 11
    assert whole.response_metadata["finish_reason"] == "stop"
    assert whole.response_metadata["request_id"] == "req_fuzz"
    if any("tool_calls" in e["choices"][0]["delta"] for e in events):
        assert [c["name"] for c in whole.tool_calls] == ["weather"]


@pytest.mark.parametrize("mode", ["stream", "astream"])
@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\u0085", "\x1c", "\x0c"])
def test_line_breaks_other_than_sse_ones_stay_in_the_text(mode: str, char: str) -> None:
    # `str.splitlines` (and httpx's iter_lines) would cut the event in two at
    # these; JSON carries them unescaped (the control ones escaped).
    text = f"one{char}two"
    events = [event({"content": text}), event({}, "stop")]
    served = Served()
    got = run_stream(served, [render(events, "\n", False, False)], mode)
    assert got.content == text


@pytest.mark.parametrize("mode", ["stream", "astream"])
def test_a_byte_order_mark_and_bad_utf8_do_not_break_the_stream(mode: str) -> None:
    events = [event({"content": "ok"}), event({}, "stop")]
    data = b"\xef\xbb\xbf" + render(events, "\r\n", False, False)
    data = data.replace(b'"ok"', b'"o\xffk"')  # an invalid byte: U+FFFD
    got = run_stream(Served(), split(data, [1, 2, 5]), mode)
    assert got.content == "o\ufffdk"


# -- garbage ----------------------------------------------------------------------


def paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            out.extend(paths(value, (*prefix, key)))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            out.extend(paths(value, (*prefix, i)))
    return out


@st.composite
def mutated(draw: st.DrawFn, doc: Any) -> Any:
    """`doc` with a few values (anywhere) replaced by any JSON, or dropped."""
    doc = copy.deepcopy(doc)
    for _ in range(draw(st.integers(1, 3))):
        found = paths(doc)
        path = draw(st.sampled_from(found))
        replacement = draw(json_values)
        if not path:
            doc = replacement
            continue
        parent = doc
        try:
            for step in path[:-1]:
                parent = parent[step]
            if draw(st.booleans()) and isinstance(parent, dict):
                del parent[path[-1]]
            else:
                parent[path[-1]] = replacement
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation changed the shape
    return doc


TOOL_EVENT = event(
    {
        "tool_calls": [wire_tool_call("call_1", "f", '{"a": 1}', index=0)],
        "reasoning": "hm",
        "executed_tools": [
            {"index": 0, "type": "search", "arguments": "{}", "output": "x"}
        ],
    }
)
FINAL_EVENT = final_event()
FINAL_EVENT["choices"][0]["logprobs"] = {"content": [{"token": "a"}]}
ERROR_EVENT = {"error": {"message": "boom", "type": "server_error", "code": "x"}}

sse_lines = st.one_of(
    mutated(event({"content": "hi"})).map(lambda d: "data: " + json.dumps(d)),
    mutated(TOOL_EVENT).map(lambda d: "data: " + json.dumps(d)),
    mutated(FINAL_EVENT).map(lambda d: "data: " + json.dumps(d)),
    mutated(ERROR_EVENT).map(lambda d: "data: " + json.dumps(d)),
    json_values.map(lambda d: "data: " + json.dumps(d)),
    st.sampled_from(
        ["data: [DONE]", "event: error", "", ": ping", "data:", "data: {", "retry: 1"]
    ),
    texts.map(lambda t: "data: " + t),
    texts,
)


@st.composite
def garbage_streams(draw: st.DrawFn) -> bytes:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=200))
    lines = draw(st.lists(sse_lines, max_size=8))
    eol = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return eol.join(lines).encode("utf-8", "surrogatepass")


@FUZZ
@given(
    data=garbage_streams(),
    cuts=st.lists(st.integers(min_value=0), max_size=10),
    mode=st.sampled_from(["stream", "astream"]),
    version=st.sampled_from(["v0", "v1"]),
)
def test_any_stream_body_ends_in_a_result_or_a_groq_error(
    data: bytes, cuts: list[int], mode: str, version: str
) -> None:
    with contextlib.suppress(GroqError):
        run_stream(Served(version), split(data, cuts), mode)


COMPLETION = completion(
    "hi",
    tool_calls=[wire_tool_call("call_1", "f", '{"a": 1}')],
    finish_reason="stop",
    usage=USAGE,
    service_tier="on_demand",
    message={
        "reasoning": "hm",
        "executed_tools": [{"index": 0, "type": "search", "output": "x"}],
    },
    **IDS,
)


def invoke_body(body: bytes, pieces: int, mode: str, version: str = "v0") -> Any:
    served = Served(version)
    served.content_type = "application/json"
    served.pieces = split(body, range(0, len(body), max(1, len(body) // pieces)))
    model = served.model()
    if mode == "invoke":
        return model.invoke("Hi")
    return asyncio.run(model.ainvoke("Hi"))


@FUZZ
@given(
    doc=mutated(COMPLETION) | json_values,
    pieces=st.integers(1, 5),
    mode=st.sampled_from(["invoke", "ainvoke"]),
    version=st.sampled_from(["v0", "v1"]),
)
def test_any_json_answer_ends_in_a_message_or_a_groq_error(
    doc: Any, pieces: int, mode: str, version: str
) -> None:
    body = json.dumps(doc).encode("utf-8", "surrogatepass")
    try:
        ai = invoke_body(body, pieces, mode, version)
    except GroqError as exc:
        refused = exc.message
    else:
        assert isinstance(ai, AIMessage)
        assert isinstance(ai.content, str | list)
        return
    assert refused


@FUZZ
@given(data=st.binary(max_size=300), mode=st.sampled_from(["invoke", "ainvoke"]))
def test_any_bytes_as_an_answer_end_in_a_message_or_a_groq_error(
    data: bytes, mode: str
) -> None:
    with contextlib.suppress(GroqError):
        invoke_body(data, 3, mode)


def with_path(doc: Any, path: Sequence[Any], value: Any) -> Any:
    """A copy of `doc` with the value at `path` replaced by `value`."""
    doc = copy.deepcopy(doc)
    parent: Any = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return doc


WRONG_SHAPES = [
    pytest.param({"choices": [None]}, "choice", id="choice-null"),
    pytest.param({"choices": [{"message": 3}]}, "message", id="message-int"),
    pytest.param({"choices": {"0": {}}}, "choices", id="choices-object"),
    pytest.param(
        with_path(COMPLETION, ["usage", "prompt_tokens"], "12"),
        "prompt_tokens",
        id="usage-str",
    ),
    pytest.param(
        with_path(COMPLETION, ["usage", "total_tokens"], [1]),
        "total_tokens",
        id="usage-list",
    ),
    pytest.param(
        with_path(COMPLETION, ["usage"], "lots"), "usage", id="usage-not-object"
    ),
    pytest.param(
        with_path(COMPLETION, ["usage", "prompt_tokens_details"], 5),
        "prompt_tokens_details",
        id="usage-details-int",
    ),
    pytest.param(
        with_path(COMPLETION, ["choices", 0, "message", "content"], {"a": 1}),
        "content",
        id="content-object",
    ),
    pytest.param(
        with_path(COMPLETION, ["choices", 0, "message", "tool_calls"], "call"),
        "tool_calls",
        id="tool-calls-str",
    ),
    pytest.param(
        with_path(COMPLETION, ["choices", 0, "message", "tool_calls"], [7]),
        "tool call",
        id="tool-call-int",
    ),
    pytest.param(
        with_path(COMPLETION, ["choices", 0, "message", "reasoning"], ["r"]),
        "reasoning",
        id="reasoning-list",
    ),
]


@pytest.mark.parametrize(("doc", "named"), WRONG_SHAPES)
def test_json_of_the_wrong_shape_is_a_groq_api_error_naming_it(
    doc: dict[str, Any], named: str
) -> None:
    with pytest.raises(GroqAPIError, match=named):
        parse_completion(doc, {})
    with pytest.raises(GroqAPIError, match=named):
        invoke_body(json.dumps(doc).encode(), 2, "invoke")


STREAM_WRONG_SHAPES = [
    pytest.param(event({"content": 3}), "content", id="content-int"),
    pytest.param({**event({}), "choices": {"0": 1}}, "choices", id="choices-object"),
    pytest.param({**event({}), "choices": [None]}, "choice", id="choice-null"),
    pytest.param(
        with_path(event({}), ["choices", 0, "delta"], [1]), "delta", id="delta-list"
    ),
    pytest.param(event({"reasoning": {"a": 1}}), "reasoning", id="reasoning-obj"),
    pytest.param(event({"tool_calls": {"a": 1}}), "tool_calls", id="calls-obj"),
    pytest.param(event({"tool_calls": [None]}), "tool call", id="call-null"),
    pytest.param(
        event({"tool_calls": [{"index": 0, "id": 5, "function": {}}]}),
        "id",
        id="call-id-int",
    ),
    pytest.param(
        event({"tool_calls": [{"index": 0, "function": {"arguments": {}}}]}),
        "arguments",
        id="call-args-object",
    ),
    pytest.param(event({}, "stop", usage="many"), "usage", id="usage-str"),
    pytest.param(
        event({}, "stop", x_groq={"usage": {"prompt_tokens": "1"}}),
        "prompt_tokens",
        id="usage-count-str",
    ),
]


@pytest.mark.parametrize("mode", ["stream", "astream"])
@pytest.mark.parametrize(("bad", "named"), STREAM_WRONG_SHAPES)
def test_stream_events_of_the_wrong_shape_are_a_groq_api_error_naming_it(
    bad: dict[str, Any], named: str, mode: str
) -> None:
    events = [event({"content": "a"}), bad, event({}, "stop")]
    with pytest.raises(GroqAPIError, match=named):
        run_stream(Served(), [render(events, "\n", False, False)], mode)


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_deeply_nested_json_is_a_groq_error_not_a_recursion_error(mode: str) -> None:
    with pytest.raises(GroqAPIError, match="not JSON"):
        invoke_body(b"[" * 100_000 + b"]" * 100_000, 4, mode)


@pytest.mark.parametrize("mode", ["stream", "astream"])
def test_deeply_nested_stream_event_is_a_groq_error(mode: str) -> None:
    data = b"data: " + b"[" * 100_000 + b"]" * 100_000 + b"\n\n"
    with pytest.raises(GroqError, match="not JSON"):
        run_stream(Served(), [data], mode)


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
def test_a_compressed_body_that_does_not_decompress_is_a_groq_error(
    mode: str,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-encoding": "gzip"}, content=b"not gzip at all"
        )

    transport = httpx.MockTransport(handler)
    model = ChatGroqSynaptic(
        api_key="gsk_fuzz",
        max_retries=0,
        http_client=httpx.Client(transport=transport),
        http_async_client=httpx.AsyncClient(transport=transport),
    )

    def call() -> Any:
        if mode == "invoke":
            return model.invoke("Hi")
        return asyncio.run(model.ainvoke("Hi"))

    with pytest.raises(GroqAPIError, match="could not be decoded"):
        call()
