"""Aggregation (medians, floor, ratios), the stdout table, JSON and the chart."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from contenders import BASELINE, BY_KEY, FLOOR_PARTS, REFERENCE
from scenarios import SCENARIOS, Counts, Scenario

FLOOR = "floor"
INTEGRATIONS = ("synaptic", BASELINE, "groq", "openai")
HEAD = "synaptic"


def _cost(scenario: Scenario, value: float) -> float:
    """Per-operation cost (lower is better) of a scenario's headline number."""
    return 1.0 / value if scenario.higher_is_better else value


def _from_cost(scenario: Scenario, cost: float) -> float:
    return 1.0 / cost if scenario.higher_is_better else cost


def floor_value(scenario: Scenario, medians: Mapping[str, float]) -> float | None:
    """The floor for ``scenario``: raw httpx + zero-cost core, per-op costs summed.

    For throughput the *costs* (seconds per request) are summed and converted
    back to requests/s.  The import floor is measured directly (the baseline
    import); memory numbers have no floor.
    """
    if scenario.floor == "baseline":
        return medians.get(FLOOR)
    if scenario.floor != "sum" or not all(part in medians for part in FLOOR_PARTS):
        return None
    return _from_cost(
        scenario, sum(_cost(scenario, medians[part]) for part in FLOOR_PARTS)
    )


def ratio(
    scenario: Scenario, value: float | None, reference: float | None
) -> float | None:
    """Cost ratio of ``value`` against ``reference``: below 1 means cheaper/faster."""
    if value is None or reference is None or not scenario.ratios:
        return None
    cost, ref_cost = _cost(scenario, value), _cost(scenario, reference)
    if ref_cost <= 0 or not math.isfinite(cost) or not math.isfinite(ref_cost):
        return None
    return cost / ref_cost


def paired_ratio(
    scenario: Scenario, values: Sequence[float], reference: Sequence[float]
) -> float | None:
    """Median of the per-round cost ratios, or None unless rounds pair up.

    Each round's value over the reference's in the same round (the same
    repetition, for import): a busy spell of the shared machine then weighs on
    both sides of a ratio, where the ratio of medians can pair a quiet round
    with a busy one.
    """
    if not values or len(values) != len(reference):
        return None
    ratios = [ratio(scenario, v, r) for v, r in zip(values, reference, strict=True)]
    if any(r is None for r in ratios):
        return None
    return statistics.median(r for r in ratios if r is not None)


def aggregate(
    samples: Mapping[str, Mapping[str, Sequence[float]]],
) -> dict[str, dict[str, Any]]:
    """``samples[scenario][contender] -> values`` to the per-scenario JSON block."""
    out: dict[str, dict[str, Any]] = {}
    for scenario in SCENARIOS:
        per_contender = samples.get(scenario.key, {})
        medians = {
            key: statistics.median(vals) for key, vals in per_contender.items() if vals
        }
        floor = floor_value(scenario, medians)
        reference = medians.get(REFERENCE)
        values: dict[str, Any] = {}
        for key, vals in per_contender.items():
            if not vals or key == FLOOR:
                continue
            values[key] = {
                "median": medians[key],
                "min": min(vals),
                "max": max(vals),
                "samples": list(vals),
                "ratio_vs_chatgroq": ratio(scenario, medians[key], reference),
                "ratio_vs_floor": ratio(scenario, medians[key], floor),
            }
            if key == HEAD and medians.get(BASELINE) is not None:
                # The package now against itself at the baseline commit.
                values[key]["ratio_vs_baseline"] = ratio(
                    scenario, medians[key], medians[BASELINE]
                )
                values[key]["ratio_vs_baseline_paired"] = paired_ratio(
                    scenario, vals, per_contender[BASELINE]
                )
        out[scenario.key] = {
            "title": scenario.title,
            "unit": scenario.unit,
            "higher_is_better": scenario.higher_is_better,
            "values": values,
            "floor": floor,
            "floor_ratio_vs_chatgroq": ratio(scenario, floor, reference),
        }
    return out


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:,.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _fmt_ratio(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f}x"
    return f"{value:.2f}x" if value >= 0.1 else f"{value:.2g}x"


def ratio_cell(values: Mapping[str, Any], key: str, which: str) -> str:
    return _fmt_ratio(values[key][which]) if key in values else "-"


def scenario_title(scenario: Scenario, counts: Counts) -> str:
    if scenario.key == "throughput":
        return f"ainvoke, {counts.inflight} in flight"
    if scenario.key == "growth_invoke":
        return f"RSS growth, {counts.memory_invokes:,} invokes"
    if scenario.key == "growth_stream":
        return f"RSS growth, {counts.memory_streams:,} streams"
    if scenario.key in ("stream", "astream"):
        return f"{scenario.title}, {counts.stream_chunks:,}-chunk answers"
    return scenario.title


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i])
            for i, cell in enumerate(row)
        )
        for row in [header, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render(result: Mapping[str, Any]) -> str:
    """The human-readable report printed at the end of a run."""
    counts = Counts(**result["meta"]["counts"])
    statuses: Mapping[str, Mapping[str, Any]] = result["contenders"]
    shown = [key for key in BY_KEY if key in statuses]
    scenarios: Mapping[str, Mapping[str, Any]] = result["scenarios"]
    groups = set(result["meta"]["groups"])
    run = [s for s in SCENARIOS if s.group in groups]

    def cell(scenario_key: str, key: str) -> str:
        entry = scenarios[scenario_key]["values"].get(key)
        if entry is not None:
            return _fmt(entry["median"])
        status = statuses[key]["status"]
        return "n/a" if status != "ok" else "error"

    label = {key: str(statuses[key]["label"]) for key in shown}
    header = ["scenario", "unit", *(label[k] for k in shown), "floor"]
    rows = []
    for scenario in run:
        block = scenarios[scenario.key]
        rows.append(
            [
                scenario_title(scenario, counts),
                scenario.unit,
                *(cell(scenario.key, key) for key in shown),
                _fmt(block["floor"]),
            ]
        )
    parts = ["Medians (lower is better, except req/s):", _table(header, rows), ""]

    integrations = [k for k in INTEGRATIONS if k in shown]
    ratio_header = ["scenario", "vs"]
    ratio_header += [label[k] for k in integrations]
    ratio_header += ["raw httpx", "zero-cost core", "floor"]
    ratio_rows = []
    for scenario in run:
        if not scenario.ratios:
            continue
        block = scenarios[scenario.key]
        values = block["values"]
        title = scenario_title(scenario, counts)
        row = [title, "ChatGroq"]
        row += [ratio_cell(values, key, "ratio_vs_chatgroq") for key in integrations]
        row += [ratio_cell(values, key, "ratio_vs_chatgroq") for key in FLOOR_PARTS]
        row.append(_fmt_ratio(block["floor_ratio_vs_chatgroq"]))
        ratio_rows.append(row)
        if block["floor"] is not None:
            row = ["", "floor"]
            row += [ratio_cell(values, key, "ratio_vs_floor") for key in integrations]
            row += ["", "", ""]
            ratio_rows.append(row)
    parts += [
        "Cost ratios (per-operation cost / reference cost; < 1 = cheaper or faster;",
        "for req/s the ratio is reference req/s / contender req/s):",
        _table(ratio_header, ratio_rows),
        "",
    ]
    if HEAD in shown and BASELINE in shown:
        parts += _baseline_table(run, scenarios, counts, label)
    for key in shown:
        status = statuses[key]
        if status["status"] != "ok":
            parts.append(f"{label[key]}: {status['status']} - {status['reason']}")
        for scenario_key, message in status.get("errors", {}).items():
            parts.append(f"{label[key]} / {scenario_key}: ERROR {message}")
    return "\n".join(parts).rstrip() + "\n"


def _baseline_table(
    run: Sequence[Scenario],
    scenarios: Mapping[str, Mapping[str, Any]],
    counts: Counts,
    label: Mapping[str, str],
) -> list[str]:
    rows = []
    for scenario in run:
        if not scenario.ratios:
            continue
        head = scenarios[scenario.key]["values"].get(HEAD, {})
        rows.append(
            [
                scenario_title(scenario, counts),
                scenario.unit,
                _fmt_ratio(head.get("ratio_vs_baseline")),
                _fmt_ratio(head.get("ratio_vs_baseline_paired")),
            ]
        )
    header = ["scenario", "unit", "medians", "paired (median of rounds)"]
    return [
        f"{label[HEAD]} (this checkout) vs {label[BASELINE]}: cost ratios, < 1 = "
        "this checkout is cheaper or faster:",
        _table(header, rows),
        "",
    ]


def write_chart(result: Mapping[str, Any], path: Path) -> str:
    """Bar chart of cost ratio vs ChatGroq per scenario; returns a status line."""
    try:
        import matplotlib as mpl

        mpl.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed: chart skipped (pip install matplotlib)"

    counts = Counts(**result["meta"]["counts"])
    scenarios: Mapping[str, Mapping[str, Any]] = result["scenarios"]
    statuses: Mapping[str, Mapping[str, Any]] = result["contenders"]
    series_keys = [k for k in BY_KEY if k != REFERENCE and k in statuses] + [FLOOR]
    groups = set(result["meta"]["groups"])
    chart_scenarios = [s for s in SCENARIOS if s.ratios and s.group in groups]
    series: dict[str, list[float]] = {}
    for key in series_keys:
        points = []
        for scenario in chart_scenarios:
            block = scenarios[scenario.key]
            if key == FLOOR:
                value = block["floor_ratio_vs_chatgroq"]
            else:
                entry = block["values"].get(key)
                value = entry["ratio_vs_chatgroq"] if entry else None
            points.append(math.nan if value is None else float(value))
        if any(math.isfinite(p) for p in points):
            series[key] = points

    if not series:
        return "chart skipped: no ratios vs ChatGroq to plot (is ChatGroq missing?)"
    fig, ax = plt.subplots(figsize=(13, 6))
    width = 0.8 / max(1, len(series))
    for index, (key, points) in enumerate(series.items()):
        offsets = [
            i + (index - (len(series) - 1) / 2) * width for i in range(len(points))
        ]
        label = (
            "floor (raw httpx + zero-cost core)"
            if key == FLOOR
            else str(statuses[key]["label"])
        )
        bars = ax.bar(offsets, points, width, label=label)
        ax.bar_label(
            bars,
            labels=["" if math.isnan(p) else f"{p:.2g}" for p in points],
            fontsize=7,
            rotation=90,
            padding=2,
        )
    ax.axhline(1.0, color="black", linewidth=1, linestyle="--")
    ax.set_yscale("log")
    ax.set_xticks(range(len(chart_scenarios)))
    ax.set_xticklabels(
        [scenario_title(s, counts) for s in chart_scenarios], rotation=20, ha="right"
    )
    ax.set_ylabel("cost relative to ChatGroq (log; < 1 = better)")
    ax.set_title(
        "langchain-synaptic-groq benchmark: cost ratio vs ChatGroq (dashed line)"
    )
    ax.legend(
        fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=len(series)
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return f"chart written to {path}"
