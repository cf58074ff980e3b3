"""The emulator's Entra ID side: OIDC discovery, the v2.0 token and device-code endpoints, an App
Service style managed identity endpoint, and the check of the access tokens it signed.

Like ``service.py`` this does no I/O: ``IdentityService.handle_login`` (the HTTPS port) and
``handle_msi`` (``GET /msi/token`` on the data-plane port) turn a ``RecordedRequest`` into a
``Reply``. Error bodies follow Entra ID's OAuth shape (``error``, ``error_description`` ending in
``Trace ID`` / ``Correlation ID`` / ``Timestamp``, ``error_codes``, ``timestamp``, ``trace_id``,
``correlation_id``, ``error_uri``); the AADSTS texts are the observed ones (reference §3), a few
rarer ones (700027, 50027, 9002313, 70000) are close approximations.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from foundry_cli.emulator import scenarios as sc
from foundry_cli.emulator.jwt_sign import (
    FEDERATED_AUDIENCE,
    Jwt,
    SigningKey,
    b64url,
    certificate_public_key,
    parse_jwt,
    verify_signature,
)
from foundry_cli.emulator.service import RecordedRequest, Reply

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

DEFAULT_TENANT_ID = "00000000-0000-4000-8000-0000000000aa"
DEFAULT_TOKEN_LIFETIME = 3600
DEFAULT_USER_UPN = "developer@emulator.test"  # always registered; device codes sign in the newest user
AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"  # first-party public client, in every tenant
KNOWN_PUBLIC_CLIENTS = {AZURE_CLI_CLIENT_ID: "Microsoft Azure CLI"}
TENANT_ALIASES = ("common", "organizations")
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})
KNOWN_RESOURCES = frozenset(
    {
        "https://ai.azure.com",
        "https://cognitiveservices.azure.com",
        "https://management.azure.com",
        "https://management.core.windows.net",
        "https://graph.microsoft.com",
        "https://vault.azure.net",
        "https://storage.azure.com",
    }
)
ASSERTION_SKEW = 300  # seconds of clock skew Entra ID tolerates on client assertions
MSI_PATH = "/msi/token"
MSI_API_VERSION = "2019-08-01"
DEVICE_LOGIN_PATH = "/devicelogin"
REDACTED = "[redacted]"
SECRET_FIELDS = frozenset(
    {"client_secret", "client_assertion", "refresh_token", "device_code", "code", "password", "assertion"}
)
_AUTH_METHODS = ["client_secret_post", "private_key_jwt", "client_secret_basic"]
_CLAIMS_SUPPORTED = [
    *("sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name"),
    *("tid", "ver", "at_hash", "c_hash", "email"),
]
_NS = uuid.UUID("6f0c3f38-4d1e-4b7a-9a57-0e3c1ad0b001")  # stable object ids per emulator identity
_USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ23456789"


# --- the directory ------------------------------------------------------------------------------


@dataclass
class App:
    """An app registration (service principal) in the emulated tenant."""

    client_id: str
    object_id: str
    secret: str | None = None
    certificates: list[bytes] = field(default_factory=list)
    federated: list[tuple[str, str]] = field(default_factory=list)  # (issuer, subject)
    roles: bool = True
    secret_expired: bool = False


@dataclass
class User:
    upn: str
    object_id: str
    roles: bool = True

    @property
    def name(self) -> str:
        return self.upn.split("@", 1)[0].replace(".", " ").title()


@dataclass
class ManagedIdentity:
    client_id: str
    object_id: str
    system_assigned: bool
    roles: bool = True

    @property
    def resource_id(self) -> str:
        name = "system" if self.system_assigned else self.client_id
        return (
            "/subscriptions/00000000-0000-4000-8000-00000000ffff/resourcegroups/emulator/providers/"
            f"Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
        )


@dataclass(frozen=True)
class IdentityRequest:
    """One request to the identity side; secret form values are replaced by ``[redacted]``."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]


@dataclass
class _DeviceCode:
    device_code: str
    user_code: str
    client_id: str
    scope: str
    expires_at: float
    pending_left: int | None  # authorization_pending replies before auto-approval (None: never)
    approved: str | None = None  # the signed-in user's UPN
    redeemed: bool = False


@dataclass
class _Refresh:
    upn: str
    client_id: str
    issued_at: float
    revoked: bool = False


class OAuthError(Exception):
    """An Entra ID OAuth error reply: HTTP status, ``error``, AADSTS code and description."""

    def __init__(self, status: int, error: str, code: int, description: str) -> None:
        super().__init__(f"AADSTS{code}: {description}")
        self.status = status
        self.error = error
        self.code = code
        self.description = description


def _stamp(now: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(now))


def _iso(epoch: float) -> str:
    """Entra ID's time format in AADSTS700024: ``2024-10-02T22:05:03.6755165Z``."""
    moment = dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"


def oauth_error_body(error: str, code: int, description: str, correlation_id: str, now: float) -> bytes:
    trace_id = str(uuid.uuid4())
    stamp = _stamp(now)
    body = {
        "error": error,
        "error_description": (
            f"AADSTS{code}: {description}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}"
            f"\r\nTimestamp: {stamp}"
        ),
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


# --- the observed AADSTS errors -----------------------------------------------------------------


def tenant_not_found(tenant: str, error: str = "invalid_request") -> OAuthError:
    """AADSTS90002; discovery says ``invalid_tenant``, the token endpoint ``invalid_request``."""
    return OAuthError(
        400,
        error,
        90002,
        f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing "
        "into the correct cloud. Check with your subscription administrator, this may happen if there are "
        "no active subscriptions for the tenant.",
    )


def secret_invalid(client_id: str) -> OAuthError:
    return OAuthError(
        401,
        "invalid_client",
        7000215,
        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret "
        f"value, not the client secret ID, for a secret added to app '{client_id}'.",
    )


def secret_expired(client_id: str) -> OAuthError:
    return OAuthError(
        401,
        "invalid_client",
        7000222,
        f"The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to "
        "create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate "
        "credentials for added security: https://aka.ms/certCreds.",
    )


def app_not_found(client_id: str, tenant: str) -> OAuthError:
    return OAuthError(
        400,
        "unauthorized_client",
        700016,
        f"Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can "
        "happen if the application has not been installed by the administrator of the tenant or consented "
        "to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
    )


def assertion_out_of_range(now: float, claims: dict[str, object]) -> OAuthError:
    nbf, exp = claims.get("nbf"), claims.get("exp")
    valid_from = nbf if isinstance(nbf, (int, float)) and not isinstance(nbf, bool) else 0
    expiry = exp if isinstance(exp, (int, float)) and not isinstance(exp, bool) else 0
    return OAuthError(
        400,
        "invalid_client",
        700024,
        f"Client assertion is not within its valid time range. Current time: {_iso(now)}, assertion valid "
        f"from {_iso(valid_from)}, expiry time of assertion {_iso(expiry)}. {_CERT_DOCS}",
    )


def mfa_required(resource: str) -> OAuthError:
    return OAuthError(
        400,
        "invalid_grant",
        50076,
        "Due to a configuration change made by your administrator, or because you moved to a new location, "
        f"you must use multi-factor authentication to access '{resource}'.",
    )


def _missing(name: str) -> OAuthError:
    return OAuthError(
        400, "invalid_request", 900144, f"The request body must contain the following parameter: '{name}'."
    )


def _federated_mismatch(what: str, value: str) -> OAuthError:
    code = 700213 if what == "subject" else 700212
    return OAuthError(
        400,
        "invalid_client",
        code,
        f"No matching federated identity record found for presented assertion {what} '{value}'. Check your "
        "federated identity credential Subject, Audience and Issuer against the presented assertion. "
        "https://learn.microsoft.com/entra/workload-id/workload-identity-federation",
    )


_CERT_DOCS_URL = "https://learn.microsoft.com/entra/identity-platform/certificate-credentials"
_CERT_DOCS = f"Review the documentation at {_CERT_DOCS_URL} ."
_AUTHORIZATION_PENDING = (
    400,
    "authorization_pending",
    70016,
    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
)
_DEVICE_CODE_EXPIRED = (400, "expired_token", 70019, "Verification code expired.")
_BAD_DEVICE_CODE = (
    400,
    "invalid_grant",
    70000,
    "The provided value for the input parameter 'device_code' is not valid.",
)
_BAD_REFRESH_TOKEN = (400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.")
_MALFORMED_ASSERTION = (401, "invalid_client", 50027, "JWT token is invalid or malformed.")
_BAD_SIGNATURE = (401, "invalid_client", 700027, "Client assertion failed signature validation.")
_ASSERTION_CLIENT_MISMATCH = (
    401,
    "invalid_client",
    700021,
    f"Client assertion application identifier doesn't match 'client_id' parameter. {_CERT_DOCS}",
)
_NO_CREDENTIAL = (
    401,
    "invalid_client",
    7000218,
    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
)


def _err(spec: tuple[int, str, int, str]) -> OAuthError:
    return OAuthError(*spec)


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _within_time_range(claims: dict[str, object], now: float) -> bool:
    exp, nbf = _number(claims.get("exp")), _number(claims.get("nbf"))
    if exp is None or exp + ASSERTION_SKEW < now:
        return False
    return nbf is None or nbf - ASSERTION_SKEW <= now


def _audiences(claims: dict[str, object]) -> list[str]:
    aud = claims.get("aud")
    return [a for a in (aud if isinstance(aud, list) else [aud]) if isinstance(a, str)]


# --- the service --------------------------------------------------------------------------------


class IdentityService:
    """The emulated tenant (apps, users, managed identities) and its endpoints."""

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
        self.tenant_id = tenant_id
        self.token_lifetime = token_lifetime
        self.device_code_polls = device_code_polls
        self.device_code_interval = device_code_interval
        self.device_code_expires_in = device_code_expires_in
        self.identity_header = secrets.token_hex(16)
        self.requests: list[IdentityRequest] = []
        self._scenario = scenario
        self._authority_host = authority_host
        self._hosts = frozenset(hosts)
        self._lock = threading.Lock()
        self._key: SigningKey | None = None
        self._issued = 0
        self._apps: dict[str, App] = {}
        self._users: dict[str, User] = {}
        self._identities: dict[str, ManagedIdentity] = {}  # by client id
        self._system: ManagedIdentity | None = None
        self._device_codes: dict[str, _DeviceCode] = {}  # by device code
        self._refresh: dict[str, _Refresh] = {}
        self.add_user(DEFAULT_USER_UPN)

    # --- registration -----------------------------------------------------------------------

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
        if (federated_subject is None) != (federated_issuer is None):
            raise ValueError("federated_subject and federated_issuer go together")
        app = App(client_id, self._oid("app", client_id), secret, roles=roles, secret_expired=secret_expired)
        if certificate_pem is not None:
            pem = certificate_pem.encode() if isinstance(certificate_pem, str) else certificate_pem
            certificate_public_key(pem)  # ValueError now rather than at the first token request
            app.certificates.append(pem)
        if federated_subject is not None and federated_issuer is not None:
            app.federated.append((federated_issuer, federated_subject))
        with self._lock:
            self._apps[client_id] = app
        return app

    def add_user(self, upn: str, *, roles: bool = True) -> User:
        user = User(upn, self._oid("user", upn.lower()), roles)
        with self._lock:
            self._users.pop(upn.lower(), None)
            self._users[upn.lower()] = user  # newest last: device codes sign in the newest user
        return user

    def add_managed_identity(self, client_id: str | None = None, *, roles: bool = True) -> ManagedIdentity:
        """A user-assigned identity (``client_id``) or, with None, the system-assigned one."""
        system = client_id is None
        cid = client_id or str(uuid.uuid5(_NS, f"system-mi:{self.tenant_id}"))
        identity = ManagedIdentity(cid, self._oid("mi", cid), system, roles)
        with self._lock:
            if system:
                self._system = identity
            else:
                self._identities[cid] = identity
        return identity

    def approve_device_code(self, user_code: str, upn: str | None = None) -> None:
        """Sign ``upn`` (default: the newest user) in on the device code ``user_code``."""
        with self._lock:
            user = self._user(upn)
            for code in self._device_codes.values():
                if code.user_code == user_code.strip().upper():
                    code.approved = user.upn
                    return
        raise KeyError(f"no device code with user code {user_code!r}")

    def expire_device_codes(self) -> None:
        with self._lock:
            for code in self._device_codes.values():
                code.expires_at = 0.0

    def revoke_refresh_tokens(self) -> None:
        """Every refresh token issued so far gets AADSTS700082 (expired by inactivity) from now on."""
        with self._lock:
            for entry in self._refresh.values():
                entry.revoked = True

    @property
    def tokens_issued(self) -> int:
        with self._lock:
            return self._issued

    def _oid(self, kind: str, name: str) -> str:
        return str(uuid.uuid5(_NS, f"{kind}:{self.tenant_id}:{name}"))

    def _user(self, upn: str | None) -> User:
        """Under the lock: the user ``upn`` or the newest one."""
        if upn is None:
            return list(self._users.values())[-1]
        try:
            return self._users[upn.lower()]
        except KeyError:
            raise KeyError(f"no user {upn!r}; add it with add_user()") from None

    # --- the data plane's questions ---------------------------------------------------------

    @property
    def signing_key(self) -> SigningKey:
        with self._lock:
            if self._key is None:
                self._key = SigningKey()
            return self._key

    def verify_access_token(self, token: str) -> dict[str, object] | None:
        """The claims of an access token this emulator signed for its tenant, else None."""
        claims = self.signing_key.verify(token)
        if claims is None or claims.get("iss") != self._issuer_v1():
            return None
        return claims

    def has_data_role(self, object_id: str) -> bool:
        with self._lock:
            principals: list[App | User | ManagedIdentity] = [
                *self._apps.values(),
                *self._users.values(),
                *self._identities.values(),
                *([self._system] if self._system else []),
            ]
        return all(p.roles for p in principals if p.object_id == object_id)

    # --- HTTPS: discovery, token, device code -----------------------------------------------

    def handle_login(self, req: RecordedRequest) -> Reply:
        form = dict(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
        self._record(req, form)
        correlation_id = req.headers.get("client-request-id") or str(uuid.uuid4())
        try:
            return self._route(req, form, self._base(req))
        except OAuthError as exc:
            body = oauth_error_body(exc.error, exc.code, exc.description, correlation_id, time.time())
            return Reply(exc.status, body, self._headers(correlation_id), "application/json; charset=utf-8")

    def _route(self, req: RecordedRequest, form: dict[str, str], base: str) -> Reply:
        if req.path == DEVICE_LOGIN_PATH and req.method == "GET":
            return self._device_login(req)
        tenant, _, rest = req.path.lstrip("/").partition("/")
        rest = rest.rstrip("/")
        get = req.method == "GET"
        if rest in ("v2.0/.well-known/openid-configuration", ".well-known/openid-configuration") and get:
            return self._discovery(tenant, base, v2=rest.startswith("v2.0"))
        if rest in ("discovery/v2.0/keys", "discovery/keys") and get:
            return self._json(200, {"keys": [self.signing_key.jwk()]})
        if rest in ("oauth2/v2.0/token", "oauth2/v2.0/devicecode"):
            if req.method != "POST":
                raise OAuthError(
                    400,
                    "invalid_request",
                    900561,
                    f"The endpoint only accepts POST, OPTIONS requests. Received a {req.method} request.",
                )
            self._check_tenant(tenant)
            if rest.endswith("devicecode"):
                return self._device_code(form, base)
            return self._json(200, self._token(tenant, form, base))
        page = b"<html><body><h1>404 Not Found</h1></body></html>"
        return Reply(404, page, content_type="text/html; charset=utf-8")

    def _base(self, req: RecordedRequest) -> str:
        """``https://`` + the Host the client used (127.0.0.1 or localhost), else authority_host."""
        host = req.headers.get("host", "")
        if host and urlsplit(f"//{host}").hostname in self._hosts:
            return f"https://{host}"
        return self._authority_host()

    def _known_tenant(self, tenant: str) -> bool:
        return self._scenario().name != "tenant-not-found" and (
            tenant.lower() == self.tenant_id.lower() or tenant.lower() in TENANT_ALIASES
        )

    def _check_tenant(self, tenant: str) -> None:
        if not self._known_tenant(tenant):
            raise tenant_not_found(tenant)

    def _discovery(self, tenant: str, base: str, *, v2: bool) -> Reply:
        if not self._known_tenant(tenant):
            raise tenant_not_found(tenant, "invalid_tenant")
        shown = "{tenantid}" if tenant.lower() in TENANT_ALIASES else self.tenant_id
        oauth = f"{base}/{tenant}/oauth2/v2.0"
        doc: dict[str, object] = {
            "token_endpoint": f"{oauth}/token",
            "token_endpoint_auth_methods_supported": _AUTH_METHODS,
            "jwks_uri": f"{base}/{tenant}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/{shown}/v2.0" if v2 else f"https://sts.windows.net/{shown}/",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": "https://graph.microsoft.com/oidc/userinfo",
            "authorization_endpoint": f"{oauth}/authorize",
            "device_authorization_endpoint": f"{oauth}/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{oauth}/logout",
            "claims_supported": _CLAIMS_SUPPORTED,
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        }
        return self._json(200, doc)

    # --- the token endpoint -------------------------------------------------------------------

    def _token(self, tenant: str, form: dict[str, str], base: str) -> dict[str, object]:
        client_id = form.get("client_id")
        if not client_id:
            raise _missing("client_id")
        if self._scenario().name == "app-not-found":
            raise app_not_found(client_id, self.tenant_id)
        grant = form.get("grant_type", "")
        if grant == "client_credentials":
            return self._client_credentials(tenant, client_id, form)
        if grant in (DEVICE_CODE_GRANT, "refresh_token"):
            self._public_client(client_id)
            mfa = self._scenario().name == "user-interaction"
            if grant == DEVICE_CODE_GRANT:  # msal does not repeat the scope when it polls
                user, scope = self._redeem_device_code(client_id, form, mfa=mfa)
                resource = self._resource(scope, client_credentials=False)
            else:
                scope = form.get("scope", "")
                resource = self._resource(scope, client_credentials=False)
                if mfa:
                    raise mfa_required(resource)
                user = self._redeem_refresh_token(client_id, form)
            return self._user_tokens(user, client_id, resource, scope, base)
        if not grant:
            raise _missing("grant_type")
        raise OAuthError(
            400, "unsupported_grant_type", 70003, f"The app requested an unsupported grant type '{grant}'."
        )

    def _public_client(self, client_id: str) -> None:
        with self._lock:
            known = client_id in self._apps or client_id in KNOWN_PUBLIC_CLIENTS
        if not known:
            raise app_not_found(client_id, self.tenant_id)

    def _resource(self, scope_text: str, *, client_credentials: bool) -> str:
        """The resource of the first non-OIDC scope (the token's ``aud``); checks the scope."""
        scopes = [s for s in scope_text.split() if s not in OIDC_SCOPES]
        if not scopes:
            if client_credentials or not scope_text.strip():
                raise _missing("scope")
            return "https://graph.microsoft.com"
        scope = scopes[0]
        if scope.endswith("/.default"):
            resource = scope[: -len("/.default")]
        elif client_credentials:
            raise OAuthError(
                400,
                "invalid_scope",
                1002012,
                f"The provided value for scope {scope} is not valid. Client credential flows must have a "
                "scope value with /.default suffixed to the resource identifier (application ID URI).",
            )
        else:
            resource = scope.rsplit("/", 1)[0] if "://" in scope and scope.count("/") > 2 else scope
        if resource.rstrip("/") not in KNOWN_RESOURCES and not resource.startswith("api://"):
            raise OAuthError(
                400,
                "invalid_resource",
                500011,
                f"The resource principal named {resource} was not found in the tenant named "
                f"{self.tenant_id}. This can happen if the application has not been installed by the "
                "administrator of the tenant or consented to by any user in the tenant. You might have sent "
                "your authentication request to the wrong tenant.",
            )
        return resource

    def _client_credentials(self, tenant: str, client_id: str, form: dict[str, str]) -> dict[str, object]:
        name = self._scenario().name
        resource = self._resource(form.get("scope", ""), client_credentials=True)
        with self._lock:
            app = self._apps.get(client_id)
        assertion = form.get("client_assertion")
        secret = form.get("client_secret")
        if assertion is not None:
            if form.get("client_assertion_type") != JWT_BEARER:
                raise _missing("client_assertion_type")
            jwt = parse_jwt(assertion)
            if name == "assertion-invalid":
                raise assertion_out_of_range(time.time(), jwt.claims if jwt else {})
            if app is None:
                raise app_not_found(client_id, self.tenant_id)
            if jwt is None:
                raise _err(_MALFORMED_ASSERTION)
            self._check_assertion(app, jwt, tenant)
            appidacr = "2"
        elif secret is not None:
            if name == "secret-invalid":
                raise secret_invalid(client_id)
            if name == "secret-expired":
                raise secret_expired(client_id)
            if app is None:
                raise app_not_found(client_id, self.tenant_id)
            if app.secret is None or not hmac.compare_digest(secret.encode(), app.secret.encode()):
                raise secret_invalid(client_id)
            if app.secret_expired:
                raise secret_expired(client_id)
            appidacr = "1"
        else:
            if app is None:
                raise app_not_found(client_id, self.tenant_id)
            raise _err(_NO_CREDENTIAL)
        token, life = self._access_token(resource, app.object_id, client_id, appidacr)
        return {"token_type": "Bearer", "expires_in": life, "ext_expires_in": life, "access_token": token}

    def _check_assertion(self, app: App, jwt: Jwt, tenant: str) -> None:
        """A certificate assertion (``iss == sub == client_id``) or a federated one (a registered
        issuer + subject); raises the matching OAuthError."""
        claims, now = jwt.claims, time.time()
        issuer, subject = claims.get("iss"), claims.get("sub")
        if issuer == app.client_id:
            if subject != app.client_id:
                raise _err(_ASSERTION_CLIENT_MISMATCH)
            if not any(self._is_token_endpoint(aud, tenant) for aud in _audiences(claims)):
                raise _err(_MALFORMED_ASSERTION)
            keys: list[RSAPublicKey] = [certificate_public_key(pem) for pem in app.certificates]
            if not any(verify_signature(jwt, key) for key in keys):
                raise _err(_BAD_SIGNATURE)
        else:
            if (issuer, subject) not in app.federated:
                raise _federated_mismatch("subject", str(subject))
            audiences = _audiences(claims)
            if FEDERATED_AUDIENCE not in audiences:
                raise _federated_mismatch("audience", ",".join(audiences))
        if not _within_time_range(claims, now):
            raise assertion_out_of_range(now, claims)

    def _is_token_endpoint(self, url: str, tenant: str) -> bool:
        parts, ours = urlsplit(url), urlsplit(self._authority_host())
        tenants = {tenant.lower(), self.tenant_id.lower(), *TENANT_ALIASES}
        paths = {f"/{t}/oauth2/v2.0/token" for t in tenants} | {f"/{t}/oauth2/token" for t in tenants}
        return (
            parts.scheme == "https"
            and parts.hostname in self._hosts
            and parts.port == ours.port
            and parts.path.lower() in paths
        )

    # --- device code and refresh token ---------------------------------------------------------

    def _device_code(self, form: dict[str, str], base: str) -> Reply:
        client_id = form.get("client_id")
        if not client_id:
            raise _missing("client_id")
        if self._scenario().name == "app-not-found":
            raise app_not_found(client_id, self.tenant_id)
        self._public_client(client_id)
        scope = form.get("scope", "")
        self._resource(scope, client_credentials=False)
        user_code = "".join(secrets.choice(_USER_CODE_ALPHABET) for _ in range(9))
        code = _DeviceCode(
            device_code="DAQABIQEAAAD" + secrets.token_urlsafe(48),
            user_code=user_code,
            client_id=client_id,
            scope=scope,
            expires_at=time.time() + self.device_code_expires_in,
            pending_left=self.device_code_polls,
        )
        with self._lock:
            self._device_codes[code.device_code] = code
        uri = f"{base}{DEVICE_LOGIN_PATH}"
        return self._json(
            200,
            {
                "user_code": user_code,
                "device_code": code.device_code,
                "verification_uri": uri,
                "expires_in": self.device_code_expires_in,
                "interval": self.device_code_interval,
                "message": f"To sign in, use a web browser to open the page {uri} and enter the code "
                f"{user_code} to authenticate.",
            },
        )

    def _redeem_device_code(self, client_id: str, form: dict[str, str], *, mfa: bool) -> tuple[User, str]:
        device_code = form.get("device_code")
        if not device_code:
            raise _missing("device_code")
        with self._lock:
            code = self._device_codes.get(device_code)
            if code is None or code.redeemed or code.client_id != client_id:
                raise _err(_BAD_DEVICE_CODE)
            if time.time() > code.expires_at:
                raise _err(_DEVICE_CODE_EXPIRED)
            if mfa:
                raise mfa_required(self._resource(code.scope, client_credentials=False))
            if code.approved is None:
                if code.pending_left is None or code.pending_left > 0:
                    if code.pending_left is not None:
                        code.pending_left -= 1
                    raise _err(_AUTHORIZATION_PENDING)
                code.approved = self._user(None).upn
            code.redeemed = True
            return self._user(code.approved), code.scope

    def _redeem_refresh_token(self, client_id: str, form: dict[str, str]) -> User:
        token = form.get("refresh_token")
        if not token:
            raise _missing("refresh_token")
        with self._lock:
            entry = self._refresh.get(token)
            if entry is None or entry.client_id != client_id:
                raise _err(_BAD_REFRESH_TOKEN)
            if entry.revoked:
                raise OAuthError(
                    400,
                    "invalid_grant",
                    700082,
                    f"The refresh token has expired due to inactivity. The token was issued on "
                    f"{_iso(entry.issued_at)} and was inactive for 90.00:00:00.",
                )
            return self._user(entry.upn)

    def _device_login(self, req: RecordedRequest) -> Reply:
        """The verification page: ``?code=USERCODE`` approves a pending code for the newest user."""
        user_code = req.query.get("code") or req.query.get("otc")
        text = "Emulator: device codes are approved automatically after a few polls."
        if user_code:
            try:
                self.approve_device_code(user_code)
                text = f"Emulator: code {user_code} approved."
            except KeyError:
                text = f"Emulator: no device code {user_code}."
        page = f"<html><body><p>{text}</p></body></html>".encode()
        return Reply(200, page, content_type="text/html; charset=utf-8")

    # --- tokens ----------------------------------------------------------------------------------

    def _issuer_v1(self) -> str:
        return f"https://sts.windows.net/{self.tenant_id}/"

    def _access_token(
        self, resource: str, object_id: str, client_id: str, appidacr: str, **extra: object
    ) -> tuple[str, int]:
        """A signed v1.0 access token and its ``expires_in``."""
        now = int(time.time())
        lifetime = self.token_lifetime
        claims: dict[str, object] = {
            "aud": resource,
            "iss": self._issuer_v1(),
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "aio": b64url(secrets.token_bytes(24)),
            "appid": client_id,
            "azp": client_id,
            "appidacr": appidacr,
            "idp": self._issuer_v1(),
            "idtyp": "app",
            "oid": object_id,
            "sub": object_id,
            "tid": self.tenant_id,
            "uti": b64url(secrets.token_bytes(16)),
            "ver": "1.0",
        }
        claims.update(extra)
        token = self.signing_key.sign(claims)
        with self._lock:
            self._issued += 1
        return token, max(lifetime - 1, 0)

    def _user_tokens(
        self, user: User, client_id: str, resource: str, scope: str, base: str
    ) -> dict[str, object]:
        now = int(time.time())
        access, life = self._access_token(
            resource,
            user.object_id,
            client_id,
            "0",
            idtyp="user",
            upn=user.upn,
            unique_name=user.upn,
            name=user.name,
            scp="user_impersonation",
            amr=["pwd", "mfa"],
            acr="1",
        )
        refresh = "1.AQAA" + secrets.token_urlsafe(64)
        with self._lock:
            self._refresh[refresh] = _Refresh(user.upn, client_id, now)
        id_token = self.signing_key.sign(
            {
                "aud": client_id,
                "iss": f"{base}/{self.tenant_id}/v2.0",
                "iat": now,
                "nbf": now,
                "exp": now + 3600,
                "name": user.name,
                "oid": user.object_id,
                "preferred_username": user.upn,
                "sub": b64url(uuid.uuid5(_NS, f"sub:{user.object_id}:{client_id}").bytes),
                "tid": self.tenant_id,
                "ver": "2.0",
            }
        )
        info = {"uid": user.object_id, "utid": self.tenant_id}
        client_info = b64url(json.dumps(info, separators=(",", ":")).encode())
        granted = " ".join(s for s in scope.split() if s not in OIDC_SCOPES)
        return {
            "token_type": "Bearer",
            "scope": granted,
            "expires_in": life,
            "ext_expires_in": life,
            "access_token": access,
            "refresh_token": refresh,
            "id_token": id_token,
            "client_info": client_info,
        }

    # --- managed identity (plain HTTP, data-plane port) ------------------------------------------

    def handle_msi(self, req: RecordedRequest) -> Reply:
        """``GET /msi/token?resource=…&api-version=2019-08-01[&client_id=…]`` with
        ``X-IDENTITY-HEADER``, answered as App Service does (``expires_on`` as an epoch string)."""
        self._record(req, {})
        header = req.headers.get("x-identity-header", "")
        if req.method != "GET" or not hmac.compare_digest(header.encode(), self.identity_header.encode()):
            return self._msi_error(401, "Unauthorized: the X-IDENTITY-HEADER header is missing or wrong.")
        resource = req.query.get("resource", "")
        if not resource:
            return self._msi_error(400, "Required query parameter 'resource' is missing.")
        if req.query.get("api-version") != MSI_API_VERSION:
            return self._msi_error(400, f"api-version must be {MSI_API_VERSION}.")
        identity = self._find_identity(req.query)
        if identity is None:
            return self._msi_error(400, "Unable to load the proper Managed Identity.")
        try:
            self._resource(resource.rstrip("/") + "/.default", client_credentials=True)
        except OAuthError as exc:
            return self._msi_error(400, f"AADSTS{exc.code}: {exc.description}")
        token, _ = self._access_token(
            resource, identity.object_id, identity.client_id, "2", xms_mirid=identity.resource_id
        )
        expires_on = int(time.time()) + self.token_lifetime
        body = {
            "access_token": token,
            "expires_on": str(expires_on),
            "resource": resource,
            "token_type": "Bearer",
            "client_id": identity.client_id,
        }
        return self._json(200, body)

    def _find_identity(self, query: dict[str, str]) -> ManagedIdentity | None:
        with self._lock:
            candidates = [*self._identities.values(), *([self._system] if self._system else [])]
        if "client_id" in query:
            return next((m for m in candidates if m.client_id == query["client_id"]), None)
        if "object_id" in query or "principal_id" in query:
            wanted = query.get("object_id") or query.get("principal_id")
            return next((m for m in candidates if m.object_id == wanted), None)
        if "mi_res_id" in query:
            return next((m for m in candidates if m.resource_id == query["mi_res_id"]), None)
        return self._system

    def _msi_error(self, status: int, message: str) -> Reply:
        body: dict[str, object] = {
            "statusCode": status,
            "message": message,
            "correlationId": str(uuid.uuid4()),
        }
        return self._json(status, body)

    # --- plumbing ------------------------------------------------------------------------------

    def _record(self, req: RecordedRequest, form: dict[str, str]) -> None:
        redacted = {k: REDACTED if k in SECRET_FIELDS else v for k, v in form.items()}
        entry = IdentityRequest(req.method, req.path, dict(req.query), redacted)
        with self._lock:
            self.requests.append(entry)

    @staticmethod
    def _headers(correlation_id: str) -> tuple[tuple[str, str], ...]:
        return (
            ("Cache-Control", "no-store, no-cache"),
            ("Pragma", "no-cache"),
            ("x-ms-request-id", str(uuid.uuid4())),
            ("x-ms-ests-server", "2.1.emulator"),
            ("client-request-id", correlation_id),
        )

    def _json(self, status: int, payload: Mapping[str, object]) -> Reply:
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        return Reply(status, body, self._headers(str(uuid.uuid4())), "application/json; charset=utf-8")
