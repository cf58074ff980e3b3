"""Issue 9 (low): chat's ``/save FILE`` writes 0600, atomically, and never through a symlink."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from foundry_cli.emulator import Emulator
from tests.cli.test_chat import command, leave, say, spawn
from tests.support import Fclaude


@pytest.mark.skipif(os.name != "posix", reason="a pseudo-terminal and POSIX modes")
def test_save_is_private_and_replaces_a_symlink_instead_of_following_it(
    fclaude: Fclaude, emu: Emulator, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    victim.chmod(0o644)
    link = tmp_path / "chat.md"
    link.symlink_to(victim)
    child = spawn(fclaude)
    say(child, "hello")
    command(child, f"/save {link}", "Saved")
    command(child, f"/save {tmp_path / 'no-such-folder' / 'x.md'}", "no folder")
    leave(child)
    assert victim.read_text() == "precious\n", "/save wrote through the symlink"
    assert not link.is_symlink() and "## You (1)" in link.read_text()
    assert stat.S_IMODE(link.stat().st_mode) == 0o600
    assert not (tmp_path / "no-such-folder").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
