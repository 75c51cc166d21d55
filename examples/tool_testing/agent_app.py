"""The app under test: an agent that answers with two tools.

To say what the weather is where someone lives, it must look up their city
first, then that city's weather: two tool calls, the second using the
result of the first.
"""

from typing import Any

from langchain.agents import create_agent
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from langchain_core.tools import tool

HOMES = {"Ada": "Lisbon", "Alan": "Oslo"}
WEATHER = {"Lisbon": "sunny, 21 °C", "Oslo": "snow, -3 °C"}


@tool
def get_home_city(person: str) -> str:
    """Get the city a person lives in."""
    return HOMES.get(person, "unknown")


@tool
def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    return WEATHER.get(city, "unknown")


def weather_at_home(model: BaseChatModel, person: str) -> list[BaseMessage]:
    """Ask the agent for the weather where a person lives.

    Returns:
        The whole conversation: the question, each tool call and result, and
        the answer last.
    """
    agent: Any = create_agent(model, tools=[get_home_city, get_weather])
    question = f"Find out which city {person} lives in, then get the weather there."
    result = agent.invoke({"messages": [("user", question)]})
    return result["messages"]
