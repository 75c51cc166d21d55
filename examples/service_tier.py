"""Service tiers: ask for one, read the one that served you.

`on_demand` is Groq's default; `flex` (paid plans) has higher limits and may
answer 498 (GroqCapacityError, retried with backoff); `auto` lets Groq pick;
`performance` is for enterprise plans. The local server ignores the field
and reports no tier.

Groq when GROQ_API_KEY is set; or the local llama.cpp server:
    local-llm run -- python examples/service_tier.py
"""

import os

from langchain_synaptic_groq import ChatGroqSynaptic

model = ChatGroqSynaptic(
    model=os.environ.get("SYNAPTIC_GROQ_MODEL", "openai/gpt-oss-120b"),
    service_tier="on_demand",
    max_tokens=8,
)
answer = model.invoke("Hi")
print("served by tier:", answer.response_metadata.get("service_tier"))

# Per call, like any parameter:
answer = model.invoke("Hi", service_tier="auto")
print("served by tier (auto):", answer.response_metadata.get("service_tier"))
