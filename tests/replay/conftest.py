"""Replay tier: real Groq exchanges served from 127.0.0.1.

The recordings live outside the repository, in `<repo>/../shared/groq-recordings`
(`SYNAPTIC_GROQ_RECORDINGS` names another directory). Without them the tier
does not skip: every case fails, naming the path it looked in.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.replay.replay_server import ReplayServer, recordings


@pytest.fixture(scope="session")
def replay_server() -> Iterator[ReplayServer]:
    """One replay server for the session, serving every recording."""
    server = ReplayServer(recordings())
    server.start()
    yield server
    server.stop()
