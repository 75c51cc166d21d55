"""Our own end-to-end tests against the real server (Groq or local llama.cpp).

Where the local server's greedy decoding makes answers reproducible, the
tests compare texts across paths (invoke vs stream vs CLI); on Groq they check
shape only.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langchain_core.exceptions import ContextOverflowError, ModelInvalidRequestError
from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from local_llm import ensure_model, ensure_server_binary
from pydantic import BaseModel, Field

from langchain_synaptic_groq import (
    ChatGroqSynaptic,
    GroqContextOverflowError,
    GroqInvalidRequestError,
)
from langchain_synaptic_groq.models import model_info
from tests.integration._target import Target, require_local

# What llama-server answers (HTTP 400) for a string temperature.
_LLAMA_BAD_TEMPERATURE = (
    "Field 'temperature': [json.exception.type_error.302] type must be number, "
    "but is string"
)
_QUESTIONS = ["What is the capital of France?", "Name a primary colour."]
_GROQ_JSON_SCHEMA_MODEL = "openai/gpt-oss-20b"


def _join(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    return full


def _check_stream_shape(chunks: list[AIMessageChunk], target: Target) -> None:
    assert len(chunks) > 2, "expected a token-level stream"
    assert chunks[-1].chunk_position == "last"
    with_usage = [c for c in chunks if c.usage_metadata]
    assert len(with_usage) == 1, "usage must arrive on exactly one chunk"
    named = [c for c in chunks if c.response_metadata.get("model_name")]
    assert len(named) == 1, "model_name must be on exactly one chunk"
    full = _join(chunks)
    assert full.text
    assert full.response_metadata["model_provider"] == "groq"
    assert full.response_metadata["finish_reason"] in ("stop", "length")
    if target.is_local:
        assert full.response_metadata["model_name"] == target.model


# -- LCEL ----------------------------------------------------------------------


def test_lcel_chain_invoke_stream_batch(chat: ChatGroqSynaptic, target: Target) -> None:
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Answer in one short sentence."), ("human", "{question}")]
    )
    chain = prompt | chat | StrOutputParser()

    answer = chain.invoke({"question": _QUESTIONS[0]})
    assert isinstance(answer, str)
    assert answer.strip()

    pieces = list(chain.stream({"question": _QUESTIONS[0]}))
    assert len(pieces) > 2, "the parser should pass tokens through one by one"
    assert all(isinstance(p, str) for p in pieces)
    if target.is_local:  # greedy decoding: the same text either way
        assert "".join(pieces) == answer

    answers = chain.batch([{"question": q} for q in _QUESTIONS])
    assert len(answers) == 2
    assert all(isinstance(a, str) and a.strip() for a in answers)


async def test_lcel_chain_async(chat: ChatGroqSynaptic, target: Target) -> None:
    prompt = ChatPromptTemplate.from_messages([("human", "{question}")])
    chain = prompt | chat | StrOutputParser()
    answer = await chain.ainvoke({"question": _QUESTIONS[1]})
    assert answer.strip()
    pieces = [p async for p in chain.astream({"question": _QUESTIONS[1]})]
    assert len(pieces) > 2
    if target.is_local:
        assert "".join(pieces) == answer
    answers = await chain.abatch([{"question": q} for q in _QUESTIONS])
    assert len(answers) == 2
    assert all(a.strip() for a in answers)


# -- streaming and async ---------------------------------------------------------


def test_stream_matches_invoke(chat: ChatGroqSynaptic, target: Target) -> None:
    message = chat.invoke(_QUESTIONS[0])
    assert isinstance(message, AIMessage)
    assert message.usage_metadata is not None
    assert message.usage_metadata["output_tokens"] > 0
    assert message.response_metadata["model_provider"] == "groq"

    chunks = list(chat.stream(_QUESTIONS[0]))
    _check_stream_shape(chunks, target)
    full = _join(chunks)
    if target.is_local:
        assert full.text == message.text
        usage, expected = full.usage_metadata, message.usage_metadata
        assert usage is not None
        assert usage["input_tokens"] == expected["input_tokens"]
        assert usage["output_tokens"] == expected["output_tokens"]


async def test_async_invoke_and_stream(chat: ChatGroqSynaptic, target: Target) -> None:
    message = await chat.ainvoke([HumanMessage(_QUESTIONS[1])])
    assert message.text
    assert message.usage_metadata is not None

    chunks = [c async for c in chat.astream([HumanMessage(_QUESTIONS[1])])]
    _check_stream_shape(chunks, target)
    if target.is_local:
        assert _join(chunks).text == message.text

    many = await chat.abatch(list[Any](_QUESTIONS))
    assert [isinstance(m, AIMessage) and bool(m.text) for m in many] == [True, True]


def test_stream_without_usage(target: Target) -> None:
    chat = ChatGroqSynaptic(**target.model_params(stream_usage=False, max_tokens=8))
    chunks = list(chat.stream("Hi"))
    assert chunks[-1].chunk_position == "last"
    assert not any(c.usage_metadata for c in chunks)


# -- structured output -------------------------------------------------------------


class Capital(BaseModel):
    """A country's capital city."""

    city: str = Field(description="the capital city")


def _json_schema_chat(target: Target) -> ChatGroqSynaptic:
    if target.is_local:
        # Tiny schema, short answer: llama-server enforces it with a grammar.
        return ChatGroqSynaptic(**target.model_params(max_tokens=48))
    # On Groq, a model that takes response_format json_schema (a reasoning
    # model: leave room for its reasoning tokens).
    model = target.model
    if not model_info(model).strict_json_schema:
        model = _GROQ_JSON_SCHEMA_MODEL
    return ChatGroqSynaptic(**target.model_params(model=model, max_tokens=1024))


def test_structured_output_json_schema(target: Target) -> None:
    chat = _json_schema_chat(target)
    structured = chat.with_structured_output(
        Capital, method="json_schema", include_raw=True
    )
    out = structured.invoke("What is the capital of France? Answer in JSON.")
    assert isinstance(out, dict)
    assert out["parsing_error"] is None
    assert isinstance(out["parsed"], Capital)
    assert out["parsed"].city
    raw = out["raw"]
    assert isinstance(raw, AIMessage)
    assert raw.response_metadata["finish_reason"] == "stop"

    as_dict = chat.with_structured_output(
        Capital.model_json_schema(), method="json_schema"
    ).invoke("What is the capital of Italy? Answer in JSON.")
    assert isinstance(as_dict, dict)
    assert set(as_dict) == {"city"}

    streamed = list(
        chat.with_structured_output(Capital, method="json_schema").stream(
            "What is the capital of France? Answer in JSON."
        )
    )
    assert streamed
    assert isinstance(streamed[-1], Capital)
    if target.is_local:
        assert streamed[-1] == out["parsed"]


# -- the CLI ---------------------------------------------------------------------


def _cli(target: Target, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        GROQ_API_BASE=target.base_url,
        GROQ_API_KEY=target.api_key,
        SYNAPTIC_GROQ_MODEL=target.model,
    )
    env.pop("GROQ_BASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "langchain_synaptic_groq", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_cli_against_the_server(chat: ChatGroqSynaptic, target: Target) -> None:
    prompt = "Name one planet."
    options = ["--temperature", "0", "--max-tokens", "24", "--seed", "42"]
    streamed = _cli(target, prompt, *options)
    assert streamed.returncode == 0, streamed.stderr
    assert streamed.stdout.strip()

    whole = _cli(target, prompt, "--no-stream", *options)
    assert whole.returncode == 0, whole.stderr
    assert whole.stdout.strip()

    if target.is_local:
        expected = chat.invoke(prompt, max_tokens=24).text
        assert whole.stdout == expected + "\n"
        assert streamed.stdout == expected + "\n"

    listed = _cli(target, "--list-models")
    assert listed.returncode == 0, listed.stderr
    assert target.model in listed.stdout.split()


def test_cli_reports_server_errors(target: Target) -> None:
    require_local(target, "needs the local server's 4096-token context")
    result = _cli(target, "hello " * 5000, "--no-stream")
    assert result.returncode == 1
    assert "exceeds the available context size" in result.stderr
    assert result.stdout == ""


# -- errors from the server ------------------------------------------------------

_OVERFLOW = "needs the local server's 4096-token context (-c 4096)"


def test_context_overflow_invoke(chat: ChatGroqSynaptic, target: Target) -> None:
    require_local(target, _OVERFLOW)
    with pytest.raises(GroqContextOverflowError) as info:
        chat.invoke("hello " * 5000)
    err = info.value
    assert isinstance(err, ContextOverflowError)
    assert isinstance(err, ModelInvalidRequestError)
    assert err.status_code == 400
    assert err.error_type == "exceed_context_size_error"
    assert "exceeds the available context size (4096 tokens)" in err.message
    assert not err.is_retryable


def test_context_overflow_stream(chat: ChatGroqSynaptic, target: Target) -> None:
    require_local(target, _OVERFLOW)
    # llama-server refuses a stream request with a plain JSON 400.
    with pytest.raises(GroqContextOverflowError) as info:
        list(chat.stream("hello " * 5000))
    assert "exceeds the available context size" in info.value.message


async def test_context_overflow_async(chat: ChatGroqSynaptic, target: Target) -> None:
    require_local(target, _OVERFLOW)
    with pytest.raises(ContextOverflowError):
        await chat.ainvoke("hello " * 5000)
    with pytest.raises(ContextOverflowError):
        async for _ in chat.astream("hello " * 5000):
            pass


def test_bad_parameter_invoke(chat: ChatGroqSynaptic, target: Target) -> None:
    with pytest.raises(GroqInvalidRequestError) as info:
        chat.invoke("Hi", temperature="abc")
    err = info.value
    assert not isinstance(err, ContextOverflowError)
    assert isinstance(err, ModelInvalidRequestError)
    assert err.status_code == 400
    assert not err.is_retryable
    assert "temperature" in err.message
    if target.is_local:
        assert err.message == _LLAMA_BAD_TEMPERATURE
        assert err.error_type == "invalid_request_error"
        assert _LLAMA_BAD_TEMPERATURE in str(err)


async def test_bad_parameter_stream(chat: ChatGroqSynaptic, target: Target) -> None:
    with pytest.raises(GroqInvalidRequestError) as info:
        list(chat.stream("Hi", temperature="abc"))
    assert "temperature" in info.value.message
    with pytest.raises(GroqInvalidRequestError) as ainfo:
        async for _ in chat.astream("Hi", temperature="abc"):
            pass
    assert ainfo.value.message == info.value.message


# -- per-call model override, on a server that serves two models ---------------

_ROUTER_MODELS = ("smollm2-a", "smollm2-b")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def router_url(
    target: Target, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """llama-server in router mode: the same GGUF under two model names.

    The session's server has one model and ignores the requested id, so the
    standard override tests cannot tell whether the per-call `model` reached
    the server. A router picks the model by the request's `model`, and names
    it in the response.
    """
    require_local(target, "starts a second llama-server (router mode) locally")
    binary, gguf = ensure_server_binary(), ensure_model()
    folder = tmp_path_factory.mktemp("router")
    preset = folder / "models.ini"
    # repack = false: the plain CPU kernels. On VMs whose CPU advertises AMX
    # ggml's AMX kernels fault (LocalServer falls back the same way); this
    # test is about routing, not speed.
    preset.write_text(
        "".join(
            f"[{name}]\nmodel = {gguf}\nctx-size = 1024\nthreads = 1\n"
            "repack = false\n\n"
            for name in _ROUTER_MODELS
        )
    )
    port = _free_port()
    with (folder / "router.log").open("wb") as log:
        proc = subprocess.Popen(
            [binary, "--models-preset", str(preset), "--host", "127.0.0.1",
             "--port", str(port), "--models-max", "2"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/models", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log_text = (folder / "router.log").read_text(errors="replace")
                pytest.fail(f"llama-server router did not start:\n{log_text[-2000:]}")
            time.sleep(0.25)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # the router and its model servers
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


async def test_model_override_reaches_the_server(router_url: str) -> None:
    default, other = _ROUTER_MODELS
    chat = ChatGroqSynaptic(
        model=default,
        base_url=router_url,
        api_key="local-no-key",
        temperature=0,
        max_tokens=4,
        timeout=120,
    )
    assert chat.invoke("Hi").response_metadata["model_name"] == default
    assert chat.invoke("Hi", model=other).response_metadata["model_name"] == other
    streamed = [c for c in chat.stream("Hi", model=other)]
    assert _join(streamed).response_metadata["model_name"] == other
    reply = await chat.ainvoke("Hi", model=other)
    assert reply.response_metadata["model_name"] == other
    achunks = [c async for c in chat.astream("Hi", model=other)]
    assert _join(achunks).response_metadata["model_name"] == other
    # Through a binding, as a fallback chain or an A/B switch would do it.
    bound = chat.bind(model=other)
    assert bound.invoke("Hi").response_metadata["model_name"] == other
