"""Configuration: GroqModel, GroqConfig's builder, and from_config.

Groq when GROQ_API_KEY is set; or the local llama.cpp server:
    local-llm run -- python examples/config.py
"""

import os

from langchain_synaptic_groq import ChatGroqSynaptic, GroqConfig, GroqModel

# GroqModel: the known model ids, with what each can do and its lifecycle.
oss = GroqModel.GPT_OSS_120B
print(oss.id, oss.status, oss.context_window, oss.max_completion_tokens)
print("tools:", oss.supports_tools, "vision:", oss.supports_vision)
print("qwen3.8 sees images:", GroqModel.QWEN3_8_27B.supports_vision)
# Earlier members stay, marked as Groq left them, with what replaces them.
old = GroqModel.LLAMA_3_3_70B_VERSATILE
print(old.id, old.status, "->", old.replacement)
print("custom id:", repr(GroqModel.custom("my-fine-tune")))

# GroqConfig: immutable; each with_* returns a new config.
model_id = os.environ.get("SYNAPTIC_GROQ_MODEL", GroqModel.GPT_OSS_120B)
config = (
    GroqConfig.new(os.environ["GROQ_API_KEY"], model_id)
    .with_temperature(0)
    .with_max_tokens(24)
    .with_seed(42)
    .with_stop(["\n\n"])
)
print(config)  # the key is never shown

# Anything GroqConfig does not hold is passed next to it (base_url comes from
# GROQ_API_BASE here when it is set).
model = ChatGroqSynaptic.from_config(config, timeout=30, max_retries=1)
print(model.invoke("Say hi.").text)
