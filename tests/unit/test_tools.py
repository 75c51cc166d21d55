"""Tool calling: tools and tool_choice on the wire, tool calls back, histories.

Every test talks to a scripted Groq (`tests.support.scripted.ScriptedGroq`) through the
real httpx code path and asserts on the JSON body that was sent and on the
messages that came back.
"""

from __future__ import annotations

import functools
import json
import operator
from collections.abc import AsyncIterator, Iterable
from typing import Annotated, Any

import pytest
from langchain_core.exceptions import ModelInvalidRequestError
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.tools import BaseTool, tool
from pydantic import BaseModel, Field
from typing_extensions import TypedDict

from langchain_synaptic_groq import GroqToolUseError, ToolChoice
from tests.support.scripted import ScriptedGroq
from tests.support.wire import chunk, completion, stream_events, wire_tool_call

# -- the tools, in every form LangChain users pass ------------------------------


@tool
def get_weather(city: str, unit: str = "celsius") -> str:
    """Get the weather for a city."""
    return f"18 degrees {unit} in {city}"


def multiply(a: int, b: int) -> int:
    """Multiply two integers.

    Args:
        a: The first factor.
        b: The second factor.
    """
    return a * b


class Lookup(BaseModel):
    """Look up a word in the dictionary."""

    word: str = Field(description="The word.")


class Convert(TypedDict):
    """Convert an amount between currencies."""

    amount: float
    currency: Annotated[str, ..., "ISO 4217 code"]


class SearchArgs(BaseModel):
    query: str


class Search(BaseTool):
    name: str = "search"
    description: str = "Search the web."
    args_schema: type[BaseModel] = SearchArgs

    def _run(self, query: str) -> str:
        return f"results for {query}"


JSON_SCHEMA_TOOL: dict[str, Any] = {
    "title": "get_time",
    "description": "Current time in a time zone.",
    "type": "object",
    "properties": {"tz": {"type": "string"}},
    "required": ["tz"],
}

OPENAI_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_stock",
        "description": "Latest price of a stock.",
        "parameters": {
            "type": "object",
            "properties": {"ticker": {"type": "string"}},
            "required": ["ticker"],
        },
    },
}

WIRE_TOOLS: dict[str, dict[str, Any]] = {
    "get_weather": {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get the weather for a city.",
            "parameters": {
                "type": "object",
                "properties": {
                    "city": {"type": "string"},
                    "unit": {"default": "celsius", "type": "string"},
                },
                "required": ["city"],
            },
        },
    },
    "multiply": {
        "type": "function",
        "function": {
            "name": "multiply",
            "description": "Multiply two integers.",
            "parameters": {
                "type": "object",
                "properties": {
                    "a": {"description": "The first factor.", "type": "integer"},
                    "b": {"description": "The second factor.", "type": "integer"},
                },
                "required": ["a", "b"],
            },
        },
    },
    "Lookup": {
        "type": "function",
        "function": {
            "name": "Lookup",
            "description": "Look up a word in the dictionary.",
            "parameters": {
                "type": "object",
                "properties": {"word": {"description": "The word.", "type": "string"}},
                "required": ["word"],
            },
        },
    },
    "Convert": {
        "type": "function",
        "function": {
            "name": "Convert",
            "description": "Convert an amount between currencies.",
            "parameters": {
                "type": "object",
                "properties": {
                    "amount": {"type": "number"},
                    "currency": {"description": "ISO 4217 code", "type": "string"},
                },
                "required": ["amount", "currency"],
            },
        },
    },
    "search": {
        "type": "function",
        "function": {
            "name": "search",
            "description": "Search the web.",
            "parameters": {
                "type": "object",
                "properties": {"query": {"type": "string"}},
                "required": ["query"],
            },
        },
    },
    "get_time": {
        "type": "function",
        "function": {
            "name": "get_time",
            "description": "Current time in a time zone.",
            "parameters": {
                "type": "object",
                "properties": {"tz": {"type": "string"}},
                "required": ["tz"],
            },
        },
    },
    "get_stock": OPENAI_TOOL,
}

TOOL_FORMS: list[tuple[str, Any]] = [
    ("get_weather", get_weather),  # @tool function
    ("multiply", multiply),  # plain function with a Google docstring
    ("Lookup", Lookup),  # pydantic model
    ("Convert", Convert),  # TypedDict
    ("search", Search()),  # BaseTool subclass
    ("get_time", JSON_SCHEMA_TOOL),  # JSON schema
    ("get_stock", OPENAI_TOOL),  # OpenAI-format dict
]


def _aggregate(chunks: Iterable[AIMessageChunk]) -> AIMessageChunk:
    return functools.reduce(operator.add, chunks)


async def _aaggregate(chunks: AsyncIterator[AIMessageChunk]) -> AIMessageChunk:
    return _aggregate([c async for c in chunks])


def _one_answer(scripted: ScriptedGroq) -> ScriptedGroq:
    return scripted.reply_json(completion("ok"))


# -- tools on the wire ----------------------------------------------------------


@pytest.mark.parametrize(("name", "form"), TOOL_FORMS, ids=[n for n, _ in TOOL_FORMS])
def test_each_tool_form_reaches_the_wire_as_a_function(name: str, form: Any) -> None:
    scripted = _one_answer(ScriptedGroq())
    scripted.model().bind_tools([form]).invoke("hi")

    body = scripted.last_body
    assert body["tools"] == [WIRE_TOOLS[name]]
    assert "tool_choice" not in body
    assert "parallel_tool_calls" not in body


def test_all_tool_forms_together_keep_their_order() -> None:
    scripted = _one_answer(ScriptedGroq())
    forms = [form for _, form in TOOL_FORMS]
    scripted.model().bind_tools([*forms, {"type": "browser_search"}]).invoke("hi")

    assert scripted.last_body["tools"] == [
        *(WIRE_TOOLS[name] for name, _ in TOOL_FORMS),
        {"type": "browser_search"},
    ]


def test_builtin_tools_are_sent_as_their_type() -> None:
    scripted = _one_answer(ScriptedGroq())
    model = scripted.model(model="openai/gpt-oss-120b")
    model.bind_tools([{"type": "browser_search"}, {"type": "code_interpreter"}]).invoke(
        "hi"
    )

    assert scripted.last_body["tools"] == [
        {"type": "browser_search"},
        {"type": "code_interpreter"},
    ]


@pytest.mark.parametrize("strict", [True, False])
def test_strict_reaches_every_function_tool(strict: bool) -> None:
    scripted = _one_answer(ScriptedGroq())
    scripted.model().bind_tools(
        [get_weather, Lookup, {"type": "browser_search"}], strict=strict
    ).invoke("hi")

    tools = scripted.last_body["tools"]
    assert [t.get("function", {}).get("strict") for t in tools] == [
        strict,
        strict,
        None,
    ]
    assert tools[2] == {"type": "browser_search"}
    if strict:
        # Strict schemas are closed and list every property as required.
        params = tools[0]["function"]["parameters"]
        assert params["additionalProperties"] is False
        assert params["required"] == ["city", "unit"]


def test_strict_none_is_not_sent() -> None:
    scripted = _one_answer(ScriptedGroq())
    scripted.model().bind_tools([get_weather]).invoke("hi")

    assert "strict" not in scripted.last_body["tools"][0]["function"]


@pytest.mark.parametrize("parallel", [True, False])
def test_parallel_tool_calls_reaches_the_wire(parallel: bool) -> None:
    scripted = _one_answer(ScriptedGroq())
    # A model that makes parallel calls (gpt-oss does not: `true` is left out).
    model = scripted.model(model="qwen/qwen3.8-27b")
    model.bind_tools([get_weather], parallel_tool_calls=parallel).invoke("hi")

    assert scripted.last_body["parallel_tool_calls"] is parallel


def test_other_bind_tools_kwargs_are_sent() -> None:
    scripted = _one_answer(ScriptedGroq())
    scripted.model().bind_tools([get_weather], temperature=0.0, seed=7).invoke("hi")

    body = scripted.last_body
    assert body["temperature"] == 0.0
    assert body["seed"] == 7


# -- tool_choice ------------------------------------------------------------------

FORCE_WEATHER = {"type": "function", "function": {"name": "get_weather"}}


@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("required", "required"),
        ("any", "required"),
        ("get_weather", FORCE_WEATHER),
        (FORCE_WEATHER, FORCE_WEATHER),
        ({"type": "function", "function": {"name": "multiply"}}, None),
        (ToolChoice.AUTO, "auto"),
        (ToolChoice.NONE, "none"),
        (ToolChoice.REQUIRED, "required"),
        (ToolChoice.specific("multiply"), None),
    ],
    ids=[
        "auto",
        "none",
        "required",
        "any",
        "name",
        "dict",
        "dict-other",
        "enum-auto",
        "enum-none",
        "enum-required",
        "enum-specific",
    ],
)
def test_tool_choice_forms_on_the_wire(choice: Any, wire: Any) -> None:
    scripted = _one_answer(ScriptedGroq())
    scripted.model().bind_tools([get_weather, multiply], tool_choice=choice).invoke(
        "hi"
    )

    expected = wire if wire is not None else choice
    assert scripted.last_body["tool_choice"] == expected


def test_tool_choice_true_forces_the_only_tool() -> None:
    scripted = _one_answer(ScriptedGroq())
    scripted.model().bind_tools([get_weather], tool_choice=True).invoke("hi")

    assert scripted.last_body["tool_choice"] == FORCE_WEATHER


def test_tool_choice_true_needs_exactly_one_tool() -> None:
    model = ScriptedGroq().model()
    with pytest.raises(ValueError, match="exactly one"):
        model.bind_tools([get_weather, multiply], tool_choice=True)


def test_tool_choice_naming_no_bound_tool_is_refused() -> None:
    model = ScriptedGroq().model()
    with pytest.raises(ValueError, match="names no bound tool"):
        model.bind_tools([get_weather], tool_choice="get_wether")


@pytest.mark.parametrize("choice", [None, False])
def test_tool_choice_unset_is_not_sent(choice: Any) -> None:
    scripted = _one_answer(ScriptedGroq())
    scripted.model().bind_tools([get_weather], tool_choice=choice).invoke("hi")

    assert "tool_choice" not in scripted.last_body


def test_tool_choice_enum_values_are_groq_strings() -> None:
    assert [c.value for c in ToolChoice] == ["auto", "none", "required"]
    assert ToolChoice.specific("x") == {"type": "function", "function": {"name": "x"}}


def test_tool_names_groq_refuses_are_caught_before_sending() -> None:
    model = ScriptedGroq().model()
    bad = {**JSON_SCHEMA_TOOL, "title": "get time"}
    with pytest.raises(ValueError, match="'get time'"):
        model.bind_tools([bad])


def test_more_than_128_tools_are_refused() -> None:
    model = ScriptedGroq().model()
    tools = [{**JSON_SCHEMA_TOOL, "title": f"tool_{i}"} for i in range(129)]
    with pytest.raises(ValueError, match="at most 128"):
        model.bind_tools(tools)


# -- tool calls back (invoke) ----------------------------------------------------


def test_invoke_returns_tool_calls_with_parsed_args_and_ids() -> None:
    scripted = ScriptedGroq().reply_json(
        completion(
            None,
            tool_calls=[
                wire_tool_call("call_1", "get_weather", '{"city": "Paris"}'),
                wire_tool_call("call_2", "multiply", '{"a": 6, "b": 7}'),
            ],
        )
    )
    ai = scripted.model().bind_tools([get_weather, multiply]).invoke("hi")

    assert isinstance(ai, AIMessage)
    assert ai.content == ""
    assert ai.tool_calls == [
        {
            "name": "get_weather",
            "args": {"city": "Paris"},
            "id": "call_1",
            "type": "tool_call",
        },
        {
            "name": "multiply",
            "args": {"a": 6, "b": 7},
            "id": "call_2",
            "type": "tool_call",
        },
    ]
    assert ai.invalid_tool_calls == []
    assert ai.response_metadata["finish_reason"] == "tool_calls"


async def test_ainvoke_returns_tool_calls() -> None:
    scripted = ScriptedGroq().reply_json(
        completion(
            None,
            tool_calls=[wire_tool_call("call_1", "get_weather", '{"city": "Oslo"}')],
        )
    )
    ai = await scripted.model().bind_tools([get_weather]).ainvoke("hi")

    assert ai.tool_calls == [
        {
            "name": "get_weather",
            "args": {"city": "Oslo"},
            "id": "call_1",
            "type": "tool_call",
        }
    ]
    assert ai.response_metadata["finish_reason"] == "tool_calls"
    assert scripted.last_body["tools"] == [WIRE_TOOLS["get_weather"]]


@pytest.mark.parametrize("arguments", ["null", "", None, "{}"])
def test_empty_or_null_arguments_mean_no_arguments(arguments: str | None) -> None:
    scripted = ScriptedGroq().reply_json(
        completion(None, tool_calls=[wire_tool_call("call_1", "now", arguments)])
    )
    ai = scripted.model().invoke("hi")

    assert ai.tool_calls == [
        {"name": "now", "args": {}, "id": "call_1", "type": "tool_call"}
    ]
    assert ai.invalid_tool_calls == []


def test_unparsable_arguments_become_invalid_tool_calls_and_no_call_is_lost() -> None:
    scripted = ScriptedGroq().reply_json(
        completion(
            None,
            tool_calls=[
                wire_tool_call("call_1", "get_weather", '{"city": "Paris"'),
                wire_tool_call("call_2", "multiply", '{"a": 6, "b": 7}'),
                wire_tool_call("call_3", "multiply", "[6, 7]"),
            ],
        )
    )
    ai = scripted.model().invoke("hi")

    assert ai.tool_calls == [
        {
            "name": "multiply",
            "args": {"a": 6, "b": 7},
            "id": "call_2",
            "type": "tool_call",
        }
    ]
    assert [(c["id"], c["name"], c["args"]) for c in ai.invalid_tool_calls] == [
        ("call_1", "get_weather", '{"city": "Paris"'),
        ("call_3", "multiply", "[6, 7]"),
    ]
    assert all(c["type"] == "invalid_tool_call" for c in ai.invalid_tool_calls)
    assert "not valid JSON" in (ai.invalid_tool_calls[0]["error"] or "")
    assert "not a JSON object" in (ai.invalid_tool_calls[1]["error"] or "")


def test_text_next_to_tool_calls_is_kept() -> None:
    scripted = ScriptedGroq().reply_json(
        completion(
            "Let me check.",
            tool_calls=[wire_tool_call("call_1", "get_weather", '{"city": "Rome"}')],
        )
    )
    ai = scripted.model().invoke("hi")

    assert ai.content == "Let me check."
    assert [c["args"] for c in ai.tool_calls] == [{"city": "Rome"}]


def test_v1_invoke_puts_tool_calls_in_content_blocks() -> None:
    scripted = ScriptedGroq().reply_json(
        completion(
            "Checking.",
            tool_calls=[wire_tool_call("call_1", "get_weather", '{"city": "Rome"}')],
        )
    )
    ai = scripted.model(output_version="v1").invoke("hi")

    assert ai.content == [
        {"type": "text", "text": "Checking."},
        {
            "type": "tool_call",
            "name": "get_weather",
            "args": {"city": "Rome"},
            "id": "call_1",
        },
    ]
    assert ai.tool_calls[0]["args"] == {"city": "Rome"}


# -- tool calls back (streams) ---------------------------------------------------

WHOLE_CALL = [  # what Groq sends today: each call whole in one delta
    {
        "tool_calls": [
            wire_tool_call("call_1", "get_weather", '{"city": "Paris"}', index=0),
            wire_tool_call("call_2", "multiply", '{"a": 6, "b": 7}', index=1),
        ]
    }
]

FRAGMENTS = [  # OpenAI-style: the arguments split over deltas
    {"tool_calls": [wire_tool_call("call_1", "get_weather", "", index=0)]},
    {"tool_calls": [wire_tool_call(None, None, '{"ci', index=0)]},
    {"tool_calls": [wire_tool_call(None, None, 'ty": "Pa', index=0)]},
    {"tool_calls": [wire_tool_call(None, None, 'ris"}', index=0)]},
    {"tool_calls": [wire_tool_call("call_2", "multiply", "", index=1)]},
    {"tool_calls": [wire_tool_call(None, None, '{"a": 6, ', index=1)]},
    {"tool_calls": [wire_tool_call(None, None, '"b": 7}', index=1)]},
]

INTERLEAVED = [  # two calls in parallel, fragments interleaved
    {
        "tool_calls": [
            wire_tool_call("call_1", "get_weather", '{"city": ', index=0),
            wire_tool_call("call_2", "multiply", '{"a": 6', index=1),
        ]
    },
    {"tool_calls": [wire_tool_call(None, None, ', "b": 7}', index=1)]},
    {"tool_calls": [wire_tool_call(None, None, '"Paris"}', index=0)]},
]

NEW_ID_ON_SEEN_INDEX = [  # a second call reusing index 0 under a new id
    {"tool_calls": [wire_tool_call("call_1", "get_weather", '{"city": ', index=0)]},
    {"tool_calls": [wire_tool_call(None, None, '"Paris"}', index=0)]},
    {"tool_calls": [wire_tool_call("call_2", "multiply", '{"a": 6, ', index=0)]},
    {"tool_calls": [wire_tool_call(None, None, '"b": 7}', index=0)]},
]

EXPECTED_CALLS = [
    {
        "name": "get_weather",
        "args": {"city": "Paris"},
        "id": "call_1",
        "type": "tool_call",
    },
    {"name": "multiply", "args": {"a": 6, "b": 7}, "id": "call_2", "type": "tool_call"},
]

SHAPES = {
    "whole": WHOLE_CALL,
    "fragments": FRAGMENTS,
    "interleaved": INTERLEAVED,
    "new-id-on-seen-index": NEW_ID_ON_SEEN_INDEX,
}


def _tool_stream(scripted: ScriptedGroq, deltas: list[dict[str, Any]]) -> None:
    scripted.reply_sse(stream_events(*deltas, finish_reason="tool_calls"))


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("version", ["v0", "v1"])
def test_streamed_tool_calls_merge_into_tool_calls(shape: str, version: str) -> None:
    scripted = ScriptedGroq()
    _tool_stream(scripted, SHAPES[shape])
    model = scripted.model(output_version=version).bind_tools([get_weather, multiply])

    chunks = list(model.stream("hi"))
    full = _aggregate(chunks)

    assert full.tool_calls == EXPECTED_CALLS
    assert full.invalid_tool_calls == []
    assert full.response_metadata["finish_reason"] == "tool_calls"
    # finish_reason is on the last chunk only (core concatenates strings).
    assert [c.response_metadata.get("finish_reason") for c in chunks].count(
        "tool_calls"
    ) == 1
    assert scripted.last_body["stream"] is True
    if version == "v1":
        assert full.content == [
            {"type": "tool_call", **{k: v for k, v in c.items() if k != "type"}}
            for c in EXPECTED_CALLS
        ]
    else:
        assert full.content == ""


@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("version", ["v0", "v1"])
async def test_astreamed_tool_calls_merge_into_tool_calls(
    shape: str, version: str
) -> None:
    scripted = ScriptedGroq()
    _tool_stream(scripted, SHAPES[shape])
    model = scripted.model(output_version=version).bind_tools([get_weather, multiply])

    full = await _aaggregate(model.astream("hi"))

    assert full.tool_calls == EXPECTED_CALLS
    assert full.response_metadata["finish_reason"] == "tool_calls"
    if version == "v1":
        blocks = [b for b in full.content if isinstance(b, dict)]
        assert [(b["type"], b["id"], b["args"]) for b in blocks] == [
            ("tool_call", "call_1", {"city": "Paris"}),
            ("tool_call", "call_2", {"a": 6, "b": 7}),
        ]


def test_stream_chunks_carry_tool_call_chunks_keyed_by_index() -> None:
    scripted = ScriptedGroq()
    _tool_stream(scripted, FRAGMENTS)
    chunks = list(scripted.model().stream("hi"))

    pieces = [
        (tc["index"], tc["id"], tc["name"], tc["args"])
        for c in chunks
        for tc in c.tool_call_chunks
    ]
    assert pieces == [
        (0, "call_1", "get_weather", ""),
        (0, None, None, '{"ci'),
        (0, None, None, 'ty": "Pa'),
        (0, None, None, 'ris"}'),
        (1, "call_2", "multiply", ""),
        (1, None, None, '{"a": 6, '),
        (1, None, None, '"b": 7}'),
    ]


def test_new_id_on_a_seen_index_gets_a_fresh_index() -> None:
    scripted = ScriptedGroq()
    _tool_stream(scripted, NEW_ID_ON_SEEN_INDEX)
    chunks = list(scripted.model().stream("hi"))

    indexes = [(tc["id"], tc["index"]) for c in chunks for tc in c.tool_call_chunks]
    assert indexes == [("call_1", 0), (None, 0), ("call_2", 1), (None, 1)]


def test_repeated_id_on_every_fragment_stays_one_call() -> None:
    scripted = ScriptedGroq()
    _tool_stream(
        scripted,
        [
            {
                "tool_calls": [
                    wire_tool_call("call_1", "get_weather", '{"city"', index=0)
                ]
            },
            {"tool_calls": [wire_tool_call("call_1", None, ': "Paris"}', index=0)]},
        ],
    )
    full = _aggregate(scripted.model().stream("hi"))

    assert full.tool_calls == EXPECTED_CALLS[:1]


def test_stream_text_then_tool_call() -> None:
    scripted = ScriptedGroq()
    _tool_stream(
        scripted,
        [
            {"content": "Let me "},
            {"content": "check."},
            {
                "tool_calls": [
                    wire_tool_call(
                        "call_1", "get_weather", '{"city": "Paris"}', index=0
                    )
                ]
            },
        ],
    )
    full = _aggregate(scripted.model().stream("hi"))
    assert full.content == "Let me check."
    assert full.tool_calls == EXPECTED_CALLS[:1]

    scripted = ScriptedGroq()
    _tool_stream(
        scripted,
        [
            {"content": "Let me "},
            {"content": "check."},
            {
                "tool_calls": [
                    wire_tool_call(
                        "call_1", "get_weather", '{"city": "Paris"}', index=0
                    )
                ]
            },
        ],
    )
    full = _aggregate(scripted.model(output_version="v1").stream("hi"))
    assert [b["type"] for b in full.content if isinstance(b, dict)] == [
        "text",
        "tool_call",
    ]
    assert full.content[0]["text"] == "Let me check."  # type: ignore[index]
    assert full.content[1]["args"] == {"city": "Paris"}  # type: ignore[index]


@pytest.mark.parametrize("version", ["v0", "v1"])
def test_streamed_unparsable_arguments_become_invalid_tool_calls(version: str) -> None:
    scripted = ScriptedGroq()
    _tool_stream(
        scripted,
        [
            {
                "tool_calls": [
                    wire_tool_call("call_1", "get_weather", '{"city": Paris}', index=0)
                ]
            },
            {
                "tool_calls": [
                    wire_tool_call("call_2", "multiply", '{"a": 6, "b": 7}', index=1)
                ]
            },
        ],
    )
    full = _aggregate(scripted.model(output_version=version).stream("hi"))

    assert full.tool_calls == EXPECTED_CALLS[1:]
    # Core's AIMessageChunk turns the unparsable call into an invalid one,
    # keeping the raw string (core gives no error text for streamed calls).
    # Core parses streamed arguments as partial JSON, so a valid prefix with
    # trailing garbage would be repaired instead; this one cannot be.
    assert [(c["id"], c["name"], c["args"]) for c in full.invalid_tool_calls] == [
        ("call_1", "get_weather", '{"city": Paris}')
    ]


def test_streamed_null_arguments_mean_no_arguments() -> None:
    scripted = ScriptedGroq()
    _tool_stream(
        scripted, [{"tool_calls": [wire_tool_call("call_1", "now", "null", index=0)]}]
    )
    full = _aggregate(scripted.model().stream("hi"))

    assert full.tool_calls == [
        {"name": "now", "args": {}, "id": "call_1", "type": "tool_call"}
    ]


@pytest.mark.parametrize("shape", list(SHAPES))
def test_invoke_with_streaming_true_returns_merged_tool_calls(shape: str) -> None:
    scripted = ScriptedGroq()
    _tool_stream(scripted, SHAPES[shape])
    ai = scripted.model(streaming=True).invoke("hi")

    assert isinstance(ai, AIMessage)
    assert ai.tool_calls == EXPECTED_CALLS
    assert ai.response_metadata["finish_reason"] == "tool_calls"
    assert scripted.last_body["stream"] is True


async def test_ainvoke_with_streaming_true_returns_merged_tool_calls() -> None:
    scripted = ScriptedGroq()
    _tool_stream(scripted, INTERLEAVED)
    ai = await scripted.model(streaming=True, output_version="v1").ainvoke("hi")

    assert ai.tool_calls == EXPECTED_CALLS
    assert [b["args"] for b in ai.content if isinstance(b, dict)] == [  # type: ignore[index]
        {"city": "Paris"},
        {"a": 6, "b": 7},
    ]


# -- histories back to the wire --------------------------------------------------


def _sent_messages(history: list[BaseMessage], **model_kw: Any) -> list[dict[str, Any]]:
    scripted = _one_answer(ScriptedGroq())
    scripted.model(**model_kw).invoke(history)
    return scripted.last_body["messages"]


def test_tool_round_trip_from_invoke_goes_back_on_the_wire() -> None:
    scripted = ScriptedGroq().reply_json(
        completion(
            None,
            tool_calls=[
                wire_tool_call("call_1", "get_weather", '{"city": "Paris"}'),
                wire_tool_call("call_2", "now", "null"),
            ],
        )
    )
    model = scripted.model().bind_tools([get_weather])
    ai = model.invoke("Weather in Paris?")
    scripted.reply_json(completion("It is 18 degrees."))
    history = [
        HumanMessage("Weather in Paris?"),
        ai,
        ToolMessage("18 degrees celsius in Paris", tool_call_id="call_1"),
        ToolMessage("12:00", tool_call_id="call_2"),
    ]
    model.invoke(history)

    assert scripted.last_body["messages"] == [
        {"role": "user", "content": "Weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {
                        "name": "get_weather",
                        "arguments": '{"city": "Paris"}',
                    },
                },
                {
                    "id": "call_2",
                    "type": "function",
                    "function": {"name": "now", "arguments": "{}"},
                },
            ],
        },
        {
            "role": "tool",
            "content": "18 degrees celsius in Paris",
            "tool_call_id": "call_1",
        },
        {"role": "tool", "content": "12:00", "tool_call_id": "call_2"},
    ]


@pytest.mark.parametrize("version", ["v0", "v1"])
def test_streamed_answer_goes_back_on_the_wire(version: str) -> None:
    scripted = ScriptedGroq()
    _tool_stream(scripted, INTERLEAVED)
    model = scripted.model(output_version=version)
    ai = _aggregate(model.stream("hi"))
    scripted.reply_json(completion("done"))
    model.invoke(
        [
            HumanMessage("hi"),
            ai,
            ToolMessage("Sunny", tool_call_id="call_1"),
            ToolMessage("42", tool_call_id="call_2"),
        ]
    )

    assistant = scripted.last_body["messages"][1]
    assert assistant == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            },
            {
                "id": "call_2",
                "type": "function",
                "function": {"name": "multiply", "arguments": '{"a": 6, "b": 7}'},
            },
        ],
    }


def test_assistant_text_with_tool_calls_keeps_the_text() -> None:
    ai = AIMessage(
        "Let me check.",
        tool_calls=[{"name": "get_weather", "args": {"city": "Rome"}, "id": "call_9"}],
    )
    sent = _sent_messages(
        [HumanMessage("hi"), ai, ToolMessage("ok", tool_call_id="call_9")]
    )

    assert sent[1] == {
        "role": "assistant",
        "content": "Let me check.",
        "tool_calls": [
            {
                "id": "call_9",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Rome"}'},
            }
        ],
    }


def test_v1_assistant_message_goes_back_as_wire_tool_calls() -> None:
    ai = AIMessage(
        content=[
            {"type": "reasoning", "reasoning": "Need the weather."},
            {"type": "text", "text": "Checking."},
            {
                "type": "tool_call",
                "id": "call_1",
                "name": "get_weather",
                "args": {"city": "Rome"},
            },
        ],
        response_metadata={"output_version": "v1", "model_provider": "groq"},
    )
    sent = _sent_messages(
        [HumanMessage("hi"), ai, ToolMessage("ok", tool_call_id="call_1")]
    )

    assert sent[1] == {
        "role": "assistant",
        "content": "Checking.",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Rome"}'},
            }
        ],
        "reasoning": "Need the weather.",
    }


def test_v1_assistant_with_only_tool_call_blocks_sends_null_content() -> None:
    ai = AIMessage(
        content=[
            {
                "type": "tool_call",
                "id": "call_1",
                "name": "get_weather",
                "args": {"city": "Rome"},
            }
        ]
    )
    sent = _sent_messages(
        [HumanMessage("hi"), ai, ToolMessage("ok", tool_call_id="call_1")]
    )

    assert sent[1]["content"] is None
    assert sent[1]["tool_calls"][0]["function"] == {
        "name": "get_weather",
        "arguments": '{"city": "Rome"}',
    }


def test_anthropic_tool_use_blocks_go_back_as_wire_tool_calls() -> None:
    ai = AIMessage(
        content=[
            {"type": "text", "text": "I'll look it up."},
            {
                "type": "tool_use",
                "id": "toolu_01",
                "name": "get_weather",
                "input": {"city": "Lima"},
            },
        ]
    )
    sent = _sent_messages(
        [HumanMessage("hi"), ai, ToolMessage("ok", tool_call_id="toolu_01")]
    )

    assert sent[1] == {
        "role": "assistant",
        "content": "I'll look it up.",
        "tool_calls": [
            {
                "id": "toolu_01",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Lima"}'},
            }
        ],
    }
    assert sent[2] == {"role": "tool", "content": "ok", "tool_call_id": "toolu_01"}


def test_v1_builtin_tool_blocks_are_not_sent_back() -> None:
    # What core's groq translator makes of a browser_search answer in v1.
    ai = AIMessage(
        content=[
            {
                "type": "server_tool_call",
                "id": "0",
                "name": "web_search",
                "args": {"query": "x"},
            },
            {
                "type": "server_tool_result",
                "tool_call_id": "0",
                "output": "...",
                "status": "success",
            },
            {"type": "text", "text": "Found it."},
        ],
        response_metadata={"output_version": "v1", "model_provider": "groq"},
    )
    sent = _sent_messages([HumanMessage("hi"), ai, HumanMessage("thanks")])

    assert sent[1] == {"role": "assistant", "content": "Found it."}


def test_tool_message_with_list_content_is_sent_as_text() -> None:
    ai = AIMessage(
        "", tool_calls=[{"name": "search", "args": {"query": "q"}, "id": "c1"}]
    )
    tool_msg = ToolMessage(
        content=[
            {"type": "text", "text": "first hit"},
            {"type": "text", "text": "second hit"},
        ],
        tool_call_id="c1",
    )
    sent = _sent_messages([HumanMessage("hi"), ai, tool_msg])

    assert sent[2] == {
        "role": "tool",
        "content": "first hit\nsecond hit",
        "tool_call_id": "c1",
    }


def test_tool_message_with_structured_list_content_is_sent_as_json() -> None:
    ai = AIMessage(
        "", tool_calls=[{"name": "search", "args": {"query": "q"}, "id": "c1"}]
    )
    tool_msg = ToolMessage(content=[{"hits": 2}], tool_call_id="c1")
    sent = _sent_messages([HumanMessage("hi"), ai, tool_msg])

    assert json.loads(sent[2]["content"]) == {"hits": 2}


def test_error_tool_message_keeps_its_content() -> None:
    ai = AIMessage(
        "", tool_calls=[{"name": "search", "args": {"query": "q"}, "id": "c1"}]
    )
    tool_msg = ToolMessage(
        "Error: TimeoutError('search backend down')", tool_call_id="c1", status="error"
    )
    sent = _sent_messages([HumanMessage("hi"), ai, tool_msg])

    assert sent[2] == {
        "role": "tool",
        "content": "Error: TimeoutError('search backend down')",
        "tool_call_id": "c1",
    }


def test_error_tool_message_without_content_still_says_it_failed() -> None:
    ai = AIMessage(
        "", tool_calls=[{"name": "search", "args": {"query": "q"}, "id": "c1"}]
    )
    sent = _sent_messages(
        [HumanMessage("hi"), ai, ToolMessage("", tool_call_id="c1", status="error")]
    )

    assert sent[2]["role"] == "tool"
    assert sent[2]["content"].startswith("Error")
    # A successful tool with an empty result stays empty.
    sent = _sent_messages([HumanMessage("hi"), ai, ToolMessage("", tool_call_id="c1")])
    assert sent[2]["content"] == ""


def test_invalid_tool_calls_go_back_with_their_raw_arguments() -> None:
    scripted = ScriptedGroq().reply_json(
        completion(
            None, tool_calls=[wire_tool_call("call_1", "get_weather", '{"city": ')]
        )
    )
    model = scripted.model()
    ai = model.invoke("hi")
    scripted.reply_json(completion("sorry"))
    model.invoke(
        [
            SystemMessage("Be brief."),
            HumanMessage("hi"),
            ai,
            ToolMessage("bad arguments", tool_call_id="call_1", status="error"),
        ]
    )

    assert scripted.last_body["messages"][2]["tool_calls"] == [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": '},
        }
    ]


# -- Groq refusing a tool call --------------------------------------------------

TOOL_USE_FAILED = {
    "message": "Failed to call a function. Please adjust your prompt.",
    "type": "invalid_request_error",
    "code": "tool_use_failed",
    "failed_generation": '<function=get_weather>{"city": "Paris"</function>',
}


def test_tool_use_failed_carries_failed_generation() -> None:
    scripted = ScriptedGroq().reply_error(400, TOOL_USE_FAILED)
    model = scripted.model().bind_tools([get_weather], tool_choice="required")

    with pytest.raises(GroqToolUseError) as info:
        model.invoke("hi")

    assert info.value.failed_generation == TOOL_USE_FAILED["failed_generation"]
    assert info.value.code == "tool_use_failed"
    assert isinstance(info.value, ModelInvalidRequestError)
    assert len(scripted.requests) == 1  # a 400 is not retried


async def test_tool_use_failed_with_object_generation_in_astream() -> None:
    failed = {"name": "get_weather", "arguments": {"town": "Paris"}}
    scripted = ScriptedGroq().reply_error(
        400, {**TOOL_USE_FAILED, "failed_generation": failed}
    )
    # "raise": the default policy would return this readable call instead.
    model = scripted.model(max_retries=2, tool_use_failure="raise").bind_tools(
        [get_weather]
    )

    with pytest.raises(GroqToolUseError) as info:
        async for _ in model.astream("hi"):
            pass

    assert info.value.failed_generation == failed
    assert len(scripted.requests) == 1


def test_tool_use_failed_inside_a_stream() -> None:
    scripted = ScriptedGroq().reply_sse(
        [
            chunk({"role": "assistant", "content": ""}),
            {"error": TOOL_USE_FAILED},
        ],
        done=False,
    )
    model = scripted.model().bind_tools([get_weather])

    with pytest.raises(GroqToolUseError) as info:
        list(model.stream("hi"))

    assert info.value.failed_generation == TOOL_USE_FAILED["failed_generation"]


def test_an_empty_tool_list_sends_no_tools_array() -> None:
    scripted = _one_answer(ScriptedGroq())
    scripted.model().bind_tools([]).invoke("hi")

    assert "tools" not in scripted.last_body
