"""`with_structured_output`: each method and schema kind, on the wire and parsed."""

from __future__ import annotations

import json
import warnings
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.exceptions import OutputParserException
from langchain_core.messages import AIMessage, BaseMessage
from pydantic import BaseModel, Field, ValidationError
from typing_extensions import TypedDict

from langchain_synaptic_groq import GroqToolUseError
from tests.support.scripted import ScriptedGroq
from tests.support.wire import completion, stream_events, wire_tool_call


class Movie(BaseModel):
    """A film and the year it came out."""

    title: str = Field(description="The film's title.")
    year: int


class MovieTD(TypedDict):
    """A film and the year it came out."""

    title: str
    year: int


MOVIE_SCHEMA: dict[str, Any] = {
    "title": "Movie",
    "description": "A film and the year it came out.",
    "type": "object",
    "properties": {
        "title": {"type": "string", "description": "The film's title."},
        "year": {"type": "integer"},
    },
    "required": ["title", "year"],
}

SCHEMAS: dict[str, Any] = {
    "pydantic": Movie,
    "typeddict": MovieTD,
    "json": MOVIE_SCHEMA,
}
ARGS = '{"title": "Alien", "year": 1979}'
AS_DICT = {"title": "Alien", "year": 1979}

# The JSON schema each schema kind is sent as (pydantic keeps the field's
# description; the TypedDict has none).
SENT_PARAMETERS: dict[str, dict[str, Any]] = {
    "pydantic": {
        "type": "object",
        "properties": {
            "title": {"description": "The film's title.", "type": "string"},
            "year": {"type": "integer"},
        },
        "required": ["title", "year"],
    },
    "typeddict": {
        "type": "object",
        "properties": {"title": {"type": "string"}, "year": {"type": "integer"}},
        "required": ["title", "year"],
    },
    "json": {
        "type": "object",
        "properties": {
            "title": {"type": "string", "description": "The film's title."},
            "year": {"type": "integer"},
        },
        "required": ["title", "year"],
    },
}
TOOL_NAMES = {"pydantic": "Movie", "typeddict": "MovieTD", "json": "Movie"}


def _expected(kind: str) -> Any:
    return Movie(title="Alien", year=1979) if kind == "pydantic" else AS_DICT


def _answer(scripted: ScriptedGroq, method: str, kind: str, text: str = ARGS) -> None:
    if method == "function_calling":
        call = wire_tool_call("call_1", TOOL_NAMES[kind], text)
        scripted.reply_json(completion(None, tool_calls=[call]))
    else:
        scripted.reply_json(completion(text))


def _without(schema: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k not in keys}


# -- function_calling -------------------------------------------------------------


@pytest.mark.parametrize("kind", list(SCHEMAS))
def test_function_calling_forces_the_schema_tool(kind: str) -> None:
    scripted = ScriptedGroq()
    _answer(scripted, "function_calling", kind)
    model = scripted.model()

    result = model.with_structured_output(
        SCHEMAS[kind], method="function_calling"
    ).invoke("Alien?")

    assert result == _expected(kind)
    body = scripted.last_body
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": TOOL_NAMES[kind],
                "description": "A film and the year it came out.",
                "parameters": SENT_PARAMETERS[kind],
            },
        }
    ]
    assert body["tool_choice"] == {
        "type": "function",
        "function": {"name": TOOL_NAMES[kind]},
    }
    assert "response_format" not in body
    assert "ls_structured_output_format" not in body


def test_function_calling_strict_reaches_the_tool() -> None:
    scripted = ScriptedGroq()
    _answer(scripted, "function_calling", "pydantic")
    scripted.model().with_structured_output(
        Movie, method="function_calling", strict=True
    ).invoke("Alien?")

    function = scripted.last_body["tools"][0]["function"]
    assert function["strict"] is True
    assert function["parameters"]["additionalProperties"] is False


# -- json_schema ---------------------------------------------------------------


@pytest.mark.parametrize("kind", list(SCHEMAS))
def test_json_schema_sends_the_schema_as_response_format(kind: str) -> None:
    scripted = ScriptedGroq()
    _answer(scripted, "json_schema", kind)
    model = scripted.model(model="my-org/finetune")  # unknown: no strict added

    result = model.with_structured_output(SCHEMAS[kind], method="json_schema").invoke(
        "Alien?"
    )

    assert result == _expected(kind)
    body = scripted.last_body
    assert "tools" not in body
    sent = body["response_format"]
    assert sent["type"] == "json_schema"
    assert _without(sent["json_schema"], "schema") == {
        "name": TOOL_NAMES[kind],
        "description": "A film and the year it came out.",
    }
    schema = sent["json_schema"]["schema"]
    assert _without(schema, "title", "description") == SENT_PARAMETERS[kind]


@pytest.mark.parametrize("model_id", ["openai/gpt-oss-20b", "openai/gpt-oss-120b"])
def test_json_schema_is_strict_by_default_on_gpt_oss(model_id: str) -> None:
    class Review(BaseModel):
        """A short film review."""

        film: Movie
        stars: int
        quote: str | None = None

    scripted = ScriptedGroq()
    scripted.reply_json(
        completion(
            '{"film": {"title": "Alien", "year": 1979}, "stars": 5, "quote": null}'
        )
    )
    model = scripted.model(model=model_id)

    result = model.with_structured_output(Review, method="json_schema").invoke("Rate")

    assert result == Review(film=Movie(title="Alien", year=1979), stars=5)
    json_schema = scripted.last_body["response_format"]["json_schema"]
    assert json_schema["strict"] is True
    assert json_schema["name"] == "Review"
    # Groq's strict mode: closed objects, every property required, nested too.
    schema = json_schema["schema"]
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["film", "stars", "quote"]
    assert schema["properties"]["quote"] == {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "default": None,
    }
    nested = schema["properties"]["film"]
    assert nested["additionalProperties"] is False
    assert nested["required"] == ["title", "year"]


def test_json_schema_strict_false_on_gpt_oss_is_sent_as_false() -> None:
    scripted = ScriptedGroq()
    _answer(scripted, "json_schema", "json")
    model = scripted.model(model="openai/gpt-oss-20b")

    model.with_structured_output(
        MOVIE_SCHEMA, method="json_schema", strict=False
    ).invoke("Alien?")

    json_schema = scripted.last_body["response_format"]["json_schema"]
    assert json_schema["strict"] is False
    assert json_schema["schema"] == MOVIE_SCHEMA


def test_json_schema_strict_is_left_out_where_groq_cannot_do_it() -> None:
    scripted = ScriptedGroq()
    _answer(scripted, "json_schema", "pydantic")
    model = scripted.model(model="llama-3.3-70b-versatile")

    with pytest.warns(UserWarning, match="does not support strict"):
        runnable = model.with_structured_output(
            Movie, method="json_schema", strict=True
        )
    runnable.invoke("Alien?")

    assert "strict" not in scripted.last_body["response_format"]["json_schema"]


def test_json_schema_default_strict_is_left_out_silently_on_other_models() -> None:
    scripted = ScriptedGroq()
    _answer(scripted, "json_schema", "pydantic")
    model = scripted.model(model="llama-3.1-8b-instant")

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.with_structured_output(Movie, method="json_schema").invoke("Alien?")

    assert "strict" not in scripted.last_body["response_format"]["json_schema"]


def test_json_schema_strict_is_trusted_on_unknown_model_ids() -> None:
    scripted = ScriptedGroq()
    _answer(scripted, "json_schema", "pydantic")
    model = scripted.model(model="acme/brand-new-model")

    model.with_structured_output(Movie, method="json_schema", strict=True).invoke("x")

    json_schema = scripted.last_body["response_format"]["json_schema"]
    assert json_schema["strict"] is True
    assert json_schema["schema"]["additionalProperties"] is False


def test_json_schema_name_is_made_acceptable_to_groq() -> None:
    scripted = ScriptedGroq()
    _answer(scripted, "json_schema", "json")
    schema = {**MOVIE_SCHEMA, "title": "Movie review (short)"}

    scripted.model().with_structured_output(schema, method="json_schema").invoke("x")

    assert (
        scripted.last_body["response_format"]["json_schema"]["name"]
        == "Movie_review__short_"
    )


# -- json_mode -----------------------------------------------------------------


@pytest.mark.parametrize("kind", list(SCHEMAS))
def test_json_mode_sends_json_object(kind: str) -> None:
    scripted = ScriptedGroq()
    _answer(scripted, "json_mode", kind)

    result = (
        scripted.model()
        .with_structured_output(SCHEMAS[kind], method="json_mode")
        .invoke("Answer in JSON: Alien?")
    )

    assert result == _expected(kind)
    body = scripted.last_body
    assert body["response_format"] == {"type": "json_object"}
    assert "tools" not in body
    assert "tool_choice" not in body


def test_json_mode_without_schema_returns_a_dict() -> None:
    scripted = ScriptedGroq()
    _answer(scripted, "json_mode", "json", text='```json\n{"a": 1, "b": [2]}\n```')

    result = scripted.model().with_structured_output(method="json_mode").invoke("JSON")

    assert result == {"a": 1, "b": [2]}
    assert scripted.last_body["response_format"] == {"type": "json_object"}


# -- include_raw -----------------------------------------------------------------

METHODS = ["function_calling", "json_schema", "json_mode"]


@pytest.mark.parametrize("kind", list(SCHEMAS))
@pytest.mark.parametrize("method", METHODS)
def test_include_raw_returns_raw_parsed_and_no_error(method: str, kind: str) -> None:
    scripted = ScriptedGroq()
    _answer(scripted, method, kind)

    result = (
        scripted.model()
        .with_structured_output(SCHEMAS[kind], method=method, include_raw=True)  # type: ignore[arg-type]
        .invoke("Alien?")
    )

    assert isinstance(result, dict)
    assert set(result) == {"raw", "parsed", "parsing_error"}
    assert isinstance(result["raw"], AIMessage)
    assert result["parsed"] == _expected(kind)
    assert result["parsing_error"] is None
    if method == "function_calling":
        assert result["raw"].tool_calls[0]["args"] == AS_DICT
    else:
        assert result["raw"].content == ARGS


BAD_OUTPUTS = {
    "not-json": "Alien, 1979",
    "wrong-type": '{"title": "Alien", "year": "the seventies"}',
}


@pytest.mark.parametrize("bad", list(BAD_OUTPUTS))
@pytest.mark.parametrize("method", METHODS)
def test_include_raw_never_raises_on_a_parse_failure(method: str, bad: str) -> None:
    scripted = ScriptedGroq()
    _answer(scripted, method, "pydantic", text=BAD_OUTPUTS[bad])

    result = (
        scripted.model()
        .with_structured_output(Movie, method=method, include_raw=True)  # type: ignore[arg-type]
        .invoke("Alien?")
    )

    assert isinstance(result, dict)
    assert result["parsed"] is None
    assert isinstance(result["parsing_error"], OutputParserException | ValidationError)
    assert isinstance(result["raw"], AIMessage)
    if method == "function_calling" and bad == "not-json":
        assert result["raw"].invalid_tool_calls[0]["args"] == "Alien, 1979"


@pytest.mark.parametrize("method", METHODS)
def test_without_include_raw_a_parse_failure_raises(method: str) -> None:
    scripted = ScriptedGroq()
    _answer(scripted, method, "json", text="Alien, 1979")
    runnable = scripted.model().with_structured_output(MOVIE_SCHEMA, method=method)  # type: ignore[arg-type]

    with pytest.raises(OutputParserException):
        runnable.invoke("Alien?")


# -- async and streaming -----------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
async def test_ainvoke_structured_output(method: str) -> None:
    scripted = ScriptedGroq()
    _answer(scripted, method, "pydantic")

    result = (
        await scripted.model()
        .with_structured_output(Movie, method=method, include_raw=True)  # type: ignore[arg-type]
        .ainvoke("Alien?")
    )

    assert isinstance(result, dict)
    assert result["parsed"] == Movie(title="Alien", year=1979)


def test_function_calling_streams_growing_dicts() -> None:
    scripted = ScriptedGroq().reply_sse(
        stream_events(
            {"tool_calls": [wire_tool_call("call_1", "Movie", "", index=0)]},
            {"tool_calls": [wire_tool_call(None, None, '{"title": "Ali', index=0)]},
            {"tool_calls": [wire_tool_call(None, None, 'en", "year": 19', index=0)]},
            {"tool_calls": [wire_tool_call(None, None, "79}", index=0)]},
            finish_reason="tool_calls",
        )
    )

    runnable = scripted.model().with_structured_output(
        MOVIE_SCHEMA, method="function_calling"
    )
    parts = list(runnable.stream("x"))

    assert parts[-1] == AS_DICT
    assert {"title": "Ali"} in parts  # partial results arrive as they stream
    assert scripted.last_body["stream"] is True


async def test_json_mode_astreams_growing_dicts() -> None:
    scripted = ScriptedGroq().reply_sse(
        stream_events(
            {"content": '{"title": '},
            {"content": '"Alien", '},
            {"content": '"year": 1979}'},
        )
    )
    runnable = scripted.model().with_structured_output(method="json_mode")

    parts = [p async for p in runnable.astream("JSON please")]

    assert parts[-1] == AS_DICT
    assert {"title": "Alien"} in parts


# -- tracing metadata and errors -----------------------------------------------------


class _TraceStart(BaseCallbackHandler):
    """Records what core hands to tracers when a chat model run starts."""

    def __init__(self) -> None:
        self.options: list[dict[str, Any]] = []

    def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.options.append(dict(kwargs.get("options") or {}))


@pytest.mark.parametrize("method", METHODS)
def test_ls_structured_output_format_reaches_tracing(method: str) -> None:
    scripted = ScriptedGroq()
    _answer(scripted, method, "pydantic")
    handler = _TraceStart()

    scripted.model().with_structured_output(Movie, method=method).invoke(  # type: ignore[arg-type]
        "Alien?", config={"callbacks": [handler]}
    )

    (options,) = handler.options
    fmt = options["ls_structured_output_format"]
    assert fmt["kwargs"]["method"] == method
    assert fmt["schema"]["title"] == "Movie"
    assert set(fmt["schema"]["properties"]) == {"title", "year"}
    assert "ls_structured_output_format" not in scripted.last_body


def test_json_validate_failed_carries_failed_generation() -> None:
    failed = '{"title": "Alien", "year": }'
    scripted = ScriptedGroq().reply_error(
        400,
        {
            "message": "Generated JSON does not match the expected schema.",
            "type": "invalid_request_error",
            "code": "json_validate_failed",
            "failed_generation": failed,
        },
    )
    runnable = scripted.model(model="openai/gpt-oss-20b").with_structured_output(
        Movie, method="json_schema", include_raw=True
    )

    # An API refusal is not a parse failure: it raises even with include_raw.
    with pytest.raises(GroqToolUseError) as info:
        runnable.invoke("Alien?")

    assert info.value.failed_generation == failed
    assert info.value.code == "json_validate_failed"


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((None,), {}, "schema is required"),
        ((None,), {"method": "json_schema"}, "schema is required"),
        ((Movie,), {"method": "xml"}, "method must be"),
        ((Movie,), {"tool_choice": "auto"}, "unexpected arguments"),
    ],
)
def test_bad_arguments_are_refused(
    args: tuple[Any, ...], kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        ScriptedGroq().model().with_structured_output(*args, **kwargs)


def test_structured_output_answer_in_history_is_json_text() -> None:
    scripted = ScriptedGroq()
    _answer(scripted, "json_schema", "pydantic")
    model = scripted.model()
    raw = model.with_structured_output(Movie, method="json_schema", include_raw=True)
    out = raw.invoke("Alien?")
    assert isinstance(out, dict)

    scripted.reply_json(completion("ok"))
    model.invoke(["Alien?", out["raw"], "And the sequel?"])

    assert json.loads(scripted.last_body["messages"][1]["content"]) == AS_DICT
