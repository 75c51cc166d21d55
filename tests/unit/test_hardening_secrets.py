"""The API key never leaves the request's Authorization header.

One canary key goes through every way of calling the model (invoke, ainvoke,
stream, astream, astream_events, batch, tools, retries, HTTP errors with the
key echoed back, an error inside a stream) with every logger at DEBUG, a
callback handler recording every payload, an in-memory tracer and the
console tracer; then it is looked for in all of it, and in the model's
renderings and the errors' reprs and tracebacks. Also: the key is a
`SecretStr` everywhere it is held, `include_response_headers` masks
credentials a server echoes back, and plain http to another host warns.

Known limit, not ours to fix: httpcore at DEBUG logs each response's raw
headers, so a server that echoes the key in a response header gets it into
httpcore's debug log (see SECURITY.md); the tests that echo headers leave
httpcore's records out.
"""

from __future__ import annotations

import copy
import json
import logging
import pickle
import traceback
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.load import dumps
from langchain_core.tools import tool
from langchain_core.tracers.run_collector import RunCollectorCallbackHandler
from langchain_core.tracers.stdout import ConsoleCallbackHandler
from pydantic import BaseModel, SecretStr

from langchain_synaptic_groq import (
    ChatGroqSynaptic,
    GroqAuthenticationError,
    GroqConfig,
    GroqError,
    GroqModel,
    GroqStreamError,
    RetryConfig,
)
from langchain_synaptic_groq._transport import plain_http_origin
from tests.support.fault_server import (
    MODEL,
    FaultServer,
    Reply,
    SleepRecorder,
    Stream,
    completion,
    delta,
    final,
    ok,
    ok_stream,
)

pytestmark = pytest.mark.allow_hosts(["127.0.0.1"])


def canary() -> str:
    # Built in a function so that no test frame holds the key in a local.
    return "gsk_hardeningCanary0123456789abcdefXYZ"


def assert_clean(text: str, where: str = "") -> None:
    key = canary()
    assert key not in text, where
    assert key[4:20] not in text, where  # no partial copy either


def echo_page() -> str:
    return f"<html><pre>Authorization: Bearer {canary()}</pre></html>"


class Recorder(BaseCallbackHandler):
    """Records the repr of every callback payload it is given."""

    def __init__(self) -> None:
        self.payloads: list[str] = []


def _recording(name: str) -> Any:
    def record(self: Recorder, *args: Any, **kwargs: Any) -> None:
        self.payloads.append(f"{name} {args!r} {kwargs!r}")

    return record


for _name in dir(BaseCallbackHandler):
    if _name.startswith("on_"):
        setattr(Recorder, _name, _recording(_name))


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    names = ["", "httpx", "httpcore", "langchain_synaptic_groq", "langchain_core"]
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    caplog.set_level(logging.DEBUG)
    yield caplog
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def rendered_records(records: list[logging.LogRecord]) -> list[str]:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    out = []
    for record in records:
        out.append(formatter.format(record))  # message, args and traceback
        out.append(repr(record.args))
        out.append(repr(vars(record)))
    return out


def rendered_error(err: BaseException) -> list[str]:
    te = traceback.TracebackException(
        type(err), err, err.__traceback__, capture_locals=True
    )
    out = [
        str(err),
        repr(err),
        "".join(te.format()),
        repr(pickle.loads(pickle.dumps(err))),
    ]
    if isinstance(err, GroqError):
        out.append(repr(vars(err)))
    return out


class City(BaseModel):
    name: str


@tool
def lookup(city: str) -> str:
    """Look a city up."""
    return city


def tool_call_completion() -> dict[str, Any]:
    body = completion("")
    body["choices"][0]["message"]["tool_calls"] = [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "City", "arguments": '{"name": "Paris"}'},
        }
    ]
    body["choices"][0]["finish_reason"] = "tool_calls"
    return body


async def test_the_key_is_nowhere_in_logs_callbacks_traces_or_errors(
    fault_server: FaultServer,
    debug_logs: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sleeps = SleepRecorder()
    model = ChatGroqSynaptic(
        model=MODEL,
        api_key=canary(),
        base_url=fault_server.base_url,
        retry_config=RetryConfig(sleep=sleeps, async_sleep=sleeps.asleep, jitter=0),
        include_response_headers=True,
    )
    recorder = Recorder()
    collector = RunCollectorCallbackHandler()
    config: Any = {"callbacks": [recorder, collector, ConsoleCallbackHandler()]}
    seen: list[str] = []
    fault_server.script(
        ok("one"),
        ok("two"),
        ok_stream("thr", "ee"),
        ok_stream("fo", "ur"),
        ok_stream("fi", "ve"),
        ok("six"),
        ok("seven"),
        Reply(502, echo_page()),  # retried (logged, on_retry), then answered
        ok("eight"),
        Reply(200, tool_call_completion()),
        Reply(401, echo_page()),
        Stream([delta("a"), {"error": {"message": "overloaded", "type": "x"}}]),
    )
    seen.append(repr(model.invoke("Hi", config=config)))
    seen.append(repr(await model.ainvoke("Hi", config=config)))
    seen.extend(repr(c) for c in model.stream("Hi", config=config))
    seen.extend([repr(c) async for c in model.astream("Hi", config=config)])
    seen.extend(
        [
            repr(event)
            async for event in model.astream_events("Hi", version="v2", config=config)
        ]
    )
    seen.extend(repr(a) for a in model.batch(["Hi", "Ho"], config=config))
    seen.append(repr(model.invoke("Hi", config=config)))
    structured = model.with_structured_output(City, method="function_calling")
    seen.append(repr(structured))
    seen.append(repr(structured.invoke("Hi", config=config)))
    with pytest.raises(GroqAuthenticationError) as auth:
        model.bind_tools([lookup]).invoke("Hi", config=config)
    seen.extend(rendered_error(auth.value))
    with pytest.raises(GroqStreamError) as cut:
        list(model.stream("Hi", config=config))
    seen.extend(rendered_error(cut.value))
    assert fault_server.attempts == 12
    assert sleeps.waits  # the 502 was retried
    assert fault_server.requests[0].headers["authorization"] == f"Bearer {canary()}"

    assert recorder.payloads
    # The key's field reaches the callbacks (the model's repr), masked.
    assert any("SecretStr('**********')" in p for p in recorder.payloads)
    assert collector.traced_runs
    seen.extend(recorder.payloads)
    for run in collector.traced_runs:
        seen.append(repr(run))
        seen.append(run.model_dump_json())
    records = debug_logs.records
    assert any(r.name.startswith("httpcore") for r in records)
    assert any(r.name.startswith("httpx") for r in records)
    assert any(r.name == "langchain_synaptic_groq" for r in records)  # the retry
    seen.extend(rendered_records(records))
    seen.append(debug_logs.text)
    captured = capsys.readouterr()
    assert "chat_model" in captured.out  # the console tracer printed the runs
    seen.extend([captured.out, captured.err])
    for n, text in enumerate(seen):
        assert_clean(text, f"item {n}")


def test_the_key_is_not_in_any_rendering_of_the_model() -> None:
    model = ChatGroqSynaptic(api_key=canary(), model=GroqModel.LLAMA_3_1_8B_INSTANT)
    renderings = [
        repr(model),
        str(model),
        repr(model.model_dump()),
        repr(model.model_dump(mode="json")),
        model.model_dump_json(),
        dumps(model),
        dumps(model, pretty=True),
        json.dumps(model.to_json(), default=repr),
        repr(model._identifying_params),
        repr(model._get_ls_params()),
        repr(model.bind_tools([lookup])),
        repr(model.with_structured_output(City)),
        repr(model.with_retry()),
        repr(copy.deepcopy(model)),
        repr(model.model_copy(update={"temperature": 0.5})),
    ]
    transport = model._get_transport()
    renderings.extend(
        repr(getattr(transport, slot)) for slot in type(transport).__slots__
    )
    config = GroqConfig.new(canary(), GroqModel.LLAMA_3_1_8B_INSTANT)
    renderings.extend([repr(config), str(config), config.model_dump_json()])
    for n, text in enumerate(renderings):
        assert_clean(text, f"rendering {n}")


def test_the_key_is_a_secret_str_however_it_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GROQ_API_KEY", canary())
    config = GroqConfig.new(canary(), GroqModel.LLAMA_3_1_8B_INSTANT)
    models = [
        ChatGroqSynaptic(),
        ChatGroqSynaptic(api_key=canary()),
        ChatGroqSynaptic(groq_api_key=canary()),
        ChatGroqSynaptic(api_key=SecretStr(canary())),
        ChatGroqSynaptic.from_config(config),
    ]
    assert isinstance(config.api_key, SecretStr)
    for model in models:
        assert isinstance(model.api_key, SecretStr)
        assert model.api_key.get_secret_value() == canary()
        transport = model._get_transport()
        assert isinstance(transport._secret, SecretStr)
        # The one plain copy: the header httpx sends (its repr masks it).
        assert transport._headers["authorization"] == f"Bearer {canary()}"
        assert_clean(repr(transport._headers))


def echoing_headers() -> dict[str, str]:
    return {
        "authorization": f"Bearer {canary()}",
        "proxy-authorization": f"Basic {canary()}",
        "set-cookie": "session=abc123; Secure",
        "x-echo-key": f"you sent {canary()}",
        "x-request-id": "req_echo",
    }


@pytest.mark.parametrize("mode", ["invoke", "stream"])
async def test_response_headers_never_carry_the_key_or_credentials(
    fault_server: FaultServer, debug_logs: pytest.LogCaptureFixture, mode: str
) -> None:
    if mode == "invoke":
        fault_server.script(Reply(200, completion("ok"), echoing_headers()))
    else:
        fault_server.script(Stream([delta("ok"), final()], headers=echoing_headers()))
    model = ChatGroqSynaptic(
        model=MODEL,
        api_key=canary(),
        base_url=fault_server.base_url,
        max_retries=0,
        include_response_headers=True,
    )
    recorder = Recorder()
    config: Any = {"callbacks": [recorder]}
    if mode == "invoke":
        meta = model.invoke("Hi", config=config).response_metadata
    else:
        chunks = list(model.stream("Hi", config=config))
        meta = chunks[-1].response_metadata
    headers = meta["headers"]
    assert headers["authorization"] == "***"
    assert headers["proxy-authorization"] == "***"
    assert headers["set-cookie"] == "***"
    assert headers["x-echo-key"] == "you sent ***"
    assert meta["request_id"] == "req_echo"
    assert_clean(repr(meta))
    for n, payload in enumerate(recorder.payloads):
        assert_clean(payload, f"callback {n}")
    ours = [r for r in debug_logs.records if not r.name.startswith("httpcore")]
    for text in rendered_records(ours):
        assert_clean(text)


async def test_an_error_with_echoing_headers_keeps_the_key_out(
    fault_server: FaultServer,
) -> None:
    fault_server.script(Reply(401, echo_page(), echoing_headers()))
    model = ChatGroqSynaptic(
        model=MODEL, api_key=canary(), base_url=fault_server.base_url, max_retries=0
    )
    with pytest.raises(GroqAuthenticationError) as info:
        await model.ainvoke("Hi")
    assert info.value.request_id == "req_echo"
    for text in rendered_error(info.value):
        assert_clean(text)


# -- plain http -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("http://10.1.2.3/openai/v1", "http://10.1.2.3"),
        ("HTTP://Groq-Proxy.Example.COM/openai/v1", "http://groq-proxy.example.com"),
        ("http://user:s3cret@proxy.example:8080/v1", "http://proxy.example:8080"),
        ("http://[2001:db8::1]:8000/v1", "http://[2001:db8::1]:8000"),
        ("http://localhost.evil.example/v1", "http://localhost.evil.example"),
        ("https://api.groq.com/openai/v1", None),
        ("http://localhost:8080/v1", None),
        ("http://LOCALHOST/v1", None),
        ("http://api.localhost/v1", None),
        ("http://127.0.0.1:9/v1", None),
        ("http://127.3.4.5/v1", None),
        ("http://[::1]:8000/v1", None),
        ("http://bad port:x/v1", None),  # not a URL httpx could use either
    ],
)
def test_plain_http_origin(url: str, origin: str | None) -> None:
    assert plain_http_origin(url) == origin


def test_plain_http_to_another_host_warns_without_the_credentials_in_the_url(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="langchain_synaptic_groq"):
        ChatGroqSynaptic(
            api_key=canary(), base_url="http://user:s3cret@proxy.example:8080/v1"
        )
    assert "http://proxy.example:8080 uses plain http" in caplog.text
    assert "unencrypted" in caplog.text
    assert "s3cret" not in caplog.text
    assert_clean(caplog.text)


def test_no_plain_http_warning_for_loopback_https_or_no_key(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GROQ_API_KEY", raising=False)
    with caplog.at_level(logging.WARNING, logger="langchain_synaptic_groq"):
        ChatGroqSynaptic(api_key="k", base_url="http://127.0.0.2:8000/v1")
        ChatGroqSynaptic(api_key="k", base_url="http://[::1]:8000/v1")
        ChatGroqSynaptic(api_key="k", base_url="https://gateway.example/v1")
        ChatGroqSynaptic(base_url="http://10.1.2.3/v1")  # no key to expose
    assert "plain http" not in caplog.text


def test_a_non_json_parameter_is_a_clear_value_error_not_a_leak() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("nothing must be sent")

    model = ChatGroqSynaptic(
        api_key=canary(),
        model_kwargs={"x_blob": {"raw": b"\x00"}},
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    with pytest.raises(ValueError, match="cannot be sent as JSON") as info:
        model.invoke("Hi")
    for text in rendered_error(info.value):
        assert_clean(text)
