"""What users read back: content, usage, metadata, for invoke and stream."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from langchain_core.messages import AIMessageChunk

from tests.support.scripted import CORE_MODEL, ScriptedGroq
from tests.support.wire import MODEL, delta_event, full_completion, sse

GROQ_USAGE = {
    "queue_time": 0.05,
    "prompt_tokens": 20,
    "prompt_time": 0.002,
    "completion_tokens": 4,
    "completion_time": 0.01,
    "total_tokens": 24,
    "total_time": 0.012,
}


def _collect(chunks: Any) -> AIMessageChunk:
    full = None
    for chunk in chunks:
        full = chunk if full is None else full + chunk
    assert full is not None
    return full


def test_invoke_fills_content_id_usage_and_metadata() -> None:
    usage = {
        **GROQ_USAGE,
        "prompt_tokens_details": {"cached_tokens": 8},
        "completion_tokens_details": {"reasoning_tokens": 2},
    }
    groq = ScriptedGroq(
        full_completion("Paris.", model="llama-3.3-70b-versatile", usage=usage),
        **CORE_MODEL,
    )
    ai = groq.model().invoke("Capital of France?")
    assert ai.content == "Paris."
    assert ai.id == "chatcmpl-abc"
    assert ai.usage_metadata == {
        "input_tokens": 20,
        "output_tokens": 4,
        "total_tokens": 24,
        "input_token_details": {"cache_read": 8},
        "output_token_details": {"reasoning": 2},
    }
    meta = ai.response_metadata
    assert meta["model_provider"] == "groq"
    assert meta["model_name"] == "llama-3.3-70b-versatile"  # as the response says
    assert meta["finish_reason"] == "stop"
    assert meta["system_fingerprint"] == "fp_123"
    assert meta["service_tier"] == "on_demand"
    assert meta["id"] == "chatcmpl-abc"
    assert meta["x_groq_id"] == "req_abc"
    assert meta["request_id"] == "req_hdr"
    assert meta["timings"] == {
        "queue_time": 0.05,
        "prompt_time": 0.002,
        "completion_time": 0.01,
        "total_time": 0.012,
    }
    assert meta["rate_limit"] == {
        "limit_requests": 14400,
        "remaining_requests": 14399,
        "reset_requests": pytest.approx(179.56),
        "limit_tokens": 6000,
        "remaining_tokens": 5985,
        "reset_tokens": pytest.approx(0.15),
    }
    assert "headers" not in meta


def test_include_response_headers() -> None:
    groq = ScriptedGroq(full_completion(), **CORE_MODEL)
    ai = groq.model(include_response_headers=True).invoke("Hi")
    assert ai.response_metadata["headers"]["x-ratelimit-limit-tokens"] == "6000"


def test_reasoning_and_executed_tools_are_kept() -> None:
    groq = ScriptedGroq(
        full_completion(
            "42", reasoning="Let me think.", executed_tools=[{"type": "search"}]
        ),
        **CORE_MODEL,
    )
    ai = groq.model().invoke("?")
    assert ai.additional_kwargs["reasoning_content"] == "Let me think."
    assert ai.additional_kwargs["executed_tools"] == [{"type": "search"}]


def test_v1_invoke_gives_content_blocks() -> None:
    groq = ScriptedGroq(full_completion("Hi there", reasoning="Hmm."), **CORE_MODEL)
    ai = groq.model(output_version="v1").invoke("Hi")
    assert ai.content == [
        {"type": "reasoning", "reasoning": "Hmm."},
        {"type": "text", "text": "Hi there"},
    ]


def _stream_events(usage_place: str) -> bytes:
    events: list[dict[str, Any]] = [
        delta_event("", role="assistant"),
        delta_event("Hel"),
        delta_event("lo"),
    ]
    last = delta_event(finish_reason="stop")
    if usage_place == "x_groq":
        last["x_groq"] = {"id": "req_s", "usage": GROQ_USAGE}
        events.append(last)
    elif usage_place == "top_level_empty_choices":
        events.append(last)
        events.append(
            {
                "id": "chatcmpl-s",
                "object": "chat.completion.chunk",
                "created": 1,
                "model": MODEL,
                "choices": [],
                "usage": GROQ_USAGE,
            }
        )
    elif usage_place == "both":
        last["x_groq"] = {"id": "req_s", "usage": GROQ_USAGE}
        last["usage"] = GROQ_USAGE
        events.append(last)
        events.append({"id": "chatcmpl-s", "choices": [], "usage": GROQ_USAGE})
    return sse(events)


@pytest.mark.parametrize("usage_place", ["x_groq", "top_level_empty_choices", "both"])
def test_stream_usage_counted_once(usage_place: str) -> None:
    groq = ScriptedGroq(_stream_events(usage_place), **CORE_MODEL)
    chunks = list(groq.model().stream("Hi"))
    with_usage = [c for c in chunks if c.usage_metadata]
    assert len(with_usage) == 1
    full = _collect(chunks)
    assert full.content == "Hello"
    assert full.usage_metadata == {
        "input_tokens": 20,
        "output_tokens": 4,
        "total_tokens": 24,
    }
    # finish metadata on the final chunk only, so nothing is concatenated
    assert [c.response_metadata.get("finish_reason") for c in chunks].count("stop") == 1
    assert full.response_metadata["finish_reason"] == "stop"
    assert full.response_metadata["model_name"] == MODEL
    assert full.response_metadata["model_provider"] == "groq"
    assert full.response_metadata["timings"]["queue_time"] == 0.05
    assert full.response_metadata["rate_limit"]["remaining_tokens"] == 5985
    assert full.id == "chatcmpl-s"


def test_stream_one_chunk_per_delta() -> None:
    groq = ScriptedGroq(_stream_events("x_groq"), **CORE_MODEL)
    texts = [c.content for c in groq.model().stream("Hi")]
    assert texts[:2] == ["Hel", "lo"]


def test_stream_usage_false_reports_no_usage() -> None:
    groq = ScriptedGroq(_stream_events("x_groq"), **CORE_MODEL)
    full = _collect(groq.model(stream_usage=False).stream("Hi"))
    assert full.usage_metadata is None


def test_streaming_true_routes_invoke_through_the_stream() -> None:
    groq = ScriptedGroq(_stream_events("x_groq"), **CORE_MODEL)
    ai = groq.model(streaming=True).invoke("Hi")
    assert groq.body["stream"] is True
    assert ai.content == "Hello"
    assert ai.usage_metadata is not None
    assert ai.usage_metadata["total_tokens"] == 24


def test_astream_matches_stream() -> None:
    groq = ScriptedGroq(_stream_events("top_level_empty_choices"), **CORE_MODEL)
    model = groq.model()

    async def run() -> AIMessageChunk:
        full = None
        async for chunk in model.astream("Hi"):
            full = chunk if full is None else full + chunk
        assert full is not None
        return full

    full = asyncio.run(run())
    assert full.content == "Hello"
    assert full.usage_metadata is not None
    assert full.usage_metadata["input_tokens"] == 20


def test_stream_v1_gives_text_blocks() -> None:
    groq = ScriptedGroq(_stream_events("x_groq"), **CORE_MODEL)
    full = _collect(groq.model(output_version="v1").stream("Hi"))
    assert full.content == [{"type": "text", "text": "Hello", "index": 0}]


def test_stream_reasoning_lands_in_additional_kwargs() -> None:
    events = [
        delta_event(reasoning="Think "),
        delta_event(reasoning="hard."),
        delta_event("Answer"),
        delta_event(finish_reason="stop"),
    ]
    groq = ScriptedGroq(sse(events), **CORE_MODEL)
    full = _collect(groq.model().stream("?"))
    assert full.additional_kwargs["reasoning_content"] == "Think hard."
    assert full.content == "Answer"


def test_async_invoke_works_under_a_new_event_loop_each_time() -> None:
    groq = ScriptedGroq(*[full_completion("ok")] * 3, **CORE_MODEL)
    model = groq.model()
    for _ in range(3):
        assert asyncio.run(model.ainvoke("Hi")).content == "ok"


def test_pooled_async_client_is_per_event_loop() -> None:
    # A client's connections belong to the loop that opened them; sharing one
    # across loops is what gives "Event loop is closed".
    from langchain_synaptic_groq._http import clients

    settings = clients.Settings(clients.DEFAULT_TIMEOUT)

    async def grab() -> object:
        first = await clients.shared_async(settings)
        again = await clients.shared_async(settings)
        assert first is again
        return first.client

    loop_a, loop_b = asyncio.new_event_loop(), asyncio.new_event_loop()
    try:
        client_a = loop_a.run_until_complete(grab())
        client_b = loop_b.run_until_complete(grab())
        assert client_a is not client_b
        assert loop_a.run_until_complete(grab()) is client_a
    finally:
        loop_a.close()
        loop_b.close()


def test_fast_text_chunk_equals_the_validated_objects() -> None:
    # text_chunk skips pydantic validation for speed; it must build exactly
    # what validation builds, or a langchain-core upgrade changed the models.
    from langchain_core.outputs import ChatGenerationChunk

    from langchain_synaptic_groq._response import text_chunk

    fast = text_chunk("tok", "chatcmpl-1")
    slow = ChatGenerationChunk(message=AIMessageChunk(content="tok", id="chatcmpl-1"))
    assert fast == slow
    assert fast.__dict__.keys() == slow.__dict__.keys()
    assert fast.message.__dict__ == slow.message.__dict__
    assert fast.message.model_fields_set == slow.message.model_fields_set
    assert fast.message.__pydantic_extra__ == slow.message.__pydantic_extra__
    assert fast.model_fields_set == slow.model_fields_set
    merged = fast.message + fast.message
    assert merged.content == "toktok"
    assert merged.response_metadata == {}


@pytest.mark.parametrize(
    "payload",
    [
        '{"choices": []} {"choices": []}',  # two values on one line
        '{"choices": [}',
        '{"choices": [{"delta": {"content": "\\x"}}]}',  # a bad escape
        "",
        "nul",
        "[" * 100_000,
    ],
)
def test_a_stream_event_that_is_not_one_json_value_raises(payload: str) -> None:
    from langchain_synaptic_groq import GroqStreamError

    groq = ScriptedGroq(sse([delta_event("a"), f"data: {payload}"]), **CORE_MODEL)
    with pytest.raises(GroqStreamError, match="not JSON"):
        list(groq.model(max_retries=0).stream("Hi"))


def test_stream_events_decode_as_json_loads_does() -> None:
    # Padding around the value, NaN and non-ASCII escapes as json.loads reads them.
    events = [
        'data:  {"id": "c", "choices": [{"index": 0, "delta": {"content": '
        '"\\u00e9"}}]}  ',
        'data: {"id": "c", "choices": [{"index": 0, "delta": {"content": "!"}}], '
        '"x": NaN}',
    ]
    chunks = list(ScriptedGroq(sse(events), **CORE_MODEL).model().stream("Hi"))
    assert "".join(str(c.content) for c in chunks) == "é!"


# A groq/compound search as Groq streams it (shape of the recording
# pydai-test-groq-model-web-search-tool-stream-0): the run starts with its
# arguments and empty results, then comes again, whole, under the same index.
_RESULTS = [
    {"title": "Weather in Lima", "url": "https://a.example", "content": "18 C"},
    {"title": "Lima forecast", "url": "https://b.example", "content": "Cloudy"},
]
_SEARCH_DONE = {
    "index": 0,
    "type": "search",
    "arguments": '{"query": "weather in Lima"}',
    "output": "Title: Weather in Lima\nURL: https://a.example",
    "search_results": {"results": _RESULTS},
}


def _search_stream() -> bytes:
    started = {**_SEARCH_DONE, "search_results": {"results": []}}
    del started["output"]
    return sse(
        [
            delta_event(executed_tools=[started]),
            delta_event(executed_tools=[_SEARCH_DONE]),
            delta_event("Cloudy, 18 C."),
            delta_event(finish_reason="stop"),
        ]
    )


def test_a_streamed_search_keeps_the_results_of_its_second_delivery() -> None:
    full = _collect(
        ScriptedGroq(_search_stream(), **CORE_MODEL).model().stream("Lima?")
    )
    assert full.content == "Cloudy, 18 C."
    # Once, whole: the output and every result of the finished run.
    assert full.additional_kwargs["executed_tools"] == [_SEARCH_DONE]


def test_a_streamed_search_result_block_carries_the_results_in_v1() -> None:
    model = ScriptedGroq(_search_stream(), **CORE_MODEL).model(output_version="v1")
    full = _collect(model.stream("Lima?"))
    assert isinstance(full.content, list)
    results = [b for b in full.content if b.get("type") == "server_tool_result"]
    assert len(results) == 1
    assert results[0]["output"] == _SEARCH_DONE["output"]
    assert results[0]["extras"] == {"search_results": {"results": _RESULTS}}


def test_a_run_delivered_in_growing_pieces_is_joined_once() -> None:
    # A later delivery that extends the results (or a string) adds only the
    # new part; one that changes a value of another type keeps the first.
    first = {"index": 0, "type": "search", "arguments": '{"q": "a"}', "n": 1}
    second = {**first, "n": 2, "search_results": {"results": _RESULTS[:1]}}
    third = {**second, "output": "done", "search_results": {"results": _RESULTS}}
    events = [delta_event(executed_tools=[run]) for run in (first, second, third)]
    events.append(delta_event("ok", finish_reason="stop"))
    full = _collect(ScriptedGroq(sse(events), **CORE_MODEL).model().stream("Hi"))
    assert full.additional_kwargs["executed_tools"] == [{**third, "n": 1}]


def test_a_streamed_usage_breakdown_reaches_the_metadata_as_in_invoke() -> None:
    # Streams carry it in the last event's x_groq, invoke at the top level.
    breakdown = {"models": [{"model": "openai/gpt-oss-120b", "usage": GROQ_USAGE}]}
    last = delta_event(finish_reason="stop")
    last["x_groq"] = {"usage": GROQ_USAGE, "usage_breakdown": breakdown}
    streamed = _collect(
        ScriptedGroq(sse([delta_event("Hi"), last]), **CORE_MODEL).model().stream("Hi")
    )
    invoked = ScriptedGroq(full_completion(usage_breakdown=None), **CORE_MODEL).model()
    assert streamed.response_metadata["usage_breakdown"] == breakdown
    assert "usage_breakdown" not in invoked.invoke("Hi").response_metadata
