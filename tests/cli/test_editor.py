"""chat's /edit editor launcher: $VISUAL/$EDITOR with arguments, a private temp file, clear failures."""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from foundry_cli.cli._editor import edit_text, editor_command

# A tiny "editor": records the file it got (path, permission bits, text, extra args), then rewrites it.
EDITOR_SCRIPT = """\
import json, os, stat, sys
path = sys.argv[-1]
with open(path, encoding="utf-8") as f:
    before = f.read()
with open(sys.argv[1], "w", encoding="utf-8") as log:
    json.dump({"path": path, "mode": stat.S_IMODE(os.stat(path).st_mode),
               "dir_mode": stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode),
               "before": before, "args": sys.argv[2:-1]}, log)
with open(path, "w", encoding="utf-8") as f:
    f.write(before.replace("first", "edited") + "and a second line\\r\\n")
"""


@pytest.fixture
def editor(tmp_path: Path) -> tuple[str, Path]:
    """An EDITOR value with arguments (like ``code --wait``) and the log file it writes."""
    script = tmp_path / "fake_editor.py"
    script.write_text(EDITOR_SCRIPT)
    log = tmp_path / "editor log.json"  # a space: the value must be split like a shell, not on spaces
    return f"{shlex.quote(sys.executable)} {script} {shlex.quote(str(log))} --wait", log


def collect() -> tuple[list[str], Callable[[str], None]]:
    said: list[str] = []
    return said, said.append


def test_edit_returns_the_saved_text_from_a_private_file_that_is_removed(editor: tuple[str, Path]) -> None:
    command, log = editor
    said, say = collect()
    edited = edit_text("first words", say=say, env={"EDITOR": command})
    assert edited == "edited words\nand a second line\n", "CRLF from the editor reads back as \\n"
    assert said == []
    seen = json.loads(log.read_text())
    assert seen["before"] == "first words\n" and seen["args"] == ["--wait"]
    assert seen["path"].endswith(".md")
    if os.name == "posix":
        assert seen["mode"] == 0o600 and seen["dir_mode"] == 0o700
    assert not Path(seen["path"]).exists() and not Path(seen["path"]).parent.exists()


def test_visual_wins_over_editor_and_vi_is_the_fallback(editor: tuple[str, Path]) -> None:
    command, log = editor
    assert edit_text("first", say=print, env={"VISUAL": command, "EDITOR": "false"}) is not None
    assert log.exists()
    assert editor_command({})[0] == (["notepad"] if os.name == "nt" else ["vi"])
    assert editor_command({"EDITOR": "  "})[0] == editor_command({})[0]
    assert editor_command({"EDITOR": "code --wait"}) == (["code", "--wait"], "$EDITOR")


def test_a_missing_editor_returns_none_and_says_how_to_fix_it(tmp_path: Path) -> None:
    said, say = collect()
    assert edit_text("text", say=say, env={"EDITOR": str(tmp_path / "no-such-editor") + " --wait"}) is None
    assert len(said) == 1
    assert "no-such-editor" in said[0] and "not found" in said[0] and "$EDITOR" in said[0]


@pytest.mark.skipif(os.name != "posix", reason="a shell script as the editor")
def test_an_editor_that_fails_abandons_the_edit(tmp_path: Path) -> None:
    script = tmp_path / "bad-editor"
    script.write_text('#!/bin/sh\necho changed > "$1"\nexit 3\n')
    script.chmod(0o755)
    said, say = collect()
    assert edit_text("text", say=say, env={"VISUAL": str(script)}) is None
    assert len(said) == 1 and "exited with status 3" in said[0] and "abandoned" in said[0]


def test_an_unbalanced_quote_in_editor_is_reported() -> None:
    said, say = collect()
    assert edit_text("text", say=say, env={"EDITOR": "code 'unclosed"}) is None
    assert len(said) == 1 and "$EDITOR" in said[0]
