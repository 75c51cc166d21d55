"""The app under test: pulls a city out of free text with an LLM."""

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, Field


class City(BaseModel):
    """A city and the country it is in."""

    name: str = Field(description="the city")
    country: str = Field(description="the country it is in")


def extract_city(model: BaseChatModel, text: str) -> City:
    """Ask the model which city a text is about."""
    structured = model.with_structured_output(City, method="json_schema")
    city = structured.invoke(f"Which city is this text about? {text}")
    assert isinstance(city, City)
    return city
