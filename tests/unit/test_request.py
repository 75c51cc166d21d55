"""What goes over the wire: the exact request body for each parameter and message."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import (
    AIMessage,
    ChatMessage,
    FunctionMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)

from langchain_synaptic_groq import GroqModel
from tests.support.scripted import CORE_MODEL, ScriptedGroq
from tests.support.wire import MODEL, full_completion


def test_minimal_body_sends_no_unset_parameters() -> None:
    groq = ScriptedGroq(full_completion(), **CORE_MODEL)
    groq.model().invoke("Hi")
    assert groq.body == {
        "model": MODEL,
        "messages": [{"role": "user", "content": "Hi"}],
    }
    request = groq.requests[0]
    assert request.url == "https://api.groq.com/openai/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer gsk_unit_secret_key"
    assert request.headers["content-type"] == "application/json"


def test_every_parameter_reaches_the_wire() -> None:
    groq = ScriptedGroq(full_completion(), **CORE_MODEL)
    groq.model(
        model=GroqModel.GPT_OSS_20B,
        temperature=0,
        max_tokens=64,
        top_p=0.5,
        seed=7,
        stop=["END"],
        reasoning_effort="low",
        reasoning_format="parsed",
        service_tier="flex",
        user="u-1",
        frequency_penalty=0.1,
    ).invoke("Hi")
    assert groq.body == {
        "model": "openai/gpt-oss-20b",
        "temperature": 0,
        "top_p": 0.5,
        "seed": 7,
        "reasoning_format": "parsed",
        "reasoning_effort": "low",
        "service_tier": "flex",
        "max_completion_tokens": 64,
        "stop": ["END"],
        "user": "u-1",
        "frequency_penalty": 0.1,
        "messages": [{"role": "user", "content": "Hi"}],
    }


def test_temperature_zero_is_sent_as_zero() -> None:
    groq = ScriptedGroq(full_completion(), **CORE_MODEL)
    groq.model(temperature=0.0).invoke("Hi")
    assert groq.body["temperature"] == 0
    assert type(groq.body["temperature"]) is float


def test_per_call_overrides_win() -> None:
    groq = ScriptedGroq(full_completion(model="llama-3.3-70b-versatile"), **CORE_MODEL)
    model = groq.model(temperature=0.2, max_tokens=10)
    ai = model.invoke(
        "Hi",
        model="llama-3.3-70b-versatile",
        temperature=1.5,
        max_tokens=99,
        stop=["x"],
    )
    body = groq.body
    assert body["model"] == "llama-3.3-70b-versatile"
    assert body["temperature"] == 1.5
    assert body["max_completion_tokens"] == 99
    assert "max_tokens" not in body
    assert body["stop"] == ["x"]
    assert ai.response_metadata["model_name"] == "llama-3.3-70b-versatile"


def test_chatgroq_aliases_are_accepted() -> None:
    groq = ScriptedGroq(full_completion(), **CORE_MODEL)
    model = groq.model(
        model_name="llama-3.3-70b-versatile",
        groq_api_key="gsk_alias",
        groq_api_base="https://proxy.example/openai/v1",
        stop_sequences=["S"],
        request_timeout=12,
    )
    model.invoke("Hi")
    assert groq.requests[0].url == "https://proxy.example/openai/v1/chat/completions"
    assert groq.requests[0].headers["authorization"] == "Bearer gsk_alias"
    assert groq.body["model"] == "llama-3.3-70b-versatile"
    assert groq.body["stop"] == ["S"]
    assert model.timeout == 12


def test_streaming_body_asks_for_usage() -> None:
    from tests.support.wire import delta_event, sse

    events = sse([delta_event("a", finish_reason="stop")])
    groq = ScriptedGroq(events, events, **CORE_MODEL)
    list(groq.model().stream("Hi"))
    assert groq.body["stream"] is True
    assert groq.body["stream_options"] == {"include_usage": True}
    list(groq.model(stream_usage=False).stream("Hi"))
    assert "stream_options" not in groq.body


def test_every_message_kind_on_the_wire() -> None:
    groq = ScriptedGroq(full_completion(), **CORE_MODEL)
    history = [
        SystemMessage("Be brief."),
        HumanMessage("What is 2+2?", name="alice"),
        AIMessage(
            "",
            tool_calls=[
                {"name": "add", "args": {"a": 2, "b": 2}, "id": "call_1"},
            ],
        ),
        ToolMessage("4", tool_call_id="call_1"),
        AIMessage("It is 4.", name="bot"),
        ChatMessage(role="developer", content="Answer in English."),
        HumanMessage(
            content=[
                {"type": "text", "text": "And this?"},
                {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}},
            ]
        ),
    ]
    groq.model(model="meta-llama/llama-4-scout-17b-16e-instruct").invoke(history)
    assert groq.body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is 2+2?", "name": "alice"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "add", "arguments": '{"a": 2, "b": 2}'},
                }
            ],
        },
        {"role": "tool", "content": "4", "tool_call_id": "call_1"},
        {"role": "assistant", "content": "It is 4.", "name": "bot"},
        {"role": "developer", "content": "Answer in English."},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "And this?"},
                {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}},
            ],
        },
    ]


def test_invalid_tool_calls_go_back_with_their_raw_arguments() -> None:
    groq = ScriptedGroq(full_completion(), **CORE_MODEL)
    ai = AIMessage(
        "",
        invalid_tool_calls=[
            {"name": "add", "args": "{not json", "id": "call_9", "error": "bad"}
        ],
    )
    groq.model().invoke(
        [HumanMessage("x"), ai, ToolMessage("?", tool_call_id="call_9")]
    )
    wire = groq.body["messages"][1]
    assert wire["tool_calls"][0]["function"] == {
        "name": "add",
        "arguments": "{not json",
    }


def test_v1_ai_message_goes_back_in_wire_form() -> None:
    groq = ScriptedGroq(full_completion(), **CORE_MODEL)
    ai = AIMessage(
        content=[
            {"type": "reasoning", "reasoning": "Think."},
            {"type": "text", "text": "Calling."},
            {"type": "tool_call", "name": "add", "args": {"a": 1}, "id": "c1"},
        ]
    )
    groq.model().invoke([HumanMessage("x"), ai, ToolMessage("1", tool_call_id="c1")])
    wire = groq.body["messages"][1]
    assert wire["content"] == "Calling."
    assert wire["reasoning"] == "Think."
    assert wire["tool_calls"][0]["function"]["name"] == "add"
    assert json.loads(wire["tool_calls"][0]["function"]["arguments"]) == {"a": 1}


def test_v1_image_block_becomes_an_image_part() -> None:
    groq = ScriptedGroq(full_completion(), **CORE_MODEL)
    groq.model(model="meta-llama/llama-4-scout-17b-16e-instruct").invoke(
        [
            HumanMessage(
                content=[
                    {"type": "text", "text": "What is this?"},
                    {"type": "image", "base64": "aGk=", "mime_type": "image/png"},
                ]
            )
        ]
    )
    parts = groq.body["messages"][0]["content"]
    assert parts[1] == {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64,aGk="},
    }


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"temperature": 3}, "temperature"),
        ({"top_p": 1.5}, "top_p"),
        ({"n": 2}, "n must be 1"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "at most 4"),
        ({"timeout": -1}, "timeout"),
        ({"reasoning_effort": "extreme"}, "reasoning_effort"),
        ({"reasoning_format": "parsed", "include_reasoning": True}, "together"),
        ({"model": ""}, "model"),
    ],
)
def test_bad_settings_raise_a_clear_value_error(kwargs: dict, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        ScriptedGroq(full_completion(), **CORE_MODEL).model(**kwargs)


def test_empty_message_list_is_a_clear_value_error() -> None:
    groq = ScriptedGroq(full_completion(), **CORE_MODEL)
    with pytest.raises(ValueError, match="messages must not be empty"):
        groq.model().invoke([])
    assert groq.requests == []


def test_per_call_n_other_than_one_is_refused() -> None:
    groq = ScriptedGroq(full_completion(), **CORE_MODEL)
    with pytest.raises(ValueError, match="n must be 1"):
        groq.model().invoke("Hi", n=3)
    assert groq.requests == []


def test_function_message_is_refused_with_a_hint() -> None:
    with pytest.raises(ValueError, match="ToolMessage"):
        ScriptedGroq(full_completion(), **CORE_MODEL).model().invoke(
            [FunctionMessage(name="f", content="x")]
        )


def test_too_many_images_names_the_limit() -> None:
    image = {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}}
    groq = ScriptedGroq(full_completion(), **CORE_MODEL)
    with pytest.raises(ValueError, match="at most 5 images"):
        groq.model(model="meta-llama/llama-4-scout-17b-16e-instruct").invoke(
            [HumanMessage(content=[image] * 6)]
        )
    assert groq.requests == []


def test_unknown_kwargs_go_to_model_kwargs_with_a_warning() -> None:
    groq = ScriptedGroq(full_completion(), **CORE_MODEL)
    with pytest.warns(UserWarning, match="logit_bias"):
        model = groq.model(logit_bias={"1734": -100})
    assert model.model_kwargs == {"logit_bias": {"1734": -100}}
    model.invoke("Hi")
    assert groq.body["logit_bias"] == {"1734": -100}


def test_known_field_inside_model_kwargs_is_an_error() -> None:
    with pytest.raises(ValueError, match="temperature"):
        ScriptedGroq(full_completion(), **CORE_MODEL).model(
            model_kwargs={"temperature": 0.3}
        )
