"""Command line (`synaptic-groq` or `python -m langchain_synaptic_groq`).

- `synaptic-groq "prompt"` streams an answer;
- `synaptic-groq models` compares the package's model registry with what the
  server serves now.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from langchain_synaptic_groq.chat_models import (
    DEFAULT_MODEL,
    ChatGroqSynaptic,
    compare_records,
)
from langchain_synaptic_groq.errors import GroqError
from langchain_synaptic_groq.models import (
    REGISTRY_CHECKED_ON,
    REGISTRY_SOURCES,
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


# Subcommands; anything else is a prompt (the original command line).
_COMMANDS: dict[str, Callable[[Sequence[str]], int]] = {"models": _models_main}


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
