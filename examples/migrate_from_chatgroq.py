"""From ChatGroq: the same parameter names work; the answers say more.

Groq when GROQ_API_KEY is set; or the local llama.cpp server:
    local-llm run -- python examples/migrate_from_chatgroq.py
"""

import os

from langchain_synaptic_groq import ChatGroqSynaptic

# Was: from langchain_groq import ChatGroq; model = ChatGroq(...same arguments...)
model = ChatGroqSynaptic(
    model_name=os.environ.get("SYNAPTIC_GROQ_MODEL", "openai/gpt-oss-120b"),
    groq_api_key=os.environ["GROQ_API_KEY"],
    # ChatGroq's base URL is the host (the groq SDK adds /openai/v1); here it
    # is the API root itself, /openai/v1 included.
    groq_api_base=os.environ.get("GROQ_API_BASE", "https://api.groq.com/openai/v1"),
    temperature=0,  # sent as 0 (ChatGroq sends 1e-8)
    max_tokens=16,
    stop_sequences=["\n\n"],
    request_timeout=30,
    max_retries=2,
)
print(model.model, model.timeout, model.stop)
answer = model.invoke("Say hello.")
print(answer.text)
print(sorted(answer.response_metadata))
