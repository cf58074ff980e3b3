"""Files attached to a prompt (``-a/--attach``): detect the kind, enforce limits, read once.

Images (png, jpeg, gif, webp) and PDFs are recognised by their first bytes, not their names;
anything else must be UTF-8 text, which is inlined with its file name. Limits follow the
Messages API's: 5 MiB per image, 32 MiB per PDF; text up to 2 MiB; 32 MiB in all.

Only regular files are attached: a FIFO, a device (``/dev/zero``), a socket or a folder is
refused before anything is read (opened with ``O_NONBLOCK``, so a FIFO does not wait for a
writer), and at most the kind's limit + 1 bytes are ever read, so a file that grows while it is
read (or a ``/proc`` file that reports size 0) costs no more memory than the limit.
"""

from __future__ import annotations

import base64
import errno
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from foundry_cli.api.types import Attachment
from foundry_cli.errors import UsageError

MiB = 1024 * 1024
LIMITS = {"image": 5 * MiB, "document": 32 * MiB, "text": 2 * MiB}
TOTAL_LIMIT = 32 * MiB

_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image", "image/png"),
    (b"\xff\xd8\xff", "image", "image/jpeg"),
    (b"GIF87a", "image", "image/gif"),
    (b"GIF89a", "image", "image/gif"),
    (b"%PDF-", "document", "application/pdf"),
)


def sniff(name: str, data: bytes) -> Attachment:
    """Classify ``data``. Raises UsageError for binary files of other types."""
    for magic, kind, media in _MAGIC:
        if data.startswith(magic):
            return Attachment(name, kind, media, data)  # type: ignore[arg-type]
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return Attachment(name, "image", "image/webp", data)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(
            f"{name}: not an image (png, jpeg, gif, webp), a PDF, or UTF-8 text; fclaude cannot attach it."
        ) from None
    return Attachment(name, "text", "text/plain", data)


_SNIFF_BYTES = 16  # enough for every magic number above (webp: bytes 8-12)


def _kind_of(head: bytes) -> str:
    """The kind the first bytes announce; anything unrecognised may still be text."""
    for magic, kind, _media in _MAGIC:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image"
    return "text"


def _special(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _read_file(raw: str, path: Path, budget: int) -> bytes:
    """At most the limit of the file's kind (and of ``budget``) + 1 bytes of a regular file."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder")
        if not stat.S_ISREG(st.st_mode):
            raise UsageError(
                f"Cannot attach {raw}: it is {_special(st.st_mode)}, not a regular file. "
                "Save the data to a file first, or pipe it with -a - (stdin)."
            )
        if st.st_size > TOTAL_LIMIT:
            raise UsageError(_too_big(raw, st.st_size, TOTAL_LIMIT))
        data = os.read(fd, _SNIFF_BYTES)
        kind = _kind_of(data)
        limit = min(LIMITS[kind], budget)
        chunks = [data]
        got = len(data)
        while data and got <= limit:
            data = os.read(fd, min(1 << 20, limit + 1 - got))
            chunks.append(data)
            got += len(data)
        if got > limit:
            if limit < LIMITS[kind]:
                raise UsageError(f"The attachments add up to more than {TOTAL_LIMIT // MiB} MiB; send fewer.")
            raise UsageError(_too_big(raw, max(st.st_size, got), limit, kind))
        return b"".join(chunks)
    finally:
        os.close(fd)


def load(paths: Iterable[str], stdin: bytes | None = None) -> tuple[Attachment, ...]:
    """Read every ``-a`` file (``-`` = the bytes of stdin), checking the limits.

    Raises:
        UsageError: a file is missing, unreadable, of an unsupported type, or too large.
    """
    out: list[Attachment] = []
    total = 0
    for raw in paths:
        name, data = _one(raw, stdin, TOTAL_LIMIT - total)
        att = sniff(name, data)
        if len(data) > LIMITS[att.kind]:
            raise UsageError(_too_big(raw, len(data), LIMITS[att.kind], att.kind))
        total += len(data)
        if total > TOTAL_LIMIT:
            raise UsageError(f"The attachments add up to more than {TOTAL_LIMIT // MiB} MiB; send fewer.")
        out.append(att)
    return tuple(out)


def _one(raw: str, stdin: bytes | None, budget: int) -> tuple[str, bytes]:
    """The name and bytes of one ``-a`` argument, reading at most ``budget`` (+1) bytes.

    Raises:
        UsageError: missing, unreadable, a folder, or ``-`` without data on stdin.
    """
    if raw == "-":
        if stdin is None:
            raise UsageError("-a - needs data on stdin.")
        return "stdin", stdin
    try:
        path = Path(raw).expanduser()
    except RuntimeError:  # ~nouser/...
        raise UsageError(f"Cannot attach {raw}: that home folder does not exist.") from None
    try:
        return path.name, _read_file(raw, path, budget)
    except FileNotFoundError:
        raise UsageError(f"Cannot attach {raw}: no such file.") from None
    except IsADirectoryError:
        raise UsageError(f"Cannot attach {raw}: it is a folder.") from None
    except PermissionError:
        raise UsageError(f"Cannot attach {raw}: permission denied.") from None
    except OSError as exc:
        raise UsageError(f"Cannot attach {raw}: {exc.strerror or exc}.") from None


_ARTICLE = {"image": "an image", "document": "a PDF", "text": "a text file", "attachment": "an attachment"}


def _too_big(name: str, size: int, limit: int, kind: str = "attachment") -> str:
    return f"{name} is {size / MiB:.1f} MiB; the limit for {_ARTICLE[kind]} is {limit // MiB} MiB."


def b64(att: Attachment) -> str:
    return base64.b64encode(att.data).decode("ascii")


def inline_text(att: Attachment) -> str:
    """A text file as the model sees it: named, fenced by tags, never confused with the prompt."""
    return f'<file name="{att.name}">\n{att.data.decode("utf-8")}\n</file>'
