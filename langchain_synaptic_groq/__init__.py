"""LangChain integration for Groq: `ChatGroqSynaptic`, `GroqConfig`, `GroqModel`."""

from langchain_synaptic_groq.batch import GroqBatchJob
from langchain_synaptic_groq.chat_models import ChatGroqSynaptic, GroqModelRecord
from langchain_synaptic_groq.config import GroqConfig
from langchain_synaptic_groq.errors import (
    GroqAPIError,
    GroqAuthenticationError,
    GroqCapacityError,
    GroqConnectionError,
    GroqContextOverflowError,
    GroqError,
    GroqInvalidRequestError,
    GroqNotFoundError,
    GroqPermissionDeniedError,
    GroqRateLimitError,
    GroqRequestTooLargeError,
    GroqStreamError,
    GroqTimeoutError,
    GroqToolUseError,
)
from langchain_synaptic_groq.models import (
    CustomGroqModel,
    GroqModel,
    GroqModelInfo,
    GroqModelShutDownWarning,
    ModelCheck,
    ModelStatus,
)
from langchain_synaptic_groq.ratelimit import RateLimitState
from langchain_synaptic_groq.retry import RetryConfig
from langchain_synaptic_groq.tools import ToolChoice
from langchain_synaptic_groq.wrappers import RetryChatModel

__version__ = "0.1.0"

__all__ = [
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
