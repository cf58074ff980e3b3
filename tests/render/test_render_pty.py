"""Smoke tests on a real pseudo-terminal: rendered output, and terminal state after Ctrl-C."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from ._helpers import Screen, subprocess_env

pexpect = pytest.importorskip("pexpect")
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")

PRELUDE = """
import os, signal, sys, time
# Ctrl-C raises KeyboardInterrupt even when the test runner was started with SIGINT ignored (a
# background job of a shell without job control): the test is about the renderer, not about that.
signal.signal(signal.SIGINT, signal.default_int_handler)
from foundry_cli.render.console import decide_mode
from foundry_cli.render.stream import make_renderer

mode = decide_mode(sys.stdout, env=os.environ)
renderer = make_renderer(mode, sys.stdout, sys.stderr, env=os.environ)
"""


def spawn(tmp_path: Path, body: str) -> tuple[Any, bytearray]:
    script = tmp_path / "child.py"
    script.write_text(PRELUDE + textwrap.dedent(body))
    env = subprocess_env(TERM="xterm-256color", COLUMNS="80", LINES="24")
    child = pexpect.spawn(sys.executable, [str(script)], env=env, dimensions=(24, 80), timeout=20)
    log = bytearray()

    class Tee:
        def write(self, data: bytes) -> None:
            log.extend(data)

        def flush(self) -> None:
            pass

    child.logfile_read = Tee()
    return child, log


def test_markdown_on_a_pty(tmp_path: Path) -> None:
    child, log = spawn(
        tmp_path,
        """
        assert mode == "markdown", mode
        answer = "## Streaming heading\\n\\nSome **bold** text\\nand more.\\n\\n- item one\\n- item two\\n\\ntail"
        for ch in answer:
            renderer.text(ch)
            time.sleep(0.002)
        renderer.close()
        """,
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, log.decode(errors="replace")
    raw = log.decode()
    screen = Screen(height=24).feed(raw.replace("\r\n", "\n"))
    lines = screen.text().splitlines()
    assert lines[0] == "Streaming heading"  # rendered: no "## "
    assert "## " not in screen.text() and "**" not in screen.text()
    assert " • item one" in lines and lines[-1] == "tail"
    assert "\x1b[1A" in raw, "the open block was drawn live and redrawn"
    assert screen.cursor_visible


def test_ctrl_c_mid_stream_restores_the_cursor(tmp_path: Path) -> None:
    child, log = spawn(
        tmp_path,
        """
        try:
            renderer.text("# Title\\n\\nA paragraph that keeps")
            while True:
                renderer.text(" going")
                time.sleep(0.01)
        except KeyboardInterrupt:
            renderer.close()
            sys.exit(130)
        """,
    )
    # Wait for a condition, not for time: the live region shows at least two deltas, so the
    # final paragraph holds at least "going going" however slowly the child runs.
    child.expect("A paragraph that keeps going going")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    raw = log.decode()
    assert child.exitstatus == 130, raw
    assert raw.count("\x1b[?25l") >= 1
    assert raw.rfind("\x1b[?25h") > raw.rfind("\x1b[?25l"), "cursor left hidden"
    screen = Screen(height=24).feed(raw.replace("\r\n", "\n").replace("^C", ""))
    lines = screen.text().splitlines()
    assert lines[0].strip() == "Title"
    assert " ".join(lines[2:]).startswith("A paragraph that keeps going going")  # kept, once
    assert screen.cursor_visible
