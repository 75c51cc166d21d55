"""Fixtures shared by the unit tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fault_server import FaultServer


@pytest.fixture(scope="session")
def fault_server_session() -> Iterator[FaultServer]:
    """One loopback fault server for the session, started on first use."""
    server = FaultServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fault_server(fault_server_session: FaultServer) -> Iterator[FaultServer]:
    """The fault server, with an empty script and request log."""
    fault_server_session.reset()
    yield fault_server_session
    fault_server_session.reset()
