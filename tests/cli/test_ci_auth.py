"""`fclaude ask` / `doctor` / `profile show` with keyless CI login, end to end: the CLI in process, the
real azure-identity, the emulator's GitHub Actions and Azure Pipelines OIDC endpoints, its Entra ID and its
data plane (which accepts only the tokens its Entra ID signed)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from foundry_cli.emulator import Emulator
from foundry_cli.emulator.identity import GITHUB_ISSUER
from tests.support import Fclaude, check_no_leaks, row_named

APP = "11111111-2222-4333-8444-777777777777"
SUBJECT = "repo:octo-org/octo-repo:ref:refs/heads/main"
RUNNER_PREFIXES = ("ACTIONS_", "SYSTEM_", "AZURESUBSCRIPTION_", "GITHUB_", "TF_BUILD", "AZURE_", "FCLAUDE_")


@pytest.fixture(scope="module")
def ci_emu() -> Iterator[Emulator]:
    with Emulator(identity=True) as emu:
        yield emu


@pytest.fixture
def emu(ci_emu: Emulator) -> Emulator:
    ci_emu.set_scenario("healthy")
    ci_emu.identity_requests.clear()
    ci_emu.requests.clear()
    ci_emu.add_app(APP)  # a fresh registration: no federated credential yet
    job = ci_emu.github_job
    job.repository, job.ref, job.environment, job.immutable = (
        "octo-org/octo-repo",
        "refs/heads/main",
        None,
        False,
    )
    job.subject_override, job.lifetime = None, 300
    return ci_emu


@pytest.fixture
def run(emu: Emulator, hermetic_env: Path) -> Iterator[Fclaude]:
    """The CLI inside an emulated GitHub Actions job: the runner's variables, the app's ids, no key."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(RUNNER_PREFIXES)}
    env = {
        **base,
        "FCLAUDE_HOME": str(hermetic_env),
        "FCLAUDE_ENDPOINT": emu.base_url,
        "FCLAUDE_DEPLOYMENT": "claude-sonnet-4-5",
        "FCLAUDE_PROJECT": "demo",
        "AZURE_TENANT_ID": emu.tenant_id,
        "AZURE_CLIENT_ID": APP,
        "AZURE_AUTHORITY_HOST": emu.authority_host,
        "REQUESTS_CA_BUNDLE": emu.ca_bundle,  # azure-identity's transport
        "SSL_CERT_FILE": emu.ca_bundle,  # the OIDC request (httpx2)
        **emu.github_actions_env(),
    }
    runner = Fclaude(env, [])
    yield runner
    check_no_leaks(runner)
    request_token = emu.github_actions_env()["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]
    for text in runner.outputs:  # neither the runner's request token nor any JWT is ever shown
        assert request_token not in text and "eyJ" not in text


def counts(emu: Emulator) -> tuple[int, int]:
    """(requests to the runner's OIDC endpoint, requests to Entra ID's token endpoint)."""
    paths = [r.path for r in emu.identity_requests]
    return (
        sum(p.endswith(("/idtoken", "/oidctoken")) for p in paths),
        sum(p.endswith("/oauth2/v2.0/token") for p in paths),
    )


def checks(stdout: str) -> dict[str, dict[str, str]]:
    return {c["id"]: c for c in json.loads(stdout)["checks"]}


def test_ask_with_github_oidc_then_from_the_cache_then_a_new_github_token(
    run: Fclaude, emu: Emulator, hermetic_env: Path
) -> None:
    emu.add_federated_credential(APP, GITHUB_ISSUER, SUBJECT)
    started = time.perf_counter()
    first = run("ask", "--no-history", "Say hi", FCLAUDE_AUTH="github-oidc")
    uncached = time.perf_counter() - started
    assert first.exit_code == 0, first.stderr
    assert first.stdout.strip() and counts(emu) == (1, 1)
    assert emu.requests[-1].headers["authorization"].startswith("Bearer ")

    started = time.perf_counter()
    second = run("ask", "--no-history", "Say hi", FCLAUDE_AUTH="github-oidc")
    cached = time.perf_counter() - started
    assert second.exit_code == 0, second.stderr
    assert counts(emu) == (1, 1)  # served from the token cache: neither GitHub nor Entra ID asked
    print(
        f"\ngithub-oidc ask against the emulator: uncached {uncached * 1000:.0f} ms, cached {cached * 1000:.0f} ms"
    )

    issued = list(emu.ci_tokens_issued)
    tokens = hermetic_env / "cache" / "tokens.json"
    doc = json.loads(tokens.read_text())
    for entry in doc["tokens"].values():
        entry["expires_on"] = 1.0  # the cached token has expired
    tokens.write_text(json.dumps(doc))
    third = run("ask", "--no-history", "Say hi", FCLAUDE_AUTH="github-oidc")
    assert third.exit_code == 0, third.stderr
    assert counts(emu) == (2, 2) and emu.ci_tokens_issued[-1] not in issued  # a new GitHub token


def test_zero_config_in_github_actions(run: Fclaude, emu: Emulator) -> None:
    emu.add_federated_credential(APP, GITHUB_ISSUER, SUBJECT)
    r = run("ask", "--no-history", "Say hi")  # no FCLAUDE_AUTH, no key: the job's OIDC token
    assert r.exit_code == 0, r.stderr
    assert counts(emu) == (1, 1)
    shown = run("profile", "show", "--json")
    auth = json.loads(shown.stdout)["settings"]["auth"]
    assert auth["value"] == "github-oidc" and "GitHub Actions OIDC" in auth["source"]
    table = run("profile", "show")
    assert "ACTIONS_ID_TOKEN_REQUEST_URL" in table.stdout + table.stderr


def test_subject_mismatch_in_ask_and_doctor(run: Fclaude, emu: Emulator) -> None:
    emu.add_federated_credential(APP, GITHUB_ISSUER, "repo:octo-org/octo-repo:environment:production")
    r = run("ask", "--no-history", "Say hi", FCLAUDE_AUTH="github-oidc")
    assert r.exit_code == 4
    assert row_named(r.stderr, "federation-mismatch"), r.stderr
    assert SUBJECT in r.stderr and "AADSTS700213" in r.stderr

    d = run("doctor", "--json", FCLAUDE_AUTH="github-oidc")
    assert d.exit_code == 1
    fed = checks(d.stdout)["federation"]
    assert fed["status"] == "fail" and fed["row"] == "federation-mismatch"
    detail = fed["detail"]
    assert f"subject {SUBJECT}" in detail and f"issuer {GITHUB_ISSUER}" in detail and APP in detail
    assert "case-sensitively" in detail and "environment" in detail and "@ID" in detail  # the three causes
    assert "az ad app federated-credential create" in fed["fix"] and SUBJECT in fed["fix"]


def test_case_only_mismatch_leads_with_case(run: Fclaude, emu: Emulator) -> None:
    emu.add_federated_credential(APP, GITHUB_ISSUER, "repo:Octo-Org/octo-repo:ref:refs/heads/main")
    d = run("doctor", "--json", "--check", "federation", FCLAUDE_AUTH="github-oidc")
    fed = checks(d.stdout)["federation"]
    assert fed["row"] == "federation-mismatch" and "AADSTS7002138" in fed["detail"]
    assert fed["detail"].index("differs in case") < fed["detail"].index("no environment")


def test_expired_assertion_in_ask_and_doctor(run: Fclaude, emu: Emulator) -> None:
    emu.add_federated_credential(APP, GITHUB_ISSUER, SUBJECT)
    emu.github_job.lifetime = -900  # the runner's token is past its exp when Entra ID sees it
    r = run("ask", "--no-history", "Say hi", FCLAUDE_AUTH="github-oidc")
    assert r.exit_code == 4 and row_named(r.stderr, "assertion-invalid"), r.stderr
    assert "AADSTS700024" in r.stderr

    d = run("doctor", "--json", FCLAUDE_AUTH="github-oidc")
    fed = checks(d.stdout)["federation"]
    assert fed["status"] == "fail" and fed["row"] == "assertion-invalid"
    assert "expired" in fed["detail"] and "fresh token for every exchange" in fed["fix"]


def test_healthy_doctor_says_which_subject_entra_looks_for(run: Fclaude, emu: Emulator) -> None:
    emu.add_federated_credential(APP, GITHUB_ISSUER, SUBJECT)
    d = run("doctor", "--json", FCLAUDE_AUTH="github-oidc")
    assert d.exit_code == 0, d.stdout + d.stderr
    st = checks(d.stdout)
    assert st["token"]["status"] == "pass" and "github-oidc" in st["token"]["detail"]
    fed = st["federation"]
    assert fed["status"] == "pass"
    assert f"subject {SUBJECT}" in fed["detail"] and "aud api://AzureADTokenExchange" in fed["detail"]
    assert "expires in" in fed["detail"] and "looks for a federated credential" in fed["detail"]


def test_doctor_outside_a_runner_names_the_missing_variables(run: Fclaude, emu: Emulator) -> None:
    d = run(
        "doctor",
        "--json",
        "--check",
        "federation",
        FCLAUDE_AUTH="github-oidc",
        ACTIONS_ID_TOKEN_REQUEST_TOKEN="",
    )
    fed = checks(d.stdout)["federation"]
    assert fed["status"] == "fail" and fed["row"] == "sp-env-missing"
    assert "ACTIONS_ID_TOKEN_REQUEST_TOKEN" in fed["detail"] and "id-token: write" in fed["detail"]


def test_ask_with_azure_pipelines(run: Fclaude, emu: Emulator) -> None:
    job = emu.pipelines_job
    connection = next(iter(job.connections))
    emu.add_federated_credential(APP, job.issuer, job.subject(connection))
    env = {**emu.azure_pipelines_env(), "FCLAUDE_AUTH": "azure-pipelines"}
    first = run("ask", "--no-history", "Say hi", **env)
    assert first.exit_code == 0, first.stderr
    second = run("ask", "--no-history", "Say hi", **env)
    assert second.exit_code == 0 and counts(emu) == (1, 1)

    d = run("doctor", "--json", **env)
    fed = checks(d.stdout)["federation"]
    assert fed["status"] == "pass" and "subject sc://fabrikam/ci/foundry-ci" in fed["detail"]


def test_immutable_id_subject_names_that_cause(run: Fclaude, emu: Emulator) -> None:
    emu.github_job.immutable = True  # a repository created after 2026-07-15: repo:OWNER@ID/REPO@ID:...
    emu.add_federated_credential(APP, GITHUB_ISSUER, SUBJECT)  # written with names only
    d = run("doctor", "--json", "--check", "federation", FCLAUDE_AUTH="github-oidc")
    fed = checks(d.stdout)["federation"]
    assert fed["row"] == "federation-mismatch"
    assert "subject repo:octo-org@123456/octo-repo@456789:ref:refs/heads/main" in fed["detail"]
    assert "carries GitHub's immutable owner and repository ids" in fed["detail"]


def test_a_stale_token_file_is_expired_and_points_to_github_oidc(
    run: Fclaude, emu: Emulator, tmp_path: Path
) -> None:
    from foundry_cli.emulator import make_federated_token

    emu.add_federated_credential(APP, GITHUB_ISSUER, SUBJECT)
    token_file = tmp_path / "gh-token"
    token_file.write_text(make_federated_token(GITHUB_ISSUER, SUBJECT, lifetime=-900))  # written long ago
    d = run(
        "doctor",
        "--json",
        FCLAUDE_AUTH="workload-identity",
        AZURE_FEDERATED_TOKEN_FILE=str(token_file),
    )
    st = checks(d.stdout)
    assert st["token"]["row"] == "assertion-invalid"
    fed = st["federation"]
    assert fed["status"] == "fail" and fed["row"] == "assertion-invalid"
    assert f"federated token file {token_file}" in fed["detail"] and "expired 15 min ago" in fed["detail"]
    assert "auth = github-oidc" in fed["fix"]
