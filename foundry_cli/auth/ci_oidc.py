"""Keyless login from CI: ``auth = "github-oidc"`` and ``auth = "azure-pipelines"``.

The CI runner hands the job an OIDC token on request; Entra ID exchanges it, as a client assertion, for
an access token of the app registration whose federated credential names the token's issuer, subject
and audience:

GitHub Actions (``permissions: id-token: write``)
    ``GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=api://AzureADTokenExchange`` with
    ``Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN`` -> ``{"value": JWT}``.
Azure Pipelines (a workload identity federation service connection)
    ``POST $SYSTEM_OIDCREQUESTURI?api-version=7.1&serviceConnectionId=ID`` with
    ``Authorization: Bearer $SYSTEM_ACCESSTOKEN`` -> ``{"oidcToken": JWT}``.

azure-identity's ``ClientAssertionCredential`` calls :meth:`OidcTokenSource.fetch` for every exchange,
so each one presents a *fresh* CI token (a GitHub token lives minutes; a long job that kept the first one
would get AADSTS700024). The access token goes through the persistent cache like every Entra ID mode, so
a second run needs neither the runner's endpoint nor Entra ID.

httpx2 (the CI endpoint) and azure-identity (the exchange) are imported inside functions only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foundry_cli.auth._azidentity import AzureIdentityProvider, authority_options
from foundry_cli.auth.aadsts import scrub
from foundry_cli.auth.service_principal import short_id
from foundry_cli.config.ci import (
    GITHUB_TOKEN_VAR,
    GITHUB_URL_VAR,
    PIPELINES_TOKEN_VAR,
    PIPELINES_URI_VAR,
)
from foundry_cli.errors import AuthError
from foundry_cli.redact import register_secret

PIPELINES_API_VERSION = "7.1"
#: the service connection id an AzureCLI@2 / AzurePowerShell@5 task exports (also a setting's env var)
PIPELINES_CONNECTION_VAR = "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"
#: the ids the same tasks export; used when AZURE_CLIENT_ID / AZURE_TENANT_ID are not set
PIPELINES_ID_VARS = {"client_id": "AZURESUBSCRIPTION_CLIENT_ID", "tenant_id": "AZURESUBSCRIPTION_TENANT_ID"}
OIDC_TIMEOUT = 30.0  # seconds per request to the runner's endpoint
MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class OidcTokenSource:
    """One CI runner's OIDC endpoint: :meth:`fetch` asks it for a new token (one HTTP request)."""

    #: "GitHub Actions" / "Azure Pipelines"
    runner: str
    method: str
    url: str
    bearer: str
    #: the JSON field holding the token
    field: str
    #: where the URL and the bearer come from, for messages
    url_var: str
    bearer_var: str
    fix_401: str

    @property
    def description(self) -> str:
        return f"{self.runner} OIDC token ({self.url_var})"

    def fetch(self) -> str:
        """A new OIDC token (registered as a secret: no message can show it).

        Raises:
            AuthError: the endpoint cannot be reached (row ``network``), refuses the request, or
                answers without a token.
        """
        import httpx2

        from foundry_cli import __version__

        what = f"the {self.runner} OIDC endpoint ({self.url_var})"
        register_secret(self.bearer)
        headers = {
            "authorization": f"{'bearer' if self.runner == 'GitHub Actions' else 'Bearer'} {self.bearer}",
            "accept": "application/json",
            "user-agent": f"fclaude/{__version__}",
        }
        if self.method == "POST":
            headers["content-type"] = "application/json"
        try:
            with httpx2.Client(timeout=OIDC_TIMEOUT, follow_redirects=False) as client:
                response = client.request(self.method, self.url, headers=headers)
                body = response.read()[:MAX_BODY].decode("utf-8", "replace")
        except httpx2.HTTPError as exc:
            raise AuthError(
                f"Could not reach {what}: {scrub(str(exc) or type(exc).__name__, limit=200)}. Check the "
                "network and HTTPS_PROXY; behind a TLS-inspecting proxy set SSL_CERT_FILE to your "
                "organisation's CA bundle.",
                row="network",
            ) from None
        if response.status_code != 200:
            detail = _message(body)
            hint = self.fix_401 if response.status_code in (401, 403) else ""
            raise AuthError(
                f"{what.capitalize()} refused the token request (HTTP {response.status_code}"
                + (f": {detail}" if detail else "")
                + f").{' ' + hint if hint else ''}"
            )
        token = _field(body, self.field)
        if not token:
            raise AuthError(f"{what.capitalize()} answered without a token (no {self.field!r} in its JSON).")
        register_secret(token)
        return token


def _message(body: str) -> str:
    try:
        doc = json.loads(body)
    except ValueError:
        return scrub(body, limit=200)
    text = doc.get("message") if isinstance(doc, dict) else None
    return scrub(str(text), limit=200) if text else ""


def _field(body: str, name: str) -> str | None:
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    value = doc.get(name) if isinstance(doc, dict) else None
    return value if isinstance(value, str) and value.strip() else None


def github_source(request_url: str, request_token: str, audience: str) -> OidcTokenSource:
    from urllib.parse import quote

    sep = "&" if "?" in request_url else "?"
    return OidcTokenSource(
        runner="GitHub Actions",
        method="GET",
        url=f"{request_url}{sep}audience={quote(audience, safe=':/')}",
        bearer=request_token,
        field="value",
        url_var=GITHUB_URL_VAR,
        bearer_var=GITHUB_TOKEN_VAR,
        fix_401="The request token is valid only while the job runs; the workflow (or job) needs "
        "`permissions: id-token: write`.",
    )


def pipelines_source(request_uri: str, access_token: str, connection_id: str) -> OidcTokenSource:
    from urllib.parse import quote

    sep = "&" if "?" in request_uri else "?"
    return OidcTokenSource(
        runner="Azure Pipelines",
        method="POST",
        url=f"{request_uri}{sep}api-version={PIPELINES_API_VERSION}&serviceConnectionId={quote(connection_id)}",
        bearer=access_token,
        field="oidcToken",
        url_var=PIPELINES_URI_VAR,
        bearer_var=PIPELINES_TOKEN_VAR,
        fix_401="Map the job's token into the step: `env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)`.",
    )


@dataclass(frozen=True)
class FileTokenSource:
    """``workload-identity``: the federated token file the platform keeps fresh."""

    path: str

    @property
    def description(self) -> str:
        return f"federated token file {self.path}"

    def fetch(self) -> str:
        try:
            token = Path(self.path).read_text(encoding="utf-8", errors="replace").strip()
        except OSError as exc:
            raise AuthError(
                f"Cannot read the federated token file {self.path}: {exc.strerror or exc}.",
                row="assertion-invalid",
            ) from None
        register_secret(token)
        return token


TokenSource = OidcTokenSource | FileTokenSource


def federated_source(mode: str, settings: Any, env: Mapping[str, str]) -> TokenSource:
    """Where a federated mode's token comes from: the CI runner (github-oidc, azure-pipelines) or the
    token file (workload-identity). For doctor, which decodes the token's claims.

    Raises:
        AuthError: what :func:`ci_source` raises; workload-identity without a token file.
        ValueError: ``mode`` is not federated.
    """
    if mode == "workload-identity":
        path = settings.federated_token_file
        if not path:
            raise AuthError(
                "auth = workload-identity needs AZURE_FEDERATED_TOKEN_FILE.", row="sp-env-missing"
            )
        return FileTokenSource(str(Path(str(path)).expanduser()))
    return ci_source(mode, settings, env)


def ci_source(mode: str, settings: Any, env: Mapping[str, str]) -> OidcTokenSource:
    """The CI runner's token endpoint for github-oidc or azure-pipelines.

    Raises:
        AuthError: the runner's variables are missing (row ``sp-env-missing``), naming them.
        ValueError: ``mode`` is not one of the two.
    """
    if mode == "github-oidc":
        url, token = env.get(GITHUB_URL_VAR, "").strip(), env.get(GITHUB_TOKEN_VAR, "").strip()
        _require_vars(
            mode,
            {GITHUB_URL_VAR: url, GITHUB_TOKEN_VAR: token},
            "Run inside a GitHub Actions job whose workflow grants `permissions: id-token: write` (the "
            "runner sets both variables only then).",
        )
        return github_source(url, token, str(settings.oidc_audience))
    if mode == "azure-pipelines":
        uri, token = env.get(PIPELINES_URI_VAR, "").strip(), env.get(PIPELINES_TOKEN_VAR, "").strip()
        connection = settings.service_connection_id or ""
        _require_vars(
            mode,
            {PIPELINES_URI_VAR: uri, PIPELINES_TOKEN_VAR: token, PIPELINES_CONNECTION_VAR: connection},
            "Run inside an Azure Pipelines job: map `SYSTEM_ACCESSTOKEN: $(System.AccessToken)` into the "
            "step's env, and set the service connection id (FCLAUDE_SERVICE_CONNECTION_ID, or run in an "
            "AzureCLI@2 task, which exports AZURESUBSCRIPTION_SERVICE_CONNECTION_ID).",
        )
        return pipelines_source(uri, token, str(connection))
    raise ValueError(f"{mode} is not a federated auth mode")


def _require_vars(mode: str, values: Mapping[str, str], fix: str) -> None:
    missing = [name for name, value in values.items() if not value]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise AuthError(
            f"auth = {mode} needs {', '.join(missing)}, which {verb} not set. {fix}", row="sp-env-missing"
        )


def pipelines_ids(settings: Any, env: Mapping[str, str]) -> dict[str, str | None]:
    """tenant and client id for azure-pipelines: the settings, else what an AzureCLI@2 task exported."""
    return {
        name: getattr(settings, name) or (env.get(var, "").strip() or None)
        for name, var in PIPELINES_ID_VARS.items()
    }


def federated_provider(
    mode: str, source: OidcTokenSource, *, tenant_id: str, client_id: str, authority_host: str
) -> AzureIdentityProvider:
    """An Entra ID token for ``client_id`` in exchange for ``source``'s token, fetched anew per exchange."""

    def make() -> Any:
        from azure.identity import ClientAssertionCredential

        return ClientAssertionCredential(
            tenant_id, client_id, source.fetch, **authority_options(authority_host)
        )

    return AzureIdentityProvider(
        f"{mode} {short_id(client_id)} ({source.description})",
        make,
        summary=f"App {client_id} could not sign in with the {source.runner} OIDC token",
    )
