"""`tool_use_failure`: agent loops that survive Groq refusing the model's output.

Groq answers 400 `tool_use_failed` / `json_validate_failed` (mid-stream: an
`event: error` after HTTP 200) when the model wrote its call or its JSON in a
shape Groq's parser refused, and hands the model's output back in
`failed_generation`. Every failure body here is a real one: verbatim from
the recordings in `../shared/groq-recordings/` (`tests/support/recorded_failures.py`)
or as quoted in the public issue named next to it (`tests/support/agent_scenarios.py`
and the tables below). The scripted Groq (`ScriptedGroq`, `ModelSim`) answers
with them; a real `langchain.agents.create_agent` loop with two tools runs
against it.
"""

from __future__ import annotations

import json
import logging
import os
import warnings
from pathlib import Path
from typing import Any, Literal

import httpx
import pytest
from langchain.agents import create_agent
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessageChunk, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel, ValidationError
from typing_extensions import TypedDict

from langchain_synaptic_groq import ChatGroqSynaptic, GroqToolUseError
from langchain_synaptic_groq._recovery import (
    RETRY_TEMPERATURE,
    read_json_output,
    read_tool_calls,
)
from tests.support import recorded_failures as rec
from tests.support.agent_scenarios import SCENARIOS, Scenario, run_task, run_task_async
from tests.support.scripted import Recorded, ScriptedGroq
from tests.support.wire import chunk, completion, stream_events, wire_tool_call

GPT_OSS = "openai/gpt-oss-120b"
RAN: list[tuple[str, Any]] = []


@tool
def get_something_by_name(name: str) -> str:
    """Get something by its name."""
    RAN.append(("get_something_by_name", name))
    return f"Something with name: {name}"  # the recorded tool's answer


@tool
def letter_score(word: str) -> int:
    """Score a word: the sum of its letters' code points."""
    RAN.append(("letter_score", word))
    return sum(map(ord, word))


TOOLS = [get_something_by_name, letter_score]


@pytest.fixture(autouse=True)
def _clear_runs() -> None:
    RAN.clear()


def _model(scripted: ScriptedGroq, **kwargs: Any) -> ChatGroqSynaptic:
    params: dict[str, Any] = {"model": GPT_OSS, "max_retries": 2}
    params.update(kwargs)
    return scripted.model(**params)


def _raw(status: int, body_text: str) -> httpx.Response:
    """A recorded JSON body, byte for byte."""
    return httpx.Response(
        status, content=body_text.encode(), headers={"content-type": "application/json"}
    )


def _raw_sse(events: list[str]) -> httpx.Response:
    """Recorded SSE events, byte for byte (no [DONE] unless recorded)."""
    text = "".join(event + "\n\n" for event in events)
    return httpx.Response(
        200, content=text.encode(), headers={"content-type": "text/event-stream"}
    )


def _tool_reply(request: Recorded) -> list[dict[str, Any]]:
    messages = request.messages
    tail = []
    for message in reversed(messages):
        if message["role"] != "tool":
            break
        tail.append(message)
    return list(reversed(tail))


# -- reading failed_generation: every shape, and where it was seen ----------------

BOUND = ["get_weather", "web_search", "RobustResumeMetadata", "subtract"]

# (failed_generation, the calls read, where Groq sent it)
READABLE: list[tuple[Any, list[tuple[str, dict[str, Any]]], str]] = [
    (
        json.loads(rec.TOOL_USE_FAILED_400)["error"]["failed_generation"],
        [("get_something_by_name", {"foo": "bar"})],
        "recording pydai-test-tool-use-failed-error-0.json (gpt-oss-120b)",
    ),
    (
        '{"name": "repo_browser.open_file", "arguments": {\n  "path": "analysis",'
        '\n  "line_start": 1,\n  "line_end": 200\n}}',
        [
            (
                "repo_browser.open_file",
                {"path": "analysis", "line_start": 1, "line_end": 200},
            )
        ],
        "BerriAI/litellm#21242: a call to a tool that was never bound",
    ),
    (
        {"name": "get_weather", "arguments": {"city": "Paris"}},
        [("get_weather", {"city": "Paris"})],
        "GROQ_WIRE.md: failed_generation may be an object",
    ),
    (
        '<tool-use>\n{\n  "tool_calls": [\n    {\n      "id": "pending",\n      '
        '"type": "function",\n      "function": {\n        "name": "subtract",\n'
        '        "parameters": {\n          "a": "232",\n          "b": "32"\n'
        "        }\n      }\n    }\n  ]\n}\n</tool-use>",
        [("subtract", {"a": "232", "b": "32"})],
        "microsoft/autogen#3217",
    ),
    (
        '```\n{\n  "tool_calls": [{"function": {"name": "get_weather", '
        '"arguments": "{\\"city\\": \\"Rome\\"}"}}]\n}\n```',
        [("get_weather", {"city": "Rome"})],
        "groq/groq-typescript#28 (a fenced tool_calls object; cut in the issue)",
    ),
    (
        '<function=brave_search>{"query": "Hello!"}</function>',
        [("brave_search", {"query": "Hello!"})],
        "langchain-ai/langchain#31440",
    ),
    (
        '<function=read={"file_path": "sample.txt"}</function>',
        [("read", {"file_path": "sample.txt"})],
        "tashfeenahmed/freellmapi#291",
    ),
    (
        '<function=get_transactions,{"from_date":"2026-03-06","limit":"10"}>',
        [("get_transactions", {"from_date": "2026-03-06", "limit": "10"})],
        "prism-php/prism#983 (the name,{args} form)",
    ),
    (
        '<function=web_fetch{"url": "https://example.com"}></function>\n',
        [("web_fetch", {"url": "https://example.com"})],
        "`NAME{...}></function>`, as quoted in several agent projects' tests",
    ),
    (
        '<function=book_appointment>{"appointment_date":"2024-01-22",'
        '"doctor_name":"Dr. Smith"}',
        [
            (
                "book_appointment",
                {"appointment_date": "2024-01-22", "doctor_name": "Dr. Smith"},
            )
        ],
        "no closing tag (a langgraph user's traceback)",
    ),
    (
        '<function=fetch_wiki_summary>{"query": "Cristiano Ronaldo"}}',
        [("fetch_wiki_summary", {"query": "Cristiano Ronaldo"})],
        "a stray closing brace (a LangChain user's log)",
    ),
    (
        '<function=get_symbol>{"company": "Vinfast", "country": "VN"}</function>\n'
        '<function=get_stock_price>{"symbol": "VFS"}></function>',
        [
            ("get_symbol", {"company": "Vinfast", "country": "VN"}),
            ("get_stock_price", {"symbol": "VFS"}),
        ],
        "two calls in a row (a Groq user's report)",
    ),
    (
        "<function=dice></function>",
        [("dice", {})],
        "a call without arguments (a Go client's test)",
    ),
    (
        'web_search{"query": "SPFMV and SPCSV in the Pearl Of Africa 2016", '
        '"filter_year": 2016}</function>',
        [
            (
                "web_search",
                {
                    "query": "SPFMV and SPCSV in the Pearl Of Africa 2016",
                    "filter_year": 2016,
                },
            )
        ],
        "huggingface/smolagents#1119: `<function=` lost",
    ),
    (
        'RobustResumeMetadata>{"full_name": "EQUIPMENT ENGINEERING TECHNICIAN"}',
        [("RobustResumeMetadata", {"full_name": "EQUIPMENT ENGINEERING TECHNICIAN"})],
        "run-llama/llama_index#17082 (cut to one field)",
    ),
]

# (failed_generation, why it cannot be read, where Groq sent it)
UNREADABLE: list[tuple[Any, str]] = [
    ("maybe", "prose: recording pydai-test-tool-use-failed-error-with-text-0.json"),
    ("", "empty: recording ...-streaming-with-text-0.json, obsidian-ai-tagger#34"),
    (None, "absent"),
    (
        "import csv\nmax_country=None\nwith open('df.csv', newline='') as f:",
        "code for JSON arguments: OpenHands/OpenHands#10187",
    ),
    (
        "Tool use failed: JSON does not match the expected schema for tool calls",
        "Groq's words instead of the output: anomalyco/opencode#1018",
    ),
    (
        "### Top Stories from Reddit\nAs the Reddit Researcher, I have found",
        "a report in markdown: agno-agi/agno#4090",
    ),
    (
        '<function=get_weather>{"city": "Paris"</function>',
        "arguments cut short (tests/unit/test_tools.py's refusal)",
    ),
    (
        '<function=message{"channel": "cli", "content": "Hello"},-------------',
        "garbage after the call: sipeed/picoclaw#748",
    ),
    (
        '<function=duckduck_search>{"query": "integration"}</function> is not a '
        'valid function. However, \n<function=duckduckgo_search>{"query": '
        '"integration"} </function> is valid.',
        "calls mixed with prose (a CrewAI user's report): ambiguous",
    ),
    (
        '<function=search_products>{"query": "tomato"}\n\n{"intent": "category"}',
        "a call followed by a JSON answer (a .NET client's test): ambiguous",
    ),
    ('{"name": "Paris", "country": "France"}', "an answer, not a call"),
    ('{"name": "get_weather", "arguments": "[1, 2]"}', "arguments not an object"),
    ('lookup{"word": "x"}', "a bare call to a tool that is not bound"),
]


@pytest.mark.parametrize(
    ("generation", "calls"),
    [(g, c) for g, c, _ in READABLE],
    ids=[source for _, _, source in READABLE],
)
def test_each_readable_shape_gives_its_calls(
    generation: Any, calls: list[tuple[str, dict[str, Any]]]
) -> None:
    reading = read_tool_calls(generation, BOUND)

    assert reading is not None
    assert [(name, json.loads(args)) for name, args in reading.calls] == calls


@pytest.mark.parametrize(
    "generation", [g for g, _ in UNREADABLE], ids=[why for _, why in UNREADABLE]
)
def test_unreadable_shapes_read_as_nothing(generation: Any) -> None:
    assert read_tool_calls(generation, BOUND) is None


def test_prose_before_a_tagged_call_is_kept_as_text() -> None:
    reading = read_tool_calls('Let me check. <function=get_weather>{"city": "Oslo"}')

    assert reading is not None
    assert reading.text == "Let me check."
    assert reading.shape == "function_tag"


def test_json_output_reads_only_json() -> None:
    # The message and output as community.groq.com/t/785 quotes them.
    assert read_json_output('{"choice":"happy"}') == '{"choice":"happy"}'
    assert read_json_output('```json\n{"a": 1}\n```') == '{"a": 1}'
    assert read_json_output({"a": 1}) == '{"a": 1}'
    assert read_json_output('{"title": "Alien", "year": }') is None
    assert read_json_output("maybe") is None
    assert read_json_output('"just a string"') is None


# -- the recorded exchange, through create_agent ----------------------------------


def _recorded_invoke_script() -> ScriptedGroq:
    """Groq's three answers of pydantic-ai's test_tool_use_failed_error, in order.

    The refusal (gpt-oss-120b's call misses the schema), then the model's fixed
    call once the tool's validation error reached it, then its final answer.
    """
    scripted = ScriptedGroq().reply(_raw(400, rec.TOOL_USE_FAILED_400))

    def fixed_call(request: Recorded) -> httpx.Response:
        (error,) = _tool_reply(request)
        # The tool node told the model what was wrong with its call.
        assert "name" in error["content"]
        assert "Field required" in error["content"]
        return _raw(200, rec.FIXED_CALL_200)

    def final_answer(request: Recorded) -> httpx.Response:
        (result,) = _tool_reply(request)
        assert result["content"] == "Something with name: test"
        return _raw(200, rec.FINAL_ANSWER_200)

    return scripted.reply(fixed_call).reply(final_answer)


FINAL_TEXT = json.loads(rec.FINAL_ANSWER_200)["choices"][0]["message"]["content"]


def _assert_recovered_loop(state: dict[str, Any], scripted: ScriptedGroq) -> None:
    messages = state["messages"]
    assert [type(m).__name__ for m in messages] == [
        "HumanMessage",
        "AIMessage",  # recovered from the refusal
        "ToolMessage",  # the tool's validation error
        "AIMessage",
        "ToolMessage",
        "AIMessage",
    ]
    recovered = messages[1]
    assert recovered.tool_calls[0]["name"] == "get_something_by_name"
    assert recovered.tool_calls[0]["args"] == {"foo": "bar"}
    meta = recovered.response_metadata["tool_use_recovery"]
    assert meta["status"] == "recovered"
    assert meta["shape"] == "json"
    assert meta["error"]["code"] == "tool_use_failed"
    assert "did not match schema" in meta["error"]["message"]
    assert messages[2].status == "error"
    assert RAN == [("get_something_by_name", "test")]
    assert messages[-1].content == FINAL_TEXT
    assert scripted.pending == 0
    # The recovered call went back on the wire, with its id, as a normal call.
    second = scripted.bodies[1]["messages"]
    assert second[-2]["tool_calls"][0]["function"] == {
        "name": "get_something_by_name",
        "arguments": '{"foo": "bar"}',
    }
    assert second[-1]["tool_call_id"] == second[-2]["tool_calls"][0]["id"]


def test_create_agent_finishes_the_recorded_task_after_a_refusal() -> None:
    scripted = _recorded_invoke_script()
    agent = create_agent(_model(scripted), tools=TOOLS)

    state = agent.invoke({"messages": [("user", "Call get_something_by_name.")]})

    _assert_recovered_loop(state, scripted)


async def test_create_agent_ainvoke_finishes_the_recorded_task() -> None:
    scripted = _recorded_invoke_script()
    agent = create_agent(_model(scripted), tools=TOOLS)

    state = await agent.ainvoke({"messages": [("user", "Call get_something_by_name.")]})

    _assert_recovered_loop(state, scripted)


def test_with_raise_the_loop_dies_on_todays_error() -> None:
    scripted = ScriptedGroq().reply(_raw(400, rec.TOOL_USE_FAILED_400))
    agent = create_agent(_model(scripted, tool_use_failure="raise"), tools=TOOLS)

    with pytest.raises(GroqToolUseError) as info:
        agent.invoke({"messages": [("user", "Call get_something_by_name.")]})

    recorded = json.loads(rec.TOOL_USE_FAILED_400)["error"]
    assert info.value.failed_generation == recorded["failed_generation"]
    assert info.value.code == "tool_use_failed"
    assert info.value.status_code == 400
    notes = getattr(info.value, "__notes__", [])
    assert not any("tool_use_failure" in note for note in notes)  # as before
    assert len(scripted.requests) == 1
    assert RAN == []


# -- the recorded streams: the refusal arrives as `event: error` after HTTP 200 ----


def _recorded_stream_script() -> ScriptedGroq:
    """pydantic-ai's test_tool_use_failed_error_streaming: three recorded streams."""
    scripted = ScriptedGroq().reply(_raw_sse(rec.STREAM_TOOL_USE_FAILED))

    def fixed_call(request: Recorded) -> httpx.Response:
        (error,) = _tool_reply(request)
        assert "Field required" in error["content"]
        return _raw_sse(rec.STREAM_FIXED_CALL)

    def final_answer(request: Recorded) -> httpx.Response:
        (result,) = _tool_reply(request)
        assert result["content"] == "Something with name: example"
        return _raw_sse(rec.STREAM_FINAL_ANSWER)

    return scripted.reply(fixed_call).reply(final_answer)


STREAM_FINAL_TEXT = "".join(
    json.loads(e[6:])["choices"][0]["delta"].get("content") or ""
    for e in rec.STREAM_FINAL_ANSWER
    if e.startswith("data: {")
)


def _assert_recovered_stream(
    messages: list[Any], pieces: list[Any], scripted: ScriptedGroq
) -> None:
    assert RAN == [("get_something_by_name", "example")]
    assert messages[-1].content == STREAM_FINAL_TEXT
    recovered = messages[1]
    assert recovered.tool_calls[0]["args"] == {"invalid_param": "value"}
    assert recovered.response_metadata["tool_use_recovery"]["status"] == "recovered"
    # The reasoning streamed before the error event stayed in the message.
    assert recovered.additional_kwargs["reasoning_content"] == "We"
    assert all(body["stream"] is True for body in scripted.bodies)
    assert scripted.pending == 0
    calls = [tc for p in pieces for tc in getattr(p, "tool_call_chunks", [])]
    assert calls[0]["name"] == "get_something_by_name"


def test_create_agent_stream_finishes_after_a_mid_stream_refusal() -> None:
    scripted = _recorded_stream_script()
    agent = create_agent(_model(scripted), tools=TOOLS)

    pieces: list[Any] = []
    state: Any = None
    for mode, item in agent.stream(
        {"messages": [("user", "Call get_something_by_name.")]},
        stream_mode=["messages", "values"],
    ):
        if mode == "messages" and isinstance(item[0], AIMessageChunk):
            pieces.append(item[0])
        elif mode == "values":
            state = item

    _assert_recovered_stream(state["messages"], pieces, scripted)


async def test_create_agent_astream_finishes_after_a_mid_stream_refusal() -> None:
    scripted = _recorded_stream_script()
    agent = create_agent(_model(scripted, streaming=True), tools=TOOLS)

    pieces: list[Any] = []
    state: Any = None
    async for mode, item in agent.astream(
        {"messages": [("user", "Call get_something_by_name.")]},
        stream_mode=["messages", "values"],
    ):
        if mode == "messages" and isinstance(item[0], AIMessageChunk):
            pieces.append(item[0])
        elif mode == "values":
            state = item

    _assert_recovered_stream(state["messages"], pieces, scripted)


async def test_with_raise_the_stream_dies_on_todays_error() -> None:
    scripted = ScriptedGroq().reply(_raw_sse(rec.STREAM_TOOL_USE_FAILED))
    model = _model(scripted, tool_use_failure="raise", streaming=True)
    agent = create_agent(model, tools=TOOLS)

    with pytest.raises(GroqToolUseError) as info:
        async for _ in agent.astream({"messages": [("user", "Go.")]}):
            pass

    assert info.value.code == "tool_use_failed"
    assert "invalid_param" in info.value.failed_generation
    assert len(scripted.requests) == 1


def test_streamed_text_before_the_refusal_stays_and_the_retry_follows() -> None:
    # pydantic-ai's test_tool_use_failed_error_streaming_with_text: the model
    # streams "maybe" instead of calling final_result; Groq then refuses with
    # an empty failed_generation. Nothing to read: one retry, recorded too.
    scripted = ScriptedGroq().reply(_raw_sse(rec.STREAM_NO_CALL))
    scripted.reply(_raw_sse(rec.STREAM_CALL_AFTER_NO_CALL))

    @tool
    def final_result(response: Literal["yes", "no"]) -> str:
        """The final answer."""
        return response

    model = _model(scripted).bind_tools([final_result], tool_choice="required")
    chunks = list(model.stream("Say maybe."))

    message = chunks[0]
    for piece in chunks[1:]:
        message += piece
    assert message.content == "maybe"
    assert message.tool_calls[0]["name"] == "final_result"
    assert message.tool_calls[0]["args"] == {"response": "no"}
    retry = message.response_metadata["tool_use_recovery"]
    assert retry["status"] == "retried"
    assert (
        retry["error"]["message"]
        == "Tool choice is required, but model did not call a tool"
    )
    assert scripted.bodies[1]["temperature"] == RETRY_TEMPERATURE
    assert scripted.bodies[1]["messages"] == scripted.bodies[0]["messages"]


# -- every scenario, through create_agent: invoke / stream, sync / async ---------


def _synaptic(client: httpx.Client, aclient: httpx.AsyncClient, streaming: bool) -> Any:
    return ChatGroqSynaptic(
        model=GPT_OSS,
        api_key="gsk_test",
        http_client=client,
        http_async_client=aclient,
        streaming=streaming,
    )


def _ids(scenarios: tuple[Scenario, ...]) -> list[str]:
    return [s.name for s in scenarios]


@pytest.mark.parametrize("mode", ["invoke", "stream"])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=_ids(SCENARIOS))
def test_every_scenario_finishes_unless_refused_twice(
    scenario: Scenario, mode: Literal["invoke", "stream"]
) -> None:
    outcome = run_task(scenario, _synaptic, mode)

    assert outcome.finished is scenario.recoverable, outcome
    if not scenario.recoverable:
        assert outcome.error is not None
        assert outcome.error.startswith("GroqToolUseError")


@pytest.mark.parametrize("mode", ["invoke", "stream"])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=_ids(SCENARIOS))
async def test_every_scenario_finishes_async(
    scenario: Scenario, mode: Literal["invoke", "stream"]
) -> None:
    outcome = await run_task_async(scenario, _synaptic, mode)

    assert outcome.finished is scenario.recoverable, outcome


def test_a_call_to_an_unbound_tool_stays_in_tool_calls() -> None:
    (scenario,) = [s for s in SCENARIOS if s.name == "call-to-unbound-tool"]
    scripted = ScriptedGroq().reply_error(400, scenario.error)

    ai = _model(scripted).bind_tools(TOOLS).invoke("Open the file.")

    assert [c["name"] for c in ai.tool_calls] == ["repo_browser.open_file"]
    assert ai.invalid_tool_calls == []
    assert ai.response_metadata["finish_reason"] == "tool_calls"


def test_the_agent_tells_the_model_which_tools_exist() -> None:
    (scenario,) = [s for s in SCENARIOS if s.name == "call-to-unbound-tool"]
    scripted = ScriptedGroq().reply_error(400, scenario.error)

    def answer(request: Recorded) -> httpx.Response:
        (told,) = _tool_reply(request)
        assert "repo_browser.open_file is not a valid tool" in told["content"]
        assert "get_something_by_name" in told["content"]
        return httpx.Response(200, json=completion("I cannot open files."))

    scripted.reply(answer)
    state = create_agent(_model(scripted), tools=TOOLS).invoke(
        {"messages": [("user", "Open the file.")]}
    )

    assert state["messages"][-1].content == "I cannot open files."
    assert isinstance(state["messages"][2], ToolMessage)


# -- the policy's rules -------------------------------------------------------------

PROSE = {
    "message": "Tool choice is required, but model did not call a tool",
    "type": "invalid_request_error",
    "code": "tool_use_failed",
    "failed_generation": "maybe",
}


def _call(name: str = "get_something_by_name", args: str = '{"name": "x"}') -> dict:
    return completion(None, tool_calls=[wire_tool_call("call_9", name, args)])


def test_an_unreadable_refusal_is_retried_once_at_a_lower_temperature() -> None:
    scripted = ScriptedGroq().reply_error(400, PROSE).reply_json(_call())

    ai = _model(scripted, temperature=0.9).bind_tools(TOOLS).invoke("Go.")

    assert ai.tool_calls[0]["args"] == {"name": "x"}
    first, second = scripted.bodies
    assert first["temperature"] == 0.9
    assert second["temperature"] == RETRY_TEMPERATURE
    assert {k: v for k, v in second.items() if k != "temperature"} == {
        k: v for k, v in first.items() if k != "temperature"
    }
    meta = ai.response_metadata["tool_use_recovery"]
    assert meta == {
        "status": "retried",
        "shape": None,
        "retried": True,
        "error": {
            "type": "GroqToolUseError",
            "code": "tool_use_failed",
            "message": PROSE["message"],
            "status_code": 400,
            "request_id": None,
            "failed_generation": "maybe",
        },
    }


def test_a_lower_temperature_than_the_retrys_is_kept() -> None:
    scripted = ScriptedGroq().reply_error(400, PROSE).reply_json(_call())

    _model(scripted, temperature=0.0).bind_tools(TOOLS).invoke("Go.")

    assert scripted.bodies[1]["temperature"] == 0.0


async def test_refused_again_after_the_retry_raises_with_a_note() -> None:
    scripted = ScriptedGroq().reply_error(400, PROSE).reply_error(400, PROSE)

    with pytest.raises(GroqToolUseError) as info:
        await _model(scripted).bind_tools(TOOLS).ainvoke("Go.")

    assert len(scripted.requests) == 2
    (note,) = info.value.__notes__
    assert "no tool call reads unambiguously" in note
    assert "the one retry at a lower temperature was refused too" in note


def test_a_readable_answer_to_the_retry_is_recovered() -> None:
    scripted = ScriptedGroq().reply_error(400, PROSE)
    scripted.reply_error(
        400, {**PROSE, "failed_generation": '<function=letter_score>{"word": "a"}'}
    )

    ai = _model(scripted).bind_tools(TOOLS).invoke("Go.")

    assert ai.tool_calls[0]["args"] == {"word": "a"}
    assert ai.response_metadata["tool_use_recovery"]["retried"] is True


def test_no_retry_when_max_retries_is_zero() -> None:
    scripted = ScriptedGroq().reply_error(400, PROSE)

    with pytest.raises(GroqToolUseError) as info:
        _model(scripted, max_retries=0).bind_tools(TOOLS).invoke("Go.")

    assert len(scripted.requests) == 1
    assert "max_retries=0" in info.value.__notes__[0]


def test_without_tools_the_error_is_raised_as_before() -> None:
    # Nothing to keep alive: no tools were sent.
    scripted = ScriptedGroq().reply_error(
        400, {**PROSE, "failed_generation": '<function=add>{"a": 1}</function>'}
    )

    with pytest.raises(GroqToolUseError) as info:
        _model(scripted).invoke("Go.")

    assert len(scripted.requests) == 1
    assert not getattr(info.value, "__notes__", None)


def test_tool_choice_none_returns_no_call() -> None:
    # "Tool choice is none, but model called a tool" (BerriAI/litellm#21242).
    error = {
        **PROSE,
        "message": "Tool choice is none, but model called a tool",
        "failed_generation": '{"name": "letter_score", "arguments": {"word": "a"}}',
    }
    scripted = ScriptedGroq().reply_error(400, error)
    scripted.reply_json(completion("The score is 97."))

    ai = _model(scripted).bind_tools(TOOLS, tool_choice="none").invoke("Go.")

    assert ai.tool_calls == []
    assert ai.content == "The score is 97."
    assert len(scripted.requests) == 2


def test_a_forced_tool_is_not_swapped_for_another() -> None:
    error = {**PROSE, "failed_generation": '<function=letter_score>{"word": "a"}'}
    scripted = ScriptedGroq().reply_error(400, error).reply_error(400, error)

    with pytest.raises(GroqToolUseError) as info:
        _model(scripted).bind_tools(TOOLS, tool_choice="get_something_by_name").invoke(
            "Go."
        )

    assert "requires 'get_something_by_name'" in info.value.__notes__[0]


def test_raise_per_call_by_invoke_or_bind() -> None:
    scripted = ScriptedGroq().reply(_raw(400, rec.TOOL_USE_FAILED_400))
    scripted.reply(_raw(400, rec.TOOL_USE_FAILED_400))
    model = _model(scripted).bind_tools(TOOLS)

    with pytest.raises(GroqToolUseError):
        model.invoke("Go.", tool_use_failure="raise")
    with pytest.raises(GroqToolUseError):
        model.bind(tool_use_failure="raise").invoke("Go.")

    assert len(scripted.requests) == 2
    assert all("tool_use_failure" not in body for body in scripted.bodies)


def test_recover_per_call_over_a_raise_instance() -> None:
    scripted = ScriptedGroq().reply(_raw(400, rec.TOOL_USE_FAILED_400))
    model = _model(scripted, tool_use_failure="raise").bind_tools(TOOLS)

    ai = model.invoke("Go.", tool_use_failure="recover")

    assert ai.tool_calls[0]["name"] == "get_something_by_name"


def test_an_unknown_policy_is_refused() -> None:
    with pytest.raises(ValidationError, match="tool_use_failure"):
        ChatGroqSynaptic(api_key="gsk_test", tool_use_failure="retry")  # type: ignore[arg-type]
    scripted = ScriptedGroq()
    with pytest.raises(ValueError, match="'recover' or 'raise', got 'ignore'"):
        _model(scripted).bind_tools(TOOLS).invoke("Go.", tool_use_failure="ignore")
    assert scripted.requests == []


def test_recovered_calls_get_distinct_ids_and_keep_the_wire_form() -> None:
    error = {
        **PROSE,
        "failed_generation": '<function=letter_score>{"word": "a"}</function>\n'
        '<function=letter_score>{"word": "b"}</function>',
    }
    scripted = ScriptedGroq().reply_error(400, error)

    ai = _model(scripted).bind_tools(TOOLS).invoke("Go.")

    ids = [c["id"] for c in ai.tool_calls]
    assert len(set(ids)) == 2
    assert all(i and i.startswith("call_recovered_") for i in ids)
    assert [c["id"] for c in ai.additional_kwargs["tool_calls"]] == ids
    assert ai.response_metadata["tool_use_recovery"]["shape"] == "function_tag"
    assert ai.response_metadata["model_provider"] == "groq"
    assert ai.response_metadata["model_name"] == GPT_OSS


def test_recovery_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    scripted = ScriptedGroq().reply(_raw(400, rec.TOOL_USE_FAILED_400))

    with caplog.at_level(logging.WARNING, logger="langchain_synaptic_groq"):
        _model(scripted).bind_tools(TOOLS).invoke("Go.")

    (record,) = [r for r in caplog.records if r.name == "langchain_synaptic_groq"]
    assert "read 1 call(s) from failed_generation" in record.getMessage()


def test_a_recovered_stream_reaches_the_callbacks() -> None:
    from langchain_core.callbacks import BaseCallbackHandler

    class Tokens(BaseCallbackHandler):
        def __init__(self) -> None:
            self.chunks: list[Any] = []

        def on_llm_new_token(self, token: str, **kwargs: Any) -> None:
            self.chunks.append(kwargs.get("chunk"))

    handler = Tokens()
    scripted = ScriptedGroq().reply(_raw_sse(rec.STREAM_TOOL_USE_FAILED))

    list(
        _model(scripted)
        .bind_tools(TOOLS)
        .stream("Go.", config={"callbacks": [handler]})
    )

    last = handler.chunks[-1].message
    assert last.tool_call_chunks[0]["name"] == "get_something_by_name"
    assert last.response_metadata["tool_use_recovery"]["status"] == "recovered"


def test_v1_output_gets_tool_call_blocks_from_a_recovered_stream() -> None:
    scripted = ScriptedGroq().reply(_raw_sse(rec.STREAM_TOOL_USE_FAILED))
    model = _model(scripted, output_version="v1").bind_tools(TOOLS)

    chunks = list(model.stream("Go."))
    message = chunks[0]
    for piece in chunks[1:]:
        message += piece

    assert message.tool_calls[0]["args"] == {"invalid_param": "value"}
    kinds = [b["type"] for b in message.content_blocks]
    assert "tool_call" in kinds


# -- tool calls in a 200 answer ---------------------------------------------------


def test_unparsable_arguments_are_invalid_tool_calls_in_invoke_and_stream() -> None:
    # Not JSON, nor a prefix of it (core parses streamed arguments as
    # partial JSON and would complete a cut-off object instead).
    broken = wire_tool_call("call_1", "letter_score", '{"word": groq}')
    scripted = ScriptedGroq().reply_json(completion(None, tool_calls=[broken]))
    scripted.reply_sse(
        stream_events(
            {"tool_calls": [{**broken, "index": 0}]}, finish_reason="tool_calls"
        )
    )
    model = _model(scripted).bind_tools(TOOLS)

    invoked = model.invoke("Go.")
    chunks = list(model.stream("Go."))
    streamed = chunks[0]
    for piece in chunks[1:]:
        streamed += piece

    for message in (invoked, streamed):
        assert message.tool_calls == []
        assert message.invalid_tool_calls[0]["name"] == "letter_score"
        assert message.invalid_tool_calls[0]["args"] == '{"word": groq}'


def test_answered_calls_to_unbound_tools_stay_in_tool_calls() -> None:
    # What Groq answers with disable_tool_validation=True.
    scripted = ScriptedGroq().reply_json(_call("no_such_tool", '{"q": 1}'))

    ai = _model(scripted, disable_tool_validation=True).bind_tools(TOOLS).invoke("Go.")

    assert ai.tool_calls[0]["name"] == "no_such_tool"
    assert scripted.last_body["disable_tool_validation"] is True


def test_disable_tool_validation_is_typed_and_only_sent_when_set() -> None:
    scripted = ScriptedGroq().reply_json(completion("a")).reply_json(completion("b"))
    model = _model(scripted)

    model.invoke("Go.")
    model.invoke("Go.", disable_tool_validation=False)

    assert "disable_tool_validation" not in scripted.bodies[0]
    assert scripted.bodies[1]["disable_tool_validation"] is False
    with pytest.raises(ValidationError, match="disable_tool_validation"):
        ChatGroqSynaptic(api_key="gsk_test", disable_tool_validation="sometimes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("model_id", "sent"),
    [
        (GPT_OSS, None),  # gpt-oss makes one call per turn
        ("openai/gpt-oss-20b", None),
        ("qwen/qwen3.8-27b", True),
        ("my-finetune", True),  # unknown ids are trusted
    ],
)
def test_parallel_tool_calls_true_only_where_the_model_does_them(
    model_id: str, sent: bool | None
) -> None:
    scripted = ScriptedGroq().reply_json(completion("ok")).reply_json(completion("ok"))
    model = _model(scripted, model=model_id)

    model.bind_tools(TOOLS, parallel_tool_calls=True).invoke("Go.")
    model.bind_tools(TOOLS, parallel_tool_calls=False).invoke("Go.")

    assert scripted.bodies[0].get("parallel_tool_calls") is sent
    assert scripted.bodies[1]["parallel_tool_calls"] is False


# -- structured output --------------------------------------------------------------


class Movie(BaseModel):
    """A film and the year it came out."""

    title: str
    year: int


class MovieTD(TypedDict):
    """A film and the year it came out."""

    title: str
    year: int


MOVIE_SCHEMA = {
    "title": "Movie",
    "type": "object",
    "properties": {"title": {"type": "string"}, "year": {"type": "integer"}},
    "required": ["title", "year"],
}


def _json_refusal(generation: Any, problem: str) -> dict[str, Any]:
    # The message as community.groq.com/t/get-reasoning-key-when-json-validate-
    # failed/785 quotes Groq's (kimi-k2): "... Error: jsonschema: '/choice'
    # does not validate with /properties/choice/enum: ..."; the field is ours.
    return {
        "message": "Generated JSON does not match the expected schema. Please adjust "
        "your prompt. See 'failed_generation' for more details. Error: jsonschema: "
        + problem,
        "type": "invalid_request_error",
        "code": "json_validate_failed",
        "failed_generation": generation,
    }


YEAR_AS_TEXT = _json_refusal(
    '{"title": "Alien", "year": "1979"}',
    "'/year' does not validate with /properties/year/type: expected integer, "
    "but got string",
)


def test_default_method_is_strict_json_schema_where_groq_has_it() -> None:
    scripted = ScriptedGroq().reply_json(completion('{"title": "Alien", "year": 1979}'))
    scripted.reply_json(_call("Movie", '{"title": "Alien", "year": 1979}'))

    a = _model(scripted).with_structured_output(Movie).invoke("Alien?")
    b = (
        _model(scripted, model="openai/gpt-oss-safeguard-20b")
        .with_structured_output(Movie)
        .invoke("Alien?")
    )

    assert a == b == Movie(title="Alien", year=1979)
    strict, tools = scripted.bodies
    assert strict["response_format"]["type"] == "json_schema"
    assert strict["response_format"]["json_schema"]["strict"] is True
    assert "tools" not in strict
    assert tools["tool_choice"] == {"type": "function", "function": {"name": "Movie"}}
    assert "response_format" not in tools


@pytest.mark.parametrize("schema", [Movie, MovieTD], ids=["pydantic", "typeddict"])
def test_refused_json_that_validates_here_is_returned(schema: Any) -> None:
    scripted = ScriptedGroq().reply_error(400, YEAR_AS_TEXT)

    result = (
        _model(scripted)
        .with_structured_output(schema, method="json_schema", include_raw=True)
        .invoke("Alien?")
    )

    expected = Movie(title="Alien", year=1979) if schema is Movie else None
    if schema is Movie:
        assert result["parsed"] == expected
    else:  # a TypedDict is returned as parsed JSON once it validates
        assert result["parsed"] == {"title": "Alien", "year": "1979"}
    assert result["parsing_error"] is None
    meta = result["raw"].response_metadata["tool_use_recovery"]
    assert meta["status"] == "recovered"
    assert meta["error"]["code"] == "json_validate_failed"
    assert "expected integer" in meta["error"]["message"]


def test_refused_json_that_does_not_validate_names_the_problem() -> None:
    # The exchange as community.groq.com/t/785 quotes it: "happy" is not in
    # the schema's enum.
    class Mood(BaseModel):
        choice: Literal["angry", "bored"]

    refusal = _json_refusal(
        '{"choice":"happy"}',
        "'/choice' does not validate with /properties/choice/enum: value must "
        'be "angry"',
    )
    scripted = ScriptedGroq().reply_error(400, refusal).reply_error(400, refusal)

    raw = (
        _model(scripted)
        .with_structured_output(Mood, method="json_schema", include_raw=True)
        .invoke("Mood?")
    )
    with pytest.raises(OutputParserException, match="choice"):
        _model(scripted).with_structured_output(Mood, method="json_schema").invoke("?")

    assert raw["parsed"] is None
    assert "choice" in str(raw["parsing_error"])


def test_refused_json_for_a_raw_json_schema_raises_groqs_complaint() -> None:
    scripted = ScriptedGroq().reply_error(400, YEAR_AS_TEXT)

    with pytest.raises(OutputParserException) as info:
        _model(scripted).with_structured_output(
            MOVIE_SCHEMA, method="json_schema"
        ).invoke("Alien?")

    assert "not matching Movie" in str(info.value)
    assert "expected integer, but got string" in str(info.value)


def test_refused_json_that_is_not_json_raises_the_refusal() -> None:
    refusal = _json_refusal('{"title": "Alien", "year": }', "invalid JSON")
    scripted = ScriptedGroq().reply_error(400, refusal).reply_error(400, refusal)

    with pytest.raises(GroqToolUseError) as info:
        _model(scripted).with_structured_output(
            Movie, method="json_schema", include_raw=True
        ).invoke("Alien?")

    assert info.value.code == "json_validate_failed"
    assert "not JSON" in info.value.__notes__[0]
    assert len(scripted.requests) == 2  # retried once


def test_a_refused_forced_tool_call_is_validated_by_the_schema() -> None:
    # Structured output by a forced tool: the refusal is a tool_use_failed.
    error = {
        **PROSE,
        "message": "tool call validation failed: parameters for tool Movie did not "
        "match schema: errors: [`/year`: expected integer, but got string]",
        "failed_generation": '{"name": "Movie", "arguments": {"title": "Alien", '
        '"year": "1979"}}',
    }
    scripted = ScriptedGroq().reply_error(400, error).reply_error(400, error)

    model = _model(scripted, model="openai/gpt-oss-safeguard-20b")
    movie = model.with_structured_output(Movie).invoke("Alien?")
    with pytest.raises(OutputParserException, match="not matching Movie"):
        model.with_structured_output(MOVIE_SCHEMA).invoke("Alien?")

    assert movie == Movie(title="Alien", year=1979)


def test_refused_json_mid_stream_brings_only_the_rest() -> None:
    # Constructed: JSON streamed, then the refusal as an error event.
    error = {**YEAR_AS_TEXT, "status_code": 400}
    scripted = ScriptedGroq().reply_sse(
        [
            chunk({"role": "assistant", "content": ""}),
            chunk({"content": '{"title": "Alien", '}),
            "event: error",
            f"data: {json.dumps({'error': error})}\n",
        ],
        done=False,
    )

    parts = list(
        _model(scripted).with_structured_output(Movie, method="json_schema").stream("?")
    )

    assert parts[-1] == Movie(title="Alien", year=1979)


# -- a reasoning model that spent its budget thinking ---------------------------------


def _length_answer(content: str | None, reasoning: int) -> dict[str, Any]:
    body = completion(
        content,
        finish_reason="length",
        model=GPT_OSS,
        usage={
            "prompt_tokens": 80,
            "completion_tokens": 256,
            "total_tokens": 336,
            "completion_tokens_details": {"reasoning_tokens": reasoning},
        },
    )
    body["choices"][0]["message"]["reasoning"] = "Let me think about this very long"
    return body


def test_a_budget_spent_on_reasoning_warns_and_says_how_to_raise_it() -> None:
    scripted = ScriptedGroq().reply_json(_length_answer(None, 256))

    with pytest.warns(UserWarning, match="whole completion budget reasoning") as info:
        ai = _model(scripted, max_tokens=256).invoke("Prove it.")

    text = str(info[0].message)
    assert "max_tokens" in text
    assert "reasoning_effort" in text
    assert "256 of 256 tokens were reasoning" in text
    assert ai.content == ""
    assert ai.response_metadata["finish_reason"] == "length"


def test_a_streamed_budget_spent_on_reasoning_warns() -> None:
    usage = {
        "prompt_tokens": 80,
        "completion_tokens": 256,
        "total_tokens": 336,
        "completion_tokens_details": {"reasoning_tokens": 256},
    }
    scripted = ScriptedGroq().reply_sse(
        stream_events(
            {"reasoning": "Let me think"}, finish_reason="length", usage=usage
        )
    )

    with pytest.warns(UserWarning, match="reasoning_effort"):
        list(_model(scripted).stream("Prove it."))


@pytest.mark.parametrize(
    ("content", "reasoning", "finish"),
    [("The answer is 4.", 200, "length"), (None, 0, "length"), (None, 256, "stop")],
    ids=["answered", "not-a-reasoning-answer", "not-cut"],
)
def test_no_budget_warning_when_something_was_answered(
    content: str | None, reasoning: int, finish: str
) -> None:
    body = _length_answer(content, reasoning)
    body["choices"][0]["finish_reason"] = finish
    if not reasoning:
        del body["choices"][0]["message"]["reasoning"]
    scripted = ScriptedGroq().reply_json(body)

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        _model(scripted).invoke("Prove it.")


# -- the copies here are the recorded bytes ------------------------------------------

_RECORDINGS = Path(
    os.environ.get("SYNAPTIC_GROQ_RECORDINGS")
    or Path(__file__).resolve().parents[2].parent / "shared" / "groq-recordings"
)


def test_the_copied_failures_are_the_recorded_ones() -> None:
    if not _RECORDINGS.is_dir():
        pytest.skip(
            f"the recordings are not at {_RECORDINGS} (set SYNAPTIC_GROQ_RECORDINGS): "
            "the copies in recorded_failures.py cannot be compared with them"
        )
    for name, value in vars(rec).items():
        if name.endswith("_FILE") or name.startswith("_") or not name.isupper():
            continue
        recorded = json.loads((_RECORDINGS / getattr(rec, f"{name}_FILE")).read_text())
        body = recorded["response"]["body_text"]
        if isinstance(value, str):
            assert value == body, name
        else:
            events = iter(e for e in body.split("\n\n") if e)
            # Each copied event appears, in order (`in` consumes the iterator).
            assert all(event in events for event in value), name
