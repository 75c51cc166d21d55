"""Differential test: ChatGroqSynaptic vs langchain-openai's ChatOpenAI.

Both clients talk to the same local llama.cpp server with greedy decoding and
a fixed seed, so any difference in text or token counts is a difference in
what the clients send or how they read the answer. The plain conversations
run on SmolLM2 (`target`); the tool-calling conversation runs on the model
that calls tools (`tool_target`), and on Groq too, where only the tool calls
are compared (Groq's greedy decoding is not promised to repeat exactly).
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)
from langchain_openai import ChatOpenAI

from langchain_synaptic_groq import ChatGroqSynaptic
from tests.integration._agent_task import EXPECTED_CALLS, TASK, make_tools
from tests.integration._target import SEED, Target, require_local

_WHY = "greedy decoding on one local server makes both clients' answers comparable"
_MAX_TOKENS = 48
_PROMPTS: list[Any] = [
    "What is the capital of France?",
    "Count from 1 to 10, separated by commas.",
    [("system", "You are terse."), ("human", "Name three colours.")],
    [
        ("human", "My name is Ada."),
        ("ai", "Nice to meet you, Ada."),
        ("human", "What is my name?"),
    ],
    "Écris une phrase sur la mer, avec des accents.",
    [HumanMessage("Hello, who am I?", name="ada")],
    [
        HumanMessage("What is 1 + 2?"),
        AIMessage(
            "",
            tool_calls=[
                {
                    "name": "add",
                    "args": {"a": 1, "b": 2},
                    "id": "call_1",
                    "type": "tool_call",
                }
            ],
        ),
        ToolMessage('{"result": 3}', tool_call_id="call_1", name="add"),
    ],
]
_IDS = ["question", "counting", "system", "history", "unicode", "name", "tool-history"]


@pytest.fixture
def clients(target: Target) -> tuple[ChatGroqSynaptic, ChatOpenAI]:
    require_local(target, _WHY)
    ours = ChatGroqSynaptic(**target.model_params(max_tokens=_MAX_TOKENS))
    theirs = ChatOpenAI(
        model=target.model,
        base_url=target.base_url,
        api_key=target.api_key,
        temperature=0,
        seed=SEED,
        max_tokens=_MAX_TOKENS,
        timeout=120,
        stream_usage=True,
    )
    return ours, theirs


def _summary(message: BaseMessage) -> tuple[str, int, int, int, str]:
    assert isinstance(message, AIMessage)
    usage = message.usage_metadata
    assert usage is not None, "no usage_metadata"
    return (
        message.text,
        usage["input_tokens"],
        usage["output_tokens"],
        usage["total_tokens"],
        message.response_metadata.get("finish_reason", ""),
    )


def _stream(model: ChatGroqSynaptic | ChatOpenAI, prompt: Any) -> AIMessageChunk:
    full: AIMessageChunk | None = None
    for chunk in model.stream(prompt):
        full = chunk if full is None else full + chunk
    assert full is not None
    return full


@pytest.mark.parametrize("prompt", _PROMPTS, ids=_IDS)
def test_invoke_same_as_chat_openai(
    clients: tuple[ChatGroqSynaptic, ChatOpenAI], prompt: Any
) -> None:
    ours, theirs = clients
    mine = ours.invoke(prompt)
    reference = theirs.invoke(prompt)
    assert _summary(mine) == _summary(reference)
    assert mine.text, "an empty answer would make the comparison vacuous"
    expected_name = reference.response_metadata["model_name"]
    assert mine.response_metadata["model_name"] == expected_name


@pytest.mark.parametrize("prompt", _PROMPTS, ids=_IDS)
def test_stream_same_as_chat_openai(
    clients: tuple[ChatGroqSynaptic, ChatOpenAI], prompt: Any
) -> None:
    ours, theirs = clients
    mine = _stream(ours, prompt)
    reference = _stream(theirs, prompt)
    assert _summary(mine) == _summary(reference)
    assert mine.text
    # And the stream agrees with our own invoke.
    assert _summary(mine) == _summary(ours.invoke(prompt))


async def test_async_same_as_chat_openai(
    clients: tuple[ChatGroqSynaptic, ChatOpenAI],
) -> None:
    ours, theirs = clients
    prompt = _PROMPTS[0]
    assert _summary(await ours.ainvoke(prompt)) == _summary(
        await theirs.ainvoke(prompt)
    )
    mine: AIMessageChunk | None = None
    async for chunk in ours.astream(prompt):
        mine = chunk if mine is None else mine + chunk
    reference: AIMessageChunk | None = None
    async for chunk in theirs.astream(prompt):
        reference = chunk if reference is None else reference + chunk
    assert mine is not None
    assert reference is not None
    assert _summary(mine) == _summary(reference)


# -- a tool-calling conversation -------------------------------------------------

_TOOL_MAX_TOKENS = 128


@pytest.fixture
def tool_clients(tool_target: Target) -> tuple[ChatGroqSynaptic, ChatOpenAI]:
    ours = ChatGroqSynaptic(**tool_target.model_params(max_tokens=_TOOL_MAX_TOKENS))
    theirs = ChatOpenAI(
        model=tool_target.model,
        base_url=tool_target.base_url,
        api_key=tool_target.api_key,
        temperature=0,
        seed=SEED,
        max_tokens=_TOOL_MAX_TOKENS,
        timeout=300,
        stream_usage=True,
    )
    return ours, theirs


# One step of the conversation: the calls made (name, args), the text, the
# finish reason and the token counts.
_Step = tuple[list[tuple[str, dict[str, Any]]], str, str, int, int]


def _step(message: BaseMessage) -> _Step:
    assert isinstance(message, AIMessage)
    usage = message.usage_metadata
    assert usage is not None, "no usage_metadata"
    return (
        [(c["name"], c["args"]) for c in message.tool_calls],
        message.text,
        message.response_metadata.get("finish_reason", ""),
        usage["input_tokens"],
        usage["output_tokens"],
    )


def _converse(
    model: ChatGroqSynaptic | ChatOpenAI, *, stream: bool
) -> tuple[list[_Step], list[tuple[str, str]]]:
    """Run the two-step task by hand: call, run the tools, send results back."""
    ran: list[tuple[str, str]] = []
    tools = {t.name: t for t in make_tools(ran)}
    bound = model.bind_tools(list(tools.values()))
    messages: list[BaseMessage] = [HumanMessage(TASK)]
    steps: list[_Step] = []
    for _ in range(4):  # two calls and the answer; one more shows a loop
        if stream:
            full: AIMessageChunk | None = None
            for chunk in bound.stream(messages):
                assert isinstance(chunk, AIMessageChunk)
                full = chunk if full is None else full + chunk
            ai: BaseMessage | None = full
        else:
            ai = bound.invoke(messages)
        assert isinstance(ai, AIMessage)
        steps.append(_step(ai))
        messages.append(ai)
        if not ai.tool_calls:
            break
        messages += [tools[call["name"]].invoke(call) for call in ai.tool_calls]
    return steps, ran


def _check_same_conversation(
    mine: list[_Step], reference: list[_Step], target: Target
) -> None:
    calls = [call for step in mine for call in step[0]]
    assert calls == [call for step in reference for call in step[0]]
    assert mine[-1][1], "an empty final answer would make the comparison vacuous"
    assert not mine[-1][0], "the conversation did not end in an answer"
    if target.is_local:
        # Same prompts (token counts), same calls, same final answer.
        assert mine == reference
        assert calls == EXPECTED_CALLS
        assert "21" in mine[-1][1]


@pytest.mark.parametrize("stream", [False, True], ids=["invoke", "stream"])
def test_tool_conversation_same_as_chat_openai(
    tool_clients: tuple[ChatGroqSynaptic, ChatOpenAI], tool_target: Target, stream: bool
) -> None:
    ours, theirs = tool_clients
    mine, ran_mine = _converse(ours, stream=stream)
    reference, ran_reference = _converse(theirs, stream=stream)
    _check_same_conversation(mine, reference, tool_target)
    assert ran_mine == ran_reference


async def test_tool_conversation_async_same_as_chat_openai(
    tool_clients: tuple[ChatGroqSynaptic, ChatOpenAI], tool_target: Target
) -> None:
    ours, theirs = tool_clients
    results: list[list[_Step]] = []
    for model in (ours, theirs):
        ran: list[tuple[str, str]] = []
        tools = {t.name: t for t in make_tools(ran)}
        bound = model.bind_tools(list(tools.values()))
        messages: list[BaseMessage] = [HumanMessage(TASK)]
        steps: list[_Step] = []
        for _ in range(4):
            ai = await bound.ainvoke(messages)
            steps.append(_step(ai))
            messages.append(ai)
            if not ai.tool_calls:
                break
            messages += [await tools[c["name"]].ainvoke(c) for c in ai.tool_calls]
        results.append(steps)
    _check_same_conversation(results[0], results[1], tool_target)
