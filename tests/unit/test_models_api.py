"""`list_models()` / `alist_models()` on `GET /models`, model profiles as
LangChain reads them, and the warning for retired models."""

from __future__ import annotations

import warnings

import pytest

from langchain_synaptic_groq import (
    ChatGroqSynaptic,
    GroqModel,
    GroqModelRecord,
    GroqModelShutDownWarning,
)
from tests.support.scripted import ScriptedGroq

# `GET /models` as Groq answers it (fields as documented; one extra field
# and one model without max_completion_tokens, which the API allows).
MODELS = {
    "object": "list",
    "data": [
        {
            "id": "llama-3.3-70b-versatile",
            "object": "model",
            "created": 1733447754,
            "owned_by": "Meta",
            "active": True,
            "context_window": 131072,
            "public_apps": None,
            "max_completion_tokens": 32768,
        },
        {
            "id": "openai/gpt-oss-20b",
            "object": "model",
            "created": 1754407957,
            "owned_by": "OpenAI",
            "active": True,
            "context_window": 131072,
            "max_completion_tokens": 65536,
        },
        {
            "id": "whisper-large-v3",
            "object": "model",
            "created": 1693721698,
            "owned_by": "OpenAI",
            "active": False,
            "context_window": 448,
        },
    ],
}

EXPECTED = [
    GroqModelRecord(
        id="llama-3.3-70b-versatile",
        owned_by="Meta",
        active=True,
        context_window=131072,
        max_completion_tokens=32768,
        created=1733447754,
    ),
    GroqModelRecord(
        id="openai/gpt-oss-20b",
        owned_by="OpenAI",
        active=True,
        context_window=131072,
        max_completion_tokens=65536,
        created=1754407957,
    ),
    GroqModelRecord(
        id="whisper-large-v3",
        owned_by="OpenAI",
        active=False,
        context_window=448,
        max_completion_tokens=None,
        created=1693721698,
    ),
]


def test_list_models_gets_models_and_returns_typed_records() -> None:
    groq = ScriptedGroq().reply_json(MODELS)

    records = groq.model().list_models()

    assert records == EXPECTED
    (request,) = groq.requests
    assert request.method == "GET"
    assert request.url == "https://api.groq.com/openai/v1/models"
    assert request.headers["authorization"] == "Bearer gsk_test"
    assert request.body is None


async def test_alist_models_is_the_same_in_async() -> None:
    groq = ScriptedGroq().reply_json(MODELS)

    records = await groq.model().alist_models()

    assert records == EXPECTED
    assert [(r.method, r.url) for r in groq.requests] == [
        ("GET", "https://api.groq.com/openai/v1/models")
    ]


def test_list_models_follows_base_url() -> None:
    groq = ScriptedGroq().reply_json({"object": "list", "data": []})

    assert groq.model(base_url="http://localhost:8088/v1").list_models() == []
    assert groq.requests[0].url == "http://localhost:8088/v1/models"


def test_records_are_frozen() -> None:
    record = EXPECTED[0]
    with pytest.raises(ValueError, match="frozen"):
        record.id = "other"  # type: ignore[misc]


def test_profile_of_a_reasoning_model() -> None:
    profile = ChatGroqSynaptic(model=GroqModel.GPT_OSS_120B, api_key="k").profile
    assert profile is not None
    assert profile["max_input_tokens"] == 131_072
    assert profile["max_output_tokens"] == 65_536
    assert profile["reasoning_output"] is True
    assert profile["tool_calling"] is True
    assert profile["structured_output"] is True
    assert profile["image_inputs"] is False


def test_profile_of_a_vision_model() -> None:
    profile = ChatGroqSynaptic(model=GroqModel.QWEN3_8_27B, api_key="k").profile
    assert profile is not None
    assert profile["image_inputs"] is True
    assert profile["image_url_inputs"] is True
    assert profile["reasoning_output"] is True
    assert profile["max_input_tokens"] == 131_042


def test_profile_is_what_langchain_middleware_reads() -> None:
    # Summarization / context-editing middleware reads max_input_tokens from
    # `model.profile`; a custom id has no profile rather than a wrong one.
    known = ChatGroqSynaptic(model="openai/gpt-oss-20b", api_key="k")
    unknown = ChatGroqSynaptic(model="my-org/finetune", api_key="k")
    assert known.profile is not None
    assert known.profile.get("max_input_tokens") == 131_072
    assert unknown.profile is None


def test_a_profile_given_by_the_user_wins() -> None:
    model = ChatGroqSynaptic(
        model="my-org/finetune", api_key="k", profile={"max_input_tokens": 8192}
    )
    assert model.profile == {"max_input_tokens": 8192}


def test_retired_model_warns_and_is_marked_in_its_profile() -> None:
    with pytest.warns(GroqModelShutDownWarning, match="mixtral-8x7b-32768"):
        model = ChatGroqSynaptic(model=GroqModel.MIXTRAL_8X7B_32768, api_key="k")
    assert model.profile is not None
    assert model.profile["status"] == "deprecated"


def test_current_model_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = ChatGroqSynaptic(model=GroqModel.GPT_OSS_120B, api_key="k")
    assert model.profile is not None
    assert "status" not in model.profile
