"""Fake Entra ID access tokens: mint well-formed JWTs and read their claims without verification."""

from __future__ import annotations

import base64
import hashlib
import json
import time

DEFAULT_TENANT = "72f988bf-0000-4000-8000-00000000e1a0"
DEFAULT_OBJECT_ID = "00000000-0000-4000-8000-0000000e0b1d"


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def mint_jwt(
    aud: str = "https://ai.azure.com",
    exp: int | None = None,
    tid: str = DEFAULT_TENANT,
    oid: str = DEFAULT_OBJECT_ID,
    **extra: object,
) -> str:
    """A well-formed, unsigned-looking JWT (``alg: RS256``, dummy signature) the emulator accepts.

    ``exp`` defaults to one hour from now. ``extra`` claims are added to (or override) the payload.
    """
    now = int(time.time())
    header = {"typ": "JWT", "alg": "RS256", "kid": "emulator-signing-key"}
    claims: dict[str, object] = {
        "aud": aud,
        "iss": f"https://sts.windows.net/{tid}/",
        "iat": now - 60,
        "nbf": now - 60,
        "exp": now + 3600 if exp is None else exp,
        "appid": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "oid": oid,
        "tid": tid,
        "ver": "1.0",
    }
    claims.update(extra)
    signing_input = (
        _b64url(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64url(json.dumps(claims, separators=(",", ":")).encode())
    )
    digest = hashlib.sha256(signing_input.encode()).digest()
    signature = _b64url(b"".join(hashlib.sha256(digest + bytes([i])).digest() for i in range(8)))
    return f"{signing_input}.{signature}"


def decode_claims(token: str) -> dict[str, object] | None:
    """The payload of a JWT, or None when ``token`` is not a well-formed JWT. No verification."""
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        return None
    try:
        raw = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(raw)
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    except ValueError:
        return None
    if not isinstance(claims, dict) or not isinstance(header, dict):
        return None
    return claims


def audience_ok(claims: dict[str, object], accepted: tuple[str, ...]) -> bool:
    """``aud`` (a string or a list) names one of ``accepted`` (a trailing slash is tolerated)."""
    aud = claims.get("aud")
    values = aud if isinstance(aud, list) else [aud]
    wanted = {a.rstrip("/") for a in accepted}
    return any(isinstance(v, str) and v.rstrip("/") in wanted for v in values)


def unexpired(claims: dict[str, object], now: float | None = None) -> bool:
    exp = claims.get("exp")
    if isinstance(exp, bool) or not isinstance(exp, (int, float)):
        return False
    return exp > (time.time() if now is None else now)
