"""Agent loops: `langchain.agents.create_agent` and langgraph's prebuilt agent.

The scripted Groq first asks for a tool; a real Python tool runs; the scripted
Groq then builds its final answer from the tool message it receives, so the
answer is only right if the tool really ran and its result went back on the
wire.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel

from tests.support.scripted import Recorded, ScriptedGroq, sse_response
from tests.support.wire import completion, stream_events, wire_tool_call

RAN: list[tuple[str, Any]] = []


@tool
def letter_score(word: str) -> int:
    """Score a word: the sum of its letters' code points times 7."""
    RAN.append(("letter_score", word))
    return sum(map(ord, word)) * 7


@tool
def shout(text: str) -> str:
    """Upper-case a text."""
    RAN.append(("shout", text))
    return text.upper() + "!"


GROQ_SCORE = sum(map(ord, "groq")) * 7


@pytest.fixture(autouse=True)
def _clear_runs() -> None:
    RAN.clear()


def _tool_results(request: Recorded) -> list[str]:
    """The tool messages answering the last assistant turn."""
    messages = request.messages
    results = []
    for message in reversed(messages):
        if message["role"] != "tool":
            break
        results.append(message["content"])
    assert results, f"no tool result was sent back: {messages!r}"
    return list(reversed(results))


def echo_answer(request: Recorded) -> httpx.Response:
    """A final answer that quotes the tool results it was sent."""
    return httpx.Response(
        200, json=completion("Result: " + " and ".join(_tool_results(request)))
    )


def echo_answer_streamed(request: Recorded) -> httpx.Response:
    text = "Result: " + " and ".join(_tool_results(request))
    half = len(text) // 2
    return sse_response(
        stream_events(
            {"content": text[:half]},
            {"content": text[half:]},
            response_id="chatcmpl-s2",
        )
    )


def _ask_for_score(word: str = "groq", call_id: str = "call_1") -> dict[str, Any]:
    return completion(
        None,
        tool_calls=[wire_tool_call(call_id, "letter_score", f'{{"word": "{word}"}}')],
    )


def _assert_tool_round_trip(scripted: ScriptedGroq) -> None:
    first, second = scripted.bodies
    tool_names = [t["function"]["name"] for t in first["tools"]]
    assert "letter_score" in tool_names
    assert second["tools"] == first["tools"]
    assert second["messages"][-2] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "letter_score", "arguments": '{"word": "groq"}'},
            }
        ],
    }
    assert second["messages"][-1] == {
        "role": "tool",
        "content": str(GROQ_SCORE),
        "tool_call_id": "call_1",
    }


# -- langchain.agents.create_agent -------------------------------------------------


def test_create_agent_runs_the_tool_and_answers_with_its_result() -> None:
    scripted = ScriptedGroq().reply_json(_ask_for_score()).reply(echo_answer)
    agent = create_agent(scripted.model(), tools=[letter_score, shout])

    state = agent.invoke({"messages": [("user", "What is the score of 'groq'?")]})

    assert RAN == [("letter_score", "groq")]
    final = state["messages"][-1]
    assert isinstance(final, AIMessage)
    assert final.content == f"Result: {GROQ_SCORE}"
    assert [type(m).__name__ for m in state["messages"]] == [
        "HumanMessage",
        "AIMessage",
        "ToolMessage",
        "AIMessage",
    ]
    _assert_tool_round_trip(scripted)
    assert scripted.pending == 0


async def test_create_agent_async_with_a_streaming_model_and_fragments() -> None:
    scripted = ScriptedGroq().reply_sse(
        stream_events(
            {"tool_calls": [wire_tool_call("call_1", "letter_score", "", index=0)]},
            {"tool_calls": [wire_tool_call(None, None, '{"word": ', index=0)]},
            {"tool_calls": [wire_tool_call(None, None, '"groq"}', index=0)]},
            finish_reason="tool_calls",
        )
    )
    scripted.reply(echo_answer_streamed)
    agent = create_agent(scripted.model(streaming=True), tools=[letter_score])

    state = await agent.ainvoke({"messages": [("user", "Score 'groq'.")]})

    assert RAN == [("letter_score", "groq")]
    assert state["messages"][-1].content == f"Result: {GROQ_SCORE}"
    assert all(body["stream"] is True for body in scripted.bodies)
    _assert_tool_round_trip(scripted)


def test_create_agent_streams_messages_token_by_token() -> None:
    scripted = ScriptedGroq().reply_sse(
        stream_events(
            {
                "tool_calls": [
                    wire_tool_call(
                        "call_1", "letter_score", '{"word": "groq"}', index=0
                    )
                ]
            },
            finish_reason="tool_calls",
        )
    )
    scripted.reply(echo_answer_streamed)
    agent = create_agent(scripted.model(), tools=[letter_score])

    pieces = []
    for message, meta in agent.stream(
        {"messages": [("user", "Score 'groq'.")]}, stream_mode="messages"
    ):
        if meta["langgraph_node"] == "model" and isinstance(message, AIMessage):
            pieces.append(message)

    assert RAN == [("letter_score", "groq")]
    text = "".join(p.content for p in pieces if isinstance(p.content, str))
    assert text == f"Result: {GROQ_SCORE}"
    streamed_calls = [tc for p in pieces for tc in p.tool_call_chunks]
    assert streamed_calls[0]["name"] == "letter_score"
    assert all(body["stream"] is True for body in scripted.bodies)
    _assert_tool_round_trip(scripted)


def test_create_agent_runs_parallel_tool_calls() -> None:
    scripted = ScriptedGroq().reply_json(
        completion(
            None,
            tool_calls=[
                wire_tool_call("call_1", "letter_score", '{"word": "groq"}'),
                wire_tool_call("call_2", "shout", '{"text": "fast"}'),
            ],
        )
    )
    scripted.reply(echo_answer)
    agent = create_agent(scripted.model(), tools=[letter_score, shout])

    state = agent.invoke({"messages": [("user", "Score groq and shout fast.")]})

    assert sorted(RAN) == [("letter_score", "groq"), ("shout", "fast")]
    assert state["messages"][-1].content == f"Result: {GROQ_SCORE} and FAST!"
    tool_messages = scripted.bodies[1]["messages"][-2:]
    assert tool_messages == [
        {"role": "tool", "content": str(GROQ_SCORE), "tool_call_id": "call_1"},
        {"role": "tool", "content": "FAST!", "tool_call_id": "call_2"},
    ]


def test_create_agent_recovers_from_bad_tool_arguments() -> None:
    scripted = ScriptedGroq()
    # First the model forgets the required argument; the agent reports the
    # error as a tool message; the model retries correctly.
    scripted.reply_json(
        completion(
            None,
            tool_calls=[wire_tool_call("call_0", "letter_score", '{"text": "groq"}')],
        )
    )

    def retry_after_error(request: Recorded) -> httpx.Response:
        error = request.messages[-1]
        assert error["role"] == "tool"
        assert error["tool_call_id"] == "call_0"
        assert "word" in error["content"]  # the error names the missing field
        return httpx.Response(200, json=_ask_for_score())

    scripted.reply(retry_after_error).reply(echo_answer)
    agent = create_agent(scripted.model(), tools=[letter_score])

    state = agent.invoke({"messages": [("user", "Score 'groq'.")]})

    assert RAN == [("letter_score", "groq")]
    assert state["messages"][-1].content == f"Result: {GROQ_SCORE}"
    errors = [
        m
        for m in state["messages"]
        if isinstance(m, ToolMessage) and m.status == "error"
    ]
    assert len(errors) == 1
    assert len(scripted.requests) == 3


def test_create_agent_with_structured_response() -> None:
    class Score(BaseModel):
        """The final score."""

        word: str
        score: int

    scripted = ScriptedGroq().reply_json(_ask_for_score())

    def answer_in_schema(request: Recorded) -> httpx.Response:
        (result,) = _tool_results(request)
        args = f'{{"word": "groq", "score": {result}}}'
        return httpx.Response(
            200,
            json=completion(None, tool_calls=[wire_tool_call("call_2", "Score", args)]),
        )

    scripted.reply(answer_in_schema)
    # A model without a strict json_schema profile: create_agent then asks for
    # the schema as a tool (its ToolStrategy).
    agent = create_agent(
        scripted.model(model="my-org/finetune"),
        tools=[letter_score],
        response_format=Score,
    )

    state = agent.invoke({"messages": [("user", "Score 'groq'.")]})

    assert state["structured_response"] == Score(word="groq", score=GROQ_SCORE)
    sent_tools = [t["function"]["name"] for t in scripted.bodies[0]["tools"]]
    assert sent_tools == ["letter_score", "Score"]
    # The agent asks for "any" tool; Groq's name for it is "required".
    assert [b["tool_choice"] for b in scripted.bodies] == ["required", "required"]


# -- langgraph's prebuilt agent ----------------------------------------------------


@pytest.mark.filterwarnings("ignore:create_react_agent has been moved")
def test_langgraph_prebuilt_agent_runs_the_tool() -> None:
    from langgraph.prebuilt import create_react_agent

    scripted = ScriptedGroq().reply_json(_ask_for_score()).reply(echo_answer)
    agent = create_react_agent(scripted.model(), tools=[letter_score])

    state = agent.invoke({"messages": [("user", "Score 'groq'.")]})

    assert RAN == [("letter_score", "groq")]
    assert state["messages"][-1].content == f"Result: {GROQ_SCORE}"
    _assert_tool_round_trip(scripted)


@pytest.mark.filterwarnings("ignore:create_react_agent has been moved")
async def test_langgraph_prebuilt_agent_async_streaming() -> None:
    from langgraph.prebuilt import create_react_agent

    scripted = ScriptedGroq().reply_sse(
        stream_events(
            {
                "tool_calls": [
                    wire_tool_call(
                        "call_1", "letter_score", '{"word": "groq"}', index=0
                    )
                ]
            },
            finish_reason="tool_calls",
        )
    )
    scripted.reply(echo_answer_streamed)
    agent = create_react_agent(scripted.model(streaming=True), tools=[letter_score])

    state = await agent.ainvoke({"messages": [("user", "Score 'groq'.")]})

    assert RAN == [("letter_score", "groq")]
    assert state["messages"][-1].content == f"Result: {GROQ_SCORE}"
    _assert_tool_round_trip(scripted)
