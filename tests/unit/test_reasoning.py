"""Reasoning models: parameters on the wire, reasoning text and tokens in the
output (v0 and v1, invoke and stream, sync and async), and reasoning handed
back to the model on the next turn."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from pydantic import ValidationError

from tests.support.features import (
    MODES,
    REASONING_USAGE,
    STREAMING,
    answer_body,
    answer_events,
    call,
    queue,
    without_index,
)
from tests.support.scripted import ScriptedGroq
from tests.support.wire import wire_tool_call

OSS = "openai/gpt-oss-20b"
QWEN = "qwen/qwen3-32b"


def _reasoning_answer(groq: ScriptedGroq, mode: str) -> None:
    queue(
        groq,
        mode,
        answer_body(
            "42",
            message={"reasoning": "6 x 7 is 42."},
            usage=REASONING_USAGE,
            model=OSS,
        ),
        answer_events(
            {"reasoning": "6 x 7 "},
            {"reasoning": "is 42."},
            {"content": "42"},
            usage=REASONING_USAGE,
            model=OSS,
        ),
    )


@pytest.mark.parametrize("mode", MODES)
async def test_reasoning_parameters_on_the_wire(mode: str) -> None:
    groq = ScriptedGroq()
    _reasoning_answer(groq, mode)
    model = groq.model(model=OSS, reasoning_format="parsed", reasoning_effort="high")

    await call(model, mode, "What is 6 x 7?")

    expected = {
        "model": OSS,
        "reasoning_format": "parsed",
        "reasoning_effort": "high",
        "messages": [{"role": "user", "content": "What is 6 x 7?"}],
    }
    if mode in STREAMING:
        expected |= {"stream": True, "stream_options": {"include_usage": True}}
    assert groq.last_body == expected


@pytest.mark.parametrize("mode", MODES)
async def test_include_reasoning_and_per_call_effort(mode: str) -> None:
    groq = ScriptedGroq()
    _reasoning_answer(groq, mode)
    model = groq.model(model=QWEN, include_reasoning=False, reasoning_effort="none")

    await call(model, mode, "Hi", reasoning_effort="default")

    body = groq.last_body
    assert body["include_reasoning"] is False
    assert body["reasoning_effort"] == "default"
    assert "reasoning_format" not in body


def test_reasoning_effort_is_typed() -> None:
    with pytest.raises(ValidationError, match="reasoning_effort"):
        ScriptedGroq().model(model=QWEN, reasoning_effort="maximum")


@pytest.mark.parametrize("value", ["none", "default", "low", "medium", "high"])
def test_every_documented_effort_is_accepted(value: str) -> None:
    # An unknown id: the registry cannot speak for it, so every value goes.
    model = ScriptedGroq().model(model="my-org/reasoner", reasoning_effort=value)
    assert model.reasoning_effort == value


@pytest.mark.parametrize(
    ("model_id", "accepted", "refused"),
    [
        ("openai/gpt-oss-120b", ["low", "medium", "high"], ["none", "default"]),
        ("openai/gpt-oss-20b", ["low", "medium", "high"], ["none", "default"]),
        ("qwen/qwen3.8-27b", ["none", "default", "low", "medium", "high"], []),
    ],
)
def test_effort_values_follow_the_model(
    model_id: str, accepted: list[str], refused: list[str]
) -> None:
    for value in accepted:
        assert ScriptedGroq().model(model=model_id, reasoning_effort=value)
    for value in refused:
        with pytest.raises(ValidationError, match=f"takes reasoning_effort .*{value}"):
            ScriptedGroq().model(model=model_id, reasoning_effort=value)


@pytest.mark.parametrize("mode", MODES)
async def test_a_refused_effort_per_call_fails_before_any_request(mode: str) -> None:
    groq = ScriptedGroq()
    model = groq.model(model="openai/gpt-oss-120b")
    with pytest.raises(ValueError, match="gpt-oss-120b takes reasoning_effort"):
        await call(model, mode, "Hi", reasoning_effort="none")
    assert groq.requests == []


def test_a_model_without_reasoning_refuses_reasoning_params() -> None:
    with pytest.raises(ValidationError, match="not a reasoning model"):
        ScriptedGroq().model(
            model="meta-llama/llama-prompt-guard-2-86m", reasoning_format="parsed"
        )


def test_reasoning_format_with_include_reasoning_fails_at_construction() -> None:
    with pytest.raises(ValidationError, match="cannot be used together"):
        ScriptedGroq().model(
            model=OSS, reasoning_format="hidden", include_reasoning=True
        )


@pytest.mark.parametrize("mode", MODES)
async def test_rejected_combination_per_call_fails_before_any_request(
    mode: str,
) -> None:
    groq = ScriptedGroq()
    model = groq.model(model=OSS, reasoning_format="parsed")

    with pytest.raises(ValueError, match="cannot be used together"):
        await call(model, mode, "Hi", include_reasoning=True)
    assert groq.requests == []


@pytest.mark.parametrize("mode", MODES)
async def test_reasoning_text_and_tokens_in_v0_output(mode: str) -> None:
    groq = ScriptedGroq()
    _reasoning_answer(groq, mode)

    ai = await call(groq.model(model=OSS, reasoning_format="parsed"), mode, "6 x 7?")

    assert ai.content == "42"
    assert ai.additional_kwargs["reasoning_content"] == "6 x 7 is 42."
    assert ai.usage_metadata == {
        "input_tokens": 18,
        "output_tokens": 12,
        "total_tokens": 30,
        "output_token_details": {"reasoning": 9},
    }


@pytest.mark.parametrize("mode", MODES)
async def test_reasoning_is_one_block_in_v1_output(mode: str) -> None:
    groq = ScriptedGroq()
    _reasoning_answer(groq, mode)
    model = groq.model(model=OSS, output_version="v1")

    ai = await call(model, mode, "6 x 7?")

    assert without_index(ai.content) == [
        {"type": "reasoning", "reasoning": "6 x 7 is 42."},
        {"type": "text", "text": "42"},
    ]
    assert ai.additional_kwargs["reasoning_content"] == "6 x 7 is 42."
    assert ai.usage_metadata is not None
    assert ai.usage_metadata["output_token_details"] == {"reasoning": 9}


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_v1_stream_reasoning_then_tool_call(mode: str) -> None:
    groq = ScriptedGroq()
    call_delta = {
        "tool_calls": [
            wire_tool_call("fc_1", "get_weather", '{"city":"Lima"}', index=0)
        ]
    }
    groq.reply_sse(
        answer_events(
            {"reasoning": "Need "},
            {"reasoning": "the weather."},
            call_delta,
            usage=REASONING_USAGE,
            model=OSS,
            finish_reason="tool_calls",
        )
    )

    ai = await call(groq.model(model=OSS, output_version="v1"), mode, "Weather?")

    assert without_index(ai.content) == [
        {"type": "reasoning", "reasoning": "Need the weather."},
        {
            "type": "tool_call",
            "name": "get_weather",
            "args": {"city": "Lima"},
            "id": "fc_1",
        },
    ]


def _tool_turn(ai: AIMessage) -> list[object]:
    return [
        HumanMessage("Weather in Lima?"),
        ai,
        ToolMessage("18 C, cloudy", tool_call_id="fc_1"),
    ]


_WIRE_ASSISTANT = {
    "role": "assistant",
    "content": None,
    "tool_calls": [
        {
            "id": "fc_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Lima"}'},
        }
    ],
    "reasoning": "Need the weather.",
}


@pytest.mark.parametrize("mode", MODES)
async def test_v0_reasoning_goes_back_to_the_model(mode: str) -> None:
    groq = ScriptedGroq()
    queue(groq, mode, answer_body("Cloudy."), answer_events({"content": "Cloudy."}))
    earlier = AIMessage(
        "",
        additional_kwargs={"reasoning_content": "Need the weather."},
        tool_calls=[{"name": "get_weather", "args": {"city": "Lima"}, "id": "fc_1"}],
    )

    await call(groq.model(model=OSS), mode, _tool_turn(earlier))

    assert groq.last_body["messages"][1] == _WIRE_ASSISTANT


@pytest.mark.parametrize("mode", MODES)
async def test_v1_reasoning_blocks_go_back_to_the_model(mode: str) -> None:
    groq = ScriptedGroq()
    queue(groq, mode, answer_body("Cloudy."), answer_events({"content": "Cloudy."}))
    earlier = AIMessage(
        content=[
            {"type": "reasoning", "reasoning": "Need "},
            {"type": "reasoning", "reasoning": "the weather."},
            {
                "type": "tool_call",
                "name": "get_weather",
                "args": {"city": "Lima"},
                "id": "fc_1",
            },
        ],
        response_metadata={"output_version": "v1", "model_provider": "groq"},
    )

    await call(groq.model(model=OSS), mode, _tool_turn(earlier))

    assert groq.last_body["messages"][1] == _WIRE_ASSISTANT


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("output_version", ["v0", "v1"])
async def test_reasoning_round_trip_through_a_real_answer(
    mode: str, output_version: str
) -> None:
    """The answer a user got (any mode, any output version) is the history
    they send next: its reasoning and tool call must reach Groq again."""
    groq = ScriptedGroq()
    tool_call = wire_tool_call("fc_1", "get_weather", '{"city": "Lima"}', index=0)
    queue(
        groq,
        mode,
        answer_body(
            None,
            message={"reasoning": "Need the weather."},
            tool_calls=[tool_call],
            model=OSS,
        ),
        answer_events(
            {"reasoning": "Need "},
            {"reasoning": "the weather."},
            {"tool_calls": [tool_call]},
            model=OSS,
            finish_reason="tool_calls",
        ),
    )
    queue(groq, mode, answer_body("Cloudy."), answer_events({"content": "Cloudy."}))
    model = groq.model(model=OSS, output_version=output_version)

    first = await call(model, mode, "Weather in Lima?")
    await call(model, mode, _tool_turn(first))

    sent = groq.last_body["messages"][1]
    assert sent["reasoning"] == "Need the weather."
    assert sent["tool_calls"][0]["id"] == "fc_1"
    assert json.loads(sent["tool_calls"][0]["function"]["arguments"]) == {
        "city": "Lima"
    }


def test_no_reasoning_key_without_reasoning() -> None:
    groq = ScriptedGroq()
    queue(groq, "invoke", answer_body("ok"), [])
    groq.model().invoke([HumanMessage("a"), AIMessage("b"), HumanMessage("c")])
    assert groq.last_body["messages"][1] == {"role": "assistant", "content": "b"}
