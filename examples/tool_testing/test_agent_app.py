"""Tests of the agent against a real model that calls tools.

With greedy decoding the model's choices repeat, so the tests can check
which tools the agent called, with which arguments, in which order, and
that the answer uses what the tools returned.
"""

from agent_app import weather_at_home
from langchain_core.messages import AIMessage, ToolMessage

from langchain_synaptic_groq import ChatGroqSynaptic


def test_agent_looks_up_the_city_then_its_weather(chat: ChatGroqSynaptic) -> None:
    messages = weather_at_home(chat, "Ada")
    calls = [
        (call["name"], call["args"])
        for m in messages
        if isinstance(m, AIMessage)
        for call in m.tool_calls
    ]
    assert calls == [
        ("get_home_city", {"person": "Ada"}),
        ("get_weather", {"city": "Lisbon"}),
    ]
    results = [m.text for m in messages if isinstance(m, ToolMessage)]
    assert results == ["Lisbon", "sunny, 21 °C"]
    answer = messages[-1]
    assert isinstance(answer, AIMessage)
    assert not answer.tool_calls
    assert "21" in answer.text


def test_the_second_call_uses_the_first_result(chat: ChatGroqSynaptic) -> None:
    messages = weather_at_home(chat, "Alan")
    weather_calls = [
        call
        for m in messages
        if isinstance(m, AIMessage)
        for call in m.tool_calls
        if call["name"] == "get_weather"
    ]
    assert [call["args"] for call in weather_calls] == [{"city": "Oslo"}]
    assert "-3" in messages[-1].text
