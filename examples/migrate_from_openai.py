"""From ChatOpenAI pointed at Groq: the same call, side by side.

Needs langchain-openai (in the project's test group).

Groq when GROQ_API_KEY is set; or the local llama.cpp server:
    local-llm run -- python examples/migrate_from_openai.py
"""

import os

from langchain_openai import ChatOpenAI

from langchain_synaptic_groq import ChatGroqSynaptic

model_id = os.environ.get("SYNAPTIC_GROQ_MODEL", "openai/gpt-oss-120b")
base_url = os.environ.get("GROQ_API_BASE", "https://api.groq.com/openai/v1")
settings = {"temperature": 0, "max_completion_tokens": 16, "timeout": 30}

before = ChatOpenAI(
    model=model_id, base_url=base_url, api_key=os.environ["GROQ_API_KEY"], **settings
)
# The key and base URL come from GROQ_API_KEY / GROQ_API_BASE.
after = ChatGroqSynaptic(model=model_id, **settings)

for label, chat in (("ChatOpenAI", before), ("ChatGroqSynaptic", after)):
    answer = chat.invoke("Say hello.")
    meta = answer.response_metadata
    print(f"{label}: {answer.text!r}")
    print(f"  model_provider={meta.get('model_provider')!r}")
    print(f"  usage={answer.usage_metadata}")
