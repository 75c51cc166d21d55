"""ChatGroqSynaptic as a LangChain user meets it: construction, config, secrets."""

from __future__ import annotations

import warnings

import httpx
import httpx2
import pytest
from langchain_core.load import dumps
from pydantic import SecretStr

from langchain_synaptic_groq import (
    ChatGroqSynaptic,
    GroqAuthenticationError,
    GroqConfig,
    GroqModel,
    GroqModelShutDownWarning,
)
from langchain_synaptic_groq._transport import DEFAULT_TIMEOUT, make_timeout
from tests.support.scripted import CORE_MODEL, ScriptedGroq
from tests.support.wire import full_completion

SECRET = "gsk_unit_secret_key"


def test_defaults_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GROQ_API_BASE", raising=False)
    monkeypatch.setenv("GROQ_BASE_URL", "https://sdk-style.example/openai/v1")
    monkeypatch.setenv("GROQ_API_KEY", "gsk_env")
    model = ChatGroqSynaptic()
    assert model.model == "openai/gpt-oss-120b"
    assert model.base_url == "https://sdk-style.example/openai/v1"
    assert model.api_key is not None
    assert model.api_key.get_secret_value() == "gsk_env"
    monkeypatch.setenv("GROQ_API_BASE", "https://first.example/openai/v1")
    assert ChatGroqSynaptic().base_url == "https://first.example/openai/v1"


def test_default_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GROQ_API_BASE", raising=False)
    monkeypatch.delenv("GROQ_BASE_URL", raising=False)
    assert ChatGroqSynaptic(api_key="k").base_url == "https://api.groq.com/openai/v1"


def test_timeout_is_never_unbounded() -> None:
    assert make_timeout(None) == DEFAULT_TIMEOUT
    assert DEFAULT_TIMEOUT.read == 60.0
    assert DEFAULT_TIMEOUT.connect == 5.0
    assert make_timeout(10).read == 10.0
    assert make_timeout((2, 30)).connect == 2
    custom = httpx2.Timeout(3.0)
    assert make_timeout(custom) is custom
    # A user's httpx.Timeout is taken over as it is.
    legacy = make_timeout(httpx.Timeout(3.0, connect=1.0, pool=7.0))
    assert isinstance(legacy, httpx2.Timeout)
    assert legacy.as_dict() == {"connect": 1.0, "read": 3.0, "write": 3.0, "pool": 7.0}


def test_model_enum_member_is_accepted_and_sent_as_id() -> None:
    groq = ScriptedGroq(full_completion(), **CORE_MODEL)
    groq.model(model=GroqModel.LLAMA_3_3_70B_VERSATILE).invoke("Hi")
    assert groq.body["model"] == "llama-3.3-70b-versatile"


def test_custom_model_id_works_everywhere() -> None:
    groq = ScriptedGroq(full_completion(), full_completion(), **CORE_MODEL)
    model = groq.model(model=GroqModel.custom("llama-3.1-405b"))
    model.invoke("Hi")
    assert groq.body["model"] == "llama-3.1-405b"
    assert model.profile is None  # nothing known about it
    groq.model(model="some-new-model").invoke("Hi")
    assert groq.body["model"] == "some-new-model"


def test_from_config() -> None:
    config = (
        GroqConfig.new(SECRET, GroqModel.LLAMA_3_1_8B_INSTANT)
        .with_temperature(0.7)
        .with_max_tokens(128)
        .with_top_p(0.9)
        .with_seed(3)
        .with_stop(["\n\n"])
    )
    model = ChatGroqSynaptic.from_config(config, timeout=5)
    assert model.model == "llama-3.1-8b-instant"
    assert model.temperature == 0.7
    assert model.max_tokens == 128
    assert model.top_p == 0.9
    assert model.seed == 3
    assert model.stop == ["\n\n"]
    assert model.timeout == 5
    assert model.api_key is not None
    assert model.api_key.get_secret_value() == SECRET


def test_profile_carries_context_window_and_capabilities() -> None:
    model = ChatGroqSynaptic(api_key="k", model=GroqModel.GPT_OSS_120B)
    assert model.profile is not None
    assert model.profile["max_input_tokens"] == 131_072
    assert model.profile["max_output_tokens"] == 65_536
    assert model.profile["reasoning_output"] is True
    assert model.profile["tool_calling"] is True


def test_retired_model_warns() -> None:
    with pytest.warns(GroqModelShutDownWarning, match="shut 'mixtral-8x7b-32768'"):
        ChatGroqSynaptic(api_key="k", model=GroqModel.MIXTRAL_8X7B_32768)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ChatGroqSynaptic(api_key="k", model=GroqModel.GPT_OSS_120B)


def test_ls_params() -> None:
    model = ChatGroqSynaptic(api_key="k", temperature=0.1, max_tokens=5, stop=["x"])
    params = model._get_ls_params()
    assert params == {
        "ls_provider": "groq",
        "ls_model_name": "openai/gpt-oss-120b",
        "ls_model_type": "chat",
        "ls_temperature": 0.1,
        "ls_max_tokens": 5,
        "ls_stop": ["x"],
    }
    assert model._get_ls_params(model="other")["ls_model_name"] == "other"


def test_response_provider_matches_ls_provider() -> None:
    groq = ScriptedGroq(full_completion(), **CORE_MODEL)
    model = groq.model()
    ai = model.invoke("Hi")
    assert (
        ai.response_metadata["model_provider"] == model._get_ls_params()["ls_provider"]
    )


def test_construction_touches_no_network_and_shares_clients() -> None:
    # pytest-socket blocks sockets: constructing many models must not need one.
    models = [ChatGroqSynaptic(api_key="k") for _ in range(50)]
    from langchain_synaptic_groq._http.clients import shared_sync

    transports = [m._get_transport() for m in models]
    assert len({id(t) for t in transports}) == 50  # per-instance config...
    pools = {id(shared_sync(t._settings).client) for t in transports}
    assert len(pools) == 1  # ...one pool


def _all_renderings(model: ChatGroqSynaptic) -> list[str]:
    return [
        repr(model),
        str(model),
        str(model.model_dump()),
        model.model_dump_json(),
        dumps(model),
        repr(model._get_transport()),
        repr(model._get_transport()._headers),
    ]


def test_key_never_appears_in_renderings() -> None:
    model = ChatGroqSynaptic(api_key=SECRET)
    for text in _all_renderings(model):
        assert SECRET not in text
    assert isinstance(model.api_key, SecretStr)


def test_key_never_appears_in_an_error_message() -> None:
    body = {
        "error": {
            "message": f"Invalid API Key {SECRET}",
            "type": "invalid_request_error",
            "code": "invalid_api_key",
        }
    }
    groq = ScriptedGroq(httpx.Response(401, json=body), **CORE_MODEL)
    with pytest.raises(GroqAuthenticationError) as info:
        groq.model(max_retries=0).invoke("Hi")
    assert SECRET not in str(info.value)
    assert SECRET not in repr(info.value)
    assert info.value.status_code == 401
    assert info.value.code == "invalid_api_key"


def test_plain_http_to_a_remote_host_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="langchain_synaptic_groq"):
        ChatGroqSynaptic(api_key="k", base_url="http://10.1.2.3/openai/v1")
    assert "unencrypted" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="langchain_synaptic_groq"):
        ChatGroqSynaptic(api_key="k", base_url="http://127.0.0.1:8080/v1")
    assert caplog.text == ""


def test_validation_errors_never_echo_the_constructor_input() -> None:
    with pytest.raises(ValueError, match="temperature") as info:
        ChatGroqSynaptic(api_key=SECRET, temperature=9)
    assert SECRET not in str(info.value)
    with pytest.raises(ValueError, match="use api_key") as info:
        ChatGroqSynaptic(api_key=SECRET, openai_api_key="sk-openai-secret")
    assert SECRET not in str(info.value)
    assert "sk-openai-secret" not in str(info.value)


@pytest.mark.parametrize(
    "name", ["openai_api_key", "groq_proxy", "default_query", "my_secret_token_api_key"]
)
def test_client_settings_of_other_packages_never_reach_the_body(name: str) -> None:
    with pytest.raises(ValueError, match=f"{name} is not supported"):
        ChatGroqSynaptic(api_key="k", **{name: "value"})


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://api.groq.com", "https://api.groq.com/openai/v1"),
        ("https://api.groq.com/", "https://api.groq.com/openai/v1"),
        ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1"),
        (
            "https://proxy.example/groq/openai/v1",
            "https://proxy.example/groq/openai/v1",
        ),
    ],
)
def test_host_only_base_url_gets_the_api_root(given: str, expected: str) -> None:
    assert ChatGroqSynaptic(api_key="k", base_url=given).base_url == expected


def test_host_only_env_base_url_gets_the_api_root(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GROQ_API_BASE", "https://api.groq.com")
    assert ChatGroqSynaptic(api_key="k").base_url == "https://api.groq.com/openai/v1"


def test_retired_model_warning_points_at_the_caller() -> None:
    with pytest.warns(GroqModelShutDownWarning, match="gemma2-9b-it") as record:
        ChatGroqSynaptic(api_key="k", model=GroqModel.GEMMA2_9B_IT)
    assert record[0].filename == __file__
