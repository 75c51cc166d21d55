"""Token budgets: the 413 that waiting never cures, clamping, flex, pacing off.

Groq counts the prompt plus `max_tokens` against the tokens-per-minute limit,
so a request larger than the whole minute's budget is refused with 413
(`GroqRequestTooLargeError`, never retried). `clamp_max_tokens=True` lowers
`max_tokens` until the request fits instead.

Groq when GROQ_API_KEY is set; or the local llama.cpp server:
    local-llm run -- python examples/token_budget.py
"""

import os

from langchain_synaptic_groq import (
    ChatGroqSynaptic,
    GroqRequestTooLargeError,
    RetryConfig,
)

model_id = os.environ.get("SYNAPTIC_GROQ_MODEL", "openai/gpt-oss-20b")

# On Groq's free plan (8,000 tokens a minute) this can never be sent.
big = ChatGroqSynaptic(model=model_id, max_tokens=32768)
# The same request, made to fit the budget Groq announced.
clamped = ChatGroqSynaptic(model=model_id, max_tokens=32768, clamp_max_tokens=True)
# The flex tier answers 498 when busy; the retry then goes to on_demand.
flex = ChatGroqSynaptic(
    model=model_id,
    service_tier="flex",
    retry_config=RetryConfig(flex_fallback=True),
)
# The pacer is on by default; this turns it off.
unpaced = ChatGroqSynaptic(model=model_id, pace_requests=False)
print("pacing:", big.pace_requests, "off:", not unpaced.pace_requests)
print("clamp:", clamped.clamp_max_tokens, "flex fallback:", flex.retry_config)

# Groq unless GROQ_API_BASE points elsewhere (`local-llm run` sets it):
# the local server has no rate limits and a small context.
if "api.groq.com" in os.environ.get("GROQ_API_BASE", "api.groq.com"):
    try:
        big.invoke("Hi")
        print("sent: this plan's budget holds 32768 tokens a minute")
    except GroqRequestTooLargeError as err:
        print("too large:", err.limit, "allowed,", err.requested, "requested")
    print("clamped answer:", clamped.invoke("Say hi.").text[:40])
else:
    print("too large: (skipped: the local server has no rate limits)")
