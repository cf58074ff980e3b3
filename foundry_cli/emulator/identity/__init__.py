"""The emulator's Entra ID side, one concern per module:

- ``directory``: the tenant's apps, users and managed identities (and their data-plane roles);
- ``oauth``: OIDC discovery, the v2.0 token and device-code endpoints (the HTTPS port);
- ``managed``: the App Service style managed identity endpoint (``GET /msi/token``, data-plane port);
- ``issuer``: signing the access tokens, and checking them for the data plane and ARM;
- ``ci``: the CI runners' OIDC token endpoints (GitHub Actions, Azure Pipelines; the HTTPS port);
- ``errors``: Entra ID's reply shape and the AADSTS error catalogue.

Like ``service.py`` this does no I/O: :class:`IdentityService` turns a ``RecordedRequest`` into a
``Reply`` (``handle_login`` for the HTTPS port, ``handle_msi`` for the managed identity endpoint) and
is what ``server.Emulator`` holds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from foundry_cli.emulator import scenarios as sc
from foundry_cli.emulator.identity.ci import GITHUB_ISSUER, CiOidc, GitHubJob, PipelinesJob
from foundry_cli.emulator.identity.directory import (
    AZURE_CLI_CLIENT_ID,
    DEFAULT_TENANT_ID,
    DEFAULT_USER_UPN,
    FEDERATED_AUDIENCE,
    KNOWN_PUBLIC_CLIENTS,
    TENANT_ALIASES,
    App,
    Directory,
    FederatedCredential,
    ManagedIdentity,
    User,
)
from foundry_cli.emulator.identity.errors import (
    OAuthError,
    app_not_found,
    assertion_out_of_range,
    mfa_required,
    oauth_error_body,
    secret_expired,
    secret_invalid,
    tenant_not_found,
)
from foundry_cli.emulator.identity.issuer import DEFAULT_TOKEN_LIFETIME, Issuer
from foundry_cli.emulator.identity.managed import MSI_API_VERSION, MSI_PATH, ManagedIdentityEndpoint
from foundry_cli.emulator.identity.oauth import (
    ASSERTION_SKEW,
    DEVICE_CODE_GRANT,
    DEVICE_LOGIN_PATH,
    JWT_BEARER,
    KNOWN_RESOURCES,
    OIDC_SCOPES,
    OAuthEndpoints,
)
from foundry_cli.emulator.jwt_sign import SigningKey
from foundry_cli.emulator.service import RecordedRequest, Reply

__all__ = [
    "ASSERTION_SKEW",
    "AZURE_CLI_CLIENT_ID",
    "DEFAULT_TENANT_ID",
    "DEFAULT_TOKEN_LIFETIME",
    "DEFAULT_USER_UPN",
    "DEVICE_CODE_GRANT",
    "DEVICE_LOGIN_PATH",
    "FEDERATED_AUDIENCE",
    "GITHUB_ISSUER",
    "JWT_BEARER",
    "KNOWN_PUBLIC_CLIENTS",
    "KNOWN_RESOURCES",
    "MSI_API_VERSION",
    "MSI_PATH",
    "OIDC_SCOPES",
    "REDACTED",
    "SECRET_FIELDS",
    "TENANT_ALIASES",
    "App",
    "CiOidc",
    "FederatedCredential",
    "GitHubJob",
    "IdentityRequest",
    "IdentityService",
    "ManagedIdentity",
    "OAuthError",
    "PipelinesJob",
    "User",
    "app_not_found",
    "assertion_out_of_range",
    "mfa_required",
    "oauth_error_body",
    "secret_expired",
    "secret_invalid",
    "tenant_not_found",
]

REDACTED = "[redacted]"
SECRET_FIELDS = frozenset(
    {"client_secret", "client_assertion", "refresh_token", "device_code", "code", "password", "assertion"}
)


@dataclass(frozen=True)
class IdentityRequest:
    """One request to the identity side; secret form values are replaced by ``[redacted]``."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]


class IdentityService:
    """The emulated tenant and its endpoints: the one object the server and the data plane hold."""

    def __init__(
        self,
        *,
        tenant_id: str,
        scenario: Callable[[], sc.Scenario],
        authority_host: Callable[[], str],
        hosts: tuple[str, ...],
        token_lifetime: int = DEFAULT_TOKEN_LIFETIME,
        device_code_polls: int | None = 1,
        device_code_interval: int = 1,
        device_code_expires_in: int = 900,
    ) -> None:
        self.directory = Directory(tenant_id)
        self.issuer = Issuer(tenant_id, token_lifetime)
        self.oauth = OAuthEndpoints(
            self.directory,
            self.issuer,
            scenario=scenario,
            authority_host=authority_host,
            hosts=hosts,
            device_code_polls=device_code_polls,
            device_code_interval=device_code_interval,
            device_code_expires_in=device_code_expires_in,
        )
        self.managed = ManagedIdentityEndpoint(self.directory, self.issuer)
        self.ci = CiOidc()
        self.requests: list[IdentityRequest] = []
        self._lock = threading.Lock()

    # --- what the server and tests read -------------------------------------------------------

    @property
    def tenant_id(self) -> str:
        return self.directory.tenant_id

    @property
    def token_lifetime(self) -> int:
        return self.issuer.token_lifetime

    @token_lifetime.setter
    def token_lifetime(self, seconds: int) -> None:
        self.issuer.token_lifetime = seconds

    @property
    def identity_header(self) -> str:
        return self.managed.identity_header

    @property
    def tokens_issued(self) -> int:
        return self.issuer.tokens_issued

    @property
    def signing_key(self) -> SigningKey:
        return self.issuer.signing_key

    # --- the data plane's questions (service.TokenIssuer) --------------------------------------

    def verify_access_token(self, token: str) -> dict[str, object] | None:
        return self.issuer.verify_access_token(token)

    def has_data_role(self, object_id: str) -> bool:
        return self.directory.has_data_role(object_id)

    # --- registration and test controls ---------------------------------------------------------

    def add_app(
        self,
        client_id: str,
        *,
        secret: str | None = None,
        certificate_pem: bytes | str | None = None,
        federated_subject: str | None = None,
        federated_issuer: str | None = None,
        roles: bool = True,
        secret_expired: bool = False,
    ) -> App:
        return self.directory.add_app(
            client_id,
            secret=secret,
            certificate_pem=certificate_pem,
            federated_subject=federated_subject,
            federated_issuer=federated_issuer,
            roles=roles,
            secret_expired=secret_expired,
        )

    def add_federated_credential(
        self, client_id: str, issuer: str, subject: str, audience: str = FEDERATED_AUDIENCE
    ) -> App:
        return self.directory.add_federated_credential(client_id, issuer, subject, audience)

    def add_user(self, upn: str, *, roles: bool = True) -> User:
        return self.directory.add_user(upn, roles=roles)

    def add_managed_identity(self, client_id: str | None = None, *, roles: bool = True) -> ManagedIdentity:
        return self.directory.add_managed_identity(client_id, roles=roles)

    def approve_device_code(self, user_code: str, upn: str | None = None) -> None:
        self.oauth.approve_device_code(user_code, upn)

    def expire_device_codes(self) -> None:
        self.oauth.expire_device_codes()

    def revoke_refresh_tokens(self) -> None:
        self.oauth.revoke_refresh_tokens()

    # --- requests ---------------------------------------------------------------------------------

    def handle_login(self, req: RecordedRequest) -> Reply:
        """The HTTPS port: discovery, keys, token, device code, the device-login page, and the CI
        runners' OIDC token endpoints."""
        if CiOidc.matches(req.path):
            self._record(req, {})
            return self.ci.handle(req)
        form = dict(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
        self._record(req, form)
        return self.oauth.handle(req, form)

    def handle_msi(self, req: RecordedRequest) -> Reply:
        """``GET /msi/token`` on the data-plane port."""
        self._record(req, {})
        return self.managed.handle(req)

    def _record(self, req: RecordedRequest, form: dict[str, str]) -> None:
        redacted = {k: REDACTED if k in SECRET_FIELDS else v for k, v in form.items()}
        entry = IdentityRequest(req.method, req.path, dict(req.query), redacted)
        with self._lock:
            self.requests.append(entry)
