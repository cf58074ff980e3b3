"""Any error response body -> a typed :class:`ApiError`; never a crash.

Bodies seen in the wild (reference §2): Azure ``{"error":{"code","message"}}``, Anthropic
``{"type":"error","error":{"type","message"}}``, APIM ``{"statusCode","message"}``, OAuth-ish
``{"error":"...","error_description":"..."}``, HTML from a proxy, empty, non-UTF-8, huge.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from typing import Any

from foundry_cli.errors import ApiError

MAX_EXCERPT = 500
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")

REQUEST_ID_HEADERS = ("request-id", "x-request-id", "apim-request-id", "x-ms-client-request-id")


def request_id_from(headers: Mapping[str, str]) -> str | None:
    for name in REQUEST_ID_HEADERS:
        if headers.get(name):
            return headers[name]
    return None


def _excerpt(text: str) -> str:
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= MAX_EXCERPT else text[: MAX_EXCERPT - 1] + "…"


def _from_json(doc: Any) -> tuple[str | None, str | None]:
    """(code, message) from any known JSON error style, or (None, None)."""
    if not isinstance(doc, dict):
        return None, None
    err = doc.get("error")
    if isinstance(err, dict):  # Azure {"error":{"code","message"}} or Anthropic {"error":{"type","message"}}
        code = err.get("code") or err.get("type")
        msg = err.get("message") or err.get("details")
        if isinstance(msg, dict | list):
            msg = json.dumps(msg)
        return (str(code) if code is not None else None), (str(msg) if msg is not None else None)
    if isinstance(err, str):  # OAuth {"error":"invalid_client","error_description":...}
        return err, str(doc.get("error_description") or err)
    if "message" in doc:  # APIM {"statusCode":401,"message":"..."} or Responses {"type":"error","code",...}
        code = doc.get("code") or doc.get("statusCode")
        return (str(code) if code is not None else None), str(doc["message"])
    return None, None


def parse_error(status: int, headers: Mapping[str, str], body: bytes) -> ApiError:
    """Build the ApiError for an HTTP error response (headers with lower-case names)."""
    text = body[: 256 * 1024].decode("utf-8", errors="replace")
    code: str | None = None
    message: str | None = None
    ctype = headers.get("content-type", "")
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        with contextlib.suppress(ValueError):
            code, message = _from_json(json.loads(text))
    if message is None:
        if not stripped:
            message = "(empty response body)"
        elif "html" in ctype or stripped[:1] == "<":
            title = re.search(r"<title>(.*?)</title>", text, re.I | re.S)
            message = "HTML page from a proxy or gateway: " + _excerpt(
                title.group(1) if title else _TAGS.sub(" ", text)
            )
        elif "\ufffd" in text[:200]:
            message = f"(undecodable {len(body)}-byte body)"
        else:
            message = text
    return ApiError(
        _excerpt(message),
        status=status,
        code=code,
        request_id=request_id_from(headers),
        region=headers.get("x-ms-region"),
        retry_after=retry_after_seconds(headers),
    )


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` (first) or ``retry-after`` (seconds or HTTP date)."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    import email.utils
    import time

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
