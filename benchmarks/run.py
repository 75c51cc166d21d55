"""Benchmark ChatGroqSynaptic against ChatGroq, ChatOpenAI, raw httpx and core.

    python benchmarks/run.py            # full run (a few minutes)
    python benchmarks/run.py --smoke    # every scenario, tiny counts, sanity-checked
    python benchmarks/run.py --baseline 2a73706   # plus the package as it was then

See benchmarks/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import importlib.metadata
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import report
from canned_server import running_server
from children import (
    Baseline,
    WrongPackageError,
    baseline_worktree,
    child_env,
    import_cwd,
    verify_import,
)
from contenders import (
    BASELINE,
    BY_KEY,
    CONTENDERS,
    FLOOR_IMPORT,
    FLOOR_PARTS,
    LAZY_BASELINE_IMPORT,
)
from scenarios import FULL, SCENARIOS, SMOKE, Counts

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent
WORKER = HERE / "scenarios.py"
PACKAGES = (
    "langchain-synaptic-groq",
    "langchain-core",
    "langchain-groq",
    "groq",
    "langchain-openai",
    "openai",
    "httpx2",
    "httpcore2",
    "httpx",
    "httpcore",
    "pydantic",
)

DEFAULT_KEYS = [key for key in BY_KEY if key != BASELINE]
PYTHON = "python"
LAZY_BASELINE = "lazy_baseline"
Samples = dict[str, dict[str, list[float]]]
"""``samples[scenario][contender]`` -> one value per round."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- #
# Import time                                                                  #
# --------------------------------------------------------------------------- #


def _time_import(
    module: str, package_root: Path | None = None
) -> tuple[float | None, str]:
    code = f"import {module}" if module != "pass" else "pass"
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=import_cwd(package_root),
        env=child_env(package_root),
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed_ms = (time.perf_counter() - start) * 1e3
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        return None, lines[-1] if lines else f"exit code {proc.returncode}"
    return elapsed_ms, ""


def measure_imports(
    keys: Sequence[str],
    reps: int,
    *,
    warmup: bool = True,
    baseline_root: Path | None = None,
) -> tuple[dict[str, list[float]], dict[str, str]]:
    """Whole-process ``python -c "import X"`` wall time, ``reps`` times each.

    Targets are interleaved (one of each per repetition), after an untimed
    warm-up round that also compiles byte code and fills the page cache. The
    baseline's import runs in its worktree (``baseline_root``).
    """
    targets = {key: BY_KEY[key].import_module for key in keys}
    targets[report.FLOOR] = FLOOR_IMPORT
    targets[LAZY_BASELINE] = LAZY_BASELINE_IMPORT
    targets[PYTHON] = "pass"
    failures: dict[str, str] = {}
    times: dict[str, list[float]] = defaultdict(list)
    for rep in range(-1 if warmup else 0, reps):
        for key, module in targets.items():
            if key in failures:
                continue
            root = baseline_root if key == BASELINE else None
            value, error = _time_import(module, root)
            if value is None:
                failures[key] = error
            elif rep >= 0:
                times[key].append(value)
    return dict(times), failures


# --------------------------------------------------------------------------- #
# Workers                                                                      #
# --------------------------------------------------------------------------- #


@dataclasses.dataclass
class WorkerJob:
    keys: Sequence[str]
    mode: str
    counts: Counts
    host_url: str
    timeout_s: float
    profile_dir: Path | None = None
    package_root: Path | None = None
    """Where the worker imports the package from (the baseline's worktree)."""


def run_worker(job: WorkerJob) -> list[dict[str, Any]]:
    """Run one worker subprocess and return its reports (never raises)."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = Path(tmp) / "result.json"
        command = [
            sys.executable,
            str(WORKER),
            "--contender",
            ",".join(job.keys),
            "--host-url",
            job.host_url,
            "--mode",
            job.mode,
            "--counts",
            job.counts.to_json(),
            "--out",
            str(out),
        ]
        if job.profile_dir is not None:
            command += ["--profile-dir", str(job.profile_dir)]
        try:
            proc = subprocess.run(
                command,
                cwd=REPO_ROOT,
                env=child_env(job.package_root),
                capture_output=True,
                text=True,
                timeout=job.timeout_s,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return _failed(job.keys, f"worker timed out after {job.timeout_s:.0f} s")
        if proc.returncode != 0 or not out.exists():
            tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
            return _failed(job.keys, f"worker exited with {proc.returncode}: {tail}")
        reports: list[dict[str, Any]] = json.loads(out.read_text(encoding="utf-8"))
        return reports


def _failed(keys: Sequence[str], reason: str) -> list[dict[str, Any]]:
    return [
        {"contender": key, "status": "error", "reason": reason}
        | {"results": {}, "errors": {}}
        for key in keys
    ]


class Collector:
    """Everything measured so far: samples per scenario/contender, statuses."""

    def __init__(self, keys: Sequence[str], labels: dict[str, str]) -> None:
        self.samples: Samples = defaultdict(lambda: defaultdict(list))
        self.labels = labels
        self.statuses: dict[str, dict[str, Any]] = {
            key: {
                "label": labels[key],
                "status": "ok",
                "reason": None,
                "errors": {},
                "details": {},
            }
            for key in keys
        }
        # Import times reported beside the table, not as rows.
        self.extra_imports: dict[str, list[float]] = {PYTHON: [], LAZY_BASELINE: []}

    def live(self, keys: Sequence[str]) -> list[str]:
        return [key for key in keys if self.statuses[key]["status"] == "ok"]

    def add_reports(self, reports: Sequence[dict[str, Any]]) -> None:
        for rep in reports:
            key = rep["contender"]
            status = self.statuses[key]
            if rep["status"] != "ok":
                status.update(status=rep["status"], reason=rep["reason"])
                continue
            for scenario_key, measurement in rep["results"].items():
                self.samples[scenario_key][key].append(float(measurement["value"]))
                status["details"].setdefault(scenario_key, []).append(measurement)
            status["errors"].update(rep["errors"])

    def add_imports(
        self, measured: tuple[dict[str, list[float]], dict[str, str]]
    ) -> None:
        times, failures = measured
        for key, values in times.items():
            if key in self.extra_imports:
                self.extra_imports[key].extend(values)
            else:
                self.samples["import"][key] = values
        for key, error in failures.items():
            if key == "synaptic":
                # The package under development may simply not exist yet.
                self.statuses[key].update(status="unavailable", reason=error)
            elif key in self.statuses:
                self.statuses[key]["errors"]["import"] = error
            else:
                log(f"import of {key} failed: {error}")


def rotated(keys: Sequence[str], by: int) -> list[str]:
    shift = by % len(keys) if keys else 0
    return [*keys[shift:], *keys[:shift]]


# --------------------------------------------------------------------------- #
# Smoke checks                                                                 #
# --------------------------------------------------------------------------- #


def smoke_problems(
    result: dict[str, Any], keys: Sequence[str], groups: set[str], require: set[str]
) -> list[str]:
    problems: list[str] = []
    statuses = result["contenders"]
    for key in keys:
        status = statuses[key]
        label = status["label"]
        if status["status"] == "unavailable":
            if key in require:
                problems.append(f"{label}: unavailable ({status['reason']})")
            continue
        if status["status"] != "ok":
            problems.append(f"{label}: {status['status']} ({status['reason']})")
            continue
        problems += [f"{label} / {s}: {m}" for s, m in status["errors"].items()]
        for scenario in SCENARIOS:
            if scenario.group not in groups:
                continue
            entry = result["scenarios"][scenario.key]["values"].get(key)
            if entry is None:
                problems.append(f"{label} / {scenario.key}: no number produced")
                continue
            low, high = scenario.sane
            value = entry["median"]
            if not (math.isfinite(value) and low <= value <= high):
                problems.append(
                    f"{label} / {scenario.key}: {value!r} {scenario.unit} "
                    f"outside sane range [{low}, {high}]"
                )
    floor_measured = all(part in keys for part in FLOOR_PARTS)
    for scenario in SCENARIOS:
        if scenario.floor == "baseline" or (scenario.floor == "sum" and floor_measured):
            if scenario.group not in groups:
                continue
            floor = result["scenarios"][scenario.key]["floor"]
            if floor is None or not math.isfinite(floor) or floor <= 0:
                problems.append(f"floor / {scenario.key}: not computed ({floor!r})")
    return problems


# --------------------------------------------------------------------------- #
# Main                                                                         #
# --------------------------------------------------------------------------- #


def _median_or_none(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def cpu_busy_fraction(interval: float = 0.5) -> float | None:
    """Share of all CPUs busy during ``interval`` (Linux /proc/stat), else None."""

    def sample() -> tuple[int, int]:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return sum(fields), idle

    try:
        total0, idle0 = sample()
        time.sleep(interval)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    total = total1 - total0
    return 1.0 - (idle1 - idle0) / total if total > 0 else None


def _versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def _pinning(enabled: bool) -> tuple[frozenset[int] | None, frozenset[int] | None]:
    """(server CPUs, client CPUs) when pinning is requested and possible."""
    if not enabled or not hasattr(os, "sched_getaffinity"):
        return None, None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        log("only one CPU available: not pinning")
        return None, None
    return frozenset(cpus[-1:]), frozenset(cpus[:-1])


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n", 1)[0] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny counts, 1 round, all contenders in one worker process; "
        "exit 1 unless every number is sane",
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="timed rounds (default 5)"
    )
    parser.add_argument(
        "--contenders",
        default=",".join(DEFAULT_KEYS),
        help=f"comma-separated subset of {','.join(DEFAULT_KEYS)} (default: all)",
    )
    parser.add_argument(
        "--baseline",
        metavar="REF",
        help="also measure the package as it was at git commit REF (a detached "
        "worktree in a temporary directory), as the contender 'baseline'",
    )
    parser.add_argument(
        "--skip-import", action="store_true", help="skip import-time scenario"
    )
    parser.add_argument(
        "--skip-memory", action="store_true", help="skip memory scenarios"
    )
    parser.add_argument(
        "--skip-timing", action="store_true", help="skip timed scenarios"
    )
    parser.add_argument(
        "--output-dir", type=Path, default=HERE / "results", help="where JSON/PNG go"
    )
    parser.add_argument("--no-chart", action="store_true", help="do not draw the PNG")
    parser.add_argument(
        "--pin",
        action="store_true",
        help="pin the server to the last CPU and clients to the others "
        "(helps on an idle machine, hurts on a busy one)",
    )
    parser.add_argument(
        "--require-synaptic",
        action="store_true",
        help="with --smoke: fail if ChatGroqSynaptic is unavailable",
    )
    parser.add_argument(
        "--profile",
        metavar="CONTENDER",
        choices=sorted(BY_KEY),
        help="instead of benchmarking, run one timing round of CONTENDER under "
        "pyinstrument and write HTML/text profiles to OUTPUT_DIR/profiles/ "
        "('baseline' needs --baseline)",
    )
    args = parser.parse_args(argv)
    keys = [k.strip() for k in args.contenders.split(",") if k.strip()]
    unknown = [k for k in keys if k not in DEFAULT_KEYS]
    if unknown:
        parser.error(f"unknown contender(s) {unknown}; choose from {DEFAULT_KEYS}")
    if args.baseline:
        keys.append(BASELINE)
    elif args.profile == BASELINE:
        parser.error("--profile baseline needs --baseline REF")
    args.keys = [c.key for c in CONTENDERS if c.key in keys]
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def _groups(args: argparse.Namespace) -> set[str]:
    skipped = {
        "import": args.skip_import,
        "memory": args.skip_memory,
        "timing": args.skip_timing,
    }
    return {group for group, skip in skipped.items() if not skip}


def labels(keys: Sequence[str], baseline: Baseline | None) -> dict[str, str]:
    """Row labels: the baseline's names its commit."""
    return {
        key: baseline.label if key == BASELINE and baseline else BY_KEY[key].label
        for key in keys
    }


def collect(
    args: argparse.Namespace,
    counts: Counts,
    groups: set[str],
    host_url: str,
    baseline: Baseline | None,
) -> Collector:
    """Run the import-time subprocesses and the worker processes."""
    keys: list[str] = args.keys
    data = Collector(keys, labels(keys, baseline))
    worker_timeout = 300.0 if args.smoke else 1800.0
    baseline_root = baseline.root if baseline else None

    def execute(mode: str, order: Sequence[str], what: str) -> None:
        live = data.live(order)
        # The baseline imports the same module name: a worker of its own.
        batches = [
            [k for k in live if k != BASELINE],
            [k for k in live if k == BASELINE],
        ]
        for batch in filter(None, batches):
            root = baseline_root if batch == [BASELINE] else None
            job = WorkerJob(batch, mode, counts, host_url, worker_timeout, None, root)
            t0 = time.perf_counter()
            reports = run_worker(job)
            data.add_reports(reports)
            summary = ", ".join(
                f"{data.labels[r['contender']]}: {r['status']}" for r in reports
            )
            log(f"{what} ({time.perf_counter() - t0:.1f} s): {summary}")

    if "import" in groups:
        log(f"import time: {counts.import_reps} x python -c 'import X' per module")
    if args.smoke:
        # Everything at once: imports (no warm-up) in the background, and one
        # worker process for all contenders.
        with ThreadPoolExecutor(max_workers=1) as background:
            pending = None
            if "import" in groups:
                pending = background.submit(
                    measure_imports,
                    keys,
                    counts.import_reps,
                    warmup=False,
                    baseline_root=baseline_root,
                )
            modes = [g for g in ("timing", "memory") if g in groups]
            if modes:
                mode = "all" if len(modes) == 2 else modes[0]
                execute(mode, keys, f"smoke worker ({mode}, all contenders)")
            if pending is not None:
                data.add_imports(pending.result())
        return data

    if "import" in groups:
        data.add_imports(
            measure_imports(keys, counts.import_reps, baseline_root=baseline_root)
        )
    if "timing" in groups:
        for round_index in range(args.rounds):
            for key in rotated(keys, round_index):
                execute("timing", [key], f"round {round_index + 1}/{args.rounds}")
    if "memory" in groups:
        for key in keys:
            execute("memory", [key], "memory")
    return data


def build_result(
    args: argparse.Namespace,
    counts: Counts,
    groups: set[str],
    data: Collector,
    environment: dict[str, Any],
) -> dict[str, Any]:
    return {
        "meta": {
            "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": " ".join(sys.argv),
            "smoke": args.smoke,
            "rounds": 1 if args.smoke else args.rounds,
            "counts": dataclasses.asdict(counts),
            "groups": sorted(groups),
            **environment,
            "load_average_after": os.getloadavg()
            if hasattr(os, "getloadavg")
            else None,
            "packages": _versions(),
            "interpreter_startup_ms": _median_or_none(data.extra_imports[PYTHON]),
            "import_lazy_baseline_ms": _median_or_none(
                data.extra_imports[LAZY_BASELINE]
            ),
            "reference": "groq",
            "floor": "raw httpx + zero-cost core (per-op costs summed); "
            f"for import: `import {FLOOR_IMPORT}`",
        },
        "contenders": data.statuses,
        "scenarios": report.aggregate(data.samples),
    }


def emit(result: dict[str, Any], output_dir: Path, *, chart: bool) -> None:
    """Write the JSON (and chart) and print the tables."""
    output_dir.mkdir(parents=True, exist_ok=True)
    stem = "smoke" if result["meta"]["smoke"] else "latest"
    json_path = output_dir / f"{stem}.json"
    json_path.write_text(
        json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(report.render(result))
    meta = result["meta"]
    if meta["interpreter_startup_ms"] is not None:
        print(
            "Import notes: interpreter start-up alone (python -c pass) "
            f"{meta['interpreter_startup_ms']:.0f} ms; "
            f"`import {LAZY_BASELINE_IMPORT}` "
            f"{meta['import_lazy_baseline_ms']:.0f} ms "
            "(lazy: does not load BaseChatModel, so it is not the floor)."
        )
    print(f"results written to {json_path}")
    if chart:
        print(report.write_chart(result, output_dir / f"{stem}.png"))
    print(f"total time: {meta['duration_s']} s")


def profile(
    args: argparse.Namespace, counts: Counts, host_url: str, baseline: Baseline | None
) -> int:
    profile_dir = args.output_dir / "profiles"
    root = baseline.root if baseline and args.profile == BASELINE else None
    job = WorkerJob(
        [args.profile], "timing", counts, host_url, 1800.0, profile_dir, root
    )
    (rep,) = run_worker(job)
    problems = [rep["reason"], *rep["errors"].values()]
    log(f"profile run: {rep['status']} {' | '.join(filter(None, problems))}")
    log(f"profiles written to {profile_dir}/profile-{args.profile}-*.html")
    return 0 if rep["status"] == "ok" and not rep["errors"] else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.baseline:
        return measure(args, None)
    try:
        with baseline_worktree(args.baseline) as baseline:
            module_file = verify_import(baseline.root, child_env(baseline.root))
            log(f"baseline {baseline.ref} = {baseline.sha}: {module_file}")
            return measure(args, baseline)
    except (RuntimeError, WrongPackageError) as exc:
        print(f"BASELINE FAILED: {exc}", file=sys.stderr)
        return 1


def measure(args: argparse.Namespace, baseline: Baseline | None) -> int:
    """The benchmark proper (after the baseline's worktree, if any, is ready)."""
    started = time.perf_counter()
    counts = SMOKE if args.smoke else FULL
    groups = _groups(args)
    environment: dict[str, Any] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "load_average_before": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "cpu_busy_before": None if args.smoke else cpu_busy_fraction(),
    }
    busy = environment["cpu_busy_before"]
    if busy is not None and busy > 0.1:
        log(f"warning: {busy:.0%} of the CPUs are busy with other work: noisy timings")

    server_cpus, client_cpus = _pinning(args.pin)
    environment["pinned"] = server_cpus is not None
    with running_server(counts.stream_chunks, cpus=server_cpus) as server:
        if client_cpus:
            os.sched_setaffinity(0, client_cpus)
        log(f"canned Groq server: {server.openai_base_url} (pid {server.process.pid})")
        if args.profile:
            return profile(args, counts, server.host_url, baseline)
        data = collect(args, counts, groups, server.host_url, baseline)

    if baseline is not None:
        environment["baseline"] = {
            "ref": baseline.ref,
            "sha": baseline.sha,
            "label": baseline.label,
        }
    result = build_result(args, counts, groups, data, environment)
    result["meta"]["duration_s"] = round(time.perf_counter() - started, 1)
    emit(result, args.output_dir, chart=not args.no_chart)

    if args.smoke:
        # Only the package under development may be missing (it may not exist
        # yet); the comparison rows are what the smoke run is for.
        require = {key for key in args.keys if key != "synaptic"}
        if args.require_synaptic:
            require.add("synaptic")
        problems = smoke_problems(result, args.keys, groups, require)
        if problems:
            print("SMOKE FAILED:\n  " + "\n  ".join(problems))
            return 1
        print("smoke OK: every scenario produced a sane number")
    elif baseline is not None:
        status = result["contenders"][BASELINE]
        problems = [status["reason"], *status["errors"].values()]
        if status["status"] != "ok" or status["errors"]:
            print(f"BASELINE FAILED: {' | '.join(filter(None, problems))}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
