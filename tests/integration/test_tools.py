"""Tool calling, agents and structured output against a model that calls tools.

Locally the tool target is llama-server with Qwen2.5-Coder-1.5B-Instruct and
the project's chat template (greedy, seeded), so the exact calls and answers
below are what that model gives; on Groq the same tests run against Groq's
model. Every call sets `max_tokens`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Literal

import pytest
from langchain.agents import create_agent
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)
from pydantic import BaseModel, Field

from langchain_synaptic_groq import ChatGroqSynaptic
from tests.integration._agent_task import (
    EXPECTED_CALLS,
    HOME,
    TASK,
    calls_in,
    make_tools,
)
from tests.integration._target import Target

# -- a two-step task with two tools (create_agent) ------------------------------


def _check_agent_run(
    messages: list[BaseMessage], ran: list[tuple[str, str]], target: Target
) -> None:
    calls = calls_in(messages)
    assert ran == [(name, next(iter(args.values()))) for name, args in calls], (
        "every tool call the model made ran, once, in order"
    )
    tool_results = [m.text for m in messages if isinstance(m, ToolMessage)]
    final = messages[-1]
    assert isinstance(final, AIMessage)
    assert not final.tool_calls, f"the agent did not finish: {final!r}"
    if target.is_local or calls == EXPECTED_CALLS:
        assert calls == EXPECTED_CALLS
        assert tool_results == ["Lisbon", "21 °C"]
        assert "21" in final.text, final.text
    else:  # another model may find its way differently; it must still arrive
        assert [name for name, _ in calls][-1] == "get_temperature", calls
        assert "21" in final.text, final.text


def _agent(tool_target: Target, ran: list[tuple[str, str]]) -> Any:
    model = ChatGroqSynaptic(**tool_target.model_params(max_tokens=128))
    return create_agent(model, tools=make_tools(ran))


_INPUT = {"messages": [HumanMessage(TASK)]}


def test_agent_two_steps_invoke(tool_target: Target) -> None:
    ran: list[tuple[str, str]] = []
    result = _agent(tool_target, ran).invoke(_INPUT)
    _check_agent_run(result["messages"], ran, tool_target)


async def test_agent_two_steps_ainvoke(tool_target: Target) -> None:
    ran: list[tuple[str, str]] = []
    result = await _agent(tool_target, ran).ainvoke(_INPUT)
    _check_agent_run(result["messages"], ran, tool_target)


def _from_stream(
    parts: list[tuple[str, Any]],
) -> tuple[list[BaseMessage], list[AIMessageChunk]]:
    """The last state and the model's token chunks from a multi-mode stream."""
    states = [payload for mode, payload in parts if mode == "values"]
    chunks = [
        payload[0]
        for mode, payload in parts
        if mode == "messages" and isinstance(payload[0], AIMessageChunk)
    ]
    assert states, "no state was streamed"
    return states[-1]["messages"], chunks


def _check_token_stream(chunks: list[AIMessageChunk], final: BaseMessage) -> None:
    # The model was streamed token by token: the tool calls came as tool-call
    # chunks and the final answer in several text chunks.
    assert any(c.tool_call_chunks for c in chunks), "no tool-call chunks streamed"
    texts = [c.text for c in chunks if c.text]
    assert len(texts) > 2, f"the answer was not streamed token by token: {texts}"
    assert final.text in "".join(texts)


def test_agent_two_steps_stream(tool_target: Target) -> None:
    ran: list[tuple[str, str]] = []
    parts = list(
        _agent(tool_target, ran).stream(_INPUT, stream_mode=["values", "messages"])
    )
    messages, chunks = _from_stream(parts)
    _check_agent_run(messages, ran, tool_target)
    _check_token_stream(chunks, messages[-1])


async def test_agent_two_steps_astream(tool_target: Target) -> None:
    ran: list[tuple[str, str]] = []
    agent = _agent(tool_target, ran)
    parts = [
        part async for part in agent.astream(_INPUT, stream_mode=["values", "messages"])
    ]
    messages, chunks = _from_stream(parts)
    _check_agent_run(messages, ran, tool_target)
    _check_token_stream(chunks, messages[-1])


# -- bind_tools by hand, in both output versions ------------------------------------


@pytest.mark.parametrize("output_version", ["v0", "v1"])
def test_tool_round_trip(tool_target: Target, output_version: str) -> None:
    """A call, its result sent back (as the AIMessage came, v0 or v1), an answer."""
    ran: list[tuple[str, str]] = []
    get_home_city, _ = make_tools(ran)
    model = ChatGroqSynaptic(
        **tool_target.model_params(max_tokens=128, output_version=output_version)
    ).bind_tools([get_home_city])
    question = HumanMessage("Which city does Ada live in?")

    call = model.invoke([question])
    assert isinstance(call, AIMessage)
    assert [(c["name"], c["args"]) for c in call.tool_calls] == [
        ("get_home_city", {"person": "Ada"})
    ]
    if output_version == "v1":
        assert [b["type"] for b in call.content_blocks] == ["tool_call"]
        assert isinstance(call.content, list)
    assert call.response_metadata["finish_reason"] == "tool_calls"
    result = get_home_city.invoke(call.tool_calls[0])
    assert isinstance(result, ToolMessage)

    answer = model.invoke([question, call, result])
    assert isinstance(answer, AIMessage)
    assert not answer.tool_calls
    assert "Lisbon" in answer.text
    assert answer.response_metadata["finish_reason"] == "stop"
    assert ran == [("get_home_city", "Ada")]


def test_streamed_tool_call_matches_invoke(tool_target: Target) -> None:
    ran: list[tuple[str, str]] = []
    model = ChatGroqSynaptic(**tool_target.model_params(max_tokens=128)).bind_tools(
        make_tools(ran)
    )
    whole = model.invoke(TASK)
    full: AIMessageChunk | None = None
    chunks = 0
    for chunk in model.stream(TASK):
        assert isinstance(chunk, AIMessageChunk)
        full = chunk if full is None else full + chunk
        chunks += 1
    assert isinstance(whole, AIMessage)
    assert full is not None
    assert chunks > 2
    assert [(c["name"], c["args"]) for c in full.tool_calls] == [
        (c["name"], c["args"]) for c in whole.tool_calls
    ]
    assert whole.tool_calls, "the first step of the task is a tool call"
    assert full.response_metadata["finish_reason"] == "tool_calls"
    assert full.usage_metadata is not None
    assert whole.usage_metadata is not None
    if tool_target.is_local:
        assert [(c["name"], c["args"]) for c in whole.tool_calls] == EXPECTED_CALLS[:1]
        assert (
            full.usage_metadata["output_tokens"]
            == (whole.usage_metadata["output_tokens"])
        )


# -- with_structured_output, by each method ---------------------------------------


class Person(BaseModel):
    """A person mentioned in a text."""

    name: str = Field(description="the person's full name")
    birth_year: int = Field(description="the year the person was born")


_TEXT = "Ada Lovelace was born in London in 1815."
_PROMPTS: dict[str, str] = {
    "function_calling": f"Extract the person from this text: {_TEXT}",
    "json_schema": f"Extract the person from this text: {_TEXT}",
    # JSON mode enforces JSON, not its shape: the prompt names the keys.
    "json_mode": (
        f"Extract the person from this text: {_TEXT} Reply in JSON with the keys "
        '"name" and "birth_year".'
    ),
}
_Method = Literal["function_calling", "json_schema", "json_mode"]
_METHODS: list[_Method] = ["function_calling", "json_schema", "json_mode"]
_EXPECTED_PERSON = Person(name="Ada Lovelace", birth_year=1815)


def _structured_chat(target: Target) -> ChatGroqSynaptic:
    return ChatGroqSynaptic(**target.model_params(max_tokens=128))


@pytest.mark.parametrize("method", _METHODS)
def test_structured_output_each_method(tool_target: Target, method: _Method) -> None:
    chat = _structured_chat(tool_target)
    structured = chat.with_structured_output(Person, method=method, include_raw=True)
    out = structured.invoke(_PROMPTS[method])
    assert isinstance(out, dict)
    assert out["parsing_error"] is None, out
    assert out["parsed"] == _EXPECTED_PERSON
    raw = out["raw"]
    assert isinstance(raw, AIMessage)
    if method == "function_calling":
        assert [c["name"] for c in raw.tool_calls] == ["Person"]
    else:
        assert json.loads(raw.text) == _EXPECTED_PERSON.model_dump()

    # A dict schema gives a dict, streamed or not.
    as_dict = chat.with_structured_output(
        Person.model_json_schema(), method=method
    ).stream(_PROMPTS[method])
    last: Any = None
    for last in as_dict:  # the last one is the whole object
        assert isinstance(last, dict)
    assert last == _EXPECTED_PERSON.model_dump()


@pytest.mark.parametrize("method", _METHODS)
async def test_structured_output_each_method_async(
    tool_target: Target, method: _Method
) -> None:
    chat = _structured_chat(tool_target)
    parsed = await chat.with_structured_output(Person, method=method).ainvoke(
        _PROMPTS[method]
    )
    assert parsed == _EXPECTED_PERSON


# -- the tools' names in the calls come back as they were bound ---------------------


def get_home_city(person: str) -> str:
    """Get the city a person lives in.

    Args:
        person: The person's name.
    """
    return HOME.get(person, "unknown")


_GET_HOME_CITY_DICT: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_home_city",
        "description": "Get the city a person lives in.",
        "parameters": {
            "type": "object",
            "properties": {"person": {"type": "string"}},
            "required": ["person"],
        },
    },
}


@pytest.mark.parametrize(
    "make_tool",
    [
        pytest.param(lambda: make_tools([])[0], id="tool"),
        pytest.param(lambda: get_home_city, id="function"),
        pytest.param(lambda: _GET_HOME_CITY_DICT, id="openai-dict"),
    ],
)
def test_bind_tools_forms(tool_target: Target, make_tool: Callable[[], Any]) -> None:
    """A @tool, a plain function and an OpenAI tool dict bind the same way."""
    model = ChatGroqSynaptic(**tool_target.model_params(max_tokens=96))
    call = model.bind_tools([make_tool()]).invoke("Which city does Ada live in?")
    assert isinstance(call, AIMessage)
    assert [(c["name"], c["args"]) for c in call.tool_calls] == [
        ("get_home_city", {"person": "Ada"})
    ]
    assert all(c["id"] for c in call.tool_calls)
