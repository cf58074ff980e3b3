"""An open block beyond the spill limit is printed as plain text as it streams, once, and the
blocks after it render as markdown again (issue 9 finding 6: keep the TTY renderer linear)."""

from __future__ import annotations

import re

import pytest

from foundry_cli.render.markdown import MarkdownRenderer

from ._helpers import FakeClock, Screen, memory_console, output, render_whole, screen_text, split

CURSOR_MOVES = re.compile(r"\x1b\[\d*A|\x1b\[2K|\x1b\[\?25[lh]")
LIMIT = 200
PARAGRAPH = "".join(f"line {i:02} of a long paragraph with **bold**\n" for i in range(30))  # > LIMIT
AFTER = "- item\n\nDone.\n"
DOC = f"# Title\n\n{PARAGRAPH}\n{AFTER}"
# What a reader sees: the heading rendered, the paragraph as the model wrote it, the rest rendered.
EXPECTED = f"{screen_text(render_whole('# Title'))}\n\n{PARAGRAPH}{screen_text(render_whole(AFTER))}"


def stream(text: str, size: int, *, interactive: bool = True, height: int = 25, step: float = 0.01) -> str:
    out = memory_console(interactive=interactive, height=height)
    clock = FakeClock()
    r = MarkdownRenderer(out, memory_console(), clock=clock, spill_limit=LIMIT)
    for delta in split(text, size):
        r.text(delta)
        clock.advance(step)
    r.close()
    return output(out)


@pytest.mark.parametrize("size", [1, 2, 3, 5, 8, 13, 50, 1000])
@pytest.mark.parametrize("height", [25, 4])
@pytest.mark.parametrize("step", [0.0, 0.01, 0.2])
def test_a_block_past_the_limit_streams_as_text_once_then_markdown_resumes(
    size: int, height: int, step: float
) -> None:
    raw = stream(DOC, size, height=height, step=step)
    screen = Screen(height=height).feed(raw)
    assert screen.text() == EXPECTED
    assert screen.cursor_visible
    for line in PARAGRAPH.splitlines():
        assert raw.count(line) == 1, "each spilled line is written once, never redrawn"


@pytest.mark.parametrize("size", [1, 4, 9])
def test_text_that_turns_out_to_start_the_next_block_stays_plain(size: int) -> None:
    """While spilling, an unfinished line is printed before the splitter knows that it starts a
    new block (here a heading): that block stays plain text rather than appear twice."""
    raw = stream(f"{PARAGRAPH}# Heading\n\nDone.\n", size, step=0.0)
    text = Screen().feed(raw).text()
    assert text.count("Heading") == 1
    assert text.endswith("Done.")
    assert all(text.count(line) == 1 for line in PARAGRAPH.splitlines())


def test_a_huge_block_finished_within_one_delta_is_printed_as_text() -> None:
    raw = stream(DOC, len(DOC), interactive=False)
    assert Screen().feed(raw).text() == EXPECTED


def test_spilling_on_a_pipe_uses_no_cursor_movement() -> None:
    raw = stream(DOC, 7, interactive=False)
    assert not CURSOR_MOVES.search(raw)
    assert screen_text(raw) == EXPECTED


def test_a_block_under_the_limit_is_still_rendered() -> None:
    short = "# Title\n\nA *short* paragraph.\n"
    assert screen_text(stream(short, 3)) == screen_text(render_whole(short))
