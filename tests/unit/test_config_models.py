"""GroqConfig and GroqModel: the seed's API in Python."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from langchain_synaptic_groq import CustomGroqModel, GroqConfig, GroqModel


def test_seed_members_and_ids() -> None:
    assert GroqModel.LLAMA_3_3_70B_VERSATILE == "llama-3.3-70b-versatile"
    assert GroqModel.LLAMA_3_1_8B_INSTANT.id == "llama-3.1-8b-instant"
    assert GroqModel.LLAMA_3_1_70B_VERSATILE.id == "llama-3.1-70b-versatile"
    assert GroqModel.GEMMA2_9B_IT.id == "gemma2-9b-it"
    assert GroqModel.MIXTRAL_8X7B_32768.id == "mixtral-8x7b-32768"
    assert GroqModel.GPT_OSS_20B.id == "openai/gpt-oss-20b"
    assert GroqModel.GPT_OSS_120B.id == "openai/gpt-oss-120b"
    assert str(GroqModel.GPT_OSS_120B) == "openai/gpt-oss-120b"


def test_capabilities() -> None:
    m = GroqModel.MIXTRAL_8X7B_32768
    assert (m.context_window, m.is_retired) == (32_768, True)
    assert GroqModel.GEMMA2_9B_IT.context_window == 8_192
    oss = GroqModel.GPT_OSS_20B
    assert oss.supports_reasoning
    assert oss.supports_tools
    assert oss.supports_json_mode
    assert not oss.supports_vision
    assert not oss.is_retired
    assert oss.max_completion_tokens == 65_536
    assert GroqModel.LLAMA_4_SCOUT.supports_vision
    assert not GroqModel.LLAMA_3_3_70B_VERSATILE.supports_reasoning


def test_custom_ids() -> None:
    custom = GroqModel.custom("llama-3.1-405b")
    assert isinstance(custom, CustomGroqModel)
    assert isinstance(custom, str)
    assert custom == "llama-3.1-405b"
    assert custom.id == "llama-3.1-405b"
    assert custom.context_window is None
    assert not custom.is_retired
    # a custom id of a known model knows what the member knows
    assert GroqModel.custom("openai/gpt-oss-20b").supports_reasoning
    with pytest.raises(ValueError, match="non-empty"):
        GroqModel.custom("  ")


def test_config_builder_returns_new_configs() -> None:
    base = GroqConfig.new("gsk_k", GroqModel.LLAMA_3_3_70B_VERSATILE)
    hot = base.with_temperature(0.7)
    assert base.temperature is None
    assert hot.temperature == 0.7
    assert hot is not base
    full = hot.with_max_tokens(10).with_top_p(0.5).with_seed(1).with_stop("END")
    assert (full.max_tokens, full.top_p, full.seed, full.stop) == (10, 0.5, 1, ("END",))
    assert full.model == "llama-3.3-70b-versatile"
    assert full.groq_model is GroqModel.LLAMA_3_3_70B_VERSATILE


def test_new_custom() -> None:
    config = GroqConfig.new_custom("gsk_k", "my-finetune")
    assert config.model == "my-finetune"
    assert isinstance(config.groq_model, CustomGroqModel)


def test_config_is_immutable() -> None:
    config = GroqConfig.new("gsk_k", GroqModel.LLAMA_3_1_8B_INSTANT)
    with pytest.raises(ValidationError):
        config.temperature = 1.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda c: c.with_temperature(2.5), "temperature"),
        (lambda c: c.with_top_p(-0.1), "top_p"),
        (lambda c: c.with_max_tokens(0), "max_tokens"),
        (lambda c: c.with_stop(["a", "b", "c", "d", "e"]), "at most 4"),
    ],
)
def test_config_validates_each_change(change, needle: str) -> None:
    config = GroqConfig.new("gsk_k", GroqModel.LLAMA_3_1_8B_INSTANT)
    with pytest.raises(ValidationError, match=needle):
        change(config)


def test_config_hides_the_key() -> None:
    config = GroqConfig.new("gsk_very_secret", "llama-3.1-8b-instant")
    for text in (
        repr(config),
        str(config),
        str(config.model_dump()),
        config.model_dump_json(),
    ):
        assert "gsk_very_secret" not in text
