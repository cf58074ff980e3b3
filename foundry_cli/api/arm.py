"""The control-plane (Azure Resource Manager) client: account, deployments, projects, permissions.

Reads only (reference §6). The caller supplies a credential whose token is for the management
endpoint (scope ``{management_endpoint}/.default``); only its ``authorization`` header is ever
sent, so an API key never leaves for the management plane. Errors are :class:`ApiError` from
:func:`~foundry_cli.api.error_body.parse_error` (401/403 keep their ARM codes).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from foundry_cli.api.error_body import load_json, parse_error, server_text
from foundry_cli.api.transport import check_url, make_client
from foundry_cli.errors import ApiError, AuthError, NetworkError

if TYPE_CHECKING:
    import httpx2

ACCOUNTS_API_VERSION = "2025-06-01"
PERMISSIONS_API_VERSION = "2022-04-01"
PROVIDER = "Microsoft.CognitiveServices"
MAX_PAGES = 20

#: data actions that allow Claude inference (reference §2, data-plane RBAC); wildcards as ARM uses them
CLAUDE_DATA_ACTIONS = (
    "Microsoft.CognitiveServices/accounts/providers/anthropic/messages/action",
    "Microsoft.CognitiveServices/accounts/MaaS/anthropic/messages/action",
    "Microsoft.CognitiveServices/accounts/AIServices/anthropic/messages/action",
)


class HeaderSource(Protocol):
    """Anything with ``headers(api)`` (e.g. what ``auth.factory.make_credential`` returns)."""

    def headers(self, api: str) -> dict[str, str]: ...


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    location: str
    kind: str
    endpoint: str | None
    endpoints: dict[str, str]
    disable_local_auth: bool
    subscription_id: str
    resource_group: str
    custom_subdomain: str | None = None


@dataclass(frozen=True)
class Deployment:
    name: str
    model_format: str
    model_name: str
    model_version: str
    sku: str
    capacity: int | None
    state: str


@dataclass(frozen=True)
class Permission:
    actions: tuple[str, ...]
    not_actions: tuple[str, ...]
    data_actions: tuple[str, ...]
    not_data_actions: tuple[str, ...]


def _matches(pattern: str, action: str) -> bool:
    """ARM wildcard match, case-insensitive (``*`` spans ``/``)."""
    return fnmatch.fnmatchcase(action.lower(), pattern.lower().replace("[", "[[]"))


def covers_claude_inference(perms: list[Permission]) -> bool:
    """Whether the effective permissions grant a data action that Claude inference needs.

    True when some entry allows (``dataActions``, wildcards) one of :data:`CLAUDE_DATA_ACTIONS`
    and the same entry's ``notDataActions`` does not take it away.
    """
    for perm in perms:
        for action in CLAUDE_DATA_ACTIONS:
            allowed = any(_matches(p, action) for p in perm.data_actions)
            if allowed and not any(_matches(p, action) for p in perm.not_data_actions):
                return True
    return False


def _str(doc: Any, *keys: str) -> str | None:
    for key in keys:
        if not isinstance(doc, dict):
            return None
        doc = doc.get(key)
    return doc if isinstance(doc, str) else None


def _id_part(resource_id: str, name: str) -> str:
    parts = resource_id.strip("/").split("/")
    lowered = [p.lower() for p in parts]
    try:
        return parts[lowered.index(name.lower()) + 1]
    except (ValueError, IndexError):
        return ""


def _host(value: str) -> str:
    value = value.strip()
    if "://" not in value:
        value = "https://" + value
    return (urlsplit(value).hostname or "").lower()


def parse_account(doc: Any) -> Account:
    props = doc.get("properties") if isinstance(doc, dict) else None
    props = props if isinstance(props, dict) else {}
    endpoints = props.get("endpoints")
    rid = _str(doc, "id") or ""
    return Account(
        id=rid,
        name=_str(doc, "name") or "",
        location=_str(doc, "location") or "",
        kind=_str(doc, "kind") or "",
        endpoint=_str(props, "endpoint"),
        endpoints={str(k): str(v) for k, v in endpoints.items()} if isinstance(endpoints, dict) else {},
        disable_local_auth=props.get("disableLocalAuth") is True,
        subscription_id=_id_part(rid, "subscriptions"),
        resource_group=_id_part(rid, "resourceGroups"),
        custom_subdomain=_str(props, "customSubDomainName"),
    )


def parse_deployment(doc: Any) -> Deployment:
    capacity = doc.get("sku", {}).get("capacity") if isinstance(doc.get("sku"), dict) else None
    return Deployment(
        name=_str(doc, "name") or "",
        model_format=_str(doc, "properties", "model", "format") or "",
        model_name=_str(doc, "properties", "model", "name") or "",
        model_version=_str(doc, "properties", "model", "version") or "",
        sku=_str(doc, "sku", "name") or "",
        capacity=capacity if isinstance(capacity, int) and not isinstance(capacity, bool) else None,
        state=_str(doc, "properties", "provisioningState") or "",
    )


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()


def parse_permission(doc: Any) -> Permission:
    doc = doc if isinstance(doc, dict) else {}
    return Permission(
        actions=_strings(doc.get("actions")),
        not_actions=_strings(doc.get("notActions")),
        data_actions=_strings(doc.get("dataActions")),
        not_data_actions=_strings(doc.get("notDataActions")),
    )


class ArmClient:
    """Reads from Azure Resource Manager at ``management_endpoint`` with a management-plane token."""

    def __init__(
        self,
        management_endpoint: str,
        credential: HeaderSource,
        *,
        transport: httpx2.BaseTransport | None = None,
        timeout: float = 15.0,
        debug: Callable[[str], None] | None = None,
    ) -> None:
        self.base = management_endpoint.rstrip("/")
        check_url(self.base)
        self.credential = credential
        self._http = make_client(
            connect_timeout=timeout, read_timeout=timeout, transport=transport, debug=debug
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ArmClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reads ---------------------------------------------------------------------------------

    def accounts(self, subscription_id: str) -> list[Account]:
        path = f"/subscriptions/{subscription_id}/providers/{PROVIDER}/accounts"
        return [parse_account(doc) for doc in self._list(path, ACCOUNTS_API_VERSION)]

    def find_account(self, *, subscription_id: str, host: str) -> Account | None:
        """The account whose endpoint host, custom subdomain or name matches ``host``.

        ``host`` may be a host name, a URL, or a bare resource name.
        """
        wanted = _host(host)
        label = wanted.split(".", 1)[0]
        accounts = self.accounts(subscription_id)
        for account in accounts:
            hosts = {_host(e) for e in [account.endpoint or "", *account.endpoints.values()] if e}
            if wanted in hosts:
                return account
        for account in accounts:
            if label and label in {account.name.lower(), (account.custom_subdomain or "").lower()}:
                return account
        return None

    def account(self, subscription_id: str, resource_group: str, name: str) -> Account:
        group = f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"
        path = f"{group}/providers/{PROVIDER}/accounts/{name}"
        return parse_account(self._get(path, ACCOUNTS_API_VERSION))

    def deployments(self, account: Account) -> list[Deployment]:
        return [parse_deployment(d) for d in self._list(f"{account.id}/deployments", ACCOUNTS_API_VERSION)]

    def projects(self, account: Account) -> list[str]:
        """Project names (the part after ``<account>/`` of each project's ``name``)."""
        names = [_str(d, "name") or "" for d in self._list(f"{account.id}/projects", ACCOUNTS_API_VERSION)]
        return [n.rsplit("/", 1)[-1] for n in names if n]

    def permissions(self, resource_id: str) -> list[Permission]:
        path = f"/{resource_id.strip('/')}/providers/Microsoft.Authorization/permissions"
        return [parse_permission(d) for d in self._list(path, PERMISSIONS_API_VERSION)]

    # --- HTTP ----------------------------------------------------------------------------------

    def _auth_headers(self) -> dict[str, str]:
        headers = {k.lower(): v for k, v in self.credential.headers("messages").items()}
        if "authorization" not in headers:
            raise AuthError(
                "API-key auth has no control-plane token: the management plane needs an Entra ID auth mode."
            )
        return {"authorization": headers["authorization"], "accept": "application/json"}

    def _get(self, path_or_url: str, api_version: str | None) -> Any:
        import httpx2

        url = path_or_url if "://" in path_or_url else self.base + path_or_url
        check_url(url)
        params = {"api-version": api_version} if api_version else None
        try:
            response = self._http.get(url, params=params, headers=self._auth_headers())
        except httpx2.TransportError as exc:
            label = type(exc).__name__
            # a local protocol error quotes the header value it refused (a token): never shown
            detail = label if isinstance(exc, httpx2.LocalProtocolError) else server_text(str(exc), 300)
            raise NetworkError(
                f"could not reach the management endpoint {self.base} ({detail or label}).",
                status=0,
                code=label,
            ) from None
        headers = {k.lower(): v for k, v in response.headers.items()}
        if response.status_code >= 300:  # a redirect is reported, never followed (it would carry the token)
            raise parse_error(response.status_code, headers, response.content)
        try:
            return load_json(response.content)
        except ValueError:
            raise ApiError(
                f"the management endpoint answered HTTP {response.status_code} with a body that is not JSON.",
                status=response.status_code,
            ) from None

    def _list(self, path: str, api_version: str) -> list[Any]:
        """All items of a (possibly paged, ``nextLink``) ARM list."""
        out: list[Any] = []
        doc = self._get(path, api_version)
        for _ in range(MAX_PAGES):
            value = doc.get("value") if isinstance(doc, dict) else None
            out += [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
            link = doc.get("nextLink") if isinstance(doc, dict) else None
            if not isinstance(link, str) or not link.startswith(self.base + "/"):
                break  # never send the token anywhere but the management endpoint
            doc = self._get(link, None)
        return out
