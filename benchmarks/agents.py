"""How many agent tasks finish when Groq refuses the model's tool call?

Runs every scenario of `tests/support/agent_scenarios.py` (real `tool_use_failed`
refusals from the recordings in `../shared/groq-recordings/` and from public
issues, plus one scenario refused twice and one control without a refusal)
through a `langchain.agents.create_agent` loop with two tools, for
`ChatGroqSynaptic` (default `tool_use_failure="recover"`) and for
`langchain_groq.ChatGroq`, in four modes: `invoke`, `stream` (a streaming
model: the refusal arrives as `event: error` after HTTP 200, as Groq sends it),
and their async forms. Both clients talk to the same scripted Groq (an
`httpx.MockTransport` that plays the model: refusal first, then a correct
call once the model sees a tool error, then the answer), so what differs is
only what each client does with the refusal.

A task finishes when the task's tool ran with the right arguments and the
agent's final answer quotes its result.

    python benchmarks/agents.py            # table on stdout, results/agents.json
    python benchmarks/agents.py --json     # the JSON on stdout too

Needs the test extras (langchain, langgraph) and `langchain-groq` for its row
(without it the row says why it is missing).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.metadata
import json
import logging
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the work tree's package and its test helpers

from tests.support.agent_scenarios import (  # noqa: E402
    SCENARIOS,
    Outcome,
    run_task,
    run_task_async,
)

MODEL = "openai/gpt-oss-120b"
MODES = ("invoke", "stream", "ainvoke", "astream")
RESULTS = ROOT / "benchmarks" / "results" / "agents.json"

Factory = Callable[[Any, Any, bool], Any]


def synaptic_factory() -> Factory:
    from langchain_synaptic_groq import ChatGroqSynaptic

    def make(client: Any, aclient: Any, streaming: bool) -> Any:
        return ChatGroqSynaptic(
            model=MODEL,
            api_key="gsk_bench",
            http_client=client,
            http_async_client=aclient,
            streaming=streaming,
        )

    return make


def chatgroq_factory() -> Factory:
    from langchain_groq import ChatGroq

    def make(client: Any, aclient: Any, streaming: bool) -> Any:
        return ChatGroq(
            model=MODEL,
            api_key="gsk_bench",
            http_client=client,
            http_async_client=aclient,
            streaming=streaming,
        )

    return make


CONTENDERS: dict[str, tuple[str, Callable[[], Factory]]] = {
    "ChatGroqSynaptic": ("langchain-synaptic-groq", synaptic_factory),
    "ChatGroq": ("langchain-groq", chatgroq_factory),
}


def run_one(make: Factory, scenario: Any, mode: str) -> Outcome:
    if mode.startswith("a"):
        return asyncio.run(run_task_async(scenario, make, mode[1:]))  # type: ignore[arg-type]
    return run_task(scenario, make, mode)  # type: ignore[arg-type]


def version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the JSON too")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    # The recovery log lines and retired-model warnings are not the output.
    logging.getLogger("langchain_synaptic_groq").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")

    results: dict[str, Any] = {
        "scenarios": [
            {"name": s.name, "source": s.source, "refusals": s.refusals, "note": s.note}
            for s in SCENARIOS
        ],
        "modes": list(MODES),
        "contenders": {},
    }
    for name, (dist, factory) in CONTENDERS.items():
        entry: dict[str, Any] = {"version": version(dist)}
        try:
            make = factory()
        except ImportError as exc:
            entry["unavailable"] = f"{type(exc).__name__}: {exc}"
            results["contenders"][name] = entry
            print(f"{name}: not run ({entry['unavailable']})", file=sys.stderr)
            continue
        runs = []
        for scenario in SCENARIOS:
            for mode in MODES:
                outcome = run_one(make, scenario, mode)
                runs.append(
                    {
                        "scenario": scenario.name,
                        "mode": mode,
                        "finished": outcome.finished,
                        "requests": outcome.requests,
                        "error": outcome.error and outcome.error[:300],
                    }
                )
        entry["runs"] = runs
        entry["finished"] = sum(r["finished"] for r in runs)
        entry["tasks"] = len(runs)
        results["contenders"][name] = entry

    print_table(results)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {args.output.relative_to(ROOT)}", file=sys.stderr)
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


def print_table(results: dict[str, Any]) -> None:
    names = [n for n, e in results["contenders"].items() if "runs" in e]
    width = max(len(s["name"]) for s in results["scenarios"])
    header = f"{'scenario':<{width}}  " + "  ".join(f"{n:>16}" for n in names)
    print(f"Tasks finished per scenario (of {len(MODES)} modes: {', '.join(MODES)})\n")
    print(header)
    print("-" * len(header))
    for scenario in results["scenarios"]:
        cells = []
        for name in names:
            runs = [
                r
                for r in results["contenders"][name]["runs"]
                if r["scenario"] == scenario["name"]
            ]
            done = sum(r["finished"] for r in runs)
            cells.append(f"{done}/{len(runs)}".rjust(16))
        print(f"{scenario['name']:<{width}}  " + "  ".join(cells))
    print("-" * len(header))
    totals = []
    for name in names:
        entry = results["contenders"][name]
        totals.append(f"{entry['finished']}/{entry['tasks']}".rjust(16))
    print(f"{'total':<{width}}  " + "  ".join(totals))
    for name in names:
        finished = [r for r in results["contenders"][name]["runs"] if r["finished"]]
        if finished:
            mean = sum(r["requests"] for r in finished) / len(finished)
            print(f"{name}: {mean:.2f} requests per finished task")
    for name, entry in results["contenders"].items():
        if "unavailable" in entry:
            print(f"{name}: not run: {entry['unavailable']}")


if __name__ == "__main__":
    raise SystemExit(main())
