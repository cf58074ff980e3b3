"""One scrubber for secret values, used by every path out of the process.

A secret (an API key, a client secret, a bearer token, the password in an endpoint's
``user:pass@``) is registered with :func:`register_secret` the moment it is read. Every text
that leaves the process (an error paragraph, a history row, the ``--debug`` trace, a doctor report
or bundle) passes through :func:`scrub`, which replaces each registered value with ``***``,
whatever happened upstream: a gateway that echoes the request's headers into its error body, a
tool that repeats its input in a message, a library that quotes a header value.

Besides the value itself, the forms it takes when a server or a library re-encodes it are
replaced too: URL-encoded (``%2B``, ``+`` for spaces), JSON-escaped, and base64 (standard and
URL-safe alphabets, at any of the three byte alignments, so a key inside an encoded
``Authorization: Basic`` pair is found as well).

Values shorter than :data:`MIN_LENGTH` are ignored: scrubbing every ``abc`` would mangle ordinary
text, and no real credential is that short. Stdlib-only, at the bottom layer, process-global.
"""

from __future__ import annotations

import re
import threading

__all__ = ["MASK", "MIN_LENGTH", "clear", "register_secret", "scrub"]

MIN_LENGTH = 8
MASK = "***"

_lock = threading.Lock()
_secrets: set[str] = set()
_forms: set[str] = set()
_pattern: re.Pattern[str] | None = None


def _base64_forms(raw: bytes) -> set[str]:
    """The base64 text of ``raw`` as it appears inside a longer encoded string, at each of the three
    byte offsets: only the characters that depend on ``raw`` alone (no padding, no neighbours)."""
    import base64

    out: set[str] = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode().rstrip("=")
        bits = 8 * (offset + len(raw))
        if bits % 6:
            encoded = encoded[:-1]  # the last character mixes in the next (unknown) byte
        core = encoded[-(-8 * offset // 6) :]  # skip the characters that hold bits of the prefix
        out.add(core)
        out.add(core.replace("+", "-").replace("/", "_"))
    return out


def _all_forms(value: str) -> set[str]:
    # imported here: registering a secret is rare, importing this module is on every start
    import base64
    import json
    from urllib.parse import quote, quote_plus

    # surrogatepass: a value read with surrogateescape (bytes that are not UTF-8) still has forms
    forms = {
        value,
        quote(value, safe="", errors="surrogatepass"),
        quote_plus(value, errors="surrogatepass"),
        json.dumps(value)[1:-1],
    }
    forms |= {f.lower() for f in forms if "%" in f}  # some servers lower-case percent escapes
    raw = value.encode("utf-8", "surrogatepass")
    forms.add(base64.b64encode(raw).decode())
    forms |= _base64_forms(raw)
    return {f for f in forms if len(f) >= MIN_LENGTH}


def register_secret(value: str | None) -> None:
    """Remember ``value`` (and its encoded forms) so that :func:`scrub` removes it from any text.

    ``None``, empty values and values shorter than :data:`MIN_LENGTH` characters are ignored.
    Surrounding whitespace is ignored too (the value is registered as it is and stripped).
    """
    global _pattern
    if not value:
        return
    candidates = {value, value.strip()}
    with _lock:
        new = {c for c in candidates if len(c) >= MIN_LENGTH and c not in _secrets}
        if not new:
            return
        forms = set().union(*(_all_forms(c) for c in new))  # before any state changes
        _secrets.update(new)
        _forms.update(forms)
        # longest first: a value that contains another is replaced whole
        alternatives = sorted(_forms, key=len, reverse=True)
        _pattern = re.compile("|".join(map(re.escape, alternatives)))


def scrub(text: str) -> str:
    """``text`` with every registered secret, in any of its known forms, replaced by ``***``."""
    pattern = _pattern
    if pattern is None or not text:
        return text
    return pattern.sub(MASK, text)


def clear() -> None:
    """Forget every registered secret (for tests that run several CLI calls in one process)."""
    global _pattern
    with _lock:
        _secrets.clear()
        _forms.clear()
        _pattern = None
