"""The performance page's numbers, generated from the benchmark's own results.

`benchmarks/run.py` writes `benchmarks/results/latest.json` and `latest.png`.
This file turns them into the page's tables at every docs build, so the page
always shows the latest committed run and no number is copied by hand:

- as an mkdocs hook (listed under `hooks:` in `mkdocs.yml`): it replaces the
  `<!-- benchmark:... -->` markers in `docs/performance.md` and publishes
  `latest.png` as `assets/benchmark.png`;
- as a script, `python docs/gen_benchmark_table.py`: it prints the same
  Markdown, to read or paste elsewhere.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
CHART = ROOT / "benchmarks" / "results" / "latest.png"
CHART_URI = "assets/benchmark.png"
PAGE = "performance.md"

# "baseline": the package at an earlier commit (`run.py --baseline REF`).
ORDER = ("synaptic", "baseline", "groq", "openai", "httpx", "core")
INTEGRATIONS = ("synaptic", "baseline", "groq", "openai")


def _load(path: Path = RESULTS) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _ratio(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f}x"
    return f"{value:.2f}x" if value >= 0.1 else f"{value:.2g}x"


def _title(key: str, block: Mapping[str, Any], counts: Mapping[str, Any]) -> str:
    if key == "throughput":
        return f"ainvoke, {counts['inflight']} in flight"
    if key == "growth_invoke":
        return f"RSS growth, {counts['memory_invokes']:,} invokes"
    if key == "growth_stream":
        return f"RSS growth, {counts['memory_streams']:,} streams"
    if key in ("stream", "astream"):
        return f"{block['title']}, {counts['stream_chunks']:,}-chunk answers"
    return str(block["title"])


def _table(header: list[str], rows: list[list[str]], text_columns: int = 1) -> str:
    """A Markdown table: the first `text_columns` left-aligned, numbers right."""
    align = ["---"] * text_columns + ["--:"] * (len(header) - text_columns)
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _labels(data: Mapping[str, Any]) -> dict[str, str]:
    return {key: c["label"] for key, c in data["contenders"].items()}


def medians_table(data: Mapping[str, Any]) -> str:
    """Medians per scenario and contender, with the floor.

    Args:
        data: The decoded `latest.json`.

    Returns:
        A Markdown table.
    """
    labels = _labels(data)
    shown = [k for k in ORDER if k in labels]
    counts = data["meta"]["counts"]
    header = [
        "scenario",
        "unit",
        *(f"**{labels[k]}**" if k == "synaptic" else labels[k] for k in shown),
        "floor",
    ]
    rows = []
    for key, block in data["scenarios"].items():
        values = block["values"]
        cells = [_num(values[k]["median"]) if k in values else "n/a" for k in shown]
        if "synaptic" in shown and "synaptic" in values:
            cells[0] = f"**{cells[0]}**"
        unit = block["unit"] + (
            " (higher is better)" if block["higher_is_better"] else ""
        )
        rows.append([_title(key, block, counts), unit, *cells, _num(block["floor"])])
    return _table(header, rows, text_columns=2)


def ratios_table(data: Mapping[str, Any]) -> str:
    """Cost ratios against ChatGroq and against the floor (below 1 = cheaper).

    Args:
        data: The decoded `latest.json`.

    Returns:
        A Markdown table.
    """
    labels = _labels(data)
    shown = [k for k in INTEGRATIONS if k in labels]
    counts = data["meta"]["counts"]
    header = ["scenario"]
    header += [f"{labels[k]} vs ChatGroq" for k in shown if k != "groq"]
    header += [f"{labels['synaptic']} vs floor"] if "synaptic" in shown else []
    before = "synaptic" in shown and "baseline" in shown
    header += (
        [
            f"{labels['synaptic']} vs {labels['baseline']}",
            "the same, paired by round",
        ]
        if before
        else []
    )
    rows = []
    for key, block in data["scenarios"].items():
        values = block["values"]
        if all(v.get("ratio_vs_chatgroq") is None for v in values.values()):
            continue  # memory growth: no ratios by design
        row = [_title(key, block, counts)]
        row += [
            _ratio(values.get(k, {}).get("ratio_vs_chatgroq"))
            for k in shown
            if k != "groq"
        ]
        if "synaptic" in shown:
            row.append(_ratio(values.get("synaptic", {}).get("ratio_vs_floor")))
        if before:
            head = values.get("synaptic", {})
            row.append(_ratio(head.get("ratio_vs_baseline")))
            row.append(_ratio(head.get("ratio_vs_baseline_paired")))
        rows.append(row)
    return _table(header, rows)


def _load_averages(meta: Mapping[str, Any]) -> str:
    loads = [meta.get(f"load_average_{when}") for when in ("before", "after")]
    if not all(loads):
        return ""
    before, after = (f"{load[0]:.2f}" for load in loads)
    return f", load average {before} before and {after} after"


def run_info(data: Mapping[str, Any]) -> str:
    """One paragraph saying when, where and with what the numbers were taken.

    Args:
        data: The decoded `latest.json`.

    Returns:
        Markdown text.
    """
    meta = data["meta"]
    packages = ", ".join(f"{k} {v}" for k, v in meta["packages"].items())
    loads = _load_averages(meta)
    baseline = meta.get("baseline")
    before = (
        f" {baseline['label']} is the package at commit `{baseline['sha'][:7]}`, "
        "measured in the same run."
        if baseline
        else ""
    )
    return (
        f"Run of {meta['timestamp']} (`{meta['command']}`, {meta['rounds']} "
        f"rounds, {meta['duration_s']:.0f} s): Python {meta['python']} on "
        f"{meta['platform']}, {meta['cpu_count']} CPUs, "
        f"{meta['cpu_busy_before']:.0%} busy before the start{loads}. "
        f"Packages: {packages}.{before}"
    )


def render(data: Mapping[str, Any]) -> dict[str, str]:
    """Every generated block, by marker name.

    Args:
        data: The decoded `latest.json`.

    Returns:
        `{"medians": ..., "ratios": ..., "run": ...}`.
    """
    return {
        "medians": medians_table(data),
        "ratios": ratios_table(data),
        "run": run_info(data),
    }


# -- mkdocs hook ---------------------------------------------------------------


def on_files(files: Any, config: Any) -> Any:
    """Publish the benchmark chart as `assets/benchmark.png` (mkdocs hook)."""
    from mkdocs.structure.files import File

    files.append(File.generated(config, CHART_URI, abs_src_path=str(CHART)))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Fill the `<!-- benchmark:NAME -->` markers of the page (mkdocs hook)."""
    if page.file.src_uri != PAGE:
        return markdown
    for name, text in render(_load()).items():
        marker = f"<!-- benchmark:{name} -->"
        if marker not in markdown:
            msg = f"{PAGE} lacks the marker {marker}"
            raise ValueError(msg)
        markdown = markdown.replace(marker, text)
    return markdown


def main() -> int:
    """Print the generated Markdown.

    Returns:
        The exit status.
    """
    for name, text in render(_load()).items():
        sys.stdout.write(f"<!-- benchmark:{name} -->\n{text}\n\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
