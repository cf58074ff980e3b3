"""The emulator's CI runner OIDC endpoints (GitHub Actions, Azure Pipelines) and Entra ID's federated
credential matching, over the wire with httpx2 (the emulator imports nothing of the client)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx2
import pytest

from foundry_cli.emulator import Emulator
from foundry_cli.emulator.identity import GITHUB_ISSUER
from foundry_cli.emulator.jwt_sign import parse_jwt

APP = "22222222-3333-4444-8555-666666666666"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(identity=True) as e:
        yield e


@pytest.fixture
def http(emu: Emulator) -> Iterator[httpx2.Client]:
    import ssl

    with httpx2.Client(verify=ssl.create_default_context(cafile=emu.ca_bundle)) as client:
        yield client


def github_token(
    emu: Emulator, http: httpx2.Client, audience: str | None = "api://AzureADTokenExchange"
) -> str:
    env = emu.github_actions_env()
    url = env["ACTIONS_ID_TOKEN_REQUEST_URL"] + (f"&audience={audience}" if audience else "")
    r = http.get(url, headers={"Authorization": f"bearer {env['ACTIONS_ID_TOKEN_REQUEST_TOKEN']}"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == len(body["value"])
    return str(body["value"])


def exchange(emu: Emulator, http: httpx2.Client, assertion: str) -> httpx2.Response:
    return http.post(
        f"{emu.authority_host}/{emu.tenant_id}/oauth2/v2.0/token",
        data={
            "client_id": APP,
            "grant_type": "client_credentials",
            "scope": "https://ai.azure.com/.default",
            "client_assertion_type": JWT_BEARER,
            "client_assertion": assertion,
        },
    )


def test_github_endpoint_issues_short_lived_rs256_tokens(emu: Emulator, http: httpx2.Client) -> None:
    jwt = parse_jwt(github_token(emu, http))
    assert jwt is not None and jwt.header["alg"] == "RS256"
    claims = jwt.claims
    assert claims["iss"] == GITHUB_ISSUER and claims["aud"] == "api://AzureADTokenExchange"
    assert claims["sub"] == "repo:octo-org/octo-repo:ref:refs/heads/main"
    assert isinstance(claims["exp"], int) and 0 < claims["exp"] - time.time() <= 300
    default = parse_jwt(github_token(emu, http, audience=None))
    assert default is not None and default.claims["aud"] == "https://github.com/octo-org"  # GitHub's default


def test_github_endpoint_needs_the_request_token(emu: Emulator, http: httpx2.Client) -> None:
    url = emu.github_actions_env()["ACTIONS_ID_TOKEN_REQUEST_URL"]
    assert http.get(url).status_code == 401
    assert http.get(url, headers={"Authorization": "bearer nope"}).status_code == 401
    assert http.post(url).status_code == 405


def test_environment_and_immutable_subjects(emu: Emulator, http: httpx2.Client) -> None:
    job = emu.github_job
    try:
        job.environment, job.immutable = "production", True
        jwt = parse_jwt(github_token(emu, http))
        assert jwt is not None
        assert jwt.claims["sub"] == "repo:octo-org@123456/octo-repo@456789:environment:production"
        assert jwt.claims["environment"] == "production"
    finally:
        job.environment, job.immutable = None, False


def test_pipelines_endpoint(emu: Emulator, http: httpx2.Client) -> None:
    env = emu.azure_pipelines_env()
    uri, connection = env["SYSTEM_OIDCREQUESTURI"], env["AZURESUBSCRIPTION_SERVICE_CONNECTION_ID"]
    auth = {"Authorization": f"Bearer {env['SYSTEM_ACCESSTOKEN']}"}
    r = http.post(uri, params={"api-version": "7.1", "serviceConnectionId": connection}, headers=auth)
    jwt = parse_jwt(r.json()["oidcToken"])
    assert jwt is not None and jwt.claims["sub"] == "sc://fabrikam/ci/foundry-ci"
    assert jwt.claims["iss"] == emu.pipelines_job.issuer and jwt.claims["aud"] == "api://AzureADTokenExchange"
    assert http.post(uri, params={"serviceConnectionId": connection}).status_code == 401
    assert http.post(uri, params={"serviceConnectionId": "nope"}, headers=auth).status_code == 404
    assert http.get(uri, headers=auth).status_code == 405


@pytest.mark.parametrize(
    ("issuer", "subject", "audience", "code"),
    [
        (GITHUB_ISSUER, "repo:octo-org/octo-repo:ref:refs/heads/main", "api://AzureADTokenExchange", None),
        ("https://token.actions.example.test", "repo:octo-org/octo-repo:ref:refs/heads/main", None, 700211),
        (GITHUB_ISSUER, "repo:octo-org/octo-repo:ref:refs/heads/dev", None, 700213),
        (GITHUB_ISSUER, "repo:OCTO-org/octo-repo:ref:refs/heads/main", None, 7002138),
        (GITHUB_ISSUER, "repo:octo-org/octo-repo:ref:refs/heads/main", "api://other", 700212),
    ],
    ids=["match", "issuer", "subject", "case", "audience"],
)
def test_federated_credential_matching(
    emu: Emulator, http: httpx2.Client, issuer: str, subject: str, audience: str | None, code: int | None
) -> None:
    emu.add_app(APP)
    emu.add_federated_credential(APP, issuer, subject, audience or "api://AzureADTokenExchange")
    r = exchange(emu, http, github_token(emu, http))
    if code is None:
        assert r.status_code == 200 and r.json()["token_type"] == "Bearer"
        return
    body = r.json()
    assert r.status_code == 400 and body["error"] == "invalid_client" and body["error_codes"] == [code]
    description = body["error_description"]
    assert description.startswith(f"AADSTS{code}: No matching federated identity record found for presented")
    if code == 7002138:
        assert (
            "matches with case-insensitive comparison, but not with case-sensitive comparison" in description
        )
    assert "eyJ" not in json.dumps(body)


def test_an_expired_github_token_is_700024(emu: Emulator, http: httpx2.Client) -> None:
    emu.add_app(APP)
    emu.add_federated_credential(APP, GITHUB_ISSUER, "repo:octo-org/octo-repo:ref:refs/heads/main")
    emu.github_job.lifetime = -900
    try:
        token = github_token(emu, http)
    finally:
        emu.github_job.lifetime = 300
    body = exchange(emu, http, token).json()
    assert body["error_codes"] == [700024]
    assert "Client assertion is not within its valid time range" in body["error_description"]
