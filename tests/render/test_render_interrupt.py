"""Ctrl-C at any moment of a screen update leaves the screen exactly as the whole rendering.

A real Ctrl-C is simulated deterministically: a trace function sends SIGINT to the process at the
n-th line executed inside the renderer (our code and rich's console, where the buffer and the
bookkeeping of the live region live), for every n. The KeyboardInterrupt then surfaces wherever
CPython would raise it for a Ctrl-C arriving at that moment; the caller closes the renderer as
the CLI does, and the terminal emulator must show the whole rendering, once, with no blank line or
stale live region left behind (issue 8, defect 3: an extra blank line above the paragraph).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from types import FrameType
from typing import Any

import pytest

from foundry_cli.render.blocks import BlockSplitter
from foundry_cli.render.markdown import MarkdownRenderer

from ._helpers import FakeClock, Screen, memory_console, output, render_whole, screen_text

OURS = "foundry_cli/render/markdown.py"
RICH_CONSOLE = "rich/console.py"
FEED = BlockSplitter.feed.__code__

FIRST = "# Title\n\nA paragraph that keeps"
SECOND = " going\n\n- item\n- two"  # commits the paragraph and redraws the list below it


@contextmanager
def default_sigint() -> Iterator[None]:
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def held() -> bool:
    """Whether the renderer is holding Ctrl-C back (its handler is in place)."""
    return signal.getsignal(signal.SIGINT) is not signal.default_int_handler


def run_interrupted(call: Callable[[], None], at: int | None, *, count: str) -> tuple[bool, list[str]]:
    """Run ``call``; send SIGINT at the ``at``-th counted line (None: never). Returns whether a
    KeyboardInterrupt came out, and the counted lines (file:line) in order.

    ``count="after feed"``: lines once the block splitter has taken the delta (the screen changes
    after that; a Ctrl-C inside the splitter may cut the delta short, which is not at issue here).
    ``count="held"``: lines while Ctrl-C is held back (close() holds it from its first line on).
    """
    seen: list[str] = []
    armed = [False]

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "call":  # trace only the frames that matter (tracing all of rich is slow)
            watched = frame.f_code.co_filename.replace("\\", "/").endswith((OURS, RICH_CONSOLE))
            return tracer if watched or frame.f_code is FEED else None
        if event == "return" and frame.f_code is FEED:
            armed[0] = True
        elif event == "line" and frame.f_code is not FEED and (armed[0] if count == "after feed" else held()):
            seen.append(f"{frame.f_code.co_filename}:{frame.f_lineno}")
            if len(seen) == at:
                signal.raise_signal(signal.SIGINT)
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        call()
    except KeyboardInterrupt:
        return True, seen
    finally:
        sys.settrace(previous)
    return False, seen


def renderer(advance: float = 1.0) -> tuple[MarkdownRenderer, Any]:
    """A live renderer showing FIRST (a blank line, the separator after the heading, and the
    paragraph in the live region), ``advance`` seconds later on its fake clock."""
    out = memory_console(interactive=True)
    clock = FakeClock()
    r = MarkdownRenderer(out, memory_console(interactive=True), clock=clock)
    r.text(FIRST)
    clock.advance(advance)
    return r, out


def sample(seen: list[str], rich_every: int) -> list[int]:
    """Every line of the renderer, and every ``rich_every``-th line of rich's console."""
    return [n for n, where in enumerate(seen, 1) if where.split(":")[0].endswith(OURS) or n % rich_every == 0]


def assert_whole_rendering(out: Any) -> None:
    screen = Screen().feed(output(out))
    assert screen.text() == screen_text(render_whole(FIRST + SECOND))
    assert screen.cursor_visible


def test_ctrl_c_during_a_commit_and_redraw_leaves_the_whole_rendering() -> None:
    with default_sigint():
        r, _ = renderer()
        _, seen = run_interrupted(lambda: r.text(SECOND), None, count="after feed")
        assert any(":" in where and RICH_CONSOLE in where for where in seen)
        points = sample(seen, 25)
        interrupted = 0
        for n in points:
            r, out = renderer()
            interrupted += run_interrupted(partial(r.text, SECOND), n, count="after feed")[0]
            assert not held()
            r.close()  # what the CLI does on Ctrl-C
            assert_whole_rendering(out)
        assert interrupted == len(points), "every Ctrl-C surfaced (held back, not lost)"


@pytest.mark.parametrize("advance", [1.0, 0.0], ids=["second-delta-drawn", "second-delta-pending"])
def test_a_second_ctrl_c_during_close_still_leaves_the_whole_rendering(advance: float) -> None:
    with default_sigint():
        r, _ = renderer(advance)
        r.text(SECOND)
        _, seen = run_interrupted(r.close, None, count="held")
        assert seen
        for n in sample(seen, 25):
            r, out = renderer(advance)
            r.text(SECOND)
            interrupted, _ = run_interrupted(r.close, n, count="held")
            assert interrupted
            assert_whole_rendering(out)
