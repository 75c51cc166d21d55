"""Stream: tokens as they arrive; usage and metadata on the last chunk.

Groq when GROQ_API_KEY is set; or the local llama.cpp server:
    local-llm run -- python examples/stream.py
"""

import os

from langchain_synaptic_groq import ChatGroqSynaptic

model = ChatGroqSynaptic(
    model=os.environ.get("SYNAPTIC_GROQ_MODEL", "openai/gpt-oss-120b"),
    temperature=0,
    max_tokens=48,
)

full = None
for chunk in model.stream("Count from 1 to 5, one number per line."):
    print(chunk.text, end="|", flush=True)  # "|" marks the chunk boundaries
    full = chunk if full is None else full + chunk  # chunks add up to a message
print()

assert full is not None
print("chunks add up to:", repr(full.text))
print("usage_metadata:", full.usage_metadata)
print("finish_reason:", full.response_metadata["finish_reason"])
print("model_name:", full.response_metadata["model_name"])
