#!/usr/bin/env python3
# ruff: noqa: RUF001  (the cases hold non-English text on purpose)
"""Measure how close `get_num_tokens_from_messages` is to real prompt counts.

Sends a fixed, varied set of conversations (short, long, code, JSON,
non-English, multi-turn, with and without a system message) to a real
OpenAI-compatible llama.cpp server with ``max_tokens=1`` and compares the
``usage.prompt_tokens`` it reports with `ChatGroqSynaptic`'s estimate for the
same messages. It also compares the text alone with llama-server's
``/tokenize`` (no chat template), to separate the tokenizer estimate from the
template overhead.

By default it starts the project's local server (SmolLM2-135M-Instruct,
through the local LLM tool ``tools/local_llm``) and stops it afterwards;
``--base-url`` uses a server that is already running instead. SmolLM2's
tokenizer (49k tokens, trained mostly on English) is not the tokenizer of
Groq's models (Llama 3: 128k, gpt-oss: o200k, Qwen3: 151k), so the numbers
tell how close the estimate gets on one real tokenizer, not the exact error on Groq.

Usage::

    python scripts/measure_token_estimate.py               # start a server
    python scripts/measure_token_estimate.py --base-url http://127.0.0.1:8088/v1
    python scripts/measure_token_estimate.py --json results.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from langchain_synaptic_groq import ChatGroqSynaptic
from langchain_synaptic_groq._tokens import estimate_text_tokens

_CODE = '''import json
from dataclasses import dataclass


@dataclass
class Order:
    order_id: str
    items: list[dict[str, int]]

    def total(self, prices: dict[str, float]) -> float:
        """Sum the price of every item in the order."""
        return sum(prices[i["sku"]] * i["qty"] for i in self.items)


def load(path: str) -> list[Order]:
    with open(path, encoding="utf-8") as fh:
        return [Order(**row) for row in json.load(fh)]
'''

_JS = """export async function fetchUser(id) {
  const res = await fetch(`/api/users/${id}`, { headers: { Accept: "text/json" } });
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${res.statusText}`);
  const { data, meta } = await res.json();
  return { ...data, fetchedAt: Date.now(), page: meta?.page ?? 1 };
}
"""

_JSON = json.dumps(
    {
        "id": "chatcmpl-9f2c",
        "model": "llama-3.3-70b-versatile",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Paris."},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 36, "completion_tokens": 3, "total_tokens": 39},
    },
    indent=2,
)

_LONG = (
    "The history of the printing press begins in the fifteenth century, when "
    "Johannes Gutenberg combined a screw press, oil-based ink and movable metal "
    "type into a system that could produce books far faster than scribes. Within "
    "fifty years presses were running in more than two hundred European cities, "
    "and the number of books in circulation grew from thousands to millions. "
    "Cheaper books changed education, religion and science: vernacular Bibles "
    "spread the Reformation, standardised textbooks made universities larger, and "
    "scientists could finally compare identical copies of tables and diagrams. "
    "Historians still argue about how much of the scientific revolution would "
    "have happened without it, but few doubt that the press accelerated the "
    "exchange of ideas across borders and generations. "
) * 3


@dataclass(frozen=True)
class Case:
    """One conversation to measure."""

    name: str
    kind: str  # english, code, multilingual, multi-turn
    messages: tuple[BaseMessage, ...]


def _cases() -> list[Case]:
    sys_brief = SystemMessage("You are a concise assistant. Answer in one sentence.")
    return [
        Case("hi", "english", (HumanMessage("Hi"),)),
        Case("capital", "english", (HumanMessage("What is the capital of France?"),)),
        Case(
            "capital+system",
            "english",
            (sys_brief, HumanMessage("What is the capital of France?")),
        ),
        Case(
            "explain",
            "english",
            (
                HumanMessage(
                    "Explain, in simple terms, why the sky looks blue during the "
                    "day but red and orange at sunset."
                ),
            ),
        ),
        Case("long-prose", "english", (HumanMessage(_LONG),)),
        Case(
            "long-prose+system",
            "english",
            (sys_brief, HumanMessage("Summarise this:\n\n" + _LONG)),
        ),
        Case(
            "numbers",
            "english",
            (
                HumanMessage(
                    "Add 1234567 and 89012, then multiply by 3.14159 and round "
                    "to 2 decimals. Dates: 2024-06-30, 1999-12-31."
                ),
            ),
        ),
        Case(
            "markdown",
            "english",
            (
                HumanMessage(
                    "# Release notes\n\n## v2.1.0\n\n- Added `stream_usage`\n- "
                    "Fixed a bug in **retry** handling (see #123)\n- Dropped "
                    "Python 3.8\n\n| name | value |\n|---|---|\n| a | 1 |\n"
                ),
            ),
        ),
        Case(
            "url-email",
            "english",
            (
                HumanMessage(
                    "Contact jane.doe@example.com or visit https://docs."
                    "example.org/v1/api/reference?lang=en#auth for details."
                ),
            ),
        ),
        Case("python-code", "code", (HumanMessage("Review this code:\n\n" + _CODE),)),
        Case("js-code", "code", (HumanMessage("What does this do?\n" + _JS),)),
        Case("json", "code", (HumanMessage("Parse this response:\n" + _JSON),)),
        Case(
            "shell",
            "code",
            (
                HumanMessage(
                    "Why does `find . -name '*.py' -mtime -1 | xargs grep -n "
                    '"TODO" 2>/dev/null | sort -u > todo.txt` print nothing?'
                ),
            ),
        ),
        Case(
            "sql",
            "code",
            (
                HumanMessage(
                    "SELECT u.id, u.email, COUNT(o.id) AS orders FROM users u "
                    "LEFT JOIN orders o ON o.user_id = u.id WHERE o.created_at >= "
                    "NOW() - INTERVAL '30 days' GROUP BY u.id, u.email HAVING "
                    "COUNT(o.id) > 5 ORDER BY orders DESC LIMIT 10;"
                ),
            ),
        ),
        Case(
            "french",
            "multilingual",
            (
                HumanMessage(
                    "Pouvez-vous m'expliquer pourquoi le ciel est bleu pendant la "
                    "journée ? Répondez en français, s'il vous plaît."
                ),
            ),
        ),
        Case(
            "german",
            "multilingual",
            (
                HumanMessage(
                    "Wie funktioniert die Photosynthese bei Pflanzen? Bitte "
                    "erklären Sie es für Schüler der siebten Klasse."
                ),
            ),
        ),
        Case(
            "spanish",
            "multilingual",
            (
                HumanMessage(
                    "¿Cuál es la diferencia entre «ser» y «estar» en español? "
                    "Dame tres ejemplos."
                ),
            ),
        ),
        Case(
            "russian",
            "multilingual",
            (
                HumanMessage(
                    "Расскажите, пожалуйста, кратко об истории Москвы и её "
                    "главных достопримечательностях."
                ),
            ),
        ),
        Case(
            "chinese",
            "multilingual",
            (HumanMessage("请用简单的语言解释一下为什么天空是蓝色的，并举一个例子。"),),
        ),
        Case(
            "japanese",
            "multilingual",
            (HumanMessage("東京でおすすめの観光地を三つ教えてください。"),),
        ),
        Case(
            "arabic",
            "multilingual",
            (HumanMessage("ما هي عاصمة المغرب وما هي أشهر معالمها السياحية؟"),),
        ),
        Case(
            "emoji-mixed",
            "multilingual",
            (HumanMessage("Rate these 🍕🍔🌮 from 1 to 10 — café, naïve, jalapeño!"),),
        ),
        Case(
            "two-turn",
            "multi-turn",
            (
                HumanMessage("My name is Ada. Remember it."),
                AIMessage("Nice to meet you, Ada! I'll remember your name."),
                HumanMessage("What is my name?"),
            ),
        ),
        Case(
            "three-turn+system",
            "multi-turn",
            (
                sys_brief,
                HumanMessage("Give me a fruit."),
                AIMessage("Apple."),
                HumanMessage("Another one."),
                AIMessage("Banana."),
                HumanMessage("And a vegetable?"),
            ),
        ),
        Case(
            "code-review-turns",
            "multi-turn",
            (
                SystemMessage("You review Python code."),
                HumanMessage("Is this fine?\n" + _CODE),
                AIMessage(
                    "Mostly. `load` should validate rows, and `total` raises "
                    "KeyError for unknown SKUs."
                ),
                HumanMessage("How would you fix total()?"),
            ),
        ),
        Case(
            "long-chat",
            "multi-turn",
            (
                *(
                    msg
                    for i in range(6)
                    for msg in (
                        HumanMessage(
                            f"Question {i + 1}: what is {i} squared plus one?"
                        ),
                        AIMessage(f"{i} squared plus one is {i * i + 1}."),
                    )
                ),
                HumanMessage("Now add all the answers."),
            ),
        ),
        Case(
            "translate-turns",
            "multi-turn",
            (
                HumanMessage("Translate 'good morning' into Spanish."),
                AIMessage("Buenos días."),
                HumanMessage("And into Italian and Portuguese?"),
            ),
        ),
        Case("one-word", "english", (HumanMessage("Thanks!"),)),
        Case(
            "instructions",
            "english",
            (
                SystemMessage(
                    "You are a support agent for Acme Cloud. Be polite, never "
                    "promise refunds, and escalate billing disputes to a human."
                ),
                HumanMessage(
                    "I was charged twice for my subscription this month. Can you "
                    "fix it?"
                ),
            ),
        ),
        Case(
            "list",
            "english",
            (
                HumanMessage(
                    "Shopping list:\n1. eggs\n2. milk\n3. bread\n4. coffee beans"
                    "\n5. olive oil\n\nWhat can I cook with these?"
                ),
            ),
        ),
        Case(
            "identifiers",
            "code",
            (
                HumanMessage(
                    "Rename getUserAccountBalance, HTTPServerConfig and "
                    "parse_iso8601_timestamp to follow PEP 8."
                ),
            ),
        ),
        Case(
            "yaml",
            "code",
            (
                HumanMessage(
                    "services:\n  web:\n    image: nginx:1.27\n    ports:\n      - "
                    '"8080:80"\n    depends_on: [api]\n  api:\n    build: ./api\n'
                    "    environment:\n      - DATABASE_URL=postgres://db/app\n"
                ),
            ),
        ),
    ]


@dataclass
class Row:
    """One measurement."""

    name: str
    kind: str
    actual: int
    estimate: int
    text_actual: int
    text_estimate: int

    @property
    def error(self) -> float:
        """Relative error of the whole-request estimate (signed)."""
        return (self.estimate - self.actual) / self.actual

    @property
    def text_error(self) -> float:
        """Relative error of the text-only estimate (signed)."""
        return (self.text_estimate - self.text_actual) / max(1, self.text_actual)


@contextmanager
def _server(base_url: str | None) -> Iterator[tuple[str, str]]:
    if base_url:
        models = httpx.get(f"{base_url}/models", timeout=10).json()
        yield base_url, models["data"][0]["id"]
        return
    from local_llm import start_local_server

    with start_local_server() as server:
        yield server.base_url, server.model_id


def _tokenize(root: str, text: str) -> int:
    response = httpx.post(f"{root}/tokenize", json={"content": text}, timeout=60)
    response.raise_for_status()
    return len(response.json()["tokens"])


def measure(base_url: str, model_id: str) -> list[Row]:
    """Run every case against the server.

    Args:
        base_url: The OpenAI-compatible API root (ending in ``/v1``).
        model_id: The model id the server reports.

    Returns:
        One row per case.
    """
    root = base_url.removesuffix("/v1")
    model = ChatGroqSynaptic(
        base_url=base_url,
        api_key="local-no-key",
        model=model_id,
        max_tokens=1,
        temperature=0,
        timeout=120,
    )
    rows = []
    for case in _cases():
        messages = list(case.messages)
        answer = model.invoke(messages)
        usage = answer.usage_metadata
        assert usage is not None, f"{case.name}: the server reported no usage"
        texts = [m.text for m in messages]
        rows.append(
            Row(
                name=case.name,
                kind=case.kind,
                actual=usage["input_tokens"],
                estimate=model.get_num_tokens_from_messages(messages),
                text_actual=sum(_tokenize(root, t) for t in texts),
                text_estimate=sum(estimate_text_tokens(t) for t in texts),
            )
        )
    return rows


def _summary(label: str, errors: Sequence[float]) -> str:
    absolute = [abs(e) for e in errors]
    return (
        f"{label:<28} n={len(errors):>2}  MAPE {100 * statistics.mean(absolute):5.1f} %"
        f"  median {100 * statistics.median(absolute):5.1f} %"
        f"  max {100 * max(absolute):5.1f} %"
        f"  bias {100 * statistics.mean(errors):+5.1f} %"
    )


def report(rows: Sequence[Row]) -> str:
    """Render the table and the summary lines.

    Args:
        rows: The measurements.

    Returns:
        The report text.
    """
    lines = [
        f"{'case':<20} {'kind':<13} {'actual':>6} {'est':>6} {'err':>7}"
        f"   {'text':>5} {'est':>5} {'err':>7}"
    ]
    lines.extend(
        f"{r.name:<20} {r.kind:<13} {r.actual:>6} {r.estimate:>6} "
        f"{100 * r.error:>+6.1f}%   {r.text_actual:>5} {r.text_estimate:>5} "
        f"{100 * r.text_error:>+6.1f}%"
        for r in rows
    )
    lines.append("")
    lines.append(_summary("whole request, all", [r.error for r in rows]))
    for kind in ("english", "code", "multilingual", "multi-turn"):
        subset = [r.error for r in rows if r.kind == kind]
        if subset:
            lines.append(_summary(f"whole request, {kind}", subset))
    english = [r.error for r in rows if r.kind != "multilingual"]
    if english:
        lines.append(_summary("whole request, en+code+turns", english))
    latin = [r.error for r in rows if r.name not in _NON_LATIN]
    lines.append(_summary("whole request, Latin script", latin))
    lines.append(_summary("text only (/tokenize), all", [r.text_error for r in rows]))
    return "\n".join(lines)


_NON_LATIN = frozenset({"russian", "chinese", "japanese", "arabic"})


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point.

    Args:
        argv: Arguments (default ``sys.argv[1:]``).

    Returns:
        Exit code.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--base-url", help="use a running server (e.g. http://127.0.0.1:8088/v1)"
    )
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    with _server(args.base_url) as (base_url, model_id):
        rows = measure(base_url, model_id)
    print(f"server model: {model_id}")
    print(report(rows))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
