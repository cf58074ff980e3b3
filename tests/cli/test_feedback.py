"""Live feedback on stderr, on a terminal only: waiting, a retry countdown; nothing of it when piped."""

from __future__ import annotations

import io
import sys

import pexpect
import pytest

from foundry_cli.emulator import Emulator
from foundry_cli.render.feedback import Feedback
from tests.support import Fclaude


@pytest.mark.parametrize("width", [60, 80, 120])
def test_the_retry_wait_counts_down_on_a_terminal(fclaude_proc: Fclaude, emu: Emulator, width: int) -> None:
    emu.set_scenario("rate-limit:1")  # one 429 with retry-after: 1, then the answer
    env = {**fclaude_proc.env, "TERM": "xterm-256color"}
    env.pop("COLUMNS", None)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "foundry_cli", "ask", "hi"],
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(24, width),
    )
    child.expect(r"waiting for the answer")
    child.expect(r"retrying in 1 s \(429, attempt 2/3\)")
    child.expect(r"Answer from the Foundry emulator")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert len(emu.requests) == 2


def test_piped_output_has_no_live_feedback(fclaude: Fclaude, emu: Emulator) -> None:
    emu.set_scenario("rate-limit:1")
    r = fclaude("ask", "hi")
    assert r.exit_code == 0
    assert "\x1b" not in r.stderr and "\r" not in r.stderr and "waiting for" not in r.stderr
    assert "retrying in" in r.stderr  # the one plain notice line of a retry


def test_the_line_is_erased_before_answer_text_and_on_close() -> None:
    stream = io.StringIO()
    fb = Feedback(stream, colour=False, tick=3600)
    fb.waiting()
    fb.clear()
    assert stream.getvalue() == "\r\x1b[2Kwaiting for the answer…\r\x1b[2K"
    fb.thinking()
    fb.close()
    assert stream.getvalue().endswith("\r\x1b[2Kthinking…\r\x1b[2K")
    fb.waiting()  # after close nothing more is drawn
    assert stream.getvalue().endswith("thinking…\r\x1b[2K")
