"""Image input: a vision model (Llama 4 Scout) describes an image.

Images go in LangChain's standard content blocks (base64 data or a URL). The
package checks Groq's limits before sending (5 images, 4 MB of base64 per
request) and refuses images for known text-only models. The local 135M model
takes no images, so there only the checks run and the call is skipped.

Groq when GROQ_API_KEY is set; or the local llama.cpp server:
    local-llm run -- python examples/vision.py
"""

import base64
import os
import struct
import zlib

from langchain_core.messages import HumanMessage

from langchain_synaptic_groq import ChatGroqSynaptic, GroqModel


def solid_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A one-colour PNG, made with the standard library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


image = base64.b64encode(solid_png(64, 64, (220, 20, 20))).decode()
message = HumanMessage(
    content=[
        {"type": "text", "text": "What colour is this image? One word."},
        {"type": "image", "base64": image, "mime_type": "image/png"},
    ]
)

print("vision models:", [m.id for m in GroqModel.served() if m.supports_vision])

# A known text-only model: refused before anything is sent.
try:
    ChatGroqSynaptic(model=GroqModel.GPT_OSS_120B).invoke([message])
except ValueError as exc:
    print("refused:", exc)

# Groq unless GROQ_API_BASE points elsewhere (`local-llm run` sets it).
if "api.groq.com" in os.environ.get("GROQ_API_BASE", "api.groq.com"):
    vision = ChatGroqSynaptic(model=GroqModel.QWEN3_8_27B, max_tokens=16)
    print("answer:", vision.invoke([message]).text)
else:
    print("answer: (skipped: the local SmolLM2 server takes no images)")
