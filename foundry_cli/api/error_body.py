"""Any error response -> a typed :class:`ApiError`; never a crash, never raw server text.

Bodies seen in the wild (reference §2): Azure ``{"error":{"code","message"}}``, Anthropic
``{"type":"error","error":{"type","message"}}``, APIM ``{"statusCode","message"}``, OAuth-ish
``{"error":"...","error_description":"..."}``, HTML from a proxy, empty, non-UTF-8, huge, nested
100 000 brackets deep, or of an unexpected shape (a number where a message belongs).

This is the one place where server text becomes error text, so it is made safe here, once: every
value taken from a body or a header passes :func:`server_text`, which removes each registered
secret (:mod:`foundry_cli.redact`: a gateway may echo the request's key back), every control
character and escape sequence (:mod:`foundry_cli.sanitize`), lone surrogates, and folds it onto one
bounded line. What is stored in an :class:`ApiError` is then safe wherever it goes: the error
paragraph, history, doctor, ``--json``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from foundry_cli.errors import ApiError
from foundry_cli.redact import scrub
from foundry_cli.sanitize import one_line

MAX_EXCERPT = 500
MAX_CODE = 100
MAX_HEADER = 128
_TAGS = re.compile(r"<[^>]+>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_SURROGATE = re.compile(r"[\ud800-\udfff]")

REQUEST_ID_HEADERS = ("request-id", "x-request-id", "apim-request-id", "x-ms-client-request-id")


def without_surrogates(text: str) -> str:
    """``text`` with lone surrogates (``"\\ud800"`` in JSON decodes to one) replaced by U+FFFD:
    they cannot be encoded as UTF-8, so printing or storing them would crash."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")  # faster than a regex search on the hot path (one call per delta)
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


def server_text(text: str, limit: int | None = MAX_EXCERPT) -> str:
    """Untrusted server text made safe for a message: secrets scrubbed (before anything can cut one
    in half), controls and escape sequences removed, one line, at most ``limit`` characters."""
    return one_line(without_surrogates(scrub(text)), limit)


class JsonTooDeep(ValueError):
    """Valid-looking JSON nested deeper than the json module can decode (a nesting bomb)."""


def load_json(raw: str | bytes) -> Any:
    """``json.loads`` that fails only with ``ValueError``: a nesting bomb (``[[[[...``) raises
    RecursionError inside the json module, which would otherwise escape as "a bug".

    Raises:
        JsonTooDeep: nested too deeply to decode.
        ValueError: not JSON.
    """
    try:
        return json.loads(raw)
    except RecursionError:
        raise JsonTooDeep("JSON nested too deeply to decode") from None


def request_id_from(headers: Mapping[str, str]) -> str | None:
    """The first request-id header's value, made safe (headers are server text too)."""
    for name in REQUEST_ID_HEADERS:
        if headers.get(name):
            return server_text(headers[name], MAX_HEADER) or None
    return None


def region_from(headers: Mapping[str, str]) -> str | None:
    """The ``x-ms-region`` header, made safe."""
    value = headers.get("x-ms-region")
    return (server_text(value, MAX_HEADER) or None) if value else None


def _text_of(value: Any) -> str | None:
    """A message-like JSON value as text: strings as they are, numbers as numbers, objects and
    lists as compact JSON; anything else (null, booleans) as nothing."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dict | list):
        try:
            return json.dumps(value, ensure_ascii=False)[: 4 * MAX_EXCERPT]
        except (ValueError, RecursionError):
            return None
    return None


def _from_json(doc: Any) -> tuple[str | None, str | None]:
    """(code, message) from any known JSON error style, or (None, None). Fields of the wrong type
    are treated as absent."""
    if not isinstance(doc, dict):
        return None, None
    err = doc.get("error")
    if isinstance(err, dict):  # Azure {"error":{"code","message"}} or Anthropic {"error":{"type","message"}}
        code = _text_of(err.get("code")) or _text_of(err.get("type"))
        message = _text_of(err.get("message")) or _text_of(err.get("details"))
        return code, message
    if isinstance(err, str):  # OAuth {"error":"invalid_client","error_description":...}
        return err, _text_of(doc.get("error_description")) or err
    if "message" in doc:  # APIM {"statusCode":401,"message":"..."} or Responses {"type":"error","code",...}
        code = _text_of(doc.get("code")) or _text_of(doc.get("statusCode"))
        return code, _text_of(doc.get("message"))
    return None, None


def _message_of(status: int, headers: Mapping[str, str], body: bytes) -> tuple[str | None, str]:
    """(code, message) from a body, both still raw server text."""
    text = body[: 256 * 1024].decode("utf-8", errors="replace")
    stripped = text.lstrip()
    if 300 <= status < 400:
        location = headers.get("location", "")
        where = server_text(location, 300) if location else ""
        return None, (
            f"fclaude does not follow redirects; the endpoint moved to {where}. Check the endpoint "
            "(a Foundry endpoint answers directly, never with a redirect)."
            if where
            else "fclaude does not follow redirects, and this one had no Location header. Check the endpoint."
        )
    if stripped.startswith(("{", "[")):
        try:
            code, message = _from_json(load_json(text))
        except JsonTooDeep:
            return None, f"(a {len(body)}-byte JSON body nested too deeply to read)"
        except ValueError:
            code, message = None, None
        if message is not None:
            return code, message
        if code is not None:
            return code, code
    if not stripped:
        return None, "(empty response body)"
    if "html" in headers.get("content-type", "").lower() or stripped[:1] == "<":
        title = _TITLE.search(text)
        return None, "HTML page from a proxy or gateway: " + (
            title.group(1) if title else _TAGS.sub(" ", text)
        )
    if "\ufffd" in text[:200]:
        return None, f"(undecodable {len(body)}-byte body)"
    return None, text


def parse_error(status: int, headers: Mapping[str, str], body: bytes) -> ApiError:
    """Build the ApiError for an HTTP error response (headers with lower-case names).

    A 3xx is reported as a redirect (fclaude never follows one: it would carry the key elsewhere).
    Every text field of the result is safe to print and store (:func:`server_text`).
    """
    code, message = _message_of(status, headers, body)
    safe_code = server_text(code, MAX_CODE) if code is not None else None
    return ApiError(
        server_text(message) or "(no message)",
        status=status,
        code=safe_code or None,
        request_id=request_id_from(headers),
        region=region_from(headers),
        retry_after=retry_after_seconds(headers),
    )


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` (first) or ``retry-after`` (seconds or HTTP date)."""
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            seconds = float(ms) / 1000.0
            if seconds == seconds:  # not NaN
                return max(0.0, seconds)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
        return max(0.0, seconds) if seconds == seconds else None
    except ValueError:
        pass
    import email.utils
    import time

    try:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - (time.time() if now is None else now))
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
