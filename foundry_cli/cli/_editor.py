"""Open the user's text editor on a private temporary file (chat's ``/edit``).

The editor is ``$VISUAL``, else ``$EDITOR``, else ``vi`` (``notepad`` on Windows); the variable is
split like a shell would (``EDITOR="code --wait"`` works) but never run through a shell. The file
lives in a fresh 0700 directory, is created 0600 and is removed with the directory afterwards, so
neither the text nor the editor's swap or backup files outlive the edit or are readable by others.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path


def _stderr(message: str) -> None:
    sys.stderr.write(f"fclaude: {message}\n")
    sys.stderr.flush()


def editor_command(env: Mapping[str, str] | None = None) -> tuple[list[str], str]:
    """The editor's argv (without the file) and where it came from (``$VISUAL``, ``$EDITOR``, default).

    Raises:
        ValueError: the variable cannot be split (an unbalanced quote).
    """
    env = os.environ if env is None else env
    for name in ("VISUAL", "EDITOR"):
        value = env.get(name, "").strip()
        if not value:
            continue
        if os.name == "nt":  # keep backslashes in paths; drop the quotes around "C:\Program Files\..."
            argv = [part.strip('"') for part in shlex.split(value, posix=False)]
        else:
            argv = shlex.split(value)
        if argv:
            return argv, f"${name}"
    return (["notepad"] if os.name == "nt" else ["vi"]), "the default editor"


@contextlib.contextmanager
def _parent_ignores_interrupts() -> Iterator[None]:
    """While the editor runs, Ctrl-C is the editor's business, not ours.

    A Python handler (not SIG_IGN) is used: handlers are reset to the default in the child at exec,
    so the editor can still be interrupted, while the waiting parent is not.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: None)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def edit_text(
    initial: str,
    *,
    suffix: str = ".md",
    say: Callable[[str], None] = _stderr,
    env: Mapping[str, str] | None = None,
) -> str | None:
    """Let the user edit ``initial`` in their editor and return the saved text.

    Returns None, after telling the user why through ``say``, when the editor cannot be found or
    started, when it exits with a non-zero status (the usual way to abandon an edit, e.g. vim's
    ``:cq``), or when it is killed by a signal.
    """
    try:
        argv, source = editor_command(env)
    except ValueError as exc:
        say(f"cannot read the editor command ({exc}); check $VISUAL / $EDITOR.")
        return None
    workdir = Path(tempfile.mkdtemp(prefix="fclaude-edit-"))  # 0700: swap/backup files stay private
    try:
        path = workdir / f"message{suffix}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(fd, "w", encoding="utf-8", newline="") as f:
            f.write(initial if not initial or initial.endswith("\n") else initial + "\n")
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        try:
            with _parent_ignores_interrupts():
                code = subprocess.call([*argv, str(path)])
        except FileNotFoundError:
            say(
                f"the editor {argv[0]!r} ({source}) was not found; set $VISUAL or $EDITOR to your "
                "editor, e.g. EDITOR=nano or EDITOR='code --wait'."
            )
            return None
        except OSError as exc:
            say(f"could not start the editor {argv[0]!r} ({source}): {exc.strerror or exc}.")
            return None
        if code != 0:
            how = f"was stopped by signal {-code}" if code < 0 else f"exited with status {code}"
            say(f"the editor {argv[0]!r} {how}; the edit was abandoned.")
            return None
        try:
            return path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            say(f"could not read the edited text back: {exc.strerror or exc}.")
            return None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
