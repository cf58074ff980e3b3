"""Shared plumbing of the msal-based modes: authority, app construction, result -> token or error.

msal is imported inside the functions only (about 120 ms; fclaude's start-up budget).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

from foundry_cli.auth.aadsts import auth_error, codes_in, scrub, text_row
from foundry_cli.auth.base import AccessToken, Notify, quiet_library_logs
from foundry_cli.auth.cache import MsalCache
from foundry_cli.errors import AuthError

#: Entra ID hosts msal knows (public, US Gov, China, Germany, sovereign EU clouds). For any other
#: host (an emulator, a proxy, ADFS-like setups) instance discovery is switched off, because it
#: asks login.microsoftonline.com whether the host is an Entra authority.
MICROSOFT_AUTHORITY_HOSTS = frozenset(
    {
        "login.microsoftonline.com",
        "login.microsoft.com",
        "login.windows.net",
        "sts.windows.net",
        "login.microsoftonline.us",
        "login.usgovcloudapi.net",
        "login-us.microsoftonline.com",
        "login.chinacloudapi.cn",
        "login.partner.microsoftonline.cn",
        "login.microsoftonline.de",
        "login.sovcloud-identity.fr",
        "login.sovcloud-identity.de",
        "login.sovcloud-identity.sg",
    }
)

T = TypeVar("T")
HTTP_TIMEOUT = 30.0  # seconds, per request to the authority


def normalise_host(authority_host: str) -> str:
    """``login.microsoftonline.com`` or ``https://host/`` -> ``https://host`` (https is required)."""
    host = authority_host.strip().rstrip("/")
    if "://" not in host:
        host = "https://" + host
    return host


def is_microsoft_host(authority_host: str) -> bool:
    return (urlparse(normalise_host(authority_host)).hostname or "").lower() in MICROSOFT_AUTHORITY_HOSTS


def authority_url(authority_host: str, tenant: str) -> str:
    return f"{normalise_host(authority_host)}/{tenant}"


def app_options(authority_host: str, tenant: str) -> dict[str, Any]:
    """Keyword arguments for any msal application against ``authority_host``/``tenant``."""
    # msal's requests session has no timeout of its own: a silent authority would hang fclaude
    options: dict[str, Any] = {"authority": authority_url(authority_host, tenant), "timeout": HTTP_TIMEOUT}
    if not is_microsoft_host(authority_host):
        options["instance_discovery"] = False
    return options


def build(summary: str, make: Callable[[], T], *, authority: str) -> T:
    """Construct an msal application; discovery and network failures become AuthError.

    msal fetches the tenant's OpenID configuration in the constructor: a wrong tenant fails
    here, as a ValueError whose *context* holds Entra's answer (with AADSTS90002).
    """
    import requests  # msal's transport; already imported by msal itself

    quiet_library_logs()
    try:
        return make()
    except requests.exceptions.SSLError:
        raise AuthError(
            f"{summary}: the TLS certificate of {authority} is not trusted. Behind a TLS-inspecting "
            "proxy set REQUESTS_CA_BUNDLE (and SSL_CERT_FILE) to your organisation's CA bundle.",
            row="network",
        ) from None
    except requests.exceptions.RequestException as exc:
        raise AuthError(
            f"{summary}: could not reach {authority} ({type(exc).__name__}); check the network, "
            "HTTPS_PROXY and authority_host (AZURE_AUTHORITY_HOST).",
            row="network",
        ) from None
    except ValueError as exc:
        evidence = " ".join(str(e) for e in (exc, exc.__context__) if e is not None)
        codes = codes_in(evidence)
        if codes:
            detail = _description_in(str(exc.__context__)) or f"AADSTS{codes[0]}"
            raise auth_error(summary, detail, codes=codes) from None
        if text_row(str(exc)) == "tenant-not-found" or "OIDC Discovery" in str(exc):
            raise AuthError(
                f"{summary}: {authority} did not return an OpenID configuration; check tenant_id "
                "(AZURE_TENANT_ID) and authority_host (AZURE_AUTHORITY_HOST).",
                row="tenant-not-found",
            ) from None
        raise AuthError(f"{summary}: {scrub(str(exc))}") from None  # e.g. an authority that is not https


def _description_in(text: str) -> str:
    """The ``error_description`` inside an OIDC discovery failure text, if it has one."""
    import json

    start = text.find("{")
    if start < 0:
        return ""
    try:
        body = json.loads(text[start:])
    except ValueError:
        return ""
    return str(body.get("error_description", "")) if isinstance(body, dict) else ""


def call(summary: str, fn: Callable[[], T], *, authority: str) -> T:
    """Run an msal acquisition call; transport failures become AuthError (as in :func:`build`)."""
    return build(summary, fn, authority=authority)


def token_from(
    result: dict[str, Any] | None,
    summary: str,
    *,
    clock: Callable[[], float] = time.time,
    secrets: Iterable[str | None] = (),
    row: str | None = None,
) -> AccessToken:
    """An msal result dict -> AccessToken.

    Raises:
        AuthError: the result is an error (``error``, ``error_description``, ``error_codes``),
            mapped to its row by the AADSTS code; ``row`` is the fallback.
    """
    if result and result.get("access_token"):
        return AccessToken(str(result["access_token"]), clock() + float(result.get("expires_in", 0)))
    result = result or {}
    description = str(result.get("error_description") or result.get("error") or "no token in the answer")
    raise auth_error(
        summary,
        description,
        codes=[str(c) for c in result.get("error_codes") or []],
        error=str(result.get("error") or "") or None,
        row=row,
        secrets=secrets,
    )


def forget_access_tokens(path: Path, warn: Notify, client_id: str, scope: str) -> None:
    """Remove msal's cached access tokens for ``client_id`` and ``scope`` (after a 401)."""
    mc = MsalCache.open(path, warn)
    cache = mc.cache
    for entry in list(
        cache.search(cache.CredentialType.ACCESS_TOKEN, target=[scope], query={"client_id": client_id})
    ):
        cache.remove_at(entry)
    mc.save()
