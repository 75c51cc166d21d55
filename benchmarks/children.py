"""How the benchmarks start child processes, and which package copy they import.

Shared by ``run.py`` and ``http_stack.py``: one environment for every child
(no tracing, no proxy for loopback), and the "before" copy of the package
that ``run.py --baseline REF`` measures beside the work tree's: a detached
``git worktree`` of REF in a temporary directory, removed at the end.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "langchain_synaptic_groq"
#: The worker (scenarios.py) imports the package from this directory.
PACKAGE_ROOT_VAR = "BENCH_PACKAGE_ROOT"


def child_env(package_root: Path | None = None) -> dict[str, str]:
    """Environment for every child: no tracing, no proxy for loopback.

    Args:
        package_root: A directory holding another copy of the package (the
            baseline's worktree). It goes first on ``PYTHONPATH``, ahead of the
            editable install's path entry, and the worker reads it from
            ``BENCH_PACKAGE_ROOT`` to check where the package came from.
    """
    env = dict(os.environ)
    for name in ("LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2", "LANGCHAIN_TRACING"):
        env[name] = "false"
    no_proxy = ",".join(filter(None, [env.get("NO_PROXY", ""), "127.0.0.1,localhost"]))
    env["NO_PROXY"] = env["no_proxy"] = no_proxy
    env.setdefault("PYTHONWARNINGS", "ignore")
    # The import timings' warm-up run writes the byte code the timed runs
    # read: without it a checkout without __pycache__ (a fresh worktree)
    # compiles every module on every import, and pays ~0.2 s more.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop(PACKAGE_ROOT_VAR, None)
    if package_root is not None:
        paths = [str(package_root), *filter(None, [env.get("PYTHONPATH")])]
        env["PYTHONPATH"] = os.pathsep.join(paths)
        env[PACKAGE_ROOT_VAR] = str(package_root)
    return env


def import_cwd(package_root: Path | None) -> Path:
    """Where ``python -c "import ..."`` must run to import from ``package_root``.

    ``-c`` puts the current directory first on ``sys.path``, ahead of
    ``PYTHONPATH``: run from the work tree, it would import the work tree's
    package whatever ``PYTHONPATH`` says.
    """
    return package_root if package_root is not None else REPO_ROOT


class WrongPackageError(RuntimeError):
    """The package was imported from another copy than the one to measure."""


def check_origin(module_file: str | None, package_root: Path) -> None:
    """Raise unless ``module_file`` lies inside ``package_root``.

    Raises:
        WrongPackageError: With both paths, so the mistake is plain.
    """
    root = package_root.resolve()
    if module_file is None or not Path(module_file).resolve().is_relative_to(root):
        msg = f"{PACKAGE} was imported from {module_file}, not from {root}"
        raise WrongPackageError(msg)


@dataclass(frozen=True)
class Baseline:
    """A checked-out "before" version of the package."""

    ref: str
    sha: str
    root: Path

    @property
    def short(self) -> str:
        return self.sha[:7]

    @property
    def label(self) -> str:
        return f"ChatGroqSynaptic @ {self.short}"


def _git(*args: str) -> str:
    proc = subprocess.run(
        ["git", "-C", str(REPO_ROOT), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        msg = f"git {' '.join(args)} failed: {proc.stderr.strip()}"
        raise RuntimeError(msg)
    return proc.stdout.strip()


@contextlib.contextmanager
def baseline_worktree(ref: str) -> Iterator[Baseline]:
    """A detached worktree of ``ref`` in a temporary directory, for the block.

    Only the repository's worktree list changes (``.git/worktrees``); the work
    tree and its index are not touched. The worktree is removed afterwards.

    Raises:
        RuntimeError: If ``ref`` is not a commit, or the commit has no package.
    """
    sha = _git("rev-parse", "--verify", f"{ref}^{{commit}}")
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-baseline-{sha[:7]}-"))
    root = tmp / "tree"
    _git("worktree", "add", "--detach", "--quiet", str(root), sha)
    try:
        if not (root / PACKAGE / "__init__.py").is_file():
            msg = f"{ref} ({sha[:7]}) has no {PACKAGE}/__init__.py"
            raise RuntimeError(msg)
        yield Baseline(ref, sha, root)
    finally:
        try:
            _git("worktree", "remove", "--force", str(root))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def verify_import(package_root: Path, env: Mapping[str, str]) -> str:
    """Import the package as the children will and check where it came from.

    Returns:
        The imported module's file.

    Raises:
        WrongPackageError: If it is not the copy in ``package_root``, or does
            not import at all (with the child's last error line).
    """
    code = f"import {PACKAGE} as m; print(m.__file__)"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=import_cwd(package_root),
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        last = lines[-1] if lines else f"exit code {proc.returncode}"
        msg = f"{PACKAGE} from {package_root} does not import: {last}"
        raise WrongPackageError(msg)
    module_file = proc.stdout.strip()
    check_origin(module_file, package_root)
    return module_file
