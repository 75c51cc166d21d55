"""The public API is pinned: a change to it is a deliberate change here."""

import langchain_synaptic_groq

EXPECTED_ALL = [
    "ChatGroqSynaptic",
    "CustomGroqModel",
    "GroqAPIError",
    "GroqAuthenticationError",
    "GroqBatchJob",
    "GroqCapacityError",
    "GroqConfig",
    "GroqConnectionError",
    "GroqContextOverflowError",
    "GroqError",
    "GroqInvalidRequestError",
    "GroqModel",
    "GroqModelInfo",
    "GroqModelRecord",
    "GroqModelShutDownWarning",
    "GroqNotFoundError",
    "GroqPermissionDeniedError",
    "GroqRateLimitError",
    "GroqRequestTooLargeError",
    "GroqStreamError",
    "GroqTimeoutError",
    "GroqToolUseError",
    "ModelCheck",
    "ModelStatus",
    "RateLimitState",
    "RetryChatModel",
    "RetryConfig",
    "ToolChoice",
    "__version__",
]


def test_all_is_pinned() -> None:
    assert sorted(langchain_synaptic_groq.__all__) == sorted(EXPECTED_ALL)
    for name in langchain_synaptic_groq.__all__:
        assert hasattr(langchain_synaptic_groq, name), name
