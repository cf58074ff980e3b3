"""Name the error-table row (:mod:`.rows`) that explains an exception, an HTTP error or pasted text.

Classification ranks evidence in tiers, most specific first (see :func:`_rank`):

1. a *specific* service error code (``PermissionDenied``, ``DeploymentNotFound``, ...);
2. an ``AADSTS`` number;
3. message text that names a cause (``audience is incorrect``, ``The project does not exist.``);
4. a *generic* error category (Anthropic's ``authentication_error``, ``not_found_error``, ...), or a
   code seen only as an HTTP reason phrase (.NET prints ``401 (PermissionDenied)`` for any 401);
5. the HTTP status alone, only when nothing above matched.

Within a tier, rows are tried in :data:`_PRECEDENCE` order. Three rules then adjust the ranking:

- **Wrapped pastes**: terminals break long lines, sometimes inside a word (``Exp`` / ``ected``); the
  wording is also matched against the text with its line breaks joined (:func:`_matchable`).
- **Credential chains**: a ``DefaultAzureCredential`` paste lists every link it tried; the links that
  only say they are not set up here (``EnvironmentCredential ... not configured``, managed identity
  off Azure) rank after the link that actually failed (the Azure CLI's ``az login``, an AADSTS
  number), because every developer's paste contains them.
- **Other clouds**: when the text shows another provider (Bedrock, Vertex, OpenAI's own API) and
  nothing of Azure, only the rows whose evidence means the same everywhere stay (transport, request
  shape: :data:`_CLOUD_NEUTRAL`); "no match" beats a wrong Azure row.

:func:`explain_text` returns every candidate with a score and the evidence that matched.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from foundry_cli.doctor.rows import ROW_BY_ID, ROWS, Row
from foundry_cli.errors import ApiError, AuthError, FclaudeError, NetworkError, StreamInterrupted, UsageError

__all__ = ["Candidate", "classify", "classify_http", "classify_text", "explain_text"]

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
    # before key-invalid: a firewall or private-endpoint verdict names why the request was refused
    "network-restricted",
    # the token was fine but from another tenant; its wording never overlaps the key rows
    "tenant-mismatch",
    # "missing subscription key" is no key at all, not a wrong one
    "credential-missing",
    "key-invalid",
    # The 404 family, most specific first. `region` before `deployment-not-found`: "model ... not
    # found in this region" names the region, not a misspelt deployment. `project-not-found` before
    # the others: it names the part of the URL that is wrong. `endpoint-shape` last: it is what a
    # 404 means when nothing names a deployment, model or project.
    "region",
    # control-plane deployment errors; after `region`, whose "not supported in this region" names
    # the cause more exactly than a failed deployment does
    "deployment-provisioning",
    "project-not-found",
    "deployment-not-found",
    "endpoint-shape",
    # 400s with their own wording; they never overlap each other.
    "api-version",
    "max-tokens",
    "max-tokens-range",
    "prompt-too-long",
    "thinking-tools",
    # the 2026 request rules (reference §10): each names the field it rejects (`thinking.type.*` /
    # `output_config.effort`; `temperature`/`top_p`/`top_k`/prefill; a workspace feature), so they
    # never overlap each other or the rows above. `thinking-mode` first: "`temperature` may only be
    # set to 1 when thinking is enabled" is about the temperature, and no thinking-mode wording matches it.
    "thinking-mode",
    "sampling-unsupported",
    "feature-unsupported",
    # Entra ID verdicts worded without their AADSTS number (tier 2 catches the numbers).
    "secret-invalid",
    "secret-expired",
    "app-not-found",
    "tenant-not-found",
    "federation-mismatch",
    "assertion-invalid",
    "user-interaction",
    # Throttling, then transport. `network` comes after everything the service says (a message
    # naming a cause beats a transport word quoted inside it) but before the wrapper phrases below.
    "rate-limit",
    "overloaded",
    # before `network`: .NET's managed-identity failure quotes the socket error of the IMDS probe
    "managed-identity-unavailable",
    "network",
    # a 5xx or gateway page: after `network` (a 502 caused by a failed DNS lookup is the DNS), and
    # after every specific verdict that a 500 wrapper may carry (LiteLLM answers 500 around a 401)
    "service-error",
    # Wrapper phrases last: LiteLLM's "Failed to obtain Azure AD token" and azure-identity's chained
    # "DefaultAzureCredential failed" wrap the real reason (an AADSTS number or a connection error),
    # which must win when it is present.
    "sp-env-missing",
    "not-logged-in",
    "endpoint-missing",
)

# Anthropic error *types* name a category, not a cause: an `authentication_error` may carry a
# message that names the real problem (tier 3), so these count only in tier 4. `api_error` and
# OpenAI's `server_error` are the same: a 500 category that a specific message may explain.
_GENERIC_CODES = frozenset(
    {
        "authentication_error",
        "not_found_error",
        "permission_error",
        "rate_limit_error",
        "overloaded_error",
        "api_error",
        "server_error",
    }
)

# Tier 5, the HTTP status alone, used only when nothing else matched.
#   404 -> endpoint-shape: a 404 with no known code is what Foundry answers for a path it does not serve.
#   403 -> role-missing: Microsoft's troubleshooting table reads a bare 403 as "insufficient
#          permissions"; key-auth-disabled always carries its own code.
#   401 is ambiguous (a bad key, a wrong audience, a missing role): classify_http returns None,
#          classify_text lists all three, and doctor settles it from the auth mode and the token's claims.
#   407 -> network: the proxy wants credentials.
#   500, 502, 503, 504 -> service-error: the service or a gateway failed (529 is `overloaded`).
_STATUS_ONLY: Mapping[int, tuple[str, ...]] = {
    529: ("overloaded",),
    429: ("rate-limit",),
    407: ("network",),
    404: ("endpoint-shape",),
    403: ("role-missing",),
    401: ("key-invalid", "audience", "role-missing"),
    500: ("service-error",),
    502: ("service-error",),
    503: ("service-error",),
    504: ("service-error",),
}
# Foundry answers in JSON. An HTML page on 401/403 is a proxy's or firewall's block page, so it
# is a network problem, not a role; an HTML 404 is a host that is not Foundry (endpoint-shape); an
# HTML 5xx is a gateway's error page (service-error).
_STATUS_ONLY_HTML: Mapping[int, tuple[str, ...]] = {**_STATUS_ONLY, 401: ("network",), 403: ("network",)}

# Rows whose evidence means the same on any provider (transport failures and the shape of the
# request); every other row is an Azure verdict and is dropped when the text belongs to another cloud.
_CLOUD_NEUTRAL = frozenset(
    {
        "network",
        "prompt-too-long",
        "max-tokens-range",
        "max-tokens",
        "thinking-tools",
        "overloaded",
        # a model's request rules are the model's, wherever it is hosted (Bedrock quotes the same 400)
        "thinking-mode",
        "sampling-unsupported",
    }
)
_OTHER_CLOUD = re.compile(
    r"\bbedrock|amazonaws\.com|\bbotocore\b|\bAccessDeniedException\b"
    r"|you don't have access to the model with the specified model id"  # Bedrock's wording
    r"|\bvertex(?:[ _]?ai)?\b|\bvertex_ai|aiplatform|googleapis\.com|\bpublisher model\b"
    r"|platform\.openai\.com|api\.openai\.com",
    re.I,
)
_AZURE = re.compile(
    r"azure|\bAADSTS|microsoftonline|cognitiveservices|services\.ai\.azure\.com|\bfoundry\b|\bentra\b"
    r"|apim-request-id",
    re.I,
)

# A credential-chain paste, and the rows of its links that only say "not set up here".
_CHAIN = re.compile(
    r"DefaultAzureCredential failed|Attempted credentials|ChainedTokenCredential failed", re.I
)
_CHAIN_LINK = re.compile(r"\b(\w+Credential): ")  # "\tAzureCliCredential: Please run 'az login' ..."
_ABSENT_LINKS = frozenset({"sp-env-missing", "managed-identity-unavailable"})
# ... but a managed-identity link that reached an identity endpoint which has no identity for us
# failed on an Azure host: there it is the specific link, not one that is only not set up.
_IDENTITY_NOT_ASSIGNED = re.compile(
    r"no available identity|identity has(?:n[\u2019']t| not) been assigned|identity not found", re.I
)

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
# "401 (PermissionDenied)": .NET's HttpClient and Azure.Core print the reason phrase after the status
_REASON_PHRASE = re.compile(r"\b[1-5]\d\d \((\w+)\)")

_AADSTS_RES = (
    re.compile(r"\bAADSTS(\d{5,7})\b", re.I),
    re.compile(r"\berror\?code=(\d{5,7})\b", re.I),  # the OAuth body's error_uri
)
_ERROR_CODES = re.compile(r"\"error_codes\"\s*:\s*\[([\d,\s]+)\]")
_BARE_AADSTS = re.compile(r"\s*(\d{5,7})\s*")
# Where tools print an HTTP status; the first pattern (in this order) that matches wins.
_STATUS_RES = (
    re.compile(r"\bHTTP(?:/\d(?:\.\d)?)?[ :]+([1-5]\d\d)\b", re.I),  # "HTTP 404", "HTTP/1.1 401 Unauthorized"
    # "Status: 401 (PermissionDenied)", "Error code: 404 - {...}", '"statusCode": 401', "status_code=429"
    re.compile(r"\b(?:status(?:[ _-]?code)?|error[ _]code)\b[\"']?\s*[:=]?\s*[\"'(]?([1-5]\d\d)\b", re.I),
    re.compile(r"\bAPI Error:?\s*\(?([1-5]\d\d)\b", re.I),  # Claude Code: "API Error: 403 ...", "(529 {"
    re.compile(r"\"code\"\s*:\s*\"?([45]\d\d)\b"),  # Azure's numeric codes: {"code":"429",...}
    re.compile(r"^\s*([45]\d\d)\b"),  # "404 The project does not exist."
    re.compile(
        r"\b([45]\d\d) (?:Unauthorized|Forbidden|Not Found|Too Many Requests|Bad Request|"
        r"Proxy Authentication Required|Internal Server Error|Bad Gateway|Service Unavailable|"
        r"Gateway Time-?out)\b",
        re.I,
    ),
    re.compile(r"\b([45]\d\d) status code\b", re.I),  # the openai SDK: "401 status code (no body)"
    re.compile(r"\(([45]\d\d)\)"),  # azure-core: "(401) Access denied ...", "HTTP 429 (429)"
    # "Error: 400 {...}", "Error Message: 403: ..."
    re.compile(r"(?:^|[\s\[(:])([45]\d\d)(?::\s|\s?\{)", re.M),
)
_HTML = re.compile(r"<!doctype html|<html\b|\bhtml page from a proxy", re.I)

# Line breaks a terminal put into a paste: between words (joined with a space) and inside a word
# (joined without one); both readings are matched, so neither a split word nor a split phrase hides.
_BREAK = re.compile(r"[ \t]*\r?\n[ \t]*")
_WORD_BREAK = re.compile(r"(?<=[A-Za-z])[ \t]*\r?\n[ \t]*(?=[a-z])")


@dataclass(frozen=True)
class Candidate:
    """One row that the evidence supports, with how sure the ranking is and what matched."""

    row: Row
    score: float
    """In 0..1, never higher than the candidate before it: 0.95 a service code, 0.9 an AADSTS number,
    0.8 wording, 0.55 a generic category, 0.35 the HTTP status alone; lower for a demoted chain link."""
    evidence: tuple[str, ...]
    """What matched, e.g. ``code PermissionDenied``, ``AADSTS7000215``, ``text "audience is incorrect"``."""


@dataclass(frozen=True)
class _Evidence:
    status: int
    codes: frozenset[str]  # lower-case, the service's own codes
    reasons: frozenset[str]  # lower-case, codes seen only as an HTTP reason phrase
    aadsts: tuple[str, ...]  # in order of appearance
    text: str


@dataclass
class _Hit:
    row: Row
    tier: int
    evidence: list[str]


_TIER_SCORE = {1: 0.95, 2: 0.9, 3: 0.8, 4: 0.55, 5: 0.35}


def _aadsts_in(text: str) -> list[str]:
    found = [(m.start(), m.group(1)) for rx in _AADSTS_RES for m in rx.finditer(text)]
    for m in _ERROR_CODES.finditer(text):
        found.extend((m.start(), n.strip()) for n in m.group(1).split(",") if n.strip())
    return [num for _, num in sorted(found)]


_PASTE_SIZE = 32 * 1024  # larger texts are logs: lines are matched as they are, each distinct line once


def _matchable(text: str) -> str:
    """``text`` followed by its readings with the line breaks joined, when it has any; a long log
    is reduced to its distinct lines (a log repeats itself, and each pattern scans the whole text)."""
    if "\n" not in text:
        return text
    if len(text) > _PASTE_SIZE:
        return "\n".join(dict.fromkeys(text.splitlines()))
    return "\n".join((text, _BREAK.sub(" ", text), _WORD_BREAK.sub("", text)))


def _evidence(status: int, code: str | None, text: str) -> _Evidence:
    found = [m.group(1).lower() for m in _KNOWN_CODE.finditer(text)]
    phrases = [m.group(1).lower() for m in _REASON_PHRASE.finditer(text)]
    # a code seen only in "401 (PermissionDenied)" is the reason phrase of the status, not the body's code
    reasons = {c for c in found if phrases.count(c) >= found.count(c)}
    codes = set(found) - reasons
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
            reasons.discard(code.lower())
    return _Evidence(status, frozenset(codes), frozenset(reasons), tuple(dict.fromkeys(aadsts)), text)


@functools.cache
def _row_patterns() -> Mapping[str, re.Pattern[str] | None]:
    # compiled on first use: importing the table (cli/_errors.py does on every error) stays cheap
    return {r.id: _compile(r.patterns) for r in ROWS}


def _quote(match: str) -> str:
    text = " ".join(match.split())
    return f'text "{text[:77]}..."' if len(text) > 80 else f'text "{text}"'


#: records that a row matched: (row, tier, what matched)
_Add = Callable[[Row, int, str], None]


def _hits(ev: _Evidence, *, ambiguous: bool) -> list[_Hit]:
    """Every row the evidence supports, in tier order (module docstring), with what matched."""
    found: dict[str, _Hit] = {}

    def add(r: Row, tier: int, what: str) -> None:
        hit = found.setdefault(r.id, _Hit(r, tier, []))
        if what not in hit.evidence:
            hit.evidence.append(what)

    for tier in (_code_hits, _aadsts_hits, _wording_hits, _category_hits):
        tier(ev, add)
    if not found:  # Tier 5 only when nothing above matched
        _status_hits(ev, add, ambiguous=ambiguous)
    return list(found.values())


def _code_hits(ev: _Evidence, add: _Add) -> None:
    """Tier 1: a specific code is the service's own machine-readable verdict."""
    for r in _ORDER:
        for c in sorted(_SPECIFIC[r.id] & ev.codes):
            add(r, 1, f"code {c}")


def _aadsts_hits(ev: _Evidence, add: _Add) -> None:
    """Tier 2: an AADSTS number is Entra ID's exact verdict; several (a credential chain) keep their
    order."""
    for num in ev.aadsts:
        if num in _AADSTS_ROW:
            add(ROW_BY_ID[_AADSTS_ROW[num]], 2, f"AADSTS{num}")


def _wording_hits(ev: _Evidence, add: _Add) -> None:
    """Tier 3: wording that names a cause (also across the line breaks of a wrapped paste)."""
    patterns = _row_patterns()
    matchable = _matchable(ev.text)
    for r in _ORDER:
        pattern = patterns[r.id]
        if pattern is not None and (m := pattern.search(matchable)):
            add(r, 3, _quote(m.group(0)))


def _category_hits(ev: _Evidence, add: _Add) -> None:
    """Tier 4: a generic category (or a reason phrase), more specific than a status but less than
    wording."""
    for r in _ORDER:
        for c in sorted(_GENERIC[r.id] & ev.codes):
            add(r, 4, f"category {c}")
        for c in sorted(_SPECIFIC[r.id] & ev.reasons):
            add(r, 4, f"reason phrase {c}")


def _status_hits(ev: _Evidence, add: _Add, *, ambiguous: bool) -> None:
    """Tier 5: the status alone (the caller asks only when nothing above matched); one row, or all
    the status's rows when ``ambiguous``."""
    html = bool(_HTML.search(ev.text))
    fallback = (_STATUS_ONLY_HTML if html else _STATUS_ONLY).get(ev.status, ())
    if ambiguous or len(fallback) == 1:
        for rid in fallback:
            add(ROW_BY_ID[rid], 5, f"HTTP {ev.status}" + (" (an HTML page)" if html else ""))


def _adjust(hits: list[_Hit], text: str) -> list[_Hit]:
    """The chain and other-cloud rules of the module docstring."""
    if _OTHER_CLOUD.search(text) and not _AZURE.search(text):
        hits = [h for h in hits if h.row.id in _CLOUD_NEUTRAL]
    chain = _CHAIN.search(text) or len(set(_CHAIN_LINK.findall(text))) >= 2
    absent_links = set(_ABSENT_LINKS)
    if _IDENTITY_NOT_ASSIGNED.search(text):
        absent_links.discard("managed-identity-unavailable")
    if chain and any(h.row.id not in absent_links for h in hits):
        failing = [h for h in hits if h.row.id not in absent_links]
        absent = [h for h in hits if h.row.id in absent_links]
        for h in absent:
            h.evidence.append("a credential-chain link that is only not set up here")
        hits = failing + absent
    return hits


def _candidates(ev: _Evidence, *, ambiguous: bool) -> list[Candidate]:
    hits = _adjust(_hits(ev, ambiguous=ambiguous), ev.text)
    out: list[Candidate] = []
    ceiling = 1.0
    for h in hits:
        demoted = "a credential-chain link that is only not set up here" in h.evidence
        score = round(min(ceiling, _TIER_SCORE[h.tier] - (0.4 if demoted else 0.0)), 2)
        ceiling = score
        out.append(Candidate(h.row, score, tuple(h.evidence)))
    return out


def _rank(ev: _Evidence, *, ambiguous: bool) -> list[Row]:
    """Every row the evidence supports, best first."""
    return [c.row for c in _candidates(ev, ambiguous=ambiguous)]


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


def explain_text(text: str) -> list[Candidate]:
    """Every row that pasted text supports, best first, with a score and the evidence; ``[]`` if none.

    Accepts an error message, a code (``AADSTS7000222``, ``7000222``, ``DeploymentNotFound``), a
    status (``429``), an HTTP body in any style, a whole log line or paste, or a row id.
    """
    stripped = text.strip().strip("`").strip().lower()
    if stripped in ROW_BY_ID:
        return [Candidate(ROW_BY_ID[stripped], 1.0, (f"row id {stripped}",))]
    if not stripped:
        return []
    ev = _evidence(_status_in(text), None, text)
    if bare := _BARE_AADSTS.fullmatch(text):
        ev = _Evidence(ev.status, ev.codes, ev.reasons, (bare.group(1),), text)
    return _candidates(ev, ambiguous=True)


def classify_text(text: str) -> list[Row]:
    """Rows matching any pasted text, best first, without duplicates; ``[]`` when nothing matches.

    The rows of :func:`explain_text`, without scores and evidence.
    """
    return [c.row for c in explain_text(text)]


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
