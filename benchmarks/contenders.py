"""The contenders: how each one is built, lazily, against the canned server.

Every contender is exposed through the same tiny surface (:class:`ChatLike`):
``invoke`` / ``ainvoke`` / ``stream`` / ``astream`` on a prompt string plus
``bind_tools``.  LangChain chat models satisfy it as they are; the raw-httpx
transport floor implements it by hand.

Heavy imports happen inside :func:`factory`, so importing this module costs
(almost) nothing and a broken contender cannot break the others.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import ssl
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import httpx
    from langchain_core.language_models import BaseChatModel

MODEL = "llama-3.1-8b-instant"
API_KEY = "gsk_bench"
MAX_RETRIES = 2
EXPECTED_TEXT = "Hello from the canned server."
STREAM_TOKEN = "tok "
EXPECTED_TOOL_ARGS = {"a": 1, "b": 2}

_CHUNKS_MARKER = re.compile(r"chunks=(\d+)")


class ChatLike(Protocol):
    """What the scenarios need from a contender (a Runnable subset)."""

    def invoke(self, input: str, /) -> Any: ...
    async def ainvoke(self, input: str, /) -> Any: ...
    def stream(self, input: str, /) -> Iterator[Any]: ...
    def astream(self, input: str, /) -> AsyncIterator[Any]: ...


class ToolBindable(ChatLike, Protocol):
    def bind_tools(self, tools: Sequence[Any], /) -> ChatLike: ...


@dataclass(frozen=True)
class Contender:
    key: str
    label: str
    description: str
    import_module: str
    """What the import-time scenario imports for this row."""


CONTENDERS: tuple[Contender, ...] = (
    Contender(
        "synaptic",
        "ChatGroqSynaptic",
        "langchain_synaptic_groq.ChatGroqSynaptic (package under development)",
        "langchain_synaptic_groq",
    ),
    Contender(
        "baseline",
        "ChatGroqSynaptic (baseline)",
        "langchain_synaptic_groq.ChatGroqSynaptic from a git worktree of an earlier "
        "commit (run.py --baseline REF; the label names the commit)",
        "langchain_synaptic_groq",
    ),
    Contender(
        "groq", "ChatGroq", "langchain_groq.ChatGroq (groq SDK)", "langchain_groq"
    ),
    Contender(
        "openai",
        "ChatOpenAI",
        "langchain_openai.ChatOpenAI (openai SDK) on the /openai/v1 URL",
        "langchain_openai",
    ),
    Contender(
        "httpx", "raw httpx", "httpx.Client/AsyncClient + json.loads", "httpx, json"
    ),
    Contender(
        "core",
        "zero-cost core",
        "BaseChatModel subclass with pre-built answers, no I/O",
        "langchain_core.language_models.chat_models",
    ),
)
BY_KEY = {c.key: c for c in CONTENDERS}
REFERENCE = "groq"
BASELINE = "baseline"
"""Measured only with ``run.py --baseline REF``, never by default."""
PACKAGE_KEYS = ("synaptic", BASELINE)
"""Both import ``langchain_synaptic_groq``: never in one process."""
FLOOR_PARTS = ("httpx", "core")
FLOOR_IMPORT = "langchain_core.language_models.chat_models, httpx, tenacity"
"""The import floor: what a chat model on httpx + tenacity cannot avoid loading."""
LAZY_BASELINE_IMPORT = "langchain_core.language_models, httpx, tenacity"
"""Reported for reference only: ``langchain_core.language_models`` imports its
members lazily, so this does not load ``BaseChatModel`` at all."""


# --------------------------------------------------------------------------- #
# Raw httpx: the transport floor                                               #
# --------------------------------------------------------------------------- #


@cache
def shared_ssl_context() -> ssl.SSLContext:
    """One SSL context for every raw client.

    ``httpx.Client()`` builds a fresh context (loading the CA bundle, ~20 ms)
    unless given one; the floor should not pay for that on every construction.
    """
    import httpx

    return httpx.create_ssl_context()


class RawHttpx:
    """Minimal hand-written client: ``httpx`` + ``json``, nothing else."""

    def __init__(
        self,
        base_url: str,
        *,
        tools: list[dict[str, Any]] | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        import httpx

        self._base_url = base_url
        self._headers = {"authorization": f"Bearer {API_KEY}"}
        self._tools = tools
        self._client = client or httpx.Client(
            base_url=base_url, headers=self._headers, verify=shared_ssl_context()
        )
        # Created lazily inside the running event loop (one loop per worker).
        self._aclient: httpx.AsyncClient | None = None

    def bind_tools(self, tools: Sequence[Any], /) -> RawHttpx:
        from langchain_core.utils.function_calling import (
            convert_to_openai_tool,
        )

        bound = RawHttpx(
            self._base_url,
            tools=[convert_to_openai_tool(t) for t in tools],
            client=self._client,
        )
        bound._aclient = self._aclient
        return bound

    def _body(self, prompt: str, *, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": MODEL,
            "messages": [{"role": "user", "content": prompt}],
        }
        if self._tools:
            body["tools"] = self._tools
        if stream:
            body["stream"] = True
        return body

    def _async_client(self) -> httpx.AsyncClient:
        if self._aclient is None:
            import httpx

            self._aclient = httpx.AsyncClient(
                base_url=self._base_url,
                headers=self._headers,
                verify=shared_ssl_context(),
                limits=httpx.Limits(
                    max_connections=1000, max_keepalive_connections=1000
                ),
            )
        return self._aclient

    def invoke(self, prompt: str, /) -> dict[str, Any]:
        response = self._client.post(
            "/chat/completions", json=self._body(prompt, stream=False)
        )
        response.raise_for_status()
        message: dict[str, Any] = json.loads(response.content)["choices"][0]["message"]
        return message

    async def ainvoke(self, prompt: str, /) -> dict[str, Any]:
        client = self._async_client()
        response = await client.post(
            "/chat/completions", json=self._body(prompt, stream=False)
        )
        response.raise_for_status()
        message: dict[str, Any] = json.loads(response.content)["choices"][0]["message"]
        return message

    def stream(self, prompt: str, /) -> Iterator[str | None]:
        body = self._body(prompt, stream=True)
        with self._client.stream("POST", "/chat/completions", json=body) as response:
            response.raise_for_status()
            # Read to the end (no break at [DONE]) so the connection is reused.
            for line in response.iter_lines():
                if not line.startswith("data: ") or line == "data: [DONE]":
                    continue
                data = line[6:]
                content: str | None = json.loads(data)["choices"][0]["delta"].get(
                    "content"
                )
                yield content

    async def astream(self, prompt: str, /) -> AsyncIterator[str | None]:
        body = self._body(prompt, stream=True)
        client = self._async_client()
        async with client.stream("POST", "/chat/completions", json=body) as response:
            response.raise_for_status()
            async for line in response.aiter_lines():
                if not line.startswith("data: ") or line == "data: [DONE]":
                    continue
                data = line[6:]
                content: str | None = json.loads(data)["choices"][0]["delta"].get(
                    "content"
                )
                yield content


# --------------------------------------------------------------------------- #
# Zero-cost LangChain model: core's own overhead                               #
# --------------------------------------------------------------------------- #


def _requested_chunks(messages: Sequence[Any], default: int) -> int:
    """Same rule as the canned server: a ``chunks=N`` marker in the prompt."""
    for message in reversed(messages):
        content = getattr(message, "content", "")
        if isinstance(content, str):
            found = _CHUNKS_MARKER.search(content)
            if found:
                return int(found.group(1))
    return default


def zero_cost_model_class() -> type[BaseChatModel]:
    """Build (once) the zero-cost ``BaseChatModel`` subclass.

    Defined inside a function so that importing this module does not import
    ``langchain_core``.
    """
    return _zero_cost_model_class()


@cache
def _zero_cost_model_class() -> type[BaseChatModel]:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import AIMessage, AIMessageChunk
    from langchain_core.messages.ai import UsageMetadata
    from langchain_core.outputs import (
        ChatGeneration,
        ChatGenerationChunk,
        ChatResult,
    )
    from langchain_core.utils.function_calling import convert_to_openai_tool

    def usage(output_tokens: int) -> UsageMetadata:
        return {
            "input_tokens": 10,
            "output_tokens": output_tokens,
            "total_tokens": 10 + output_tokens,
        }

    metadata = {
        "model_name": MODEL,
        "finish_reason": "stop",
        "system_fingerprint": "fp_x",
    }
    llm_output = {
        "token_usage": {"prompt_tokens": 10, "completion_tokens": 8},
        "model_name": MODEL,
    }
    plain = ChatResult(
        generations=[
            ChatGeneration(
                message=AIMessage(
                    content=EXPECTED_TEXT,
                    usage_metadata=usage(8),
                    response_metadata=metadata,
                ),
                generation_info={"finish_reason": "stop"},
            )
        ],
        llm_output=llm_output,
    )
    tool_call = {"name": "add", "args": dict(EXPECTED_TOOL_ARGS), "id": "call_1"}
    with_tool = ChatResult(
        generations=[
            ChatGeneration(
                message=AIMessage(
                    content="",
                    tool_calls=[tool_call],
                    usage_metadata=usage(8),
                    response_metadata={**metadata, "finish_reason": "tool_calls"},
                ),
                generation_info={"finish_reason": "tool_calls"},
            )
        ],
        llm_output=llm_output,
    )
    stream_cache: dict[int, list[ChatGenerationChunk]] = {}

    def stream_chunks(n_chunks: int) -> list[ChatGenerationChunk]:
        chunks = stream_cache.get(n_chunks)
        if chunks is None:
            chunks = [
                ChatGenerationChunk(message=AIMessageChunk(content=STREAM_TOKEN))
                for _ in range(n_chunks)
            ]
            chunks.append(
                ChatGenerationChunk(
                    message=AIMessageChunk(
                        content="",
                        usage_metadata=usage(n_chunks),
                        chunk_position="last",
                    ),
                    generation_info={"finish_reason": "stop", "model_name": MODEL},
                )
            )
            stream_cache[n_chunks] = chunks
        return chunks

    class ZeroCostChatModel(BaseChatModel):
        """Returns pre-built answers; measures LangChain core's own overhead."""

        default_chunks: int = 1000

        @property
        def _llm_type(self) -> str:
            return "zero-cost"

        def _generate(
            self,
            messages: list[Any],
            stop: list[str] | None = None,
            run_manager: Any = None,
            **kwargs: Any,
        ) -> ChatResult:
            return with_tool if kwargs.get("tools") else plain

        async def _agenerate(
            self,
            messages: list[Any],
            stop: list[str] | None = None,
            run_manager: Any = None,
            **kwargs: Any,
        ) -> ChatResult:
            return with_tool if kwargs.get("tools") else plain

        def _stream(
            self,
            messages: list[Any],
            stop: list[str] | None = None,
            run_manager: Any = None,
            **kwargs: Any,
        ) -> Iterator[ChatGenerationChunk]:
            yield from stream_chunks(_requested_chunks(messages, self.default_chunks))

        async def _astream(
            self,
            messages: list[Any],
            stop: list[str] | None = None,
            run_manager: Any = None,
            **kwargs: Any,
        ) -> AsyncIterator[ChatGenerationChunk]:
            for chunk in stream_chunks(
                _requested_chunks(messages, self.default_chunks)
            ):
                yield chunk

        def bind_tools(
            self,
            tools: Sequence[Any],
            *,
            tool_choice: str | None = None,
            **kwargs: Any,
        ) -> Any:
            formatted = [convert_to_openai_tool(tool) for tool in tools]
            return self.bind(tools=formatted, **kwargs)

    return ZeroCostChatModel


# --------------------------------------------------------------------------- #
# Factories                                                                    #
# --------------------------------------------------------------------------- #


class ContenderUnavailableError(Exception):
    """The contender cannot be built here (e.g. the package does not import)."""


def _package_model_class(key: str) -> Any:
    """``ChatGroqSynaptic`` from the copy ``key`` measures, or raise.

    ``synaptic`` is the work tree's package, ``baseline`` the one in the
    directory named by ``BENCH_PACKAGE_ROOT`` (the worker put it first on
    ``sys.path``). Where the module really came from is checked: an editable
    install or a stale ``sys.path`` entry would otherwise measure the wrong
    version without a sign.

    Raises:
        ContenderUnavailableError: If the package does not import.
        children.WrongPackageError: If it came from another copy.
    """
    import children

    root_text = os.environ.get(children.PACKAGE_ROOT_VAR)
    if key == BASELINE and not root_text:
        msg = f"the baseline needs {children.PACKAGE_ROOT_VAR} (run.py --baseline)"
        raise children.WrongPackageError(msg)
    root = Path(root_text) if key == BASELINE and root_text else children.REPO_ROOT
    try:
        module = importlib.import_module(children.PACKAGE)
        cls: Any = module.ChatGroqSynaptic
    except Exception as exc:
        raise ContenderUnavailableError(f"{type(exc).__name__}: {exc}") from exc
    children.check_origin(module.__file__, root)
    return cls


def factory(key: str, host_url: str) -> Callable[[], ToolBindable]:
    """Return a zero-argument constructor for contender ``key``.

    ``host_url`` is ``http://127.0.0.1:PORT`` (no path).  Imports happen here;
    an import failure raises :class:`ContenderUnavailableError` with the reason.
    """
    openai_base = f"{host_url}/openai/v1"
    if key in PACKAGE_KEYS:
        cls = _package_model_class(key)
        return lambda: cls(
            model=MODEL, api_key=API_KEY, base_url=openai_base, max_retries=MAX_RETRIES
        )
    if key == "groq":
        try:
            from langchain_groq import ChatGroq
        except ImportError as exc:
            msg = f"{exc} (pip install langchain-groq)"
            raise ContenderUnavailableError(msg) from exc

        # ChatGroq's base_url is the host: the groq SDK appends /openai/v1 itself.
        return lambda: ChatGroq(  # type: ignore[call-arg]  # alias "model"
            model=MODEL, api_key=API_KEY, base_url=host_url, max_retries=MAX_RETRIES
        )
    if key == "openai":
        try:
            from langchain_openai import ChatOpenAI
        except ImportError as exc:
            msg = f"{exc} (pip install langchain-openai)"
            raise ContenderUnavailableError(msg) from exc

        return lambda: ChatOpenAI(
            model=MODEL, api_key=API_KEY, base_url=openai_base, max_retries=MAX_RETRIES
        )
    if key == "httpx":
        import httpx  # noqa: F401

        return lambda: RawHttpx(openai_base)
    if key == "core":
        model_cls = zero_cost_model_class()
        return lambda: model_cls()
    msg = f"unknown contender {key!r}; choose from {', '.join(BY_KEY)}"
    raise ValueError(msg)


# --------------------------------------------------------------------------- #
# Result normalisation (used for validation, never inside timed loops)         #
# --------------------------------------------------------------------------- #


def text_of(result: Any) -> str:
    """Text of an ``invoke`` result (AIMessage or raw message dict)."""
    content = result.get("content") if isinstance(result, dict) else result.content
    return content if isinstance(content, str) else ""


def tool_calls_of(result: Any) -> list[tuple[str, dict[str, Any]]]:
    """``(name, args)`` pairs of an ``invoke`` result."""
    if isinstance(result, dict):
        return [
            (call["function"]["name"], json.loads(call["function"]["arguments"]))
            for call in result.get("tool_calls") or []
        ]
    return [(call["name"], dict(call["args"])) for call in result.tool_calls]


def chunk_text(chunk: Any) -> str:
    """Text of a streamed chunk (AIMessageChunk or raw delta content)."""
    if chunk is None or isinstance(chunk, str):
        return chunk or ""
    content = chunk.content
    return content if isinstance(content, str) else ""


def make_add_tool() -> Any:
    """The small ``add(a, b)`` tool bound in the tool-calling scenario."""
    from langchain_core.tools import tool

    @tool
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    return add
