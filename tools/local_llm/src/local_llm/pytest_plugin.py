"""pytest plugin: the ``local_llm`` fixture, local servers shared by a session.

pytest loads it by itself once the tool is installed (the ``pytest11`` entry
point in the tool's ``pyproject.toml``); nothing starts until a test asks::

    def test_hello(local_llm):
        server = local_llm.get()  # SmolLM2-135M, started once per session
        ...

    def test_tools(local_llm):
        server = local_llm.get(TOOL_MODEL)  # Qwen2.5-Coder-1.5B, calls tools
        ...

Every server the session started is stopped when it ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from local_llm.models import DEFAULT_MODEL, ModelSpec, resolve_model
from local_llm.serve import LocalServer

if TYPE_CHECKING:
    from collections.abc import Iterator

__all__ = ["LocalServers", "local_llm"]


class LocalServers:
    """The servers of one pytest session, one per model, started on first use."""

    def __init__(self) -> None:
        self._servers: dict[str, LocalServer] = {}

    def get(self, model: str | ModelSpec = DEFAULT_MODEL) -> LocalServer:
        """Return the session's running server for a model, starting it if needed.

        Args:
            model: A name in ``local_llm.MODELS`` (default SmolLM2-135M), its
                served alias, or a spec.

        Returns:
            The running server.

        Raises:
            RuntimeError: If the model is unknown, or the binary or model
                cannot be installed (the message says why).
            ServerStartError: If the server does not come up; the message
                holds its command and log tail.
        """
        spec = resolve_model(model)
        server = self._servers.get(spec.name)
        if server is not None and server.is_running():
            return server
        server = LocalServer(model=spec)
        try:
            server.start()
        except BaseException:
            server.stop()
            raise
        self._servers[spec.name] = server
        return server

    def close(self) -> None:
        """Stop every server this session started."""
        servers, self._servers = list(self._servers.values()), {}
        for server in servers:
            server.stop()


@pytest.fixture(scope="session")
def local_llm() -> Iterator[LocalServers]:
    """The session's local llama.cpp servers (see :class:`LocalServers`).

    Yields:
        The servers, stopped when the session ends.
    """
    servers = LocalServers()
    try:
        yield servers
    finally:
        servers.close()
