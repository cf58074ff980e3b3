"""Output-mode policy and console construction: colour variables and terminal-ness decide the look here.

The mode is decided once per stream (DESIGN §2, STYLE practice 6):

- ``"markdown"`` when the stream is a terminal, ``TERM`` is not ``dumb`` and the caller did not force
  plain output; ``FORCE_COLOR`` (non-empty) also selects it for a pipe or file, so tests and
  ``| less -R`` get rendered output.
- ``"plain"`` otherwise: text exactly as the model wrote it, no escape codes at all.

``NO_COLOR`` (non-empty) keeps the markdown layout but removes colour (:func:`colour_enabled`).
The width available for tables is :func:`terminal_width`: ``COLUMNS`` when set, else the terminal's,
else no limit (a pipe or a file).

Importing this module does not import ``rich`` (STYLE practice 14); :func:`make_console` does.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal, TextIO

if TYPE_CHECKING:
    from rich.console import Console

OutputMode = Literal["markdown", "plain"]

__all__ = [
    "OutputMode",
    "ansi_capable",
    "colour_enabled",
    "decide_mode",
    "is_tty",
    "live_capable",
    "make_console",
    "process_env",
    "sgr_terminal",
    "terminal_width",
]


def process_env() -> Mapping[str, str]:
    """The process environment, for callers that were given no ``env`` of their own."""
    return os.environ


def is_tty(stream: TextIO) -> bool:
    """Whether ``stream`` is a terminal; False for closed streams and objects without ``isatty``."""
    isatty = getattr(stream, "isatty", None)
    if isatty is None:
        return False
    try:
        return bool(isatty())
    except (ValueError, OSError):  # closed file, or a wrapper whose descriptor went away
        return False


def _flag(env: Mapping[str, str], name: str) -> bool:
    # NO_COLOR / FORCE_COLOR convention: set and non-empty means on, whatever the value.
    return env.get(name, "") != ""


def decide_mode(stream: TextIO, *, env: Mapping[str, str], force_plain: bool = False) -> OutputMode:
    """Return ``"markdown"`` or ``"plain"`` for output written to ``stream``.

    ``force_plain`` wins over everything (``--json`` style callers); then ``FORCE_COLOR``; then a
    terminal whose ``TERM`` is not ``dumb``.
    """
    if force_plain:
        return "plain"
    if _flag(env, "FORCE_COLOR"):
        return "markdown"
    if is_tty(stream) and env.get("TERM", "") != "dumb":
        return "markdown"
    return "plain"


def colour_enabled(stream: TextIO, *, env: Mapping[str, str], tty: bool | None = None) -> bool:
    """Whether raw SGR colour may be written to ``stream``: no ``NO_COLOR``, and either ``FORCE_COLOR``
    or a terminal (``tty`` overrides the check) that is not ``dumb`` and processes escape codes
    (:func:`sgr_terminal`)."""
    if _flag(env, "NO_COLOR"):
        return False
    if _flag(env, "FORCE_COLOR"):
        return True
    terminal = is_tty(stream) if tty is None else tty
    return terminal and env.get("TERM", "") != "dumb" and sgr_terminal(env)


def sgr_terminal(env: Mapping[str, str]) -> bool:
    """Whether a terminal shows raw SGR codes written without rich: always, except on Windows, where
    only terminals known to process them do (Windows Terminal, or a ``TERM`` set by e.g. Git Bash);
    rich enables them for its own output, a bare ``write`` gets no such help from a legacy console."""
    return sys.platform != "win32" or any(env.get(name) for name in ("WT_SESSION", "TERM", "ANSICON"))


def terminal_width(stream: TextIO, *, env: Mapping[str, str]) -> int | None:
    """Columns available on ``stream``: ``COLUMNS`` when it is a positive number, else the size of the
    terminal ``stream`` is, else None (a pipe or a file: no limit)."""
    columns = env.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if not is_tty(stream):
        return None
    try:
        return os.get_terminal_size(stream.fileno()).columns or None
    except (AttributeError, ValueError, OSError):  # no descriptor (a wrapper), or it went away
        return None


def live_capable(stream: TextIO, *, env: Mapping[str, str]) -> bool:
    """Whether cursor movement may be used on ``stream`` (a real terminal that is not ``dumb``).

    ``FORCE_COLOR`` on a pipe gives colour and layout but never cursor movement, so a file or
    ``less -R`` receives each block once, with no redraw sequences.
    """
    return is_tty(stream) and env.get("TERM", "") != "dumb"


def ansi_capable(stream: TextIO, *, env: Mapping[str, str]) -> bool:
    """Whether raw SGR codes (dim text) written without rich display correctly on ``stream``: a
    terminal that is not ``dumb`` and processes them (:func:`sgr_terminal`)."""
    return live_capable(stream, env=env) and sgr_terminal(env)


def make_console(
    stream: TextIO,
    *,
    env: Mapping[str, str],
    force_plain: bool = False,
    width: int | None = None,
) -> Console:
    """A rich ``Console`` writing to ``stream``, configured by :func:`decide_mode`.

    Width comes from the terminal, or ``COLUMNS`` (read by rich from ``env``), or ``width``.
    Plain mode gets a console with no colour system at all, so nothing it prints carries an escape
    code. ``highlight`` and ``emoji`` are off: model output and user data are printed as they are.
    """
    from rich.console import Console

    mode = decide_mode(stream, env=env, force_plain=force_plain)
    markdown = mode == "markdown"
    return Console(
        file=stream,
        # Explicit values, so rich's own environment probing (FORCE_COLOR, TTY_COMPATIBLE,
        # TTY_INTERACTIVE) cannot disagree with the decision taken above.
        force_terminal=markdown,
        force_interactive=markdown and live_capable(stream, env=env),
        color_system="auto" if markdown else None,
        no_color=_flag(env, "NO_COLOR") or not markdown,
        highlight=False,
        emoji=False,
        soft_wrap=False,
        width=width,
        _environ=env,
    )
