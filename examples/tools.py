"""Tool calling by hand: bind a tool, run the calls, send the results back.

A model that follows instructions (any Groq tool model) calls `multiply`; the
local 135M model ignores tools and answers directly. Either way the loop below
is the real one: it runs whatever tool calls come back.

Groq when GROQ_API_KEY is set; or the local llama.cpp server:
    local-llm run -- python examples/tools.py
"""

import os

from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.tools import tool

from langchain_synaptic_groq import ChatGroqSynaptic


@tool
def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


model = ChatGroqSynaptic(
    model=os.environ.get("SYNAPTIC_GROQ_MODEL", "openai/gpt-oss-120b"),
    temperature=0,
    max_tokens=64,
)
with_tools = model.bind_tools([multiply], tool_choice="auto")

messages: list[BaseMessage] = [HumanMessage("What is 12 times 34? Use the tool.")]
for _ in range(3):  # a few rounds at most
    ai = with_tools.invoke(messages)
    messages.append(ai)
    if not ai.tool_calls:
        break
    for call in ai.tool_calls:
        print(f"tool call: {call['name']}({call['args']})")
        messages.append(multiply.invoke(call))  # a ToolMessage with the result
        print("tool result:", messages[-1].content)

print("tool calls made:", sum(len(getattr(m, "tool_calls", [])) for m in messages))
print("final answer:", messages[-1].text)
