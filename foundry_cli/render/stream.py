"""Streaming answer renderers: what the CLI drives while an answer streams in.

The pieces live in one module each: :mod:`~foundry_cli.render.blocks` (the block splitter),
:mod:`~foundry_cli.render.plain` (plain text for pipes and ``TERM=dumb``) and
:mod:`~foundry_cli.render.markdown` (incremental markdown on a terminal). This module holds the
:class:`StreamRenderer` protocol and :func:`make_renderer`, which picks the renderer and decides
where server text must be made terminal-safe.

Server text is untrusted: whenever it goes to a terminal (rendered or plain, whatever ``TERM``
says) or is rendered as markdown (escape codes meant for a terminal, ``FORCE_COLOR`` on a pipe
included), every answer and thinking delta passes through
:class:`~foundry_cli.sanitize.StreamSanitizer`. Plain text to a pipe or a file stays byte-exact.

Importing this module does not import ``rich``; rich is loaded when a markdown renderer is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Protocol, TextIO

from foundry_cli.render.blocks import BlockSplitter
from foundry_cli.render.markdown import MarkdownRenderer, RenderStats
from foundry_cli.render.plain import PlainRenderer
from foundry_cli.sanitize import StreamSanitizer

__all__ = [
    "BlockSplitter",
    "MarkdownRenderer",
    "PlainRenderer",
    "RenderStats",
    "SanitizingRenderer",
    "StreamRenderer",
    "make_renderer",
]


class StreamRenderer(Protocol):
    """What the CLI drives while an answer streams in."""

    def text(self, delta: str) -> None:
        """Show a piece of answer text."""

    def thinking(self, delta: str) -> None:
        """Show a piece of thinking (called only with ``--show-thinking``)."""

    def close(self) -> None:
        """The stream ended (normally, on error or on Ctrl-C): show everything received, leave the
        cursor at the start of a fresh line and the terminal as it was. Idempotent."""


class SanitizingRenderer:
    """Passes answer and/or thinking deltas through a :class:`StreamSanitizer` before ``inner``.

    An escape sequence split across deltas is removed whole (the sanitizer holds its start back
    until the next delta); :meth:`close` hands over what is held back (made safe) before closing.
    """

    def __init__(self, inner: StreamRenderer, *, text: bool = True, thinking: bool = True) -> None:
        self.inner = inner
        self._text = StreamSanitizer() if text else None
        self._thinking = StreamSanitizer() if thinking else None
        self._closed = False

    def text(self, delta: str) -> None:
        self.inner.text(self._text.feed(delta) if self._text is not None else delta)

    def thinking(self, delta: str) -> None:
        self.inner.thinking(self._thinking.feed(delta) if self._thinking is not None else delta)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if self._thinking is not None:
                self.inner.thinking(self._thinking.flush())
            if self._text is not None:
                self.inner.text(self._text.flush())
        finally:
            self.inner.close()


def make_renderer(
    mode: Literal["markdown", "plain"], out: TextIO, err: TextIO, *, env: Mapping[str, str]
) -> StreamRenderer:
    """The renderer for ``mode`` (from :func:`foundry_cli.render.console.decide_mode`).

    Answer text goes to ``out``; thinking goes to ``err``, dimmed only where ``err`` is a terminal.
    Text bound for a terminal, or rendered as markdown, is made terminal-safe on the way.
    """
    from foundry_cli.render.console import ansi_capable, is_tty

    renderer: StreamRenderer
    if mode == "plain":
        renderer = PlainRenderer(out, err, dim_thinking=ansi_capable(err, env=env))
        safe_text, safe_thinking = is_tty(out), is_tty(err)
    else:
        from foundry_cli.render.console import make_console

        renderer = MarkdownRenderer(make_console(out, env=env), make_console(err, env=env), idle_flush=True)
        safe_text = safe_thinking = True
    if safe_text or safe_thinking:
        return SanitizingRenderer(renderer, text=safe_text, thinking=safe_thinking)
    return renderer
