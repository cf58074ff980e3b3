"""Read a JWT's claims WITHOUT verifying it: for diagnosis (doctor) and expiry, never for trust.

The service verifies tokens; fclaude only looks at ``aud``, ``exp``, ``tid``, ``oid`` and
``appid`` to explain a 401 or to know when a ready token (``AZURE_AD_TOKEN``) runs out.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any


def decode_claims(token: str) -> dict[str, Any]:
    """The payload of ``token`` as a dict. No signature check.

    Raises:
        ValueError: ``token`` is not a JWT (three dot-separated base64url parts, JSON payload).
    """
    parts = token.strip().split(".")
    if len(parts) != 3 or not parts[0] or not parts[1]:
        raise ValueError("not a JWT (expected three dot-separated parts)")
    try:
        raw = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(raw)
    except (binascii.Error, ValueError):
        raise ValueError("not a JWT (the payload is not base64url-encoded JSON)") from None
    if not isinstance(claims, dict):
        raise ValueError("not a JWT (the payload is not a JSON object)")
    return claims


def expires_on(claims: dict[str, Any]) -> float | None:
    """The ``exp`` claim as epoch seconds, or None when absent or not a number."""
    exp = claims.get("exp")
    if isinstance(exp, bool) or not isinstance(exp, (int, float, str)):
        return None
    try:
        return float(exp)
    except ValueError:
        return None


def audience(claims: dict[str, Any]) -> str | None:
    """The ``aud`` claim (the first one when it is a list)."""
    aud = claims.get("aud")
    if isinstance(aud, list):
        aud = aud[0] if aud else None
    return aud if isinstance(aud, str) else None
