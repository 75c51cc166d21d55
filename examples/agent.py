"""An agent with `langchain.agents.create_agent`: the model decides, tools run.

With a model that follows instructions (Groq) the agent calls `word_length`
and answers from its result; the local 135M model answers without the tool.
The final answer is printed either way.

Groq when GROQ_API_KEY is set; or the local llama.cpp server:
    local-llm run -- python examples/agent.py
"""

import os

from langchain.agents import create_agent
from langchain_core.tools import tool

from langchain_synaptic_groq import ChatGroqSynaptic


@tool
def word_length(word: str) -> int:
    """Count the letters in a word."""
    return len(word)


model = ChatGroqSynaptic(
    model=os.environ.get("SYNAPTIC_GROQ_MODEL", "openai/gpt-oss-120b"),
    temperature=0,
    max_tokens=64,
)
agent = create_agent(
    model,
    tools=[word_length],
    system_prompt="Use the tools to answer. Be brief.",
)

result = agent.invoke(
    {"messages": [{"role": "user", "content": "How many letters in 'Groq'?"}]}
)
for message in result["messages"]:
    calls = [f"{c['name']}({c['args']})" for c in getattr(message, "tool_calls", [])]
    print(f"{message.type:>5}: {message.text!r}" + (f" calls {calls}" if calls else ""))
print("final answer:", result["messages"][-1].text)
