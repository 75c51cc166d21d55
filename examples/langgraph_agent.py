"""The same loop written as a LangGraph graph: model node, ToolNode, condition.

With a model that follows instructions (Groq) the graph goes model -> tools
-> model; the local 135M model answers at once and the graph ends there.

Groq when GROQ_API_KEY is set; or the local llama.cpp server:
    local-llm run -- python examples/langgraph_agent.py
"""

import os

from langchain_core.tools import tool
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition

from langchain_synaptic_groq import ChatGroqSynaptic


@tool
def word_length(word: str) -> int:
    """Count the letters in a word."""
    return len(word)


model = ChatGroqSynaptic(
    model=os.environ.get("SYNAPTIC_GROQ_MODEL", "openai/gpt-oss-120b"),
    temperature=0,
    max_tokens=64,
).bind_tools([word_length])


def call_model(state: MessagesState) -> dict[str, list]:
    return {"messages": [model.invoke(state["messages"])]}


graph = StateGraph(MessagesState)
graph.add_node("model", call_model)
graph.add_node("tools", ToolNode([word_length]))
graph.add_edge(START, "model")
graph.add_conditional_edges("model", tools_condition)  # to "tools" or the end
graph.add_edge("tools", "model")
app = graph.compile()

# stream_mode="updates": one event per node that ran.
for update in app.stream(
    {"messages": [("user", "How many letters in 'LangGraph'?")]},
    stream_mode="updates",
):
    for node, state in update.items():
        print(f"{node}: {state['messages'][-1].text!r}")
