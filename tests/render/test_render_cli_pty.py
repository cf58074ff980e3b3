"""End to end: an answer carrying escape sequences, through `fclaude ask`, on a pseudo-terminal and
on a pipe. The emulator quotes the prompt in its answer, so the prompt is the hostile server text."""

from __future__ import annotations

import sys

import pytest

from foundry_cli.emulator import answer_text
from tests.support import Fclaude

pexpect = pytest.importorskip("pexpect")
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")

HOSTILE = "copy \x1b]52;c;cm0gLXJmIH4=\x07 title \x1b]0;pwned\x07 clear \x1b[2J link \x1b]8;;https://evil.example/\x07bank\x1b]8;;\x07 end"


@pytest.mark.parametrize("term", ["xterm-256color", "dumb"], ids=["rendered", "plain"])
def test_answer_reaches_a_terminal_without_its_escape_sequences(fclaude: Fclaude, term: str) -> None:
    env = {**fclaude.env, "TERM": term, "COLUMNS": "100"}
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(
        sys.executable, ["-m", "foundry_cli", "ask", HOSTILE], env=env, timeout=30, dimensions=(40, 100)
    )
    child.expect(pexpect.EOF)
    child.close()
    raw = (child.before or b"").decode()
    assert child.exitstatus == 0, raw
    assert "copy" in raw and "end" in raw, "the answer quoting the prompt was shown"
    for sequence in ("\x1b]", "\x1b[2J", "\x07"):
        assert sequence not in raw, (sequence, raw)


def test_answer_on_a_pipe_stays_byte_exact(fclaude: Fclaude) -> None:
    result = fclaude("ask", HOSTILE)
    assert result.exit_code == 0, result.stderr
    answer = answer_text(HOSTILE, 1)
    assert "\x1b]52;c;" in answer  # the emulator quoted the hostile part
    assert result.stdout.rstrip("\n") == answer.rstrip("\n")  # data for the next program, as sent
