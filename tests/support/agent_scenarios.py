"""Agent-loop scenarios in which Groq refuses the model's tool call.

Each `Scenario` is one real refusal (`tool_use_failed`), taken from the
recordings in `../shared/groq-recordings/` or from a public issue that quotes
Groq's answer (the source is named on each), and the task the agent was on.
`ModelSim` plays the model behind a scripted Groq endpoint: the first answer
(or the first two, for `refusals=2`) is the refusal, as a 400 or, for a
stream, as Groq sends it mid-stream (HTTP 200, then `event: error`); after
that the model does what a model does when it sees a tool error: it calls the
task's tool correctly, and once the tool's result is back it answers with it.

`run_task` drives a `langchain.agents.create_agent` loop with the scenario's
two tools (the task's tool and a distractor) and says whether the task
finished: the tool ran with the right arguments and the final answer quotes
its result. `tests/unit/test_agent_recovery.py` runs every scenario against
`ChatGroqSynaptic`; `benchmarks/agents.py` runs them against it and
`langchain_groq.ChatGroq` and counts the finished tasks.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
from langchain.agents import create_agent
from langchain_core.messages import AIMessage
from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, create_model

from . import recorded_failures as rec
from . import wire

__all__ = [
    "SCENARIOS",
    "ModelSim",
    "Outcome",
    "Scenario",
    "run_task",
    "run_task_async",
]

MODEL = wire.MODEL
FAILED = (
    "Failed to call a function. Please adjust your prompt. See "
    "'failed_generation' for more details."
)
RESULT_PREFIX = "RESULT"

Mode = Literal["invoke", "stream"]


@dataclass(frozen=True)
class Scenario:
    """One refusal and the task it interrupts.

    Attributes:
        name: Short id.
        source: Where Groq's answer was seen (a recording or an issue).
        error: Groq's `error` object (`message`, `type`, `code`,
            `failed_generation`).
        tool: The task's tool: its name and its argument types.
        args: The arguments a correct call passes.
        refusals: How many answers in a row are refused (2: the retry is
            refused too, and no client can finish).
        recoverable: Whether `ChatGroqSynaptic` is expected to finish.
        note: What the scenario shows.
    """

    name: str
    source: str
    error: Mapping[str, Any]
    tool: tuple[str, Mapping[str, type]]
    args: Mapping[str, Any]
    refusals: int = 1
    recoverable: bool = True
    note: str = ""


def _error(message: str, failed_generation: Any) -> dict[str, Any]:
    body = wire.error_body(
        message, code="tool_use_failed", failed_generation=failed_generation
    )
    return dict(body["error"])


def _recorded_error(body_text: str) -> dict[str, Any]:
    return dict(json.loads(body_text)["error"])


def _recorded_stream_error(events: list[str]) -> dict[str, Any]:
    (event,) = [e for e in events if e.startswith("event: error")]
    error = dict(json.loads(event.split("data: ", 1)[1])["error"])
    error.pop("status_code", None)
    return error


PYTHON_CODE = (
    "import csv\\nmax_country=None\\nmax_val=-1\\nwith open('/workspace/df.csv', "
    "newline='') as f:\\n reader=csv.DictReader(f)"
)

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "recorded-json-call-bad-args",
        f"recording {rec.TOOL_USE_FAILED_400_FILE} (gpt-oss-120b)",
        _recorded_error(rec.TOOL_USE_FAILED_400),
        ("get_something_by_name", {"name": str}),
        {"name": "test"},
        note="JSON call whose arguments miss the schema: recovered, the tool "
        "node reports the validation error, the model fixes the call",
    ),
    Scenario(
        "recorded-stream-json-call-bad-args",
        f"recording {rec.STREAM_TOOL_USE_FAILED_FILE} (event: error mid-stream)",
        _recorded_stream_error(rec.STREAM_TOOL_USE_FAILED),
        ("get_something_by_name", {"name": str}),
        {"name": "example"},
    ),
    Scenario(
        "recorded-prose-instead-of-call",
        f"recording {rec.NO_CALL_400_FILE}",
        _recorded_error(rec.NO_CALL_400),
        ("final_result", {"response": str}),
        {"response": "yes"},
        note="prose, not a call: retried once at a lower temperature",
    ),
    Scenario(
        "recorded-stream-empty-generation",
        f"recording {rec.STREAM_NO_CALL_FILE} (failed_generation is '')",
        _recorded_stream_error(rec.STREAM_NO_CALL),
        ("final_result", {"response": str}),
        {"response": "no"},
    ),
    Scenario(
        "function-tag",
        "langchain-ai/langchain#31440 (llama-3.1; the issue's `***` restored "
        "to the braces they replace)",
        _error(FAILED, '<function=brave_search>{"query": "Hello!"}</function>'),
        ("brave_search", {"query": str}),
        {"query": "Hello!"},
    ),
    Scenario(
        "function-tag-equals",
        "tashfeenahmed/freellmapi#291 (llama-3.3-70b-versatile)",
        _error(FAILED, '<function=read={"file_path": "sample.txt"}</function>'),
        ("read", {"file_path": str}),
        {"file_path": "sample.txt"},
    ),
    Scenario(
        "function-tag-comma",
        "prism-php/prism#983 (llama-3.3-70b-versatile writes `name,{args}`)",
        _error(
            FAILED,
            '<function=get_transactions,{"from_date":"2026-03-06","limit":"10"}>',
        ),
        ("get_transactions", {"from_date": str, "limit": int}),
        {"from_date": "2026-03-06", "limit": 10},
    ),
    Scenario(
        "bare-call-lost-opener",
        "huggingface/smolagents#1119",
        _error(
            FAILED,
            'web_search{"query": "SPFMV and SPCSV in the Pearl Of Africa 2016", '
            '"filter_year": 2016}</function>',
        ),
        ("web_search", {"query": str, "filter_year": int}),
        {"query": "SPFMV and SPCSV in the Pearl Of Africa 2016", "filter_year": 2016},
    ),
    Scenario(
        "bare-call-angle",
        "run-llama/llama_index#17082 (`NAME>{...}`; the issue's long resume "
        "cut to one field)",
        _error(
            FAILED,
            'RobustResumeMetadata>{"full_name": "EQUIPMENT ENGINEERING TECHNICIAN"}',
        ),
        ("RobustResumeMetadata", {"full_name": str}),
        {"full_name": "EQUIPMENT ENGINEERING TECHNICIAN"},
    ),
    Scenario(
        "tool-use-wrapper-json",
        "microsoft/autogen#3217",
        _error(
            FAILED,
            '<tool-use>\n{\n  "tool_calls": [\n    {\n      "id": "pending",\n'
            '      "type": "function",\n      "function": {\n        "name": '
            '"subtract",\n        "parameters": {\n          "a": "232",\n'
            '          "b": "32"\n        }\n      }\n    }\n  ]\n}\n</tool-use>',
        ),
        ("subtract", {"a": int, "b": int}),
        {"a": 232, "b": 32},
    ),
    Scenario(
        "call-to-unbound-tool",
        "BerriAI/litellm#21242 (the failed_generation); the message as "
        "mastra-ai/mastra#9688 quotes it",
        _error(
            "Tool call validation failed: tool call validation failed: attempted "
            "to call tool 'repo_browser.open_file' which was not in request.tools",
            '{"name": "repo_browser.open_file", "arguments": {\n  "path": '
            '"analysis",\n  "line_start": 1,\n  "line_end": 200\n}}',
        ),
        ("open_file", {"path": str, "line_start": int, "line_end": int}),
        {"path": "analysis", "line_start": 1, "line_end": 200},
        note="kept in tool_calls: the tool node answers 'not a valid tool, "
        "try one of [...]' and the model calls the right one",
    ),
    Scenario(
        "code-instead-of-json-args",
        "OpenHands/OpenHands#10187 (gpt-oss)",
        _error("Failed to parse tool call arguments as JSON", PYTHON_CODE),
        ("execute_ipython_cell", {"code": str}),
        {"code": "print(1)"},
        note="unreadable: retried once",
    ),
    Scenario(
        "groq-words-not-output",
        "anomalyco/opencode#1018 (kimi-k2, mid-stream)",
        _error(FAILED, "Tool use failed: JSON does not match the expected schema"),
        ("bash", {"command": str}),
        {"command": "ls"},
    ),
    Scenario(
        "prose-report",
        "agno-agi/agno#4090 (llama-3.3-70b-versatile)",
        _error(
            FAILED,
            "### Top Stories from Reddit\nAs the Reddit Researcher, I have found "
            "the following top stories on Reddit",
        ),
        ("searxng_search", {"query": str}),
        {"query": "reddit top stories"},
    ),
    Scenario(
        "refused-twice",
        "OpenHands/OpenHands#10187, refused again on the retry",
        _error("Failed to parse tool call arguments as JSON", PYTHON_CODE),
        ("execute_ipython_cell", {"code": str}),
        {"code": "print(1)"},
        refusals=2,
        recoverable=False,
        note="no client finishes: GroqToolUseError after the one retry",
    ),
    Scenario(
        "no-refusal",
        "control: the model calls the tool correctly at once",
        {},
        ("get_something_by_name", {"name": str}),
        {"name": "test"},
        refusals=0,
    ),
)


# -- the tools ---------------------------------------------------------------


@dataclass
class Tools:
    """The scenario's two tools and what ran."""

    tools: list[BaseTool]
    ran: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


def make_tools(scenario: Scenario) -> Tools:
    """The task's tool (records its calls) and a distractor."""
    name, fields = scenario.tool
    out = Tools([])
    schema: type[BaseModel] = create_model(  # type: ignore[call-overload]
        f"{name.replace('.', '_')}_args", **{k: (v, ...) for k, v in fields.items()}
    )

    def run(**kwargs: Any) -> str:
        out.ran.append((name, kwargs))
        return f"{RESULT_PREFIX} {name}({json.dumps(kwargs, sort_keys=True)})"

    def letter_score(word: str) -> int:
        out.ran.append(("letter_score", {"word": word}))
        return sum(map(ord, word))

    out.tools = [
        StructuredTool.from_function(
            run, name=name, description=f"The {name} tool.", args_schema=schema
        ),
        StructuredTool.from_function(
            letter_score, description="Score a word by its letters."
        ),
    ]
    return out


def expected_result(scenario: Scenario) -> str:
    name, _ = scenario.tool
    return f"{RESULT_PREFIX} {name}({json.dumps(dict(scenario.args), sort_keys=True)})"


# -- the model behind the scripted endpoint ------------------------------------

_ids = itertools.count(1)


_USAGE = {"prompt_tokens": 300, "completion_tokens": 20, "total_tokens": 320}
# The simulated answers' fields (no system fingerprint), as tests read them.
_SIM: dict[str, Any] = {
    "model": MODEL,
    "created": 1_771_434_740,
    "system_fingerprint": None,
    "x_groq_id": "req_sim",
}


def _completion(message: dict[str, Any], finish_reason: str) -> dict[str, Any]:
    body = wire.completion(
        message.get("content"),
        tool_calls=message.get("tool_calls"),
        finish_reason=finish_reason,
        usage=_USAGE,
        response_id=f"chatcmpl-sim-{next(_ids)}",
        **_SIM,
    )
    if "content" not in message:
        # A call comes without `content`, as in Groq's recorded answers
        # (recorded_failures.FIXED_CALL_200).
        del body["choices"][0]["message"]["content"]
    return body


def _chunk(
    response_id: str, delta: dict[str, Any], finish_reason: str | None = None
) -> str:
    data = wire.chunk(
        delta,
        finish_reason=finish_reason,
        # Usage (in `x_groq`) on the last chunk only.
        usage=_USAGE if finish_reason is not None else None,
        response_id=response_id,
        **_SIM,
    )
    return wire.sse([data], done=False)


def _stream_id() -> str:
    # Each answer its own id, as Groq gives: the agent's message list keeps
    # one message per id.
    return f"chatcmpl-sim-{next(_ids)}"


def _sse(events: list[str]) -> httpx.Response:
    return httpx.Response(
        200,
        content="".join(events).encode(),
        headers={"content-type": "text/event-stream"},
    )


class ModelSim:
    """The model: refuses `scenario.refusals` times, then does the task.

    Call it with an `httpx.Request` (an `httpx.MockTransport` handler).
    """

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.refusals_left = scenario.refusals
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.read())
        self.requests.append(body)
        last = body["messages"][-1]
        stream = bool(body.get("stream"))
        if last["role"] == "tool" and str(last["content"]).startswith(RESULT_PREFIX):
            return self._answer(f"Done: {last['content']}", stream)
        if last["role"] != "tool" and self.refusals_left:
            self.refusals_left -= 1
            return self._refuse(stream)
        return self._call_tool(stream)

    def _refuse(self, stream: bool) -> httpx.Response:
        error = dict(self.scenario.error)
        if not stream:
            return httpx.Response(400, json={"error": error})
        # Groq's mid-stream form (the streaming recordings): HTTP 200, a
        # role delta, then the error event and no [DONE].
        payload = json.dumps({"error": {**error, "status_code": 400}})
        return _sse(
            [
                _chunk(_stream_id(), {"role": "assistant", "content": ""}),
                f"event: error\ndata: {payload}\n\n",
            ]
        )

    def _call_tool(self, stream: bool) -> httpx.Response:
        name, _ = self.scenario.tool
        call = {
            "id": f"fc_sim_{next(_ids)}",
            "type": "function",
            "function": {
                "name": name,
                "arguments": json.dumps(dict(self.scenario.args)),
            },
        }
        if not stream:
            return httpx.Response(
                200, json=_completion({"tool_calls": [call]}, "tool_calls")
            )
        rid = _stream_id()
        return _sse(
            [
                _chunk(rid, {"role": "assistant", "content": ""}),
                _chunk(rid, {"tool_calls": [{**call, "index": 0}]}),
                _chunk(rid, {}, "tool_calls"),
                "data: [DONE]\n\n",
            ]
        )

    def _answer(self, text: str, stream: bool) -> httpx.Response:
        if not stream:
            return httpx.Response(200, json=_completion({"content": text}, "stop"))
        half = len(text) // 2
        rid = _stream_id()
        return _sse(
            [
                _chunk(rid, {"role": "assistant", "content": ""}),
                _chunk(rid, {"content": text[:half]}),
                _chunk(rid, {"content": text[half:]}),
                _chunk(rid, {}, "stop"),
                "data: [DONE]\n\n",
            ]
        )


# -- running a task ----------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """How one task ended."""

    finished: bool
    requests: int
    error: str | None = None
    final: str | None = None


ModelFactory = Callable[[httpx.Client, httpx.AsyncClient, bool], Any]


def _judge(
    scenario: Scenario, tools: Tools, sim: ModelSim, state: Any, error: Any
) -> Outcome:
    if error is not None:
        return Outcome(False, len(sim.requests), f"{type(error).__name__}: {error}")
    final = state["messages"][-1]
    text = final.content if isinstance(final, AIMessage) else None
    ran_right = (scenario.tool[0], dict(scenario.args)) in tools.ran
    finished = ran_right and isinstance(text, str) and expected_result(scenario) in text
    return Outcome(finished, len(sim.requests), None, text)


PROMPT = "Use the tool to do the task, then report its result."


def run_task(scenario: Scenario, make_model: ModelFactory, mode: Mode) -> Outcome:
    """Run the scenario's task in a sync `create_agent` loop.

    Args:
        scenario: The scenario.
        make_model: Builds the chat model on the given httpx clients;
            `streaming` is its third argument.
        mode: `"invoke"` (the agent's `invoke`) or `"stream"` (a streaming
            model, driven through the agent's `stream`).

    Returns:
        Whether the task finished, and how many requests it took.
    """
    sim = ModelSim(scenario)
    tools = make_tools(scenario)
    transport = httpx.MockTransport(sim)
    model = make_model(
        httpx.Client(transport=transport),
        httpx.AsyncClient(transport=transport),
        mode == "stream",
    )
    agent = create_agent(model, tools=tools.tools)
    inputs = {"messages": [("user", PROMPT)]}
    state: Any = None
    try:
        if mode == "invoke":
            state = agent.invoke(inputs)
        else:
            for state in agent.stream(inputs, stream_mode="values"):  # noqa: B007
                pass
    except Exception as exc:
        return _judge(scenario, tools, sim, None, exc)
    return _judge(scenario, tools, sim, state, None)


async def run_task_async(
    scenario: Scenario, make_model: ModelFactory, mode: Mode
) -> Outcome:
    """`run_task` with the agent's `ainvoke` / `astream`."""
    sim = ModelSim(scenario)
    tools = make_tools(scenario)
    transport = httpx.MockTransport(sim)
    model = make_model(
        httpx.Client(transport=transport),
        httpx.AsyncClient(transport=transport),
        mode == "stream",
    )
    agent = create_agent(model, tools=tools.tools)
    inputs = {"messages": [("user", PROMPT)]}
    state: Any = None
    try:
        if mode == "invoke":
            state = await agent.ainvoke(inputs)
        else:
            async for state in agent.astream(inputs, stream_mode="values"):  # noqa: B007
                pass
    except Exception as exc:
        return _judge(scenario, tools, sim, None, exc)
    return _judge(scenario, tools, sim, state, None)
