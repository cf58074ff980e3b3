"""The factory: prerequisites (sp-env-missing), descriptions, AZURE_AD_TOKEN, lazy imports."""

from __future__ import annotations

import itertools
import subprocess
import sys
import time

import pytest

from foundry_cli.auth.base import BearerCredential
from foundry_cli.auth.factory import make_credential
from foundry_cli.emulator import mint_jwt
from foundry_cli.errors import AuthError
from tests.auth.conftest import SECRET_CANARY, resolved_from

SP_VARS = {
    "AZURE_TENANT_ID": "tenant-1",
    "AZURE_CLIENT_ID": "12345678-aaaa-bbbb",
    "AZURE_CLIENT_SECRET": SECRET_CANARY,
}


@pytest.mark.parametrize(
    "present",
    [c for n in range(3) for c in itertools.combinations(sorted(SP_VARS), n)],
    ids=lambda p: "+".join(p) or "none",
)
def test_sp_env_missing_names_exactly_the_missing_variables(
    env: dict[str, str], present: tuple[str, ...]
) -> None:
    env["FCLAUDE_AUTH"] = "service-principal"
    env.update({k: SP_VARS[k] for k in present})
    with pytest.raises(AuthError) as info:
        make_credential(resolved_from(env), env=env)
    err = info.value
    assert err.row == "sp-env-missing"
    for name in SP_VARS:
        assert (name in err.message) == (name not in present), (name, err.message)
    assert SECRET_CANARY not in err.message
    # the certificate is offered as the alternative to a missing secret, only then
    assert ("AZURE_CLIENT_CERTIFICATE_PATH" in err.message) == ("AZURE_CLIENT_SECRET" not in present)


def test_a_certificate_path_replaces_the_secret(env: dict[str, str]) -> None:
    env.update(FCLAUDE_AUTH="service-principal", AZURE_TENANT_ID="t", AZURE_CLIENT_ID="c")
    env["AZURE_CLIENT_CERTIFICATE_PATH"] = "/somewhere/cert.pem"
    cred = make_credential(resolved_from(env), env=env)  # no network until the first request
    assert cred.description == "service-principal c (certificate /somewhere/cert.pem)"


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({}, ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE"]),
        ({"AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c"}, ["AZURE_FEDERATED_TOKEN_FILE"]),
        ({"AZURE_FEDERATED_TOKEN_FILE": "/var/run/token"}, ["AZURE_TENANT_ID", "AZURE_CLIENT_ID"]),
    ],
)
def test_workload_identity_missing_pieces(
    env: dict[str, str], given: dict[str, str], missing: list[str]
) -> None:
    env.update(FCLAUDE_AUTH="workload-identity", **given)
    with pytest.raises(AuthError) as info:
        make_credential(resolved_from(env), env=env)
    assert info.value.row == "sp-env-missing"
    for name in ("AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE"):
        assert (name in info.value.message) == (name in missing)


@pytest.mark.parametrize(
    ("extra", "description"),
    [
        (
            {"FCLAUDE_AUTH": "service-principal", **SP_VARS},
            "service-principal 12345678… (client secret from AZURE_CLIENT_SECRET)",
        ),
        ({"FCLAUDE_AUTH": "azure-cli"}, "azure-cli (az account get-access-token)"),
        ({"FCLAUDE_AUTH": "managed-identity"}, "managed-identity (system-assigned)"),
        (
            {"FCLAUDE_AUTH": "managed-identity", "AZURE_CLIENT_ID": "abcdef12-3456"},
            "managed-identity (user-assigned abcdef12…)",
        ),
        ({"FCLAUDE_AUTH": "device-code"}, "device-code (Azure CLI client, tenant organizations)"),
        (
            {
                "FCLAUDE_AUTH": "workload-identity",
                "AZURE_TENANT_ID": "t",
                "AZURE_CLIENT_ID": "c",
                "AZURE_FEDERATED_TOKEN_FILE": "/f",
            },
            "workload-identity c (federated token from /f)",
        ),
        (
            {"FCLAUDE_AUTH": "default"},
            "default (DefaultAzureCredential: environment, workload identity, managed identity, Azure CLI, ...)",
        ),
    ],
)
def test_descriptions_say_which_identity_is_used(
    env: dict[str, str], extra: dict[str, str], description: str
) -> None:
    env.update(extra)
    cred = make_credential(resolved_from(env), env=env)
    assert isinstance(cred, BearerCredential)
    assert cred.description == description
    assert SECRET_CANARY not in repr(cred)


def test_ad_token_is_used_as_is_until_it_expires(env: dict[str, str]) -> None:
    exp = int(time.time()) + 3600
    token = mint_jwt(exp=exp)
    env.update(FCLAUDE_AUTH="azure-cli", AZURE_AD_TOKEN=token)
    cred = make_credential(resolved_from(env), env=env)
    assert cred.description.startswith("bearer token from AZURE_AD_TOKEN, expires ")
    assert cred.headers("responses") == {"authorization": f"Bearer {token}"}
    assert cred.invalidate() is False  # it cannot be refreshed: the client must not retry


def test_an_expired_ad_token_is_refused_without_quoting_it(env: dict[str, str]) -> None:
    token = mint_jwt(exp=int(time.time()) - 60)
    env["AZURE_AD_TOKEN"] = token  # auth defaults to api-key: with no key, the ready token is used
    cred = make_credential(resolved_from(env), env=env)
    with pytest.raises(AuthError, match="expired at") as info:
        cred.headers("messages")
    assert token not in info.value.message
    assert "AZURE_AD_TOKEN" in info.value.message


def test_an_opaque_ad_token_is_passed_through(env: dict[str, str]) -> None:
    env.update(FCLAUDE_AUTH="default", AZURE_AD_TOKEN="opaque-not-a-jwt")
    cred = make_credential(resolved_from(env), env=env)
    assert cred.headers("messages") == {"authorization": "Bearer opaque-not-a-jwt"}


def test_an_api_key_wins_over_ad_token_in_api_key_mode(env: dict[str, str]) -> None:
    env.update(FCLAUDE_API_KEY="k", AZURE_AD_TOKEN=mint_jwt())
    assert make_credential(resolved_from(env), env=env).headers("messages")["x-api-key"] == "k"


LAZY = """
import sys
from foundry_cli.auth.factory import make_credential
from foundry_cli.config.settings import resolve
for mode in ("azure-cli", "service-principal", "device-code", "managed-identity", "workload-identity", "default"):
    env = {"FCLAUDE_HOME": sys.argv[1], "FCLAUDE_AUTH": mode, "AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c",
           "AZURE_CLIENT_SECRET": "s", "AZURE_FEDERATED_TOKEN_FILE": "/f"}
    make_credential(resolve(env=env), env=env)
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("msal", "azure", "requests", "cryptography", "httpx2"))
print(",".join(heavy))
"""


def test_building_any_credential_imports_no_heavy_library(env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", LAZY, env["FCLAUDE_HOME"]],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""
