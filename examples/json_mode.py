"""JSON mode: valid JSON of any shape (`response_format: json_object`).

The shape is asked for in the prompt only, and the prompt must mention JSON.
A small model may choose other keys than the ones asked for; the output is
still parsed JSON.

Groq when GROQ_API_KEY is set; or the local llama.cpp server:
    local-llm run -- python examples/json_mode.py
"""

import os

from langchain_synaptic_groq import ChatGroqSynaptic

model = ChatGroqSynaptic(
    model=os.environ.get("SYNAPTIC_GROQ_MODEL", "openai/gpt-oss-120b"),
    temperature=0,
    max_tokens=48,
)
json_model = model.with_structured_output(method="json_mode")

data = json_model.invoke(
    'Reply in JSON: {"city": <the capital of Italy>, "country": "Italy"}'
)
print(type(data).__name__, data)
