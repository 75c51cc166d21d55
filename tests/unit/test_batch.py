"""Groq's Batch API: `submit_batch`, `GroqBatchJob`, against a loopback Groq.

The loopback server (`_batch_server.BatchServer`) implements Groq's Files and
Batches endpoints over real HTTP: multipart upload, statuses that move on a
thread of their own, output and error files, expiry and cancellation.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.prompt_values import ChatPromptValue
from langchain_core.tools import tool
from pydantic import BaseModel

from langchain_synaptic_groq import (
    ChatGroqSynaptic,
    GroqAuthenticationError,
    GroqBatchJob,
    GroqError,
    GroqInvalidRequestError,
    GroqRateLimitError,
    GroqTimeoutError,
    RetryConfig,
)
from langchain_synaptic_groq import batch as batch_module
from langchain_synaptic_groq.batch import check_completion_window, progress_line
from tests.support import batch_server as _batch_server
from tests.support.batch_server import API_KEY, BatchServer
from tests.support.fault_server import SleepRecorder, own_pool_timeout
from tests.support.scripted import ScriptedGroq

pytestmark = pytest.mark.allow_hosts(["127.0.0.1"])

MODEL = "openai/gpt-oss-20b"
FAST = 0.02  # poll interval for tests (the loopback batches move in ms)
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server() -> Any:
    with BatchServer() as running:
        yield running


def model_on(server: BatchServer, **kwargs: Any) -> ChatGroqSynaptic:
    params: dict[str, Any] = {
        "model": MODEL,
        "base_url": server.base_url,
        "api_key": API_KEY,
        "max_retries": 0,
        "timeout": own_pool_timeout(),
    }
    params.update(kwargs)
    return ChatGroqSynaptic(**params)


def uploaded_lines(server: BatchServer) -> list[dict[str, Any]]:
    (record,) = [f for f in server.files.values() if f["purpose"] == "batch"]
    content = server.contents[record["id"]]
    return [json.loads(line) for line in content.splitlines()]


@tool
def lookup(text: str) -> str:
    """Look a text up."""
    return text


class City(BaseModel):
    name: str


# -- what is sent --------------------------------------------------------------


def test_the_file_holds_what_invoke_sends_as_multipart_jsonl(
    server: BatchServer,
) -> None:
    inputs: list[Any] = [
        "Capital of France?",
        [("system", "Answer briefly."), ("human", "Capital of Peru?")],
        ChatPromptValue(messages=[HumanMessage("Capital of Chad?")]),
    ]
    model = model_on(server, temperature=0, max_tokens=32, seed=7)
    job = model.submit_batch(inputs, stop=["\n\n"], metadata={"run": "t1"})

    # invoke, on a scripted server, for the same inputs and parameters
    scripted = ScriptedGroq()
    for _ in inputs:
        scripted.reply_json(_batch_server.echo_runner({"messages": []})[1])
    invoking = scripted.model(model=MODEL, temperature=0, max_tokens=32, seed=7)
    for value in inputs:
        invoking.invoke(value, stop=["\n\n"])
    assert [line["body"] for line in uploaded_lines(server)] == scripted.bodies
    assert [line["custom_id"] for line in uploaded_lines(server)] == [
        "request-0",
        "request-1",
        "request-2",
    ]
    assert {(ln["method"], ln["url"]) for ln in uploaded_lines(server)} == {
        ("POST", "/v1/chat/completions")
    }

    (upload,) = server.calls("POST", "/files")
    assert upload.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert upload.headers["authorization"] == f"Bearer {API_KEY}"
    assert b'name="purpose"\r\n\r\nbatch' in upload.body
    (record,) = [f for f in server.files.values() if f["purpose"] == "batch"]
    assert record["filename"].endswith(".jsonl")

    (create,) = server.calls("POST", "/batches")
    sent = json.loads(create.body)
    assert sent["input_file_id"] == record["id"]
    assert sent["endpoint"] == "/v1/chat/completions"
    assert sent["completion_window"] == "24h"
    assert sent["metadata"]["run"] == "t1"
    assert job.id == server.batch_ids[0]
    assert job.status == "validating"


def test_bound_tools_go_into_every_request_and_calls_come_back(
    server: BatchServer,
) -> None:
    bound = model_on(server).bind_tools([lookup], tool_choice="lookup")
    job = GroqBatchJob.submit(bound, ["first", "second"])
    for line in uploaded_lines(server):
        assert line["body"]["tools"][0]["function"]["name"] == "lookup"
        assert line["body"]["tool_choice"] == {
            "type": "function",
            "function": {"name": "lookup"},
        }
    results = job.wait(poll_interval=FAST).results()
    assert [r.tool_calls[0]["args"] for r in results if isinstance(r, AIMessage)] == [
        {"text": "first"},
        {"text": "second"},
    ]


def test_structured_output_is_submitted_through_its_first_step(
    server: BatchServer,
) -> None:
    structured = model_on(server).with_structured_output(City, method="json_schema")
    with pytest.raises(TypeError, match=r"structured\.first"):
        GroqBatchJob.submit(structured, ["Paris?"])
    assert server.requests == []
    GroqBatchJob.submit(structured.first, ["Paris?"])  # type: ignore[attr-defined]
    (line,) = uploaded_lines(server)
    assert line["body"]["response_format"]["type"] == "json_schema"
    assert "ls_structured_output_format" not in line["body"]


def test_submit_batch_through_a_binding_is_refused_before_anything_is_sent(
    server: BatchServer,
) -> None:
    bound = model_on(server).bind_tools([lookup])
    with pytest.raises(TypeError, match=r"GroqBatchJob\.submit"):
        bound.submit_batch(["hi"])  # type: ignore[attr-defined]
    assert server.requests == []


# -- limits and bad input: refused before anything is sent ----------------------


def test_the_documented_limits() -> None:
    assert batch_module.MAX_LINES == 50_000
    assert batch_module.MAX_FILE_BYTES == 200_000_000


def test_too_many_lines_is_refused_naming_the_limit(
    server: BatchServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch_module, "MAX_LINES", 3)
    with pytest.raises(ValueError, match=r"at most 3 requests .*has 4"):
        model_on(server).submit_batch(["a", "b", "c", "d"])
    assert server.requests == []


def test_too_large_a_file_is_refused_naming_the_limit(
    server: BatchServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(batch_module, "MAX_FILE_BYTES", 1_000)
    state = tmp_path / "job.json"
    with pytest.raises(ValueError, match=r"at most 200 MB .*at line 2"):
        model_on(server).submit_batch(["x" * 600, "y" * 600], state_file=state)
    assert server.requests == []
    assert not state.exists()


def test_two_models_in_one_batch_are_refused(server: BatchServer) -> None:
    lines = [
        {
            "custom_id": f"r{n}",
            "body": {"model": model, "messages": [{"role": "user", "content": "hi"}]},
        }
        for n, model in enumerate(["openai/gpt-oss-20b", "openai/gpt-oss-120b"])
    ]
    with pytest.raises(
        ValueError, match=r"one model.*gpt-oss-120b, openai/gpt-oss-20b"
    ):
        GroqBatchJob.submit_requests(model_on(server), lines)
    assert server.requests == []


@pytest.mark.parametrize("window", ["12h", "8d", "1w", "", "24", "0h"])
def test_a_completion_window_outside_groqs_range_is_refused(window: str) -> None:
    with pytest.raises(ValueError, match="completion_window"):
        check_completion_window(window)


@pytest.mark.parametrize("window", ["24h", "48h", "7d", "1d"])
def test_completion_windows_in_groqs_range(window: str) -> None:
    assert check_completion_window(window) == window


def test_bad_inputs_name_the_input(server: BatchServer) -> None:
    model = model_on(server)
    with pytest.raises(ValueError, match="at least one input"):
        model.submit_batch([])
    with pytest.raises(TypeError, match="input 1 is a int"):
        model.submit_batch(["ok", 3])
    with pytest.raises(ValueError, match="input 0 is not a list of messages"):
        model.submit_batch([[("nobody", "hi")]])
    with pytest.raises(TypeError, match="list of inputs"):
        model.submit_batch("one string")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="metadata key"):
        model.submit_batch(["x"], metadata={"langchain_synaptic_groq_job": "x"})
    assert server.requests == []


def test_hand_written_lines_are_checked_naming_the_line(server: BatchServer) -> None:
    good = {"custom_id": "a", "body": {"model": MODEL, "messages": [{"role": "u"}]}}
    cases = [
        ([good, dict(good)], "line 2 repeats custom_id 'a'"),
        ([{**good, "url": "/v1/embeddings"}], "line 1: url must be"),
        ([{**good, "body": {"messages": [1]}}], "line 1: the body names no model"),
        ([{"body": good["body"]}], "line 1 needs a custom_id"),
    ]
    for lines, message in cases:
        with pytest.raises(ValueError, match=message):
            GroqBatchJob.submit_requests(model_on(server), lines)
    assert server.requests == []


# -- results ---------------------------------------------------------------------


def test_results_are_what_invoke_returns_for_the_same_answer(
    server: BatchServer,
) -> None:
    model = model_on(server, include_response_headers=True)
    job = model.submit_batch(["one", "two"]).wait(poll_interval=FAST)
    results = job.results()
    output = server.contents[cast_str(job.batch, "output_file_id")]
    for result, raw in zip(results, output.splitlines(), strict=True):
        line = json.loads(raw)
        scripted = ScriptedGroq().reply_json(
            line["response"]["body"],
            headers={"x-request-id": line["response"]["request_id"]},
        )
        invoked = scripted.model(model=MODEL, include_response_headers=True).invoke("x")
        expected = invoked.model_dump()
        # httpx adds content-length / content-type to the scripted answer
        expected["response_metadata"]["headers"] = {
            "x-request-id": line["response"]["request_id"]
        }
        assert isinstance(result, AIMessage)
        assert result.model_dump() == expected


def test_v1_output_gets_content_blocks_as_invoke_does(server: BatchServer) -> None:
    model = model_on(server, output_version="v1")
    (result,) = model.submit_batch(["hi"]).wait(poll_interval=FAST).results()
    assert isinstance(result, AIMessage)
    assert result.content == [{"type": "text", "text": "echo: hi"}]
    assert result.response_metadata["output_version"] == "v1"


def cast_str(batch: dict[str, Any] | None, key: str) -> str:
    assert batch is not None
    value = batch[key]
    assert isinstance(value, str)
    return value


def test_a_failed_line_never_hides_the_others_and_order_is_kept(
    server: BatchServer,
) -> None:
    server.reverse_output = True  # Groq's files keep no order
    inputs = ["a", "FAIL 400 b", "c", "FAIL 429 d", "e"]
    results = model_on(server).submit_batch(inputs).wait(poll_interval=FAST).results()
    assert [r.content if isinstance(r, AIMessage) else type(r) for r in results] == [
        "echo: a",
        GroqInvalidRequestError,
        "echo: c",
        GroqRateLimitError,
        "echo: e",
    ]
    failed = results[1]
    assert isinstance(failed, GroqError)
    assert failed.code == "scripted_failure"
    assert failed.status_code == 400
    assert failed.request_id is not None


def test_an_expired_batch_gives_the_answers_that_ran_and_errors_for_the_rest(
    server: BatchServer,
) -> None:
    server.window_seconds = 0.25
    server.line_seconds = 0.1
    job = model_on(server).submit_batch([f"q{n}" for n in range(8)])
    results = job.wait(poll_interval=FAST).results()
    assert job.status == "expired"
    ran = [r for r in results if isinstance(r, AIMessage)]
    assert 0 < len(ran) < 8
    assert results[: len(ran)] == ran  # the first ones ran
    for late in results[len(ran) :]:
        assert isinstance(late, GroqTimeoutError)
        assert late.code == "batch_expired"
        assert late.is_retryable


def test_cancel_keeps_what_finished(server: BatchServer) -> None:
    server.line_seconds = 0.05
    job = model_on(server).submit_batch([f"q{n}" for n in range(40)])
    server.wait_for(lambda: server.batch(job.id or "")["request_counts"]["completed"])
    assert job.cancel().status == "cancelling"
    job.wait(poll_interval=FAST)
    assert job.status == "cancelled"
    results = job.results()
    assert len(results) == 40
    done = [r for r in results if isinstance(r, AIMessage)]
    assert 0 < len(done) < 40
    stopped = results[len(done) :]
    assert all(
        isinstance(r, GroqError) and r.code == "batch_cancelled" for r in stopped
    )
    assert job.cancel().status == "cancelled"  # nothing to send once it is over
    assert len(server.calls("POST", "/batches/")) == 1


def test_a_batch_that_fails_validation_gives_groqs_reason_for_every_input(
    server: BatchServer,
) -> None:
    server.allowed_models = {"some-other-model"}
    job = model_on(server).submit_batch(["a", "b"]).wait(poll_interval=FAST)
    assert job.status == "failed"
    results = job.results()
    assert len(results) == 2
    for result in results:
        assert isinstance(result, GroqInvalidRequestError)
        assert "not available for batch" in str(result)
        assert result.code == "model_not_supported"


def test_results_before_the_end_say_so(server: BatchServer) -> None:
    server.validate_seconds = 5
    job = model_on(server).submit_batch(["a"])
    with pytest.raises(RuntimeError, match=r"is validating.*wait"):
        job.results()


def test_from_batch_id_reads_the_input_order_from_groq(server: BatchServer) -> None:
    server.reverse_output = True
    model = model_on(server)
    job = model.submit_batch(["one", "two", "three"]).wait(poll_interval=FAST)
    again = GroqBatchJob.from_batch_id(job.id or "", model)
    assert again.status is None
    results = again.results()
    assert [r.content for r in results if isinstance(r, AIMessage)] == [
        "echo: one",
        "echo: two",
        "echo: three",
    ]


def test_delete_files_removes_the_input_output_and_error_files(
    server: BatchServer,
) -> None:
    job = model_on(server).submit_batch(["ok", "FAIL 400"]).wait(poll_interval=FAST)
    assert len(job.results()) == 2
    assert len(server.files) == 3
    job.delete_files()
    assert server.files == {}


# -- waiting and progress -----------------------------------------------------------


def test_wait_follows_the_statuses_and_shows_progress(server: BatchServer) -> None:
    server.validate_seconds = 0.05
    server.line_seconds = 0.03
    server.finalize_seconds = 0.05
    seen: list[tuple[str | None, int]] = []
    job = model_on(server).submit_batch([f"q{n}" for n in range(5)])
    job.wait(
        poll_interval=0.01,
        progress=lambda j: seen.append((j.status, j.request_counts["completed"])),
    )
    statuses = [status for status, _ in seen]
    order = ["validating", "in_progress", "finalizing", "completed"]
    assert [s for s in order if s in statuses] == order
    assert statuses == sorted(statuses, key=order.index)
    assert seen[-1] == ("completed", 5)


def test_the_progress_line_off_a_terminal_is_printed_when_counts_move(
    server: BatchServer,
) -> None:
    server.line_seconds = 0.03
    out = io.StringIO()
    job = model_on(server).submit_batch(["a", "b", "c"])
    job.wait(poll_interval=0.01, progress=True, stream=out)
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    assert len(lines) == len(set(lines))  # one line per change, not per poll
    assert lines[-1].startswith(f"{job.id} completed [{'#' * 24}] 3/3 ")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_in_a_terminal_the_progress_line_is_redrawn_in_place(
    server: BatchServer,
) -> None:
    out = _Terminal()
    model_on(server).submit_batch(["a"]).wait(
        poll_interval=0.01, progress=True, stream=out
    )
    text = out.getvalue()
    assert text.startswith("\r")
    assert text.endswith("\n")
    assert text.count("\n") == 1


def test_progress_line() -> None:
    batch = {
        "id": "batch_1",
        "status": "in_progress",
        "request_counts": {"total": 48, "completed": 11, "failed": 1},
    }
    assert progress_line(batch, 200) == (
        "batch_1 in_progress [######------------------] 12/48 (1 failed) 3m20s"
    )
    assert progress_line(None, 3725).endswith(
        "submitting [------------------------] 0/? 1h02m05s"
    )


def test_wait_gives_up_at_its_timeout_and_the_batch_goes_on(
    server: BatchServer,
) -> None:
    server.validate_seconds = 5
    job = model_on(server).submit_batch(["a"])
    with pytest.raises(TimeoutError, match=r"still validating after 0\.1s"):
        job.wait(poll_interval=0.02, timeout=0.1)
    assert server.batch(job.id or "")["status"] == "validating"
    with pytest.raises(ValueError, match="poll_interval"):
        job.wait(poll_interval=0)


# -- errors and retries ---------------------------------------------------------------


def test_endpoint_errors_map_to_the_package_errors(server: BatchServer) -> None:
    server.fail_next("POST", "/files", 401, {"error": {"message": "Invalid API Key"}})
    with pytest.raises(GroqAuthenticationError, match="Invalid API Key"):
        model_on(server).submit_batch(["a"])
    server.max_bytes = 10
    with pytest.raises(GroqInvalidRequestError, match="file too large"):
        model_on(server).submit_batch(["a"])


def test_retries_follow_the_models_retry_policy(server: BatchServer) -> None:
    server.fail_next("POST", "/files", 503)
    server.fail_next("POST", "/batches", 500)
    server.fail_next("GET", "/batches/", 429, times=2)
    sleeps = SleepRecorder()
    model = model_on(server, retry_config=RetryConfig(max_attempts=3, sleep=sleeps))
    job = model.submit_batch(["a"]).wait(poll_interval=FAST)
    assert job.status == "completed"
    assert len(sleeps.waits) == 4  # one backoff per retry: files, batches, 2 polls
    assert all(0 < wait <= 1.0 for wait in sleeps.waits)
    assert len(server.calls("POST", "/files")) == 2
    assert len(server.batch_ids) == 1
    polls = len(server.calls("GET", "/batches/"))
    server.fail_next("GET", "/batches/", 401)
    with pytest.raises(GroqAuthenticationError):
        job.refresh()
    assert len(server.calls("GET", "/batches/")) == polls + 1  # never retried


def test_a_creation_whose_answer_was_lost_is_found_not_repeated(
    server: BatchServer,
) -> None:
    server.drop_next("POST", "/batches")
    job = model_on(server, max_retries=2).submit_batch(["a"])
    assert len(server.batch_ids) == 1
    assert job.id == server.batch_ids[0]
    assert len(server.calls("GET", "/batches")) == 1  # the lookup


# -- state file and resuming --------------------------------------------------------


def test_the_state_file_is_written_before_the_upload(
    server: BatchServer, tmp_path: Path
) -> None:
    state = tmp_path / "job.json"
    server.fail_next("POST", "/files", 401)
    model = model_on(server)
    with pytest.raises(GroqAuthenticationError):
        model.submit_batch(["a", "b"], state_file=state)
    saved = json.loads(state.read_text())
    assert saved["custom_ids"] == ["request-0", "request-1"]
    assert saved["input_file_id"] is None
    assert Path(saved["input_copy"]).exists()

    job = GroqBatchJob.resume(state, model)  # another process would do this
    job.wait(poll_interval=FAST)
    assert [r.content for r in job.results() if isinstance(r, AIMessage)] == [
        "echo: a",
        "echo: b",
    ]
    assert not Path(saved["input_copy"]).exists()  # not needed once on Groq
    assert json.loads(state.read_text())["batch"]["status"] == "completed"
    assert len(server.calls("POST", "/files")) == 2


def test_a_creation_cut_short_is_found_on_resume_not_made_twice(
    server: BatchServer, tmp_path: Path
) -> None:
    state = tmp_path / "job.json"
    server.drop_next("POST", "/batches")
    model = model_on(server)  # no retries: the lost answer reaches the caller
    with pytest.raises(GroqError):
        model.submit_batch(["a"], state_file=state)
    assert json.loads(state.read_text())["create_sent"] is True
    job = GroqBatchJob.resume(state, model).refresh()
    assert server.batch_ids == [job.id]


def test_resume_refuses_another_server_and_a_broken_file(
    server: BatchServer, tmp_path: Path
) -> None:
    state = tmp_path / "job.json"
    model_on(server).submit_batch(["a"], state_file=state)
    other = ChatGroqSynaptic(model=MODEL, api_key="k", base_url="http://127.0.0.1:9/v1")
    with pytest.raises(ValueError, match=r"belongs to a batch on http://127\.0\.0\.1:"):
        GroqBatchJob.resume(state, other)
    with pytest.raises(FileExistsError, match="exists already"):
        model_on(server).submit_batch(["a"], state_file=state)
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "something else"}')
    with pytest.raises(ValueError, match="not a GroqBatchJob state file"):
        GroqBatchJob.resume(broken, model_on(server))


def test_the_key_is_never_in_the_state_file_or_the_repr(
    server: BatchServer, tmp_path: Path
) -> None:
    state = tmp_path / "job.json"
    job = model_on(server).submit_batch(["a"], state_file=state)
    job.wait(poll_interval=FAST)
    assert API_KEY not in state.read_text()
    assert API_KEY not in repr(job)
    assert repr(job).startswith(f"GroqBatchJob(id='{job.id}', status='completed'")


_SUBMIT_AND_WAIT = """
import sys
from langchain_synaptic_groq import ChatGroqSynaptic
model = ChatGroqSynaptic(model=sys.argv[1], base_url=sys.argv[2], api_key=sys.argv[3])
inputs = [f"q{n}" for n in range(int(sys.argv[5]))]
job = model.submit_batch(inputs, state_file=sys.argv[4])
job.wait(poll_interval=0.02, progress=True)
"""

_RESUME = """
import json, sys
from langchain_synaptic_groq import ChatGroqSynaptic, GroqBatchJob
model = ChatGroqSynaptic(model=sys.argv[1], base_url=sys.argv[2], api_key=sys.argv[3])
job = GroqBatchJob.resume(sys.argv[4], model).wait(poll_interval=0.02)
print(json.dumps([getattr(r, "content", repr(r)) for r in job.results()]))
"""


def test_a_process_killed_mid_wait_is_resumed_by_another(
    server: BatchServer, tmp_path: Path
) -> None:
    server.line_seconds = 0.1
    state = tmp_path / "job.json"
    args = [MODEL, server.base_url, API_KEY, str(state)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    waiting = subprocess.Popen(
        [sys.executable, "-c", _SUBMIT_AND_WAIT, *args, "6"],
        env=env,
        stderr=subprocess.PIPE,
    )
    try:
        server.wait_for(
            lambda: (
                state.exists()
                and (json.loads(state.read_text()).get("batch") or {}).get("status")
                == "in_progress"
            ),
            timeout=60,
        )
    finally:
        waiting.send_signal(signal.SIGKILL)
        waiting.wait(timeout=30)
    assert waiting.returncode == -signal.SIGKILL
    (batch_id,) = server.batch_ids
    assert server.batch(batch_id)["status"] == "in_progress"  # killed mid-wait

    resumed = subprocess.run(
        [sys.executable, "-c", _RESUME, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(resumed.stdout) == [f"echo: q{n}" for n in range(6)]
    assert server.batch_ids == [batch_id]  # the same batch, not a new one


# -- async ---------------------------------------------------------------------------


async def test_the_async_twins(server: BatchServer, tmp_path: Path) -> None:
    server.line_seconds = 0.02
    model = model_on(server)
    state = tmp_path / "job.json"
    job = await model.asubmit_batch(["a", "FAIL 400 b"], state_file=state)
    ticks = 0

    async def other_work() -> None:
        nonlocal ticks
        while not job.done:
            ticks += 1
            await asyncio.sleep(0.005)

    await asyncio.gather(job.await_(poll_interval=FAST), other_work())
    assert ticks > 1  # the loop ran between polls
    results = await job.aresults()
    assert isinstance(results[0], AIMessage)
    assert isinstance(results[1], GroqInvalidRequestError)
    resumed = GroqBatchJob.resume(state, model)
    assert (await resumed.arefresh()).status == "completed"
    await resumed.adelete_files()
    assert server.files == {}

    server.line_seconds = 0.05
    other = await GroqBatchJob.asubmit(model.bind(max_tokens=5), ["x"] * 20)
    assert json.loads(server.calls("POST", "/batches")[-1].body)["metadata"]
    await other.acancel()
    await other.await_(poll_interval=FAST)
    assert other.status == "cancelled"
    with pytest.raises(TypeError, match="RunnableBinding"):
        await model.bind(max_tokens=5).asubmit_batch(["x"])  # type: ignore[attr-defined]


def test_bound_kwargs_and_call_kwargs_merge_call_winning(server: BatchServer) -> None:
    bound = model_on(server).bind(max_tokens=5, temperature=0.5).bind(max_tokens=7)
    GroqBatchJob.submit(bound, [[SystemMessage("s"), HumanMessage("h")]], temperature=1)
    (line,) = uploaded_lines(server)
    assert line["body"]["max_completion_tokens"] == 7
    assert line["body"]["temperature"] == 1


def test_unbound_runnables_are_refused() -> None:
    with pytest.raises(TypeError, match="takes a ChatGroqSynaptic or a binding"):
        GroqBatchJob.submit(ScriptedGroq().model() | (lambda m: m), ["x"])


# -- the command line ------------------------------------------------------------


@pytest.fixture
def cli_env(server: BatchServer, monkeypatch: pytest.MonkeyPatch) -> BatchServer:
    monkeypatch.setenv("GROQ_API_BASE", server.base_url)
    monkeypatch.setenv("GROQ_API_KEY", API_KEY)
    monkeypatch.setenv("SYNAPTIC_GROQ_MODEL", MODEL)
    return server


def test_cli_submits_a_txt_of_prompts_and_prints_results_in_order(
    cli_env: BatchServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from langchain_synaptic_groq.__main__ import main

    prompts = tmp_path / "prompts.txt"
    prompts.write_text("first\n\nFAIL 400 second\nthird\n")
    state = tmp_path / "job.json"
    assert main(["batch", "submit", str(prompts), "--max-tokens", "9",
                 "--metadata", "run=cli", "--state-file", str(state),
                 "--wait", "--poll-interval", "0.02"]) == 0  # fmt: skip
    out = capsys.readouterr()
    batch_id = out.out.strip()
    assert batch_id == cli_env.batch_ids[0]
    assert f"{batch_id}\tcompleted" in out.err
    sent = uploaded_lines(cli_env)
    assert [line["body"]["max_completion_tokens"] for line in sent] == [9, 9, 9]

    assert main(["batch", "status", batch_id]) == 0
    status = capsys.readouterr().out
    assert status == f"{batch_id}\tcompleted\t2/3 completed, 1 failed\n"
    assert main(["batch", "results", batch_id]) == 0
    lines = [json.loads(ln) for ln in capsys.readouterr().out.splitlines()]
    assert [ln["custom_id"] for ln in lines] == ["request-0", "request-1", "request-2"]
    assert lines[0]["content"] == "echo: first"
    assert lines[1]["error"]["type"] == "GroqInvalidRequestError"
    assert lines[1]["error"]["code"] == "scripted_failure"
    assert lines[2]["content"] == "echo: third"


def test_cli_submits_jsonl_lines_as_they_are_and_cancels(
    cli_env: BatchServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from langchain_synaptic_groq.__main__ import main

    cli_env.validate_seconds = 5
    requests = tmp_path / "requests.jsonl"
    body = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}
    rows = [
        {"custom_id": f"row-{n}", "method": "POST", "url": "/v1/chat/completions"}
        for n in range(2)
    ]
    requests.write_text("\n".join(json.dumps({**row, "body": body}) for row in rows))
    assert main(["batch", "submit", str(requests)]) == 0
    batch_id = capsys.readouterr().out.strip()
    assert [ln["custom_id"] for ln in uploaded_lines(cli_env)] == ["row-0", "row-1"]
    assert uploaded_lines(cli_env)[0]["body"] == body
    assert main(["batch", "results", batch_id]) == 1
    assert "is validating" in capsys.readouterr().err
    assert main(["batch", "cancel", batch_id]) == 0
    assert capsys.readouterr().out == f"{batch_id}\tcancelling\n"


def test_cli_refuses_bad_files_naming_them(
    cli_env: BatchServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from langchain_synaptic_groq.__main__ import main

    csv = tmp_path / "rows.csv"
    csv.write_text("a,b\n")
    assert main(["batch", "submit", str(csv)]) == 2
    assert ".jsonl of batch lines or a .txt" in capsys.readouterr().err
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"custom_id": "a"}\nnot json\n')
    assert main(["batch", "submit", str(broken)]) == 2
    assert "line 2, is not JSON" in capsys.readouterr().err
    prompts = tmp_path / "prompts.txt"
    prompts.write_text("hi\n")
    assert main(["batch", "submit", str(prompts), "--metadata", "oops"]) == 2
    assert "KEY=VALUE" in capsys.readouterr().err
    assert cli_env.requests == []
