"""Groq's Batch API: submit, wait, results, resume; bound tools and schemas.

Runs against Groq (GROQ_API_KEY set and GROQ_API_BASE unset): the local
llama.cpp server has no Files or Batches endpoints, so there it only says so.
The tests run the same calls against a loopback Files/Batches server
(tests/support/batch_server.py).
"""

import os
import sys

from langchain_core.tools import tool
from pydantic import BaseModel

from langchain_synaptic_groq import ChatGroqSynaptic, GroqBatchJob


@tool
def lookup(city: str) -> str:
    """Look a city up."""
    return city


class City(BaseModel):
    name: str


if "api.groq.com" not in os.environ.get("GROQ_API_BASE", "api.groq.com"):
    print("batch: (skipped: the local server has no Batch API)")
    sys.exit(0)

model = ChatGroqSynaptic(model="openai/gpt-oss-20b", temperature=0, max_tokens=24)
questions = ["Capital of France?", "Capital of Peru?", "Capital of Japan?"]

job = model.submit_batch(
    questions, state_file="capitals.json", metadata={"project": "capitals"}
)
print("submitted:", job.id, job.status)
job.wait(poll_interval=0.5, progress=True, stream=sys.stdout)
for question, answer in zip(questions, job.results(), strict=True):
    if isinstance(answer, Exception):
        print(question, "->", type(answer).__name__, answer.code)
    else:
        tokens = answer.usage_metadata["total_tokens"]
        print(question, "->", repr(answer.text), tokens, "tokens")

# later, in any process:
again = GroqBatchJob.resume("capitals.json", model)
print("resumed:", again.id, again.status, again.request_counts)

# Bound tools or a schema live in a binding: submit the binding itself.
tools_job = GroqBatchJob.submit(
    model.bind_tools([lookup], tool_choice="lookup"), ["Paris", "Lima"]
)
print("tool calls:", [m.tool_calls for m in tools_job.wait().results()])

structured = model.with_structured_output(City, method="json_schema")
schema_job = GroqBatchJob.submit(structured.first, ["The capital of France?"])
print("cities:", [structured.last.invoke(m) for m in schema_job.wait().results()])
