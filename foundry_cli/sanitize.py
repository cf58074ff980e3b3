"""Terminal-safe text: server text is untrusted input.

An answer, a thinking block, an error body or a response header may carry escape sequences
(OSC 52 clipboard writes, window titles, OSC 8 links whose text differs from their target, screen
clears) or bare controls (``\\r`` overwrites, backspaces). A terminal executes them. Whenever such
text goes to a terminal, it passes through :func:`terminal_safe` (or :class:`StreamSanitizer` for
text that arrives in pieces): every C0 control except ``\\n`` and ``\\t``, DEL, every C1 control
and every escape sequence (CSI, OSC, DCS/SOS/PM/APC strings, two- and three-byte escapes) is
removed. Printable text, including all non-ASCII letters, is kept as it is.

Piped to a program (a pipe or a file), an answer stays byte-exact: that decision belongs to the
caller, which knows the destination. This module is stdlib-only and sits at the bottom layer, so
``api`` (error bodies), ``doctor``, ``history`` and ``render`` all use the same rules.
"""

from __future__ import annotations

import re

__all__ = ["StreamSanitizer", "has_controls", "one_line", "terminal_safe"]

# An escape sequence, or a lone control. Order matters: whole sequences first, so their
# parameters go with them instead of being left behind as visible garbage.
_SEQUENCE = re.compile(
    r"""
      (?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?          # CSI ... final
    | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])                       # OSC, DCS, SOS, PM, APC ...
      [^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?                         # ... up to BEL or ST
    | \x1b[\x20-\x2f]*[\x30-\x7e]?                                  # other escapes (ESC ( B, ESC c)
    | \r\n                                                          # CRLF: kept as a newline below
    | [\x00-\x08\x0b-\x1f\x7f-\x9f]                                 # any other control (\n, \t kept)
    """,
    re.VERBOSE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# The start of a sequence that a later piece of a stream may complete.
_OPEN_TAIL = re.compile(
    r"(?:(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*"
    r"|\x1b[\x20-\x2f]*|\r)\Z"
)
#: an unterminated string sequence (OSC, DCS, ...) longer than this is dropped, not held back
_MAX_PENDING = 4096


def _replace(match: re.Match[str]) -> str:
    return "\n" if match.group() == "\r\n" else ""


def terminal_safe(text: str) -> str:
    """``text`` with every control character and escape sequence removed (``\\n``, ``\\t`` kept;
    ``\\r\\n`` becomes ``\\n``)."""
    if not _CONTROL.search(text):
        return text  # the common case: nothing to do, no copy
    return _SEQUENCE.sub(_replace, text)


def has_controls(text: str) -> bool:
    """Whether ``text`` holds anything :func:`terminal_safe` would remove."""
    return _CONTROL.search(text) is not None


def one_line(text: str, limit: int | None = None) -> str:
    """Terminal-safe text folded onto one line (runs of whitespace become one space), cut at
    ``limit`` characters with an ellipsis. For headers, ids and excerpts inside a sentence."""
    flat = " ".join(terminal_safe(text).split())
    if limit is not None and len(flat) > limit:
        return flat[: max(limit - 1, 0)] + "…"
    return flat


class StreamSanitizer:
    """:func:`terminal_safe` for text that arrives in pieces (stream deltas).

    A sequence split across two deltas is recognised whole: the unfinished start of one is held
    back until the next delta completes it (or :meth:`flush` drops it), so no parameter bytes of a
    removed sequence leak out as text. Linear in the total length.
    """

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, text: str) -> str:
        if self._pending:
            text, self._pending = self._pending + text, ""
        elif not _CONTROL.search(text):
            return text
        tail = _OPEN_TAIL.search(text)
        if tail is not None and len(text) - tail.start() <= _MAX_PENDING:
            text, self._pending = text[: tail.start()], text[tail.start() :]
        return terminal_safe(text)

    def flush(self) -> str:
        """What is held back, made safe (an unfinished sequence is dropped; a lone ``\\r`` too)."""
        rest, self._pending = self._pending, ""
        return terminal_safe(rest)
