"""Groq's request options and answer fields: service tier, response headers,
logprobs and the accepted-but-unsupported sampling options, and Groq's
built-in tools with their `executed_tools` (v0 and v1, invoke and stream,
sync and async)."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest
from langchain_core.tools import tool
from pydantic import ValidationError

from tests.support.features import (
    MODES,
    STREAMING,
    answer_body,
    answer_events,
    call,
    chunks_of,
    merge,
    queue,
    without_index,
)
from tests.support.scripted import ScriptedGroq

OSS = "openai/gpt-oss-120b"
COMPOUND = "groq/compound"

# -- service tier ----------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_service_tier_sent_and_the_answered_tier_reported(mode: str) -> None:
    groq = ScriptedGroq()
    # Asked for "auto"; Groq says which tier served it.
    queue(
        groq,
        mode,
        answer_body("Hi", service_tier="on_demand"),
        answer_events({"content": "Hi"}, service_tier="on_demand"),
    )

    ai = await call(groq.model(service_tier="auto"), mode, "Hi")

    assert groq.last_body["service_tier"] == "auto"
    assert ai.response_metadata["service_tier"] == "on_demand"


@pytest.mark.parametrize("mode", MODES)
async def test_per_call_service_tier(mode: str) -> None:
    groq = ScriptedGroq()
    queue(
        groq,
        mode,
        answer_body("Hi", service_tier="flex"),
        answer_events({"content": "Hi"}, service_tier="flex"),
    )

    ai = await call(
        groq.model(service_tier="on_demand"), mode, "Hi", service_tier="flex"
    )

    assert groq.last_body["service_tier"] == "flex"
    assert ai.response_metadata["service_tier"] == "flex"


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_stream_tier_is_on_the_final_chunk_only(mode: str) -> None:
    groq = ScriptedGroq()
    events = answer_events({"content": "Hel"}, {"content": "lo"})
    # Named on the first event only: still reported, and only once.
    events[0]["service_tier"] = "performance"
    groq.reply_sse(events)

    chunks = await chunks_of(groq.model(), mode, "Hi")

    tiers = [c.response_metadata.get("service_tier") for c in chunks]
    assert tiers[-1] == "performance"
    assert tiers[:-1] == [None] * (len(chunks) - 1)
    assert merge(chunks).response_metadata["service_tier"] == "performance"


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_stream_tier_is_not_invented(mode: str) -> None:
    groq = ScriptedGroq()
    groq.reply_sse(answer_events({"content": "Hi"}))  # no event names a tier

    ai = await call(groq.model(service_tier="flex"), mode, "Hi")

    assert "service_tier" not in ai.response_metadata


def test_service_tier_is_typed() -> None:
    with pytest.raises(ValidationError, match="service_tier"):
        ScriptedGroq().model(service_tier="premium")


# -- response headers --------------------------------------------------------------

HEADERS = {
    "x-request-id": "req_01abc",
    "x-ratelimit-limit-tokens": "6000",
    "x-ratelimit-remaining-tokens": "5990",
    "x-groq-region": "us-east-1",
}


@pytest.mark.parametrize("mode", MODES)
async def test_include_response_headers(mode: str) -> None:
    groq = ScriptedGroq()
    if mode in STREAMING:
        groq.reply_sse(answer_events({"content": "Hi"}), headers=HEADERS)
    else:
        groq.reply_json(answer_body("Hi"), headers=HEADERS)

    ai = await call(groq.model(include_response_headers=True), mode, "Hi")

    headers = ai.response_metadata["headers"]
    for name, value in HEADERS.items():
        assert headers[name] == value


@pytest.mark.parametrize("mode", MODES)
async def test_headers_are_left_out_by_default(mode: str) -> None:
    groq = ScriptedGroq()
    if mode in STREAMING:
        groq.reply_sse(answer_events({"content": "Hi"}), headers=HEADERS)
    else:
        groq.reply_json(answer_body("Hi"), headers=HEADERS)

    ai = await call(groq.model(), mode, "Hi")

    assert "headers" not in ai.response_metadata
    assert ai.response_metadata["request_id"] == "req_01abc"


# -- logprobs, penalties, user ----------------------------------------------------

_OPTIONAL = (
    "logprobs",
    "top_logprobs",
    "frequency_penalty",
    "presence_penalty",
    "user",
)


@pytest.mark.parametrize("mode", MODES)
async def test_optional_parameters_are_sent_only_when_set(mode: str) -> None:
    groq = ScriptedGroq()
    queue(groq, mode, answer_body("Hi"), answer_events({"content": "Hi"}))
    queue(groq, mode, answer_body("Hi"), answer_events({"content": "Hi"}))

    await call(groq.model(), mode, "Hi")
    assert not set(_OPTIONAL) & groq.last_body.keys()

    model = groq.model(
        logprobs=True,
        top_logprobs=3,
        frequency_penalty=0.5,
        presence_penalty=-0.25,
        user="user-1234",
    )
    await call(model, mode, "Hi")
    assert {k: groq.last_body[k] for k in _OPTIONAL} == {
        "logprobs": True,
        "top_logprobs": 3,
        "frequency_penalty": 0.5,
        "presence_penalty": -0.25,
        "user": "user-1234",
    }


def test_optional_parameters_per_call_override() -> None:
    groq = ScriptedGroq()
    queue(groq, "invoke", answer_body("Hi"), [])
    groq.model(presence_penalty=1.0, user="a").invoke(
        "Hi", presence_penalty=0.0, user="b"
    )
    assert groq.last_body["presence_penalty"] == 0.0
    assert groq.last_body["user"] == "b"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"logprobs": True, "top_logprobs": 21}, "top_logprobs"),
        ({"logprobs": True, "top_logprobs": -1}, "top_logprobs"),
        ({"frequency_penalty": 2.5}, "frequency_penalty"),
        ({"presence_penalty": -2.01}, "presence_penalty"),
    ],
)
def test_documented_ranges_are_enforced(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        ScriptedGroq().model(**kwargs)


@pytest.mark.parametrize("logprobs", [None, False])
def test_top_logprobs_needs_logprobs(logprobs: bool | None) -> None:
    with pytest.raises(ValidationError, match="top_logprobs needs logprobs=True"):
        ScriptedGroq().model(top_logprobs=2, logprobs=logprobs)


def test_range_edges_are_accepted() -> None:
    model = ScriptedGroq().model(
        logprobs=True, top_logprobs=20, frequency_penalty=-2, presence_penalty=2
    )
    assert (model.top_logprobs, model.frequency_penalty) == (20, -2)


def _logprob(token: str, value: float) -> dict[str, Any]:
    return {
        "token": token,
        "logprob": value,
        "bytes": list(token.encode()),
        "top_logprobs": [{"token": token, "logprob": value, "bytes": None}],
    }


@pytest.mark.parametrize("mode", MODES)
async def test_logprobs_are_returned_in_response_metadata(mode: str) -> None:
    groq = ScriptedGroq()
    everything = {"content": [_logprob("Hel", -0.1), _logprob("lo", -0.02)]}
    events = answer_events({"content": "Hel"}, {"content": "lo"})
    events[1]["choices"][0]["logprobs"] = {"content": [_logprob("Hel", -0.1)]}
    events[2]["choices"][0]["logprobs"] = {"content": [_logprob("lo", -0.02)]}
    queue(groq, mode, answer_body("Hello", logprobs=everything), events)

    ai = await call(groq.model(logprobs=True, top_logprobs=1), mode, "Hi")

    assert ai.content == "Hello"
    assert ai.response_metadata["logprobs"] == everything


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_stream_logprobs_ride_on_the_final_chunk(mode: str) -> None:
    groq = ScriptedGroq()
    events = answer_events({"content": "Hel"}, {"content": "lo"})
    events[1]["choices"][0]["logprobs"] = {"content": [_logprob("Hel", -0.1)]}
    events[2]["choices"][0]["logprobs"] = {"content": [_logprob("lo", -0.02)]}
    groq.reply_sse(events)

    chunks = await chunks_of(groq.model(logprobs=True), mode, "Hi")

    assert [("logprobs" in c.response_metadata) for c in chunks][-1] is True
    assert not any("logprobs" in c.response_metadata for c in chunks[:-1])
    assert [
        t["token"] for t in chunks[-1].response_metadata["logprobs"]["content"]
    ] == [
        "Hel",
        "lo",
    ]


@pytest.mark.parametrize("mode", MODES)
async def test_no_logprobs_key_when_groq_sends_none(mode: str) -> None:
    # What Groq does today: the parameter is accepted, `logprobs` is null.
    groq = ScriptedGroq()
    queue(groq, mode, answer_body("Hi"), answer_events({"content": "Hi"}))

    ai = await call(groq.model(logprobs=True), mode, "Hi")

    assert "logprobs" not in ai.response_metadata


# -- built-in tools ----------------------------------------------------------------


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return "sunny"


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


@pytest.mark.parametrize("mode", MODES)
async def test_builtin_tools_bound_next_to_a_function_tool(mode: str) -> None:
    groq = ScriptedGroq()
    queue(groq, mode, answer_body("Hi", model=OSS), answer_events({"content": "Hi"}))
    model = groq.model(model=OSS).bind_tools(
        [{"type": "browser_search"}, get_weather, {"type": "code_interpreter"}],
        tool_choice="auto",
    )

    await call(model, mode, "Weather in Lima, and search the news.")

    body = groq.last_body
    assert body["tools"] == [
        {"type": "browser_search"},
        WEATHER_TOOL,
        {"type": "code_interpreter"},
    ]
    assert body["tool_choice"] == "auto"


@pytest.mark.parametrize("kind", ["browser_search", "code_interpreter"])
def test_builtin_tool_on_a_model_without_it_warns(kind: str) -> None:
    model = ScriptedGroq().model(model="llama-3.3-70b-versatile")
    with pytest.warns(UserWarning, match=f"does not offer Groq's built-in {kind}") as w:
        model.bind_tools([{"type": kind}, get_weather])
    message = str(w[0].message)
    assert "llama-3.3-70b-versatile" in message
    assert "openai/gpt-oss-20b" in message  # where it is offered
    assert w[0].filename == __file__  # points at the user's bind_tools call


@pytest.mark.parametrize("model_id", [OSS, "openai/gpt-oss-20b", "my-org/new-model"])
def test_builtin_tool_on_a_model_with_it_or_unknown_is_silent(model_id: str) -> None:
    model = ScriptedGroq().model(model=model_id)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bound = model.bind_tools([{"type": "browser_search"}, get_weather])
    assert bound.kwargs["tools"][0] == {"type": "browser_search"}  # type: ignore[attr-defined]


def test_builtin_tool_warning_follows_a_bound_model_override() -> None:
    model = ScriptedGroq().model(model=OSS)
    with pytest.warns(UserWarning, match="llama-3.1-8b-instant"):
        model.bind_tools([{"type": "code_interpreter"}], model="llama-3.1-8b-instant")


# `executed_tools` as Groq sends them (shapes from Groq's docs and captures):
# compound web search, compound python (unescaped quotes in `arguments`), and
# gpt-oss code_interpreter (type "function", name "python", no `output`).
SEARCH_RESULTS = {
    "results": [
        {
            "title": "Lima weather today",
            "url": "https://weather.example.org/lima",
            "content": "Cloudy, 18 C.",
            "score": 0.81,
        }
    ]
}
SEARCH = {
    "index": 0,
    "type": "search",
    "arguments": json.dumps({"query": "weather in Lima today"}),
    "output": "Title: Lima weather today URL: https://weather.example.org/lima",
    "search_results": SEARCH_RESULTS,
}
PYTHON = {
    "string": "",
    "name": "",
    "index": 1,
    "type": "python",
    "arguments": '{"code": "import math; print("sqrt:"); print(math.sqrt(101))"}',
    "output": "sqrt:\n10.04987562112089\n",
    "search_results": {"results": []},
}
OSS_PYTHON = {
    "name": "python",
    "index": 0,
    "type": "function",
    "arguments": "import math\nmath.sqrt(12345)\n",
    "search_results": {"results": None},
    "code_results": [{"text": "111.1080555135405"}],
}


def _started(run: dict[str, Any]) -> dict[str, Any]:
    """The first stream sighting of a run: before it has an output."""
    return {k: v for k, v in run.items() if k not in ("output", "search_results")}


def _executed_answer(
    groq: ScriptedGroq, mode: str, runs: list[dict[str, Any]], model: str = COMPOUND
) -> None:
    # Streams name each run twice: when it starts and when it is done.
    deltas: list[dict[str, Any]] = []
    for run in runs:
        deltas.append({"executed_tools": [_started(run)]})
        deltas.append({"executed_tools": [run]})
    queue(
        groq,
        mode,
        answer_body("It is cloudy.", message={"executed_tools": runs}, model=model),
        answer_events(*deltas, {"content": "It is cloudy."}, model=model),
    )


@pytest.mark.parametrize("mode", MODES)
async def test_executed_tools_kept_whole_in_additional_kwargs(mode: str) -> None:
    groq = ScriptedGroq()
    _executed_answer(groq, mode, [SEARCH, PYTHON])

    ai = await call(groq.model(model=COMPOUND), mode, "Weather in Lima?")

    assert ai.content == "It is cloudy."
    # Streamed or not, each run is there once, exactly as Groq described it.
    assert ai.additional_kwargs["executed_tools"] == [SEARCH, PYTHON]


@pytest.mark.parametrize("mode", MODES)
async def test_executed_tools_become_server_tool_blocks_in_v1(mode: str) -> None:
    groq = ScriptedGroq()
    _executed_answer(groq, mode, [SEARCH, PYTHON])

    ai = await call(groq.model(model=COMPOUND, output_version="v1"), mode, "Lima?")

    assert without_index(ai.content) == [
        {
            "type": "server_tool_call",
            "name": "web_search",
            "id": "0",
            "args": {"query": "weather in Lima today"},
        },
        {
            "type": "server_tool_result",
            "tool_call_id": "0",
            "output": SEARCH["output"],
            "status": "success",
            "extras": {"search_results": SEARCH_RESULTS},
        },
        {
            "type": "server_tool_call",
            "name": "code_interpreter",
            "id": "1",
            "args": {"code": 'import math; print("sqrt:"); print(math.sqrt(101))'},
        },
        {
            "type": "server_tool_result",
            "tool_call_id": "1",
            "output": PYTHON["output"],
            "status": "success",
            "extras": {"string": "", "name": "", "search_results": {"results": []}},
        },
        {"type": "text", "text": "It is cloudy."},
    ]


@pytest.mark.parametrize("mode", MODES)
async def test_gpt_oss_code_interpreter_run_in_v0_and_v1(mode: str) -> None:
    groq = ScriptedGroq()
    _executed_answer(groq, mode, [OSS_PYTHON], model=OSS)
    _executed_answer(groq, mode, [OSS_PYTHON], model=OSS)
    v0 = await call(groq.model(model=OSS), mode, "sqrt(12345)?")
    v1 = await call(groq.model(model=OSS, output_version="v1"), mode, "sqrt(12345)?")

    assert v0.additional_kwargs["executed_tools"] == [OSS_PYTHON]
    assert without_index(v1.content)[0] == {
        "type": "server_tool_call",
        "name": "code_interpreter",
        "id": "0",
        "args": {"code": "import math\nmath.sqrt(12345)\n"},
    }


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_each_streamed_run_is_handed_over_once(mode: str) -> None:
    groq = ScriptedGroq()
    _executed_answer(groq, mode, [SEARCH])

    chunks = await chunks_of(groq.model(model=COMPOUND), mode, "Lima?")

    parts = [
        part for c in chunks for part in c.additional_kwargs.get("executed_tools", [])
    ]
    # The start, then only what the finished run added.
    assert parts == [
        _started(SEARCH),
        {"index": 0, "output": SEARCH["output"], "search_results": SEARCH_RESULTS},
    ]
