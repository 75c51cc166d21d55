"""Configuration: GroqModel, GroqConfig's builder, and from_config.

Groq when GROQ_API_KEY is set; or the local llama.cpp server:
    python scripts/local_server.py run -- python examples/config.py
"""

import os

from langchain_synaptic_groq import ChatGroqSynaptic, GroqConfig, GroqModel

# GroqModel: the known model ids, with what each can do.
llama = GroqModel.LLAMA_3_3_70B_VERSATILE
print(llama.id, llama.context_window, llama.max_completion_tokens)
print("tools:", llama.supports_tools, "vision:", llama.supports_vision)
print("gpt-oss-20b reasons:", GroqModel.GPT_OSS_20B.supports_reasoning)
print("custom id:", repr(GroqModel.custom("my-fine-tune")))

# GroqConfig: immutable; each with_* returns a new config.
model_id = os.environ.get("SYNAPTIC_GROQ_MODEL", GroqModel.LLAMA_3_3_70B_VERSATILE)
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
