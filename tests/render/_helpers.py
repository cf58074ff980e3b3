"""Shared test helpers: consoles writing to memory, a reference renderer, a fake clock, and a
small terminal emulator that applies the escape sequences the renderer writes."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable
from pathlib import Path

from hypothesis import strategies as st
from rich.console import Console

from foundry_cli.render.blocks import BlockSplitter
from foundry_cli.render.markdown import MarkdownRenderer, markdown_document

WIDTH = 80
REPO = Path(__file__).resolve().parents[2]


def subprocess_env(**extra: str) -> dict[str, str]:
    """The test environment for a child Python that must import this checkout's foundry_cli."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    env.update(extra)
    return env


def memory_console(*, color: bool = False, interactive: bool = False, height: int = 25) -> Console:
    return Console(
        file=io.StringIO(),
        force_terminal=True,
        force_interactive=interactive,
        color_system="truecolor" if color else None,
        width=WIDTH,
        height=height,
        highlight=False,
        _environ={},
    )


_LINK_ID = re.compile(r"\x1b\]8;id=\d+;")


def output(console: Console) -> str:
    """What was written, with rich's random OSC 8 hyperlink ids made constant."""
    file = console.file
    assert isinstance(file, io.StringIO)
    return _LINK_ID.sub("\x1b]8;id=0;", file.getvalue())


def render_whole(text: str, *, color: bool = False) -> str:
    """What rich prints for the whole answer at once (links as the renderer prints them): the reference."""
    console = memory_console(color=color)
    console.print(markdown_document(text), crop=False)  # as the renderer prints committed blocks
    return output(console)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def stream(
    text: str,
    chunks: Iterable[int] | int = 7,
    *,
    color: bool = False,
    interactive: bool = False,
    height: int = 25,
    step: float = 0.01,
) -> tuple[MarkdownRenderer, Console, Console]:
    """Feed ``text`` through a MarkdownRenderer in chunks, advancing a fake clock per delta."""
    out = memory_console(color=color, interactive=interactive, height=height)
    err = memory_console(color=color, interactive=interactive, height=height)
    clock = FakeClock()
    renderer = MarkdownRenderer(out, err, clock=clock)
    for delta in split(text, chunks):
        renderer.text(delta)
        clock.advance(step)
    renderer.close()
    return renderer, out, err


def split(text: str, chunks: Iterable[int] | int) -> list[str]:
    """Cut ``text`` into pieces of the given sizes (cycled), or of one fixed size."""
    sizes = [chunks] if isinstance(chunks, int) else [max(1, n) for n in chunks] or [1]
    pieces, pos, i = [], 0, 0
    while pos < len(text):
        n = sizes[i % len(sizes)]
        pieces.append(text[pos : pos + n])
        pos += n
        i += 1
    return pieces


def split_blocks(text: str, chunks: Iterable[int] | int = 1) -> list[str]:
    splitter = BlockSplitter()
    blocks: list[str] = []
    for delta in split(text, chunks):
        blocks += splitter.feed(delta)
    return blocks + splitter.finish()


_ESCAPE = re.compile(r"\x1b\[([?0-9;]*)([A-Za-z])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


class Screen:
    """A terminal, reduced to what the renderer uses: text, CR, LF (as CR LF), cursor up, erase
    line, cursor show/hide, SGR and OSC 8 (ignored). The cursor cannot move above the top of the
    visible screen, as on a real terminal; rows above it are scrollback."""

    def __init__(self, height: int = 25) -> None:
        self.height = height
        self.rows: list[list[str]] = [[]]
        self.row = 0
        self.col = 0
        self.lowest = 0  # lowest row ever reached: the screen shows rows lowest-height+1 .. lowest
        self.cursor_visible = True

    def feed(self, data: str) -> Screen:
        pos = 0
        for m in _ESCAPE.finditer(data):
            self._text(data[pos : m.start()])
            self._escape(m.group(1), m.group(2))
            pos = m.end()
        self._text(data[pos:])
        return self

    def _text(self, text: str) -> None:
        for ch in text:
            if ch == "\n":
                self.row += 1
                self.col = 0
                if self.row == len(self.rows):
                    self.rows.append([])
                self.lowest = max(self.lowest, self.row)
            elif ch == "\r":
                self.col = 0
            else:
                line = self.rows[self.row]
                line.extend(" " * (self.col + 1 - len(line)))
                line[self.col] = ch
                self.col += 1

    def _escape(self, params: str | None, final: str | None) -> None:
        if final is None:  # OSC
            return
        if final == "A":
            top = max(0, self.lowest - self.height + 1)
            self.row = max(top, self.row - int(params or 1))
        elif final == "K":
            if params == "2":
                self.rows[self.row] = []
            else:
                del self.rows[self.row][self.col :]
        elif final in "hl" and params == "?25":
            self.cursor_visible = final == "h"
        elif final == "m":
            pass
        else:
            raise AssertionError(f"unexpected escape sequence {params!r}{final}")

    def text(self) -> str:
        lines = ["".join(row).rstrip() for row in self.rows]
        while lines and not lines[-1]:
            lines.pop()
        return "\n".join(lines)


def screen_text(raw: str) -> str:
    """Plain text a reader sees for ``raw`` (no cursor movement in it): lines right-stripped."""
    return Screen(height=10**6).feed(raw).text()


# Line shapes for generated documents: the constructs an answer uses, and sloppy variants.
# fmt: off
LINES = [
    "text line", "more *words* here", "", "", "# Heading", "## Sub", "===", "---", "***", "- - -",
    "- item", "* item", "+ item", "1. one", "2. two", "1) paren", "10. ten", "-", "1.",
    "  - nested", "   continued", "    code line", "\tTabbed", "```", "```python", "~~~", "````",
    "   ```", "> quote", "> > deep", ">", "| a | b |", "|---|---|", "| 1 | 2 |", "a | b",
    "<div>", "</div>", "<!-- comment", "-->", "<span>x</span>", "- ```", "1. ```py", "   x = 1",
    "-     code item", "![img](x.png) text", "text\r", "# ", "  > quote in item", "    - deep",
    ">\tquote", "-\tfoo", "  \t- y", "    ```", "> - qitem", "> ```", "<script>", "</script>",
]
# fmt: on

documents = st.lists(st.sampled_from(LINES), min_size=1, max_size=14).map("\n".join)
