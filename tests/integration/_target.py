"""Which real server the integration tier talks to, and what it can do.

The choice is made from the environment when this module is imported, so
that test modules can use it in `pytest.mark.xfail(condition, ...)`:

- `GROQ_API_KEY` set (and not the local placeholder key): Groq itself, model
  `SYNAPTIC_GROQ_MODEL` or `llama-3.3-70b-versatile`.
- Otherwise: the local llama.cpp `llama-server` with SmolLM2-135M-Instruct,
  started for the session by `scripts/local_server.py` (or, when
  `GROQ_API_BASE` is set together with the placeholder key, as
  `python scripts/local_server.py run -- ...` does, the server already running
  there).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Literal

import pytest

from scripts.local_server import LOCAL_API_KEY

__all__ = [
    "DEFAULT_GROQ_MODEL",
    "GROQ_OVERRIDE_MODEL",
    "NEEDS_INSTRUCTIONS",
    "NEEDS_INSTRUCTIONS_JSON",
    "ON_GROQ",
    "ON_LOCAL",
    "REQUIRE_ENV",
    "SEED",
    "TARGET_KIND",
    "Target",
    "require_local",
    "target_kind",
]

DEFAULT_GROQ_MODEL = "llama-3.3-70b-versatile"
GROQ_OVERRIDE_MODEL = "llama-3.1-8b-instant"
SEED = 42
REQUIRE_ENV = "SYNAPTIC_GROQ_REQUIRE_INTEGRATION"
"""When set to 1, a target that cannot run is an error, not a skip (CI)."""

NEEDS_INSTRUCTIONS = (
    "needs a model that follows instructions (tool calling); the local 135M "
    "model does not"
)
NEEDS_INSTRUCTIONS_JSON = (
    "needs a model that follows instructions (JSON mode: the keys are asked for "
    "only in the prompt); the local 135M model does not"
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
            params.update(max_tokens=64, timeout=120)
        else:
            params.update(max_tokens=256)
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
