"""Chaining: prompt | model | parser, invoked and batched (LCEL).

Groq when GROQ_API_KEY is set; or the local llama.cpp server:
    local-llm run -- python examples/chain.py
"""

import os

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from langchain_synaptic_groq import ChatGroqSynaptic

model = ChatGroqSynaptic(
    model=os.environ.get("SYNAPTIC_GROQ_MODEL", "openai/gpt-oss-120b"),
    temperature=0,
    max_tokens=32,
)
prompt = ChatPromptTemplate.from_messages(
    [
        ("system", "Translate the user's text to {language}. Reply with it only."),
        ("human", "{text}"),
    ]
)
chain = prompt | model | StrOutputParser()

print(chain.invoke({"language": "French", "text": "Good morning"}))
for text in chain.batch(
    [
        {"language": "Spanish", "text": "Thank you"},
        {"language": "German", "text": "Good night"},
    ]
):
    print(text)
