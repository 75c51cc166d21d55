"""The Batch API end to end, with a real model answering every line.

Groq's Files and Batches endpoints are the loopback implementation of the
unit tier (`tests/support/batch_server.py`); each line it runs goes to the
session's real server (the local llama.cpp server, or Groq itself), so the
answers the job maps back are a real model's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage

from langchain_synaptic_groq import ChatGroqSynaptic, GroqBatchJob
from tests.integration._target import Target
from tests.support.batch_server import API_KEY, BatchServer, forward_runner

ROOT = Path(__file__).resolve().parents[2]
PROMPTS = ["Name a colour.", "Say hello.", "Name a fruit."]


@pytest.fixture
def batch_server(target: Target) -> Iterator[BatchServer]:
    """The loopback batch service, running each line against the target."""
    with BatchServer(forward_runner(target.base_url, target.api_key)) as server:
        yield server


def _params(target: Target, server: BatchServer) -> dict[str, Any]:
    return target.model_params(
        base_url=server.base_url, api_key=API_KEY, max_tokens=16, max_retries=2
    )


def test_a_batch_gets_the_real_models_answers_in_input_order(
    target: Target, batch_server: BatchServer, tmp_path: Path
) -> None:
    model = ChatGroqSynaptic(**_params(target, batch_server))
    job = model.submit_batch(PROMPTS, state_file=tmp_path / "job.json")
    results = job.wait(poll_interval=0.2).results()
    assert job.status == "completed"

    direct = ChatGroqSynaptic(**target.model_params(max_tokens=16))
    for prompt, result in zip(PROMPTS, results, strict=True):
        assert isinstance(result, AIMessage), result
        assert result.text.strip()
        assert result.usage_metadata is not None
        assert result.usage_metadata["output_tokens"] > 0
        # greedy and seeded: the same request asked directly answers the same
        assert result.text == direct.invoke(prompt).text
        assert result.response_metadata["finish_reason"] in ("stop", "length")


_SUBMIT_AND_WAIT = """
import json, sys
from langchain_synaptic_groq import ChatGroqSynaptic
params = json.loads(sys.argv[1])
model = ChatGroqSynaptic(**params)
job = model.submit_batch(json.loads(sys.argv[3]), state_file=sys.argv[2])
job.wait(poll_interval=0.1, progress=True)
"""

_RESUME = """
import json, sys
from langchain_synaptic_groq import ChatGroqSynaptic, GroqBatchJob
model = ChatGroqSynaptic(**json.loads(sys.argv[1]))
job = GroqBatchJob.resume(sys.argv[2], model).wait(poll_interval=0.1)
print(json.dumps([getattr(r, "text", repr(r)) for r in job.results()]))
"""


def test_a_process_killed_mid_wait_resumes_in_another_and_gets_every_answer(
    target: Target, batch_server: BatchServer, tmp_path: Path
) -> None:
    batch_server.line_seconds = 0.3  # time to be killed while lines still run
    state = tmp_path / "job.json"
    params = json.dumps(_params(target, batch_server))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    waiting = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _SUBMIT_AND_WAIT,
            params,
            str(state),
            json.dumps(PROMPTS),
        ],
        env=env,
        stderr=subprocess.DEVNULL,
    )

    def running() -> bool:
        if not state.exists():
            return False
        batch = json.loads(state.read_text()).get("batch") or {}
        return batch.get("status") == "in_progress"

    try:
        batch_server.wait_for(running, timeout=120)
    finally:
        waiting.send_signal(signal.SIGKILL)
        waiting.wait(timeout=30)
    (batch_id,) = batch_server.batch_ids
    counts = batch_server.batch(batch_id)["request_counts"]
    assert counts["completed"] < len(PROMPTS)  # killed before the end

    resumed = subprocess.run(
        [sys.executable, "-c", _RESUME, params, str(state)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    answers = json.loads(resumed.stdout)
    assert len(answers) == len(PROMPTS)
    assert all(isinstance(a, str) and a.strip() for a in answers), answers
    assert batch_server.batch_ids == [batch_id]  # picked up, not submitted again
    job = GroqBatchJob.resume(state, ChatGroqSynaptic(**json.loads(params)))
    assert [r.text for r in job.results() if isinstance(r, AIMessage)] == answers
