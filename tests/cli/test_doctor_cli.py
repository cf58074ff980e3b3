"""`fclaude doctor` end to end: the real CLI in a subprocess against the emulator.

Every row of the error table has a setup in which doctor names exactly that row (parametrised over
``doctor.table.ROWS``: a new row without a setup fails here), and the table, JSON and JUnit outputs
agree check by check.
"""

from __future__ import annotations

import json
import stat
import time
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from foundry_cli.doctor.checks import CHECK_IDS
from foundry_cli.doctor.table import ROWS
from foundry_cli.emulator import Emulator, mint_jwt
from tests.support import CANARY_KEY, Fclaude, service_principal_env
from tests.support import SP_CLIENT as CLIENT
from tests.support import SP_SECRET as SECRET


@pytest.fixture
def doctor(fclaude: Fclaude) -> Fclaude:
    """The CLI configured from the environment for the (api-key) emulator; the shared runner
    fails the test if the API key or the client-secret canary appears in any output."""
    return fclaude


def statuses(doc: dict[str, object]) -> dict[str, str]:
    checks = doc["checks"]
    assert isinstance(checks, list)
    return {c["id"]: c["status"] for c in checks}


def junit_statuses(path: Path) -> dict[str, str]:
    out = {}
    for case in ET.parse(path).getroot().iter("testcase"):  # noqa: S314 - our own output
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        status = props["status"]
        assert status is not None
        # the XML elements agree with the status property
        assert (case.find("failure") is not None) == (status == "fail")
        assert (case.find("skipped") is not None) == (status == "skip")
        out[case.get("name") or ""] = status
    return out


def table_statuses(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        word, _, rest = line.partition(" ")
        if word.lower() in ("pass", "warn", "fail", "skip") and rest.strip():
            out[rest.split()[0]] = word.lower()
    return out


def write_fake_az(folder: Path, script: str) -> str:
    folder.mkdir(exist_ok=True)
    az = folder / "az"
    az.write_text("#!/bin/sh\n" + script)
    az.chmod(az.stat().st_mode | stat.S_IEXEC)
    return str(folder)


# --- every row of the error table ------------------------------------------------------------


def _try_it(row: str) -> Callable[[Fclaude, Path], tuple[list[str], dict[str, str]]]:
    """The try-it path: `fclaude doctor --scenario ROW` starts the emulator in that state."""
    return lambda _doctor, _tmp: (["--scenario", row], {})


def _not_logged_in(doctor: Fclaude, tmp: Path) -> tuple[list[str], dict[str, str]]:
    """azure-cli with a fake `az` that says "Please run 'az login'"."""
    bin_dir = write_fake_az(
        tmp / "az-bin", "echo \"ERROR: Please run 'az login' to setup account.\" >&2\nexit 1\n"
    )
    return [], {"FCLAUDE_AUTH": "azure-cli", "FCLAUDE_API_KEY": "", "PATH": f"{bin_dir}:{doctor.env['PATH']}"}


#: how each row is reproduced; a row missing here fails test_every_row_has_a_setup
ROW_SETUPS: dict[str, Callable[[Fclaude, Path], tuple[list[str], dict[str, str]]]] = {
    **{
        row: _try_it(row)
        for row in (
            # configuration
            "endpoint-missing",  # no endpoint at all
            "sp-env-missing",  # service principal without AZURE_TENANT_ID / AZURE_CLIENT_SECRET
            # data plane (emulator scenarios)
            "endpoint-shape",
            "project-not-found",
            "api-version",
            "key-invalid",
            "key-auth-disabled",
            "deployment-not-found",
            "region",
            "max-tokens",
            "thinking-tools",
            "rate-limit",  # doctor's try-it sets max_retries 0: retries exhausted at once
            "overloaded",
            # Entra ID (emulator identity scenarios, a registered service principal)
            "secret-invalid",
            "secret-expired",
            "app-not-found",
            "tenant-not-found",
            "assertion-invalid",  # workload identity with a federated token file
            "user-interaction",  # device-code auth, nobody signed in: a person must
            "audience",
            "role-missing",
            "network",  # a closed port
            # issue 11's rows
            "network-restricted",  # 403 Virtual Network/Firewall rules
            "credential-missing",  # api-key auth, and no key anywhere
            "prompt-too-long",
            "max-tokens-range",  # the settings check, against the catalog's limit
            "managed-identity-unavailable",  # an App Service endpoint with no identity assigned
            "tenant-mismatch",
            "federation-mismatch",  # workload identity whose subject has no federated record
        )
    },
    "not-logged-in": _not_logged_in,
    # issue 10's rows: the settings check applies the model's request rules (claude-opus-4-7 thinks
    # only adaptively and removed the sampling parameters)
    "thinking-mode": lambda _doctor, _tmp: (
        [],
        {"FCLAUDE_DEPLOYMENT": "claude-opus-4-7", "FCLAUDE_THINKING": "4096", "FCLAUDE_MAX_TOKENS": "8192"},
    ),
    "sampling-unsupported": lambda _doctor, _tmp: (
        [],
        {"FCLAUDE_DEPLOYMENT": "claude-opus-4-7", "FCLAUDE_TEMPERATURE": "0.3"},
    ),
    "service-error": lambda _doctor, _tmp: (["--scenario", "server-error"], {}),
}
#: rows doctor cannot meet, only read in pasted text (`doctor explain`): doctor never creates a deployment
EXPLAIN_ONLY = {
    "deployment-provisioning": "InvalidModelProviderData: ModelProviderData is required",
    # fclaude sends no feature a hosting option may lack (structured outputs): only a paste shows it
    "feature-unsupported": "structured_outputs not supported in your workspace",
}


def test_every_row_has_a_setup() -> None:
    assert sorted([*ROW_SETUPS, *EXPLAIN_ONLY]) == sorted(r.id for r in ROWS)


@pytest.mark.parametrize("row", sorted(EXPLAIN_ONLY))
def test_rows_doctor_cannot_meet_are_explained(doctor: Fclaude, row: str) -> None:
    r = doctor("doctor", "explain", EXPLAIN_ONLY[row])
    assert r.exit_code == 0 and r.stdout.startswith(f"{row}:"), r.stdout + r.stderr


@pytest.mark.parametrize("row", [r.id for r in ROWS if r.id not in EXPLAIN_ONLY])
def test_doctor_names_exactly_the_row(doctor: Fclaude, row: str, tmp_path: Path) -> None:
    if row not in ROW_SETUPS:
        pytest.fail(f"row {row!r} has no doctor setup in ROW_SETUPS")
    args, env = ROW_SETUPS[row](doctor, tmp_path)
    junit = tmp_path / "doctor.xml"
    r = doctor("doctor", *args, "--json", "--junit", str(junit), **env)
    assert r.exit_code == 1, r.stdout + r.stderr
    doc = json.loads(r.stdout)
    assert doc["ok"] is False and list(doc) == ["profile", "ok", "checks"]
    checks = doc["checks"]
    assert [c["id"] for c in checks] == list(CHECK_IDS)
    for c in checks:
        assert list(c) == ["id", "title", "status", "detail", "row", "fix", "duration_ms"]
    failed = [c for c in checks if c["status"] == "fail"]
    assert failed and {c["row"] for c in failed} == {row}, failed
    assert all(c["fix"] for c in failed)
    first = checks.index(failed[0])
    for c in checks[:first]:  # before the first failure: passed, or skipped for a stated reason
        assert c["status"] in ("pass", "skip") and c["detail"], c
    for c in checks[first + 1 :]:
        if c["status"] == "skip":
            assert c["detail"], c
    # the three outputs agree, check by check
    table = doctor("doctor", *args, **env)
    assert table.exit_code == 1
    assert statuses(doc) == junit_statuses(junit) == table_statuses(table.stdout)
    assert f"row {row}:" in table.stdout


# --- a healthy emulator ----------------------------------------------------------------------


def test_healthy_api_key_all_pass_or_skip_with_reason(doctor: Fclaude, emu: Emulator) -> None:
    r = doctor("doctor", "--json")
    assert r.exit_code == 0, r.stdout + r.stderr
    doc = json.loads(r.stdout)
    assert doc["ok"] is True
    for c in doc["checks"]:
        assert c["status"] in ("pass", "skip"), c
        assert c["detail"] and c["row"] is None and c["fix"] is None
    st = statuses(doc)
    assert st["probe"] == st["deployment"] == st["region"] == st["settings"] == "pass"
    assert st["control-plane"] == "skip" and st["token"] == "skip" and st["role"] == "skip"
    assert len(emu.requests) == 1 and emu.requests[0].json["max_tokens"] <= 32  # type: ignore[index]


def test_healthy_service_principal(doctor: Fclaude, idp: Emulator) -> None:
    r = doctor("doctor", "--json", **service_principal_env(idp))
    assert r.exit_code == 0, r.stdout + r.stderr
    st = {c["id"]: c for c in json.loads(r.stdout)["checks"]}
    assert st["token"]["status"] == "pass" and "service-principal" in st["token"]["detail"]
    claims = st["token-claims"]
    assert claims["status"] == "pass" and "aud https://ai.azure.com" in claims["detail"]
    assert idp.tenant_id in claims["detail"]
    assert st["role"]["status"] == "pass" and st["probe"]["status"] == "pass"


def test_control_plane_healthy(doctor: Fclaude, idp: Emulator) -> None:
    r = doctor("doctor", "--json", **service_principal_env(idp, control_plane=True))
    assert r.exit_code == 0, r.stdout + r.stderr
    checks = {c["id"]: c for c in json.loads(r.stdout)["checks"]}
    assert checks["control-plane"]["status"] == "pass" and "eastus2" in checks["control-plane"]["detail"]
    assert "control plane" in checks["region"]["detail"]
    assert "effective permissions" in checks["role"]["detail"]
    assert "20250929" in checks["deployment"]["detail"]
    assert idp.arm_requests


@pytest.mark.parametrize(("scenario", "check"), [("region", "region"), ("role-missing", "role")])
def test_control_plane_evidence_names_the_row(
    doctor: Fclaude, base_env: dict[str, str], scenario: str, check: str
) -> None:
    with Emulator(identity=True, scenario=scenario) as idp:
        idp.add_app(CLIENT, secret=SECRET, roles=scenario != "role-missing")
        r = doctor("doctor", "--json", **service_principal_env(idp, control_plane=True))
    checks = {c["id"]: c for c in json.loads(r.stdout)["checks"]}
    assert r.exit_code == 1
    assert checks[check]["status"] == "fail" and checks[check]["row"] == scenario
    assert "control plane" in checks["region"]["detail"] or check == "role"
    assert {c["row"] for c in checks.values() if c["status"] == "fail"} == {scenario}


def test_token_for_the_wrong_audience_is_named_from_its_claims(doctor: Fclaude, idp: Emulator) -> None:
    env = {
        **service_principal_env(idp),
        "FCLAUDE_API": "responses",
        "FCLAUDE_SCOPE": "https://cognitiveservices.azure.com/.default",
    }
    r = doctor("doctor", "--json", **env)
    assert r.exit_code == 1
    checks = {c["id"]: c for c in json.loads(r.stdout)["checks"]}
    claims = checks["token-claims"]
    assert claims["status"] == "fail" and claims["row"] == "audience"
    assert "https://ai.azure.com/.default" in claims["fix"]
    assert checks["probe"]["status"] == "skip" and "token-claims" in checks["probe"]["detail"]


def test_sp_env_missing_names_the_missing_variables(doctor: Fclaude, idp: Emulator) -> None:
    env = {**service_principal_env(idp), "AZURE_CLIENT_SECRET": "", "AZURE_TENANT_ID": ""}
    r = doctor("doctor", "--json", **env)
    auth = next(c for c in json.loads(r.stdout)["checks"] if c["id"] == "auth")
    assert auth["row"] == "sp-env-missing"
    assert "AZURE_TENANT_ID" in auth["detail"] and "AZURE_CLIENT_SECRET" in auth["detail"]
    assert "AZURE_CLIENT_ID" not in auth["detail"]


def test_az_missing_from_path_fails_the_prerequisite(doctor: Fclaude, tmp_path: Path) -> None:
    r = doctor("doctor", "--json", FCLAUDE_AUTH="azure-cli", FCLAUDE_API_KEY="", PATH=str(tmp_path))
    auth = next(c for c in json.loads(r.stdout)["checks"] if c["id"] == "auth")
    assert auth["status"] == "fail" and auth["row"] == "not-logged-in" and "az" in auth["detail"]


def test_a_ready_token_reports_its_claims(doctor: Fclaude) -> None:
    token = mint_jwt(aud="https://ai.azure.com", exp=int(time.time()) + 1800, tid="t-1", oid="o-1")
    r = doctor("doctor", "--json", FCLAUDE_API_KEY="", AZURE_AD_TOKEN=token)
    checks = {c["id"]: c for c in json.loads(r.stdout)["checks"]}
    assert checks["token"]["status"] == "pass" and "AZURE_AD_TOKEN" in checks["token"]["detail"]
    claims = checks["token-claims"]["detail"]
    assert "aud https://ai.azure.com" in claims and "tid t-1" in claims and "oid o-1" in claims
    assert "expires in" in claims
    assert token not in r.stdout + r.stderr


def test_tls_from_an_unknown_issuer_names_the_issuer(doctor: Fclaude, idp: Emulator) -> None:
    """The identity TLS port serves a certificate from the emulator's own CA: not trusted here."""
    r = doctor("doctor", "--json", FCLAUDE_ENDPOINT=idp.authority_host)
    checks = {c["id"]: c for c in json.loads(r.stdout)["checks"]}
    tls = checks["tls"]
    assert tls["status"] == "fail" and tls["row"] == "network"
    assert "not trusted" in tls["detail"] and "issued by" in tls["detail"] and "CA" in tls["detail"]
    assert checks["dns"]["status"] == checks["tcp"]["status"] == "pass"
    assert checks["probe"]["status"] == "skip"  # gated by tls: not a second report of the same failure


# --- options -------------------------------------------------------------------------------


def test_offline_sends_nothing(doctor: Fclaude, emu: Emulator) -> None:
    r = doctor("doctor", "--offline", "--json")
    assert r.exit_code == 0, r.stdout
    st = statuses(json.loads(r.stdout))
    assert st["dns"] == st["tcp"] == st["probe"] == "skip"
    assert st["profile"] == st["endpoint"] == st["auth"] == "pass"
    assert emu.requests == []


def test_check_runs_one_check(doctor: Fclaude, emu: Emulator) -> None:
    r = doctor("doctor", "--check", "endpoint", "--json")
    assert r.exit_code == 0
    assert [c["id"] for c in json.loads(r.stdout)["checks"]] == ["endpoint"]
    assert emu.requests == []
    r = doctor("doctor", "--check", "probe", "--json")
    assert [c["id"] for c in json.loads(r.stdout)["checks"]] == ["probe"] and len(emu.requests) == 1
    r = doctor("doctor", "--check", "nope")
    assert r.exit_code == 2 and "valid checks" in r.stderr


def test_list_checks(doctor: Fclaude) -> None:
    r = doctor("doctor", "--list-checks")
    assert r.exit_code == 0
    header, *rows = r.stdout.splitlines()
    assert header.split() == ["CHECK", "KIND", "TITLE", "DEPENDS", "ON"]
    assert [line.split()[0] for line in rows] == list(CHECK_IDS)


def test_strict_makes_a_warning_fail(doctor: Fclaude, tmp_path: Path) -> None:
    env = {"FCLAUDE_THINKING_BUDGET": "2048"}  # thinking on Messages: a warning (thinking-tools)
    r = doctor("doctor", "--json", **env)
    assert r.exit_code == 0, r.stdout
    settings = next(c for c in json.loads(r.stdout)["checks"] if c["id"] == "settings")
    assert settings["status"] == "warn" and settings["row"] == "thinking-tools"
    junit = tmp_path / "strict.xml"
    r = doctor("doctor", "--strict", "--json", "--junit", str(junit), **env)
    assert r.exit_code == 1 and json.loads(r.stdout)["ok"] is False
    root = ET.parse(junit).getroot()  # noqa: S314 - our own output
    assert root.get("failures") == "1"


def test_bundle_has_evidence_and_no_secret(doctor: Fclaude, idp: Emulator, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.json"
    r = doctor("--debug", "doctor", "--bundle", str(bundle), **service_principal_env(idp))
    assert r.exit_code == 0, r.stdout + r.stderr
    text = bundle.read_text()
    doc = json.loads(text)
    assert SECRET not in text and CANARY_KEY not in text
    assert "eyJ" not in text  # no token either
    assert doc["settings"]["client_secret"]["source"] == "env AZURE_CLIENT_SECRET"
    assert doc["settings"]["endpoint"]["value"] == idp.base_url
    assert doc["probe"]["request_id"] and "x-ms-region" in doc["probe"]["response_headers"]
    assert doc["versions"]["fclaude"] and doc["versions"]["python"]
    assert [c["id"] for c in doc["checks"]] == list(CHECK_IDS)
    assert "[debug]" in r.stderr and SECRET not in r.stderr  # --debug traced, redacted


def test_bundle_with_api_key_has_no_key(doctor: Fclaude, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.json"
    r = doctor("--debug", "doctor", "--json", "--bundle", str(bundle))
    assert r.exit_code == 0
    text = bundle.read_text()
    assert CANARY_KEY not in text and json.loads(text)["settings"]["api_key"]["value"] == "set ([redacted])"


def test_rate_limit_with_retries_exhausted(doctor: Fclaude, emu: Emulator) -> None:
    emu.set_scenario("rate-limit:3")  # three 429s (retry-after: 1): more than the 2 retries
    r = doctor("doctor", "--json")
    probe = next(c for c in json.loads(r.stdout)["checks"] if c["id"] == "probe")
    assert r.exit_code == 1 and probe["status"] == "fail" and probe["row"] == "rate-limit"
    assert "after 2 retries" in probe["detail"] and len(emu.requests) == 3


def test_rate_limit_recovered_is_a_warning(doctor: Fclaude, emu: Emulator) -> None:
    emu.set_scenario("rate-limit:1")
    r = doctor("doctor", "--json")
    probe = next(c for c in json.loads(r.stdout)["checks"] if c["id"] == "probe")
    assert r.exit_code == 0 and probe["status"] == "warn" and probe["row"] == "rate-limit"
    assert "after 1 retries" in probe["detail"]


@pytest.mark.parametrize(("latency", "delta_delay", "status"), [(0.4, 0.0, "warn"), (0.4, 0.01, "pass")])
def test_a_stream_that_arrives_in_one_burst_is_flagged(
    doctor: Fclaude, latency: float, delta_delay: float, status: str
) -> None:
    """A late answer whose deltas all arrive at once looks like a buffering proxy; a spread one not."""
    with Emulator(api_key=CANARY_KEY, latency=latency, delta_delay=delta_delay) as slow:
        r = doctor("doctor", "--check", "probe", "--json", FCLAUDE_ENDPOINT=slow.base_url)
    (probe,) = json.loads(r.stdout)["checks"]
    assert probe["status"] == status, probe
    if status == "warn":
        assert "one burst" in probe["detail"] and probe["row"] == "network"


def test_try_it_ignores_the_users_profile_and_environment(doctor: Fclaude) -> None:
    home = Path(doctor.env["FCLAUDE_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(
        'default_profile = "work"\n[profiles.work]\nendpoint = "https://nowhere.services.ai.azure.com"\n'
        'auth = "azure-cli"\nsubscription_id = "00000000-0000-0000-0000-000000000000"\nmax_tokens = 999999\n'
    )
    r = doctor("doctor", "--emulator", "--json", FCLAUDE_AUTH="device-code")
    assert r.exit_code == 0, r.stdout + r.stderr
    doc = json.loads(r.stdout)
    assert doc["profile"] is None
    assert all(c["status"] in ("pass", "skip") for c in doc["checks"])


def test_proxy_variables_are_reported_without_credentials(doctor: Fclaude) -> None:
    proxy = "http://alice:canary-PROXY-PASSWORD-77@proxy.example:3128"
    r = doctor("doctor", "--offline", "--json", HTTPS_PROXY=proxy, NO_PROXY="127.0.0.1,localhost")
    check = next(c for c in json.loads(r.stdout)["checks"] if c["id"] == "proxy")
    assert check["status"] == "pass" and "NO_PROXY covers 127.0.0.1" in check["detail"]
    assert "proxy.example:3128" in check["detail"] and "canary-PROXY-PASSWORD-77" not in r.stdout


def test_table_on_a_pipe_is_plain(doctor: Fclaude) -> None:
    r = doctor("doctor")
    assert r.exit_code == 0 and "\x1b[" not in r.stdout
    assert r.stdout.splitlines()[-1].startswith("OK:")


# --- doctor explain ----------------------------------------------------------------------------


@pytest.mark.parametrize("row", ROWS, ids=[r.id for r in ROWS])
def test_explain_symptom(doctor: Fclaude, row: object) -> None:
    r = doctor("doctor", "explain", row.symptom)  # type: ignore[attr-defined]
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith(f"{row.id}: ")  # type: ignore[attr-defined]


def test_explain_reads_stdin_and_json(doctor: Fclaude) -> None:
    body = '{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist."}}'
    r = doctor("doctor", "explain", "--json", input=body)
    assert r.exit_code == 0
    assert json.loads(r.stdout)["matches"][0]["id"] == "deployment-not-found"


def test_explain_unrelated_text_exits_1(doctor: Fclaude) -> None:
    r = doctor("doctor", "explain", "the weather is lovely today")
    assert r.exit_code == 1 and r.stdout == "" and "no row" in r.stderr


def test_explain_needs_text(doctor: Fclaude) -> None:
    r = doctor("doctor", "explain")
    assert r.exit_code == 2


# --- issue 11 item 5: doctor as a new user meets it --------------------------------------------


def test_a_silent_gap_mid_stream_makes_the_probe_warn(doctor: Fclaude, emu: Emulator) -> None:
    """A stall shorter than the read timeout still answers, but doctor must not call it healthy."""
    emu.set_scenario("stall:2")
    r = doctor("doctor", "--check", "probe", "--json", FCLAUDE_READ_TIMEOUT="3")
    (probe,) = json.loads(r.stdout)["checks"]
    assert probe["status"] == "warn", probe
    assert "went silent for 2." in probe["detail"] and "read timeout 3 s" in probe["detail"]
    assert probe["fix"]


def test_a_stall_beyond_the_read_timeout_fails_the_probe(doctor: Fclaude, emu: Emulator) -> None:
    emu.set_scenario("stall:30")
    r = doctor("doctor", "--check", "probe", "--json", FCLAUDE_READ_TIMEOUT="1")
    (probe,) = json.loads(r.stdout)["checks"]
    assert r.exit_code == 1 and probe["status"] == "fail", probe
    assert "read timeout" in probe["detail"] and probe["row"] != "network"


def test_the_probe_waits_as_long_as_the_read_timeout_allows() -> None:
    from types import SimpleNamespace

    from foundry_cli.doctor.checks import CHECKS, _probe_timeout
    from foundry_cli.doctor.runner import _limit

    probe = next(c for c in CHECKS if c.id == "probe")
    ctx = SimpleNamespace(r=SimpleNamespace(connect_timeout=10.0, read_timeout=300.0))
    assert _probe_timeout(ctx) == 320.0  # ctx: a stand-in for Context
    assert _limit(probe, ctx) == 320.0
    assert _limit(probe, object()) == probe.timeout  # settings that did not resolve


def test_stream_cut_is_not_a_network_problem(doctor: Fclaude) -> None:
    r = doctor("doctor", "--scenario", "stream-cut", "--json")
    probe = next(c for c in json.loads(r.stdout)["checks"] if c["id"] == "probe")
    assert r.exit_code == 1 and probe["status"] == "fail", probe
    assert "broke off" in probe["detail"]
    assert probe["row"] == ("service-error" if "service-error" in {x.id for x in ROWS} else None)


def test_settings_never_shows_an_unknown_model_as_a_question_mark(doctor: Fclaude) -> None:
    cases = [
        ({"FCLAUDE_DEPLOYMENT": ""}, "no deployment configured"),
        ({"FCLAUDE_DEPLOYMENT": "prod-assistant"}, "the model behind deployment 'prod-assistant' is unknown"),
    ]
    for env, says in cases:
        r = doctor("doctor", "--check", "settings", "--offline", "--json", **env)
        (settings,) = json.loads(r.stdout)["checks"]
        assert says in settings["detail"] and "?" not in settings["detail"], settings


def test_several_checks_run_together(doctor: Fclaude) -> None:
    r = doctor("doctor", "--check", "endpoint", "--check", "settings", "--json")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert [c["id"] for c in json.loads(r.stdout)["checks"]] == ["endpoint", "settings"]
    bad = doctor("doctor", "--check", "endpoint", "--check", "nope")
    assert bad.exit_code == 2 and "'nope'" in bad.stderr


def test_bundle_to_stdout_and_reports_say_where_they_went(doctor: Fclaude, tmp_path: Path) -> None:
    r = doctor("doctor", "--offline", "--bundle", "-")
    assert r.exit_code == 0, r.stderr
    bundle = json.loads(r.stdout)  # stdout holds the bundle alone; the table moved to stderr
    assert "checks" in json.dumps(bundle) and "profile" in r.stderr
    junit = tmp_path / "doctor.xml"
    r = doctor("doctor", "--offline", "--junit", str(junit), "--bundle", str(tmp_path / "b.json"))
    assert f"wrote the JUnit report to {junit}" in r.stderr
    assert f"wrote the support bundle (redacted) to {tmp_path / 'b.json'}" in r.stderr
    both = doctor("doctor", "--offline", "--bundle", "-", "--json")
    assert both.exit_code == 2 and "stdout" in both.stderr


def test_report_files_are_private_atomic_and_never_written_through_a_symlink(
    doctor: Fclaude, tmp_path: Path
) -> None:
    tmp_path = tmp_path / "reports"
    tmp_path.mkdir()
    target = tmp_path / "elsewhere.txt"
    target.write_text("do not touch")
    link = tmp_path / "bundle.json"
    link.symlink_to(target)
    r = doctor("doctor", "--offline", "--bundle", str(link), "--junit", str(tmp_path / "j.xml"))
    assert r.exit_code == 0, r.stderr
    assert target.read_text() == "do not touch"
    assert not link.is_symlink() and json.loads(link.read_text())
    for written in (link, tmp_path / "j.xml"):
        assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle.json", "elsewhere.txt", "j.xml"]
    missing = doctor("doctor", "--offline", "--bundle", str(tmp_path / "no" / "b.json"))
    assert missing.exit_code == 2 and "Cannot write the support bundle" in missing.stderr
