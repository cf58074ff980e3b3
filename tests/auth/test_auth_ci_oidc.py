"""github-oidc and azure-pipelines through the REAL azure-identity (ClientAssertionCredential) against the
emulator: its GitHub Actions / Azure Pipelines OIDC endpoints and its Entra ID token endpoint (HTTPS,
trusted through REQUESTS_CA_BUNDLE and SSL_CERT_FILE). No mocks: the requests are counted on the emulator.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from foundry_cli.auth.base import BearerCredential
from foundry_cli.auth.factory import make_credential
from foundry_cli.auth.jwt import decode_claims
from foundry_cli.config.settings import resolve
from foundry_cli.doctor.table import classify
from foundry_cli.emulator import Emulator, IdentityRequest
from foundry_cli.emulator.identity import GITHUB_ISSUER
from foundry_cli.errors import AuthError

APP = "11111111-2222-4333-8444-666666666666"
SUBJECT = "repo:octo-org/octo-repo:ref:refs/heads/main"
AI = "https://ai.azure.com"

#: the runner variables a developer's shell (or the CI running these tests) may have
RUNNER_VARS = (
    "ACTIONS_ID_TOKEN_REQUEST_URL",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    "SYSTEM_OIDCREQUESTURI",
    "SYSTEM_ACCESSTOKEN",
    "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID",
    "AZURESUBSCRIPTION_CLIENT_ID",
    "AZURESUBSCRIPTION_TENANT_ID",
    "GITHUB_ACTIONS",
    "TF_BUILD",
)


@pytest.fixture(scope="module")
def ci_emu() -> Iterator[Emulator]:
    with Emulator(identity=True) as emu:
        yield emu


@pytest.fixture
def emu(ci_emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    """The module's emulator with a fresh app and job; its CA trusted by this process (azure-identity's
    requests and the OIDC fetch's httpx2 read the process environment)."""
    for name in RUNNER_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ci_emu.ca_bundle)
    monkeypatch.setenv("SSL_CERT_FILE", ci_emu.ca_bundle)
    ci_emu.set_scenario("healthy")
    ci_emu.identity_requests.clear()
    ci_emu.add_app(APP)  # replaces the app: no federated credential yet
    job = ci_emu.github_job
    job.repository, job.ref, job.environment, job.immutable = (
        "octo-org/octo-repo",
        "refs/heads/main",
        None,
        False,
    )
    job.subject_override, job.lifetime = None, 300
    return ci_emu


def github_env(emu: Emulator, **extra: str) -> dict[str, str]:
    return {
        "FCLAUDE_HOME": str(Path.cwd()),  # replaced by the caller's hermetic home
        "FCLAUDE_AUTH": "github-oidc",
        "AZURE_TENANT_ID": emu.tenant_id,
        "AZURE_CLIENT_ID": APP,
        "AZURE_AUTHORITY_HOST": emu.authority_host,
        **emu.github_actions_env(),
        **extra,
    }


def pipelines_env(emu: Emulator, **extra: str) -> dict[str, str]:
    return {
        "FCLAUDE_AUTH": "azure-pipelines",
        "AZURESUBSCRIPTION_TENANT_ID": emu.tenant_id,  # as an AzureCLI@2 task exports them
        "AZURESUBSCRIPTION_CLIENT_ID": APP,
        "AZURE_AUTHORITY_HOST": emu.authority_host,
        **emu.azure_pipelines_env(),
        **extra,
    }


def credential(env: dict[str, str], home: Path) -> BearerCredential:
    env = {**env, "FCLAUDE_HOME": str(home)}
    cred = make_credential(resolve(env=env), env=env)
    assert isinstance(cred, BearerCredential)
    return cred


def bearer(cred: BearerCredential) -> str:
    return cred.headers("messages")["authorization"].removeprefix("Bearer ")


def oidc_requests(emu: Emulator) -> list[str]:
    return [r.path for r in emu.identity_requests if r.path.endswith(("/idtoken", "/oidctoken"))]


def github_requests(emu: Emulator) -> list[IdentityRequest]:
    return [r for r in emu.identity_requests if r.path.endswith("/idtoken")]


def entra_requests(emu: Emulator) -> list[str]:
    return [r.path for r in emu.identity_requests if r.path.endswith("/oauth2/v2.0/token")]


def expire_cached_tokens(home: Path) -> None:
    """Age every entry of the persistent cache past its expiry (what time would do)."""
    path = home / "cache" / "tokens.json"
    doc = json.loads(path.read_text())
    for entry in doc["tokens"].values():
        entry["expires_on"] = 1.0
    path.write_text(json.dumps(doc))


# --- github-oidc -------------------------------------------------------------------------------------


def test_github_oidc_token_then_cache_then_refresh_with_a_new_github_token(
    emu: Emulator, hermetic_env: Path
) -> None:
    emu.add_federated_credential(APP, GITHUB_ISSUER, SUBJECT)
    env = github_env(emu)

    token = bearer(credential(env, hermetic_env))
    claims = decode_claims(token)
    assert claims["appid"] == APP and claims["aud"] == AI and claims["appidacr"] == "2"  # a client assertion
    assert len(oidc_requests(emu)) == 1 and len(entra_requests(emu)) == 1
    first_github_token = emu.ci_tokens_issued[-1]
    assert github_requests(emu)[0].query["audience"] == "api://AzureADTokenExchange"

    # a second run (a new credential object, as a new process has) is served from the persistent cache
    assert bearer(credential(env, hermetic_env)) == token
    assert len(oidc_requests(emu)) == 1 and len(entra_requests(emu)) == 1

    # once the cached token has expired, the next run asks GitHub for a NEW token, then Entra ID
    expire_cached_tokens(hermetic_env)
    renewed = bearer(credential(env, hermetic_env))
    assert renewed != token
    assert len(oidc_requests(emu)) == 2 and len(entra_requests(emu)) == 2
    assert emu.ci_tokens_issued[-1] != first_github_token


def test_every_exchange_presents_a_fresh_github_token(emu: Emulator, hermetic_env: Path) -> None:
    """Within one process too: after a 401 the retry fetches a new GitHub token (a long job never
    presents one past its ten minutes)."""
    emu.add_federated_credential(APP, GITHUB_ISSUER, SUBJECT)
    cred = credential(github_env(emu), hermetic_env)
    bearer(cred)
    assert cred.invalidate()
    bearer(cred)
    assert len(oidc_requests(emu)) == 2 and len(set(emu.ci_tokens_issued[-2:])) == 2


def test_the_audience_is_a_setting(emu: Emulator, hermetic_env: Path) -> None:
    emu.add_federated_credential(APP, GITHUB_ISSUER, SUBJECT, audience="api://fclaude-ci")
    with pytest.raises(AuthError) as info:  # the default audience has no federated credential
        bearer(credential(github_env(emu), hermetic_env))
    assert info.value.code == "AADSTS700212"
    token = bearer(credential(github_env(emu, FCLAUDE_OIDC_AUDIENCE="api://fclaude-ci"), hermetic_env))
    assert decode_claims(token)["appid"] == APP
    assert github_requests(emu)[-1].query["audience"] == "api://fclaude-ci"


@pytest.mark.parametrize(
    ("registered", "code"),
    [
        ("repo:octo-org/octo-repo:environment:production", "AADSTS700213"),  # environment vs branch
        ("repo:Octo-Org/octo-repo:ref:refs/heads/main", "AADSTS7002138"),  # case only
        ("repo:octo-org@123456/octo-repo@456789:ref:refs/heads/main", "AADSTS700213"),  # numeric ids
    ],
    ids=["environment-vs-branch", "case", "immutable-ids"],
)
def test_subject_mismatch_is_federation_mismatch(
    emu: Emulator, hermetic_env: Path, registered: str, code: str
) -> None:
    emu.add_federated_credential(APP, GITHUB_ISSUER, registered)
    with pytest.raises(AuthError) as info:
        bearer(credential(github_env(emu), hermetic_env))
    exc = info.value
    assert exc.code == code and SUBJECT in exc.message
    row = classify(exc)
    assert row is not None and row.id == "federation-mismatch"
    assert (
        "eyJ" not in exc.message
        and emu.github_actions_env()["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] not in exc.message
    )


def test_an_expired_github_token_is_assertion_invalid(emu: Emulator, hermetic_env: Path) -> None:
    emu.add_federated_credential(APP, GITHUB_ISSUER, SUBJECT)
    emu.github_job.lifetime = -900  # the runner hands out a token that is already past its exp
    with pytest.raises(AuthError) as info:
        bearer(credential(github_env(emu), hermetic_env))
    assert info.value.code == "AADSTS700024" and info.value.row == "assertion-invalid"
    assert "not within its valid time range" in info.value.message


def test_a_refused_request_token_names_the_permission(emu: Emulator, hermetic_env: Path) -> None:
    emu.add_federated_credential(APP, GITHUB_ISSUER, SUBJECT)
    with pytest.raises(AuthError) as info:
        bearer(
            credential(github_env(emu, ACTIONS_ID_TOKEN_REQUEST_TOKEN="stale-request-token"), hermetic_env)
        )
    assert "HTTP 401" in info.value.message and "id-token: write" in info.value.message
    assert "stale-request-token" not in info.value.message
    assert entra_requests(emu) == []


@pytest.mark.parametrize(
    ("drop", "named"),
    [
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]),
        ("ACTIONS_ID_TOKEN_REQUEST_URL", ["ACTIONS_ID_TOKEN_REQUEST_URL"]),
        ("AZURE_CLIENT_ID", ["AZURE_CLIENT_ID"]),
    ],
)
def test_missing_runner_variables_are_named(
    emu: Emulator, hermetic_env: Path, drop: str, named: list[str]
) -> None:
    env = github_env(emu)
    del env[drop]
    with pytest.raises(AuthError) as info:
        credential(env, hermetic_env).headers("messages")
    assert info.value.row == "sp-env-missing"
    assert all(n in info.value.message for n in named)
    assert oidc_requests(emu) == []


# --- azure-pipelines ----------------------------------------------------------------------------------


def test_azure_pipelines_token_then_cache_then_refresh(emu: Emulator, hermetic_env: Path) -> None:
    job = emu.pipelines_job
    connection = next(iter(job.connections))
    emu.add_federated_credential(APP, job.issuer, job.subject(connection))
    env = pipelines_env(emu)

    token = bearer(credential(env, hermetic_env))
    assert decode_claims(token)["appid"] == APP
    (request,) = [r for r in emu.identity_requests if r.path.endswith("/oidctoken")]
    assert request.method == "POST"
    assert request.query == {"api-version": "7.1", "serviceConnectionId": connection}

    assert bearer(credential(env, hermetic_env)) == token  # from the cache: no request at all
    assert len(oidc_requests(emu)) == 1 and len(entra_requests(emu)) == 1

    expire_cached_tokens(hermetic_env)
    assert bearer(credential(env, hermetic_env)) != token
    assert len(oidc_requests(emu)) == 2 and len(set(emu.ci_tokens_issued[-2:])) == 2


def test_azure_pipelines_subject_mismatch_and_unknown_connection(emu: Emulator, hermetic_env: Path) -> None:
    job = emu.pipelines_job
    emu.add_federated_credential(APP, job.issuer, "sc://fabrikam/ci/another-connection")
    with pytest.raises(AuthError) as info:
        bearer(credential(pipelines_env(emu), hermetic_env))
    assert info.value.code == "AADSTS700213" and "sc://fabrikam/ci/foundry-ci" in info.value.message

    env = pipelines_env(emu, FCLAUDE_SERVICE_CONNECTION_ID="00000000-0000-4000-8000-00000000dead")
    with pytest.raises(AuthError) as info:
        bearer(credential(env, hermetic_env))
    assert "HTTP 404" in info.value.message and "was not found" in info.value.message


def test_azure_pipelines_without_the_access_token_says_how_to_map_it(
    emu: Emulator, hermetic_env: Path
) -> None:
    env = pipelines_env(emu)
    del env["SYSTEM_ACCESSTOKEN"]
    with pytest.raises(AuthError) as info:
        credential(env, hermetic_env).headers("messages")
    assert info.value.row == "sp-env-missing" and "$(System.AccessToken)" in info.value.message


# --- zero-config ------------------------------------------------------------------------------------


def test_zero_config_in_github_actions_picks_github_oidc(emu: Emulator, hermetic_env: Path) -> None:
    emu.add_federated_credential(APP, GITHUB_ISSUER, SUBJECT)
    env = github_env(emu, FCLAUDE_HOME=str(hermetic_env))
    del env["FCLAUDE_AUTH"]
    settings = resolve(env=env)
    assert settings.auth == "github-oidc" and "GitHub Actions OIDC" in settings.source("auth")
    assert decode_claims(bearer(credential(env, hermetic_env)))["appid"] == APP

    explicit_default = resolve(env={**env, "FCLAUDE_AUTH": "default"})
    assert explicit_default.auth == "github-oidc" and "env FCLAUDE_AUTH" in explicit_default.source("auth")


@pytest.mark.parametrize(
    "extra",
    [
        {"FCLAUDE_API_KEY": "k"},  # a key is configured: api-key stays
        {"FCLAUDE_AUTH": "default", "AZURE_CLIENT_SECRET": "s"},  # DefaultAzureCredential has a secret
        {"FCLAUDE_AUTH": "api-key"},  # chosen explicitly
        {"AZURE_CLIENT_ID": ""},  # no app to sign in as
    ],
    ids=["key", "default-with-secret", "explicit-api-key", "no-client-id"],
)
def test_zero_config_keeps_other_credentials(
    emu: Emulator, hermetic_env: Path, extra: dict[str, str]
) -> None:
    env = {**github_env(emu, FCLAUDE_HOME=str(hermetic_env)), **extra}
    if "FCLAUDE_AUTH" not in extra:
        del env["FCLAUDE_AUTH"]
    assert resolve(env=env).auth != "github-oidc"
