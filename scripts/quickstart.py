#!/usr/bin/env python3
"""The quickstart: ChatGroqSynaptic end to end against a real server.

With ``GROQ_API_KEY`` set it talks to Groq (model ``SYNAPTIC_GROQ_MODEL`` or
``openai/gpt-oss-120b``). Without a key it installs (first time only) and
starts a local llama.cpp ``llama-server`` with SmolLM2-135M-Instruct through
the local LLM tool (``tools/local_llm``, installed by the README's first
command), and talks to that; a 135M model answers quickly but not wisely.

It shows: ``invoke`` with the response metadata and token usage, streaming,
an LCEL chain (prompt | model | parser) and structured output.

Usage::

    python scripts/quickstart.py
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, Literal

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from local_llm import LOCAL_API_KEY, LocalServer
from pydantic import BaseModel, Field

from langchain_synaptic_groq import ChatGroqSynaptic, GroqError
from langchain_synaptic_groq.chat_models import DEFAULT_BASE_URL, DEFAULT_MODEL
from langchain_synaptic_groq.models import model_info


class Capital(BaseModel):
    """A country's capital city."""

    country: str = Field(description="the country")
    city: str = Field(description="its capital city")


def _section(title: str) -> None:
    print(f"\n== {title}")


def run_quickstart(model: ChatGroqSynaptic, *, local: bool) -> None:
    """Run the four steps of the quickstart and print what comes back.

    Args:
        model: The chat model, aimed at its server.
        local: Whether the server is the local llama.cpp one (it enforces
            `json_schema` with a grammar; on Groq the method follows the model).
    """
    _section("invoke")
    started = time.perf_counter()
    answer = model.invoke(
        [("system", "Answer in one sentence."), ("human", "What is Groq?")]
    )
    elapsed = time.perf_counter() - started
    print(answer.text)
    meta = answer.response_metadata
    print(
        f"model_name={meta.get('model_name')} finish_reason={meta.get('finish_reason')}"
        f" id={meta.get('id')} ({elapsed:.2f}s)"
    )
    print(f"usage_metadata={answer.usage_metadata}")

    _section("stream")
    usage: Any = None
    for chunk in model.stream("Count from 1 to 5."):
        print(chunk.text, end="", flush=True)
        usage = chunk.usage_metadata or usage
    print(f"\nstream usage_metadata={usage}")

    _section("LCEL chain: prompt | model | StrOutputParser")
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "Reply with one short sentence."),
            ("human", "Tell me about {topic}."),
        ]
    )
    chain = prompt | model | StrOutputParser()
    print(chain.invoke({"topic": "the sea"}))
    for topic, text in zip(
        ["cats", "tea"], chain.batch([{"topic": "cats"}, {"topic": "tea"}]), strict=True
    ):
        print(f"batch[{topic}]: {text}")

    method: Literal["json_schema", "function_calling"] = (
        "json_schema"
        if local or model_info(model.model).strict_json_schema
        else "function_calling"
    )
    _section(f"structured output (method={method})")
    structured = model.with_structured_output(Capital, method=method)
    result = structured.invoke("What is the capital of France? Reply in JSON.")
    print(repr(result))


def main() -> int:
    """Pick the server, run the quickstart, say which server was used.

    Returns:
        The exit status: 0 on success, 1 on an error.
    """
    key = os.environ.get("GROQ_API_KEY", "").strip()
    used = "nothing"
    try:
        if key and key != LOCAL_API_KEY:
            base = os.environ.get("GROQ_API_BASE") or os.environ.get(
                "GROQ_BASE_URL", DEFAULT_BASE_URL
            )
            name = os.environ.get("SYNAPTIC_GROQ_MODEL", "").strip() or DEFAULT_MODEL
            used = f"Groq at {base}, model {name}"
            print(f"server: {used} (GROQ_API_KEY is set)")
            model = ChatGroqSynaptic(model=name, temperature=0, max_tokens=256)
            run_quickstart(model, local=False)
        else:
            print(
                "server: no GROQ_API_KEY, so a local llama.cpp llama-server with "
                "SmolLM2-135M-Instruct (installed on first use; the first install "
                "builds llama.cpp, about 10 minutes)",
                flush=True,
            )
            with LocalServer() as server:
                used = (
                    f"local llama.cpp llama-server at {server.base_url}, "
                    f"model {server.model_id}"
                )
                print(f"server: {used}")
                model = ChatGroqSynaptic(
                    model=server.model_id,
                    base_url=server.base_url,
                    api_key=LOCAL_API_KEY,
                    temperature=0,
                    seed=42,
                    max_tokens=48,
                    timeout=120,
                )
                run_quickstart(model, local=True)
    except GroqError as exc:
        print(f"error from the server: {exc}", file=sys.stderr)
        return 1
    except RuntimeError as exc:  # the local server could not be installed/started
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"\nquickstart finished against {used}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
