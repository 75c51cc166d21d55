"""Reasoning models: ask for the reasoning and read it back.

On Groq this uses openai/gpt-oss-20b (a reasoning model). The local 135M model
does not reason: it accepts the parameters and answers without reasoning.

Groq when GROQ_API_KEY is set; or the local llama.cpp server:
    local-llm run -- python examples/reasoning.py
"""

import os

from langchain_synaptic_groq import ChatGroqSynaptic, GroqModel

# Groq unless GROQ_API_BASE points elsewhere (`local-llm run` sets it).
on_groq = "api.groq.com" in os.environ.get("GROQ_API_BASE", "api.groq.com")
model = ChatGroqSynaptic(
    model=GroqModel.GPT_OSS_20B if on_groq else os.environ["SYNAPTIC_GROQ_MODEL"],
    reasoning_effort="low",  # gpt-oss: "low", "medium" or "high"
    include_reasoning=True,  # or reasoning_format="parsed" / "raw" / "hidden"
    max_tokens=256 if on_groq else 24,
)
answer = model.invoke("What is 7 * 6? Answer with the number only.")

print("answer:", answer.text)
print("reasoning:", answer.additional_kwargs.get("reasoning_content"))
details = (answer.usage_metadata or {}).get("output_token_details", {})
print("reasoning tokens:", details.get("reasoning"))
# In LangChain's v1 content blocks the reasoning is a "reasoning" block.
print("block types:", [block["type"] for block in answer.content_blocks])
