"""Run the examples against the local server and save what they print.

The pages show this output under "Captured from the local SmolLM2 server";
refresh it after changing an example:

    local-llm run -- python docs/capture_examples.py
    local-llm run -- python docs/capture_examples.py invoke

Each `examples/NAME.py` is run as `local-llm run` runs it, and its
stdout and stderr (merged, in order) go to `docs/captured/NAME.txt`. Three
more: `testing` (the `examples/testing` suite under pytest), `quickstart`
(`scripts/quickstart.py`) and `cli` (`python -m langchain_synaptic_groq`).
Nothing is edited by hand: what is in those files is what the code printed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CAPTURED = ROOT / "docs" / "captured"
LOCAL_API_KEY = "local-no-key"  # what `local-llm run` sets
_GROQ_ENV = ("GROQ_API_KEY", "GROQ_API_BASE", "GROQ_BASE_URL", "SYNAPTIC_GROQ_MODEL")


def _run(cmd: list[str], env: dict[str, str]) -> str:
    proc = subprocess.run(  # noqa: S603 (our own interpreter and examples)
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
        check=False,
    )
    if proc.returncode != 0:
        msg = f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stdout}"
        raise RuntimeError(msg)
    return "\n".join(line.rstrip() for line in proc.stdout.splitlines()) + "\n"


def main(argv: list[str]) -> int:
    """Capture the named examples (all when none is named).

    Args:
        argv: Example names without `.py` (and `testing` for the suite).

    Returns:
        The exit status.
    """
    if os.environ.get("GROQ_API_KEY") != LOCAL_API_KEY or not os.environ.get(
        "GROQ_API_BASE"
    ):
        sys.stderr.write(
            "run me under the local server, so the output is what the pages say:\n"
            "  local-llm run -- python docs/capture_examples.py\n"
        )
        return 2
    env = dict(os.environ, LANGSMITH_TRACING="false", PYTHONUNBUFFERED="1")
    clean = {k: v for k, v in env.items() if k not in _GROQ_ENV}
    pytest = [sys.executable, "-m", "pytest", "--no-header", "-p", "no:cacheprovider"]
    cli = [sys.executable, "-m", "langchain_synaptic_groq", "--temperature", "0"]
    special = {
        "testing": ([*pytest, "-v", "examples/testing"], clean),
        "quickstart": ([sys.executable, "scripts/quickstart.py"], clean),
        "cli": ([*cli, "--max-tokens", "32", "What is Groq?"], env),
    }
    names = argv or [p.stem for p in sorted(EXAMPLES.glob("*.py"))] + [*special]
    CAPTURED.mkdir(exist_ok=True)
    for name in names:
        if name in special:
            output = _run(*special[name])
        else:
            output = _run([sys.executable, str(EXAMPLES / f"{name}.py")], env)
        (CAPTURED / f"{name}.txt").write_text(output, encoding="utf-8")
        sys.stderr.write(f"captured {name}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
