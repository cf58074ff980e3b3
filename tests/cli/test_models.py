"""`fclaude models`: the real CLI in a subprocess against the emulator, with the control plane
(service principal, Entra ID over TLS) and without it (api-key: a probe)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from foundry_cli.emulator import Emulator
from tests.support import CANARY_KEY, Fclaude, RunResult

SECRET = "canary-SP-SECRET-models-never-print-me"
CLIENT = "11111111-2222-4333-8444-555555555555"


def run(fclaude: Fclaude, *args: str, **env: str) -> RunResult:
    done = subprocess.run(
        [sys.executable, "-m", "foundry_cli", *args],
        input="",
        capture_output=True,
        text=True,
        env={**fclaude.env, **env},
        timeout=60,
    )
    fclaude.outputs += [done.stdout, done.stderr]
    return RunResult(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def idp() -> Iterator[Emulator]:
    with Emulator(identity=True) as e:
        e.add_app(CLIENT, secret=SECRET)
        yield e
    assert e.errors == []


@pytest.fixture
def sp_env(idp: Emulator) -> dict[str, str]:
    return {
        "FCLAUDE_ENDPOINT": idp.base_url,
        "FCLAUDE_DEPLOYMENT": "claude-sonnet-4-5",
        "FCLAUDE_PROJECT": "demo",
        "FCLAUDE_AUTH": "service-principal",
        "FCLAUDE_API_KEY": "",
        "AZURE_TENANT_ID": idp.tenant_id,
        "AZURE_CLIENT_ID": CLIENT,
        "AZURE_CLIENT_SECRET": SECRET,
        "AZURE_AUTHORITY_HOST": idp.authority_host,
        "REQUESTS_CA_BUNDLE": idp.ca_bundle,
        "FCLAUDE_SUBSCRIPTION_ID": idp.subscription_id,
        "FCLAUDE_MANAGEMENT_ENDPOINT": idp.base_url,
    }


def test_control_plane_lists_every_deployment(
    fclaude: Fclaude, idp: Emulator, sp_env: dict[str, str]
) -> None:
    r = run(fclaude, "models", **sp_env)
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == [
        "DEPLOYMENT", "MODEL", "VERSION", "SKU", "CAPACITY", "STATE", "CONTEXT", "MAX", "OUT", "THINKING",
    ]  # fmt: skip
    assert lines[1].split() == [
        "claude-sonnet-4-5", "claude-sonnet-4-5", "20250929", "GlobalStandard", "100", "Succeeded", "200K",
        "64K", "enabled",
    ]  # fmt: skip
    assert {line.split()[0] for line in lines[1:]} == {
        "claude-sonnet-4-5",
        "claude-haiku-4-5",
        "claude-opus-4-1",
    }
    assert "\x1b[" not in r.stdout and "─" not in r.stdout, "piped: plain columns"
    assert idp.arm_requests, "the control plane was asked"
    mgmt = [r for r in idp.identity_requests if "management.azure.com" in str(r)]
    assert mgmt, "the token was requested for the management endpoint"
    assert idp.requests == [], "no data-plane request was needed"
    assert SECRET not in r.stdout + r.stderr


def test_control_plane_json_and_region(fclaude: Fclaude, idp: Emulator, sp_env: dict[str, str]) -> None:
    idp.set_scenario("region")
    r = run(fclaude, "models", "--json", **sp_env)
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert list(doc) == ["deployed", "source", "notes"]
    assert doc["source"] == "control-plane"
    row = doc["deployed"][0]
    assert list(row) == ["deployment", "model", "version", "sku", "capacity", "state", "catalog"]
    assert row["sku"] == "GlobalStandard" and row["capacity"] == 100 and row["state"] == "Succeeded"
    assert row["catalog"]["id"] == "claude-sonnet-4-5" and row["catalog"]["retires"] == "2026-11-30"
    assert any("westeurope" in n and "region" in n for n in doc["notes"])


def test_control_plane_suggests_the_closest_deployment(
    fclaude: Fclaude, idp: Emulator, sp_env: dict[str, str]
) -> None:
    r = run(fclaude, "models", "-m", "claude-sonet-4-5", **sp_env)
    assert r.exit_code == 1, r.stderr
    assert "did you mean 'claude-sonnet-4-5'?" in r.stderr and "(deployment-not-found)" in r.stderr
    assert "claude-haiku-4-5" in r.stdout, "the real deployments are still listed"


def test_api_key_probes_and_says_why(fclaude: Fclaude, emu: Emulator) -> None:
    r = run(
        fclaude,
        "models",
        FCLAUDE_SUBSCRIPTION_ID=emu.subscription_id,
        FCLAUDE_MANAGEMENT_ENDPOINT=emu.base_url,
    )
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines()[1].split()[:2] == ["claude-sonnet-4-5", "claude-sonnet-4-5"]
    assert "reachable" in r.stdout
    assert "api-key auth has no control-plane access" in r.stderr
    assert emu.arm_requests == [], "an API key never goes to the management plane"
    (probe,) = emu.requests
    assert probe.json["max_tokens"] == 1  # type: ignore[index]


def test_probe_json_all(fclaude: Fclaude) -> None:
    r = run(fclaude, "models", "--json", "--all")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert list(doc) == ["deployed", "catalog", "source", "notes"]
    assert doc["source"] == "probe"
    assert [d["deployment"] for d in doc["deployed"]] == ["claude-sonnet-4-5"]
    assert doc["deployed"][0]["sku"] is None and doc["deployed"][0]["catalog"]["context_window"] == 200_000
    ids = {m["id"] for m in doc["catalog"]}
    assert "claude-opus-4-6" in ids and "claude-sonnet-4-5" not in ids, "--all adds what is not deployed"
    assert any("api-key" in n for n in doc["notes"])


def test_all_plain(fclaude: Fclaude) -> None:
    r = run(fclaude, "models", "--all")
    assert r.exit_code == 0, r.stderr
    assert "Catalog models not deployed:" in r.stdout and "claude-mythos-5" in r.stdout


def test_probe_misspelled_deployment(fclaude: Fclaude) -> None:
    r = run(fclaude, "models", "-m", "claude-sonet-4-5")
    assert r.exit_code == 1, r.stderr
    assert "did you mean 'claude-sonnet-4-5'?" in r.stderr and "(deployment-not-found)" in r.stderr
    assert "Traceback" not in r.stderr and CANARY_KEY not in r.stderr


def test_emulator_try_it_path(fclaude: Fclaude) -> None:
    r = run(fclaude, "--emulator", "models", FCLAUDE_ENDPOINT="", FCLAUDE_API_KEY="")
    assert r.exit_code == 0, r.stderr
    assert "claude-sonnet-4-5" in r.stdout


def test_auth_failure_on_probe_exits_4(fclaude: Fclaude, emu: Emulator) -> None:
    emu.set_scenario("key-invalid")
    r = run(fclaude, "models")
    assert r.exit_code == 4 and "(key-invalid)" in r.stderr
