"""Integration tier: a real LLM server for the whole session.

Groq when `GROQ_API_KEY` is set, otherwise a local llama.cpp `llama-server`
(SmolLM2-135M-Instruct) installed and started by `scripts/local_server.py`.
When neither can run, every test here is skipped with the reason (or fails,
with `SYNAPTIC_GROQ_REQUIRE_INTEGRATION=1`, as in CI): never a vacuous pass.

The unit tier runs with pytest-socket's `--disable-socket`; the items of this
directory get `pytest.mark.enable_socket`, so one command line runs both tiers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from langchain_synaptic_groq import ChatGroqSynaptic
from langchain_synaptic_groq.chat_models import DEFAULT_BASE_URL
from scripts.local_server import DEFAULT_MODEL_ALIAS, LOCAL_API_KEY, LocalServer
from tests.integration._target import (
    DEFAULT_GROQ_MODEL,
    GROQ_OVERRIDE_MODEL,
    ON_GROQ,
    REQUIRE_ENV,
    Target,
)

_HERE = Path(__file__).resolve().parent


# What the session's `target` fixture chose, for the terminal summary.
_USED: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _USED:
        terminalreporter.write_sep("-", f"integration target: {_USED[0]}")


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


@pytest.fixture(scope="session")
def target() -> Iterator[Target]:
    """The server under test, for the whole session."""
    if ON_GROQ:
        yield _chosen(_groq_target())
        return
    running = os.environ.get("GROQ_API_BASE", "").strip()
    if running and os.environ.get("GROQ_API_KEY", "").strip() == LOCAL_API_KEY:
        # Started by `python scripts/local_server.py run -- pytest ...`.
        model = os.environ.get("SYNAPTIC_GROQ_MODEL", "").strip()
        model = model or DEFAULT_MODEL_ALIAS
        yield _chosen(
            Target(
                kind="local",
                base_url=running,
                api_key=LOCAL_API_KEY,
                model=model,
                override_model=model,
                description=f"local llama-server at {running} (already running)",
            )
        )
        return
    server = LocalServer()
    try:
        server.start()
    except Exception as exc:  # any reason: report it, never pass vacuously
        server.stop()
        _unavailable(
            "no GROQ_API_KEY is set and the local llama.cpp server could not be "
            f"installed or started: {type(exc).__name__}: {exc}"
        )
    try:
        yield _chosen(
            Target(
                kind="local",
                base_url=server.base_url,
                api_key=LOCAL_API_KEY,
                model=server.model_id,
                # llama-server serves one model and ignores the requested id.
                override_model=server.model_id,
                description=(
                    f"local llama-server at {server.base_url}, model "
                    f"{server.model_id} (started for this session)"
                ),
            )
        )
    finally:
        server.stop()


def _chosen(target: Target) -> Target:
    _USED.append(target.description)
    return target


@pytest.fixture
def chat(target: Target) -> ChatGroqSynaptic:
    """A `ChatGroqSynaptic` aimed at the target, greedy and seeded."""
    return ChatGroqSynaptic(**target.model_params())
