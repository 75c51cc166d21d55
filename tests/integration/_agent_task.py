"""A two-step task with two tools, shared by the tool and differential tests.

"Find out which city Ada lives in, then get the temperature there": the
model must call `get_home_city("Ada")`, read "Lisbon", call
`get_temperature("Lisbon")`, read "21 °C" and answer.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.tools import BaseTool, tool

__all__ = ["EXPECTED_CALLS", "HOME", "TASK", "TEMPERATURE", "calls_in", "make_tools"]

TASK = "Find out which city Ada lives in, then get the temperature there."
HOME = {"Ada": "Lisbon"}
TEMPERATURE = {"Lisbon": "21 °C"}
EXPECTED_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("get_home_city", {"person": "Ada"}),
    ("get_temperature", {"city": "Lisbon"}),
]


def make_tools(ran: list[tuple[str, str]]) -> list[BaseTool]:
    """The two tools, recording each run so a test sees they really ran.

    Args:
        ran: Gets `(tool name, argument)` appended at each run.

    Returns:
        `[get_home_city, get_temperature]`.
    """

    @tool
    def get_home_city(person: str) -> str:
        """Get the city a person lives in."""
        ran.append(("get_home_city", person))
        return HOME.get(person, "unknown")

    @tool
    def get_temperature(city: str) -> str:
        """Get the current temperature in a city."""
        ran.append(("get_temperature", city))
        return TEMPERATURE.get(city, "unknown")

    return [get_home_city, get_temperature]


def calls_in(messages: list[BaseMessage]) -> list[tuple[str, dict[str, Any]]]:
    """The tool calls the AI messages made, in order, as `(name, args)`.

    Args:
        messages: A conversation.

    Returns:
        The calls.
    """
    return [
        (call["name"], call["args"])
        for m in messages
        if isinstance(m, AIMessage)
        for call in m.tool_calls
    ]
