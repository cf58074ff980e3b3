"""Keyless login from CI: when zero-config (or ``auth = "default"``) means GitHub Actions OIDC.

Inside a GitHub Actions job that may request an ID token (``permissions: id-token: write``), the
runner sets ``ACTIONS_ID_TOKEN_REQUEST_URL`` and ``ACTIONS_ID_TOKEN_REQUEST_TOKEN``. With those, an
app registration's ids (``AZURE_CLIENT_ID``, ``AZURE_TENANT_ID``) and no other credential
configured, the only credential there is is the job's own OIDC token: settings resolution then
picks ``auth = "github-oidc"`` and says so in the source of ``auth`` (``profile show``, doctor).

Stdlib only; :func:`ci_auth` is called by ``settings.resolve``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

GITHUB_URL_VAR = "ACTIONS_ID_TOKEN_REQUEST_URL"
GITHUB_TOKEN_VAR = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"  # noqa: S105 - a variable's name, not a value
PIPELINES_URI_VAR = "SYSTEM_OIDCREQUESTURI"
PIPELINES_TOKEN_VAR = "SYSTEM_ACCESSTOKEN"  # noqa: S105 - a variable's name, not a value
#: the default audience of a federated identity credential in Entra ID
FEDERATED_AUDIENCE = "api://AzureADTokenExchange"

#: settings any of which means "a credential is configured" for each starting mode
_OTHER_CREDENTIALS = {
    "api-key": ("api_key", "key_command", "ad_token"),
    "default": ("client_secret", "client_certificate_path", "federated_token_file", "ad_token"),
}


def in_github_actions(env: Mapping[str, str]) -> bool:
    """True when the job may request a GitHub OIDC token (both runner variables are set)."""
    return bool(env.get(GITHUB_URL_VAR, "").strip() and env.get(GITHUB_TOKEN_VAR, "").strip())


def ci_auth(value: Callable[[str], Any], source: Callable[[str], str], env: Mapping[str, str]) -> str | None:
    """The source text for ``auth = "github-oidc"`` when resolution should pick it, else None.

    Picked when the GitHub runner variables are set, tenant and client ids are known, and either
    ``auth`` was not set at all (the ``api-key`` default) with no key, or ``auth = "default"`` with no
    secret, certificate, federated token file or ready token.
    """
    if not in_github_actions(env) or not (value("tenant_id") and value("client_id")):
        return None
    mode, where = value("auth"), source("auth")
    if mode == "api-key" and where != "default":
        return None  # an explicit api-key profile stays api-key (its error says what is missing)
    others = _OTHER_CREDENTIALS.get(str(mode))
    if others is None or any(value(name) for name in others):
        return None
    why = f"GitHub Actions OIDC ({GITHUB_URL_VAR} is set and no other credential is configured)"
    return f"derived: {why}" if where == "default" else f"{where}, default -> {why}"
