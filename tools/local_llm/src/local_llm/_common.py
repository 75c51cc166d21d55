"""What every job of the tool shares: output, the cache directory, locks."""

from __future__ import annotations

import collections
import contextlib
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if sys.platform != "win32":
    import fcntl

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

CACHE_ENV = "SYNAPTIC_GROQ_CACHE"
"""Environment variable overriding the cache directory."""


TAIL_LINES = 40


def say(message: str) -> None:
    """Write a progress or diagnostic line to stderr.

    Args:
        message: Text to write (a newline is appended).
    """
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def out(message: str) -> None:
    """Write a result line to stdout.

    Args:
        message: Text to write (a newline is appended).
    """
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def run_streaming(
    cmd: Sequence[str], env: Mapping[str, str] | None = None
) -> tuple[int, str]:
    """Run a command, echoing its combined output to stderr as it arrives.

    Args:
        cmd: The command and its arguments.
        env: Environment for the command (default: inherit).

    Returns:
        The exit code and the last lines of output (for error messages).

    Raises:
        RuntimeError: If the command cannot be started at all.
    """
    tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
    try:
        proc = subprocess.Popen(
            list(cmd),
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
    except OSError as exc:
        msg = f"could not run {shlex.join(cmd)}: {exc}"
        raise RuntimeError(msg) from exc
    with proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stderr.write(line)
            tail.append(line)
        sys.stderr.flush()
        returncode = proc.wait()
    return returncode, "".join(tail)


@contextlib.contextmanager
def exclusive_lock(path: Path, what: str) -> Iterator[None]:
    """Hold an exclusive inter-process lock (POSIX ``flock``; no-op on Windows).

    Keeps concurrent callers (e.g. pytest-xdist workers) from building or
    downloading the same thing twice.

    Args:
        path: Lock file (created if missing).
        what: What is being protected, for the waiting message.

    Yields:
        None, while the lock is held.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+b") as fh:
        if sys.platform == "win32":
            yield
            return
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"Waiting for another process to finish {what} (lock: {path})...")
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def default_cache_dir() -> Path:
    """Return the cache directory, honouring ``SYNAPTIC_GROQ_CACHE``.

    Returns:
        ``$SYNAPTIC_GROQ_CACHE`` if set, else ``~/.cache/langchain-synaptic-groq``.
    """
    override = os.environ.get(CACHE_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    return Path.home() / ".cache" / "langchain-synaptic-groq"


def prepare_cache_dir(cache_dir: Path | None) -> Path:
    """Resolve and create the cache directory.

    Args:
        cache_dir: Explicit directory, or None for :func:`default_cache_dir`.

    Returns:
        The existing cache directory.

    Raises:
        RuntimeError: If it cannot be created.
    """
    path = (cache_dir if cache_dir is not None else default_cache_dir()).expanduser()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        msg = (
            f"cannot create cache directory {path} "
            f"(set {CACHE_ENV} to change it): {exc}"
        )
        raise RuntimeError(msg) from exc
    return path
