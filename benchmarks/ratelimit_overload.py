"""Overload: 50 callers ask a Groq-like server for three times its token budget.

Each row runs the same scenario against a fresh loopback server that enforces
Groq's free-tier limits for `llama-3.1-8b-instant` (30 requests and 6,000
tokens a minute, 14,400 requests a day; the Groq rate limits page, checked
2026-12-01), with Groq's headers and 429 bodies (`tests/support/limit_server.py`).
Time runs faster there: a "minute" lasts `--minute` seconds (default 4), so
the run takes seconds instead of minutes; every wait scales with it.

50 callers at once each send a prompt of ~20 tokens with `max_tokens=340`:
Groq counts ~360 tokens each, 18,000 in all, three minutes' budget. The limit
itself lets the last one through no earlier than two minutes after the first:
that is the ideal wall time (the server works it out from what it answered).

Rows:

* `ChatGroqSynaptic` with its pacer (the default), cold: the pacer knows
  nothing at the start, so the first burst goes out as it is;
* `ChatGroqSynaptic` warm: one earlier call taught the pacer the budget (a
  long-running app), then the server's budget was left to refill;
* `ChatGroqSynaptic(pace_requests=False)`: retries alone (honouring
  `retry-after`), as before the pacer;
* `langchain_groq.ChatGroq`: the groq SDK's retries (2, honouring
  `retry-after` up to 60 s).

All use their default 2 retries. Each row runs as 50 threads (`invoke`) and as
50 tasks (`ainvoke`). Columns: answers delivered, 429s that reached the caller
(and other errors), requests the server received beyond one per caller
(retries sent), the 429s it answered, wall time, the ideal, and their ratio.

    python benchmarks/ratelimit_overload.py            # ~2 minutes
    python benchmarks/ratelimit_overload.py --minute 2 --modes async

Results also go to `benchmarks/results/ratelimit_overload.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.limit_server import (  # noqa: E402  (after the path)
    API_KEY,
    LimitServer,
    iter_markers,
)

MODEL = "llama-3.1-8b-instant"
CALLERS = 50
MAX_TOKENS = 340
RESULTS = ROOT / "benchmarks" / "results" / "ratelimit_overload.json"
CONTENDERS = ("synaptic", "synaptic-warm", "synaptic-nopace", "groq")
LABELS = {
    "synaptic": "ChatGroqSynaptic (pacer, cold)",
    "synaptic-warm": "ChatGroqSynaptic (pacer, warm)",
    "synaptic-nopace": "ChatGroqSynaptic (pace_requests=False)",
    "groq": "langchain_groq.ChatGroq",
}


@dataclass
class Row:
    contender: str
    mode: str
    answers: int
    rate_limited: int
    other_errors: int
    requests: int
    retries: int
    served_429: int
    wall: float
    ideal: float

    @property
    def ratio(self) -> float | None:
        """Wall time over the ideal, for a row that delivered every answer."""
        if self.answers < CALLERS or self.ideal <= 0:
            return None
        return self.wall / self.ideal


def _quiet_environment() -> None:
    for name in ("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2", "LANGCHAIN_TRACING"):
        os.environ[name] = "false"
    no_proxy = ",".join(filter(None, [os.environ.get("NO_PROXY", ""), "127.0.0.1"]))
    os.environ["NO_PROXY"] = os.environ["no_proxy"] = no_proxy
    # The shutdown notice for llama-3.1-8b-instant: known, and beside the point.
    warnings.simplefilter("ignore")


def _build(contender: str, server: LimitServer) -> Any:
    if contender == "groq":
        from langchain_groq import ChatGroq

        # ChatGroq's base_url is the host: the groq SDK appends /openai/v1.
        return ChatGroq(  # type: ignore[call-arg]
            model=MODEL,
            api_key=API_KEY,
            base_url=server.host_url,
            max_tokens=MAX_TOKENS,
        )
    from langchain_synaptic_groq import ChatGroqSynaptic

    return ChatGroqSynaptic(
        model=MODEL,
        api_key=API_KEY,
        base_url=server.base_url,
        max_tokens=MAX_TOKENS,
        pace_requests=contender != "synaptic-nopace",
    )


def _is_rate_limit(exc: BaseException) -> bool:
    return getattr(exc, "status_code", None) == 429 or "RateLimit" in type(exc).__name__


def _run_threads(model: Any, texts: list[str]) -> list[Any]:
    def call(text: str) -> Any:
        try:
            return model.invoke(text)
        except Exception as exc:  # counted, not raised
            return exc

    with ThreadPoolExecutor(len(texts)) as pool:
        return list(pool.map(call, texts))


def _run_tasks(model: Any, texts: list[str]) -> list[Any]:
    async def all_of_them() -> list[Any]:
        return await asyncio.gather(
            *(model.ainvoke(t) for t in texts), return_exceptions=True
        )

    return asyncio.run(all_of_them())


def run_one(contender: str, mode: str, minute: float) -> Row:
    runner: Callable[[Any, list[str]], list[Any]] = (
        _run_threads if mode == "threads" else _run_tasks
    )
    with LimitServer(rpm=30, rpd=14_400, tpm=6_000, minute=minute) as server:
        model = _build(contender, server)
        if contender == "synaptic-warm":
            model.invoke("question 9999: what is the capital of France?")
            time.sleep(server.time_to_full() + 0.01)
        before = server.received
        texts = list(iter_markers(CALLERS))
        levels, started = server.levels(), time.monotonic()
        results = runner(model, texts)
        wall = time.monotonic() - started
        errors = [r for r in results if isinstance(r, BaseException)]
        limited = sum(1 for e in errors if _is_rate_limit(e))
        requests = server.received - before
        arrivals = server.log[before:]
        # Every caller's request, as Groq counts it (the same on each attempt):
        # the ideal for all of them, whether or not they were answered.
        charges = {a.marker: a.tokens for a in arrivals}
        return Row(
            contender=contender,
            mode=mode,
            answers=len(results) - len(errors),
            rate_limited=limited,
            other_errors=len(errors) - limited,
            requests=requests,
            retries=requests - CALLERS,
            served_429=sum(1 for a in arrivals if a.status == 429),
            wall=wall,
            ideal=server.floor_for(list(charges.values()), levels),
        )


def render(rows: list[Row], minute: float) -> str:
    head = (
        f"{CALLERS} callers, 3x the token budget; a minute lasts {minute:g}s here\n"
        "| contender | mode | answers | 429s to caller | other errors | retries sent "
        "| 429s served | wall s | ideal s (all answers) | wall / ideal |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    lines = [
        f"| {LABELS[r.contender]} | {r.mode} | {r.answers}/{CALLERS} | "
        f"{r.rate_limited} | {r.other_errors} | {r.retries} | {r.served_429} | "
        f"{r.wall:.2f} | {r.ideal:.2f} | "
        f"{'-' if r.ratio is None else f'{r.ratio:.2f}'} |"
        for r in rows
    ]
    return "\n".join([head, *lines])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--minute", type=float, default=4.0, help="seconds a minute lasts"
    )
    parser.add_argument("--modes", default="threads,async", help="threads,async")
    parser.add_argument("--contenders", default=",".join(CONTENDERS))
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    _quiet_environment()
    rows = []
    for contender in args.contenders.split(","):
        for mode in args.modes.split(","):
            print(f"running {contender} / {mode} ...", file=sys.stderr, flush=True)
            rows.append(run_one(contender, mode, args.minute))
    table = render(rows, args.minute)
    print(table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "minute_seconds": args.minute,
                "callers": CALLERS,
                "max_tokens": MAX_TOKENS,
                "limits": {"rpm": 30, "rpd": 14_400, "tpm": 6_000},
                "python": platform.python_version(),
                "rows": [{**asdict(r), "ratio": r.ratio} for r in rows],
                "table": table,
            },
            indent=2,
        )
        + "\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
