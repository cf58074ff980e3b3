"""Every Entra ID mode end to end through the REAL msal / azure-identity against the emulator's
Entra ID endpoint (HTTPS, trusted through REQUESTS_CA_BUNDLE): tokens with the right audience,
the persistent cache across processes, invalidation, and every AADSTS scenario -> its row."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from foundry_cli.auth.base import BearerCredential
from foundry_cli.auth.factory import make_credential
from foundry_cli.auth.jwt import decode_claims
from foundry_cli.emulator import Emulator, make_certificate, make_federated_token
from foundry_cli.errors import AuthError
from tests.auth.conftest import SECRET_CANARY, cache_files, resolved_from, run_child

AI = "https://ai.azure.com"
SP_CLIENT = "11111111-2222-4333-8444-555555555555"
WI_ISSUER = "https://oidc.prod-aks.example.test/0000"
WI_SUBJECT = "system:serviceaccount:default:fclaude"


class Idp:
    """The emulator's identity side plus the environment a test's credential runs in."""

    def __init__(self, emu: Emulator, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
        self.emu = emu
        self.env = env
        self._monkeypatch = monkeypatch
        # msal's requests session and azure-identity read these from the process environment
        self.export(REQUESTS_CA_BUNDLE=emu.ca_bundle, SSL_CERT_FILE=emu.ca_bundle)
        env.update(AZURE_AUTHORITY_HOST=emu.authority_host, AZURE_TENANT_ID=emu.tenant_id)

    def export(self, **values: str) -> None:
        """Set variables in the test env AND this process (for azure-identity, which reads os.environ)."""
        for name, value in values.items():
            self._monkeypatch.setenv(name, value)
            self.env[name] = value

    def credential(self, **kwargs: object) -> BearerCredential:
        cred = make_credential(resolved_from(self.env), env=self.env, **kwargs)  # type: ignore[arg-type]
        assert isinstance(cred, BearerCredential)
        return cred

    # --- one setup per mode -------------------------------------------------------------------

    def service_principal(self) -> None:
        self.emu.add_app(SP_CLIENT, secret=SECRET_CANARY)
        self.env.update(
            FCLAUDE_AUTH="service-principal", AZURE_CLIENT_ID=SP_CLIENT, AZURE_CLIENT_SECRET=SECRET_CANARY
        )

    def certificate(self, tmp: Path) -> None:
        cert_pem, key_pem = make_certificate("fclaude-test-app")
        self.emu.add_app(SP_CLIENT, certificate_pem=cert_pem)
        path = tmp / "sp.pem"
        path.write_bytes(key_pem + cert_pem)
        self.env.update(FCLAUDE_AUTH="service-principal", AZURE_CLIENT_ID=SP_CLIENT)
        self.env["AZURE_CLIENT_CERTIFICATE_PATH"] = str(path)

    def device_code(self) -> None:
        self.env["FCLAUDE_AUTH"] = "device-code"

    def managed_identity(self, client_id: str | None = None) -> None:
        self.emu.add_managed_identity(client_id)
        self.export(
            IDENTITY_ENDPOINT=self.emu.managed_identity_endpoint, IDENTITY_HEADER=self.emu.identity_header
        )
        self.env["FCLAUDE_AUTH"] = "managed-identity"
        if client_id:
            self.env["AZURE_CLIENT_ID"] = client_id

    def workload_identity(self, tmp: Path) -> None:
        self.emu.add_app(SP_CLIENT, federated_subject=WI_SUBJECT, federated_issuer=WI_ISSUER)
        token_file = tmp / "federated-token"
        token_file.write_text(make_federated_token(WI_ISSUER, WI_SUBJECT))
        self.env.update(FCLAUDE_AUTH="workload-identity", AZURE_CLIENT_ID=SP_CLIENT)
        self.env["AZURE_FEDERATED_TOKEN_FILE"] = str(token_file)

    def default(self) -> None:
        self.emu.add_app(SP_CLIENT, secret=SECRET_CANARY)
        self.export(
            AZURE_TENANT_ID=self.emu.tenant_id,
            AZURE_CLIENT_ID=SP_CLIENT,
            AZURE_CLIENT_SECRET=SECRET_CANARY,
            AZURE_AUTHORITY_HOST=self.emu.authority_host,
        )
        self.env["FCLAUDE_AUTH"] = "default"


@pytest.fixture
def make_idp(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Idp]]:
    started: list[Emulator] = []

    def make(scenario: str = "healthy") -> Idp:
        emu = Emulator(identity=True, scenario=scenario).start()
        started.append(emu)
        return Idp(emu, env, monkeypatch)

    yield make
    for emu in started:
        emu.stop()


@pytest.fixture
def idp(make_idp: Callable[..., Idp]) -> Idp:
    return make_idp()


def bearer(cred: BearerCredential) -> str:
    return cred.headers("responses")["authorization"].removeprefix("Bearer ")


def assert_no_secret_on_disk(home: Path) -> None:
    for path in cache_files(home):
        assert SECRET_CANARY not in path.read_text(errors="replace"), path


SETUPS: dict[str, Callable[[Idp, Path], None]] = {
    "service-principal-secret": lambda i, _t: i.service_principal(),
    "service-principal-certificate": lambda i, t: i.certificate(t),
    "managed-identity-system": lambda i, _t: i.managed_identity(),
    "managed-identity-user": lambda i, _t: i.managed_identity("99999999-aaaa-4bbb-8ccc-dddddddddddd"),
    "workload-identity": lambda i, t: i.workload_identity(t),
    "default": lambda i, _t: i.default(),
}


@pytest.mark.parametrize("setup", sorted(SETUPS))
def test_each_mode_gets_a_token_and_a_new_process_reuses_it(
    idp: Idp, setup: str, tmp_path: Path, hermetic_env: Path
) -> None:
    SETUPS[setup](idp, tmp_path)
    cred = idp.credential()
    token = bearer(cred)
    claims = decode_claims(token)
    assert claims["aud"] == AI
    assert claims["tid"] == idp.emu.tenant_id
    assert idp.emu.tokens_issued == 1
    if setup == "managed-identity-user":
        assert claims["appid"] == "99999999-aaaa-4bbb-8ccc-dddddddddddd"
    elif setup != "managed-identity-system":
        assert claims["appid"] == SP_CLIENT

    requests_before = len(idp.emu.identity_requests)
    child = run_child(idp.env)
    assert child.get("token") == token, child
    assert idp.emu.tokens_issued == 1, "a valid cached token must not reach the authority"
    assert len(idp.emu.identity_requests) == requests_before, "not even OIDC discovery"
    assert child["heavy"] == [], "a cache hit imports neither msal nor azure-identity"
    assert_no_secret_on_disk(hermetic_env)


def test_device_code_prompts_once_then_the_cache_and_refresh_token_do_the_rest(
    idp: Idp, hermetic_env: Path
) -> None:
    idp.device_code()
    messages: list[str] = []

    def prompt(text: str) -> None:  # what the CLI writes to stderr; here a person "approves" it
        messages.append(text)
        code = re.search(r"enter the code (\w+)", text)
        assert code, text
        idp.emu.approve_device_code(code.group(1))

    cred = idp.credential(prompt=prompt)
    assert cred.description == "device-code (Azure CLI client, tenant " + idp.emu.tenant_id + ")"
    token = bearer(cred)
    assert len(messages) == 1
    assert "/devicelogin" in messages[0]
    claims = decode_claims(token)
    assert claims["aud"] == AI
    assert claims["upn"] == "developer@emulator.test"
    assert idp.emu.tokens_issued == 1

    # a new process without a prompt: the cached access token
    assert run_child(idp.env).get("token") == token
    assert idp.emu.tokens_issued == 1

    # the access token is gone (a 401 invalidated it): the refresh token gets a new one, silently
    cred.invalidate()
    fresh = bearer(cred)
    assert fresh != token
    assert idp.emu.tokens_issued == 2
    assert len(messages) == 1, "no second sign-in"
    msal_file = hermetic_env / "cache" / "msal-default.json"
    assert json.loads(msal_file.read_text())["RefreshToken"]

    # the refresh token expired (AADSTS700082): without a prompt, a clear user-interaction error
    idp.emu.revoke_refresh_tokens()
    cred.invalidate()
    child = run_child(idp.env)
    assert child["error"] == "AuthError"
    assert child["row"] == "user-interaction"
    assert "AADSTS700082" in str(child["message"])


def test_device_code_without_prompt_and_without_login_says_run_fclaude_login(idp: Idp) -> None:
    idp.device_code()
    with pytest.raises(AuthError) as info:
        bearer(idp.credential())
    assert info.value.row == "user-interaction"
    assert "fclaude login" in info.value.message
    assert idp.emu.tokens_issued == 0


def test_invalidate_fetches_a_fresh_token_exactly_once(idp: Idp) -> None:
    idp.service_principal()
    cred = idp.credential()
    first = bearer(cred)
    assert cred.invalidate() is True
    second = bearer(cred)
    assert second != first
    assert bearer(cred) == second
    assert idp.emu.tokens_issued == 2
    assert run_child(idp.env).get("token") == second, "the rejected token is gone from disk, msal's cache too"
    assert idp.emu.tokens_issued == 2


@pytest.mark.parametrize("setup", ["service-principal-secret", "managed-identity-system", "default"])
def test_a_token_expiring_within_five_minutes_is_refreshed_exactly_once(
    idp: Idp, setup: str, tmp_path: Path
) -> None:
    SETUPS[setup](idp, tmp_path)
    idp.emu.token_lifetime = 200  # always inside REFRESH_SKEW: every request must refresh
    cred = idp.credential()
    bearer(cred)
    assert idp.emu.tokens_issued == 1
    bearer(cred)
    assert idp.emu.tokens_issued == 2
    idp.emu.token_lifetime = 3600
    bearer(cred)
    bearer(cred)
    assert idp.emu.tokens_issued == 3


# scenario -> (how the credential is set up, the AADSTS number the row is recognised by)
AADSTS_CASES: list[tuple[str, str, str | None]] = [
    ("secret-invalid", "service-principal-secret", "7000215"),
    ("secret-expired", "service-principal-secret", "7000222"),
    ("app-not-found", "service-principal-secret", "700016"),
    ("tenant-not-found", "service-principal-secret", "90002"),
    ("assertion-invalid", "service-principal-certificate", "700024"),
    ("assertion-invalid", "workload-identity", "700024"),
    ("app-not-found", "workload-identity", "700016"),
    ("secret-invalid", "default", "7000215"),
    # DefaultAzureCredential keeps only msal's sentence for a failed tenant discovery, not Entra's
    # body: the row comes from that sentence, and there is no AADSTS number to report
    ("tenant-not-found", "default", None),
    ("user-interaction", "device-code", "50076"),
    ("app-not-found", "device-code", "700016"),
]


@pytest.mark.parametrize(
    ("scenario", "setup", "code"), AADSTS_CASES, ids=[f"{s}-{m}" for s, m, _ in AADSTS_CASES]
)
def test_every_aadsts_scenario_names_its_row_and_code(
    make_idp: Callable[..., Idp],
    scenario: str,
    setup: str,
    code: str | None,
    tmp_path: Path,
    hermetic_env: Path,
) -> None:
    idp = make_idp(scenario)
    prompt = None
    if setup == "device-code":
        idp.device_code()
        prompt = lambda text: idp.emu.approve_device_code(re.findall(r"code (\w+) to", text)[0])  # noqa: E731
    else:
        SETUPS[setup](idp, tmp_path)
    with pytest.raises(AuthError) as info:
        bearer(idp.credential(prompt=prompt))
    err = info.value
    assert (err.row, err.code) == (scenario, code and f"AADSTS{code}"), err.message
    assert SECRET_CANARY not in err.message
    assert "Trace ID" not in err.message
    assert len(err.message) < 1200
    assert idp.emu.tokens_issued == 0
    assert_no_secret_on_disk(hermetic_env)


def test_default_chain_failure_lists_every_links_reason(idp: Idp) -> None:
    idp.env["FCLAUDE_AUTH"] = "default"
    with pytest.raises(AuthError) as info:
        bearer(idp.credential())
    lines = info.value.message.splitlines()
    assert lines[0].startswith("DefaultAzureCredential found no credential that works")
    names = [line.strip().split(":")[0] for line in lines[1:]]
    for link in (
        "EnvironmentCredential",
        "WorkloadIdentityCredential",
        "ManagedIdentityCredential",
        "AzureCliCredential",
    ):
        assert link in names
    assert info.value.row == "sp-env-missing"


@pytest.mark.parametrize("setup", ["service-principal-secret", "workload-identity"])
def test_an_untrusted_authority_is_a_network_error_and_verification_stays_on(
    idp: Idp, monkeypatch: pytest.MonkeyPatch, setup: str, tmp_path: Path
) -> None:
    SETUPS[setup](idp, tmp_path)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("SSL_CERT_FILE")
    with pytest.raises(AuthError) as info:
        bearer(idp.credential())
    assert info.value.row == "network"
    assert "REQUESTS_CA_BUNDLE" in info.value.message
    assert idp.emu.tokens_issued == 0
