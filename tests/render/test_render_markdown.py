"""MarkdownRenderer: what it prints, on a plain capture and through a terminal emulator."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.markdown import Markdown

from foundry_cli.render.stream import MarkdownRenderer, SanitizingRenderer, make_renderer

from ._helpers import (
    FakeClock,
    Screen,
    documents,
    memory_console,
    output,
    render_whole,
    screen_text,
    split,
    stream,
)

LONG_LINE = " ".join(["streaming"] * 33)  # ~330 characters, wrapped by rich
SAMPLE = f"""# Release notes

Intro with **bold**, *emphasis* and `inline code`.

## Changes

- first bullet
- second bullet with a [link](https://example.com)

1. step one
2. step two

3. step three, after a blank line
   with a continuation

```python
def greet(name: str) -> str:
    message = f"hello {{name}}"

    return message
```

{LONG_LINE}

> a quote

---
Done."""

CURSOR_MOVES = re.compile(r"\x1b\[\d*A|\x1b\[2K|\x1b\[\?25[lh]")


@pytest.mark.parametrize("color", [False, True], ids=["no-colour", "colour"])
@pytest.mark.parametrize("chunks", [1, 5, [1, 7, 2, 30]])
def test_committed_output_equals_rendering_the_whole_answer(color: bool, chunks: int | list[int]) -> None:
    """The guarantee: byte-for-byte what rich prints for the whole text, colour codes included."""
    _, out, _ = stream(SAMPLE, chunks, color=color)
    assert output(out) == render_whole(SAMPLE, color=color)


def test_sample_keeps_list_numbering_and_code_highlighting() -> None:
    _, out, _ = stream(SAMPLE, 3, color=True)
    text = screen_text(output(out))
    assert re.search(r"^ 1 step one$", text, re.M)
    assert re.search(r"^ 3 step three, after a blank line with a continuation$", text, re.M)
    assert "def greet" in text and "# Release notes" not in text and "Release notes" in text
    # The python block is highlighted by Pygments: "def" gets a keyword colour of its own.
    assert re.search(r"\x1b\[[0-9;]*38;2;[0-9;]*mdef\x1b", output(out))


@pytest.mark.parametrize("height", [6, 25])
def test_live_terminal_ends_with_exactly_the_whole_rendering(height: int) -> None:
    """With live redraws (cursor up, erase line) the final screen plus scrollback is the reference."""
    _, out, _ = stream(SAMPLE, 4, interactive=True, height=height, step=0.05)
    raw = output(out)
    assert CURSOR_MOVES.search(raw), "the tail was drawn live"
    screen = Screen(height=height).feed(raw)
    assert screen.text() == screen_text(render_whole(SAMPLE))
    assert screen.cursor_visible


def test_live_region_shows_the_open_block_while_it_streams() -> None:
    out, err = memory_console(interactive=True), memory_console(interactive=True)
    clock = FakeClock()
    r = MarkdownRenderer(out, err, clock=clock)
    r.text("## Title\n\nHello wor")
    screen = Screen().feed(output(out))
    assert screen.text() == "Title\n\nHello wor"  # heading printed for good, tail drawn live
    assert not screen.cursor_visible
    renders = r.stats.live_renders
    r.text("ld")  # within the same 1/12 s: no redraw
    assert r.stats.live_renders == renders
    clock.advance(0.1)
    r.text("!")
    assert r.stats.live_renders == renders + 1
    assert Screen().feed(output(out)).text() == "Title\n\nHello world!"
    r.close()
    screen = Screen().feed(output(out))
    assert screen.text() == "Title\n\nHello world!" and screen.cursor_visible


def test_tall_tail_is_cropped_to_the_screen_and_complete_at_the_end() -> None:
    items = "".join(f"- item {i}\n" for i in range(40))
    out, err = memory_console(interactive=True, height=8), memory_console(height=8)
    clock = FakeClock()
    r = MarkdownRenderer(out, err, clock=clock)
    for delta in split(items, 5):
        r.text(delta)
        clock.advance(0.2)
    screen = Screen(height=8).feed(output(out))
    visible = screen.text().splitlines()[-7:]
    assert visible[-1].strip().startswith("• item 39"), visible
    r.close()
    assert Screen(height=8).feed(output(out)).text() == screen_text(render_whole(items))


@pytest.mark.parametrize(
    "text",
    ["A paragraph cut mid-sent", "```python\ndef f():\n\n    return 1", "- a\n- b", "# Head", "x\n\n"],
    ids=["mid-paragraph", "mid-fence", "mid-list", "heading-no-newline", "trailing-blank"],
)
def test_close_mid_block_prints_what_arrived(text: str) -> None:
    _, out, _ = stream(text, 3, interactive=True)
    screen = Screen().feed(output(out))
    assert screen.text() == screen_text(render_whole(text))
    assert (screen.col, screen.row, screen.rows[-1]) == (0, len(screen.rows) - 1, [])  # a fresh line


def test_unterminated_fence_renders_as_code() -> None:
    _, out, _ = stream("```python\nx = 1\n\ny = 2", 2, color=True)
    assert output(out) == render_whole("```python\nx = 1\n\ny = 2\n```\n", color=True)


def test_close_without_text_prints_nothing_and_is_idempotent() -> None:
    out, err = memory_console(interactive=True), memory_console(interactive=True)
    r = MarkdownRenderer(out, err)
    r.close()
    r.close()
    assert output(out) == "" and output(err) == ""
    r.text("late")  # ignored after close
    assert output(out) == ""


def test_close_twice_after_text_prints_once() -> None:
    out, err = memory_console(), memory_console()
    r = MarkdownRenderer(out, err)
    r.text("hello")
    r.close()
    first = output(out)
    r.close()
    assert output(out) == first == render_whole("hello")


def test_keyboard_interrupt_during_a_print_then_close_loses_nothing() -> None:
    out, err = memory_console(interactive=True), memory_console(interactive=True)
    clock = FakeClock()
    armed = [True]

    def markdown(text: str) -> Markdown:
        if "two" in text and armed[0]:
            armed[0] = False
            raise KeyboardInterrupt
        return Markdown(text)

    r = MarkdownRenderer(out, err, clock=clock, markdown=markdown)
    r.text("para one\n\nstill ")
    clock.advance(1.0)  # the next frame: pending blocks are printed (and the print is interrupted)
    with pytest.raises(KeyboardInterrupt):
        r.text("two\n\nthree")
    r.close()
    screen = Screen().feed(output(out))
    assert screen.cursor_visible
    assert screen.text() == screen_text(render_whole("para one\n\nstill two\n\nthree"))


def test_a_render_error_falls_back_to_the_raw_block() -> None:
    def markdown(text: str) -> Markdown:
        if "BOOM" in text:
            raise ValueError("renderer bug")
        return Markdown(text)

    out, err = memory_console(), memory_console()
    r = MarkdownRenderer(out, err, markdown=markdown)
    for delta in split("# ok\n\n**BOOM** [x]\n\nafter", 4):
        r.text(delta)
    r.close()
    text = screen_text(output(out))
    assert text.splitlines() == ["ok".center(80).rstrip(), "", "**BOOM** [x]", "", "after"]


def test_thinking_goes_dim_to_err_a_line_at_a_time() -> None:
    out, err = memory_console(color=True), memory_console(color=True)
    r = MarkdownRenderer(out, err)
    r.thinking("Let me ")
    assert output(err) == ""  # a line at a time
    r.thinking("think.\nSecond")
    assert screen_text(output(err)) == "Let me think."
    assert "\x1b[2m" in output(err)  # dim
    r.text("Answer.")
    r.close()
    assert screen_text(output(err)) == "Let me think.\nSecond"
    assert "think" not in output(out)
    assert screen_text(output(out)) == "Answer."


def test_thinking_after_the_answer_started_on_a_shared_screen() -> None:
    shared = io.StringIO()
    out, err = memory_console(interactive=True), memory_console(interactive=True)
    out.file = err.file = shared
    clock = FakeClock()
    r = MarkdownRenderer(out, err, clock=clock)
    r.thinking("plan\n")
    r.text("First para.\n\nSecond")
    r.thinking("more thought\n")
    clock.advance(1)
    r.text(" para.")
    r.close()
    screen = Screen().feed(shared.getvalue())
    assert screen.text() == "plan\n\nFirst para.\nmore thought\n\nSecond para."
    assert screen.cursor_visible


def test_make_renderer_markdown_with_force_color_and_no_color() -> None:
    buf, err = io.StringIO(), io.StringIO()
    r = make_renderer("markdown", buf, err, env={"FORCE_COLOR": "1", "NO_COLOR": "1", "COLUMNS": "80"})
    assert isinstance(r, SanitizingRenderer)  # markdown output holds escape codes: server text is made safe
    assert isinstance(r.inner, MarkdownRenderer)
    for delta in split(SAMPLE, 6):
        r.text(delta)
    r.close()
    raw = buf.getvalue()
    assert " • first bullet" in screen_text(raw)  # markdown layout
    assert "\x1b[1m" in raw  # bold survives NO_COLOR
    assert not re.search(r"\x1b\[[0-9;]*(?:3[0-9]|4[0-9]|9[0-7])(?:;[0-9;]*)?m", raw), "no colour codes"
    assert not CURSOR_MOVES.search(raw), "a pipe gets no cursor movement, even with FORCE_COLOR"
    assert screen_text(raw) == screen_text(render_whole(SAMPLE))


@given(
    text=documents,
    cuts=st.lists(st.integers(1, 15), min_size=1, max_size=6),
    steps=st.sampled_from([0.0, 0.02, 0.1]),
    height=st.sampled_from([4, 25]),
)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_live_redraws_leave_exactly_the_whole_rendering(
    text: str, cuts: list[int], steps: float, height: int
) -> None:
    """Any document, chunking, pace and screen height: erase/redraw leaves no trace behind."""
    _, out, _ = stream(text, cuts, interactive=True, height=height, step=steps)
    screen = Screen(height=height).feed(output(out))
    assert screen.text() == screen_text(render_whole(text))
    assert screen.cursor_visible


def test_blocks_finished_within_one_frame_are_rendered_together() -> None:
    """Many short blocks inside one frame cost one render, and the output is still exact."""
    clock = FakeClock()
    calls: list[str] = []

    def markdown(text: str) -> Markdown:
        calls.append(text)
        return Markdown(text)

    out, err = memory_console(), memory_console()
    r = MarkdownRenderer(out, err, clock=clock, markdown=markdown)
    text = "".join(f"- item {i}\n\nparagraph {i}\n\n" for i in range(50))
    for delta in split(text, 3):
        r.text(delta)
    r.close()
    assert len(calls) <= 3, f"{len(calls)} renders for 100 blocks within one frame"
    assert output(out) == render_whole(text)
