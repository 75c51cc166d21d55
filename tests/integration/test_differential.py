"""Differential test: ChatGroqSynaptic vs langchain-openai's ChatOpenAI.

Both clients talk to the same local llama.cpp server with greedy decoding and
a fixed seed, so any difference in text or token counts is a difference in
what the clients send or how they read the answer.
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
