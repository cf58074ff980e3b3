"""The emulated tenant's directory: app registrations (secrets, certificates, federated
credentials), users and managed identities, and whether each holds a data-plane role."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field

from foundry_cli.emulator.jwt_sign import certificate_public_key

DEFAULT_TENANT_ID = "00000000-0000-4000-8000-0000000000aa"
DEFAULT_USER_UPN = "developer@emulator.test"  # always registered; device codes sign in the newest user
AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"  # first-party public client, in every tenant
KNOWN_PUBLIC_CLIENTS = {AZURE_CLI_CLIENT_ID: "Microsoft Azure CLI"}
TENANT_ALIASES = ("common", "organizations")
NS = uuid.UUID("6f0c3f38-4d1e-4b7a-9a57-0e3c1ad0b001")  # stable object ids per emulator identity
FEDERATED_AUDIENCE = "api://AzureADTokenExchange"  # the default audience of a federated credential


@dataclass(frozen=True)
class FederatedCredential:
    """A federated identity credential of an app: Entra ID accepts a client assertion whose ``iss``,
    ``sub`` and ``aud`` match it exactly (case-sensitive since 2025)."""

    issuer: str
    subject: str
    audience: str = FEDERATED_AUDIENCE


@dataclass
class App:
    """An app registration (service principal) in the emulated tenant."""

    client_id: str
    object_id: str
    secret: str | None = None
    certificates: list[bytes] = field(default_factory=list)
    federated: list[FederatedCredential] = field(default_factory=list)
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


class Directory:
    """Apps, users and managed identities of one tenant; thread-safe."""

    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self._lock = threading.Lock()
        self._apps: dict[str, App] = {}
        self._users: dict[str, User] = {}  # by lower-case UPN, newest last
        self._identities: dict[str, ManagedIdentity] = {}  # by client id
        self._system: ManagedIdentity | None = None
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
        app = App(client_id, self.oid("app", client_id), secret, roles=roles, secret_expired=secret_expired)
        if certificate_pem is not None:
            pem = certificate_pem.encode() if isinstance(certificate_pem, str) else certificate_pem
            certificate_public_key(pem)  # ValueError now rather than at the first token request
            app.certificates.append(pem)
        if federated_subject is not None and federated_issuer is not None:
            app.federated.append(FederatedCredential(federated_issuer, federated_subject))
        with self._lock:
            self._apps[client_id] = app
        return app

    def add_federated_credential(
        self, client_id: str, issuer: str, subject: str, audience: str = FEDERATED_AUDIENCE
    ) -> App:
        """Add a federated identity credential to app ``client_id`` (registered now if it is not)."""
        with self._lock:
            app = self._apps.get(client_id)
        if app is None:
            app = self.add_app(client_id)
        with self._lock:
            app.federated.append(FederatedCredential(issuer, subject, audience))
        return app

    def add_user(self, upn: str, *, roles: bool = True) -> User:
        user = User(upn, self.oid("user", upn.lower()), roles)
        with self._lock:
            self._users.pop(upn.lower(), None)
            self._users[upn.lower()] = user  # newest last: device codes sign in the newest user
        return user

    def add_managed_identity(self, client_id: str | None = None, *, roles: bool = True) -> ManagedIdentity:
        """A user-assigned identity (``client_id``) or, with None, the system-assigned one."""
        system = client_id is None
        cid = client_id or str(uuid.uuid5(NS, f"system-mi:{self.tenant_id}"))
        identity = ManagedIdentity(cid, self.oid("mi", cid), system, roles)
        with self._lock:
            if system:
                self._system = identity
            else:
                self._identities[cid] = identity
        return identity

    # --- look-ups ---------------------------------------------------------------------------

    def oid(self, kind: str, name: str) -> str:
        return str(uuid.uuid5(NS, f"{kind}:{self.tenant_id}:{name}"))

    def app(self, client_id: str) -> App | None:
        with self._lock:
            return self._apps.get(client_id)

    def is_public_client(self, client_id: str) -> bool:
        """A registered app or a first-party public client (the Azure CLI)."""
        with self._lock:
            return client_id in self._apps or client_id in KNOWN_PUBLIC_CLIENTS

    def user(self, upn: str | None) -> User:
        """The user ``upn`` or, with None, the newest one."""
        with self._lock:
            if upn is None:
                return list(self._users.values())[-1]
            try:
                return self._users[upn.lower()]
            except KeyError:
                raise KeyError(f"no user {upn!r}; add it with add_user()") from None

    def is_tenant(self, tenant: str) -> bool:
        """The tenant's id or an alias (``common``, ``organizations``)."""
        return tenant.lower() == self.tenant_id.lower() or tenant.lower() in TENANT_ALIASES

    def find_identity(self, query: dict[str, str]) -> ManagedIdentity | None:
        """The managed identity a token request names (client, object or resource id), else the
        system-assigned one."""
        with self._lock:
            candidates = [*self._identities.values(), *([self._system] if self._system else [])]
            system = self._system
        if "client_id" in query:
            return next((m for m in candidates if m.client_id == query["client_id"]), None)
        if "object_id" in query or "principal_id" in query:
            wanted = query.get("object_id") or query.get("principal_id")
            return next((m for m in candidates if m.object_id == wanted), None)
        if "mi_res_id" in query:
            return next((m for m in candidates if m.resource_id == query["mi_res_id"]), None)
        return system

    def has_data_role(self, object_id: str) -> bool:
        with self._lock:
            principals: list[App | User | ManagedIdentity] = [
                *self._apps.values(),
                *self._users.values(),
                *self._identities.values(),
                *([self._system] if self._system else []),
            ]
        return all(p.roles for p in principals if p.object_id == object_id)
