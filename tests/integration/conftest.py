"""Integration tier: real LLM servers for the whole session.

Groq when `GROQ_API_KEY` is set, otherwise local llama.cpp `llama-server`s
installed and started through the local LLM tool's `local_llm` fixture
(`tools/local_llm`, a pytest plugin): SmolLM2-135M-Instruct for
the protocol-level tests (`target`), Qwen2.5-Coder-1.5B-Instruct with the
project's tool-call chat template for the tool, structured-output and agent
tests (`tool_target`). Each local server starts when a test first asks for
it. When one cannot run, its tests are skipped with the reason (or fail, with
`SYNAPTIC_GROQ_REQUIRE_INTEGRATION=1`, as in CI): never a vacuous pass.

The unit tier runs with pytest-socket's `--disable-socket`; the items of this
directory get `pytest.mark.enable_socket`, so one command line runs both tiers.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import NoReturn

import pytest
from local_llm import DEFAULT_MODEL, LOCAL_API_KEY, TOOL_MODEL, resolve_model
from local_llm.pytest_plugin import LocalServers

from langchain_synaptic_groq import ChatGroqSynaptic
from langchain_synaptic_groq.chat_models import DEFAULT_BASE_URL
from tests.integration._target import (
    DEFAULT_GROQ_MODEL,
    GROQ_OVERRIDE_MODEL,
    ON_GROQ,
    REQUIRE_ENV,
    Target,
)

_HERE = Path(__file__).resolve().parent


# What the session's fixtures chose, for the terminal summary.
_USED: dict[str, str] = {}


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for role, description in _USED.items():
        terminalreporter.write_sep("-", f"integration {role}: {description}")


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    # This hook sees every collected item: mark only the ones under this
    # directory as needing real sockets.
    for item in items:
        if _HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.enable_socket)
            item.add_marker(pytest.mark.integration)


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get(REQUIRE_ENV, "").strip() == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 and {reason}", pytrace=False)
    pytest.skip(reason)


def _groq_target() -> Target:
    base = (
        os.environ.get("GROQ_API_BASE")
        or os.environ.get("GROQ_BASE_URL")
        or DEFAULT_BASE_URL
    )
    model = os.environ.get("SYNAPTIC_GROQ_MODEL", "").strip() or DEFAULT_GROQ_MODEL
    override = GROQ_OVERRIDE_MODEL
    if model == GROQ_OVERRIDE_MODEL:
        override = DEFAULT_GROQ_MODEL
    return Target(
        kind="groq",
        base_url=base,
        api_key=os.environ["GROQ_API_KEY"].strip(),
        model=model,
        override_model=override,
        description=f"Groq at {base}, model {model}",
    )


def _already_running(model: str) -> Target | None:
    """The server `local-llm run` started, if it serves this model."""
    running = os.environ.get("GROQ_API_BASE", "").strip()
    if not running or os.environ.get("GROQ_API_KEY", "").strip() != LOCAL_API_KEY:
        return None
    served = os.environ.get("SYNAPTIC_GROQ_MODEL", "").strip()
    spec = resolve_model(model)
    if model == DEFAULT_MODEL:
        # The protocol tests run on whatever `run` serves (as before).
        served = served or spec.alias
    elif served != spec.alias:
        return None
    return Target(
        kind="local",
        base_url=running,
        api_key=LOCAL_API_KEY,
        model=served,
        override_model=served,
        description=f"local llama-server at {running}, model {served} "
        "(already running)",
    )


def _local_target(role: str, model: str, servers: LocalServers) -> Target:
    """The session's local server for `model` (or the one `run` started)."""
    running = _already_running(model)
    if running is not None:
        return _chosen(role, running)
    started = time.perf_counter()
    try:
        server = servers.get(model)
    except Exception as exc:  # any reason: report it, never pass vacuously
        _unavailable(
            f"no GROQ_API_KEY is set and the local llama.cpp server for {model} "
            f"could not be installed or started: {type(exc).__name__}: {exc}"
        )
    return _chosen(
        role,
        Target(
            kind="local",
            base_url=server.base_url,
            api_key=LOCAL_API_KEY,
            model=server.model_id,
            # llama-server serves one model and ignores the requested id.
            override_model=server.model_id,
            description=(
                f"local llama-server at {server.base_url}, model "
                f"{server.model_id} (started for this session in "
                f"{time.perf_counter() - started:.1f}s)"
            ),
        ),
    )


@pytest.fixture(scope="session")
def target(local_llm: LocalServers) -> Target:
    """The server for protocol-level tests (SmolLM2-135M locally)."""
    if ON_GROQ:
        return _chosen("target", _groq_target())
    return _local_target("target", DEFAULT_MODEL, local_llm)


@pytest.fixture(scope="session")
def tool_target(local_llm: LocalServers) -> Target:
    """The server for tool calling, structured output and agents.

    Groq's model when `GROQ_API_KEY` is set; locally Qwen2.5-Coder-1.5B with
    the project's chat template.
    """
    if ON_GROQ:
        return _chosen("tool target", _groq_target())
    return _local_target("tool target", TOOL_MODEL, local_llm)


def _chosen(role: str, target: Target) -> Target:
    _USED[role] = target.description
    return target


@pytest.fixture
def chat(target: Target) -> ChatGroqSynaptic:
    """A `ChatGroqSynaptic` aimed at the target, greedy and seeded."""
    return ChatGroqSynaptic(**target.model_params())


@pytest.fixture
def tool_chat(tool_target: Target) -> ChatGroqSynaptic:
    """A `ChatGroqSynaptic` aimed at the tool target, greedy and seeded."""
    return ChatGroqSynaptic(**tool_target.model_params(max_tokens=128))
