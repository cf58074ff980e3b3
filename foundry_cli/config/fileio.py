"""Atomic, locked, private file writes.

Every file fclaude writes goes through :func:`atomic_write`: the temporary file is created
with mode 0600 from the start (never chmod-ed afterwards, so a secret is never readable by
others even for an instant), fsync-ed, then renamed over the target, so a reader sees the
old file or the new one, never half of one. Read-modify-write cycles hold :func:`locked`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


def ensure_private_dir(path: Path) -> None:
    """Create ``path`` (and parents) as 0700 if missing. Existing folders are left as they are."""
    if not path.exists():
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(OSError):  # Windows ignores POSIX modes
            os.chmod(path, 0o700)


def atomic_write(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` atomically; the file never exists with wider permissions."""
    ensure_private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with contextlib.suppress(OSError, AttributeError):
            os.fchmod(fd, mode)  # mkstemp already uses 0600; this applies a stricter/looser mode
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def locked(path: Path, timeout: float = 10.0) -> Iterator[None]:
    """Hold an inter-process lock for ``path`` (a sibling ``.lock`` file), cross-platform."""
    from filelock import FileLock  # lazy: keeps --version/--help lean

    ensure_private_dir(path.parent)
    with FileLock(str(path) + ".lock", timeout=timeout, mode=0o600):
        yield


def set_aside(path: Path) -> Path:
    """Rename a corrupt file to ``NAME.corrupt-<epoch>`` and return the new path."""
    target = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
    os.replace(path, target)
    return target
