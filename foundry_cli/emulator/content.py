"""Deterministic answers, thinking text, delta chunking, ids and token counts."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import string

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
QUOTE_LIMIT = 60

_TOKEN = re.compile(r"\s*\S+|\s+")
_GROUP_SIZES = (1, 2, 1, 3, 2)  # words per delta, cycled: deterministic, 1-3 words each

_LONG_LINE = (
    "This final paragraph is deliberately one single line without any line break, so a terminal "
    "renderer has to wrap it itself: it keeps going with plain words, a little **bold**, a little "
    "*emphasis* and an inline `span`, long enough that no reasonable terminal width holds it on one "
    "row, and it ends here."
)


def _quote(last_user_text: str) -> str:
    lines = last_user_text.strip().splitlines()
    first = lines[0].strip() if lines else ""
    return first if len(first) <= QUOTE_LIMIT else first[: QUOTE_LIMIT - 1] + "…"


def answer_text(last_user_text: str, turn: int, files: str = "") -> str:
    """The exact deterministic markdown answer of the ``healthy`` scenario.

    ``files`` is the acknowledgement of attached files (``files.acknowledgement``), e.g.
    " I see 1 image and 1 document."
    """
    return (
        "## Answer from the Foundry emulator\n\n"
        f'You wrote: "{_quote(last_user_text)}". This is turn {turn}.{files} The emulator answers every '
        "prompt with the same shape of text, so a client and its markdown renderer can be checked "
        "against it exactly, delta by delta and byte by byte.\n\n"
        "What this answer exercises:\n\n"
        "- a level-two heading and **bold** text\n"
        "- inline `code` spans and *emphasis* inside list items\n"
        "- a bulleted list, then a numbered list, then a fenced code block\n"
        "- one very long line at the end that must wrap\n\n"
        "How a streaming client handles it:\n\n"
        "1. Send the request with the deployment name as the model.\n"
        "2. Read the server-sent events as they arrive, even when one event spans two reads.\n"
        "3. Render every closed markdown block once and redraw only the open tail.\n\n"
        "```python\n"
        "def greet(name: str) -> str:\n"
        '    """Return a friendly greeting."""\n'
        '    return f"Hello, {name}!"\n'
        "\n"
        "\n"
        'print(greet("Foundry"))\n'
        "```\n\n" + _LONG_LINE
    )


def thinking_text(last_user_text: str, turn: int) -> str:
    """The deterministic thinking (or reasoning summary) text emitted before the answer."""
    return (
        f'The user wrote "{_quote(last_user_text)}" on turn {turn}. I should reply with a short '
        "markdown sample: a heading, a paragraph, a bulleted list, a numbered list, a code block "
        "and one long line, so the renderer gets a full workout. The reply stays deterministic."
    )


def split_deltas(text: str) -> list[str]:
    """Split text on word boundaries into pieces of 1-3 words; ``"".join(result) == text``."""
    tokens = _TOKEN.findall(text)
    pieces: list[str] = []
    i = k = 0
    while i < len(tokens):
        size = _GROUP_SIZES[k % len(_GROUP_SIZES)]
        pieces.append("".join(tokens[i : i + size]))
        i += size
        k += 1
    return pieces


def _long_unit(part: int) -> str:
    return (
        f"## Part {part}\n\n"
        "A long answer keeps streaming paragraphs, lists and code so that a renderer's cost per "
        "delta can be measured over many thousands of small events.\n\n"
        "- first point of this part\n"
        "- second point, with `inline code`\n"
        "- third point, with **bold** words\n\n"
        "1. numbered step one\n"
        "2. numbered step two\n\n"
        "```python\n"
        f"def part_{part}(x: int) -> int:\n"
        f"    return x * {part}\n"
        "```\n\n"
    )


def long_deltas(count: int) -> list[str]:
    """Exactly ``count`` markdown-ish text deltas (sections repeated; a final open fence is closed)."""
    pieces: list[str] = []
    part = 1
    while len(pieces) < count:
        pieces.extend(split_deltas(_long_unit(part)))
        part += 1
    del pieces[count:]
    if pieces and sum(p.count("```") for p in pieces) % 2:
        pieces[-1] = "\n```\n"
    return pieces


def count_tokens(text: str) -> int:
    """The emulator's token estimate: a quarter of the characters, at least one."""
    return max(1, len(text) // 4)


def thinking_signature(thinking: str) -> str:
    """A realistic-looking (base64) signature for a thinking block, derived from its text."""
    digest = hashlib.sha256(thinking.encode()).digest()
    raw = b"\x12\xa4\x01\n\x02\x18\x02" + b"".join(
        hashlib.sha256(digest + bytes([i])).digest() for i in range(6)
    )
    return base64.b64encode(raw).decode()


def _base62(length: int) -> str:
    return "".join(secrets.choice(BASE62) for _ in range(length))


def message_id() -> str:
    return "msg_01" + _base62(22)


def request_id() -> str:
    return "req_011C" + _base62(20)


def tool_use_id() -> str:
    return "toolu_01" + _base62(22)


def response_id() -> str:
    return "resp_" + secrets.token_hex(24)


def output_message_id() -> str:
    return "msg_" + secrets.token_hex(24)


def reasoning_id() -> str:
    return "rs_" + secrets.token_hex(24)
