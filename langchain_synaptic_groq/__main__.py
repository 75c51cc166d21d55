"""Command line (`synaptic-groq` or `python -m langchain_synaptic_groq`).

- `synaptic-groq "prompt"` streams an answer;
- `synaptic-groq models` compares the package's model registry with what the
  server serves now;
- `synaptic-groq batch submit FILE.jsonl|FILE.txt`, `batch status ID`,
  `batch results ID`, `batch cancel ID` use Groq's Batch API.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from langchain_synaptic_groq.batch import BatchResult, GroqBatchJob
from langchain_synaptic_groq.chat_models import DEFAULT_MODEL, ChatGroqSynaptic
from langchain_synaptic_groq.errors import GroqError
from langchain_synaptic_groq.models import (
    REGISTRY_CHECKED_ON,
    REGISTRY_SOURCES,
    compare_records,
    model_info,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m langchain_synaptic_groq",
        description="Ask a Groq model (or any OpenAI-compatible server) a question.",
    )
    parser.add_argument("prompt", nargs="?", help="the question to ask")
    parser.add_argument(
        "--model",
        default=os.environ.get("SYNAPTIC_GROQ_MODEL", DEFAULT_MODEL),
        help="model id (default: %(default)s; env SYNAPTIC_GROQ_MODEL)",
    )
    parser.add_argument("--system", help="a system message to send first")
    parser.add_argument(
        "--no-stream", action="store_true", help="wait for the whole answer"
    )
    parser.add_argument(
        "--list-models", action="store_true", help="list the server's models"
    )
    parser.add_argument("--temperature", type=float, default=None)
    parser.add_argument("--max-tokens", type=int, default=None)
    parser.add_argument("--seed", type=int, default=None)
    return parser


def _no_server() -> bool:
    has_key = bool(os.environ.get("GROQ_API_KEY"))
    has_base = bool(os.environ.get("GROQ_API_BASE") or os.environ.get("GROQ_BASE_URL"))
    if not has_key and not has_base:
        print(
            "no GROQ_API_KEY and no GROQ_API_BASE set: set a Groq key, or point "
            "GROQ_API_BASE at an OpenAI-compatible server",
            file=sys.stderr,
        )
        return True
    return False


def _models_main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="synaptic-groq models",
        description=(
            "List what the server serves next to the package's model registry "
            f"(checked {REGISTRY_CHECKED_ON.isoformat()} against "
            f"{REGISTRY_SOURCES['models']} and {REGISTRY_SOURCES['deprecations']})."
        ),
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when the server and the registry disagree",
    )
    args = parser.parse_args(argv)
    if _no_server():
        return 2
    model = ChatGroqSynaptic()
    try:
        records = model.list_models()
    except GroqError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    check = compare_records(records)
    print(f"server: {model.base_url}")
    print(f"registry checked on {check.checked_on.isoformat()}")
    print("\nserved by the server:")
    for record in records:
        info = model_info(record.id)
        status = str(info.status) if info.status else "not in the registry"
        if record.active is False:
            status += ", inactive"
        window = record.context_window or "?"
        print(f"  {record.id:<44} {status:<24} context {window}")
    if check.unknown:
        print("\nserved, but not in the registry:")
        for model_id in check.unknown:
            print(f"  {model_id}")
    if check.shut_down_but_served:
        print("\nmarked shut down in the registry, but still served:")
        for model_id in check.shut_down_but_served:
            print(f"  {model_id}")
    if check.missing:
        print("\nin the registry as served, but the server does not list them:")
        for model_id in check.missing:
            print(f"  {model_id}  ({model_info(model_id).status})")
    if check.in_sync:
        print("\nthe server and the registry agree")
    return 1 if args.strict and not check.in_sync else 0


def _batch_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="synaptic-groq batch",
        description=(
            "Groq's Batch API: many requests run within a window, at a lower "
            "price and outside the real-time rate limits."
        ),
    )
    commands = parser.add_subparsers(dest="command", required=True)
    submit = commands.add_parser(
        "submit",
        help="upload a file of requests and start a batch; prints its id",
        description=(
            "FILE.jsonl: Groq batch lines ({custom_id, method, url, body}), sent "
            "as they are. FILE.txt: one prompt per line, each built into a "
            "request as invoke builds it."
        ),
    )
    submit.add_argument("file", help="a .jsonl of batch lines or a .txt of prompts")
    submit.add_argument(
        "--model",
        default=os.environ.get("SYNAPTIC_GROQ_MODEL", DEFAULT_MODEL),
        help="model id for a .txt (default: %(default)s; env SYNAPTIC_GROQ_MODEL)",
    )
    submit.add_argument("--system", help="a system message before each prompt")
    submit.add_argument("--temperature", type=float, default=None)
    submit.add_argument("--max-tokens", type=int, default=None)
    submit.add_argument(
        "--completion-window", default="24h", help="24h to 7d (default: 24h)"
    )
    submit.add_argument(
        "--metadata",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="metadata kept with the batch (repeatable)",
    )
    submit.add_argument(
        "--state-file", help="keep the job's state here (GroqBatchJob.resume)"
    )
    submit.add_argument(
        "--wait", action="store_true", help="wait for the end, showing progress"
    )
    submit.add_argument("--poll-interval", type=float, default=30.0)
    for name, text in (
        ("status", "show a batch's status and counts"),
        ("results", "print one JSON line per request, in input order"),
        ("cancel", "cancel a batch"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument("id", help="the batch id (batch_...)")
    return parser


def _batch_inputs(path: str, system: str | None) -> tuple[str, list[Any]]:
    """The kind of `path` ("jsonl" or "txt") and its lines, checked."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if path.endswith(".jsonl"):
        lines = []
        for number, raw in enumerate(text.splitlines(), 1):
            if raw.strip():
                try:
                    lines.append(json.loads(raw))
                except ValueError as exc:
                    msg = f"{path}, line {number}, is not JSON ({exc})"
                    raise ValueError(msg) from None
        return "jsonl", lines
    if path.endswith(".txt"):
        prompts = [line.strip() for line in text.splitlines() if line.strip()]
        if system:
            return "txt", [[("system", system), ("human", p)] for p in prompts]
        return "txt", prompts
    msg = f"{path}: give a .jsonl of batch lines or a .txt of prompts"
    raise ValueError(msg)


def _result_line(custom_id: str, result: BatchResult) -> dict[str, Any]:
    if isinstance(result, Exception):
        error = {"type": type(result).__name__, "message": str(result)}
        if result.code:
            error["code"] = result.code
        return {"custom_id": custom_id, "error": error}
    line: dict[str, Any] = {"custom_id": custom_id, "content": result.text}
    if result.tool_calls:
        line["tool_calls"] = result.tool_calls
    return line


def _batch_main(argv: Sequence[str]) -> int:
    args = _batch_parser().parse_args(argv)
    if _no_server():
        return 2
    try:
        if args.command == "submit":
            kind, lines = _batch_inputs(args.file, args.system)
            if any("=" not in item for item in args.metadata):
                msg = f"--metadata takes KEY=VALUE, got {args.metadata}"
                raise ValueError(msg)
            metadata = dict(item.split("=", 1) for item in args.metadata)
            model = ChatGroqSynaptic(
                model=args.model,
                temperature=args.temperature,
                max_tokens=args.max_tokens,
            )
            options: dict[str, Any] = {
                "completion_window": args.completion_window,
                "metadata": metadata,
                "state_file": args.state_file,
            }
            if kind == "jsonl":
                job = GroqBatchJob.submit_requests(model, lines, **options)
            else:
                job = model.submit_batch(lines, **options)
            print(job.id)
            if args.state_file:
                print(f"state: {job.state_file}", file=sys.stderr)
            if args.wait:
                job.wait(poll_interval=args.poll_interval, progress=True)
                print(f"{job.id}\t{job.status}", file=sys.stderr)
            return 0
        job = GroqBatchJob.from_batch_id(args.id, ChatGroqSynaptic())
        if args.command == "cancel":
            print(f"{job.id}\t{job.cancel().status}")
            return 0
        if args.command == "status":
            counts = job.refresh().request_counts
            print(
                f"{job.id}\t{job.status}\t{counts['completed']}/{counts['total']} "
                f"completed, {counts['failed']} failed"
            )
            return 0
        results = job.refresh().results()
        for custom_id, result in zip(job.custom_ids or (), results, strict=True):
            print(json.dumps(_result_line(custom_id, result), ensure_ascii=False))
    except (OSError, ValueError, TypeError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, OSError | ValueError | TypeError) else 1
    except GroqError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


# Subcommands; anything else is a prompt (the original command line).
_COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "models": _models_main,
    "batch": _batch_main,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: Arguments (default: `sys.argv[1:]`).

    Returns:
        The exit status: 0 on success, 1 on an API error, 2 on bad usage.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in _COMMANDS:
        return _COMMANDS[argv[0]](argv[1:])
    args = _parser().parse_args(argv)
    if _no_server():
        return 2
    model = ChatGroqSynaptic(
        model=args.model,
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        seed=args.seed,
    )
    try:
        if args.list_models:
            for record in model.list_models():
                window = record.context_window or "?"
                print(f"{record.id}\t{record.owned_by or '-'}\tcontext {window}")
            return 0
        if not args.prompt:
            print("give a prompt, or --list-models", file=sys.stderr)
            return 2
        messages: list[BaseMessage] = []
        if args.system:
            messages.append(SystemMessage(args.system))
        messages.append(HumanMessage(args.prompt))
        if args.no_stream:
            print(model.invoke(messages).text)
        else:
            for chunk in model.stream(messages):
                sys.stdout.write(chunk.text)
                sys.stdout.flush()
            sys.stdout.write("\n")
    except GroqError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
