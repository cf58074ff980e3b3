"""azure-cli mode through a fake `az` on PATH: runs counted, cache across processes, failures."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from foundry_cli.auth.factory import make_credential
from foundry_cli.errors import AuthError
from tests.auth.conftest import FakeAz, resolved_from, run_child


def test_first_token_runs_az_once_with_the_documented_arguments(fake_az: FakeAz) -> None:
    cred = make_credential(resolved_from(fake_az.env), env=fake_az.env)
    assert cred.description == "azure-cli (az account get-access-token)"
    assert cred.headers("messages") == {"authorization": "Bearer az-token-1"}
    assert cred.headers("messages") == {"authorization": "Bearer az-token-1"}
    assert fake_az.calls == [
        ["account", "get-access-token", "--output", "json", "--resource", "https://ai.azure.com"]
    ]


def test_tenant_is_passed_and_described(fake_az: FakeAz) -> None:
    fake_az.env["AZURE_TENANT_ID"] = "contoso.onmicrosoft.com"
    fake_az.env["FCLAUDE_SCOPE"] = "https://cognitiveservices.azure.com/.default"
    cred = make_credential(resolved_from(fake_az.env), env=fake_az.env)
    cred.headers("messages")
    assert fake_az.calls[0][-4:] == [
        "--resource",
        "https://cognitiveservices.azure.com",
        "--tenant",
        "contoso.onmicrosoft.com",
    ]
    assert "tenant contoso.onmicrosoft.com" in cred.description


def test_a_second_process_reuses_the_cached_token_without_running_az(fake_az: FakeAz) -> None:
    first = run_child(fake_az.env)
    assert first["token"] == "az-token-1"
    assert len(fake_az.calls) == 1
    second = run_child(fake_az.env)
    assert second["token"] == "az-token-1"
    assert len(fake_az.calls) == 1, "a valid cached token must not start az"
    assert second["heavy"] == [], "azure-cli mode must import neither msal nor azure-identity"


def test_expiry_within_five_minutes_triggers_exactly_one_refresh(fake_az: FakeAz) -> None:
    t0 = time.time()
    now = [t0]
    fake_az.answer(expires_on=t0 + 3600, token="old")
    cred = make_credential(resolved_from(fake_az.env), env=fake_az.env, clock=lambda: now[0])
    assert cred.headers("messages")["authorization"] == "Bearer old"
    now[0] = t0 + 3600 - 299  # inside REFRESH_SKEW: stale for memory and disk alike
    fake_az.answer(expires_on=t0 + 7200, token="new")
    assert cred.headers("messages")["authorization"] == "Bearer new"
    assert cred.headers("messages")["authorization"] == "Bearer new"
    assert len(fake_az.calls) == 2
    # a fresh credential (a new process, same clock) finds the new token on disk
    again = make_credential(resolved_from(fake_az.env), env=fake_az.env, clock=lambda: now[0])
    assert again.headers("messages")["authorization"] == "Bearer new"
    assert len(fake_az.calls) == 2


def test_a_token_with_more_than_five_minutes_left_is_reused(fake_az: FakeAz) -> None:
    t0 = time.time()
    now = [t0]
    fake_az.answer(expires_on=t0 + 3600)
    cred = make_credential(resolved_from(fake_az.env), env=fake_az.env, clock=lambda: now[0])
    cred.headers("messages")
    now[0] = t0 + 3600 - 301
    cred.headers("messages")
    assert len(fake_az.calls) == 1


def test_invalidate_drops_the_persisted_token_so_the_retry_runs_az_once(fake_az: FakeAz) -> None:
    cred = make_credential(resolved_from(fake_az.env), env=fake_az.env)
    cred.headers("messages")
    fake_az.answer(token="az-token-2")
    assert cred.invalidate() is True
    assert cred.headers("messages")["authorization"] == "Bearer az-token-2"
    assert len(fake_az.calls) == 2
    assert run_child(fake_az.env)["token"] == "az-token-2"  # the disk copy was replaced too
    assert len(fake_az.calls) == 2


def test_old_az_without_expires_on_uses_local_expires_on(fake_az: FakeAz) -> None:
    fake_az.answer("old-az", token="legacy")
    cred = make_credential(resolved_from(fake_az.env), env=fake_az.env)
    assert cred.headers("messages")["authorization"] == "Bearer legacy"


def test_please_run_az_login_is_not_logged_in(fake_az: FakeAz) -> None:
    fake_az.answer("login")
    cred = make_credential(resolved_from(fake_az.env), env=fake_az.env)
    with pytest.raises(AuthError) as info:
        cred.headers("messages")
    assert info.value.row == "not-logged-in"
    assert "az login" in info.value.message


def test_aadsts_in_stderr_names_its_row(fake_az: FakeAz) -> None:
    fake_az.answer("aadsts")
    cred = make_credential(resolved_from(fake_az.env), env=fake_az.env)
    with pytest.raises(AuthError) as info:
        cred.headers("messages")
    assert (info.value.row, info.value.code) == ("user-interaction", "AADSTS700082")
    assert "Trace ID" not in info.value.message


def test_az_missing_from_path_is_not_logged_in(env: dict[str, str], tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    env.update(FCLAUDE_AUTH="azure-cli", PATH=str(empty))
    cred = make_credential(resolved_from(env), env=env)
    with pytest.raises(AuthError) as info:
        cred.headers("messages")
    assert info.value.row == "not-logged-in"
    assert "Azure CLI not found on PATH" in info.value.message


@pytest.mark.parametrize("mode", ["garbage", "leak"])
def test_errors_never_quote_a_token(fake_az: FakeAz, mode: str) -> None:
    secret_token = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJlLXNlY3JldA"
    fake_az.answer(mode, token=secret_token)
    cred = make_credential(resolved_from(fake_az.env), env=fake_az.env)
    with pytest.raises(AuthError) as info:
        cred.headers("messages")
    assert secret_token not in info.value.message
    assert "c2lnbmF0dXJlLXNlY3JldA" not in info.value.message


def test_switching_the_az_account_does_not_reuse_the_previous_accounts_token(
    fake_az: FakeAz, tmp_path: Path
) -> None:
    config = tmp_path / "azure-config"
    config.mkdir()
    fake_az.env["AZURE_CONFIG_DIR"] = str(config)

    def login(user: str) -> None:
        profile = {
            "subscriptions": [{"id": "sub-1", "isDefault": True, "tenantId": "t1", "user": {"name": user}}]
        }
        (config / "azureProfile.json").write_text("\ufeff" + json.dumps(profile), encoding="utf-8")

    login("alice@contoso.com")
    make_credential(resolved_from(fake_az.env), env=fake_az.env).headers("messages")
    login("bob@contoso.com")
    fake_az.answer(token="bobs-token")
    cred = make_credential(resolved_from(fake_az.env), env=fake_az.env)
    assert cred.headers("messages")["authorization"] == "Bearer bobs-token"
    assert len(fake_az.calls) == 2


def test_cache_file_is_private(fake_az: FakeAz, hermetic_env: Path) -> None:
    make_credential(resolved_from(fake_az.env), env=fake_az.env).headers("messages")
    tokens = hermetic_env / "cache" / "tokens.json"
    assert tokens.exists()
    if os.name == "posix":
        assert tokens.stat().st_mode & 0o777 == 0o600
    doc = json.loads(tokens.read_text())
    (key,) = doc["tokens"]
    assert key.startswith("default|azure-cli|tenant=-;account=")
    assert key.endswith("|https://ai.azure.com/.default")
