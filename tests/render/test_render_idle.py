"""A stream that pauses must not leave the screen behind what arrived: with ``idle_flush`` (what
``make_renderer`` uses on a terminal) the text of a burst of deltas is drawn when its frame is due,
without waiting for another delta."""

from __future__ import annotations

import time
from collections.abc import Callable

from foundry_cli.render.markdown import MarkdownRenderer
from tests.render._helpers import memory_console, output


def _wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_a_paused_stream_still_shows_what_arrived() -> None:
    out, err = memory_console(interactive=True), memory_console(interactive=True)
    renderer = MarkdownRenderer(out, err, idle_flush=True, max_fps=20)
    for piece in ["## Head", "ing\n\nFirst para", "graph and ", "the last words"]:
        renderer.text(piece)  # one burst, well within a frame: only its start is drawn at once
    assert _wait_for(lambda: "the last words" in output(out)), output(out)
    assert "Heading" in output(out)
    renderer.close()
    assert output(out).count("Heading") >= 1


def test_without_idle_flush_nothing_happens_between_deltas() -> None:
    out, err = memory_console(interactive=True), memory_console(interactive=True)
    renderer = MarkdownRenderer(out, err, max_fps=20)
    renderer.text("## Head")
    renderer.text("ing and more")
    time.sleep(0.3)  # longer than a frame: without the idle flush the screen stays as it was
    assert "ing and more" not in output(out)
    renderer.close()
    assert "Heading and more" in output(out)
