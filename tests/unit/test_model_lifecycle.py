"""The model registry as users meet it: what Groq serves today, what it shut
down and what replaces it, the warning at construction, the error when Groq
refuses a model, and the live comparison with `GET /models`."""

from __future__ import annotations

import warnings
from datetime import date

import pytest

import langchain_synaptic_groq.__main__ as cli
from langchain_synaptic_groq import (
    ChatGroqSynaptic,
    GroqModel,
    GroqModelShutDownWarning,
    GroqNotFoundError,
    ModelStatus,
)
from langchain_synaptic_groq.chat_models import DEFAULT_MODEL
from langchain_synaptic_groq.models import (
    REGISTRY_CHECKED_ON,
    REGISTRY_SOURCES,
    compare_models,
    current_model_ids,
    model_info,
)
from tests.support.features import MODES, call
from tests.support.scripted import ScriptedGroq

SEED_MEMBERS = [
    GroqModel.LLAMA_3_3_70B_VERSATILE,
    GroqModel.LLAMA_3_1_8B_INSTANT,
    GroqModel.LLAMA_3_1_70B_VERSATILE,
    GroqModel.GEMMA2_9B_IT,
    GroqModel.MIXTRAL_8X7B_32768,
]

# Groq's answers to a shut-down or unknown model, as quoted in public issues:
# ITSpecialist111/ai_automation_suggester#187 (2026-08-18, after the
# 2026-08-16 shutdown) and atiilla/sqlmap-ai#3 (2025-08-21); the misspelt id
# is pydantic-ai's recorded 404 (test_model_name_suggestion).
NOT_FOUND = {
    "message": "The model `llama-3.3-70b-versatile` does not exist or you do "
    "not have access to it.",
    "type": "invalid_request_error",
    "code": "model_not_found",
}
DECOMMISSIONED = {
    "message": "The model `qwen-qwq-32b` has been decommissioned and is no longer "
    "supported. Please refer to https://console.groq.com/docs/deprecations for a "
    "recommendation on which model to use instead.",
    "type": "invalid_request_error",
    "code": "model_decommissioned",
}
MISSPELT = {
    "message": "The model `llama-3.3-70b-versatlie` does not exist or you do not "
    "have access to it.",
    "type": "invalid_request_error",
    "code": "model_not_found",
}


# -- the table -------------------------------------------------------------------


def test_the_default_is_a_production_model() -> None:
    assert model_info(DEFAULT_MODEL).status is ModelStatus.PRODUCTION
    assert ChatGroqSynaptic(api_key="k").model == "openai/gpt-oss-120b"


def test_the_table_says_when_and_where_it_was_checked() -> None:
    assert date(2026, 12, 1) == REGISTRY_CHECKED_ON
    assert REGISTRY_SOURCES["models"] == "https://console.groq.com/docs/models"
    assert REGISTRY_SOURCES["deprecations"].endswith("/docs/deprecations")


def test_served_models_are_members_with_their_status() -> None:
    served = {m.value: m.status for m in GroqModel.served()}
    assert served == {
        "openai/gpt-oss-120b": ModelStatus.PRODUCTION,
        "openai/gpt-oss-20b": ModelStatus.PRODUCTION,
        "qwen/qwen3.8-27b": ModelStatus.PREVIEW,
        "openai/gpt-oss-safeguard-20b": ModelStatus.PREVIEW,
        "minimaxai/minimax-m2.7": ModelStatus.PREVIEW,
        "meta-llama/llama-prompt-guard-2-22m": ModelStatus.PREVIEW,
        "meta-llama/llama-prompt-guard-2-86m": ModelStatus.PREVIEW,
    }
    assert current_model_ids()[:2] == ["openai/gpt-oss-120b", "openai/gpt-oss-20b"]


@pytest.mark.parametrize("member", SEED_MEMBERS)
def test_the_seeds_members_stay_and_say_they_are_shut_down(
    member: GroqModel,
) -> None:
    assert member.is_retired
    assert member.status is ModelStatus.SHUT_DOWN
    assert member.info.shutdown_date is not None
    assert member.replacement in current_model_ids()


@pytest.mark.parametrize(
    ("member", "shutdown", "groq_says", "replacement"),
    [
        (
            GroqModel.LLAMA_3_3_70B_VERSATILE,
            date(2026, 8, 16),
            ("openai/gpt-oss-120b", "qwen/qwen3.6-27b"),
            "openai/gpt-oss-120b",
        ),
        (
            GroqModel.LLAMA_3_1_8B_INSTANT,
            date(2026, 8, 16),
            ("openai/gpt-oss-20b",),
            "openai/gpt-oss-20b",
        ),
        (
            GroqModel.LLAMA_4_SCOUT,
            date(2026, 7, 17),
            ("openai/gpt-oss-120b", "qwen/qwen3.6-27b"),
            "openai/gpt-oss-120b",
        ),
        (
            GroqModel.QWEN3_32B,
            date(2026, 7, 17),
            ("openai/gpt-oss-120b",),
            "openai/gpt-oss-120b",
        ),
        (
            GroqModel.QWEN3_6_27B,
            date(2026, 9, 14),
            ("qwen/qwen3.8-27b",),
            "qwen/qwen3.8-27b",
        ),
        (
            GroqModel.KIMI_K2_INSTRUCT,
            date(2026, 4, 15),
            ("openai/gpt-oss-120b",),
            "openai/gpt-oss-120b",
        ),
        (
            GroqModel.LLAMA_4_MAVERICK,
            date(2026, 3, 9),
            ("openai/gpt-oss-120b",),
            "openai/gpt-oss-120b",
        ),
        (GroqModel.COMPOUND, date(2026, 9, 21), (), None),
        # Groq named gemma2-9b-it's successor in 2025; it is shut down too.
        (
            GroqModel.GEMMA2_9B_IT,
            date(2025, 10, 8),
            ("llama-3.1-8b-instant",),
            "openai/gpt-oss-20b",
        ),
    ],
)
def test_shutdowns_as_the_deprecations_page_gives_them(
    member: GroqModel,
    shutdown: date,
    groq_says: tuple[str, ...],
    replacement: str | None,
) -> None:
    assert member.info.shutdown_date == shutdown
    assert member.info.replacements == groq_says
    assert member.replacement == replacement


def test_shut_down_qwen3_6_points_at_the_served_vision_model() -> None:
    # The chain of replacements never ends at a model that is gone too.
    live = GroqModel.LLAMA_3_3_70B_VERSATILE.info.live_replacements
    assert live == ("openai/gpt-oss-120b", "qwen/qwen3.8-27b")
    assert all(not model_info(m).retired for m in live)


def test_capabilities_follow_the_model() -> None:
    oss = GroqModel.GPT_OSS_120B.info
    qwen = GroqModel.QWEN3_8_27B.info
    assert (oss.strict_json_schema, qwen.strict_json_schema) == (True, True)
    assert not GroqModel.GPT_OSS_SAFEGUARD_20B.info.strict_json_schema
    assert oss.reasoning_effort == ("low", "medium", "high")
    assert (oss.vision, qwen.vision, qwen.max_images) == (False, True, 3)
    assert oss.builtin_tools == ("browser_search", "code_interpreter")
    assert qwen.builtin_tools == ()
    assert oss.parallel_tool_calls is False
    assert model_info("my-org/finetune").status is None


# -- choosing a shut-down model --------------------------------------------------


def test_a_shut_down_model_warns_once_naming_the_replacement() -> None:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("default")
        for _ in range(3):
            ChatGroqSynaptic(api_key="k", model=GroqModel.LLAMA_3_3_70B_VERSATILE)
    assert len(seen) == 1
    (warning,) = seen
    assert warning.category is GroqModelShutDownWarning
    text = str(warning.message)
    assert "2026-08-16" in text
    assert "'openai/gpt-oss-120b'" in text
    assert "not swapped" in text


def test_the_warning_shows_with_pythons_default_filters() -> None:
    # A DeprecationWarning raised in library code is hidden by default.
    assert issubclass(GroqModelShutDownWarning, UserWarning)
    assert not issubclass(GroqModelShutDownWarning, DeprecationWarning)


def test_served_and_custom_models_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for model in (*GroqModel.served(), "my-org/finetune"):
            ChatGroqSynaptic(api_key="k", model=model)


def test_nothing_swaps_a_shut_down_model() -> None:
    groq = ScriptedGroq().reply_error(404, NOT_FOUND)
    with pytest.warns(GroqModelShutDownWarning):
        model = groq.model(model=GroqModel.LLAMA_3_3_70B_VERSATILE)
    with pytest.raises(GroqNotFoundError):
        model.invoke("Hi")
    assert [b["model"] for b in groq.bodies] == ["llama-3.3-70b-versatile"]


# -- when Groq refuses the model -------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
async def test_model_not_found_names_the_replacement(mode: str) -> None:
    groq = ScriptedGroq().reply_error(404, NOT_FOUND)
    with pytest.warns(GroqModelShutDownWarning):
        model = groq.model(model="llama-3.3-70b-versatile")

    with pytest.raises(GroqNotFoundError) as raised:
        await call(model, mode, "Hi")

    err = raised.value
    assert (err.status_code, err.code) == (404, "model_not_found")
    assert err.model == "llama-3.3-70b-versatile"
    assert err.replacement == "openai/gpt-oss-120b"
    assert "shut 'llama-3.3-70b-versatile' down on 2026-08-16" in str(err)
    assert "replace it with 'openai/gpt-oss-120b'" in str(err)
    assert err.message == NOT_FOUND["message"]  # Groq's words, unchanged


def test_model_decommissioned_names_the_replacement() -> None:
    groq = ScriptedGroq().reply_error(400, DECOMMISSIONED)
    with pytest.warns(GroqModelShutDownWarning):
        model = groq.model(model="qwen-qwq-32b")

    with pytest.raises(GroqNotFoundError) as raised:
        model.invoke("Hi")

    assert raised.value.code == "model_decommissioned"
    assert raised.value.model == "qwen-qwq-32b"
    assert raised.value.replacement == "openai/gpt-oss-120b"
    assert "2025-07-14" in str(raised.value)


def test_a_misspelt_model_gets_close_ids() -> None:
    groq = ScriptedGroq().reply_error(404, MISSPELT)
    with pytest.raises(GroqNotFoundError) as raised:
        groq.model(model="llama-3.3-70b-versatlie").invoke("Hi")
    assert raised.value.replacement is None
    assert "Did you mean 'llama-3.3-70b-versatile' (shut down)" in str(raised.value)


def test_an_unknown_model_gets_groqs_message_alone() -> None:
    error = dict(
        NOT_FOUND,
        message=NOT_FOUND["message"].replace(
            "llama-3.3-70b-versatile", "my-org/finetune"
        ),
    )
    groq = ScriptedGroq().reply_error(404, error)
    with pytest.raises(GroqNotFoundError) as raised:
        groq.model(model="my-org/finetune").invoke("Hi")
    assert raised.value.model == "my-org/finetune"
    assert raised.value.replacement is None
    assert str(raised.value).endswith("(status 404, code model_not_found)")


# -- the live check --------------------------------------------------------------


def _models(*ids: str, inactive: tuple[str, ...] = ()) -> dict[str, object]:
    return {
        "object": "list",
        "data": [
            {"id": m, "object": "model", "active": m not in inactive, "owned_by": "x"}
            for m in ids
        ],
    }


def test_check_models_says_what_is_missing_new_and_still_served() -> None:
    groq = ScriptedGroq().reply_json(
        _models(
            "openai/gpt-oss-120b",
            "openai/gpt-oss-20b",
            "llama-3.3-70b-versatile",  # an enterprise plan keeps it
            "new-vendor/brand-new-model",
            "whisper-large-v3",  # speech: not compared
            "qwen/qwen3.8-27b",
            inactive=("qwen/qwen3.8-27b",),
        )
    )

    check = groq.model().check_models()

    assert check.known == ("openai/gpt-oss-120b", "openai/gpt-oss-20b")
    assert check.unknown == ("new-vendor/brand-new-model",)
    assert check.shut_down_but_served == ("llama-3.3-70b-versatile",)
    assert "qwen/qwen3.8-27b" in check.missing  # listed, but inactive
    assert "openai/gpt-oss-120b" not in check.missing
    assert not check.in_sync
    assert groq.requests[0].url.endswith("/models")


async def test_acheck_models_is_the_same_in_async() -> None:
    groq = ScriptedGroq().reply_json(_models(*current_model_ids()))
    check = await groq.model().acheck_models()
    assert check.in_sync
    assert check.missing == ()


def test_a_local_server_shows_as_unknown() -> None:
    check = compare_models(["smollm2-135m"])
    assert check.unknown == ("smollm2-135m",)
    assert set(check.missing) == set(current_model_ids())


def test_cli_models_prints_the_comparison(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    groq = ScriptedGroq().reply_json(
        _models("openai/gpt-oss-120b", "llama-3.3-70b-versatile", "local-model")
    )
    monkeypatch.setenv("GROQ_API_KEY", "gsk_cli")
    monkeypatch.setattr(cli, "ChatGroqSynaptic", lambda: groq.model())

    assert cli.main(["models", "--strict"]) == 1

    out = capsys.readouterr().out
    assert "openai/gpt-oss-120b" in out
    assert "production" in out
    assert "served, but not in the registry:\n  local-model" in out
    assert "still served:\n  llama-3.3-70b-versatile" in out
    assert "server does not list them:\n  openai/gpt-oss-20b  (production)" in out


def test_cli_models_exits_0_when_in_sync(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    groq = ScriptedGroq().reply_json(_models(*current_model_ids()))
    monkeypatch.setenv("GROQ_API_KEY", "gsk_cli")
    monkeypatch.setattr(cli, "ChatGroqSynaptic", lambda: groq.model())
    assert cli.main(["models", "--strict"]) == 0
    assert "the server and the registry agree" in capsys.readouterr().out
