"""`GroqConfig`: an immutable configuration with a fluent builder."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from langchain_synaptic_groq._request import check_stop
from langchain_synaptic_groq.models import CustomGroqModel, GroqModel, model_id_of

__all__ = ["GroqConfig"]


class GroqConfig(BaseModel):
    """Immutable settings for a Groq chat model.

    Every `with_*` method returns a new config; the original is unchanged.

    Example:
        ```python
        from langchain_synaptic_groq import ChatGroqSynaptic, GroqConfig, GroqModel

        config = (
            GroqConfig.new("gsk_...", GroqModel.GPT_OSS_120B)
            .with_temperature(0.7)
            .with_max_tokens(512)
        )
        model = ChatGroqSynaptic.from_config(config)
        ```
    """

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    api_key: SecretStr
    """The Groq API key (kept secret in repr, str and dumps)."""
    model: str
    """The model id; a `GroqModel` member or any custom id."""
    max_tokens: int | None = Field(default=None, gt=0)
    """Longest completion, sent as `max_completion_tokens`."""
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    """Sampling temperature, 0 to 2."""
    top_p: float | None = Field(default=None, ge=0.0, le=1.0)
    """Nucleus sampling mass, 0 to 1."""
    stop: tuple[str, ...] | None = None
    """Up to four stop sequences."""
    seed: int | None = None
    """Seed for best-effort deterministic sampling."""

    @field_validator("model", mode="before")
    @classmethod
    def _model_id(cls, value: Any) -> str:
        return model_id_of(value)

    @field_validator("stop", mode="before")
    @classmethod
    def _stop(cls, value: Any) -> Any:
        return check_stop(value)

    @classmethod
    def new(cls, api_key: str | SecretStr, model: GroqModel | str) -> GroqConfig:
        """Start a config for a model.

        Args:
            api_key: The Groq API key.
            model: A `GroqModel` member (or any id string).

        Returns:
            A config with no sampling settings.
        """
        return cls(api_key=SecretStr(_plain(api_key)), model=model)

    @classmethod
    def new_custom(cls, api_key: str | SecretStr, model_id: str) -> GroqConfig:
        """Start a config for a model id that `GroqModel` does not list.

        Args:
            api_key: The Groq API key.
            model_id: The id as the API knows it.

        Returns:
            A config with no sampling settings.
        """
        return cls.new(api_key, CustomGroqModel(model_id))

    @property
    def groq_model(self) -> GroqModel | CustomGroqModel:
        """The model as a `GroqModel` member, or a custom id."""
        try:
            return GroqModel(self.model)
        except ValueError:
            return CustomGroqModel(self.model)

    def with_temperature(self, temperature: float) -> GroqConfig:
        """Return a copy with `temperature` set (0 to 2)."""
        return self._with(temperature=temperature)

    def with_max_tokens(self, max_tokens: int) -> GroqConfig:
        """Return a copy with `max_tokens` set (a positive int)."""
        return self._with(max_tokens=max_tokens)

    def with_top_p(self, top_p: float) -> GroqConfig:
        """Return a copy with `top_p` set (0 to 1)."""
        return self._with(top_p=top_p)

    def with_seed(self, seed: int) -> GroqConfig:
        """Return a copy with `seed` set."""
        return self._with(seed=seed)

    def with_stop(self, stop: str | list[str] | tuple[str, ...]) -> GroqConfig:
        """Return a copy with up to four stop sequences."""
        return self._with(stop=stop)

    def _with(self, **change: Any) -> GroqConfig:
        # model_copy(update=) skips validation; rebuilding validates the change.
        return type(self).model_validate({**self.__dict__, **change})

    def to_model_kwargs(self) -> dict[str, Any]:
        """The keyword arguments for `ChatGroqSynaptic` (unset fields left out)."""
        out: dict[str, Any] = {"api_key": self.api_key, "model": self.model}
        for name in ("max_tokens", "temperature", "top_p", "seed"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.stop is not None:
            out["stop"] = list(self.stop)
        return out


def _plain(key: str | SecretStr) -> str:
    return key.get_secret_value() if isinstance(key, SecretStr) else key
