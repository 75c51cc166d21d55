"""Rate limits: the state Groq reports on every answer, and a 429's details.

Groq sends x-ratelimit-* headers on every response; the package parses them
into `response_metadata["rate_limit"]` (and `GroqError.rate_limit` on
errors). The local llama.cpp server sends none, so there it is absent.

Groq when GROQ_API_KEY is set; or the local llama.cpp server:
    local-llm run -- python examples/rate_limits.py
"""

import os

from langchain_synaptic_groq import ChatGroqSynaptic, RateLimitState

model = ChatGroqSynaptic(
    model=os.environ.get("SYNAPTIC_GROQ_MODEL", "openai/gpt-oss-120b"),
    max_tokens=8,
)
answer = model.invoke("Hi")
print("live rate_limit:", answer.response_metadata.get("rate_limit"))

# What Groq's headers look like, and what they become (reset times in seconds):
state = RateLimitState.from_headers(
    {
        "x-ratelimit-limit-requests": "14400",  # per day
        "x-ratelimit-remaining-requests": "14370",
        "x-ratelimit-reset-requests": "2m59.56s",
        "x-ratelimit-limit-tokens": "6000",  # per minute
        "x-ratelimit-remaining-tokens": "5997",
        "x-ratelimit-reset-tokens": "7.66s",
    }
)
print(state)
assert state is not None
if state.remaining_tokens is not None and state.remaining_tokens < 1000:
    print(f"token budget low: refills in {state.reset_tokens}s")
