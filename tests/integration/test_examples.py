"""Every script in `examples/` runs against the real server and says what it shows.

The docs include these files verbatim (pymdownx.snippets), so a page can never
show code that does not run. Each example runs as its own process with the
environment `local-llm run` would give it (or Groq's), and must exit 0 and
print the lines listed here. Locally that is SmolLM2; the
tool examples run once more on the model that calls tools, and must show
the calls. The two example test suites (`examples/testing`,
`examples/tool_testing`) run under pytest with their own servers.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from langchain_core.language_models import BaseChatModel

from langchain_synaptic_groq import ChatGroqSynaptic, GroqConfig, RetryConfig
from tests.integration._target import Target

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
DOCS = ROOT / "docs"
TIMEOUT = 600  # a hang guard; the 1.5B tool model on 2 busy cores can be slow

# What each example must print, on the local server and on Groq alike.
EXPECTED: dict[str, list[str]] = {
    "invoke.py": [
        "text: ",
        "usage_metadata: {'input_tokens': ",
        "model_provider: groq",
    ],
    "stream.py": ["chunks add up to: ", "usage_metadata: {", "finish_reason: "],
    "async_calls.py": ["ainvoke: ", "astream: ", "gather: ", "abatch: 3 answers"],
    "chain.py": [],
    "config.py": [
        "openai/gpt-oss-120b production 131072 65536",
        "tools: True vision: False",
        "qwen3.8 sees images: True",
        "llama-3.3-70b-versatile shut_down -> openai/gpt-oss-120b",
        "GroqModel.custom('my-fine-tune')",
        "api_key=SecretStr('**********')",
    ],
    "tools.py": ["tool calls made: ", "final answer: "],
    "agent.py": ["human: ", "final answer: "],
    "langgraph_agent.py": ["model: "],
    "structured_output.py": ["City(name=", "parsing_error: None", "raw usage: {"],
    "json_mode.py": ["dict {"],
    "errors.py": [
        "GroqInvalidRequestError True",
        "  status: 400",
        "  retryable: False",
        "GroqConnectionError | could not reach Groq",
        "GroqTimeoutError | Groq did not answer in time",
        "GroqError: True",
    ],
    "retries.py": [
        "attempt 2 of 3",
        "attempt 3 of 3",
        "gave up: GroqConnectionError ['Gave up after 3 attempts.']",
        "wrapped: ",
    ],
    "rate_limits.py": [
        "live rate_limit: ",
        "RateLimitState(limit_requests=14400, remaining_requests=14370, "
        "reset_requests=179.56, limit_tokens=6000, remaining_tokens=5997, "
        "reset_tokens=7.66, retry_after=None)",
    ],
    "reasoning.py": ["answer: ", "reasoning: ", "block types: "],
    "vision.py": [
        "vision models: ['qwen/qwen3.8-27b']",
        "refused: openai/gpt-oss-120b does not accept images on Groq",
        "answer: ",
    ],
    "service_tier.py": ["served by tier: ", "served by tier (auto): "],
    "batch.py": [],
    "token_budget.py": [
        "pacing: True off: True",
        "clamp: True flex fallback: ",
        "too large: ",
    ],
    "models.py": [
        "served: ",
        "known: qwen/qwen3.8-27b preview context=131042 reasoning=True",
        "known: openai/gpt-oss-120b production context=131072 reasoning=True",
        "registry checked on: 2026-12-01",
        "in the registry, not served here: ",
        "profile: {'max_input_tokens': 131072, 'reasoning_output': True}",
        "estimated prompt tokens: ",
        "billed prompt tokens: ",
    ],
    "builtin_tools.py": [
        "gpt-oss-20b built-in tools: ('browser_search', 'code_interpreter')",
        "warning: qwen/qwen3.8-27b does not offer Groq's built-in",
        "answer: ",
    ],
    "migrate_from_chatgroq.py": ["'model_provider'"],
    "migrate_from_openai.py": [
        "model_provider='openai'",
        "model_provider='groq'",
    ],
}

# What only the local server's answers show (Groq's differ, rightly).
EXPECTED_LOCAL: dict[str, list[str]] = {
    "invoke.py": ["timings: None", "rate_limit: None"],
    "rate_limits.py": ["live rate_limit: None"],
    "reasoning.py": ["reasoning: None", "block types: ['text']"],
    "vision.py": ["answer: (skipped: the local SmolLM2 server takes no images)"],
    "builtin_tools.py": ["answer: (skipped: the local server has no built-in tools)"],
    "structured_output.py": ["method=json_schema: City("],
    "service_tier.py": ["served by tier: None"],
    "batch.py": ["batch: (skipped: the local server has no Batch API)"],
    "token_budget.py": ["too large: (skipped: the local server has no rate limits)"],
}

EXPECTED_GROQ: dict[str, list[str]] = {
    "invoke.py": ["service_tier: on_demand", "rate_limit: {"],
    "rate_limits.py": ["live rate_limit: {"],
    "vision.py": ["answer: "],
    "service_tier.py": ["served by tier: on_demand"],
}

# What the tool examples print on the local model that calls tools
# (Qwen2.5-Coder-1.5B, greedy): the calls, their results, the answers.
EXPECTED_TOOL_MODEL: dict[str, list[str]] = {
    "tools.py": [
        "tool call: multiply({'a': 12, 'b': 34})",
        "tool result: 408",
        "tool calls made: 1",
        "final answer: The product of 12 and 34 is 408.",
    ],
    "agent.py": [
        """calls ["word_length({'word': 'Groq'})"]""",
        " tool: '4'",
        "final answer: There are 4 letters in 'Groq'.",
    ],
    "langgraph_agent.py": ["tools: '9'", "9 letters"],
}
_SUITES = ("testing", "tool_testing")

_GROQ_ENV = ("GROQ_API_KEY", "GROQ_API_BASE", "GROQ_BASE_URL", "SYNAPTIC_GROQ_MODEL")


def _scripts() -> list[str]:
    return sorted(p.name for p in EXAMPLES.glob("*.py"))


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _GROQ_ENV}
    env["LANGSMITH_TRACING"] = "false"
    env["LANGCHAIN_TRACING_V2"] = "false"
    env["PYTHONUNBUFFERED"] = "1"
    no_proxy = [env.get("NO_PROXY", ""), "127.0.0.1", "localhost"]
    env["NO_PROXY"] = env["no_proxy"] = ",".join(filter(None, no_proxy))
    return env


def _env_for(target: Target) -> dict[str, str]:
    """The environment `local-llm run` (or a Groq user) sets."""
    env = _clean_env()
    env["GROQ_API_KEY"] = target.api_key
    env["GROQ_API_BASE"] = target.base_url
    env["SYNAPTIC_GROQ_MODEL"] = target.model
    return env


def _run(cmd: list[str], env: dict[str, str]) -> tuple[str, float]:
    started = time.perf_counter()
    proc = subprocess.run(
        cmd,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    elapsed = time.perf_counter() - started
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, (
        f"{' '.join(cmd[1:])} exited {proc.returncode} after {elapsed:.1f}s:\n{output}"
    )
    return output, elapsed


def test_every_example_is_checked() -> None:
    assert _scripts(), "no examples found"
    assert sorted(EXPECTED) == _scripts(), (
        "list each examples/*.py in EXPECTED (and nothing else)"
    )


def _pages() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in DOCS.glob("*.md")}


def test_every_example_is_on_a_page() -> None:
    included = "\n".join(_pages().values())
    files = sorted(EXAMPLES.glob("*.py"))
    for suite in _SUITES:
        files += sorted(EXAMPLES.glob(f"{suite}/*.py"))
    missing = [
        str(f.relative_to(ROOT))
        for f in files
        if f"\n{f.relative_to(ROOT)}\n" not in included
    ]
    assert not missing, f"examples no page includes: {missing}"


def test_python_on_the_pages_is_only_included_examples() -> None:
    """A page never types code itself: each python block includes a file."""
    fence = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)
    include = re.compile(r"--8<--\n(examples/[\w/]+\.py)\n--8<--\n")
    for name, text in _pages().items():
        for block in fence.findall(text):
            assert include.fullmatch(block), f"{name}: typed code block {block!r}"


def test_every_parameter_is_documented() -> None:
    """The configuration and errors pages name every field of the public models."""
    pages = _pages()
    own = set(ChatGroqSynaptic.model_fields) - set(BaseChatModel.model_fields)
    for page, names in (
        ("configuration.md", own | set(GroqConfig.model_fields)),
        ("errors.md", set(RetryConfig.model_fields)),
    ):
        missing = sorted(n for n in names if f"`{n}`" not in pages[page])
        assert not missing, f"{page} does not name {missing}"


@pytest.mark.parametrize("script", _scripts())
def test_example_runs(script: str, target: Target) -> None:
    output, _ = _run([sys.executable, str(EXAMPLES / script)], _env_for(target))
    extra = EXPECTED_LOCAL if target.is_local else EXPECTED_GROQ
    for expected in EXPECTED.get(script, []) + extra.get(script, []):
        assert expected in output, f"{script} did not print {expected!r}:\n{output}"
    assert "Traceback" not in output, output


@pytest.mark.parametrize("script", sorted(EXPECTED_TOOL_MODEL))
def test_tool_example_calls_tools(script: str, tool_target: Target) -> None:
    """The tool examples against a model that calls tools: the calls happen."""
    if not tool_target.is_local:
        pytest.skip("on Groq test_example_runs already runs these on a tool model")
    output, _ = _run([sys.executable, str(EXAMPLES / script)], _env_for(tool_target))
    for expected in EXPECTED_TOOL_MODEL[script]:
        assert expected in output, f"{script} did not print {expected!r}:\n{output}"
    assert "Traceback" not in output, output


@pytest.mark.parametrize(
    ("suite", "summary"), [("testing", "4 passed"), ("tool_testing", "2 passed")]
)
def test_testing_example(target: Target, suite: str, summary: str) -> None:
    """examples/testing, examples/tool_testing: an app's own pytest suite.

    Each starts its own local server (SmolLM2; the tool model).
    """
    if not target.is_local:
        pytest.skip("runs its own local llama.cpp server; runs with the local target")
    output, _ = _run(
        [
            sys.executable,
            "-m",
            "pytest",
            f"examples/{suite}",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        _clean_env(),
    )
    assert summary in output, output
