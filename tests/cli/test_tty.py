"""`fclaude ask` on a real pseudo-terminal: rendered markdown, and Ctrl-C."""

from __future__ import annotations

import sys

import pexpect
import pytest

from foundry_cli.emulator import Emulator, answer_text
from tests.support import CANARY_KEY, Fclaude


def spawn(fclaude: Fclaude, *args: str, **env: str) -> pexpect.spawn:
    full = {**fclaude.env, "TERM": "xterm-256color", "COLUMNS": "100", **env}
    full.pop("NO_COLOR", None)
    return pexpect.spawn(
        sys.executable,
        ["-m", "foundry_cli", *args],
        env=full,
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 100),
    )


@pytest.mark.parametrize("api", ["messages", "responses"])
def test_tty_renders_markdown(fclaude: Fclaude, api: str) -> None:
    child = spawn(fclaude, "ask", "--api", api, "Render me")
    child.expect(pexpect.EOF)
    child.close()
    out = child.before or ""
    assert child.exitstatus == 0, out
    assert "\x1b[" in out, "a terminal gets styled output"
    heading = next(line for line in answer_text("Render me", 1).splitlines() if line.startswith("## "))
    assert heading[3:] in out and heading not in out, "the heading is rendered, not shown as markdown source"
    assert "```" not in out, "code fences are rendered"
    assert CANARY_KEY not in out


def test_no_color_and_dumb_terminal_have_no_styling(fclaude: Fclaude) -> None:
    child = spawn(fclaude, "ask", "plain please", TERM="dumb")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "\x1b[" not in (child.before or "")


def test_ctrl_c_mid_answer_exits_130(fclaude: Fclaude, emu: Emulator) -> None:
    emu.set_scenario("stall:30")
    child = spawn(fclaude, "ask", "hi")
    child.expect(r"\w+", timeout=20)  # some of the answer is on screen
    child.sendintr()
    child.expect(pexpect.EOF, timeout=10)
    child.close()
    out = child.before or ""
    assert child.exitstatus == 130 or (child.signalstatus is None and child.exitstatus == 130), out
    assert "Traceback" not in out and "interrupted" in out
    assert "\x1b[?25l" not in out or out.rfind("\x1b[?25h") > out.rfind("\x1b[?25l"), "cursor restored"
