"""One model shared by many threads, coroutines, event loops and processes.

Against a loopback server that echoes each request's last user message
(`Echo`), every caller must get its own marker back: 50 threads calling
`invoke` / `stream` at once, 500 coroutines calling `ainvoke` and 100 calling
`astream`, threads each running their own event loop. Clients are never
shared across event loops, and a child made by `os.fork()` uses clients of
its own (the parent's sockets stay the parent's).
"""

from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import threading
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from langchain_synaptic_groq import ChatGroqSynaptic
from langchain_synaptic_groq._http import clients
from tests.support.fault_server import (
    API_KEY,
    MODEL,
    Echo,
    FaultServer,
    Forever,
    own_pool_timeout,
)

pytestmark = pytest.mark.allow_hosts(["127.0.0.1"])


def model_for(server: FaultServer, **kwargs: Any) -> ChatGroqSynaptic:
    return ChatGroqSynaptic(
        model=MODEL,
        api_key=API_KEY,
        base_url=server.base_url,
        max_retries=0,  # a mixed-up answer must show, not be retried away
        **kwargs,
    )


def shared_client(model: ChatGroqSynaptic) -> Any:
    """The process's shared sync client the model's requests go through."""
    return clients.shared_sync(model._get_transport()._settings).client


async def shared_async_client(model: ChatGroqSynaptic) -> Any:
    """The running loop's shared async client of the model's requests."""
    return (await clients.shared_async(model._get_transport()._settings)).client


def marker(n: int) -> str:
    return f"marker-{n}-{uuid.uuid4().hex[:8]}"


def streamed(model: ChatGroqSynaptic, text: str) -> str:
    return "".join(str(chunk.content) for chunk in model.stream(text))


async def astreamed(model: ChatGroqSynaptic, text: str) -> str:
    return "".join([str(chunk.content) async for chunk in model.astream(text)])


@pytest.mark.parametrize("how", ["invoke", "stream"])
def test_fifty_threads_share_one_model(fault_server: FaultServer, how: str) -> None:
    fault_server.script(Forever(Echo()))
    model = model_for(fault_server)
    markers = [marker(n) for n in range(50)]
    start = threading.Barrier(50, timeout=30)

    def ask(text: str) -> tuple[str, Any]:
        start.wait()  # all 50 calls in flight together
        if how == "stream":
            return streamed(model, text), None
        ai = model.invoke(text)
        return str(ai.content), ai.response_metadata.get("request_id")

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(ask, markers))
    assert [text for text, _ in answers] == markers
    if how == "invoke":  # the headers of each answer belong to it, too
        assert [rid for _, rid in answers] == [f"req_{m}" for m in markers]
    assert fault_server.attempts == 50


async def test_five_hundred_coroutines_share_one_model(
    fault_server: FaultServer,
) -> None:
    fault_server.script(Forever(Echo()))
    model = model_for(fault_server)
    markers = [marker(n) for n in range(500)]
    answers = await asyncio.gather(*(model.ainvoke(m) for m in markers))
    assert [a.content for a in answers] == markers
    assert [a.response_metadata["request_id"] for a in answers] == [
        f"req_{m}" for m in markers
    ]
    assert fault_server.attempts == 500


async def test_a_hundred_concurrent_async_streams(fault_server: FaultServer) -> None:
    fault_server.script(Forever(Echo()))
    model = model_for(fault_server)
    markers = [marker(n) for n in range(100)]
    answers = await asyncio.gather(*(astreamed(model, m) for m in markers))
    assert list(answers) == markers


def test_threads_with_their_own_event_loops_get_their_own_clients(
    fault_server: FaultServer,
) -> None:
    fault_server.script(Forever(Echo()))
    model = model_for(fault_server)
    start = threading.Barrier(4, timeout=30)

    def run(n: int) -> tuple[Any, list[str], list[str]]:
        async def main() -> tuple[Any, list[str], list[str]]:
            client = await shared_async_client(model)
            assert (await model._get_transport()._async())[0] is client
            start.wait()  # the four loops run at the same time
            markers = [marker(100 * n + k) for k in range(25)]
            answers = await asyncio.gather(*(model.ainvoke(m) for m in markers))
            return client, markers, [str(a.content) for a in answers]

        return asyncio.run(main())

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(run, range(4)))
    for _, markers, answers in results:
        assert answers == markers
    clients = [client for client, _, _ in results]  # alive: ids are unique
    assert len({id(c) for c in clients}) == 4


async def test_a_client_of_a_finished_loop_is_never_reused(
    fault_server: FaultServer,
) -> None:
    # The loop of this test, then a loop in a thread: no client in common.
    fault_server.script(Forever(Echo()))
    model = model_for(fault_server)
    here = await shared_async_client(model)
    assert (await model.ainvoke("a")).content == "a"

    def elsewhere() -> tuple[bool, str]:
        async def main() -> tuple[bool, str]:
            other = await shared_async_client(model)
            return other is here, str((await model.ainvoke("b")).content)

        return asyncio.run(main())

    with ThreadPoolExecutor(max_workers=1) as pool:
        same, text = pool.submit(elsewhere).result()
    assert not same
    assert text == "b"
    assert await shared_async_client(model) is here


async def test_a_changed_pid_empties_the_async_clients(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A fork that bypassed the at-fork hook is still noticed (by pid).
    model = ChatGroqSynaptic(api_key="k", timeout=own_pool_timeout())
    first = await shared_async_client(model)
    first_sync = shared_client(model)
    monkeypatch.setattr(clients, "_pid", -1)
    assert await shared_async_client(model) is not first
    assert clients._pid == os.getpid()
    monkeypatch.setattr(clients, "_pid", -1)
    assert shared_client(model) is not first_sync


@pytest.mark.skipif(
    not hasattr(os, "fork"),
    reason="os.fork() exists on POSIX only (Windows starts processes by spawn, "
    "which inherits no clients)",
)
def test_a_forked_child_uses_its_own_clients(fault_server: FaultServer) -> None:
    fault_server.script(Forever(Echo()))
    fault_server.keep_alive = True  # the parent's pool keeps a connection
    # A timeout of its own: the parent's kept-alive connection stays in a
    # pool no other test uses.
    timeout = own_pool_timeout()
    model = model_for(fault_server, timeout=timeout)
    assert model.invoke("parent").content == "parent"
    parent_sync = shared_client(model)
    parent_lock = clients._lock
    loop = asyncio.new_event_loop()  # kept open: its client stays in the map

    async def grab() -> Any:
        client = await shared_async_client(model)
        await model.ainvoke("parent-async")
        return client

    parent_async = loop.run_until_complete(grab())
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads
        pid = os.fork()
    if pid == 0:  # the child: report, then leave without running pytest's exit
        code = 1
        try:
            report: dict[str, Any] = {
                "sync_client_fresh": shared_client(model) is not parent_sync,
                "async_map_emptied": len(clients._loops) == 0,
                "lock_fresh": clients._lock is not parent_lock,
                "invoke": model.invoke("child").content,
            }

            async def child() -> tuple[bool, str]:
                client = await shared_async_client(model)
                answer = await model.ainvoke("child-async")
                return client is not parent_async, str(answer.content)

            report["async_client_fresh"], report["ainvoke"] = asyncio.run(child())
            os.write(write_end, json.dumps(report).encode())
            code = 0
        except BaseException as exc:
            os.write(write_end, json.dumps({"error": repr(exc)}).encode())
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        ready, _, _ = select.select([read_end], [], [], 60)
        if not ready:  # a deadlocked child must not hang the suite
            os.kill(pid, signal.SIGKILL)
            pytest.fail("the forked child did not report")
        data = b""
        while chunk := os.read(read_end, 65536):
            data += chunk
    finally:
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
        loop.close()
    assert json.loads(data) == {
        "sync_client_fresh": True,
        "async_map_emptied": True,
        "lock_fresh": True,
        "invoke": "child",
        "async_client_fresh": True,
        "ainvoke": "child-async",
    }
    assert os.waitstatus_to_exitcode(status) == 0
    # The parent's clients still work after the child used the server.
    assert model.invoke("parent-again").content == "parent-again"
    assert shared_client(model) is parent_sync
