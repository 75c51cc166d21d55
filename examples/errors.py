"""Errors: one exception class per failure, each a langchain-core ModelError.

Groq when GROQ_API_KEY is set; or the local llama.cpp server:
    local-llm run -- python examples/errors.py
"""

import os

from langchain_core.exceptions import ModelInvalidRequestError

from langchain_synaptic_groq import (
    ChatGroqSynaptic,
    GroqConnectionError,
    GroqError,
    GroqInvalidRequestError,
    GroqTimeoutError,
)

settings = {
    "model": os.environ.get("SYNAPTIC_GROQ_MODEL", "openai/gpt-oss-120b"),
    "max_tokens": 16,
    "max_retries": 0,  # show each error at once (retries are in retries.py)
}
model = ChatGroqSynaptic(**settings)

# 1. The server rejects the request (HTTP 400): not retryable.
try:
    model.invoke("Hi", temperature="hot")  # a per-call parameter of the wrong type
except ModelInvalidRequestError as exc:  # provider-neutral: catches ours too
    print(type(exc).__name__, isinstance(exc, GroqInvalidRequestError))
    print("  status:", exc.status_code, "code:", exc.code)
    print("  message:", exc.message)
    print("  retryable:", exc.is_retryable)

# 2. Nothing listens there: a connection error, retryable.
unreachable = ChatGroqSynaptic(**settings, base_url="http://127.0.0.1:9/v1")
try:
    unreachable.invoke("Hi")
except GroqConnectionError as exc:
    print(type(exc).__name__, "|", exc, "| retryable:", exc.is_retryable)

# 3. No answer in time: a timeout, retryable.
impatient = ChatGroqSynaptic(**settings, timeout=0.001)  # seconds
try:
    impatient.invoke("Hi")
except GroqTimeoutError as exc:
    print(type(exc).__name__, "|", exc, "| retryable:", exc.is_retryable)

# Every error of this package is a GroqError (a langchain-core ModelError).
print("GroqError:", issubclass(GroqTimeoutError, GroqError))
