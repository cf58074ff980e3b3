"""The management plane (Azure Resource Manager) subset the CLI reads, on the data-plane port.

With the emulator as ``management_endpoint`` (``emu.base_url``): the Cognitive Services account,
its deployments and projects, and the caller's effective permissions (reference §6). Bearer
tokens must be for ``https://management.azure.com`` (or ``https://management.core.windows.net/``);
every route needs an ``api-version`` query. Errors use the ARM shape
``{"error":{"code","message"}}``. No I/O here: ``ArmService.handle`` turns a recorded request into
a ``Reply``.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from foundry_cli.emulator import scenarios as sc
from foundry_cli.emulator.service import RecordedRequest, Reply, TokenIssuer
from foundry_cli.emulator.tokens import audience_ok, decode_claims, unexpired

ARM_PREFIX = "/subscriptions/"
PROVIDER = "Microsoft.CognitiveServices"
PERMISSIONS_SUFFIX = "/providers/Microsoft.Authorization/permissions"
DEFAULT_SUBSCRIPTION_ID = "00000000-1111-4222-8333-5ec0e0a7e511"
DEFAULT_RESOURCE_GROUP = "rg-emulator"
DEFAULT_ACCOUNT_NAME = "emulator"
DEFAULT_LOCATION = "eastus2"
DEFAULT_CAPACITY = 100
REGION_SCENARIO_LOCATION = "westeurope"
ALLOWED_AUDIENCES = (
    "https://management.core.windows.net/",
    "https://management.core.windows.net",
    "https://management.azure.com/",
    "https://management.azure.com",
)
#: model versions the deployments report (reference §6: ``--model-version "20250929"``)
MODEL_VERSIONS = {
    "claude-sonnet-4-5": "20250929",
    "claude-haiku-4-5": "20251001",
    "claude-opus-4-1": "20250805",
    "claude-opus-4-5": "20251101",
}

_ACCOUNTS_IN_SUB = re.compile(r"/subscriptions/([^/]+)/providers/Microsoft\.CognitiveServices/accounts", re.I)
_ACCOUNTS_IN_RG = re.compile(
    r"/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.CognitiveServices/accounts", re.I
)
_ACCOUNT = re.compile(
    r"/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.CognitiveServices/accounts/([^/]+)"
    r"(?:/(deployments|projects))?",
    re.I,
)
_SUBSCRIPTION = re.compile(r"/subscriptions/([^/]+)(?:/resourceGroups/([^/]+))?(?:/.*)?", re.I)

#: effective permissions of a principal with, and without, a data-plane role on the account
READER_ACTIONS = ("Microsoft.CognitiveServices/*/read", "Microsoft.Resources/*/read")
USER_DATA_ACTIONS = ("Microsoft.CognitiveServices/*",)


def _body(doc: object) -> bytes:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def arm_error_body(code: str, message: str) -> bytes:
    return _body({"error": {"code": code, "message": message}})


MISSING_API_VERSION_BODY = arm_error_body(
    "MissingApiVersionParameter",
    "The api-version query parameter (?api-version=) is required for all requests.",
)
MISSING_TOKEN_BODY = arm_error_body(
    "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."
)
INVALID_TOKEN_BODY = arm_error_body("InvalidAuthenticationToken", "The access token is invalid.")


def wrong_audience_body(aud: str) -> bytes:
    allowed = ",".join(f"'{a}'" for a in ALLOWED_AUDIENCES)
    return arm_error_body(
        "InvalidAuthenticationTokenAudience",
        f"The access token has been obtained for wrong audience or resource '{aud}'. It should exactly "
        f"match with one of the allowed audiences {allowed}.",
    )


def expired_body(exp: float) -> bytes:
    fmt = "%m/%d/%Y %H:%M:%S"
    return arm_error_body(
        "ExpiredAuthenticationToken",
        f"The access token expiry UTC time '{time.strftime(fmt, time.gmtime(exp))}' is earlier than current "
        f"UTC time '{time.strftime(fmt, time.gmtime())}'.",
    )


@dataclass(frozen=True)
class ArmConfig:
    """Where the emulated account lives (``Emulator(subscription_id=..., ...)``)."""

    subscription_id: str = DEFAULT_SUBSCRIPTION_ID
    resource_group: str = DEFAULT_RESOURCE_GROUP
    account_name: str = DEFAULT_ACCOUNT_NAME
    location: str = DEFAULT_LOCATION


class ArmService:
    """Answers ARM requests from the emulator's live state (deployments, projects, scenario)."""

    def __init__(
        self,
        config: Callable[[], ArmConfig],
        *,
        base_url: Callable[[], str],
        deployments: Callable[[], tuple[str, ...]],
        deployment_models: Callable[[], dict[str, str]],
        projects: Callable[[], tuple[str, ...]],
        scenario: Callable[[], sc.Scenario],
        identity: Callable[[], TokenIssuer | None],
    ) -> None:
        self._config = config
        self._base_url = base_url
        self._deployments = deployments
        self._deployment_models = deployment_models
        self._projects = projects
        self._scenario = scenario
        self._identity = identity

    @staticmethod
    def matches(path: str) -> bool:
        return path.lower().startswith(ARM_PREFIX)

    def handle(self, req: RecordedRequest) -> Reply:
        headers = (("x-ms-request-id", str(uuid.uuid4())), ("x-ms-correlation-request-id", str(uuid.uuid4())))
        claims_or_error = self._authenticate(req)
        if isinstance(claims_or_error, bytes):
            return Reply(
                401, claims_or_error, (*headers, ("www-authenticate", 'Bearer error="invalid_token"'))
            )
        if "api-version" not in req.query:
            return Reply(400, MISSING_API_VERSION_BODY, headers)
        status, doc = self._route(req, claims_or_error)
        return Reply(status, doc if isinstance(doc, bytes) else _body(doc), headers)

    # --- auth ----------------------------------------------------------------------------------

    def _authenticate(self, req: RecordedRequest) -> dict[str, object] | bytes:
        authorization = req.headers.get("authorization", "").strip()
        if not authorization:
            return MISSING_TOKEN_BODY
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return INVALID_TOKEN_BODY
        identity = self._identity()
        claims = identity.verify_access_token(token.strip()) if identity else decode_claims(token.strip())
        if claims is None:
            return INVALID_TOKEN_BODY
        if not audience_ok(claims, ALLOWED_AUDIENCES):
            aud = claims.get("aud")
            return wrong_audience_body(aud if isinstance(aud, str) else json.dumps(aud))
        if not unexpired(claims):
            exp = claims.get("exp")
            return expired_body(float(exp) if isinstance(exp, int | float) else 0.0)
        return claims

    # --- routes --------------------------------------------------------------------------------

    def _route(self, req: RecordedRequest, claims: dict[str, object]) -> tuple[int, object]:
        cfg = self._config()
        path = req.path.rstrip("/")
        if req.method != "GET":
            return 405, arm_error_body("MethodNotAllowed", f"The method '{req.method}' is not allowed.")
        if path.lower().endswith(PERMISSIONS_SUFFIX.lower()):
            return self._permissions(cfg, path[: -len(PERMISSIONS_SUFFIX)], claims)
        refused = _scope_refusal(cfg, path)
        if refused is not None:
            return refused
        return self._account_route(cfg, path)

    def _account_route(self, cfg: ArmConfig, path: str) -> tuple[int, object]:
        """A GET in the emulated subscription (and resource group): the account list, the account,
        or its deployments or projects."""
        if _ACCOUNTS_IN_SUB.fullmatch(path) or _ACCOUNTS_IN_RG.fullmatch(path):
            return 200, {"value": [self._account(cfg)]}
        m = _ACCOUNT.fullmatch(path)
        if m is None:
            return 404, arm_error_body(
                "InvalidResourceType", f"The resource type could not be found in the namespace '{PROVIDER}'."
            )
        if m.group(3).lower() != cfg.account_name.lower():
            return 404, _not_found(f"{PROVIDER}/accounts/{m.group(3)}", m.group(2))
        if m.group(4) is None:
            return 200, self._account(cfg)
        if m.group(4).lower() == "deployments":
            return 200, {"value": self._deployment_docs(cfg)}
        return 200, {"value": self._project_docs(cfg)}

    def account_id(self, cfg: ArmConfig) -> str:
        return (
            f"/subscriptions/{cfg.subscription_id}/resourceGroups/{cfg.resource_group}"
            f"/providers/{PROVIDER}/accounts/{cfg.account_name}"
        )

    def _location(self, cfg: ArmConfig) -> str:
        return REGION_SCENARIO_LOCATION if self._scenario().name == "region" else cfg.location

    def _account(self, cfg: ArmConfig) -> dict[str, object]:
        base = self._base_url().rstrip("/") + "/"
        return {
            "id": self.account_id(cfg),
            "name": cfg.account_name,
            "type": f"{PROVIDER}/accounts",
            "kind": "AIServices",
            "location": self._location(cfg),
            "sku": {"name": "S0"},
            "properties": {
                "endpoint": base,
                "endpoints": {
                    "AI Foundry API": base,
                    "OpenAI Language Model Instance API": base,
                    "Azure AI Model Inference API": base + "models",
                },
                "customSubDomainName": cfg.account_name,
                "disableLocalAuth": self._scenario().name == "key-auth-disabled",
                "provisioningState": "Succeeded",
                "publicNetworkAccess": "Enabled",
            },
        }

    def _deployment_docs(self, cfg: ArmConfig) -> list[dict[str, object]]:
        models = self._deployment_models()
        out: list[dict[str, object]] = []
        for name in self._deployments():
            model = models.get(name, name)
            out.append(
                {
                    "id": f"{self.account_id(cfg)}/deployments/{name}",
                    "name": name,
                    "type": f"{PROVIDER}/accounts/deployments",
                    "sku": {"name": "GlobalStandard", "capacity": DEFAULT_CAPACITY},
                    "properties": {
                        "model": {
                            "format": "Anthropic",
                            "name": model,
                            "version": MODEL_VERSIONS.get(model, "1"),
                        },
                        "provisioningState": "Succeeded",
                        "versionUpgradeOption": "NoAutoUpgrade",
                    },
                }
            )
        return out

    def _project_docs(self, cfg: ArmConfig) -> list[dict[str, object]]:
        base = self._base_url().rstrip("/")
        return [
            {
                "id": f"{self.account_id(cfg)}/projects/{project}",
                "name": f"{cfg.account_name}/{project}",
                "type": f"{PROVIDER}/accounts/projects",
                "location": self._location(cfg),
                "properties": {
                    "endpoints": {"AI Foundry API": f"{base}/api/projects/{project}"},
                    "provisioningState": "Succeeded",
                },
            }
            for project in self._projects()
        ]

    def _permissions(self, cfg: ArmConfig, resource: str, claims: dict[str, object]) -> tuple[int, object]:
        account = self.account_id(cfg).lower()
        target = resource.lower()
        if not (account.startswith(target + "/") or target == account or target.startswith(account + "/")):
            if not target.startswith(f"/subscriptions/{cfg.subscription_id}".lower()):
                sub = resource.split("/")[2] if resource.count("/") >= 2 else resource
                return 404, arm_error_body(
                    "SubscriptionNotFound", f"The subscription '{sub}' could not be found."
                )
            return 404, _not_found(resource, "")
        oid = claims.get("oid")
        identity = self._identity()
        has_role = identity is None or identity.has_data_role(oid if isinstance(oid, str) else "")
        if self._scenario().name == "role-missing":
            has_role = False
        entry = {
            "actions": list(READER_ACTIONS),
            "notActions": [],
            "dataActions": list(USER_DATA_ACTIONS) if has_role else [],
            "notDataActions": [],
        }
        return 200, {"value": [entry]}


def _scope_refusal(cfg: ArmConfig, path: str) -> tuple[int, object] | None:
    """The 404 for a path outside the emulated subscription (or resource group, when it names one),
    or None when the path is inside it."""
    scope = _SUBSCRIPTION.fullmatch(path)
    if scope is None:
        return 404, arm_error_body("InvalidResourceType", "The resource type could not be found.")
    if scope.group(1).lower() != cfg.subscription_id.lower():
        return 404, arm_error_body(
            "SubscriptionNotFound", f"The subscription '{scope.group(1)}' could not be found."
        )
    if scope.group(2) is not None and scope.group(2).lower() != cfg.resource_group.lower():
        return 404, arm_error_body(
            "ResourceGroupNotFound", f"Resource group '{scope.group(2)}' could not be found."
        )
    return None


def _not_found(resource: str, group: str) -> bytes:
    where = f" under resource group '{group}'" if group else ""
    return arm_error_body(
        "ResourceNotFound",
        f"The Resource '{resource}'{where} was not found. For more details please go to "
        "https://aka.ms/ARMResourceNotFoundFix",
    )
