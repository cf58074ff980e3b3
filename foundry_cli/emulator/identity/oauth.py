"""The emulated Entra ID's OAuth 2.0 / OIDC endpoints on the HTTPS port: discovery and keys, the
v2.0 token endpoint (client credentials with a secret, a certificate or a federated assertion; device
code; refresh token), the device-code endpoint and its verification page."""

from __future__ import annotations

import hmac
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from foundry_cli.emulator import scenarios as sc
from foundry_cli.emulator.identity import errors as e
from foundry_cli.emulator.identity.directory import NS, TENANT_ALIASES, App, Directory, User
from foundry_cli.emulator.identity.issuer import Issuer
from foundry_cli.emulator.jwt_sign import (
    Jwt,
    b64url,
    certificate_public_key,
    parse_jwt,
    verify_signature,
)
from foundry_cli.emulator.service import RecordedRequest, Reply

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

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
DEVICE_LOGIN_PATH = "/devicelogin"
_AUTH_METHODS = ["client_secret_post", "private_key_jwt", "client_secret_basic"]
_CLAIMS_SUPPORTED = [
    *("sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name"),
    *("tid", "ver", "at_hash", "c_hash", "email"),
]
_USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ23456789"


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


def resource_for(scope_text: str, tenant_id: str, *, client_credentials: bool) -> str:
    """The resource of the first non-OIDC scope (the token's ``aud``); checks the scope."""
    scopes = [s for s in scope_text.split() if s not in OIDC_SCOPES]
    if not scopes:
        if client_credentials or not scope_text.strip():
            raise e.missing("scope")
        return "https://graph.microsoft.com"
    scope = scopes[0]
    if scope.endswith("/.default"):
        resource = scope[: -len("/.default")]
    elif client_credentials:
        raise e.scope_without_default(scope)
    else:
        resource = scope.rsplit("/", 1)[0] if "://" in scope and scope.count("/") > 2 else scope
    if resource.rstrip("/") not in KNOWN_RESOURCES and not resource.startswith("api://"):
        raise e.resource_not_found(resource, tenant_id)
    return resource


class OAuthEndpoints:
    """Discovery, token and device-code endpoints of one tenant (the HTTPS port)."""

    def __init__(
        self,
        directory: Directory,
        issuer: Issuer,
        *,
        scenario: Callable[[], sc.Scenario],
        authority_host: Callable[[], str],
        hosts: tuple[str, ...],
        device_code_polls: int | None = 1,
        device_code_interval: int = 1,
        device_code_expires_in: int = 900,
    ) -> None:
        self.directory = directory
        self.issuer = issuer
        self.device_code_polls = device_code_polls
        self.device_code_interval = device_code_interval
        self.device_code_expires_in = device_code_expires_in
        self._scenario = scenario
        self._authority_host = authority_host
        self._hosts = frozenset(hosts)
        self._lock = threading.Lock()
        self._device_codes: dict[str, _DeviceCode] = {}  # by device code
        self._refresh: dict[str, _Refresh] = {}

    @property
    def tenant_id(self) -> str:
        return self.directory.tenant_id

    # --- test controls ------------------------------------------------------------------------

    def approve_device_code(self, user_code: str, upn: str | None = None) -> None:
        """Sign ``upn`` (default: the newest user) in on the device code ``user_code``."""
        user = self.directory.user(upn)
        with self._lock:
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

    # --- routing ------------------------------------------------------------------------------

    def handle(self, req: RecordedRequest, form: dict[str, str]) -> Reply:
        correlation_id = req.headers.get("client-request-id") or str(uuid.uuid4())
        try:
            return self._route(req, form, self._base(req))
        except e.OAuthError as exc:
            return e.error_reply(exc, correlation_id)

    def _route(self, req: RecordedRequest, form: dict[str, str], base: str) -> Reply:
        if req.path == DEVICE_LOGIN_PATH and req.method == "GET":
            return self._device_login(req)
        tenant, _, rest = req.path.lstrip("/").partition("/")
        rest = rest.rstrip("/")
        get = req.method == "GET"
        if rest in ("v2.0/.well-known/openid-configuration", ".well-known/openid-configuration") and get:
            return self._discovery(tenant, base, v2=rest.startswith("v2.0"))
        if rest in ("discovery/v2.0/keys", "discovery/keys") and get:
            return e.json_reply(200, {"keys": [self.issuer.signing_key.jwk()]})
        if rest in ("oauth2/v2.0/token", "oauth2/v2.0/devicecode"):
            if req.method != "POST":
                raise e.post_only(req.method)
            self._check_tenant(tenant)
            if rest.endswith("devicecode"):
                return self._device_code(form, base)
            return e.json_reply(200, self._token(tenant, form, base))
        page = b"<html><body><h1>404 Not Found</h1></body></html>"
        return Reply(404, page, content_type="text/html; charset=utf-8")

    def _base(self, req: RecordedRequest) -> str:
        """``https://`` + the Host the client used (127.0.0.1 or localhost), else authority_host."""
        host = req.headers.get("host", "")
        if host and urlsplit(f"//{host}").hostname in self._hosts:
            return f"https://{host}"
        return self._authority_host()

    def _known_tenant(self, tenant: str) -> bool:
        return self._scenario().name != "tenant-not-found" and self.directory.is_tenant(tenant)

    def _check_tenant(self, tenant: str) -> None:
        if not self._known_tenant(tenant):
            raise e.tenant_not_found(tenant)

    def _resource(self, scope_text: str, *, client_credentials: bool) -> str:
        return resource_for(scope_text, self.tenant_id, client_credentials=client_credentials)

    # --- discovery ------------------------------------------------------------------------------

    def _discovery(self, tenant: str, base: str, *, v2: bool) -> Reply:
        if not self._known_tenant(tenant):
            raise e.tenant_not_found(tenant, "invalid_tenant")
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
        return e.json_reply(200, doc)

    # --- the token endpoint -------------------------------------------------------------------

    def _token(self, tenant: str, form: dict[str, str], base: str) -> dict[str, object]:
        client_id = form.get("client_id")
        if not client_id:
            raise e.missing("client_id")
        if self._scenario().name == "app-not-found":
            raise e.app_not_found(client_id, self.tenant_id)
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
                    raise e.mfa_required(resource)
                user = self._redeem_refresh_token(client_id, form)
            return self._user_tokens(user, client_id, resource, scope, base)
        if not grant:
            raise e.missing("grant_type")
        raise e.unsupported_grant(grant)

    def _public_client(self, client_id: str) -> None:
        if not self.directory.is_public_client(client_id):
            raise e.app_not_found(client_id, self.tenant_id)

    def _client_credentials(self, tenant: str, client_id: str, form: dict[str, str]) -> dict[str, object]:
        name = self._scenario().name
        resource = self._resource(form.get("scope", ""), client_credentials=True)
        app = self.directory.app(client_id)
        assertion = form.get("client_assertion")
        secret = form.get("client_secret")
        if assertion is not None:
            app = self._assertion_app(app, client_id, form, assertion, tenant, name)
            appidacr = "2"
        elif secret is not None:
            app = self._secret_app(app, client_id, secret, name)
            appidacr = "1"
        else:
            if app is None:
                raise e.app_not_found(client_id, self.tenant_id)
            raise e.err(e.NO_CREDENTIAL)
        token, life = self.issuer.access_token(resource, app.object_id, client_id, appidacr)
        return {"token_type": "Bearer", "expires_in": life, "ext_expires_in": life, "access_token": token}

    def _assertion_app(
        self, app: App | None, client_id: str, form: dict[str, str], assertion: str, tenant: str, name: str
    ) -> App:
        """The app a client assertion (certificate or federated) signs in as; raises the matching
        OAuthError when the assertion (or the app) is refused."""
        if form.get("client_assertion_type") != JWT_BEARER:
            raise e.missing("client_assertion_type")
        jwt = parse_jwt(assertion)
        if name == "assertion-invalid":
            raise e.assertion_out_of_range(time.time(), jwt.claims if jwt else {})
        if app is None:
            raise e.app_not_found(client_id, self.tenant_id)
        if jwt is None:
            raise e.err(e.MALFORMED_ASSERTION)
        self._check_assertion(app, jwt, tenant)
        return app

    def _secret_app(self, app: App | None, client_id: str, secret: str, name: str) -> App:
        """The app a client secret signs in as; raises the matching OAuthError when the secret is
        wrong or expired (or the scenario says so), or the app is unknown."""
        if name == "secret-invalid":
            raise e.secret_invalid(client_id)
        if name == "secret-expired":
            raise e.secret_expired(client_id)
        if app is None:
            raise e.app_not_found(client_id, self.tenant_id)
        if app.secret is None or not hmac.compare_digest(secret.encode(), app.secret.encode()):
            raise e.secret_invalid(client_id)
        if app.secret_expired:
            raise e.secret_expired(client_id)
        return app

    def _check_assertion(self, app: App, jwt: Jwt, tenant: str) -> None:
        """A certificate assertion (``iss == sub == client_id``) or a federated one (a registered
        issuer + subject); raises the matching OAuthError."""
        claims, now = jwt.claims, time.time()
        issuer, subject = claims.get("iss"), claims.get("sub")
        if issuer == app.client_id:
            if subject != app.client_id:
                raise e.err(e.ASSERTION_CLIENT_MISMATCH)
            if not any(self._is_token_endpoint(aud, tenant) for aud in _audiences(claims)):
                raise e.err(e.MALFORMED_ASSERTION)
            keys: list[RSAPublicKey] = [certificate_public_key(pem) for pem in app.certificates]
            if not any(verify_signature(jwt, key) for key in keys):
                raise e.err(e.BAD_SIGNATURE)
        else:
            self._check_federated(app, claims)
        if not _within_time_range(claims, now):
            raise e.assertion_out_of_range(now, claims)

    def _check_federated(self, app: App, claims: dict[str, object]) -> None:
        """Entra ID's federated match: a credential with the assertion's issuer, then its exact
        subject (one that differs only in case is AADSTS7002138), then one of its audiences."""
        issuer, subject, audiences = str(claims.get("iss")), str(claims.get("sub")), _audiences(claims)
        if self._scenario().name == "federation-mismatch":
            raise e.federated_mismatch("subject", subject)
        same_issuer = [c for c in app.federated if c.issuer == issuer]
        if not same_issuer:
            raise e.federated_mismatch("issuer", issuer)
        same_subject = [c for c in same_issuer if c.subject == subject]
        if not same_subject:
            if any(c.subject.lower() == subject.lower() for c in same_issuer):
                raise e.federated_case_mismatch(subject)
            raise e.federated_mismatch("subject", subject)
        if not any(c.audience in audiences for c in same_subject):
            raise e.federated_mismatch("audience", ",".join(audiences))

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
            raise e.missing("client_id")
        if self._scenario().name == "app-not-found":
            raise e.app_not_found(client_id, self.tenant_id)
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
        return e.json_reply(
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
            raise e.missing("device_code")
        newest = self.directory.user(None).upn
        with self._lock:
            code = self._device_codes.get(device_code)
            if code is None or code.redeemed or code.client_id != client_id:
                raise e.err(e.BAD_DEVICE_CODE)
            if time.time() > code.expires_at:
                raise e.err(e.DEVICE_CODE_EXPIRED)
            if mfa:
                raise e.mfa_required(self._resource(code.scope, client_credentials=False))
            if code.approved is None:
                if code.pending_left is None or code.pending_left > 0:
                    if code.pending_left is not None:
                        code.pending_left -= 1
                    raise e.err(e.AUTHORIZATION_PENDING)
                code.approved = newest
            code.redeemed = True
            upn, scope = code.approved, code.scope
        return self.directory.user(upn), scope

    def _redeem_refresh_token(self, client_id: str, form: dict[str, str]) -> User:
        token = form.get("refresh_token")
        if not token:
            raise e.missing("refresh_token")
        with self._lock:
            entry = self._refresh.get(token)
            if entry is None or entry.client_id != client_id:
                raise e.err(e.BAD_REFRESH_TOKEN)
            if entry.revoked:
                raise e.refresh_token_inactive(entry.issued_at)
            upn = entry.upn
        return self.directory.user(upn)

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

    # --- tokens for a user ------------------------------------------------------------------------

    def _user_tokens(
        self, user: User, client_id: str, resource: str, scope: str, base: str
    ) -> dict[str, object]:
        now = int(time.time())
        access, life = self.issuer.access_token(
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
        id_token = self.issuer.signing_key.sign(
            {
                "aud": client_id,
                "iss": f"{base}/{self.tenant_id}/v2.0",
                "iat": now,
                "nbf": now,
                "exp": now + 3600,
                "name": user.name,
                "oid": user.object_id,
                "preferred_username": user.upn,
                "sub": b64url(uuid.uuid5(NS, f"sub:{user.object_id}:{client_id}").bytes),
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
