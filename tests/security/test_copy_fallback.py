"""chat's /copy: with no clipboard tool and no terminal to send OSC 52 to, the answer it prints is
terminal-safe (the model's text is untrusted input)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from foundry_cli.cli._repl import Repl
from foundry_cli.config.settings import resolve
from foundry_cli.history.store import Turn


def test_copy_prints_a_terminal_safe_answer_when_there_is_no_clipboard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no pbcopy, wl-copy, xclip, xsel or clip.exe
    out = io.StringIO()
    repl = Repl(resolve(env={"FCLAUDE_HOME": str(tmp_path)}), system=None, out=out, err=out)
    hostile = "ok\x1b]52;c;SGVsbG8=\x07 then \x1b[2J cleared\r overwritten \x9b31m"
    repl.context.append(Turn(prompt="q", answer=hostile))
    repl.cmd_copy("")
    printed = out.getvalue()
    assert "No clipboard tool found" in printed
    assert "\x1b" not in printed and "\r" not in printed and "\x9b" not in printed
    assert "ok then  cleared overwritten \n" in printed  # the C1 CSI took its parameters along
