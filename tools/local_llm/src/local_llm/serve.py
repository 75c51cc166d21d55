"""Serve job: a ``llama-server`` process, started, watched and stopped."""

from __future__ import annotations

import atexit
import json
import os
import shlex
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from http import HTTPStatus
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from local_llm._common import TAIL_LINES, prepare_cache_dir, say
from local_llm.install import ensure_model, ensure_server_binary
from local_llm.models import DEFAULT_MODEL, ModelSpec, resolve_model

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import TracebackType

_T = TypeVar("_T")

__all__ = [
    "DEFAULT_CTX_SIZE",
    "DEFAULT_HOST",
    "DEFAULT_STARTUP_TIMEOUT",
    "DEFAULT_THREADS",
    "LOCAL_API_KEY",
    "LocalServer",
    "ServerStartError",
    "start_local_server",
]

DEFAULT_HOST = "127.0.0.1"

DEFAULT_CTX_SIZE = 4096
DEFAULT_THREADS = 2
"""Fixed (not ``os.cpu_count()``) so greedy outputs match across machines."""
DEFAULT_STARTUP_TIMEOUT = 180.0
STOP_GRACE_SECONDS = 10.0

LOCAL_API_KEY = "local-no-key"
"""Placeholder API key for ``run``; llama-server does not check it."""


_POLL_INTERVAL = 0.25
_PORT_ATTEMPTS = 3
_LOGS_KEPT = 20
_NO_REPACK_MARKER = "llama-server-no-repack.json"
_CPU_FAULT_CODES = (-signal.SIGSEGV, -signal.SIGILL)

# Requests to the local server must never go through an HTTP(S)_PROXY.
_NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


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
        say(f"warning: could not prune old logs in {log_dir}: {exc}")


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
        say(f"warning: could not write {marker}: {exc}")


def _started(value: _T | None) -> _T:
    """A value the server has only once started.

    Raises:
        RuntimeError: If it has not been started.
    """
    if value is None:
        msg = "LocalServer has not been started"
        raise RuntimeError(msg)
    return value


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
        return _started(self._port)

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
        return _started(self._model_id)

    @property
    def log_path(self) -> Path:
        """File receiving the server's stdout and stderr."""
        return _started(self._log_path)

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

    def log_tail(self, lines: int = TAIL_LINES) -> str:
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
                "(the package ships it in local_llm/templates/: reinstall the tool)"
            )
            raise RuntimeError(msg)
        attempts = 1 if self._requested_port is not None else _PORT_ATTEMPTS
        attempt = 0
        marker = prepare_cache_dir(self._cache_dir) / _NO_REPACK_MARKER
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
                    say(f"port {port} was taken before llama-server bound it; retrying")
                    continue
                crashed = returncode in _CPU_FAULT_CODES and not self._no_repack
                if returncode is not None and crashed:
                    # Seen on VMs whose CPU advertises AMX: ggml's AMX kernels
                    # (an "extra buffer type", like the repacked AVX ones)
                    # fault on their first tile instruction. --no-repack
                    # keeps the plain CPU kernels.
                    say(
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
                say(
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
        return _started(self._process).wait()

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
        log_dir = prepare_cache_dir(self._cache_dir) / "logs"
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
        say(
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
