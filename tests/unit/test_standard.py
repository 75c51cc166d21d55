"""langchain-tests' standard unit suite for ChatGroqSynaptic."""

from __future__ import annotations

from typing import Any

from langchain_tests.unit_tests import ChatModelUnitTests

from langchain_synaptic_groq import ChatGroqSynaptic


class TestChatGroqSynapticStandard(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[ChatGroqSynaptic]:
        return ChatGroqSynaptic

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "llama-3.3-70b-versatile"}

    @property
    def has_tool_calling(self) -> bool:
        return True

    @property
    def has_tool_choice(self) -> bool:
        return True

    @property
    def has_structured_output(self) -> bool:
        return True

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def supports_image_inputs(self) -> bool:
        # Only the vision models (llama-4 scout/maverick) take images; the
        # model under test here does not.
        return False

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def init_from_env_params(
        self,
    ) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return (
            {
                "GROQ_API_KEY": "gsk_from_env",
                "GROQ_API_BASE": "https://groq.example/openai/v1",
            },
            {"model": "llama-3.1-8b-instant"},
            {
                "api_key": "gsk_from_env",
                "base_url": "https://groq.example/openai/v1",
                "model": "llama-3.1-8b-instant",
            },
        )
