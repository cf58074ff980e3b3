"""`fclaude models`: the real CLI in a subprocess against the emulator, with the control plane
(service principal, Entra ID over TLS) and without it (api-key: a probe)."""

from __future__ import annotations

import json

from foundry_cli.catalog import find_model
from foundry_cli.emulator import DEFAULT_DEPLOYMENTS, Emulator
from tests.support import CANARY_KEY, Fclaude, row_named, service_principal_env
from tests.support import SP_SECRET as SECRET


def test_control_plane_lists_every_deployment(fclaude: Fclaude, idp: Emulator) -> None:
    r = fclaude("models", COLUMNS="200", **service_principal_env(idp, control_plane=True))
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == [
        "DEPLOYMENT", "MODEL", "VERSION", "SKU", "CAPACITY", "STATE", "CONTEXT", "MAX", "OUT", "THINKING",
        "RETIRES",
    ]  # fmt: skip
    info = find_model("claude-sonnet-4-5")
    assert info is not None and info.retires is not None
    assert lines[1].split() == [
        "claude-sonnet-4-5", "claude-sonnet-4-5", "20250929", "GlobalStandard", "100", "Succeeded", "200K",
        "64K", ",".join(info.thinking), info.retires.isoformat(),
    ]  # fmt: skip
    assert "hidden" not in r.stderr, "200 columns: every column fits"
    assert {line.split()[0] for line in lines[1:]} == set(DEFAULT_DEPLOYMENTS)
    assert "\x1b[" not in r.stdout and "─" not in r.stdout, "piped: plain columns"
    assert idp.arm_requests, "the control plane was asked"
    mgmt = [r for r in idp.identity_requests if "management.azure.com" in str(r)]
    assert mgmt, "the token was requested for the management endpoint"
    assert idp.requests == [], "no data-plane request was needed"
    assert SECRET not in r.stdout + r.stderr


def test_control_plane_json_and_region(fclaude: Fclaude, idp: Emulator) -> None:
    idp.set_scenario("region")
    r = fclaude("models", "--json", **service_principal_env(idp, control_plane=True))
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert list(doc) == ["deployed", "source", "notes"]
    assert doc["source"] == "control-plane"
    row = doc["deployed"][0]
    assert list(row) == ["deployment", "model", "version", "sku", "capacity", "state", "catalog"]
    assert row["sku"] == "GlobalStandard" and row["capacity"] == 100 and row["state"] == "Succeeded"
    assert row["catalog"]["id"] == "claude-sonnet-4-5" and row["catalog"]["retires"] == "2026-11-30"
    assert any("westeurope" in n and "region" in n for n in doc["notes"])


def test_control_plane_suggests_the_closest_deployment(fclaude: Fclaude, idp: Emulator) -> None:
    r = fclaude("models", "-m", "claude-sonet-4-5", **service_principal_env(idp, control_plane=True))
    assert r.exit_code == 1, r.stderr
    assert "did you mean 'claude-sonnet-4-5'?" in r.stderr and row_named(r.stderr, "deployment-not-found")
    assert "claude-haiku-4-5" in r.stdout, "the real deployments are still listed"


def test_api_key_probes_and_says_why(fclaude: Fclaude, emu: Emulator) -> None:
    r = fclaude(
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
    r = fclaude("models", "--json", "--all")
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
    r = fclaude("models", "--all")
    assert r.exit_code == 0, r.stderr
    assert "Catalog models not deployed:" in r.stdout and "claude-mythos-5" in r.stdout


def test_probe_misspelled_deployment(fclaude: Fclaude) -> None:
    r = fclaude("models", "-m", "claude-sonet-4-5")
    assert r.exit_code == 1, r.stderr
    assert "did you mean 'claude-sonnet-4-5'?" in r.stderr and row_named(r.stderr, "deployment-not-found")
    assert "Traceback" not in r.stderr and CANARY_KEY not in r.stderr


def test_emulator_try_it_path(fclaude: Fclaude) -> None:
    r = fclaude("--emulator", "models", FCLAUDE_ENDPOINT="", FCLAUDE_API_KEY="")
    assert r.exit_code == 0, r.stderr
    assert "claude-sonnet-4-5" in r.stdout


def test_auth_failure_on_probe_exits_4(fclaude: Fclaude, emu: Emulator) -> None:
    emu.set_scenario("key-invalid")
    r = fclaude("models")
    assert r.exit_code == 4 and row_named(r.stderr, "key-invalid")
