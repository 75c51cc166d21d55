"""Scenario definitions and the per-contender worker process.

``run.py`` launches this file once per (contender, round) in a fresh
interpreter::

    python benchmarks/scenarios.py --contender groq --host-url http://127.0.0.1:PORT \
        --mode timing --counts '{...}' --out result.json

``--mode timing`` runs one round of every timed scenario, ``--mode memory`` the
memory scenarios, ``--mode all`` both (used by ``--smoke``, which also passes
all contenders at once).  The result is a JSON list with one report per
contender; the worker never crashes on a contender failure, it records it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import json
import os
import sys
import time
import traceback
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import children
import contenders
from contenders import ChatLike, ContenderUnavailableError, ToolBindable

REPO_ROOT = Path(__file__).resolve().parent.parent
PROMPT = "Say hello to the benchmark."


@dataclass(frozen=True)
class Counts:
    """How much work each scenario does (one round)."""

    warmup_calls: int = 30
    invoke_calls: int = 300
    stream_chunks: int = 1000
    streams: int = 3
    inflight: int = 100
    batches: int = 5
    constructions: int = 1000
    construct_budget_s: float = 2.0
    memory_invokes: int = 10_000
    memory_streams: int = 1_000
    memory_stream_chunks: int = 20
    import_reps: int = 5

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Counts:
        return cls(**json.loads(text))


FULL = Counts()
SMOKE = Counts(
    warmup_calls=2,
    invoke_calls=5,
    stream_chunks=10,
    streams=1,
    inflight=5,
    batches=1,
    constructions=3,
    construct_budget_s=0.5,
    memory_invokes=50,
    memory_streams=10,
    memory_stream_chunks=5,
    import_reps=1,
)


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    unit: str
    group: Literal["timing", "memory", "import"]
    higher_is_better: bool = False
    floor: Literal["sum", "baseline", "none"] = "sum"
    """How the floor is built: sum of raw httpx + zero-cost core per-op costs,
    the baseline import, or not at all."""
    ratios: bool = True
    """Whether ratios are meaningful (not for growth numbers near zero)."""
    sane: tuple[float, float] = (1e-3, 1e7)
    """Smoke check: the median must lie in this closed range."""


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("invoke", "invoke, sequential", "µs/call", "timing", sane=(1, 1e6)),
    Scenario("invoke_tool", "invoke, 1 bound tool", "µs/call", "timing", sane=(1, 1e6)),
    Scenario("stream", "stream (sync)", "µs/chunk", "timing", sane=(0.01, 1e5)),
    Scenario("astream", "astream (async)", "µs/chunk", "timing", sane=(0.01, 1e5)),
    Scenario(
        "throughput",
        "ainvoke, N in flight",
        "req/s",
        "timing",
        higher_is_better=True,
        sane=(1, 1e7),
    ),
    Scenario("construct", "construction", "µs/instance", "timing", sane=(0.1, 1e7)),
    Scenario(
        "import",
        "import (whole process)",
        "ms",
        "import",
        floor="baseline",
        sane=(1, 6e4),
    ),
    Scenario("peak_rss", "peak RSS", "MB", "memory", floor="none", sane=(5, 1e5)),
    Scenario(
        "growth_invoke",
        "RSS growth, sequential invokes",
        "KB",
        "memory",
        floor="none",
        ratios=False,
        sane=(-1e6, 1e6),
    ),
    Scenario(
        "growth_stream",
        "RSS growth, streams",
        "KB",
        "memory",
        floor="none",
        ratios=False,
        sane=(-1e6, 1e6),
    ),
)
SCENARIO_BY_KEY = {s.key: s for s in SCENARIOS}

Measurement = dict[str, Any]
"""``{"value": float, "n": int, ...extra}`` for one scenario, one round."""


class ValidationError(AssertionError):
    """A contender returned something other than the canned answer."""


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise ValidationError(message)


def stream_prompt(n_chunks: int) -> str:
    # The canned server (and the zero-cost model) stream N chunks for "chunks=N".
    return f"Count for the benchmark chunks={n_chunks}"


# --------------------------------------------------------------------------- #
# Profiling (optional, pyinstrument)                                           #
# --------------------------------------------------------------------------- #


class Profiling:
    """Wrap timed loops in pyinstrument when a profile directory is given."""

    def __init__(self, directory: Path | None, contender: str) -> None:
        self.directory = directory
        self.contender = contender

    @contextlib.contextmanager
    def section(self, name: str, *, is_async: bool = False) -> Iterator[None]:
        if self.directory is None:
            yield
            return
        from pyinstrument import Profiler

        profiler = Profiler(
            async_mode="enabled" if is_async else "disabled", interval=0.0002
        )
        profiler.start()
        try:
            yield
        finally:
            profiler.stop()
            self.directory.mkdir(parents=True, exist_ok=True)
            stem = self.directory / f"profile-{self.contender}-{name}"
            stem.with_suffix(".html").write_text(
                profiler.output_html(), encoding="utf-8"
            )
            stem.with_suffix(".txt").write_text(
                profiler.output_text(unicode=True, color=False), encoding="utf-8"
            )


# --------------------------------------------------------------------------- #
# Timed scenarios (one round each)                                             #
# --------------------------------------------------------------------------- #


def scenario_construct(make: Callable[[], ToolBindable], counts: Counts) -> Measurement:
    for _ in range(min(3, counts.constructions)):
        make()
    minimum = min(20, counts.constructions)
    done = 0
    start = time.perf_counter()
    deadline = start + counts.construct_budget_s
    while done < counts.constructions:
        make()
        done += 1
        if done >= minimum and time.perf_counter() > deadline:
            break
    elapsed = time.perf_counter() - start
    return {"value": elapsed / done * 1e6, "n": done}


def _validate_plain(result: Any) -> None:
    text = contenders.text_of(result)
    _check(text == contenders.EXPECTED_TEXT, f"unexpected invoke answer: {text!r}")


def _validate_tool(result: Any) -> None:
    calls = contenders.tool_calls_of(result)
    _check(
        calls == [("add", contenders.EXPECTED_TOOL_ARGS)],
        f"unexpected tool calls: {calls!r}",
    )


def scenario_invoke(
    model: ChatLike,
    counts: Counts,
    validate: Callable[[Any], None],
    profiling: Profiling,
    name: str,
) -> Measurement:
    for _ in range(max(1, counts.warmup_calls)):
        result = model.invoke(PROMPT)
    validate(result)
    n = counts.invoke_calls
    with profiling.section(name):
        start = time.perf_counter()
        for _ in range(n):
            model.invoke(PROMPT)
        elapsed = time.perf_counter() - start
    return {"value": elapsed / n * 1e6, "n": n}


def _validate_stream(pieces: list[str], n_chunks: int) -> None:
    text, token = "".join(pieces), contenders.STREAM_TOKEN
    _check(
        text == token * n_chunks,
        f"streamed {len(text)} chars, expected {n_chunks} x {token!r}",
    )
    _check(len(pieces) >= n_chunks, f"only {len(pieces)} chunks for {n_chunks}")


def scenario_stream(
    model: ChatLike, counts: Counts, profiling: Profiling
) -> Measurement:
    n_chunks = counts.stream_chunks
    prompt = stream_prompt(n_chunks)
    _validate_stream([contenders.chunk_text(c) for c in model.stream(prompt)], n_chunks)
    received = 0
    with profiling.section("stream"):
        start = time.perf_counter()
        for _ in range(counts.streams):
            for _chunk in model.stream(prompt):
                received += 1
        elapsed = time.perf_counter() - start
    total = counts.streams * n_chunks
    return {"value": elapsed / total * 1e6, "n": total, "chunks_received": received}


async def scenario_astream(
    model: ChatLike, counts: Counts, profiling: Profiling
) -> Measurement:
    n_chunks = counts.stream_chunks
    prompt = stream_prompt(n_chunks)
    _validate_stream(
        [contenders.chunk_text(c) async for c in model.astream(prompt)], n_chunks
    )
    received = 0
    with profiling.section("astream", is_async=True):
        start = time.perf_counter()
        for _ in range(counts.streams):
            async for _chunk in model.astream(prompt):
                received += 1
        elapsed = time.perf_counter() - start
    total = counts.streams * n_chunks
    return {"value": elapsed / total * 1e6, "n": total, "chunks_received": received}


async def scenario_throughput(
    model: ChatLike, counts: Counts, profiling: Profiling
) -> Measurement:
    inflight = counts.inflight
    results = await asyncio.gather(*(model.ainvoke(PROMPT) for _ in range(inflight)))
    for result in results:
        _validate_plain(result)
    with profiling.section("throughput", is_async=True):
        start = time.perf_counter()
        for _ in range(counts.batches):
            await asyncio.gather(*(model.ainvoke(PROMPT) for _ in range(inflight)))
        elapsed = time.perf_counter() - start
    total = counts.batches * inflight
    return {"value": total / elapsed, "n": total, "inflight": inflight}


def _record(
    results: dict[str, Measurement],
    errors: dict[str, str],
    key: str,
    run: Callable[[], Measurement],
) -> None:
    try:
        results[key] = run()
    except Exception as exc:
        errors[key] = _describe(exc)


async def _record_async(
    results: dict[str, Measurement],
    errors: dict[str, str],
    key: str,
    run: Callable[[], Awaitable[Measurement]],
) -> None:
    try:
        results[key] = await run()
    except Exception as exc:
        errors[key] = _describe(exc)


def _describe(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = (
        f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    )
    return f"{type(exc).__name__}: {exc}{where}"


def _settle() -> None:
    """Collect, then freeze what survives, before a timed scenario.

    A worker process starts with ~150k young objects from its imports; the
    first full collection that scans them (~80 ms here) would otherwise land
    in whichever scenario runs first and distort its per-call cost. Frozen
    objects are left out of later collections (as a long-running server would
    do with gc.freeze); garbage a client makes while timed is still collected
    while timed, so allocation-heavy clients still pay for it.
    """
    gc.collect()
    gc.freeze()


def run_timing(
    make: Callable[[], ToolBindable],
    counts: Counts,
    profiling: Profiling,
    results: dict[str, Measurement],
    errors: dict[str, str],
) -> None:
    _settle()
    _record(results, errors, "construct", lambda: scenario_construct(make, counts))
    model = make()
    _settle()
    _record(
        results,
        errors,
        "invoke",
        lambda: scenario_invoke(model, counts, _validate_plain, profiling, "invoke"),
    )

    def tool_round() -> Measurement:
        bound = model.bind_tools([contenders.make_add_tool()])
        _settle()
        return scenario_invoke(bound, counts, _validate_tool, profiling, "invoke_tool")

    _record(results, errors, "invoke_tool", tool_round)
    _settle()
    _record(
        results, errors, "stream", lambda: scenario_stream(model, counts, profiling)
    )

    async def async_part() -> None:
        # One event loop for every async scenario: SDK clients keep their
        # connection pools bound to the loop they were first used on.
        _settle()
        await _record_async(
            results,
            errors,
            "astream",
            lambda: scenario_astream(model, counts, profiling),
        )
        _settle()
        await _record_async(
            results,
            errors,
            "throughput",
            lambda: scenario_throughput(model, counts, profiling),
        )

    asyncio.run(async_part())


# --------------------------------------------------------------------------- #
# Memory scenarios                                                             #
# --------------------------------------------------------------------------- #


def current_rss_kb() -> int:
    """Resident set size now, in KiB (Linux /proc; falls back to the peak)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            resident_pages = int(statm.read().split()[1])
        return resident_pages * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        return peak_rss_kb()


def peak_rss_kb() -> int:
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


@dataclass(frozen=True)
class Snapshot:
    rss_kb: int
    gc_objects: int
    allocated_blocks: int

    @classmethod
    def take(cls) -> Snapshot:
        gc.collect()
        return cls(current_rss_kb(), len(gc.get_objects()), sys.getallocatedblocks())


def _growth(before: Snapshot, middle: Snapshot, after: Snapshot, n: int) -> Measurement:
    """RSS growth over the loop, plus leak indicators for the JSON.

    A leak grows in both halves of the loop and shows up in the gc-tracked
    object count / allocated blocks; allocator noise does not.
    """
    return {
        "value": float(after.rss_kb - before.rss_kb),
        "n": n,
        "rss_before_kb": before.rss_kb,
        "rss_growth_second_half_kb": after.rss_kb - middle.rss_kb,
        "gc_objects_growth": after.gc_objects - before.gc_objects,
        "allocated_blocks_growth": after.allocated_blocks - before.allocated_blocks,
    }


def run_memory(
    make: Callable[[], ToolBindable],
    counts: Counts,
    results: dict[str, Measurement],
    errors: dict[str, str],
) -> None:
    model = make()
    stream_chunks = counts.memory_stream_chunks
    prompt = stream_prompt(stream_chunks)

    def invokes() -> Measurement:
        warmup = max(counts.warmup_calls, counts.memory_invokes // 20)
        for _ in range(warmup):
            result = model.invoke(PROMPT)
        _validate_plain(result)
        half = counts.memory_invokes // 2
        before = Snapshot.take()
        for _ in range(half):
            model.invoke(PROMPT)
        middle = Snapshot.take()
        for _ in range(counts.memory_invokes - half):
            model.invoke(PROMPT)
        return _growth(before, middle, Snapshot.take(), counts.memory_invokes)

    def streams() -> Measurement:
        warmup = max(2, counts.memory_streams // 20)
        for _ in range(warmup):
            pieces = [contenders.chunk_text(c) for c in model.stream(prompt)]
        _validate_stream(pieces, stream_chunks)
        half = counts.memory_streams // 2
        before = Snapshot.take()
        for _ in range(half):
            for _chunk in model.stream(prompt):
                pass
        middle = Snapshot.take()
        for _ in range(counts.memory_streams - half):
            for _chunk in model.stream(prompt):
                pass
        growth = _growth(before, middle, Snapshot.take(), counts.memory_streams)
        growth["chunks_per_stream"] = stream_chunks
        return growth

    _record(results, errors, "growth_invoke", invokes)
    _record(results, errors, "growth_stream", streams)
    results["peak_rss"] = {"value": peak_rss_kb() / 1024, "n": 1}


# --------------------------------------------------------------------------- #
# Worker entry point                                                           #
# --------------------------------------------------------------------------- #


def run_worker(
    key: str,
    host_url: str,
    mode: str,
    counts: Counts,
    profile_dir: Path | None,
) -> dict[str, Any]:
    # Measure the package under development from the work tree, even if an
    # older copy is installed (sys.path[0] is this benchmarks/ directory); the
    # baseline from its worktree instead (contenders checks which one came).
    root = os.environ.get(children.PACKAGE_ROOT_VAR) or str(REPO_ROOT)
    if root not in sys.path:
        sys.path.insert(1, root)
    report: dict[str, Any] = {
        "contender": key,
        "status": "ok",
        "reason": None,
        "results": {},
        "errors": {},
    }
    results: dict[str, Measurement] = report["results"]
    errors: dict[str, str] = report["errors"]
    try:
        make = contenders.factory(key, host_url)
        make()
    except ContenderUnavailableError as exc:
        report.update(status="unavailable", reason=str(exc))
        return report
    except Exception as exc:
        report.update(status="error", reason=f"construction failed: {_describe(exc)}")
        return report
    if mode in ("timing", "all"):
        run_timing(make, counts, Profiling(profile_dir, key), results, errors)
    if mode in ("memory", "all"):
        run_memory(make, counts, results, errors)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description="benchmark worker (run by run.py)")
    parser.add_argument(
        "--contender",
        required=True,
        help="contender key, or several comma-separated (run one after the other "
        "in this process: --smoke does that to save start-up time)",
    )
    parser.add_argument("--host-url", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--mode", choices=("timing", "memory", "all"), default="timing")
    parser.add_argument("--counts", default=FULL.to_json(), help="Counts as JSON")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--profile-dir", type=Path, default=None)
    args = parser.parse_args()
    keys = args.contender.split(",")
    unknown = [key for key in keys if key not in contenders.BY_KEY]
    if unknown:
        parser.error(f"unknown contender(s) {unknown}")
    if all(key in keys for key in contenders.PACKAGE_KEYS):
        parser.error(f"{contenders.PACKAGE_KEYS} import one module: one per process")
    counts = Counts.from_json(args.counts)
    reports = [
        run_worker(key, args.host_url, args.mode, counts, args.profile_dir)
        for key in keys
    ]
    args.out.write_text(json.dumps(reports), encoding="utf-8")


if __name__ == "__main__":
    main()
