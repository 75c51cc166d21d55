"""Token counts without a tokenizer: an estimate for budgeting context windows.

Groq's models use large byte-level BPE vocabularies (Llama 3: 128k tokens,
gpt-oss: o200k, Qwen3: 151k, Kimi K2: 160k) whose pre-tokenisers all follow
the pattern of OpenAI's cl100k. This module approximates that pattern with
Python's `re` (letters, up to three digits, punctuation runs, whitespace)
and estimates how many BPE tokens each piece becomes from its length and
script: English words of up to ten letters are one token, longer ones cost
one more about every six letters, camelCase splits at each capital,
Cyrillic/Greek/Arabic run about three letters a token, CJK about one
character a token. On top come the chat template's tokens: per message (role
headers, end-of-turn markers), per request (BOS, a system preamble some
templates always insert, the reply header), tool definitions (their JSON
schema plus the template's tool instructions) and tool calls in history.
The template is picked from the model id (Llama 3.x, Llama 4,
gpt-oss/harmony, ChatML for Qwen and SmolLM2, Kimi); unknown ids get a
generic ChatML-like overhead. Images count as a flat `IMAGE_TOKENS` each, a
rough figure: the real count depends on the image size. No dependency is
needed and nothing is downloaded.

How close it is, measured with `scripts/measure_token_estimate.py` against a
real local llama.cpp server running SmolLM2-135M-Instruct: 32 conversations
(short, long, code, JSON/YAML/SQL, eight non-English ones, multi-turn, with
and without a system message), `usage.prompt_tokens` of a `max_tokens=1`
request against the estimate for the same messages:

- whole requests, all 32: mean absolute percentage error 13.6 %, median
  9.6 %, largest 40.5 % (Arabic: 44 estimated, 74 counted); the estimate
  is low on average (-13.3 %);
- the 24 conversations in English (prose, code, multi-turn): mean 8.9 %,
  largest 23.9 % (a prompt full of numbers, see below);
- the 8 non-English ones: mean 27.7 %, all of them low;
- text alone against llama-server's `/tokenize` (no template): mean 15.6 %,
  median 9.0 %, largest 61.4 % (Arabic again).

SmolLM2's tokenizer is not Llama 3's: a 49k-token vocabulary trained mostly
on English that splits every number into single digits, where Groq's models
have 128k-200k vocabularies (three digits a token, far better coverage of
other languages and of code). The estimator is aimed at the large
vocabularies, so against SmolLM2 it runs low on numbers, code and above all
non-English text; on Groq's models it should be closer there, though no Groq
tokenizer could be measured here (none ships without a download). The
word-length constants were chosen from SmolLM2's own split of common English
words (it keeps words of up to 10-15 letters whole, as larger vocabularies
do), so the English figures are partly in-sample. Tool definitions could
not be measured (the local server's SmolLM2 template ignores tools): their
cost is the schema's JSON plus the template's tool instructions, as the
Llama 3.1 / Qwen / harmony templates write them. Treat the result as an
estimate for budgeting (about +/- 10 % on English, worse elsewhere), never
as the count Groq bills: read `usage_metadata` of a response for that.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from langchain_core.messages import BaseMessage

from langchain_synaptic_groq._request import message_to_wire

__all__ = [
    "IMAGE_TOKENS",
    "estimate_message_tokens",
    "estimate_text_tokens",
    "estimate_wire_tokens",
    "template_for",
    "text_counter",
]

IMAGE_TOKENS = 1024
"""Tokens counted for each image: a rough figure, the real count depends on
the image's size and the model."""

# cl100k's pre-tokeniser, with \p{L} approximated by [^\W\d_] (letters) and
# \p{N} by \d, which is all Python's `re` offers.
_PRETOKEN = re.compile(
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)"
    r"|(?:[^\r\n\w]|_)?[^\W\d_]+"
    r"|\d{1,3}"
    r"| ?(?:[^\s\w]|_)+[\r\n]*"
    r"|\s*[\r\n]+"
    r"|\s+(?!\S)"
    r"|\s+"
)
# Where camelCase and ACRONYMWord identifiers split.
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

_SHORT_WORD = 10  # letters: an English word up to this long is one token
_LETTERS_PER_EXTRA = 6  # a longer word costs one more token per this many
_ALPHABET_CHARS_PER_TOKEN = 3  # Cyrillic, Greek, Arabic, Hebrew, ...
_PUNCT_PER_TOKEN = 3  # ASCII punctuation runs such as `");` or `://`
_SPACES_PER_TOKEN = 16  # indentation runs


def _is_cjk(code: int) -> bool:
    return (
        0x3040 <= code <= 0x30FF  # Hiragana, Katakana
        or 0x3400 <= code <= 0x4DBF  # CJK Extension A
        or 0x4E00 <= code <= 0x9FFF  # CJK Unified Ideographs
        or 0xAC00 <= code <= 0xD7AF  # Hangul
        or 0xF900 <= code <= 0xFAFF  # CJK Compatibility Ideographs
    )


def _latin_word_tokens(word: str) -> int:
    total = 0
    for part in _CAMEL.split(word):
        if part:
            extra = max(0, len(part) - _SHORT_WORD)
            total += 1 + math.ceil(extra / _LETTERS_PER_EXTRA)
    return total


def _letters_tokens(word: str) -> int:
    """Tokens for a run of letters (one pre-tokeniser piece)."""
    if word.isascii():
        return _latin_word_tokens(word)
    cjk = 0
    other = 0
    latin: list[str] = []
    accented = 0
    for char in word:
        code = ord(char)
        if code < 0x250:  # ASCII, Latin-1 and Latin Extended letters
            latin.append(char)
            accented += code >= 0x80
        elif _is_cjk(code):
            cjk += 1
        else:
            other += 1
    tokens = cjk + math.ceil(other / _ALPHABET_CHARS_PER_TOKEN)
    if latin:
        # Accented letters are two bytes and split words more often.
        tokens += _latin_word_tokens("".join(latin)) + math.ceil(accented / 2)
    return tokens


def _symbols_tokens(run: str) -> int:
    """Tokens for a run of punctuation or symbols (emoji included)."""
    if not run:
        return 0
    if run.isascii():
        if len(set(run)) == 1:  # ----- or ===== compress well
            return math.ceil(len(run) / 8)
        return math.ceil(len(run) / _PUNCT_PER_TOKEN)
    ascii_part = sum(1 for c in run if c.isascii())
    tokens = math.ceil(ascii_part / _PUNCT_PER_TOKEN)
    # A non-ASCII symbol is 2 to 4 bytes: about one token per two bytes.
    tokens += sum(math.ceil(len(c.encode()) / 2) for c in run if not c.isascii())
    return tokens


def _piece_tokens(piece: str) -> int:
    first = piece[0]
    if piece.isspace():
        newlines = piece.count("\n")
        if newlines:
            return 1 + (newlines - 1) // 4
        return math.ceil(len(piece) / _SPACES_PER_TOKEN)
    if piece[-1].isdigit() and piece.isdigit():
        return 1
    stripped = piece.rstrip("\r\n")
    if stripped and (stripped[-1].isalpha() or stripped[-1] == "'"):
        if stripped.startswith("'") and len(stripped) <= 3:
            return 1  # contractions: 's 't 're 've 'm 'll 'd
        letters = stripped if first.isalpha() else stripped[1:]
        prefix = 0 if first.isalpha() or first == " " else 1
        return prefix + _letters_tokens(letters)
    body = stripped[1:] if first == " " else stripped
    return max(1, _symbols_tokens(body))


def estimate_text_tokens(text: str) -> int:
    """Estimate the tokens a Llama-3-class tokenizer makes of a text.

    Args:
        text: Any text.

    Returns:
        The estimated token count (0 for an empty string).
    """
    if not text:
        return 0
    return sum(_piece_tokens(m.group()) for m in _PRETOKEN.finditer(text))


@dataclass(frozen=True, slots=True)
class _Template:
    """What a model's chat template adds around the messages, in tokens."""

    name: str
    per_request: int  # BOS and the like
    per_message: int  # role header and end-of-turn markers
    reply: int  # the header that opens the assistant's answer
    preamble: str = ""  # text always put in the system turn
    default_system: str = ""  # system text used when there is none
    system_block: bool = False  # a system turn is always present
    tools_preamble: str = ""  # instructions put around tool definitions
    tool_indent: int | None = None  # json.dumps indent of each tool
    per_tool_call: int = 3  # wrapper tokens around a call in history


_LLAMA3_TOOLS = (
    "Environment: ipython\n"
    "Given the following functions, please respond with a JSON for a function "
    "call with its proper arguments that best answers the given prompt.\n\n"
    'Respond in the format {"name": function name, "parameters": dictionary of '
    "argument name and its value}.Do not use variables.\n\n"
)
_CHATML_TOOLS = (
    "\n\n# Tools\n\nYou may call one or more functions to assist with the user "
    "query.\n\nYou are provided with function signatures within <tools></tools> "
    "XML tags:\n<tools>\n\n</tools>\n\nFor each function call, return a json "
    "object with function name and arguments within <tool_call></tool_call> XML "
    'tags:\n<tool_call>\n{"name": <function-name>, "arguments": '
    "<args-json-object>}\n</tool_call>"
)

_TEMPLATES: dict[str, _Template] = {
    # Llama 3.1 / 3.3: <|begin_of_text|>, then per turn <|start_header_id|>
    # role <|end_header_id|> "\n\n" ... <|eot_id|>; the system turn is always
    # there and starts with the knowledge-date preamble.
    "llama3": _Template(
        "llama3",
        per_request=1,
        per_message=5,
        reply=4,
        preamble="Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n",
        system_block=True,
        tools_preamble=_LLAMA3_TOOLS,
        tool_indent=4,
    ),
    # Llama 4: <|header_start|> role <|header_end|> "\n\n" ... <|eot|>.
    "llama4": _Template(
        "llama4",
        per_request=1,
        per_message=5,
        reply=4,
        tools_preamble=_LLAMA3_TOOLS,
        tool_indent=4,
    ),
    # gpt-oss (harmony): <|start|> role <|message|> ... <|end|>, and a system
    # turn that is always there.
    "harmony": _Template(
        "harmony",
        per_request=0,
        per_message=4,
        reply=2,
        preamble=(
            "You are ChatGPT, a large language model trained by OpenAI.\n"
            "Knowledge cutoff: 2024-06\nCurrent date: 2025-08-05\n\n"
            "Reasoning: medium\n\n# Valid channels: analysis, commentary, "
            "final. Channel must be included for every message."
        ),
        system_block=True,
        tools_preamble=(
            "Calls to these tools must go to the commentary channel: "
            "'functions'.\n# Tools\n\n## functions\n\nnamespace functions {\n\n"
            "} // namespace functions"
        ),
    ),
    # ChatML (Qwen3): <|im_start|> role "\n" ... <|im_end|> "\n".
    "chatml": _Template(
        "chatml",
        per_request=0,
        per_message=5,
        reply=3,
        tools_preamble=_CHATML_TOOLS,
    ),
    # SmolLM2 (the local llama.cpp test server): ChatML with a default system
    # prompt when the conversation has none.
    "smollm": _Template(
        "smollm",
        per_request=0,
        per_message=5,
        reply=3,
        default_system=(
            "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
        ),
        tools_preamble=_CHATML_TOOLS,
    ),
    # Kimi K2: <|im_user|> role <|im_middle|> ... <|im_end|>, default system.
    "kimi": _Template(
        "kimi",
        per_request=0,
        per_message=4,
        reply=3,
        default_system="You are Kimi, an AI assistant created by Moonshot AI.",
        tools_preamble=_CHATML_TOOLS,
    ),
    "generic": _Template("generic", per_request=1, per_message=5, reply=3),
}


def template_for(model: str) -> str:
    """Name the chat-template family of a model id.

    Args:
        model: A Groq model id (or any id).

    Returns:
        One of `"llama3"`, `"llama4"`, `"harmony"`, `"chatml"`, `"smollm"`,
        `"kimi"` or `"generic"` (unknown ids).
    """
    key = model.lower()
    if "llama-4" in key or "llama4" in key:
        return "llama4"
    if "llama-3" in key or "llama3" in key:
        return "llama3"
    if "gpt-oss" in key:
        return "harmony"
    if "smollm" in key:
        return "smollm"
    if "qwen" in key:
        return "chatml"
    if "kimi" in key:
        return "kimi"
    return "generic"


@cache
def _fixed_text_tokens(text: str) -> int:
    return estimate_text_tokens(text)


def _content_tokens(content: Any, count: Callable[[str], int]) -> int:
    if content is None:
        return 0
    if isinstance(content, str):
        return count(content)
    total = 0
    for part in content if isinstance(content, list) else [content]:
        if isinstance(part, str):
            total += count(part)
        elif isinstance(part, Mapping):
            kind = part.get("type")
            if kind in ("image_url", "image"):
                total += IMAGE_TOKENS
            elif isinstance(part.get("text"), str):
                total += count(part["text"])
        else:
            total += count(str(part))
    return total


def _tool_calls_tokens(
    calls: Iterable[Any], template: _Template, count: Callable[[str], int]
) -> int:
    total = 0
    for call in calls:
        function = call.get("function") if isinstance(call, Mapping) else None
        if not isinstance(function, Mapping):
            continue
        arguments = function.get("arguments") or "{}"
        name = json.dumps(function.get("name") or "")
        rendered = f'{{"name": {name}, "arguments": {arguments}}}'
        total += template.per_tool_call + count(rendered)
    return total


def _wire_messages(messages: Sequence[BaseMessage]) -> list[dict[str, Any]]:
    wire: list[dict[str, Any]] = []
    for message in messages:
        try:
            wire.append(message_to_wire(message))
        except ValueError:
            # No Groq form (e.g. a FunctionMessage): count its text anyway.
            wire.append({"role": message.type, "content": message.text})
    return wire


def estimate_message_tokens(
    messages: Sequence[BaseMessage],
    *,
    model: str,
    tools: Sequence[Mapping[str, Any]] | None = None,
    count_text: Callable[[str], int] | None = None,
) -> int:
    """Estimate the prompt tokens of a chat request.

    Args:
        messages: The conversation as it would be sent.
        model: The model id; picks the chat template's overhead.
        tools: Tools in Groq's wire form (`convert_tools` output).
        count_text: Token counter for text; defaults to
            `estimate_text_tokens`. Template text (preambles) is always
            counted with the estimator.

    Returns:
        The estimated number of prompt tokens.
    """
    return estimate_wire_tokens(
        _wire_messages(messages), model=model, tools=tools, count_text=count_text
    )


def estimate_wire_tokens(
    wire: Sequence[Mapping[str, Any]],
    *,
    model: str,
    tools: Sequence[Mapping[str, Any]] | None = None,
    count_text: Callable[[str], int] | None = None,
) -> int:
    """`estimate_message_tokens` for messages already in Groq's wire form.

    Args:
        wire: A request body's `messages`.
        model: The model id; picks the chat template's overhead.
        tools: Tools in Groq's wire form.
        count_text: Token counter for text (default `estimate_text_tokens`).

    Returns:
        The estimated number of prompt tokens.
    """
    count = count_text or estimate_text_tokens
    template = _TEMPLATES[template_for(model)]
    total = template.per_request + template.reply
    has_system = bool(wire) and wire[0].get("role") in ("system", "developer")
    if not has_system and (template.system_block or template.default_system):
        total += template.per_message
        total += _fixed_text_tokens(template.default_system)
    total += _fixed_text_tokens(template.preamble)
    for message in wire:
        total += template.per_message
        total += _content_tokens(message.get("content"), count)
        if message.get("name"):
            total += 1 + count(str(message["name"]))
        if message.get("tool_calls"):
            total += _tool_calls_tokens(message["tool_calls"], template, count)
        reasoning = message.get("reasoning")
        if isinstance(reasoning, str):
            total += count(reasoning)
    if tools:
        total += _fixed_text_tokens(template.tools_preamble)
        for tool in tools:
            rendered = json.dumps(dict(tool), indent=template.tool_indent)
            total += count(rendered) + 1
    return total


def text_counter(
    token_ids: Callable[[str], list[int]] | None,
) -> Callable[[str], int]:
    """The text token counter for a model's `custom_get_token_ids` setting.

    Args:
        token_ids: A tokenizer function (text to token ids), or `None`.

    Returns:
        A counter using `token_ids` when given, else `estimate_text_tokens`.
    """
    if token_ids is None:
        return estimate_text_tokens
    return lambda text: len(token_ids(text))
