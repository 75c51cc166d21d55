"""Each decision has one source (issue 17): the retry policy reads
retryability from the errors, each validation runs in one function, and the
package's shortcuts past other libraries' public API check themselves and fall
back to the public way."""

from __future__ import annotations

import pytest

from langchain_synaptic_groq.errors import GroqAPIError, error_from_response
from langchain_synaptic_groq.retry import RetryConfig, is_retryable

# -- retryability ---------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [400, 401, 403, 404, 408, 409, 413, 418, 422, 429, 498, 500, 503]
)
def test_the_policy_reads_retryability_from_the_error(status: int) -> None:
    err = error_from_response(status, {}, b'{"error": {"message": "x"}}')
    expected = status >= 500 or status in (408, 409, 429, 498)
    assert err.is_retryable is expected
    assert is_retryable(err, RetryConfig()) is expected


def test_an_unreadable_200_is_not_retryable_by_the_error_or_the_policy() -> None:
    err = GroqAPIError(
        "Groq answered 200 with a body that is not JSON", status_code=200
    )
    assert err.is_retryable is False
    assert is_retryable(err, RetryConfig()) is False


def test_x_should_retry_still_wins_over_the_status() -> None:
    err = error_from_response(400, {"x-should-retry": "true"}, b"{}")
    assert err.is_retryable is True
    assert is_retryable(err, RetryConfig()) is True
