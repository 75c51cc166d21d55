"""Unit tests with canned answers: no server at all, via httpx.MockTransport.

`http_client=` takes any httpx client, so a transport that answers from a
function makes the model offline and exact: what the app sends can be
checked, and what the model "says" is chosen by the test.
"""

import json

import httpx
from app import City, extract_city

from langchain_synaptic_groq import ChatGroqSynaptic


def test_extract_city_with_a_canned_answer() -> None:
    sent: list[dict] = []

    def groq(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        answer = {"name": "Lisbon", "country": "Portugal"}
        return httpx.Response(
            200,
            json={
                "id": "chatcmpl-1",
                "model": "openai/gpt-oss-120b",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": json.dumps(answer)},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": 20,
                    "completion_tokens": 9,
                    "total_tokens": 29,
                },
            },
        )

    model = ChatGroqSynaptic(
        api_key="test", http_client=httpx.Client(transport=httpx.MockTransport(groq))
    )

    assert extract_city(model, "By the Tagus.") == City(
        name="Lisbon", country="Portugal"
    )
    assert sent[0]["response_format"]["type"] == "json_schema"
