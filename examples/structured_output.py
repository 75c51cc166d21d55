"""Structured output: a pydantic class in, an instance out.

`json_schema` sends the schema as `response_format`: Groq enforces it with
constrained decoding on openai/gpt-oss-20b and -120b, and the local llama.cpp
server enforces it with a grammar. On other Groq models this example uses
`function_calling` (a forced tool call), which every Groq tool model does.

Groq when GROQ_API_KEY is set; or the local llama.cpp server:
    local-llm run -- python examples/structured_output.py
"""

import os

from pydantic import BaseModel, Field

from langchain_synaptic_groq import ChatGroqSynaptic, GroqModel


class City(BaseModel):
    """A city and the country it is in."""

    name: str = Field(description="the city")
    country: str = Field(description="the country it is in")


model = ChatGroqSynaptic(
    model=os.environ.get("SYNAPTIC_GROQ_MODEL", "openai/gpt-oss-120b"),
    temperature=0,
    max_tokens=64,
)
# Groq unless GROQ_API_BASE points elsewhere (`local-llm run` sets it).
on_groq = "api.groq.com" in os.environ.get("GROQ_API_BASE", "api.groq.com")
strict_model = model.model in (GroqModel.GPT_OSS_20B, GroqModel.GPT_OSS_120B)
method = "json_schema" if strict_model or not on_groq else "function_calling"

structured = model.with_structured_output(City, method=method)
city = structured.invoke("Which city is the capital of France?")
print(f"method={method}:", repr(city))
assert isinstance(city, City)

# include_raw=True: the AIMessage too, and a parsing error instead of a raise.
raw = model.with_structured_output(City, method=method, include_raw=True)
result = raw.invoke("Which city is the capital of Japan?")
print("parsed:", repr(result["parsed"]))
print("parsing_error:", result["parsing_error"])
print("raw usage:", result["raw"].usage_metadata)
