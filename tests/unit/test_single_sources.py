"""Each decision has one source (issue 17): the retry policy reads
retryability from the errors, each validation runs in one function, and the
package's shortcuts past other libraries' public API check themselves and fall
back to the public way."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import AIMessageChunk, HumanMessage
from langchain_core.outputs import ChatGenerationChunk

from langchain_synaptic_groq import (
    ChatGroqSynaptic,
    GroqConfig,
    GroqModelShutDownWarning,
    RetryChatModel,
    _response,
    chat_models,
    models,
)
from langchain_synaptic_groq._request import build_body
from langchain_synaptic_groq.errors import GroqAPIError, error_from_response
from langchain_synaptic_groq.retry import RetryConfig, is_retryable
from langchain_synaptic_groq.tools import strict_for
from tests.support.scripted import CORE_MODEL, ScriptedGroq
from tests.support.wire import delta_event, sse

# -- retryability ---------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [400, 401, 403, 404, 408, 409, 413, 418, 422, 429, 498, 500, 503]
)
def test_the_policy_reads_retryability_from_the_error(status: int) -> None:
    err = error_from_response(status, {}, b'{"error": {"message": "x"}}')
    expected = status >= 500 or status in (408, 409, 429, 498)
    assert err.is_retryable is expected
    assert is_retryable(err, RetryConfig()) is expected


def test_an_unreadable_200_is_not_retryable_by_the_error_or_the_policy() -> None:
    err = GroqAPIError(
        "Groq answered 200 with a body that is not JSON", status_code=200
    )
    assert err.is_retryable is False
    assert is_retryable(err, RetryConfig()) is False


def test_x_should_retry_still_wins_over_the_status() -> None:
    err = error_from_response(400, {"x-should-retry": "true"}, b"{}")
    assert err.is_retryable is True
    assert is_retryable(err, RetryConfig()) is True


# -- one validation each ----------------------------------------------------------


def _message(call: Callable[[], object]) -> str:
    with pytest.raises(ValueError) as raised:
        call()
    errors = getattr(raised.value, "errors", None)
    return str(errors()[0]["msg"]) if callable(errors) else str(raised.value)


@pytest.mark.parametrize("bad", ["", "  ", 7])
def test_a_bad_model_id_is_refused_alike_by_the_model_and_the_config(
    bad: object,
) -> None:
    by_model = _message(lambda: ChatGroqSynaptic(model=bad, api_key="k"))
    by_config = _message(lambda: GroqConfig.new("k", bad))  # type: ignore[arg-type]
    assert by_model == by_config
    assert "non-empty model id" in by_model


def test_too_many_stop_sequences_are_refused_alike() -> None:
    five = ["a", "b", "c", "d", "e"]
    by_model = _message(lambda: ChatGroqSynaptic(stop=five, api_key="k"))
    by_config = _message(lambda: GroqConfig.new("k", "m").with_stop(five))
    assert by_model == by_config
    assert "at most 4 sequences, got 5" in by_model
    assert ChatGroqSynaptic(stop="END", api_key="k").stop == ["END"]
    assert GroqConfig.new("k", "m").with_stop("END").stop == ("END",)


def test_n_is_refused_alike_as_a_setting_and_per_call() -> None:
    by_setting = _message(lambda: ChatGroqSynaptic(n=2, api_key="k"))
    model = ChatGroqSynaptic(api_key="k")
    per_call = _message(
        lambda: model._build_body([HumanMessage("Hi")], None, False, {"n": 2})
    )
    assert per_call == "n must be 1: Groq returns a single choice (got n=2)"
    assert by_setting == f"Value error, {per_call}"


# -- the body builder is a pure function of the settings ---------------------------


@dataclass
class _Settings:
    model: str = "openai/gpt-oss-20b"
    max_tokens: int | None = 64
    stop: list[str] | None = field(default_factory=lambda: ["END"])
    stream_usage: bool = True
    model_kwargs: dict[str, object] = field(default_factory=dict)
    temperature: float | None = 0.0
    top_p: float | None = None
    seed: int | None = 7
    reasoning_format: str | None = None
    reasoning_effort: str | None = "low"
    include_reasoning: bool | None = None
    service_tier: str | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    user: str | None = None
    disable_tool_validation: bool | None = None


def test_build_body_needs_only_the_settings_and_equals_the_models_body() -> None:
    settings = _Settings()
    model = ChatGroqSynaptic(
        model=settings.model,
        max_tokens=64,
        stop=["END"],
        temperature=0.0,
        seed=7,
        reasoning_effort="low",
        api_key="k",
    )
    messages = [HumanMessage("Hi")]
    call = {"max_tokens": 9, "parallel_tool_calls": True, "stream_usage": True}
    body = build_body(settings, messages, None, True, call)
    assert body == model._build_body(messages, None, True, call)
    assert body == {
        "model": "openai/gpt-oss-20b",
        "temperature": 0.0,
        "seed": 7,
        "reasoning_effort": "low",
        "max_completion_tokens": 9,
        "stop": ["END"],
        "messages": [{"role": "user", "content": "Hi"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }  # parallel_tool_calls=True is left out for gpt-oss


# -- built-in tool and strictness checks live with the tools -----------------------


def test_the_builtin_tool_warning_points_at_the_callers_line() -> None:
    model = ChatGroqSynaptic(model="minimaxai/minimax-m2.7", api_key="k")
    with pytest.warns(UserWarning, match="does not offer Groq's built-in") as seen:
        model.bind_tools([{"type": "code_interpreter"}])
    assert [w.filename for w in seen] == [__file__]


def test_the_strictness_warning_points_at_the_callers_line() -> None:
    model = ChatGroqSynaptic(model="minimaxai/minimax-m2.7", api_key="k")
    schema = {
        "title": "City",
        "type": "object",
        "properties": {"name": {"type": "string"}},
    }
    with pytest.warns(UserWarning, match="does not support strict") as seen:
        model.with_structured_output(schema, method="json_schema", strict=True)
    assert [w.filename for w in seen] == [__file__]
    with pytest.warns(UserWarning, match="does not support strict"):
        assert strict_for("minimaxai/minimax-m2.7", True) is None
    assert strict_for("openai/gpt-oss-20b", None) is True
    assert strict_for("my-own-model", False) is False


# -- shortcuts past public API check themselves and fall back ----------------------


def test_the_fast_text_chunk_is_used_only_while_it_builds_the_same() -> None:
    # On the pinned pydantic and langchain-core the check passes: the fast
    # builder is live.
    assert _response.builds_the_same(_response.fast_text_chunk)
    assert _response.text_chunk is _response.fast_text_chunk
    # A check that fails picks the public constructors.
    picked = _response._pick_text_chunk(lambda build: False)
    assert picked is _response.validated_text_chunk


def test_the_check_tells_a_drifted_builder_apart() -> None:
    def extra_field_set(content: str, message_id: str | None) -> ChatGenerationChunk:
        # What a changed model would look like: one more field marked as set.
        return ChatGenerationChunk(
            message=AIMessageChunk(content=content, id=message_id, name=None)
        )

    def broken(content: str, message_id: str | None) -> ChatGenerationChunk:
        raise AttributeError("pydantic's model slots moved")

    assert not _response.builds_the_same(extra_field_set)
    assert not _response.builds_the_same(broken)
    assert _response.builds_the_same(_response.validated_text_chunk)


@pytest.mark.parametrize("method", ["stream", "astream"])
async def test_the_validated_text_chunk_streams_what_the_fast_one_does(
    method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = sse([delta_event("Hel"), delta_event("lo"), delta_event(" there")])

    async def run() -> list[tuple[object, ...]]:
        model = ScriptedGroq(events, **CORE_MODEL).model(max_retries=0)
        if method == "stream":
            chunks = list(model.stream("Hi"))
        else:
            chunks = [c async for c in model.astream("Hi")]
        return [
            (type(c), c.content, c.id, c.response_metadata, c.usage_metadata)
            for c in chunks
        ]

    fast = await run()
    monkeypatch.setattr(
        _response, "text_chunk", _response._pick_text_chunk(lambda build: False)
    )
    assert _response.text_chunk is _response.validated_text_chunk
    assert await run() == fast
    assert "".join(str(c[1]) for c in fast) == "Hello there"


def test_signatures_are_stored_only_where_inspect_uses_them() -> None:
    methods = (ChatGroqSynaptic._generate, ChatGroqSynaptic._agenerate)
    assert all("__signature__" in vars(m) for m in methods)
    expected = [inspect.signature(m) for m in methods]
    try:
        # A check that fails (inspect or core changed): nothing is stored.
        assert not chat_models._store_signatures(methods, lambda m, s: False)
        assert not any("__signature__" in vars(m) for m in methods)
        assert [inspect.signature(m) for m in methods] == expected
        assert (
            "run_manager"
            in inspect.signature(ChatGroqSynaptic(api_key="k")._generate).parameters
        )
    finally:
        assert chat_models._store_signatures(methods, chat_models._signature_is_used)
    assert all("__signature__" in vars(m) for m in methods)


def test_invoke_is_the_same_without_stored_signatures() -> None:
    # Core passes run_manager (so callbacks see the tokens) either way.
    methods = (ChatGroqSynaptic._generate, ChatGroqSynaptic._agenerate)

    def run() -> tuple[str, list[str]]:
        tokens: list[str] = []

        class Tokens(BaseCallbackHandler):
            def on_llm_new_token(self, token: str, **kwargs: object) -> None:
                tokens.append(token)

        events = sse([delta_event("Hi"), delta_event("!")])
        model = ScriptedGroq(events, **CORE_MODEL).model(max_retries=0, streaming=True)
        answer = model.invoke("Hi", config={"callbacks": [Tokens()]})
        return str(answer.content), tokens

    stored = run()
    try:
        chat_models._store_signatures(methods, lambda m, s: False)
        assert run() == stored
    finally:
        chat_models._store_signatures(methods, chat_models._signature_is_used)
    assert stored[0] == "Hi!"
    assert [t for t in stored[1] if t] == ["Hi", "!"]


def test_the_retired_model_warning_points_at_the_users_line() -> None:
    with pytest.warns(GroqModelShutDownWarning) as seen:
        ChatGroqSynaptic(model="llama-3.1-8b-instant", api_key="k")
    assert [w.filename for w in seen] == [__file__]


def test_without_frames_the_retired_model_warning_still_comes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Python implementations without frame support: inspect.currentframe()
    # gives None; the warning then uses a fixed stacklevel.
    monkeypatch.setattr(models, "inspect", SimpleNamespace(currentframe=lambda: None))
    with pytest.warns(GroqModelShutDownWarning, match="llama-3.1-8b-instant"):
        models.warn_if_retired("llama-3.1-8b-instant")


# -- RetryChatModel asks the wrapped model, through a public method ----------------


def test_retry_chat_model_runs_the_copy_without_retries() -> None:
    inner = ChatGroqSynaptic(api_key="k", max_retries=4)
    attempt = RetryChatModel(inner).without_retries()
    assert isinstance(attempt, ChatGroqSynaptic)
    assert (attempt.max_retries, attempt.retry_config) == (0, None)
    assert inner.max_retries == 4  # the wrapped model is left as it was
    quiet = ChatGroqSynaptic(api_key="k", max_retries=0)
    assert quiet.without_retries() is quiet
    assert RetryChatModel(RetryChatModel(inner)).without_retries().max_retries == 0


def test_any_model_with_without_retries_is_asked() -> None:
    class OwnRetries(FakeListChatModel):
        retries: int = 3

        def without_retries(self) -> OwnRetries:
            return self.model_copy(update={"retries": 0})

    wrapped = RetryChatModel(OwnRetries(responses=["ok"]))
    attempt = wrapped.without_retries()
    assert isinstance(attempt, OwnRetries)
    assert attempt.retries == 0
    assert wrapped.invoke("Hi").content == "ok"
    plain = FakeListChatModel(responses=["ok"])
    assert RetryChatModel(plain).without_retries() is plain
