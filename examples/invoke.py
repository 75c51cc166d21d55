"""Invoke: one question, one answer, with token usage and response metadata.

Groq when GROQ_API_KEY is set; or the local llama.cpp server:
    local-llm run -- python examples/invoke.py
"""

import os

from langchain_synaptic_groq import ChatGroqSynaptic

# api_key and base_url are read from GROQ_API_KEY and GROQ_API_BASE.
model = ChatGroqSynaptic(
    model=os.environ.get("SYNAPTIC_GROQ_MODEL", "openai/gpt-oss-120b"),
    temperature=0,
    max_tokens=64,
)

answer = model.invoke(
    [
        ("system", "Answer in one short sentence."),
        ("human", "What is the capital of France?"),
    ]
)
print("text:", answer.text)
print("usage_metadata:", answer.usage_metadata)

meta = answer.response_metadata
for key in ("model_provider", "model_name", "finish_reason", "id", "service_tier"):
    print(f"{key}:", meta.get(key))
# Groq only (the local server sends neither): timings and rate-limit state.
print("timings:", meta.get("timings"))
print("rate_limit:", meta.get("rate_limit"))
