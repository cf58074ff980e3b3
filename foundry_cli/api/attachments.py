"""Files attached to a prompt (``-a/--attach``): detect the kind, enforce limits, read once.

Images (png, jpeg, gif, webp) and PDFs are recognised by their first bytes, not their names;
anything else must be UTF-8 text, which is inlined with its file name. Limits follow the
Messages API's: 5 MiB per image, 32 MiB per PDF; text up to 2 MiB; 32 MiB in all.
"""

from __future__ import annotations

import base64
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


def load(paths: Iterable[str], stdin: bytes | None = None) -> tuple[Attachment, ...]:
    """Read every ``-a`` file (``-`` = the bytes of stdin), checking the limits.

    Raises:
        UsageError: a file is missing, unreadable, of an unsupported type, or too large.
    """
    out: list[Attachment] = []
    total = 0
    for raw in paths:
        if raw == "-":
            if stdin is None:
                raise UsageError("-a - needs data on stdin.")
            name, data = "stdin", stdin
        else:
            path = Path(raw).expanduser()
            try:
                size = path.stat().st_size
                if size > TOTAL_LIMIT:
                    raise UsageError(_too_big(raw, size, TOTAL_LIMIT))
                data = path.read_bytes()
            except FileNotFoundError:
                raise UsageError(f"Cannot attach {raw}: no such file.") from None
            except IsADirectoryError:
                raise UsageError(f"Cannot attach {raw}: it is a folder.") from None
            except PermissionError:
                raise UsageError(f"Cannot attach {raw}: permission denied.") from None
            except OSError as exc:
                raise UsageError(f"Cannot attach {raw}: {exc.strerror or exc}.") from None
            name = path.name
        att = sniff(name, data)
        if len(data) > LIMITS[att.kind]:
            raise UsageError(_too_big(raw, len(data), LIMITS[att.kind], att.kind))
        total += len(data)
        if total > TOTAL_LIMIT:
            raise UsageError(f"The attachments add up to more than {TOTAL_LIMIT // MiB} MiB; send fewer.")
        out.append(att)
    return tuple(out)


_ARTICLE = {"image": "an image", "document": "a PDF", "text": "a text file", "attachment": "an attachment"}


def _too_big(name: str, size: int, limit: int, kind: str = "attachment") -> str:
    return f"{name} is {size / MiB:.1f} MiB; the limit for {_ARTICLE[kind]} is {limit // MiB} MiB."


def b64(att: Attachment) -> str:
    return base64.b64encode(att.data).decode("ascii")


def inline_text(att: Attachment) -> str:
    """A text file as the model sees it: named, fenced by tags, never confused with the prompt."""
    return f'<file name="{att.name}">\n{att.data.decode("utf-8")}\n</file>'
