"""Server text is untrusted: nothing a model writes reaches a terminal as a control (issue 9, finding 1).

Through :func:`make_renderer`, whenever the destination is a terminal (rendered or plain, whatever
``TERM`` says) or the output is rendered markdown (``FORCE_COLOR`` on a pipe), answer and thinking
text lose every C0/C1 control and escape sequence except ``\\n`` and ``\\t``; the only escape
sequences in the output are the renderer's own (SGR, cursor up, erase line, cursor show/hide, and
the carriage return that starts an erase). Plain text to a pipe stays byte-exact.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foundry_cli.render.console import decide_mode
from foundry_cli.render.stream import StreamRenderer, make_renderer
from foundry_cli.sanitize import terminal_safe

from ._helpers import Screen, render_whole, screen_text, split


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


TERMINAL = {"TERM": "xterm-256color", "COLUMNS": "80", "LINES": "25"}
DUMB = {"TERM": "dumb", "COLUMNS": "80"}
FORCED = {"FORCE_COLOR": "1", "COLUMNS": "80"}

# What the renderer itself writes: SGR, cursor up, erase line, cursor show/hide, and the CR that
# starts erasing the live region (always followed by a cursor-up).
OWN = re.compile(r"\x1b\[[0-9;]*m|\x1b\[[0-9]*A|\x1b\[2K|\x1b\[\?25[hl]|\r(?=\x1b\[[0-9]*A)")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# Hostile fragments (issue 9): window title, OSC 52 clipboard write, OSC 8 link with misleading
# text, screen clear, CR overwrite, C1 CSI/OSC, DCS, a numeric entity for ESC or CSI.
OSC52 = "\x1b]52;c;cm0gLXJmIH4=\x07"
OSC8 = "\x1b]8;;https://evil.example/\x1b\\https://bank.example\x1b]8;;\x1b\\"
TITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J\x1b[H"
OVERWRITE = "rm -rf ~\rls -la   "
C1 = "\x9b31m\x9d0;t\x9c"
DCS = "\x1bP1$r0m\x1b\\"
ATTACKS = [OSC52, OSC8, TITLE, CLEAR, OVERWRITE, C1, DCS]

FRAGMENTS = [
    *ATTACKS,
    "\x1b", "[", "]", "2J", "31m", ";", "\x07", "\x1b\\", "\x9b", "\x9d", "\x9c", "\r", "\r\n",
    "\n", "\n\n", "\t", "# ", "- ", "1. ", "> ", "**", "`", "```\n", "    ", "|", "---\n",
    "&#27;", "&#x9b;", "&#13;", "&#12;", "[a](http://x/)", "<http://y.example>", "text", " ", "é",
]  # fmt: skip
hostile_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.characters(min_codepoint=0, max_codepoint=0x9F)),
    max_size=40,
).map("".join)


def foreign_controls(raw: str) -> list[str]:
    """Control characters in ``raw`` that are not part of the renderer's own sequences."""
    return list(CONTROL.findall(OWN.sub("", raw)))


def drive(r: StreamRenderer, answer: list[str], thinking: Sequence[str] = ()) -> None:
    for delta in thinking:
        r.thinking(delta)
    for delta in answer:
        r.text(delta)
    r.close()


def run(
    env: dict[str, str], out: io.StringIO, err: io.StringIO, answer: list[str], thinking: Sequence[str] = ()
) -> None:
    drive(make_renderer(decide_mode(out, env=env), out, err, env=env), answer, thinking)


# -- explicit attacks ----------------------------------------------------------------------------


@pytest.mark.parametrize("attack", ATTACKS, ids=["osc52", "osc8", "title", "clear", "cr", "c1", "dcs"])
@pytest.mark.parametrize("env", [TERMINAL, DUMB], ids=["markdown-tty", "plain-tty"])
def test_attack_never_reaches_a_terminal(attack: str, env: dict[str, str]) -> None:
    out, err = FakeTTY(), FakeTTY()
    answer = f"Before {attack} after.\n"
    run(env, out, err, split(answer, 3), split(f"thinking {attack} done\n", 2))
    for stream in (out, err):
        assert foreign_controls(stream.getvalue()) == [], stream.getvalue()
        assert "\x1b]" not in stream.getvalue() and "\x1b[2J" not in stream.getvalue()
    text = Screen().feed(out.getvalue()).text()
    assert "Before" in text and "after." in text  # the text around the attack is kept


@pytest.mark.parametrize("env", [TERMINAL, DUMB], ids=["markdown-tty", "plain-tty"])
def test_sequence_split_across_deltas_is_removed_whole(env: dict[str, str]) -> None:
    """No parameter bytes of a removed sequence leak out as text, however it is cut."""
    answer = f"A{OSC52}B{CLEAR}C{OSC8}D\n"
    for size in range(1, 8):
        out, err = FakeTTY(), FakeTTY()
        run(env, out, err, split(answer, size))
        assert foreign_controls(out.getvalue()) == []
        visible = Screen().feed(out.getvalue()).text()
        assert visible.replace(" ", "") == "ABChttps://bank.exampleD", (size, visible)


def test_carriage_return_cannot_overwrite_a_line_in_plain_mode() -> None:
    out = FakeTTY()
    run(DUMB, out, io.StringIO(), ["run rm -rf ~", "\r", "ls -la   \n"])
    assert out.getvalue() == "run rm -rf ~ls -la   \n"


def test_plain_text_to_a_pipe_stays_byte_exact() -> None:
    answer = "".join(ATTACKS) + "\n"
    thinking = f"{OSC52}\n"
    out, err = io.StringIO(), io.StringIO()
    run({"TERM": "xterm"}, out, err, split(answer, 5), [thinking])
    assert out.getvalue() == answer
    assert err.getvalue() == thinking


def test_thinking_is_sanitized_when_only_stderr_is_a_terminal() -> None:
    out, err = io.StringIO(), FakeTTY()
    run({"TERM": "xterm"}, out, err, [f"answer {OSC52}\n"], [f"plan {TITLE}\n"])
    assert out.getvalue() == f"answer {OSC52}\n"  # a pipe: data for the next program
    assert foreign_controls(err.getvalue()) == [] and "pwned" not in err.getvalue()


def test_force_color_on_a_pipe_is_sanitized() -> None:
    out, err = io.StringIO(), io.StringIO()
    run(FORCED, out, err, [f"# Head {TITLE}\n\nText {OSC52} end\n"], [f"plan {CLEAR}\n"])
    for stream in (out, err):
        assert foreign_controls(stream.getvalue()) == [] and "\x1b]" not in stream.getvalue()
    assert "Text  end" in screen_text(out.getvalue())


@pytest.mark.parametrize("env", [TERMINAL, FORCED], ids=["tty", "force-color-pipe"])
def test_links_show_their_real_target(env: dict[str, str]) -> None:
    out = FakeTTY() if env is TERMINAL else io.StringIO()
    run(
        env,
        out,
        io.StringIO(),
        ["See [https://bank.example](https://evil.example/x) and <https://y.example>.\n"],
    )
    raw = out.getvalue()
    assert "\x1b]8" not in raw, "no OSC 8 hyperlink at all"
    assert "https://bank.example (https://evil.example/x)" in screen_text(raw)


# -- property ------------------------------------------------------------------------------------


@given(text=hostile_text, thought=hostile_text, cuts=st.lists(st.integers(1, 9), min_size=1, max_size=5))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_no_control_from_server_text_reaches_a_terminal(text: str, thought: str, cuts: list[int]) -> None:
    safe = terminal_safe(text)
    # Plain on a terminal: exactly the sanitized text (plus the final newline), nothing else.
    out, err = FakeTTY(), FakeTTY()
    run(DUMB, out, err, split(text, cuts), split(thought, cuts))
    assert out.getvalue() == safe + ("\n" if safe and not safe.endswith("\n") else "")
    assert CONTROL.findall(out.getvalue()) == [] and CONTROL.findall(err.getvalue()) == []

    # Markdown, live on a terminal: only the renderer's own sequences, and the final screen is the
    # rendering of the sanitized text.
    out, err = FakeTTY(), FakeTTY()
    run(TERMINAL, out, err, split(text, cuts), split(thought, cuts))
    assert foreign_controls(out.getvalue()) == [] and foreign_controls(err.getvalue()) == []
    assert Screen().feed(out.getvalue()).text() == screen_text(render_whole(safe))

    # Markdown on a pipe (FORCE_COLOR): byte-identical to rendering the sanitized text.
    piped, piped_err, reference = io.StringIO(), io.StringIO(), io.StringIO()
    run(FORCED, piped, piped_err, split(text, cuts), split(thought, cuts))
    run(FORCED, reference, io.StringIO(), [safe])
    assert piped.getvalue() == reference.getvalue()
    assert foreign_controls(piped.getvalue()) == [] and foreign_controls(piped_err.getvalue()) == []
