"""The lifetime of the shared HTTP clients, against real loopback servers.

* Event loops: a program that runs `asyncio.run(model.ainvoke(...))` per
  request (a sync web app, a CLI, a notebook cell) keeps no client and no
  connection of a finished loop: each loop's client is closed with it, so
  open sockets do not grow with the number of calls.
* Environment: a model sees `HTTP_PROXY` / `HTTPS_PROXY` / `NO_PROXY` and
  `SSL_CERT_FILE` / `SSL_CERT_DIR` as they are when it is built, even after
  other models have made calls; models built under the same environment
  still share one client (and its connections).

The sync stream's connection reuse is in `test_hardening_resources.py`.
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from langchain_synaptic_groq import ChatGroqSynaptic, GroqConnectionError
from tests.support.fault_server import (
    API_KEY,
    MODEL,
    FaultServer,
    Forever,
    completion,
    model_for,
    ok,
    ok_stream,
    own_pool_timeout,
)

pytestmark = pytest.mark.allow_hosts(["127.0.0.1"])

CERTS = Path(__file__).parent / "certs"
#: Every variable the proxy settings are read from (`urllib.request.getproxies`
#: reads both cases).
PROXY_VARIABLES = [
    f"{name}{suffix}"
    for name in ("http", "https", "all", "no")
    for suffix in ("_proxy", "_PROXY")
]
#: Nothing listens here: a base URL that only a proxy can reach.
UNREACHABLE = "http://127.0.0.1:9/openai/v1"


@pytest.fixture
def keep_alive(fault_server: FaultServer) -> FaultServer:
    assert fault_server.wait_until(lambda: fault_server.open_connections == 0)
    fault_server.keep_alive = True
    return fault_server


@pytest.fixture
def no_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _open_fds() -> int | None:
    """File descriptors open in this process (Linux), else `None`."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return None


# -- one client per event loop, closed with its loop ------------------------------


async def _one_call(model: ChatGroqSynaptic, mode: str) -> str:
    if mode == "ainvoke":
        return str((await model.ainvoke("Hi")).content)
    return "".join([str(chunk.content) async for chunk in model.astream("Hi")])


@pytest.mark.parametrize("mode", ["ainvoke", "astream"])
def test_asyncio_run_per_call_leaves_no_connection_behind(
    keep_alive: FaultServer, mode: str
) -> None:
    keep_alive.script(Forever(ok_stream("o", "k") if mode == "astream" else ok("ok")))
    model = model_for(keep_alive)
    fds = _open_fds()
    for _ in range(60):
        assert asyncio.run(_one_call(model, mode)) == "ok"
    # A connection belongs to the loop that opened it: each loop opened one...
    assert keep_alive.connections_opened == 60
    # ...and closed it when it finished, instead of keeping it (and the loop,
    # which the idle connection refers to) for the life of the process.
    assert keep_alive.wait_until(lambda: keep_alive.open_connections == 0)
    if fds is not None:
        assert _open_fds() - fds < 10  # type: ignore[operator]


def test_a_loop_closed_by_hand_keeps_its_client_only_while_it_runs(
    keep_alive: FaultServer,
) -> None:
    # `run_until_complete` several times on one loop reuses its connection.
    keep_alive.script(Forever(ok("ok")))
    model = model_for(keep_alive)
    loop = asyncio.new_event_loop()
    try:
        for _ in range(3):
            assert loop.run_until_complete(model.ainvoke("Hi")).content == "ok"
        assert keep_alive.connections_opened == 1
        loop.run_until_complete(loop.shutdown_asyncgens())  # as asyncio.run does
        assert keep_alive.wait_until(lambda: keep_alive.open_connections == 0)
    finally:
        loop.close()
    # The closed loop's client is not handed to the next loop.
    assert asyncio.run(model.ainvoke("Hi")).content == "ok"
    assert keep_alive.connections_opened == 2


# -- the proxy environment, read when a model is built ----------------------------


def test_a_model_built_after_the_proxy_environment_changed_follows_it(
    fault_server: FaultServer, no_proxy_environment: pytest.MonkeyPatch
) -> None:
    env = no_proxy_environment
    fault_server.script(Forever(ok("x")))
    timeout = own_pool_timeout()  # one timeout for every model here
    direct = model_for(fault_server, timeout=timeout)
    assert direct.invoke("Hi").content == "x"
    assert fault_server.requests[-1].path == "/openai/v1/chat/completions"

    # The fault server is the proxy now: it is asked for the absolute URL.
    env.setenv("HTTP_PROXY", f"http://127.0.0.1:{fault_server.port}")
    proxied = model_for(fault_server, timeout=timeout, base_url=UNREACHABLE)
    assert proxied.invoke("Hi").content == "x"
    assert fault_server.requests[-1].path == UNREACHABLE + "/chat/completions"
    # A model built before keeps the environment it was built under.
    assert direct.invoke("Hi").content == "x"
    assert fault_server.requests[-1].path == "/openai/v1/chat/completions"

    env.setenv("NO_PROXY", "127.0.0.1")
    bypassing = model_for(fault_server, timeout=timeout, base_url=UNREACHABLE)
    with pytest.raises(GroqConnectionError):
        bypassing.invoke("Hi")  # sent directly, to where nothing listens
    assert fault_server.attempts == 3


async def test_an_async_model_built_after_the_proxy_changed_follows_it(
    fault_server: FaultServer, no_proxy_environment: pytest.MonkeyPatch
) -> None:
    fault_server.script(Forever(ok("x")))
    timeout = own_pool_timeout()
    direct = model_for(fault_server, timeout=timeout)
    assert (await direct.ainvoke("Hi")).content == "x"
    no_proxy_environment.setenv("HTTP_PROXY", f"http://127.0.0.1:{fault_server.port}")
    proxied = model_for(fault_server, timeout=timeout, base_url=UNREACHABLE)
    assert (await proxied.ainvoke("Hi")).content == "x"
    assert fault_server.requests[-1].path == UNREACHABLE + "/chat/completions"


@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_models_built_under_one_environment_share_connections(
    keep_alive: FaultServer, no_proxy_environment: pytest.MonkeyPatch, mode: str
) -> None:
    keep_alive.script(Forever(ok("x")))
    timeout = own_pool_timeout()
    models = [model_for(keep_alive, timeout=timeout) for _ in range(5)]
    for model in models:
        if mode == "invoke":
            assert model.invoke("Hi").content == "x"
        else:
            assert (await model.ainvoke("Hi")).content == "x"
    assert keep_alive.connections_opened == 1


# -- the CA bundle, read when a model is built ------------------------------------


class _Answer(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        body = json.dumps(completion("over tls")).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet


@pytest.fixture(scope="module")
def tls_base_url() -> Iterator[str]:
    """An https server on 127.0.0.1 whose certificate our test CA signed."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(CERTS / "server.pem", CERTS / "server-key.pem")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answer)
    # A failed handshake (a client that does not trust the CA) raises an
    # SSLError in `get_request`, which socketserver drops quietly.
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/openai/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.mark.parametrize(
    ("variable", "value"),
    [("SSL_CERT_FILE", CERTS / "ca.pem"), ("SSL_CERT_DIR", CERTS / "ca_dir")],
)
@pytest.mark.parametrize("mode", ["invoke", "ainvoke"])
async def test_a_model_built_after_the_ca_bundle_changed_trusts_it(
    tls_base_url: str,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: Path,
    mode: str,
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    timeout = own_pool_timeout()

    async def ask() -> str:
        model = ChatGroqSynaptic(
            model=MODEL,
            api_key=API_KEY,
            base_url=tls_base_url,
            max_retries=0,
            timeout=timeout,
        )
        if mode == "invoke":
            return str(model.invoke("Hi").content)
        return str((await model.ainvoke("Hi")).content)

    with pytest.raises(GroqConnectionError):
        await ask()  # the default bundle does not hold our test CA
    monkeypatch.setenv(variable, str(value))
    assert await ask() == "over tls"
    monkeypatch.delenv(variable)
    with pytest.raises(GroqConnectionError):
        await ask()  # trusted no longer
