"""PlainRenderer: verbatim text for pipes, thinking on stderr, cheap flushing."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from foundry_cli.render.stream import PlainRenderer, make_renderer

from ._helpers import FakeClock, split


class CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1
        super().flush()


def run(deltas: list[str], thinking: tuple[str, ...] = (), dim: bool = False) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    r = PlainRenderer(out, err, dim_thinking=dim)
    for t in thinking:
        r.thinking(t)
    for d in deltas:
        r.text(d)
    r.close()
    return out.getvalue(), err.getvalue()


@given(
    text=st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=300),
    cuts=st.lists(st.integers(1, 9), min_size=1, max_size=5),
)
@settings(max_examples=200, deadline=None)
def test_output_is_the_deltas_plus_a_final_newline(text: str, cuts: list[int]) -> None:
    out, err = run(split(text, cuts))
    assert out == (text if text == "" or text.endswith("\n") else text + "\n")
    assert err == ""


def test_markdown_is_not_touched_and_no_escape_codes() -> None:
    text = "# Title\n\n- **bold** item\n\n```py\nx = 1\n```"
    out, _ = run(split(text, 3))
    assert out == text + "\n"
    assert "\x1b" not in out


def test_thinking_goes_to_err_only() -> None:
    out, err = run(["The answer."], thinking=("Let me ", "think."))
    assert out == "The answer.\n"
    assert err == "Let me think.\n"  # ended on its own line once the answer starts
    assert "\x1b" not in err


def test_thinking_is_dim_on_a_terminal() -> None:
    out, err = run(["Answer"], thinking=("hmm\n", "ok"), dim=True)
    assert err == "\x1b[2mhmm\nok\x1b[22m\n"
    assert out == "Answer\n"


def test_close_is_idempotent_and_ends_thinking() -> None:
    out, err = io.StringIO(), io.StringIO()
    r = PlainRenderer(out, err, dim_thinking=True)
    r.thinking("partial")
    r.close()
    r.close()
    r.text("late")
    assert out.getvalue() == ""
    assert err.getvalue() == "\x1b[2mpartial\x1b[22m\n"


def test_flush_on_newline_or_after_the_interval() -> None:
    out, clock = CountingStream(), FakeClock()
    r = PlainRenderer(out, io.StringIO(), clock=clock, flush_interval=0.05)
    r.text("a")
    assert out.flushes == 1  # the first delta shows at once
    r.text("b")
    assert out.flushes == 1
    r.text("c\nd")
    assert out.flushes == 2
    clock.advance(0.01)
    r.text("e")
    assert out.flushes == 2
    clock.advance(0.05)
    r.text("f")
    assert out.flushes == 3
    r.close()
    assert out.flushes == 4
    assert out.getvalue() == "abc\ndef\n"


def test_make_renderer_plain() -> None:
    out, err = io.StringIO(), io.StringIO()
    r = make_renderer("plain", out, err, env={"TERM": "xterm"})
    assert isinstance(r, PlainRenderer)
    r.thinking("t")
    r.text("x")
    r.close()
    assert (out.getvalue(), err.getvalue()) == ("x\n", "t\n")  # err is not a terminal: not dim


def test_make_renderer_plain_dims_thinking_on_a_terminal() -> None:
    class FakeTTY(io.StringIO):
        def isatty(self) -> bool:
            return True

    out, err = io.StringIO(), FakeTTY()
    r = make_renderer("plain", out, err, env={"TERM": "xterm"})
    r.thinking("t")
    r.text("x")
    r.close()
    assert err.getvalue() == "\x1b[2mt\x1b[22m\n" and out.getvalue() == "x\n"
    dumb = FakeTTY()
    r = make_renderer("plain", io.StringIO(), dumb, env={"TERM": "dumb"})
    r.thinking("t")
    r.close()
    assert dumb.getvalue() == "t\n"
