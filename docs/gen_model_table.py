"""The configuration page's table of known models, generated from the package.

An mkdocs hook (listed under `hooks:` in `mkdocs.yml`): it replaces the
`<!-- models:table -->` marker in `docs/configuration.md` with one row per
`GroqModel` member, read from the package's own model table, so the page
cannot drift from the code. `python docs/gen_model_table.py` prints it.
"""

from __future__ import annotations

import sys
from typing import Any

PAGE = "configuration.md"
MARKER = "<!-- models:table -->"


def _yes(flag: bool) -> str:
    return "✅" if flag else ""


def _count(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def models_table() -> str:
    """One Markdown row per `GroqModel` member.

    Returns:
        The table.
    """
    from langchain_synaptic_groq import GroqModel

    header = (
        "| member | id | status | context | max completion | tools | JSON mode "
        "| strict json_schema | reasoning effort | vision | built-in tools |\n"
        "| --- | --- | --- | --: | --: | :-: | :-: | :-: | --- | :-: | --- |"
    )
    rows = []
    served = GroqModel.served()
    # Served models first, then the shut-down ones with their replacement.
    for member in [*served, *(m for m in GroqModel if m not in served)]:
        info = member.info
        status = str(info.status).replace("_", " ")
        if info.retired:
            status += f" {info.shutdown_date}" if info.shutdown_date else ""
            status += f", use `{info.replacement}`" if info.replacement else ""
        effort = ", ".join(info.reasoning_effort) or _yes(info.reasoning)
        vision = f"✅ ({info.max_images} images)" if info.max_images else ""
        rows.append(
            f"| `{member.name}` | `{info.id}` | {status} "
            f"| {_count(info.context_window)} "
            f"| {_count(info.max_completion_tokens)} | {_yes(info.tools)} "
            f"| {_yes(info.json_mode)} | {_yes(info.strict_json_schema)} "
            f"| {effort} | {vision or _yes(info.vision)} "
            f"| {', '.join(info.builtin_tools)} |"
        )
    return "\n".join([header, *rows])


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Fill the marker of the configuration page (mkdocs hook)."""
    if page.file.src_uri != PAGE:
        return markdown
    if MARKER not in markdown:
        msg = f"{PAGE} lacks the marker {MARKER}"
        raise ValueError(msg)
    return markdown.replace(MARKER, models_table())


if __name__ == "__main__":
    sys.stdout.write(models_table() + "\n")
