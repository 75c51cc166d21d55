"""Tests of the app against the local server: the shape, never the wisdom.

A 135M model is no judge of facts, but the server is real: the same HTTP,
streaming, usage and errors as Groq, and `json_schema` output is enforced by
a grammar, so structured results always parse.
"""

import pytest
from app import City, extract_city

from langchain_synaptic_groq import ChatGroqSynaptic, GroqContextOverflowError


def test_extract_city_gives_a_city(chat: ChatGroqSynaptic) -> None:
    city = extract_city(chat, "We spent a week in Lisbon, by the Tagus.")
    assert isinstance(city, City)
    assert city.name


def test_stream_reports_usage_once(chat: ChatGroqSynaptic) -> None:
    chunks = list(chat.stream("Say hello."))
    assert sum(1 for c in chunks if c.usage_metadata) == 1
    assert "".join(c.text for c in chunks)


def test_too_long_a_prompt_is_a_context_overflow(chat: ChatGroqSynaptic) -> None:
    # The local server has a 4,096-token context, like a small Groq limit.
    with pytest.raises(GroqContextOverflowError) as caught:
        chat.invoke("word " * 5000)
    assert caught.value.status_code == 400
    assert not caught.value.is_retryable
