"""Attached files in requests: validated like the service does, counted for the answer.

Messages: ``image`` / ``document`` blocks with a base64 (or url) ``source``; Responses:
``input_image`` (``image_url`` a data: or https URL) and ``input_file`` (``file_data`` data URL,
or a ``file_id``). Limits: 5 MB per image, 32 MB per document.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from foundry_cli.emulator.wire import InvalidRequest, as_dict

IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
DOCUMENT_TYPES = ("application/pdf", "text/plain")
MAX_IMAGE = 5 * 1024 * 1024
MAX_DOCUMENT = 32 * 1024 * 1024


@dataclass
class FileCount:
    images: int = 0
    documents: int = 0


def _decoded_size(where: str, data: object) -> int:
    if not isinstance(data, str) or not data:
        raise InvalidRequest(f"{where}.data: Field required")
    try:
        return len(base64.b64decode(data, validate=True))
    except (binascii.Error, ValueError):
        raise InvalidRequest(f"{where}.data: Invalid base64 data") from None


def _check(where: str, kind: str, media_type: object, size: int) -> None:
    allowed, limit = (IMAGE_TYPES, MAX_IMAGE) if kind == "image" else (DOCUMENT_TYPES, MAX_DOCUMENT)
    if media_type not in allowed:
        raise InvalidRequest(
            f"{where}.media_type: Input should be {', '.join(repr(t) for t in allowed)}, not {media_type!r}"
        )
    if size > limit:
        raise InvalidRequest(f"{where}: {kind} exceeds {limit // (1024 * 1024)} MB maximum: {size} bytes")


def messages_block(where: str, kind: str, block: dict[str, object], count: FileCount) -> None:
    """Validate an ``image`` / ``document`` block of the Messages API and count it."""
    source = as_dict(block.get("source"))
    if source is None:
        raise InvalidRequest(f"{where}.source: Field required")
    stype = source.get("type")
    if stype == "base64":
        _check(
            f"{where}.source",
            kind,
            source.get("media_type"),
            _decoded_size(f"{where}.source", source.get("data")),
        )
    elif stype == "url":
        if not str(source.get("url", "")).startswith("https://"):
            raise InvalidRequest(f"{where}.source.url: only https URLs are supported")
    elif not (kind == "document" and stype == "text"):
        raise InvalidRequest(
            f"{where}.source.type: Input tag {stype!r} does not match any of the expected tags"
        )
    if kind == "image":
        count.images += 1
    else:
        count.documents += 1


def _data_url(where: str, url: object) -> tuple[str, int]:
    text = str(url or "")
    head, sep, payload = text.partition(",")
    if not text.startswith("data:") or not sep or not head.endswith(";base64"):
        raise InvalidRequest(f"Invalid '{where}': expected a base64 data URL.", param=where)
    return head[5:-7], _decoded_size(where, payload)


def responses_part(where: str, part: dict[str, object], count: FileCount) -> None:
    """Validate an ``input_image`` / ``input_file`` part of the Responses API and count it."""
    if part["type"] == "input_image":
        url = part.get("image_url")
        if isinstance(url, str) and url.startswith("https://"):
            count.images += 1
            return
        media, size = _data_url(f"{where}.image_url", url)
        _check(where, "image", media, size)
        count.images += 1
    else:
        if part.get("file_id"):
            count.documents += 1
            return
        media, size = _data_url(f"{where}.file_data", part.get("file_data"))
        _check(where, "document", media, size)
        count.documents += 1


def acknowledgement(count: FileCount) -> str:
    """The sentence the answer adds when files came with the last message."""
    if not count.images and not count.documents:
        return ""
    parts = []
    if count.images:
        parts.append(f"{count.images} image{'s' if count.images != 1 else ''}")
    if count.documents:
        parts.append(f"{count.documents} document{'s' if count.documents != 1 else ''}")
    return f" I see {' and '.join(parts)}."
