"""Models: what the server offers, what the package knows, token estimates.

Groq when GROQ_API_KEY is set; or the local llama.cpp server:
    local-llm run -- python examples/models.py
"""

import os

from langchain_synaptic_groq import ChatGroqSynaptic, GroqModel

model = ChatGroqSynaptic(
    model=os.environ.get("SYNAPTIC_GROQ_MODEL", "openai/gpt-oss-120b")
)

# GET /models: the server's own list (the truth; it changes).
for record in model.list_models()[:5]:
    print(f"served: {record.id} owner={record.owned_by} ctx={record.context_window}")

# The package's table of known models: limits and abilities, no request.
for known in (GroqModel.QWEN3_8_27B, GroqModel.GPT_OSS_120B):
    info = known.info
    print(
        f"known: {info.id} {info.status} context={info.context_window} "
        f"reasoning={info.reasoning} strict_json_schema={info.strict_json_schema}"
    )

# The registry next to what this server serves now (`synaptic-groq models`).
check = model.check_models()
print("registry checked on:", check.checked_on)
print("served, not in the registry:", list(check.unknown)[:3])
print("in the registry, not served here:", len(check.missing))

# LangChain's model profile (None for ids the package does not know).
profile = ChatGroqSynaptic(model=GroqModel.GPT_OSS_20B).profile or {}
print("profile:", {k: profile[k] for k in ("max_input_tokens", "reasoning_output")})

# Token estimate without a tokenizer (no request); usage_metadata is exact.
messages = [("system", "Be brief."), ("human", "What is the capital of France?")]
print("estimated prompt tokens:", model.get_num_tokens_from_messages(messages))
answer = model.bind(max_tokens=8).invoke(messages)
print("billed prompt tokens:", answer.usage_metadata["input_tokens"])
