"""Command line: ``local-llm install | serve | run``."""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from local_llm._common import CACHE_ENV, out, prepare_cache_dir, say
from local_llm.install import ensure_model, ensure_server_binary
from local_llm.models import DEFAULT_MODEL, MODELS, TOOL_MODEL, resolve_model
from local_llm.serve import (
    DEFAULT_CTX_SIZE,
    DEFAULT_STARTUP_TIMEOUT,
    DEFAULT_THREADS,
    LOCAL_API_KEY,
    LocalServer,
)

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import FrameType

__all__ = ["main"]


# ------------------------------------------------------------------- CLI
def _raise_interrupt(signum: int, frame: FrameType | None) -> NoReturn:
    """Turn SIGTERM into KeyboardInterrupt so the server is cleaned up.

    Args:
        signum: Signal number.
        frame: Current frame.

    Raises:
        KeyboardInterrupt: Always.
    """
    del signum, frame
    raise KeyboardInterrupt


def _server_from_args(args: argparse.Namespace) -> LocalServer:
    """Build a LocalServer from parsed CLI options.

    Args:
        args: Parsed arguments.

    Returns:
        An unstarted server.
    """
    return LocalServer(
        port=args.port,
        ctx_size=args.ctx_size,
        threads=args.threads,
        startup_timeout=args.timeout,
        cache_dir=args.cache_dir,
        model=args.model,
    )


def _cmd_install(args: argparse.Namespace) -> int:
    """Ensure binary and model, print their paths.

    Args:
        args: Parsed arguments.

    Returns:
        Exit code.
    """
    binary = ensure_server_binary(args.cache_dir)
    names: list[str] = args.model or [DEFAULT_MODEL]
    if "all" in names:
        names = list(MODELS)
    models = [(name, ensure_model(args.cache_dir, name)) for name in names]
    version = subprocess.run(
        [str(binary), "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    if version.returncode != 0:
        say(f"error: {binary} --version failed (exit code {version.returncode}):")
        say((version.stdout + version.stderr).strip())
        return 1
    out(f"llama-server: {binary}")
    for name, model in models:
        out(f"model:        {model} ({name})")
        template = resolve_model(name).chat_template_path
        if template is not None:
            out(f"  template:   {template}")
    out(f"cache dir:    {prepare_cache_dir(args.cache_dir)}")
    for line in (version.stdout + version.stderr).strip().splitlines():
        out(f"  {line}")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    """Run the server in the foreground until Ctrl-C or SIGTERM.

    Args:
        args: Parsed arguments.

    Returns:
        Exit code.
    """
    server = _server_from_args(args)
    try:
        with server:
            out(f"base_url: {server.base_url}")
            out(f"model:    {server.model_id}")
            out(f"log:      {server.log_path}")
            out("Serving; press Ctrl-C to stop.")
            returncode = server.wait()
            say(f"error: llama-server exited unexpectedly with code {returncode}:")
            say(server.log_tail())
            return 1
    except KeyboardInterrupt:
        say("Stopped.")
        return 0


def _cmd_run(args: argparse.Namespace) -> int:
    """Run a command against a temporary server.

    Args:
        args: Parsed arguments.

    Returns:
        The command's exit code (128+N if killed by signal N).
    """
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        say("error: 'run' needs a command, e.g. 'run -- pytest tests/integration'")
        return 2
    try:
        with _server_from_args(args) as server:
            env = dict(os.environ)
            env["GROQ_API_BASE"] = server.base_url
            env["GROQ_API_KEY"] = LOCAL_API_KEY
            env["SYNAPTIC_GROQ_MODEL"] = server.model_id
            no_proxy = ",".join(
                filter(None, [env.get("NO_PROXY", ""), "127.0.0.1", "localhost"])
            )
            env["NO_PROXY"] = env["no_proxy"] = no_proxy
            say(
                f"local server: {server.base_url} model={server.model_id} "
                f"log={server.log_path}"
            )
            say("$ " + shlex.join(command))
            try:
                returncode = subprocess.run(command, env=env, check=False).returncode
            except OSError as exc:
                say(f"error: cannot run {command[0]!r}: {exc}")
                return 127
            if not server.is_running():
                say("warning: llama-server died while the command ran; last log lines:")
                say(server.log_tail())
    except KeyboardInterrupt:
        say("Interrupted.")
        return 130
    return returncode if returncode >= 0 else 128 - returncode


def _build_parser() -> argparse.ArgumentParser:
    """Create the command-line parser.

    Returns:
        The parser.
    """
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help=f"cache dir (default ${CACHE_ENV} or ~/.cache/langchain-synaptic-groq)",
    )
    server_opts = argparse.ArgumentParser(add_help=False)
    server_opts.add_argument(
        "--model",
        choices=list(MODELS),
        default=DEFAULT_MODEL,
        help=(
            f"model to serve (default %(default)s; {TOOL_MODEL} calls tools, "
            "with this project's chat template)"
        ),
    )
    server_opts.add_argument(
        "--port", type=int, default=None, help="TCP port (default: a free one)"
    )
    server_opts.add_argument(
        "--ctx-size",
        type=int,
        default=DEFAULT_CTX_SIZE,
        help="context size in tokens (default %(default)s)",
    )
    server_opts.add_argument(
        "--threads",
        type=int,
        default=DEFAULT_THREADS,
        help="CPU threads (default %(default)s)",
    )
    server_opts.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_STARTUP_TIMEOUT,
        help="startup timeout in seconds (default %(default)s)",
    )

    parser = argparse.ArgumentParser(
        prog="local-llm",
        description=(
            "Install and run a local OpenAI-compatible llama.cpp server "
            "(SmolLM2-135M-Instruct, or Qwen2.5-Coder-1.5B-Instruct for tools)."
        ),
    )
    sub = parser.add_subparsers(dest="action", required=True)
    install = sub.add_parser(
        "install",
        parents=[common],
        help="install llama-server and the model(s), print their paths",
    )
    install.add_argument(
        "--model",
        action="append",
        choices=[*MODELS, "all"],
        help=f"model to install; repeat for several (default {DEFAULT_MODEL})",
    )
    sub.add_parser(
        "serve",
        parents=[common, server_opts],
        help="run the server in the foreground until Ctrl-C",
    )
    run = sub.add_parser(
        "run",
        parents=[common, server_opts],
        help=(
            "start the server, run CMD with GROQ_API_BASE, GROQ_API_KEY and "
            "SYNAPTIC_GROQ_MODEL set, then stop it"
        ),
        usage="%(prog)s [options] -- CMD [ARG ...]",
    )
    run.add_argument(
        "command", nargs=argparse.REMAINDER, help="command to run (after --)"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point.

    Args:
        argv: Arguments (default ``sys.argv[1:]``).

    Returns:
        Process exit code.
    """
    args = _build_parser().parse_args(argv)
    if args.action != "install":
        signal.signal(signal.SIGTERM, _raise_interrupt)
    handlers = {"install": _cmd_install, "serve": _cmd_serve, "run": _cmd_run}
    try:
        return handlers[args.action](args)
    except RuntimeError as exc:
        say(f"error: {exc}")
        return 1
