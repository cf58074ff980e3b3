"""The emulator's management-plane (ARM) subset, the `region` / `max-tokens` / `thinking-tools`
scenarios and the latency knob, over real sockets; plus the `api.arm` client against it."""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from foundry_cli.api.arm import ArmClient, Permission, covers_claude_inference
from foundry_cli.emulator import (
    DEFAULT_API_KEY,
    DEFAULT_DEPLOYMENTS,
    DEFAULT_SUBSCRIPTION_ID,
    Emulator,
    mint_jwt,
)
from foundry_cli.errors import ApiError, AuthError

MGMT = "https://management.azure.com"
V = {"api-version": "2025-06-01"}
CLIENT_ID = "11111111-1111-4111-8111-111111111111"
SECRET = "s3cret-arm-value"


def bearer(aud: str = MGMT, **claims: Any) -> dict[str, str]:
    return {"authorization": f"Bearer {mint_jwt(aud=aud, **claims)}"}


class Creds:
    """A credential as ArmClient sees it (``headers(api)``)."""

    def __init__(self, headers: dict[str, str]) -> None:
        self._headers = headers

    def headers(self, api: str) -> dict[str, str]:
        return self._headers


def account_path(emu: Emulator) -> str:
    return (
        f"/subscriptions/{emu.subscription_id}/resourceGroups/{emu.resource_group}"
        f"/providers/Microsoft.CognitiveServices/accounts/{emu.account_name}"
    )


def get(api: Any, path: str, headers: dict[str, str] | None = None, **params: str) -> httpx2.Response:
    return api.http.get(
        api.emu.base_url + path, headers=bearer() if headers is None else headers, params=params
    )


def test_list_accounts_and_account(api: Any) -> None:
    emu = api.emu
    assert emu.subscription_id == DEFAULT_SUBSCRIPTION_ID and emu.location == "eastus2"
    r = get(api, f"/subscriptions/{emu.subscription_id}/providers/Microsoft.CognitiveServices/accounts", **V)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    (account,) = r.json()["value"]
    assert account["id"] == account_path(emu)
    assert account["kind"] == "AIServices" and account["location"] == "eastus2"
    assert account["properties"]["endpoints"]["AI Foundry API"] == emu.base_url + "/"
    assert account["properties"]["customSubDomainName"] == "emulator"
    assert account["properties"]["disableLocalAuth"] is False
    r = get(api, account_path(emu), **V)
    assert r.status_code == 200 and r.json() == account
    assert len(emu.arm_requests) == 2 and emu.requests == []


def test_deployments_and_projects(api: Any) -> None:
    r = get(api, account_path(api.emu) + "/deployments", **V)
    docs = r.json()["value"]
    assert [d["name"] for d in docs] == list(DEFAULT_DEPLOYMENTS)
    assert docs[0]["name"] == "claude-sonnet-4-5"
    first = docs[0]
    assert first["sku"] == {"name": "GlobalStandard", "capacity": 100}
    assert first["properties"]["model"] == {
        "format": "Anthropic",
        "name": "claude-sonnet-4-5",
        "version": "20250929",
    }
    assert first["properties"]["provisioningState"] == "Succeeded"
    r = get(api, account_path(api.emu) + "/projects", **V)
    (project,) = r.json()["value"]
    assert project["name"] == "emulator/demo"
    assert project["properties"]["endpoints"]["AI Foundry API"] == api.emu.base_url + "/api/projects/demo"


def test_custom_location_names_and_models() -> None:
    with Emulator(
        subscription_id="sub-1", resource_group="rg-x", account_name="acct", location="swedencentral",
        deployments=("prod",), deployment_models={"prod": "claude-opus-4-5"},
    ) as emu, httpx2.Client() as http:  # fmt: skip
        base = f"{emu.base_url}/subscriptions/sub-1/resourceGroups/rg-x/providers/Microsoft.CognitiveServices"
        doc = http.get(base + "/accounts/acct", params=V, headers=bearer()).json()
        assert doc["location"] == "swedencentral" and doc["name"] == "acct"
        (dep,) = http.get(base + "/accounts/acct/deployments", params=V, headers=bearer()).json()["value"]
        assert dep["name"] == "prod" and dep["properties"]["model"]["name"] == "claude-opus-4-5"
        r = http.get(base + "/accounts/nope", params=V, headers=bearer())
        assert r.status_code == 404 and r.json()["error"]["code"] == "ResourceNotFound"
        r = http.get(f"{emu.base_url}/subscriptions/other/providers/x", params=V, headers=bearer())
        assert r.status_code == 404 and r.json()["error"]["code"] == "SubscriptionNotFound"


def test_api_version_is_required(api: Any) -> None:
    r = get(api, account_path(api.emu))
    assert r.status_code == 400
    assert r.content == (
        b'{"error":{"code":"MissingApiVersionParameter","message":"The api-version query parameter '
        b'(?api-version=) is required for all requests."}}'
    )


@pytest.mark.parametrize("aud", [MGMT, MGMT + "/", "https://management.core.windows.net/"])
def test_management_audiences_accepted(api: Any, aud: str) -> None:
    assert get(api, account_path(api.emu), bearer(aud), **V).status_code == 200


def test_wrong_audience_missing_and_expired_tokens(api: Any) -> None:
    r = get(api, account_path(api.emu), bearer("https://ai.azure.com"), **V)
    assert r.status_code == 401
    assert r.json() == {
        "error": {
            "code": "InvalidAuthenticationTokenAudience",
            "message": "The access token has been obtained for wrong audience or resource "
            "'https://ai.azure.com'. It should exactly match with one of the allowed audiences "
            "'https://management.core.windows.net/','https://management.core.windows.net',"
            "'https://management.azure.com/','https://management.azure.com'.",
        }
    }
    r = get(api, account_path(api.emu), {}, **V)
    assert r.status_code == 401 and r.json()["error"]["code"] == "AuthenticationFailed"
    r = get(api, account_path(api.emu), {"api-key": DEFAULT_API_KEY}, **V)
    assert r.status_code == 401 and r.json()["error"]["code"] == "AuthenticationFailed"
    r = get(api, account_path(api.emu), bearer(exp=int(time.time()) - 10), **V)
    assert r.status_code == 401 and r.json()["error"]["code"] == "ExpiredAuthenticationToken"
    r = get(api, account_path(api.emu), {"authorization": "Bearer not-a-jwt"}, **V)
    assert r.status_code == 401 and r.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_permissions_with_role_and_role_missing(api: Any) -> None:
    path = account_path(api.emu) + "/providers/Microsoft.Authorization/permissions"
    r = get(api, path, **{"api-version": "2022-04-01"})
    (entry,) = r.json()["value"]
    assert entry["dataActions"] == ["Microsoft.CognitiveServices/*"] and entry["notDataActions"] == []
    api.emu.set_scenario("role-missing")
    (entry,) = get(api, path, **{"api-version": "2022-04-01"}).json()["value"]
    assert entry["dataActions"] == [] and entry["actions"]


@pytest.fixture
def idp() -> Iterator[Emulator]:
    with Emulator(identity=True) as running:
        running.add_app(CLIENT_ID, secret=SECRET, roles=False)
        running.add_app("22222222-2222-4222-8222-222222222222", secret=SECRET)
        yield running
    assert running.errors == []


def signed_token(emu: Emulator, client_id: str, scope: str = MGMT + "/.default") -> str:
    ctx = ssl.create_default_context(cafile=emu.ca_bundle)
    with httpx2.Client(verify=ctx, timeout=10) as http:
        r = http.post(
            f"{emu.authority_host}/{emu.tenant_id}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": SECRET,
                "scope": scope,
            },
        )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def test_permissions_follow_the_identity_registry(idp: Emulator) -> None:
    without = Creds({"authorization": f"Bearer {signed_token(idp, CLIENT_ID)}"})
    with_role = Creds(
        {"authorization": f"Bearer {signed_token(idp, '22222222-2222-4222-8222-222222222222')}"}
    )
    resource = account_path(idp)
    with ArmClient(idp.base_url, without) as arm:
        perms = arm.permissions(resource)
        assert perms[0].data_actions == () and not covers_claude_inference(perms)
    with ArmClient(idp.base_url, with_role) as arm:
        assert covers_claude_inference(arm.permissions(resource))
    forged = Creds(bearer())  # an unsigned token is refused when the identity side is on
    with ArmClient(idp.base_url, forged) as arm, pytest.raises(ApiError) as info:
        arm.permissions(resource)
    assert info.value.status == 401 and info.value.code == "InvalidAuthenticationToken"


def test_region_scenario(api: Any) -> None:
    api.emu.set_scenario("region")
    assert get(api, account_path(api.emu), **V).json()["location"] == "westeurope"
    r = api.messages()  # no Claude deployment can exist in West Europe
    assert r.status_code == 404 and r.headers["x-ms-region"] == "West Europe"
    assert r.json()["error"]["code"] == "DeploymentNotFound"


def test_max_tokens_and_thinking_tools_scenarios(api: Any) -> None:
    api.emu.set_scenario("max-tokens")
    r = api.messages()
    assert r.status_code == 400 and r.json()["error"] == {
        "type": "invalid_request_error",
        "message": "max_tokens: Field required",
    }
    api.emu.set_scenario("thinking-tools")
    assert api.messages().status_code == 200  # thinking off: fine
    r = api.messages(max_tokens=4096, thinking={"type": "enabled", "budget_tokens": 1024})
    assert r.status_code == 400
    message = r.json()["error"]["message"]
    assert message.startswith("messages.1.content.0.type: Expected `thinking` or `redacted_thinking`")
    assert message.endswith("https://docs.claude.com/en/docs/build-with-claude/extended-thinking")


def test_latency_knob_delays_every_response(api: Any) -> None:
    api.emu.latency = 0.3
    for call in (lambda: api.messages(), lambda: get(api, account_path(api.emu), **V)):
        start = time.perf_counter()
        assert call().status_code == 200
        assert time.perf_counter() - start >= 0.3
    with Emulator(latency=0.2) as emu, httpx2.Client() as http:
        start = time.perf_counter()
        http.get(emu.base_url + "/")
        assert time.perf_counter() - start >= 0.2


# --- the api.arm client ---------------------------------------------------------------------------


def test_arm_client_reads_everything(api: Any) -> None:
    emu = api.emu
    with ArmClient(emu.base_url, Creds(bearer())) as arm:
        account = arm.find_account(subscription_id=emu.subscription_id, host=emu.base_url)
        assert account is not None
        assert (account.name, account.location, account.kind) == ("emulator", "eastus2", "AIServices")
        assert account.subscription_id == emu.subscription_id and account.resource_group == "rg-emulator"
        assert account.endpoint == emu.base_url + "/" and not account.disable_local_auth
        assert arm.find_account(subscription_id=emu.subscription_id, host="emulator") == account
        assert (
            arm.find_account(subscription_id=emu.subscription_id, host="other.services.ai.azure.com") is None
        )
        deployments = arm.deployments(account)
        assert [d.name for d in deployments] == list(emu._service.deployments)
        d = deployments[0]
        assert (d.model_format, d.model_name, d.model_version, d.sku, d.capacity, d.state) == (
            "Anthropic", "claude-sonnet-4-5", "20250929", "GlobalStandard", 100, "Succeeded",
        )  # fmt: skip
        assert arm.projects(account) == ["demo"]
        assert covers_claude_inference(arm.permissions(account.id))
    assert all(r.query.get("api-version") for r in emu.arm_requests)


def test_arm_client_errors(api: Any) -> None:
    with (
        ArmClient(api.emu.base_url, Creds(bearer("https://ai.azure.com"))) as arm,
        pytest.raises(ApiError) as e,
    ):
        arm.find_account(subscription_id=api.emu.subscription_id, host="emulator")
    assert e.value.status == 401 and e.value.code == "InvalidAuthenticationTokenAudience"
    key = Creds({"x-api-key": DEFAULT_API_KEY, "api-key": DEFAULT_API_KEY})
    with ArmClient(api.emu.base_url, key) as arm, pytest.raises(AuthError):
        arm.find_account(subscription_id=api.emu.subscription_id, host="emulator")
    assert len(api.emu.arm_requests) == 1, "an API key is never sent to the management plane"
    assert all("api-key" not in r.headers and "x-api-key" not in r.headers for r in api.emu.arm_requests)


def test_arm_client_refuses_plain_http_off_loopback() -> None:
    from foundry_cli.errors import ConfigError

    with pytest.raises(ConfigError):
        ArmClient("http://management.example.com", Creds(bearer()))


@pytest.mark.parametrize(
    ("data", "not_data", "covered"),
    [
        (["Microsoft.CognitiveServices/*"], [], True),
        (["*"], [], True),
        (["Microsoft.CognitiveServices/accounts/providers/*"], [], True),
        (["Microsoft.CognitiveServices/accounts/MaaS/*"], [], True),
        (["microsoft.cognitiveservices/*"], [], True),
        (["Microsoft.CognitiveServices/accounts/OpenAI/*"], [], False),
        ([], [], False),
        (["Microsoft.CognitiveServices/*"], ["Microsoft.CognitiveServices/accounts/*"], False),
    ],
)
def test_covers_claude_inference(data: list[str], not_data: list[str], covered: bool) -> None:
    perm = Permission(actions=(), not_actions=(), data_actions=tuple(data), not_data_actions=tuple(not_data))
    assert covers_claude_inference([perm]) is covered
