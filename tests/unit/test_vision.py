"""Image inputs: every form users write reaches Groq as an `image_url` part,
and Groq's vision rules are checked before anything is sent."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from langchain_synaptic_groq import GroqModel
from tests.support.features import MODES, answer_body, answer_events, call, queue
from tests.support.scripted import ScriptedGroq

# Groq's vision model today (3 images per request, /docs/vision, 2026-12-01).
VISION = GroqModel.QWEN3_8_27B.value
URL = "https://upload.example.org/cat.jpg"
PNG_B64 = base64.b64encode(b"\x89PNG\r\n\x1a\n fake image bytes").decode()
DATA_URL = f"data:image/png;base64,{PNG_B64}"

# Each form a user may write, and the part Groq must receive for it.
IMAGE_FORMS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "openai image_url dict",
        {"type": "image_url", "image_url": {"url": URL, "detail": "high"}},
        {"type": "image_url", "image_url": {"url": URL, "detail": "high"}},
    ),
    (
        "openai image_url string",
        {"type": "image_url", "image_url": URL},
        {"type": "image_url", "image_url": {"url": URL}},
    ),
    (
        "openai base64 data URL",
        {"type": "image_url", "image_url": {"url": DATA_URL}},
        {"type": "image_url", "image_url": {"url": DATA_URL}},
    ),
    (
        "v1 image block, url",
        {"type": "image", "url": URL},
        {"type": "image_url", "image_url": {"url": URL}},
    ),
    (
        "v1 image block, base64",
        {"type": "image", "base64": PNG_B64, "mime_type": "image/png"},
        {"type": "image_url", "image_url": {"url": DATA_URL}},
    ),
    (
        "v0 data block, url",
        {"type": "image", "source_type": "url", "url": URL},
        {"type": "image_url", "image_url": {"url": URL}},
    ),
    (
        "v0 data block, base64",
        {
            "type": "image",
            "source_type": "base64",
            "data": PNG_B64,
            "mime_type": "image/png",
        },
        {"type": "image_url", "image_url": {"url": DATA_URL}},
    ),
]


def _ok(groq: ScriptedGroq, mode: str) -> None:
    queue(
        groq,
        mode,
        answer_body("A cat.", model=VISION),
        answer_events({"content": "A cat."}, model=VISION),
    )


def _ask(*images: dict[str, Any]) -> list[HumanMessage]:
    return [HumanMessage(content=[{"type": "text", "text": "What is this?"}, *images])]


@pytest.mark.parametrize(
    ("form", "wire"),
    [pytest.param(f, w, id=name) for name, f, w in IMAGE_FORMS],
)
def test_each_image_form_becomes_an_image_url_part(
    form: dict[str, Any], wire: dict[str, Any]
) -> None:
    groq = ScriptedGroq()
    _ok(groq, "invoke")

    groq.model(model=VISION).invoke(_ask(form))

    assert groq.last_body["messages"] == [
        {
            "role": "user",
            "content": [{"type": "text", "text": "What is this?"}, wire],
        }
    ]


@pytest.mark.parametrize("mode", MODES)
async def test_images_reach_a_vision_model_in_every_call_mode(mode: str) -> None:
    groq = ScriptedGroq()
    _ok(groq, mode)

    ai = await call(groq.model(model=VISION), mode, _ask({"type": "image", "url": URL}))

    assert ai.content == "A cat."
    parts = groq.last_body["messages"][0]["content"]
    assert parts[1] == {"type": "image_url", "image_url": {"url": URL}}


@pytest.mark.parametrize("mode", MODES)
async def test_three_images_pass_four_fail_before_sending(mode: str) -> None:
    image = {"type": "image", "url": URL}
    groq = ScriptedGroq()
    _ok(groq, mode)
    model = groq.model(model=VISION)

    await call(model, mode, _ask(*[image] * 3))
    assert len(groq.requests) == 1

    with pytest.raises(ValueError, match="at most 3 images per request, got 4"):
        await call(model, mode, _ask(*[image] * 4))
    assert len(groq.requests) == 1


def test_the_image_limit_is_the_models() -> None:
    # Llama 4 Scout took 5 (its page, before its shutdown); an unknown id
    # gets Groq's general limit of 5.
    image = {"type": "image", "url": URL}
    groq = ScriptedGroq()
    _ok(groq, "invoke")
    _ok(groq, "invoke")
    with pytest.warns(UserWarning, match="shut"):
        scout = groq.model(model=GroqModel.LLAMA_4_SCOUT)
    scout.invoke(_ask(*[image] * 5))
    groq.model(model="my-org/vision").invoke(_ask(*[image] * 5))
    with pytest.raises(ValueError, match="at most 5 images per request, got 6"):
        scout.invoke(_ask(*[image] * 6))
    assert len(groq.requests) == 2


def test_images_across_the_history_count_together() -> None:
    image = {"type": "image_url", "image_url": {"url": URL}}
    history = [
        HumanMessage(content=[image, image, image]),
        AIMessage("Three cats."),
        HumanMessage(
            content=[{"type": "text", "text": "And these?"}, image, image, image]
        ),
    ]
    groq = ScriptedGroq()

    with pytest.raises(ValueError, match="got 6"):
        groq.model(model=VISION).invoke(history)
    assert groq.requests == []


def _data_url_of_length(chars: int) -> str:
    return "data:image/jpeg;base64," + "A" * chars


@pytest.mark.parametrize("mode", MODES)
async def test_base64_over_4_mb_fails_before_sending(mode: str) -> None:
    limit = 4 * 1024 * 1024
    groq = ScriptedGroq()
    _ok(groq, mode)
    model = groq.model(model=VISION)
    two_halves = [
        {"type": "image_url", "image_url": {"url": _data_url_of_length(limit // 2)}},
        {"type": "image", "base64": "A" * (limit // 2), "mime_type": "image/jpeg"},
    ]

    await call(model, mode, _ask(*two_halves))  # exactly 4 MB: accepted
    assert len(groq.requests) == 1

    over = [*two_halves, {"type": "image_url", "image_url": {"url": DATA_URL}}]
    with pytest.raises(ValueError, match="at most 4 MB of base64") as raised:
        await call(model, mode, _ask(*over))
    # The error tells what to do instead: URLs, which Groq fetches (20 MB).
    assert "URL" in str(raised.value)
    assert "20 MB" in str(raised.value)
    assert len(groq.requests) == 1


def test_url_images_are_not_fetched_or_sized_here() -> None:
    # Remote images are Groq's to fetch (it enforces 20 MB per URL): the only
    # request made is the chat completion itself.
    groq = ScriptedGroq()
    _ok(groq, "invoke")

    groq.model(model=VISION).invoke(_ask({"type": "image", "url": URL}))

    assert [(r.method, r.url.rsplit("/", 1)[-1]) for r in groq.requests] == [
        ("POST", "completions")
    ]


@pytest.mark.parametrize("mode", MODES)
async def test_images_to_a_known_text_only_model_fail_before_sending(
    mode: str,
) -> None:
    groq = ScriptedGroq()
    model = groq.model(model="openai/gpt-oss-120b")

    with pytest.raises(ValueError, match=r"openai/gpt-oss-120b") as raised:
        await call(model, mode, _ask({"type": "image", "url": URL}))

    message = str(raised.value)
    assert "does not accept images" in message
    assert VISION in message  # names a model that does
    assert groq.requests == []


async def test_per_call_model_decides_the_vision_check() -> None:
    groq = ScriptedGroq()
    _ok(groq, "invoke")
    image = _ask({"type": "image", "url": URL})

    # A text-only default, a vision model for this call: allowed.
    groq.model(model="openai/gpt-oss-120b").invoke(image, model=VISION)
    assert groq.last_body["model"] == VISION

    # And the other way round: refused.
    with pytest.raises(ValueError, match="gpt-oss-20b does not accept images"):
        await groq.model(model=VISION).ainvoke(image, model="openai/gpt-oss-20b")
    assert len(groq.requests) == 1


@pytest.mark.parametrize(
    "model_id", ["my-org/llava-custom", GroqModel.custom("llama-5-vision")]
)
def test_unknown_model_ids_are_trusted_with_images(model_id: str) -> None:
    groq = ScriptedGroq()
    _ok(groq, "invoke")

    groq.model(model=model_id).invoke(_ask({"type": "image", "url": URL}))

    assert groq.last_body["model"] == str(model_id)


def test_text_only_model_without_images_is_unaffected() -> None:
    groq = ScriptedGroq()
    _ok(groq, "invoke")
    groq.model(model="openai/gpt-oss-120b").invoke(
        [HumanMessage(content=[{"type": "text", "text": "Just text."}])]
    )
    assert groq.last_body["messages"][0]["content"] == [
        {"type": "text", "text": "Just text."}
    ]


def test_non_image_data_blocks_are_refused() -> None:
    groq = ScriptedGroq()
    with pytest.raises(ValueError, match="text and images only"):
        groq.model(model=VISION).invoke(
            _ask({"type": "file", "base64": "JVBERi0=", "mime_type": "application/pdf"})
        )
    assert groq.requests == []
