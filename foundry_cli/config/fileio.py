"""Atomic, locked, private file writes; bounded reads; the trust check on fclaude's own files.

Every file fclaude writes goes through :func:`atomic_write`: the temporary file is created
with mode 0600 from the start (never chmod-ed afterwards, so a secret is never readable by
others even for an instant), fsync-ed, then renamed over the target, so a reader sees the
old file or the new one, never half of one. Read-modify-write cycles hold :func:`locked`.

Every file fclaude reads from its own folders goes through :func:`read_bounded` (a regular file,
opened without blocking, at most a limit of bytes: a FIFO or ``/dev/zero`` in its place is
refused, not waited for or swallowed) and :func:`check_trusted` (the folder and the file are
neither writable by other users nor owned by another account: otherwise another local user
could swap ``config.toml`` for one that sends the key to their server).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shlex
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from foundry_cli.errors import ConfigError

#: receives one human-readable warning line (no "fclaude:" prefix)
Notify = Callable[[str], None]

_POSIX = os.name == "posix"


def _stderr_sink(text: str) -> None:
    sys.stderr.write(f"fclaude: warning: {text}\n")
    sys.stderr.flush()


_sink: Notify = _stderr_sink
_said: set[str] = set()


def set_warning_sink(sink: Notify | None) -> None:
    """Where :func:`warn` sends its lines (default: stderr). ``None`` restores the default."""
    global _sink  # one process-wide sink, set once by the CLI or a test
    _sink = sink or _stderr_sink


def warn(text: str) -> None:
    """A warning about local files, said once per process (a file is read several times)."""
    if text not in _said:
        _said.add(text)
        _sink(text)


# -- errors ------------------------------------------------------------------------------------

_ERRNO_LABELS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
    errno.ENOENT: "no such file or folder",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EISDIR: "it is a folder",
}


def os_error_label(exc: OSError) -> str:
    """A short, plain cause for an OSError ("the disk is full", "permission denied", ...)."""
    if exc.errno in _ERRNO_LABELS:
        return _ERRNO_LABELS[exc.errno]
    if isinstance(exc, TimeoutError):
        return "another fclaude process holds its lock"
    return exc.strerror or str(exc) or type(exc).__name__


@contextlib.contextmanager
def writing(path: Path, what: str = "") -> Iterator[None]:
    """Turn an OSError while writing ``path`` into a ConfigError naming the cause and the file."""
    try:
        yield
    except OSError as exc:
        label = os_error_label(exc)
        hint = {
            errno.ENOSPC: " Free some disk space and try again.",
            errno.EDQUOT: " Free some space and try again.",
            errno.EACCES: f" Check who owns {path.parent} and its mode (ls -ld {_q(path.parent)}).",
            errno.EPERM: f" Check who owns {path.parent} and its mode (ls -ld {_q(path.parent)}).",
            errno.EROFS: " Point FCLAUDE_HOME at a writable folder.",
        }.get(exc.errno or 0, "")
        raise ConfigError(f"Cannot write {what or path}: {label}.{hint}") from None


def _q(path: Path | str) -> str:
    return shlex.quote(str(path))


# -- folders and writes ------------------------------------------------------------------------


def ensure_private_dir(path: Path) -> None:
    """Create ``path`` and every missing parent as 0700. Existing folders are left as they are.

    Each missing level gets 0700 itself (``mkdir(parents=True)`` would give the parents the
    umask's 0755): creating ``FCLAUDE_HOME/cache`` first must still leave ``FCLAUDE_HOME`` private.
    """
    missing: list[Path] = []
    probe = path
    while not probe.exists() and not probe.is_symlink():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # a concurrent process made it first
            folder.mkdir(mode=0o700)
        with contextlib.suppress(OSError):  # Windows ignores POSIX modes
            os.chmod(folder, 0o700)


def atomic_write(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` atomically; the file never exists with wider permissions.

    A symlink at ``path`` is replaced by the file, never written through.
    """
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


# -- bounded reads -----------------------------------------------------------------------------


class NotRegular(OSError):
    """The path is a FIFO, a device, a socket or a folder: fclaude reads only regular files."""


class TooLarge(OSError):
    """The file holds more than the reader's limit."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of regular file ``path``, at most ``limit`` of them.

    Opened with ``O_NONBLOCK`` (a FIFO does not wait for a writer) and checked with ``fstat``
    before any read; at most ``limit + 1`` bytes are read, so ``/dev/zero`` or a growing file
    costs no more than the limit.

    Raises:
        FileNotFoundError: (and other OSErrors) as ``open`` raises them.
        NotRegular: the path is not a regular file.
        TooLarge: the file holds more than ``limit`` bytes.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegular(errno.EINVAL, f"{path} is {_kind(st.st_mode)}, not a regular file")
        chunks: list[bytes] = []
        got = 0
        while got <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        if got > limit:
            raise TooLarge(errno.EFBIG, f"{path} is larger than {limit} bytes")
        return b"".join(chunks)
    finally:
        os.close(fd)


# -- trust -------------------------------------------------------------------------------------


def _private_group(gid: int) -> bool:
    """The user's own primary group with nobody else in it (Debian's "user private group"):
    group-writable files are then no wider than user-writable ones, as OpenSSH on Debian accepts."""
    if not _POSIX:  # pragma: no cover - POSIX only
        return False
    try:
        import grp
        import pwd

        user = pwd.getpwuid(os.geteuid())
        group = grp.getgrgid(gid)
    except (KeyError, ImportError):
        return False
    return gid == user.pw_gid and group.gr_name == user.pw_name and set(group.gr_mem) <= {user.pw_name}


def _owner_name(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (KeyError, ImportError):
        return str(uid)


def trust_problem(path: Path) -> str | None:
    """Why ``path`` (a file or folder of fclaude's) cannot be trusted, with the fix; None if fine.

    Refused: writable by group (unless it is the user's private group) or others; owned by an
    account other than the user and root. A missing path is fine. Windows: not checked (ACLs,
    not mode bits, guard files there).
    """
    if not _POSIX:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)):
        return (
            f"{path} is {_kind(st.st_mode)}, not a regular file; fclaude reads only regular files. Remove it."
        )
    me = os.geteuid()
    what = "folder" if stat.S_ISDIR(st.st_mode) else "file"
    if st.st_uid not in (me, 0):
        return (
            f"{path} is owned by another account ({_owner_name(st.st_uid)}), which could change what "
            f"fclaude reads there. If it is yours, take it over: "
            f"sudo chown {_owner_name(me)} {_q(path)}; otherwise remove it or set FCLAUDE_HOME to a "
            "private folder."
        )
    mode = stat.S_IMODE(st.st_mode)
    others = mode & stat.S_IWOTH
    group = mode & stat.S_IWGRP and not _private_group(st.st_gid)
    if others or group:
        who = "everyone" if others else "its group"
        return (
            f"{path} is writable by {who} (mode {mode:04o}): another local user could replace what "
            "fclaude reads there (a swapped config.toml would send your key to their server), so "
            "fclaude refuses to use it. "
            f"Fix: chmod go-w {_q(path)}" + (f" (or chmod 700 {_q(path)})" if what == "folder" else "")
        )
    return None


def check_trusted(*paths: Path) -> None:
    """Raise ConfigError (exit 3) for the first of ``paths`` that :func:`trust_problem` refuses."""
    for path in paths:
        problem = trust_problem(path)
        if problem:
            raise ConfigError(problem)


def readable_by_others(path: Path) -> str | None:
    """A warning when a secret file can be read by group or others (POSIX); None if private."""
    if not _POSIX:
        return None
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return None
    if mode & (stat.S_IRGRP | stat.S_IROTH | stat.S_IWGRP | stat.S_IWOTH):
        return (
            f"{path} holds secrets but other users can read it (mode {mode:04o}). Fix: chmod 600 {_q(path)}"
        )
    return None
