"""Groq's built-in tools: browser search and code execution, run by Groq.

Bound like any tool, as `{"type": "browser_search"}` or
`{"type": "code_interpreter"}`, on the models that offer them (gpt-oss). What
Groq ran is in `additional_kwargs["executed_tools"]`. The local server has no
built-in tools, so there the call is skipped.

Groq when GROQ_API_KEY is set; or the local llama.cpp server:
    local-llm run -- python examples/builtin_tools.py
"""

import os
import warnings

from langchain_synaptic_groq import ChatGroqSynaptic, GroqModel

print("gpt-oss-20b built-in tools:", GroqModel.GPT_OSS_20B.info.builtin_tools)

# Binding one to a known model without it warns (Groq would reject the call).
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    ChatGroqSynaptic(model=GroqModel.QWEN3_8_27B).bind_tools(
        [{"type": "code_interpreter"}]
    )
print("warning:", caught[0].message)

# Groq unless GROQ_API_BASE points elsewhere (`local-llm run` sets it).
if "api.groq.com" in os.environ.get("GROQ_API_BASE", "api.groq.com"):
    model = ChatGroqSynaptic(model=GroqModel.GPT_OSS_20B, max_tokens=512)
    coder = model.bind_tools([{"type": "code_interpreter"}])
    answer = coder.invoke("Use Python to compute 2**100. Reply with the number.")
    print("answer:", answer.text)
    for run in answer.additional_kwargs.get("executed_tools", []):
        print("Groq ran:", run.get("type"), run.get("arguments"))
else:
    print("answer: (skipped: the local server has no built-in tools)")
