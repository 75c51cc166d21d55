"""`python -m langchain_synaptic_groq`: the small command line."""

from __future__ import annotations

import functools
import subprocess
import sys

import pytest

import langchain_synaptic_groq.__main__ as cli
from langchain_synaptic_groq import ChatGroqSynaptic
from tests.support.scripted import CORE_MODEL, ScriptedGroq
from tests.support.wire import delta_event, full_completion, sse


def _wire(monkeypatch: pytest.MonkeyPatch, groq: ScriptedGroq) -> None:
    import httpx

    monkeypatch.setenv("GROQ_API_KEY", "gsk_cli")
    monkeypatch.setattr(
        cli,
        "ChatGroqSynaptic",
        functools.partial(
            ChatGroqSynaptic,
            http_client=httpx.Client(transport=httpx.MockTransport(groq.handler)),
        ),
    )


def test_no_key_and_no_base_url_exits_2_with_one_line() -> None:
    env = {"PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-m", "langchain_synaptic_groq", "hello"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "GROQ_API_KEY" in proc.stderr


def test_streams_the_answer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    groq = ScriptedGroq(
        sse([delta_event("Bonjour"), delta_event(" !", finish_reason="stop")]),
        **CORE_MODEL,
    )
    _wire(monkeypatch, groq)
    code = cli.main(["Say hello", "--system", "French only", "--model", "m-1"])
    assert code == 0
    assert capsys.readouterr().out == "Bonjour !\n"
    assert groq.body["stream"] is True
    assert groq.body["model"] == "m-1"
    assert groq.body["messages"][0] == {"role": "system", "content": "French only"}


def test_no_stream(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    groq = ScriptedGroq(full_completion("Whole answer"), **CORE_MODEL)
    _wire(monkeypatch, groq)
    assert cli.main(["q", "--no-stream"]) == 0
    assert capsys.readouterr().out == "Whole answer\n"
    assert "stream" not in groq.body


def test_list_models(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    groq = ScriptedGroq(
        {
            "object": "list",
            "data": [
                {
                    "id": "llama-3.3-70b-versatile",
                    "object": "model",
                    "created": 1,
                    "owned_by": "Meta",
                    "active": True,
                    "context_window": 131072,
                    "max_completion_tokens": 32768,
                }
            ],
        },
        **CORE_MODEL,
    )
    _wire(monkeypatch, groq)
    assert cli.main(["--list-models"]) == 0
    out = capsys.readouterr().out
    assert out == "llama-3.3-70b-versatile\tMeta\tcontext 131072\n"
    assert groq.requests[0].method == "GET"
    assert groq.requests[0].url == "https://api.groq.com/openai/v1/models"


def test_api_error_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import httpx

    groq = ScriptedGroq(
        httpx.Response(
            404,
            json={
                "error": {
                    "message": "The model `x` does not exist",
                    "code": "model_not_found",
                }
            },
        ),
        **CORE_MODEL,
    )
    _wire(monkeypatch, groq)
    assert cli.main(["q", "--no-stream", "--model", "x"]) == 1
    assert "does not exist" in capsys.readouterr().err
