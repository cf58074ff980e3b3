"""Name the error-table row (:mod:`.rows`) that explains an exception, an HTTP error or pasted text.

Classification ranks evidence in tiers, most specific first (see :func:`_rank`):

1. a *specific* service error code (``PermissionDenied``, ``DeploymentNotFound``, ...);
2. an ``AADSTS`` number;
3. message text that names a cause (``audience is incorrect``, ``The project does not exist.``);
4. a *generic* error category (Anthropic's ``authentication_error``, ``not_found_error``, ...);
5. the HTTP status alone, only when nothing above matched.

Within a tier, rows are tried in :data:`_PRECEDENCE` order.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from foundry_cli.doctor.rows import ROW_BY_ID, ROWS, Row
from foundry_cli.errors import ApiError, AuthError, FclaudeError, NetworkError, StreamInterrupted, UsageError

__all__ = ["classify", "classify_http", "classify_text"]

# ---------------------------------------------------------------------------------------------
# Precedence. The order rows are tried in within each tier, with the reason for each placement.
_PRECEDENCE: tuple[str, ...] = (
    # Data-plane auth first. `audience` before `key-invalid`: an API key sent as a Bearer token to
    # a project endpoint gets the same APIM "audience is incorrect" 401, and the fix is the scope or
    # the auth mode, not a new key. `role-missing` before `key-invalid`: Foundry sends
    # PermissionDenied with HTTP 401, which by status alone would read as a bad key.
    "audience",
    "role-missing",
    # before key-invalid: both talk about keys, and "disabled" is the more specific verdict
    "key-auth-disabled",
    "key-invalid",
    # The 404 family, most specific first. `region` before `deployment-not-found`: "model ... not
    # found in this region" names the region, not a misspelt deployment. `project-not-found` before
    # the others: it names the part of the URL that is wrong. `endpoint-shape` last: it is what a
    # 404 means when nothing names a deployment, model or project.
    "region",
    "project-not-found",
    "deployment-not-found",
    "endpoint-shape",
    # 400s with their own wording; they never overlap each other.
    "api-version",
    "max-tokens",
    "thinking-tools",
    # Entra ID verdicts worded without their AADSTS number (tier 2 catches the numbers).
    "secret-invalid",
    "secret-expired",
    "app-not-found",
    "tenant-not-found",
    "assertion-invalid",
    "user-interaction",
    # Throttling, then transport. `network` comes after everything the service says (a message
    # naming a cause beats a transport word quoted inside it) but before the wrapper phrases below.
    "rate-limit",
    "overloaded",
    "network",
    # Wrapper phrases last: LiteLLM's "Failed to obtain Azure AD token" and azure-identity's chained
    # "DefaultAzureCredential failed" wrap the real reason (an AADSTS number or a connection error),
    # which must win when it is present.
    "sp-env-missing",
    "not-logged-in",
    "endpoint-missing",
)

# Anthropic error *types* name a category, not a cause: an `authentication_error` may carry a
# message that names the real problem (tier 3), so these count only in tier 4.
_GENERIC_CODES = frozenset(
    {"authentication_error", "not_found_error", "permission_error", "rate_limit_error", "overloaded_error"}
)

# Tier 5, the HTTP status alone, used only when nothing else matched.
#   404 -> endpoint-shape: a 404 with no known code is what Foundry answers for a path it does not serve.
#   403 -> role-missing: Microsoft's troubleshooting table reads a bare 403 as "insufficient
#          permissions"; key-auth-disabled always carries its own code.
#   401 is ambiguous (a bad key, a wrong audience, a missing role): classify_http returns None,
#          classify_text lists all three, and doctor settles it from the auth mode and the token's claims.
#   407 -> network: the proxy wants credentials.
#   5xx other than 529 (500, 502, 503, 504, api_error) -> no row: DESIGN §5 has none for a
#          server fault or a gateway timeout, the message already carries status and request id,
#          and the transport retries them. Guessing "overloaded" would give a wrong cause.
_STATUS_ONLY: Mapping[int, tuple[str, ...]] = {
    529: ("overloaded",),
    429: ("rate-limit",),
    407: ("network",),
    404: ("endpoint-shape",),
    403: ("role-missing",),
    401: ("key-invalid", "audience", "role-missing"),
}
# Foundry answers in JSON. An HTML page on 401/403 is a proxy's or firewall's block page, so it
# is a network problem, not a role; an HTML 404 is a host that is not Foundry (endpoint-shape).
# HTML 5xx pages (gateway errors) stay unclassified, as above.
_STATUS_ONLY_HTML: Mapping[int, tuple[str, ...]] = {**_STATUS_ONLY, 401: ("network",), 403: ("network",)}

_FLAGS = re.IGNORECASE | re.MULTILINE


def _compile(patterns: Iterable[str]) -> re.Pattern[str] | None:
    joined = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(joined, _FLAGS) if joined else None


def _build_order() -> tuple[Row, ...]:
    if sorted(_PRECEDENCE) != sorted(ROW_BY_ID) or len(ROW_BY_ID) != len(ROWS):
        raise RuntimeError("doctor.classify: ids must be unique and _PRECEDENCE must list every row once")
    return tuple(ROW_BY_ID[i] for i in _PRECEDENCE)


_ORDER = _build_order()
_SPECIFIC = {r.id: frozenset(c.lower() for c in r.codes) - _GENERIC_CODES for r in ROWS}
_GENERIC = {r.id: frozenset(c.lower() for c in r.codes) & _GENERIC_CODES for r in ROWS}
_AADSTS_ROW = {num: r.id for r in ROWS for num in r.aadsts}
_ALL_CODES = sorted({c for r in ROWS for c in r.codes})
_KNOWN_CODE = re.compile(r"\b(" + "|".join(re.escape(c) for c in _ALL_CODES) + r")\b", re.I)

_AADSTS_RES = (
    re.compile(r"\bAADSTS(\d{5,7})\b", re.I),
    re.compile(r"\berror\?code=(\d{5,7})\b", re.I),  # the OAuth body's error_uri
)
_ERROR_CODES = re.compile(r"\"error_codes\"\s*:\s*\[([\d,\s]+)\]")
_BARE_AADSTS = re.compile(r"\s*(\d{5,7})\s*")
_STATUS_RES = (
    re.compile(r"\bHTTP(?:/\d(?:\.\d)?)?[ :]+([1-5]\d\d)\b", re.I),  # "HTTP 404", "HTTP/1.1 401 Unauthorized"
    # "Status: 401 (PermissionDenied)", "Error code: 404 - {...}", '"statusCode": 401', "status_code=429"
    re.compile(r"\b(?:status(?:[ _-]?code)?|error[ _]code)\b[\"']?\s*[:=]?\s*[\"'(]?([1-5]\d\d)\b", re.I),
    re.compile(r"\"code\"\s*:\s*\"?([45]\d\d)\b"),  # Azure's numeric codes: {"code":"429",...}
    re.compile(r"^\s*([45]\d\d)\b"),  # "404 The project does not exist."
    re.compile(
        r"\b([45]\d\d) (?:Unauthorized|Forbidden|Not Found|Too Many Requests|Bad Request|"
        r"Proxy Authentication Required|Internal Server Error|Bad Gateway|Service Unavailable|"
        r"Gateway Time-?out)\b",
        re.I,
    ),
)
_HTML = re.compile(r"<!doctype html|<html\b|\bhtml page from a proxy", re.I)


@dataclass(frozen=True)
class _Evidence:
    status: int
    codes: frozenset[str]  # lower-case
    aadsts: tuple[str, ...]  # in order of appearance
    text: str


def _aadsts_in(text: str) -> list[str]:
    found = [(m.start(), m.group(1)) for rx in _AADSTS_RES for m in rx.finditer(text)]
    for m in _ERROR_CODES.finditer(text):
        found.extend((m.start(), n.strip()) for n in m.group(1).split(",") if n.strip())
    return [num for _, num in sorted(found)]


def _evidence(status: int, code: str | None, text: str) -> _Evidence:
    codes = {m.group(1).lower() for m in _KNOWN_CODE.finditer(text)}
    aadsts = _aadsts_in(text)
    if code:
        code = code.strip()
        if code.isdigit() and len(code) == 3:
            # Azure bodies repeat the status as the code ({"code":"401"}); it is no code of ours.
            status = status or int(code)
        elif m := _BARE_AADSTS.fullmatch(code.upper().removeprefix("AADSTS")):
            aadsts.insert(0, m.group(1))
        else:
            codes.add(code.lower())
    return _Evidence(status, frozenset(codes), tuple(dict.fromkeys(aadsts)), text)


@functools.cache
def _row_patterns() -> Mapping[str, re.Pattern[str] | None]:
    # compiled on first use: importing the table (cli/_errors.py does on every error) stays cheap
    return {r.id: _compile(r.patterns) for r in ROWS}


def _rank(ev: _Evidence, *, ambiguous: bool) -> list[Row]:
    """Every row the evidence supports, best first (tiers as in the module docstring)."""
    patterns = _row_patterns()
    found: dict[str, Row] = {}
    # Tier 1: a specific code is the service's own machine-readable verdict.
    for r in _ORDER:
        if _SPECIFIC[r.id] & ev.codes:
            found.setdefault(r.id, r)
    # Tier 2: an AADSTS number is Entra ID's exact verdict; several (a credential chain) keep their order.
    for num in ev.aadsts:
        if num in _AADSTS_ROW:
            found.setdefault(_AADSTS_ROW[num], ROW_BY_ID[_AADSTS_ROW[num]])
    # Tier 3: wording that names a cause.
    for r in _ORDER:
        pattern = patterns[r.id]
        if pattern is not None and pattern.search(ev.text):
            found.setdefault(r.id, r)
    # Tier 4: a generic category, more specific than a status but less than any wording.
    for r in _ORDER:
        if _GENERIC[r.id] & ev.codes:
            found.setdefault(r.id, r)
    # Tier 5: the status alone, only when nothing above matched.
    if not found:
        fallback = (_STATUS_ONLY_HTML if _HTML.search(ev.text) else _STATUS_ONLY).get(ev.status, ())
        if ambiguous or len(fallback) == 1:
            for rid in fallback:
                found.setdefault(rid, ROW_BY_ID[rid])
    return list(found.values())


def classify_http(status: int, code: str | None, message: str) -> Row | None:
    """The row for an HTTP error (``status`` 0 when no response arrived), or None.

    ``code`` is the body's error code or Anthropic error type, ``message`` its message or the
    whole body. An ``overloaded_error`` inside a 200 stream (status 0 or 200) is ``overloaded``.
    Precedence: specific code > AADSTS number > message wording > generic error type > status.
    """
    ranked = _rank(_evidence(status, code, message), ambiguous=False)
    return ranked[0] if ranked else None


def _status_in(text: str) -> int:
    stripped = text.strip()
    if len(stripped) == 3 and stripped.isdigit():  # `fclaude doctor explain 429`
        return int(stripped)
    for rx in _STATUS_RES:
        m = rx.search(text)
        if m:
            return int(m.group(1))
    return 0


def classify_text(text: str) -> list[Row]:
    """Rows matching any pasted text, best first, without duplicates; ``[]`` when nothing matches.

    Accepts an error message, a code (``AADSTS7000222``, ``7000222``, ``DeploymentNotFound``), a
    status (``429``), an HTTP body in any style, a whole log line, or a row id.
    """
    stripped = text.strip().strip("`").strip().lower()
    if stripped in ROW_BY_ID:
        return [ROW_BY_ID[stripped]]
    if not stripped:
        return []
    ev = _evidence(_status_in(text), None, text)
    if bare := _BARE_AADSTS.fullmatch(text):
        ev = _Evidence(ev.status, ev.codes, (bare.group(1),), text)
    return _rank(ev, ambiguous=True)


def _os_network_error(exc: BaseException) -> bool:
    """DNS, connect, timeout and TLS failures raised by the standard library."""
    kinds: list[type[BaseException]] = [ConnectionError, TimeoutError]
    # Only modules already imported can have raised their errors: no import cost here.
    if (socket := sys.modules.get("socket")) is not None:
        kinds.append(socket.gaierror)
    if (ssl := sys.modules.get("ssl")) is not None:
        kinds.append(ssl.SSLError)
    return isinstance(exc, tuple(kinds))


def _outside_claude_regions(region: str | None) -> bool:
    """True when the response's ``x-ms-region`` names a region that offers no Claude model."""
    if not region:
        return False
    from foundry_cli.catalog import is_claude_region  # lazy: the catalog is read only here

    return not is_claude_region(region)


def _classify_one(exc: BaseException) -> Row | None:
    if isinstance(exc, FclaudeError) and exc.row is not None and exc.row in ROW_BY_ID:
        return ROW_BY_ID[exc.row]  # the raiser knew; an unknown id falls through to the evidence
    # Subclasses before their bases: NetworkError is an ApiError.
    if isinstance(exc, NetworkError):
        return ROW_BY_ID["network"]
    if isinstance(exc, ApiError):
        found = classify_http(exc.status, exc.code, exc.message)
        if found is not None and found.id == "deployment-not-found" and _outside_claude_regions(exc.region):
            # no Claude deployment can exist there: the region is the cause, not the name
            return ROW_BY_ID["region"]
        return found
    if isinstance(exc, AuthError):
        ranked = _rank(_evidence(0, exc.code, exc.message), ambiguous=False)
        return ranked[0] if ranked else None
    if isinstance(exc, FclaudeError):
        ranked = classify_text(exc.message)
        return ranked[0] if ranked else None
    if _os_network_error(exc):
        return ROW_BY_ID["network"]
    ranked = classify_text(str(exc))
    return ranked[0] if ranked else None


def classify(exc: BaseException) -> Row | None:
    """The row that explains ``exc``, or None.

    Uses ``exc.row`` when the raiser set a known id; otherwise the evidence: an ApiError's status,
    code and message (:func:`classify_http`; a deployment-not-found answered from a region that offers
    no Claude model is ``region``); an AuthError's code (AADSTS number) and message;
    NetworkError and stdlib connection/TLS errors -> ``network``. A StreamInterrupted is classified
    by its cause (None without one), except a transport failure after the stream began (a cut or a
    stalled stream): ``service-error`` (None while the table has no such row). Usage errors never
    get a row. Other exceptions are read as text; when they say nothing, their ``__cause__`` /
    ``__context__`` chain is tried.
    """
    if isinstance(exc, StreamInterrupted):
        if exc.row is not None and exc.row in ROW_BY_ID:
            return ROW_BY_ID[exc.row]
        if isinstance(exc.cause, NetworkError):
            # The stream had begun, so DNS, TLS, the proxy and the route worked (the `network` row's
            # fixes do not apply): the service or a gateway dropped or stalled the answer.
            return ROW_BY_ID.get("service-error")
        return classify(exc.cause) if exc.cause is not None else None
    if isinstance(exc, UsageError):
        return ROW_BY_ID.get(exc.row) if exc.row else None
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < 8:
        seen.add(id(current))
        found = _classify_one(current)
        if found is not None or isinstance(current, ApiError):
            return found  # an ApiError's evidence is authoritative, even when it names no row
        # follow `raise ... from exc`, and the implicit context unless `from None` hid it
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return None
