"""Entra ID auth through the CLI: a fake `az`, a service principal against the emulator's Entra
endpoint (real msal over TLS), the AADSTS rows, a 401 that refreshes the token once."""

from __future__ import annotations

import json
import stat
import time
from pathlib import Path

import pytest

from foundry_cli.emulator import Emulator, mint_jwt
from tests.support import SP_SECRET as SECRET
from tests.support import Fclaude, FclaudeProcess, row_named


def write_fake_az(folder: Path, token: str) -> Path:
    """An `az` that prints a token and logs its argv (one line per run)."""
    log = folder / "az-calls.log"
    script = folder / "az"
    expires = int(time.time()) + 3600
    payload = json.dumps({"accessToken": token, "expires_on": expires, "tokenType": "Bearer"})
    script.write_text(f"#!/bin/sh\necho \"$@\" >> '{log}'\ncat <<'EOF'\n{payload}\nEOF\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return log


def test_azure_cli_token_is_cached_across_processes(
    fclaude_proc: FclaudeProcess, emu: Emulator, tmp_path: Path
) -> None:
    fclaude = fclaude_proc  # two real processes: only the disk cache can carry the token across
    bin_dir = tmp_path / "az-bin"
    bin_dir.mkdir()
    log = write_fake_az(bin_dir, mint_jwt(aud="https://ai.azure.com", exp=int(time.time()) + 3600))
    env = {"FCLAUDE_AUTH": "azure-cli", "FCLAUDE_API_KEY": "", "PATH": f"{bin_dir}:{fclaude.env['PATH']}"}
    first = fclaude("ask", "hi", **env)
    assert first.exit_code == 0, first.stderr
    assert emu.requests[-1].headers["authorization"].startswith("Bearer ")
    assert "x-api-key" not in emu.requests[-1].headers
    assert log.read_text().splitlines() == [
        "account get-access-token --output json --resource https://ai.azure.com"
    ]
    second = fclaude("--debug", "ask", "again", **env)
    assert second.exit_code == 0, second.stderr
    assert len(log.read_text().splitlines()) == 1, "a valid cached token starts no az process"
    assert "azure-cli" in second.stderr and "authorization: Bearer [redacted" in second.stderr


def test_azure_cli_not_logged_in(fclaude: Fclaude, tmp_path: Path) -> None:
    bin_dir = tmp_path / "az-bin"
    bin_dir.mkdir()
    az = bin_dir / "az"
    az.write_text("#!/bin/sh\necho \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n")
    az.chmod(0o755)
    r = fclaude("ask", "hi", FCLAUDE_AUTH="azure-cli", PATH=f"{bin_dir}:{fclaude.env['PATH']}")
    assert r.exit_code == 4 and row_named(r.stderr, "not-logged-in") and "az login" in r.stderr
    r = fclaude("ask", "hi", FCLAUDE_AUTH="azure-cli", PATH="/nonexistent")
    assert r.exit_code == 4 and row_named(r.stderr, "not-logged-in")


@pytest.mark.parametrize("api", ["messages", "responses"])
def test_service_principal_end_to_end_and_cached(
    fclaude: Fclaude, idp: Emulator, sp_env: dict[str, str], api: str
) -> None:
    r = fclaude("--debug", "ask", "--api", api, "hi", **sp_env)
    assert r.exit_code == 0, r.stderr
    assert idp.tokens_issued == 1
    r = fclaude("ask", "--api", api, "again", **sp_env)
    assert r.exit_code == 0, r.stderr
    assert idp.tokens_issued == 1, "the second process used the cached token"
    for text in fclaude.outputs:
        assert SECRET not in text
    for f in (Path(fclaude.env["FCLAUDE_HOME"]) / "cache").iterdir():
        assert SECRET not in f.read_text(errors="replace")
        assert stat.S_IMODE(f.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    # assertion-invalid needs a client assertion (certificate / federated token): tests/auth covers it
    "scenario",
    ["secret-invalid", "secret-expired", "app-not-found", "tenant-not-found"],
)
def test_aadsts_rows_exit_4(fclaude: Fclaude, idp: Emulator, sp_env: dict[str, str], scenario: str) -> None:
    idp.set_scenario(scenario)
    r = fclaude("ask", "hi", **sp_env)
    assert r.exit_code == 4, r.stderr
    assert row_named(r.stderr, scenario) and "Traceback" not in r.stderr and SECRET not in r.stderr


def test_missing_service_principal_variables_are_named(fclaude: Fclaude, sp_env: dict[str, str]) -> None:
    env = {**sp_env, "AZURE_CLIENT_SECRET": "", "AZURE_TENANT_ID": ""}
    r = fclaude("ask", "hi", **env)
    assert r.exit_code in (3, 4) and row_named(r.stderr, "sp-env-missing")
    what = r.stderr.split("\n  cause:")[0]  # the first line names exactly what is missing
    assert "AZURE_CLIENT_SECRET" in what and "AZURE_TENANT_ID" in what and "AZURE_CLIENT_ID" not in what


@pytest.mark.parametrize(("scenario", "row"), [("audience", "audience"), ("role-missing", "role-missing")])
def test_data_plane_auth_rows(
    fclaude: Fclaude, idp: Emulator, sp_env: dict[str, str], scenario: str, row: str
) -> None:
    idp.set_scenario(scenario)
    r = fclaude("ask", "hi", **sp_env)
    assert r.exit_code == 4 and row_named(r.stderr, row)


def test_a_rejected_cached_token_is_refreshed_once(
    fclaude: Fclaude, idp: Emulator, sp_env: dict[str, str]
) -> None:
    assert fclaude("ask", "hi", **sp_env).exit_code == 0
    cache = Path(fclaude.env["FCLAUDE_HOME"]) / "cache" / "tokens.json"
    doc = json.loads(cache.read_text())
    forged = mint_jwt(aud="https://ai.azure.com", exp=int(time.time()) + 3600)  # not signed by the emulator
    for entry in doc["tokens"].values():
        entry["access_token"] = forged
    cache.write_text(json.dumps(doc))
    before = len(idp.requests)
    r = fclaude("ask", "hi", **sp_env)
    assert r.exit_code == 0, r.stderr
    assert idp.tokens_issued == 2, "exactly one fresh token after the 401"
    assert [q.headers.get("authorization", "")[7:] == forged for q in idp.requests[before:]] == [True, False]


def test_device_code_login_then_cached_ask(fclaude: Fclaude, idp: Emulator, sp_env: dict[str, str]) -> None:
    env = {k: v for k, v in sp_env.items() if not k.startswith(("FCLAUDE_", "AZURE_CLIENT"))}
    env["FCLAUDE_API_KEY"] = ""
    args = ["login", "--endpoint", idp.base_url, "--deployment", "claude-sonnet-4-5", "--auth", "device-code"]
    r = fclaude(*args, "--tenant-id", idp.tenant_id, **env)
    assert r.exit_code == 0, r.stderr
    assert "verified" in r.stderr and "code" in r.stderr.lower(), "the device-code instructions go to stderr"
    assert r.stdout == ""
    issued = idp.tokens_issued
    r = fclaude("ask", "hi", **env)
    assert r.exit_code == 0, r.stderr
    assert idp.tokens_issued == issued, "the login's token is reused"
    r = fclaude("logout", **env)
    assert r.exit_code == 0 and "cached token" in r.stderr


def test_secrets_never_reach_child_argv(fclaude: Fclaude, emu: Emulator, tmp_path: Path) -> None:
    bin_dir = tmp_path / "az-bin"
    bin_dir.mkdir()
    log = write_fake_az(bin_dir, mint_jwt(aud="https://ai.azure.com", exp=int(time.time()) + 3600))
    r = fclaude(
        "--debug",
        "ask",
        "hi",
        FCLAUDE_AUTH="azure-cli",
        FCLAUDE_API_KEY="",
        AZURE_CLIENT_SECRET=SECRET,
        PATH=f"{bin_dir}:{fclaude.env['PATH']}",
    )
    assert r.exit_code == 0, r.stderr
    assert SECRET not in log.read_text() and SECRET not in r.stdout + r.stderr
