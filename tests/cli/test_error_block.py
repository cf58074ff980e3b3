"""Errors a person can read: a short block (what failed; cause; fix; row and request id), wrapped on a
terminal at word boundaries with a hanging indent, plain lines when piped; chat's fixes speak chat."""

from __future__ import annotations

import re
import sys

import pexpect
import pytest

from foundry_cli.cli._errors import explain
from foundry_cli.emulator import Emulator
from foundry_cli.errors import ApiError
from tests.support import Fclaude

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_piped_error_is_a_block_of_labelled_lines(fclaude: Fclaude, emu: Emulator) -> None:
    emu.set_scenario("deployment-not-found")
    r = fclaude("ask", "hi", FCLAUDE_MAX_RETRIES="0")
    lines = r.stderr.splitlines()
    assert r.exit_code == 1 and "\x1b" not in r.stderr
    assert lines[0].startswith("fclaude: The request failed: HTTP 404 DeploymentNotFound:")
    labels = [line.split(":")[0].strip() for line in lines[1:]]
    assert labels == ["cause", "fix", "try", "row"]
    assert lines[3] == "  try:   fclaude models"
    assert re.fullmatch(r"  row:   deployment-not-found · request id req_\w+ · East US 2", lines[4])


@pytest.mark.parametrize("width", [60, 80, 120])
def test_on_a_terminal_the_block_wraps_to_the_width(fclaude_proc: Fclaude, emu: Emulator, width: int) -> None:
    emu.set_scenario("deployment-not-found")
    env = {**fclaude_proc.env, "TERM": "xterm-256color", "FCLAUDE_MAX_RETRIES": "0"}
    env.pop("COLUMNS", None)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "foundry_cli", "ask", "hi"],
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(40, width),
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    # the live status line ("waiting for the answer…") is erased with CR + erase-line before the error
    text = ANSI.sub("", re.sub(r"[^\n]*\r\x1b\[2K", "", child.before.replace("\r\n", "\n")))
    lines = [line for line in text.splitlines() if line]
    assert lines[0].startswith("fclaude: The request failed")
    assert all(len(line) <= width for line in lines), lines
    assert any(line.startswith("  cause: ") for line in lines) and any(
        line.startswith("  fix:   ") for line in lines
    )
    # continuation lines hang under the text, never under the label
    for line in lines[1:]:
        if not re.match(r"  (cause|fix|try|row):", line) and not line.startswith("fclaude:"):
            assert line.startswith("  "), line
    # no word was broken: every word of the fix appears whole
    assert "deployments" in text.replace("\n", " ")
    assert "\x1b[" in child.before  # colour on a terminal


def test_chat_fixes_speak_chat() -> None:
    exc = ApiError(
        "The API deployment for this resource does not exist.", status=404, code="DeploymentNotFound"
    )
    assert "fclaude models" in (explain(exc).command or "")
    in_chat = explain(exc, chat=True)
    assert in_chat.fix is not None and in_chat.fix.startswith("/model NAME") and in_chat.command is None
    assert in_chat.row == "deployment-not-found"
