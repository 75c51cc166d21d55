"""LCEL chains: `prompt | model | parser` with invoke, stream and batch.

The scripted Groq answers from what it receives (the prompt's language and
text), so each output can only be right if the right prompt went on the wire
and the answer came back to the right input, also in batches.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langchain_core.output_parsers import (
    JsonOutputKeyToolsParser,
    PydanticToolsParser,
    StrOutputParser,
)
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import Runnable
from pydantic import BaseModel, Field

from tests.support.scripted import Recorded, ScriptedGroq, sse_response
from tests.support.wire import completion, stream_events, wire_tool_call

PROMPT = ChatPromptTemplate.from_messages(
    [("system", "Answer in {language}."), ("human", "{text}")]
)
INPUTS = [
    {"language": "French", "text": "good morning"},
    {"language": "German", "text": "thank you"},
    {"language": "Spanish", "text": "see you soon"},
]


def _answer_text(request: Recorded) -> str:
    system, user = request.messages
    assert system["role"] == "system"
    assert user["role"] == "user"
    language = system["content"].removeprefix("Answer in ").rstrip(".")
    return f"[{language}] {user['content'].upper()}"


def answer(request: Recorded) -> httpx.Response:
    return httpx.Response(200, json=completion(_answer_text(request)))


def answer_streamed(request: Recorded) -> httpx.Response:
    words = _answer_text(request).split(" ")
    deltas = [{"content": w if i == 0 else " " + w} for i, w in enumerate(words)]
    return sse_response(stream_events(*deltas))


def _expected(item: dict[str, str]) -> str:
    return f"[{item['language']}] {item['text'].upper()}"


def _chain(scripted: ScriptedGroq, **model_kw: Any) -> Runnable[Any, str]:
    return PROMPT | scripted.model(**model_kw) | StrOutputParser()


def test_chain_invoke_sends_the_formatted_prompt() -> None:
    scripted = ScriptedGroq().reply(answer)

    out = _chain(scripted, temperature=0.2).invoke(INPUTS[0])

    assert out == "[French] GOOD MORNING"
    body = scripted.last_body
    assert body["messages"] == [
        {"role": "system", "content": "Answer in French."},
        {"role": "user", "content": "good morning"},
    ]
    assert body["temperature"] == 0.2
    assert "stream" not in body


async def test_chain_ainvoke() -> None:
    scripted = ScriptedGroq().reply(answer)

    assert await _chain(scripted).ainvoke(INPUTS[1]) == "[German] THANK YOU"


def test_chain_stream_yields_text_as_it_arrives() -> None:
    scripted = ScriptedGroq().reply(answer_streamed)

    pieces = list(_chain(scripted).stream(INPUTS[2]))

    # The last piece is the empty final chunk that carries usage and metadata.
    assert pieces == ["[Spanish]", " SEE", " YOU", " SOON", ""]
    assert "".join(pieces) == _expected(INPUTS[2])
    assert scripted.last_body["stream"] is True
    assert scripted.last_body["stream_options"] == {"include_usage": True}


async def test_chain_astream() -> None:
    scripted = ScriptedGroq().reply(answer_streamed)

    pieces = [p async for p in _chain(scripted).astream(INPUTS[0])]

    assert len([p for p in pieces if p]) == 3
    assert "".join(pieces) == "[French] GOOD MORNING"


def test_chain_batch_keeps_outputs_in_input_order() -> None:
    scripted = ScriptedGroq()
    for _ in INPUTS:
        scripted.reply(answer)

    outs = _chain(scripted).batch(INPUTS)

    assert outs == [_expected(i) for i in INPUTS]
    assert len(scripted.requests) == len(INPUTS)


async def test_chain_abatch() -> None:
    scripted = ScriptedGroq()
    for _ in INPUTS:
        scripted.reply(answer)

    outs = await _chain(scripted).abatch(INPUTS)

    assert outs == [_expected(i) for i in INPUTS]


def test_chain_batch_with_streaming_model() -> None:
    scripted = ScriptedGroq()
    for _ in INPUTS:
        scripted.reply(answer_streamed)

    outs = _chain(scripted, streaming=True).batch(INPUTS)

    assert outs == [_expected(i) for i in INPUTS]
    assert all(b["stream"] is True for b in scripted.bodies)


# -- chains with tools ---------------------------------------------------------------


class Translate(BaseModel):
    """Translate a text."""

    text: str = Field(description="The text.")
    language: str = Field(description="The target language.")


def _tool_answer(request: Recorded) -> httpx.Response:
    assert request.body is not None
    assert request.body["tool_choice"] == {
        "type": "function",
        "function": {"name": "Translate"},
    }
    system, user = request.messages
    language = system["content"].removeprefix("Answer in ").rstrip(".")
    args = f'{{"text": "{user["content"]}", "language": "{language}"}}'
    return httpx.Response(
        200,
        json=completion(None, tool_calls=[wire_tool_call("call_1", "Translate", args)]),
    )


def test_chain_with_bound_tools_and_a_pydantic_tools_parser() -> None:
    scripted = ScriptedGroq()
    for _ in INPUTS:
        scripted.reply(_tool_answer)
    chain = (
        PROMPT
        | scripted.model().bind_tools([Translate], tool_choice="Translate")
        | PydanticToolsParser(tools=[Translate], first_tool_only=True)
    )

    outs = chain.batch(INPUTS)

    assert outs == [Translate(text=i["text"], language=i["language"]) for i in INPUTS]


@pytest.mark.parametrize("model_kw", [{}, {"streaming": True}])
def test_chain_with_tools_streams_the_arguments(model_kw: dict[str, Any]) -> None:
    scripted = ScriptedGroq().reply_sse(
        stream_events(
            {"tool_calls": [wire_tool_call("call_1", "Translate", "", index=0)]},
            {"tool_calls": [wire_tool_call(None, None, '{"text": "hi", ', index=0)]},
            {
                "tool_calls": [
                    wire_tool_call(None, None, '"language": "Welsh"}', index=0)
                ]
            },
            finish_reason="tool_calls",
        )
    )
    chain = (
        PROMPT
        | scripted.model(**model_kw).bind_tools([Translate], tool_choice="any")
        | JsonOutputKeyToolsParser(key_name="Translate", first_tool_only=True)
    )

    parts = list(chain.stream({"language": "Welsh", "text": "hi"}))

    assert parts[-1] == {"text": "hi", "language": "Welsh"}
    assert {"text": "hi"} in parts  # partial arguments come through
    assert scripted.last_body["tool_choice"] == "required"
