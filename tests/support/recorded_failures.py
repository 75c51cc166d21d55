# Verbatim recorded bodies: their lines cannot be wrapped.
# ruff: noqa: E501
"""Real Groq failure exchanges, copied verbatim from the recordings.

Each constant names its file in `../shared/groq-recordings/` (real traffic
recorded by pydantic/pydantic-ai, see that README) and the cassette it came
from. Of a stream, the reasoning deltas are left out but the first; every
event kept is byte for byte a recorded one, in the recorded order, which
`test_agent_recovery.py` checks when the recordings are present.
"""

from __future__ import annotations

# pydantic/pydantic-ai:tests/models/cassettes/test_groq/test_tool_use_failed_error.yaml#0
TOOL_USE_FAILED_400_FILE = "pydai-test-tool-use-failed-error-0.json"
TOOL_USE_FAILED_400 = '{"error": {"code": "tool_use_failed", "failed_generation": "{\\"name\\": \\"get_something_by_name\\", \\"arguments\\": {\\n  \\"foo\\": \\"bar\\"\\n}}", "message": "Tool call validation failed: tool call validation failed: parameters for tool get_something_by_name did not match schema: errors: [missing properties: \'name\', additionalProperties \'foo\' not allowed]", "type": "invalid_request_error"}}'

# pydantic/pydantic-ai:tests/models/cassettes/test_groq/test_tool_use_failed_error.yaml#1
FIXED_CALL_200_FILE = "pydai-test-tool-use-failed-error-1.json"
FIXED_CALL_200 = '{"choices": [{"finish_reason": "tool_calls", "index": 0, "logprobs": null, "message": {"reasoning": "We need to call with correct param: name field. Use some name, e.g., \\"test\\".", "role": "assistant", "tool_calls": [{"function": {"arguments": "{\\"name\\":\\"test\\"}", "name": "get_something_by_name"}, "id": "fc_311ba17b-89f9-48d3-8fd9-7e74a1264855", "type": "function"}]}}], "created": 1771434738, "id": "chatcmpl-b089cbdd-ca65-41a1-9409-639d476f87c0", "model": "openai/gpt-oss-120b", "object": "chat.completion", "service_tier": "on_demand", "system_fingerprint": "fp_699d877a58", "usage": {"completion_time": 0.110362968, "completion_tokens": 52, "completion_tokens_details": {"reasoning_tokens": 22}, "prompt_time": 0.014400533, "prompt_tokens": 301, "queue_time": 0.005000903, "total_time": 0.124763501, "total_tokens": 353}, "usage_breakdown": null, "x_groq": {"id": "req_01khrvt0x4e8cs577wtgjk872s", "seed": 47864733}}'

# pydantic/pydantic-ai:tests/models/cassettes/test_groq/test_tool_use_failed_error.yaml#2
FINAL_ANSWER_200_FILE = "pydai-test-tool-use-failed-error-2.json"
FINAL_ANSWER_200 = '{"choices": [{"finish_reason": "stop", "index": 0, "logprobs": null, "message": {"content": "The first call failed due to missing and extra parameters, as expected. The second call succeeded and returned: \\"Something with name: test\\".", "reasoning": "We need to respond to user request. They asked: \\"Please call the ... tool with non-existent parameters to test error handling; on the second try you can use valid args\\". We already did that. Now we should respond concisely, maybe acknowledging the result. Use regular quotes.", "role": "assistant"}}], "created": 1771434739, "id": "chatcmpl-c7c67aaa-6e09-4a05-a43c-664a9db28d52", "model": "openai/gpt-oss-120b", "object": "chat.completion", "service_tier": "on_demand", "system_fingerprint": "fp_699d877a58", "usage": {"completion_time": 0.574329735, "completion_tokens": 96, "completion_tokens_details": {"reasoning_tokens": 59}, "prompt_time": 0.56585145, "prompt_tokens": 336, "prompt_tokens_details": {"cached_tokens": 256}, "queue_time": 0.005052002, "total_time": 1.140181185, "total_tokens": 432}, "usage_breakdown": null, "x_groq": {"id": "req_01khrvt137e9qtvva4t9mk7bzr", "seed": 1779532338}}'

# pydantic/pydantic-ai:tests/models/cassettes/test_groq/test_tool_use_failed_error_with_text.yaml#0
NO_CALL_400_FILE = "pydai-test-tool-use-failed-error-with-text-0.json"
NO_CALL_400 = '{"error": {"code": "tool_use_failed", "failed_generation": "maybe", "message": "Tool choice is required, but model did not call a tool", "type": "invalid_request_error"}}'

# pydantic/pydantic-ai:tests/models/cassettes/test_groq/test_tool_use_failed_error_with_text.yaml#1
CALL_AFTER_NO_CALL_200_FILE = "pydai-test-tool-use-failed-error-with-text-1.json"
CALL_AFTER_NO_CALL_200 = '{"choices": [{"finish_reason": "tool_calls", "index": 0, "logprobs": null, "message": {"reasoning": "The user wants me to fix the errors. They attempted to get plain \\"maybe\\" but system expects JSON output from tool calls? The user says \\"on the second try you can use valid args\\". So we need to produce a valid tool call with appropriate arguments to the function final_result. The function expects a response field with value \\"yes\\" or \\"no\\". So we must call the function with response \\"yes\\" or \\"no\\". The user wants to test error handling, but now we need to provide valid output. We should call the function final_result with response maybe? But allowed values are \\"yes\\" or \\"no\\". The user didn\'t specify which. Probably we can respond with \\"yes\\". Let\'s do function call.\\n\\n", "role": "assistant", "tool_calls": [{"function": {"arguments": "{\\"response\\":\\"yes\\"}", "name": "final_result"}, "id": "fc_beee8d84-e6d7-4980-bec6-298d3ec7a73f", "type": "function"}]}}], "created": 1771434742, "id": "chatcmpl-9fc28492-a04d-4b0f-b9a0-a9149d048b37", "model": "openai/gpt-oss-120b", "object": "chat.completion", "service_tier": "on_demand", "system_fingerprint": "fp_b2cc9f830e", "usage": {"completion_time": 0.367441832, "completion_tokens": 174, "completion_tokens_details": {"reasoning_tokens": 147}, "prompt_time": 0.010139487, "prompt_tokens": 254, "queue_time": 0.004915509, "total_time": 0.377581319, "total_tokens": 428}, "usage_breakdown": null, "x_groq": {"id": "req_01khrvt3y4e8et6w0jrq0b6e02", "seed": 1572480230}}'

# pydantic/pydantic-ai:tests/models/cassettes/test_groq/test_tool_use_failed_error_streaming.yaml#0: 3 of its 95 events
STREAM_TOOL_USE_FAILED_FILE = "pydai-test-tool-use-failed-error-streaming-0.json"
STREAM_TOOL_USE_FAILED = [
    'data: {"id":"chatcmpl-4f39f3af-3267-4ac1-a0cf-6aa7451877dc","object":"chat.completion.chunk","created":1771434740,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_e8236260a9","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"x_groq":{"id":"req_01khrvt2r6e9rb7e8qsg86ywkw","seed":27718886}}',
    'data: {"id":"chatcmpl-4f39f3af-3267-4ac1-a0cf-6aa7451877dc","object":"chat.completion.chunk","created":1771434740,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_e8236260a9","choices":[{"index":0,"delta":{"reasoning":"We","channel":"analysis"},"logprobs":null,"finish_reason":null}]}',
    'event: error\ndata: {"error":{"message":"Tool call validation failed: tool call validation failed: parameters for tool get_something_by_name did not match schema: errors: [missing properties: \'name\', additionalProperties \'invalid_param\' not allowed]","type":"invalid_request_error","code":"tool_use_failed","failed_generation":"{\\"name\\": \\"get_something_by_name\\", \\"arguments\\": {\\n  \\"invalid_param\\": \\"value\\"\\n}}","status_code":400}}',
]

# pydantic/pydantic-ai:tests/models/cassettes/test_groq/test_tool_use_failed_error_streaming.yaml#1: 5 of its 26 events
STREAM_FIXED_CALL_FILE = "pydai-test-tool-use-failed-error-streaming-1.json"
STREAM_FIXED_CALL = [
    'data: {"id":"chatcmpl-e35442a8-12c0-4fb4-8be4-0e51727ce7b7","object":"chat.completion.chunk","created":1771434740,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_caa2017b29","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"x_groq":{"id":"req_01khrvt32ze9rb75za4xqmdz13","seed":1367355884}}',
    'data: {"id":"chatcmpl-e35442a8-12c0-4fb4-8be4-0e51727ce7b7","object":"chat.completion.chunk","created":1771434740,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_caa2017b29","choices":[{"index":0,"delta":{"reasoning":"We","channel":"analysis"},"logprobs":null,"finish_reason":null}]}',
    'data: {"id":"chatcmpl-e35442a8-12c0-4fb4-8be4-0e51727ce7b7","object":"chat.completion.chunk","created":1771434740,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_caa2017b29","choices":[{"index":0,"delta":{"tool_calls":[{"id":"fc_bfb39741-3748-4def-9886-a93fc9c64a90","type":"function","function":{"name":"get_something_by_name","arguments":"{\\"name\\":\\"example\\"}"},"index":0}]},"logprobs":null,"finish_reason":null}]}',
    'data: {"id":"chatcmpl-e35442a8-12c0-4fb4-8be4-0e51727ce7b7","object":"chat.completion.chunk","created":1771434740,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_caa2017b29","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],"x_groq":{"id":"req_01khrvt32ze9rb75za4xqmdz13","usage":{"queue_time":0.00491786,"prompt_tokens":304,"prompt_time":0.01460151,"completion_tokens":49,"completion_time":0.11216431,"total_tokens":353,"total_time":0.12676582,"completion_tokens_details":{"reasoning_tokens":23}}},"usage":{"queue_time":0.00491786,"prompt_tokens":304,"prompt_time":0.01460151,"completion_tokens":49,"completion_time":0.11216431,"total_tokens":353,"total_time":0.12676582,"completion_tokens_details":{"reasoning_tokens":23}}}',
    "data: [DONE]",
]

# pydantic/pydantic-ai:tests/models/cassettes/test_groq/test_tool_use_failed_error_streaming.yaml#2: 15 of its 51 events
STREAM_FINAL_ANSWER_FILE = "pydai-test-tool-use-failed-error-streaming-2.json"
STREAM_FINAL_ANSWER = [
    'data: {"id":"chatcmpl-935610b8-ec6a-4b1d-8a58-84b34ab0590e","object":"chat.completion.chunk","created":1771434741,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_c82faf3ca0","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"x_groq":{"id":"req_01khrvt3cxe8dt0makxnbdgqz6","seed":1734142537}}',
    'data: {"id":"chatcmpl-935610b8-ec6a-4b1d-8a58-84b34ab0590e","object":"chat.completion.chunk","created":1771434741,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_c82faf3ca0","choices":[{"index":0,"delta":{"reasoning":"The","channel":"analysis"},"logprobs":null,"finish_reason":null}]}',
    'data: {"id":"chatcmpl-935610b8-ec6a-4b1d-8a58-84b34ab0590e","object":"chat.completion.chunk","created":1771434741,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_c82faf3ca0","choices":[{"index":0,"delta":{"content":"The"},"logprobs":null,"finish_reason":null}]}',
    'data: {"id":"chatcmpl-935610b8-ec6a-4b1d-8a58-84b34ab0590e","object":"chat.completion.chunk","created":1771434741,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_c82faf3ca0","choices":[{"index":0,"delta":{"content":" tool"},"logprobs":null,"finish_reason":null}]}',
    'data: {"id":"chatcmpl-935610b8-ec6a-4b1d-8a58-84b34ab0590e","object":"chat.completion.chunk","created":1771434741,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_c82faf3ca0","choices":[{"index":0,"delta":{"content":" returned"},"logprobs":null,"finish_reason":null}]}',
    'data: {"id":"chatcmpl-935610b8-ec6a-4b1d-8a58-84b34ab0590e","object":"chat.completion.chunk","created":1771434741,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_c82faf3ca0","choices":[{"index":0,"delta":{"content":" the"},"logprobs":null,"finish_reason":null}]}',
    'data: {"id":"chatcmpl-935610b8-ec6a-4b1d-8a58-84b34ab0590e","object":"chat.completion.chunk","created":1771434741,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_c82faf3ca0","choices":[{"index":0,"delta":{"content":" expected"},"logprobs":null,"finish_reason":null}]}',
    'data: {"id":"chatcmpl-935610b8-ec6a-4b1d-8a58-84b34ab0590e","object":"chat.completion.chunk","created":1771434741,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_c82faf3ca0","choices":[{"index":0,"delta":{"content":" result"},"logprobs":null,"finish_reason":null}]}',
    'data: {"id":"chatcmpl-935610b8-ec6a-4b1d-8a58-84b34ab0590e","object":"chat.completion.chunk","created":1771434741,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_c82faf3ca0","choices":[{"index":0,"delta":{"content":" for"},"logprobs":null,"finish_reason":null}]}',
    'data: {"id":"chatcmpl-935610b8-ec6a-4b1d-8a58-84b34ab0590e","object":"chat.completion.chunk","created":1771434741,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_c82faf3ca0","choices":[{"index":0,"delta":{"content":" the"},"logprobs":null,"finish_reason":null}]}',
    'data: {"id":"chatcmpl-935610b8-ec6a-4b1d-8a58-84b34ab0590e","object":"chat.completion.chunk","created":1771434741,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_c82faf3ca0","choices":[{"index":0,"delta":{"content":" valid"},"logprobs":null,"finish_reason":null}]}',
    'data: {"id":"chatcmpl-935610b8-ec6a-4b1d-8a58-84b34ab0590e","object":"chat.completion.chunk","created":1771434741,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_c82faf3ca0","choices":[{"index":0,"delta":{"content":" call"},"logprobs":null,"finish_reason":null}]}',
    'data: {"id":"chatcmpl-935610b8-ec6a-4b1d-8a58-84b34ab0590e","object":"chat.completion.chunk","created":1771434741,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_c82faf3ca0","choices":[{"index":0,"delta":{"content":"."},"logprobs":null,"finish_reason":null}]}',
    'data: {"id":"chatcmpl-935610b8-ec6a-4b1d-8a58-84b34ab0590e","object":"chat.completion.chunk","created":1771434741,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_c82faf3ca0","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"x_groq":{"id":"req_01khrvt3cxe8dt0makxnbdgqz6","usage":{"queue_time":0.005626991,"prompt_tokens":339,"prompt_time":0.017648485,"completion_tokens":58,"completion_time":0.125333784,"total_tokens":397,"total_time":0.142982269,"completion_tokens_details":{"reasoning_tokens":38}}},"usage":{"queue_time":0.005626991,"prompt_tokens":339,"prompt_time":0.017648485,"completion_tokens":58,"completion_time":0.125333784,"total_tokens":397,"total_time":0.142982269,"completion_tokens_details":{"reasoning_tokens":38}}}',
    "data: [DONE]",
]

# pydantic/pydantic-ai:tests/models/cassettes/test_groq/test_tool_use_failed_error_streaming_with_text.yaml#0: 4 of its 86 events
STREAM_NO_CALL_FILE = "pydai-test-tool-use-failed-error-streaming-with-text-0.json"
STREAM_NO_CALL = [
    'data: {"id":"chatcmpl-fd87720a-9b48-4161-bcd7-6127bd0d3696","object":"chat.completion.chunk","created":1771438841,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_c82faf3ca0","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"x_groq":{"id":"req_01khrzq7zsfhg8aq4sbjk7z81c","seed":581043163}}',
    'data: {"id":"chatcmpl-fd87720a-9b48-4161-bcd7-6127bd0d3696","object":"chat.completion.chunk","created":1771438841,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_c82faf3ca0","choices":[{"index":0,"delta":{"reasoning":"The","channel":"analysis"},"logprobs":null,"finish_reason":null}]}',
    'data: {"id":"chatcmpl-fd87720a-9b48-4161-bcd7-6127bd0d3696","object":"chat.completion.chunk","created":1771438842,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_c82faf3ca0","choices":[{"index":0,"delta":{"content":"maybe"},"logprobs":null,"finish_reason":null}]}',
    'event: error\ndata: {"error":{"message":"Tool choice is required, but model did not call a tool","type":"invalid_request_error","code":"tool_use_failed","failed_generation":"","status_code":400}}',
]

# pydantic/pydantic-ai:tests/models/cassettes/test_groq/test_tool_use_failed_error_streaming_with_text.yaml#1: 5 of its 156 events
STREAM_CALL_AFTER_NO_CALL_FILE = (
    "pydai-test-tool-use-failed-error-streaming-with-text-1.json"
)
STREAM_CALL_AFTER_NO_CALL = [
    'data: {"id":"chatcmpl-0b76b1ce-aa40-4950-9c90-a167b11d4b09","object":"chat.completion.chunk","created":1771438842,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_e8236260a9","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"x_groq":{"id":"req_01khrzq88ceeg8s97kbq467yp9","seed":622076399}}',
    'data: {"id":"chatcmpl-0b76b1ce-aa40-4950-9c90-a167b11d4b09","object":"chat.completion.chunk","created":1771438842,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_e8236260a9","choices":[{"index":0,"delta":{"reasoning":"We","channel":"analysis"},"logprobs":null,"finish_reason":null}]}',
    'data: {"id":"chatcmpl-0b76b1ce-aa40-4950-9c90-a167b11d4b09","object":"chat.completion.chunk","created":1771438842,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_e8236260a9","choices":[{"index":0,"delta":{"tool_calls":[{"id":"fc_299e8414-9e94-4d9c-bd06-c096f8919768","type":"function","function":{"name":"final_result","arguments":"{\\"response\\":\\"no\\"}"},"index":0}]},"logprobs":null,"finish_reason":null}]}',
    'data: {"id":"chatcmpl-0b76b1ce-aa40-4950-9c90-a167b11d4b09","object":"chat.completion.chunk","created":1771438842,"model":"openai/gpt-oss-120b","system_fingerprint":"fp_e8236260a9","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],"x_groq":{"id":"req_01khrzq88ceeg8s97kbq467yp9","usage":{"queue_time":0.005354561,"prompt_tokens":343,"prompt_time":0.016828877,"completion_tokens":180,"completion_time":0.379143995,"total_tokens":523,"total_time":0.395972872,"completion_tokens_details":{"reasoning_tokens":153}}},"usage":{"queue_time":0.005354561,"prompt_tokens":343,"prompt_time":0.016828877,"completion_tokens":180,"completion_time":0.379143995,"total_tokens":523,"total_time":0.395972872,"completion_tokens_details":{"reasoning_tokens":153}}}',
    "data: [DONE]",
]
