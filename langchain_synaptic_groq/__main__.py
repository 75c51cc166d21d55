"""Command line: `python -m langchain_synaptic_groq "prompt"` streams an answer."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from langchain_synaptic_groq.chat_models import DEFAULT_MODEL, ChatGroqSynaptic
from langchain_synaptic_groq.errors import GroqError


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: Arguments (default: `sys.argv[1:]`).

    Returns:
        The exit status: 0 on success, 1 on an API error, 2 on bad usage.
    """
    args = _parser().parse_args(argv)
    has_key = bool(os.environ.get("GROQ_API_KEY"))
    has_base = bool(os.environ.get("GROQ_API_BASE") or os.environ.get("GROQ_BASE_URL"))
    if not has_key and not has_base:
        print(
            "no GROQ_API_KEY and no GROQ_API_BASE set: set a Groq key, or point "
            "GROQ_API_BASE at an OpenAI-compatible server",
            file=sys.stderr,
        )
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
