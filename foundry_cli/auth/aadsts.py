"""Entra ID failures -> error-table rows, and the scrubbing that keeps secrets out of messages.

``doctor/table.py`` owns the error table, but auth sits below doctor and may not import it, so
the ``AADSTS`` numbers auth raises on are mapped here; ``tests/auth/test_aadsts.py`` checks
that every entry agrees with ``doctor.table.classify_text``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from foundry_cli.errors import AuthError
from foundry_cli.redact import scrub as scrub_registered
from foundry_cli.sanitize import terminal_safe

#: AADSTS number (without the prefix) -> error-table row id (DESIGN §5).
AADSTS_ROWS: dict[str, str] = {
    "7000215": "secret-invalid",
    "7000222": "secret-expired",
    "700016": "app-not-found",
    "90002": "tenant-not-found",
    "700024": "assertion-invalid",
    # a federated credential (CI's OIDC token) matched no record: issuer, subject (or only its case)
    # or audience differ from the app's federated identity credentials
    "700211": "federation-mismatch",
    "700212": "federation-mismatch",
    "700213": "federation-mismatch",
    "7002138": "federation-mismatch",
    # MFA, enrolment, conditional access, consent, expired/revoked grants: a person must sign in
    "50076": "user-interaction",
    "50079": "user-interaction",
    "53003": "user-interaction",
    "65001": "user-interaction",
    "700082": "user-interaction",
    "70008": "user-interaction",
    "70043": "user-interaction",
    "50173": "user-interaction",
    # the resource (scope) does not exist / invalid scope
    "500011": "audience",
    "70011": "audience",
}

#: OAuth ``error`` values that name a row when no AADSTS number came with them.
OAUTH_ERROR_ROWS: dict[str, str] = {
    "interaction_required": "user-interaction",
    "consent_required": "user-interaction",
    "login_required": "user-interaction",
    "expired_token": "user-interaction",  # device code expired before anyone signed in
    "authorization_declined": "user-interaction",
    "invalid_scope": "audience",
}

#: message text -> row, for failures that reach us without their AADSTS number (azure-identity
#: keeps only msal's sentence when OIDC discovery of a wrong tenant fails).
TEXT_ROWS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"Unable to get authority configuration|double check your tenant name", re.I),
        "tenant-not-found",
    ),
)

_AADSTS = re.compile(r"\bAADSTS(\d{4,9})\b")
# Entra appends request ids and timestamps: useful in a support ticket, noise in a message.
_TRAILER = re.compile(r"\s*(?:\\r\\n|\r?\n)?\s*(?:Trace ID|Correlation ID|Timestamp):.*", re.DOTALL)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")
_ACCESS_TOKEN_FIELD = re.compile(
    r'("?(?:access_?token|accessToken|refresh_?token|client_?secret)"?\s*[:=]\s*)"?[^"\s,}]+"?', re.I
)
MAX_DETAIL = 320


def codes_in(text: str) -> list[str]:
    """AADSTS numbers in ``text``, in order of appearance, without duplicates."""
    return list(dict.fromkeys(_AADSTS.findall(text)))


def row_for(
    codes: Iterable[str | int], text: str = "", error: str | None = None
) -> tuple[str | None, str | None]:
    """``(row id, "AADSTS<n>")`` for the first known code (from ``codes``, then ``text``)."""
    found = [str(c) for c in codes] + codes_in(text)
    for code in found:
        if code in AADSTS_ROWS:
            return AADSTS_ROWS[code], f"AADSTS{code}"
    first = f"AADSTS{found[0]}" if found else None
    if error and error.lower() in OAUTH_ERROR_ROWS:
        return OAUTH_ERROR_ROWS[error.lower()], first
    return None, first


def text_row(text: str) -> str | None:
    """The row a message names without an AADSTS number (see :data:`TEXT_ROWS`), else None."""
    return next((row for pattern, row in TEXT_ROWS if pattern.search(text)), None)


def scrub(text: str, secrets: Iterable[str | None] = (), *, limit: int | None = MAX_DETAIL) -> str:
    """``text`` without tokens, the given or registered secret values (:mod:`foundry_cli.redact`),
    Entra's trace trailer, or control characters and escape sequences (an identity provider's or a
    tool's text is server text too); one line, bounded."""
    text = terminal_safe(scrub_registered(text))
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    text = _ACCESS_TOKEN_FIELD.sub(r"\1***", text)
    text = _JWT.sub("***", text)
    text = _TRAILER.sub("", text)
    text = " ".join(text.split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


_WRAPPERS = (
    re.compile(r"^Authentication failed:\s*"),  # azure-identity's msal path
    re.compile(r"^Microsoft Entra ID error '\(\w+\)\s*(?P<inner>.*?)'?$"),  # azure-identity's own client
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def summarise(text: str, limit: int = MAX_DETAIL) -> str:
    """Entra's description without library wrappers, cut to the sentences that fit in ``limit``."""
    for wrapper in _WRAPPERS:
        match = wrapper.match(text)
        if match:
            text = match.group("inner") if "inner" in wrapper.groupindex else text[match.end() :]
    sentences = _SENTENCE_END.split(text)
    kept = sentences[0]
    for sentence in sentences[1:]:
        if len(kept) + 1 + len(sentence) > limit:
            break
        kept += " " + sentence
    if len(kept) > limit:
        kept = kept[: limit - 1].rsplit(" ", 1)[0] + "…"
    return kept


def auth_error(
    summary: str,
    detail: str = "",
    *,
    codes: Iterable[str | int] = (),
    error: str | None = None,
    row: str | None = None,
    secrets: Iterable[str | None] = (),
) -> AuthError:
    """An :class:`AuthError` whose row and code come from the AADSTS evidence in ``detail``.

    ``summary`` is our sentence (who failed to get what); ``detail`` the identity platform's
    text, scrubbed of secrets and tokens. ``row`` is the fallback when no code names one.
    """
    found_row, code = row_for(codes, detail, error)
    clean = summarise(scrub(detail, secrets, limit=None))
    message = summary.rstrip(".") + (f": {clean}" if clean else ".")
    if clean and not clean.endswith((".", "…")):
        message += "."
    return AuthError(message, row=found_row or row, code=code)
