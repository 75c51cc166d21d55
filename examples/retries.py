"""Retries: the built-in policy, a RetryConfig of your own, RetryChatModel.

Each retry is logged at WARNING on the "langchain_synaptic_groq" logger.

Groq when GROQ_API_KEY is set; or the local llama.cpp server:
    local-llm run -- python examples/retries.py
"""

import logging
import os
import sys

from langchain_synaptic_groq import (
    ChatGroqSynaptic,
    GroqConnectionError,
    RetryChatModel,
    RetryConfig,
)

logging.basicConfig(stream=sys.stdout, format="%(levelname)s %(message)s")

model_id = os.environ.get("SYNAPTIC_GROQ_MODEL", "openai/gpt-oss-120b")

# max_retries=2 (the default): 3 attempts with the default backoff.
# retry_config: the whole policy (here: 3 attempts, short waits).
policy = RetryConfig(max_attempts=3, initial_backoff=0.1, max_backoff=1.0)
down = ChatGroqSynaptic(
    model=model_id, base_url="http://127.0.0.1:9/v1", retry_config=policy
)
try:
    down.invoke("Hi")
except GroqConnectionError as exc:
    print("gave up:", type(exc).__name__, exc.__notes__)

# RetryChatModel: the same policy around any chat model (the wrapped
# ChatGroqSynaptic's own retries are switched off inside it).
wrapped = RetryChatModel(
    ChatGroqSynaptic(model=model_id, temperature=0, max_tokens=16),
    RetryConfig(max_attempts=5, max_wait=120.0),
)
print("wrapped:", wrapped.invoke("Say OK.").text)
