"""Token counting without `transformers`: the estimator, the chat-template
overhead per model family, and the measurement script's arithmetic."""

from __future__ import annotations

import sys
import warnings

import pytest
from langchain_core.messages import (
    AIMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.tools import tool

from langchain_synaptic_groq import ChatGroqSynaptic
from langchain_synaptic_groq._tokens import (
    IMAGE_TOKENS,
    estimate_message_tokens,
    estimate_text_tokens,
    template_for,
)
from scripts.measure_token_estimate import Row, _cases, report


def _model(
    model: str = "llama-3.3-70b-versatile", **kwargs: object
) -> ChatGroqSynaptic:
    return ChatGroqSynaptic(model=model, api_key="gsk_test", **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def no_transformers(monkeypatch: pytest.MonkeyPatch) -> None:
    # An import of transformers fails, as on a machine without it.
    monkeypatch.setitem(sys.modules, "transformers", None)


@pytest.mark.usefixtures("no_transformers")
def test_counting_needs_no_transformers_and_warns_nothing() -> None:
    model = _model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # core's GPT-2 fallback would warn
        assert model.get_num_tokens("Hello, world!") == 4
        assert model.get_num_tokens_from_messages([HumanMessage("Hi")]) > 0


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        # Counts of Llama 3's / cl100k's tokenizer for these texts.
        ("", 0),
        ("Hello, world!", 4),
        ("The quick brown fox jumps over the lazy dog.", 10),
        ("1234567", 3),  # digits go in groups of three
        ("I'm sure you'll see", 6),
    ],
)
def test_text_estimate_on_well_known_texts(text: str, tokens: int) -> None:
    assert estimate_text_tokens(text) == tokens


def test_text_estimate_grows_with_the_text() -> None:
    sentence = "The printing press changed the world."
    one = estimate_text_tokens(sentence)
    assert one == 7
    assert estimate_text_tokens(" ".join([sentence] * 10)) == 10 * one


def test_text_estimate_covers_code_and_other_scripts() -> None:
    code = "def getUserName(self) -> str:\n    return self._name\n"
    # camelCase splits into words; CJK runs about a token per character.
    assert estimate_text_tokens("getUserName") == 3
    assert estimate_text_tokens(code) >= 12
    assert estimate_text_tokens("为什么天空是蓝色的") == 9
    assert estimate_text_tokens("Привет, как дела?") >= 6


def test_hi_on_llama_3_3_is_close_to_what_groq_bills() -> None:
    # Groq bills 36 prompt tokens for a lone "Hi" on llama-3.3-70b-versatile:
    # <|begin_of_text|>, the system turn with its knowledge-date preamble,
    # the user turn, and the assistant header.
    assert abs(_model().get_num_tokens_from_messages([HumanMessage("Hi")]) - 36) <= 2


@pytest.mark.parametrize(
    ("model_id", "family"),
    [
        ("llama-3.3-70b-versatile", "llama3"),
        ("llama-3.1-8b-instant", "llama3"),
        ("meta-llama/llama-4-scout-17b-16e-instruct", "llama4"),
        ("openai/gpt-oss-120b", "harmony"),
        ("qwen/qwen3-32b", "chatml"),
        ("moonshotai/kimi-k2-instruct-0905", "kimi"),
        ("smollm2-135m-instruct", "smollm"),
        ("groq/compound", "generic"),
        ("my-org/finetune", "generic"),
    ],
)
def test_template_family_by_model_id(model_id: str, family: str) -> None:
    assert template_for(model_id) == family


def test_each_message_costs_its_template_overhead() -> None:
    model = _model()
    one = model.get_num_tokens_from_messages([HumanMessage("Hi")])
    two = model.get_num_tokens_from_messages(
        [HumanMessage("Hi"), AIMessage("Hi"), HumanMessage("Hi")]
    )
    # Each extra turn: its text (1) plus header and end-of-turn (5).
    assert two - one == 2 * (1 + 5)


def test_a_system_message_replaces_the_default_system_turn() -> None:
    model = _model()
    without = model.get_num_tokens_from_messages([HumanMessage("Hi")])
    with_system = model.get_num_tokens_from_messages(
        [SystemMessage("Be brief."), HumanMessage("Hi")]
    )
    assert with_system - without == estimate_text_tokens("Be brief.")


def test_tools_add_their_schema() -> None:
    @tool
    def get_weather(city: str, unit: str = "celsius") -> str:
        """Get the current weather for a city."""
        return "sunny"

    @tool
    def get_time(timezone: str) -> str:
        """Get the current time in a timezone."""
        return "noon"

    model = _model()
    messages = [HumanMessage("Weather in Lima?")]
    bare = model.get_num_tokens_from_messages(messages)
    one = model.get_num_tokens_from_messages(messages, tools=[get_weather])
    two = model.get_num_tokens_from_messages(messages, tools=[get_weather, get_time])
    assert bare < one < two
    # Each tool costs at least its JSON schema.
    assert two - one >= estimate_text_tokens(
        '"get_time" "timezone" "Get the current time"'
    )


def test_tool_calls_and_reasoning_in_history_count() -> None:
    model = _model("openai/gpt-oss-20b")
    plain = [
        HumanMessage("Weather?"),
        AIMessage(""),
        ToolMessage("18 C", tool_call_id="c1"),
    ]
    rich = [
        HumanMessage("Weather?"),
        AIMessage(
            "",
            additional_kwargs={"reasoning_content": "I should call the weather tool."},
            tool_calls=[{"name": "get_weather", "args": {"city": "Lima"}, "id": "c1"}],
        ),
        ToolMessage("18 C", tool_call_id="c1"),
    ]
    extra = model.get_num_tokens_from_messages(
        rich
    ) - model.get_num_tokens_from_messages(plain)
    assert extra >= estimate_text_tokens(
        "I should call the weather tool."
    ) + estimate_text_tokens('{"name": "get_weather", "arguments": {"city": "Lima"}}')


def test_images_count_a_flat_figure_each() -> None:
    model = _model("meta-llama/llama-4-scout-17b-16e-instruct")
    text = [HumanMessage(content=[{"type": "text", "text": "What is this?"}])]
    image = {"type": "image", "url": "https://x.example/a.png"}
    two_images = [
        HumanMessage(content=[{"type": "text", "text": "What is this?"}, image, image])
    ]
    assert (
        model.get_num_tokens_from_messages(two_images)
        - model.get_num_tokens_from_messages(text)
        == 2 * IMAGE_TOKENS
    )


def test_v1_content_blocks_and_tuples_are_accepted() -> None:
    model = _model()
    v1 = AIMessage(
        content=[
            {"type": "reasoning", "reasoning": "Short."},
            {"type": "text", "text": "Paris."},
        ],
        response_metadata={"output_version": "v1", "model_provider": "groq"},
    )
    count = model.get_num_tokens_from_messages(
        [("human", "Capital of France?"), v1]  # type: ignore[list-item]
    )
    assert count == model.get_num_tokens_from_messages(
        [
            HumanMessage("Capital of France?"),
            AIMessage("Paris.", additional_kwargs={"reasoning_content": "Short."}),
        ]
    )


def test_custom_token_counter_is_used_for_text() -> None:
    def chars(text: str) -> list[int]:
        return list(range(len(text)))

    model = _model(custom_get_token_ids=chars)
    assert model.get_num_tokens("abcdef") == 6
    base = estimate_message_tokens([HumanMessage("")], model=model.model)
    assert model.get_num_tokens_from_messages([HumanMessage("abcdef")]) == base + 6


def test_template_preamble_depends_on_the_model() -> None:
    messages = [HumanMessage("Hi")]
    harmony = estimate_message_tokens(messages, model="openai/gpt-oss-20b")
    llama4 = estimate_message_tokens(messages, model="meta-llama/llama-4-scout")
    # gpt-oss always carries a long system turn; Llama 4 has none.
    assert harmony > llama4 + 30


def test_measurement_report_arithmetic() -> None:
    rows = [
        Row("a", "english", actual=100, estimate=90, text_actual=80, text_estimate=80),
        Row("b", "code", actual=50, estimate=60, text_actual=40, text_estimate=30),
    ]
    text = report(rows)
    # |-10 %| and |+20 %|: mean 15 %, largest 20 %, bias +5 %.
    assert "whole request, all           n= 2  MAPE  15.0 %" in text
    assert "max  20.0 %  bias  +5.0 %" in text
    assert "text only (/tokenize), all   n= 2  MAPE  12.5 %" in text


def test_measurement_uses_at_least_30_varied_conversations() -> None:
    cases = _cases()
    assert len(cases) >= 30
    assert {c.kind for c in cases} == {"english", "code", "multilingual", "multi-turn"}
