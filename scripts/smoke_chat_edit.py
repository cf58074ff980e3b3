"""Smoke test for an installed fclaude: ``chat``'s ``/edit`` on a real pseudo-terminal.

python scripts/smoke_chat_edit.py /path/to/venv/bin/fclaude [--timeout SECONDS]

Runs ``fclaude --emulator chat`` on a pty, sends one message, then ``/edit`` with ``EDITOR`` set
to a tiny script that replaces the message with a known text, and checks that the answer quotes
that text and that Ctrl-D leaves with status 0 and no traceback. Standard library only (POSIX), so
it can drive a wheel installed in a clean venv that has none of the test tools; every wait is for
text on the screen, bounded by one overall deadline, never a fixed sleep.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import shutil
import struct
import sys
import tempfile
import termios
import time
from pathlib import Path

FIRST = "smoke first message"
EDITED = "wheel smoke edited 7f3a"
PROMPT = "›"
ANSWER_END = r"ends\s+here\."  # the last words of every emulator answer
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


class Failed(Exception):
    pass


class Terminal:
    """A child process on a pty, and what it has written so far (escape sequences removed)."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path, deadline: float) -> None:
        self.deadline = deadline
        self.raw = b""
        self.seen = 0  # offset in .text up to which earlier waits have matched
        pid, fd = pty.fork()
        if pid == 0:  # child
            try:
                os.chdir(cwd)
                os.execve(argv[0], argv, env)  # noqa: S606 - argv list, no shell
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
        self.status: int | None = None

    @property
    def text(self) -> str:
        return _ANSI.sub("", self.raw.decode("utf-8", "replace")).replace("\r", "")

    def _read(self) -> bool:
        """Read what is available (up to the deadline); False once the child closed the pty."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise Failed("timed out")
        ready, _, _ = select.select([self.fd], [], [], min(left, 1.0))
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # EIO: the child has exited and the pty is closed
            return False
        self.raw += chunk
        return bool(chunk)

    def expect(self, pattern: str, what: str) -> None:
        regex = re.compile(pattern)
        while True:
            if m := regex.search(self.text, self.seen):
                self.seen = m.end()
                return
            if not self._read():
                raise Failed(f"fclaude ended before showing {what}")

    def send(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def wait_exit(self) -> int:
        while self._read():
            pass
        while self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
            elif time.monotonic() > self.deadline:
                raise Failed("timed out waiting for fclaude to exit")
            else:
                select.select([], [], [], 0.05)  # poll the exit status
        return self.status

    def close(self) -> None:
        if self.status is None:
            try:
                os.kill(self.pid, 9)
                os.waitpid(self.pid, 0)
            except OSError:
                pass
        os.close(self.fd)


def start(fclaude: str, timeout: float, workdir: Path) -> Terminal:
    """``fclaude --emulator chat`` on a pty, with a private home and the scripted editor."""
    editor = workdir / "editor.sh"
    editor.write_text(f"#!/bin/sh\nprintf '%s\\n' '{EDITED}' > \"$1\"\n")
    editor.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FCLAUDE_") and k != "VISUAL"}
    env |= {
        "FCLAUDE_HOME": str(workdir / "home"),
        "EDITOR": str(editor),
        "TERM": "xterm-256color",
        "COLUMNS": "100",
        "LINES": "40",
        "PROMPT_TOOLKIT_NO_CPR": "1",  # nobody answers cursor-position requests here
    }
    return Terminal([fclaude, "--emulator", "chat"], env, workdir, time.monotonic() + timeout)


def drive(term: Terminal) -> None:
    term.expect(PROMPT, "the first prompt")
    term.send(FIRST + "\r")
    term.expect(re.escape(f'You wrote: "{FIRST}"'), "the answer to the first message")
    term.expect(ANSWER_END, "the end of the first answer")
    term.expect(PROMPT, "the prompt after the first answer")
    term.send("/edit\r")  # the edited message replaces the first exchange: turn 1 again
    term.expect(re.escape(f'You wrote: "{EDITED}". This is turn 1.'), "the answer to the edited message")
    term.expect(ANSWER_END, "the end of the answer to the edited message")
    term.expect(PROMPT, "the prompt after the edited answer")
    term.send("\x04")  # Ctrl-D leaves
    status = term.wait_exit()
    if status != 0:
        raise Failed(f"fclaude chat exited with status {status}")
    if "Traceback" in term.text:
        raise Failed("a traceback reached the terminal")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("fclaude", help="the fclaude executable to test")
    parser.add_argument("--timeout", type=float, default=120.0, help="overall limit in seconds")
    args = parser.parse_args()
    fclaude = os.path.abspath(shutil.which(args.fclaude) or args.fclaude)
    workdir = Path(tempfile.mkdtemp(prefix="fclaude-smoke-"))
    started = time.monotonic()
    term = start(fclaude, args.timeout, workdir)
    try:
        drive(term)
    except Failed as exc:
        print(f"smoke_chat_edit: FAILED: {exc}\n--- screen (last 3000 characters)\n{term.text[-3000:]}")
        return 1
    finally:
        term.close()
        shutil.rmtree(workdir, ignore_errors=True)
    took = time.monotonic() - started
    print(f"smoke_chat_edit: ok: /edit sent {EDITED!r} and the answer quoted it ({took:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
