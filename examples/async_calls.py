"""Async: ainvoke, astream and many calls in flight on one event loop.

The async methods use httpx2.AsyncClient natively (no threads).

Groq when GROQ_API_KEY is set; or the local llama.cpp server:
    local-llm run -- python examples/async_calls.py
"""

import asyncio
import os

from langchain_synaptic_groq import ChatGroqSynaptic

model = ChatGroqSynaptic(
    model=os.environ.get("SYNAPTIC_GROQ_MODEL", "openai/gpt-oss-120b"),
    temperature=0,
    max_tokens=24,
)


async def main() -> None:
    answer = await model.ainvoke("Say hello in French.")
    print("ainvoke:", answer.text)

    print("astream:", end=" ")
    async for chunk in model.astream("Name three colours."):
        print(chunk.text, end="", flush=True)
    print()

    questions = ["What is 2 + 2?", "Name a planet.", "Name a fruit."]
    answers = await asyncio.gather(*(model.ainvoke(q) for q in questions))
    for question, reply in zip(questions, answers, strict=True):
        print(f"gather: {question} -> {reply.text!r}")

    batch = await model.abatch(questions, config={"max_concurrency": 2})
    print("abatch:", len(batch), "answers")


asyncio.run(main())
