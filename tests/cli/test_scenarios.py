"""The try-it path: every scenario `fclaude emulator --list` lists works with `--scenario` on every
command, not only doctor (issue 11 item 5).

`fclaude --scenario NAME ask hi` must exit with the scenario's row's exit code and name that row; a
scenario named after a row is that row, the others are listed in ROWLESS. A new scenario that is
neither fails here until it gets an expectation.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from foundry_cli.cli._state import CLIENT_SCENARIOS, scenarios
from foundry_cli.doctor.rows import ROW_BY_ID
from foundry_cli.emulator import IDENTITY_SCENARIOS, SCENARIOS
from tests.support import Fclaude, row_named

#: the row the service side's failures get (None until the error table has it)
SERVICE = "service-error" if "service-error" in ROW_BY_ID else None

#: scenarios that are not named after a row: (exit code, row or None)
ROWLESS: dict[str, tuple[int, str | None]] = {
    "healthy": (0, None),
    "long": (0, None),  # the try-it path raises max_tokens so the long answer fits
    "refusal": (1, None),  # HTTP 200, stop_reason refusal: no answer, and no row of the table
    "overloaded-midstream": (1, "overloaded"),
    "stream-cut": (1, SERVICE),  # the stream had begun: not `network`
    "stall": (1, SERVICE),  # the try-it read timeout is short: the stall breaks the stream
    "html-proxy": (1, SERVICE),
    "server-error": (1, SERVICE),
    "garbage": (1, SERVICE),
}


#: rows fclaude itself refuses before sending (a usage error, exit 2), though the service's answer
#: for the same fault exits with the row's code
REFUSED_BEFORE_SENDING = {"max-tokens-range"}


def expected(name: str) -> tuple[int, str | None]:
    if name in REFUSED_BEFORE_SENDING:
        return 2, name
    if name in ROW_BY_ID:
        return ROW_BY_ID[name].exit_code, name
    if name not in ROWLESS:
        pytest.fail(f"scenario {name!r} is neither a row id nor in ROWLESS: say what it should do")
    return ROWLESS[name]


def listed(stdout: str) -> list[str]:
    """The scenario names in `fclaude emulator --list` (indented `NAME  description` lines)."""
    return [m.group(1) for m in re.finditer(r"^  (\S+)  ", stdout, re.MULTILINE)]


@pytest.fixture
def cli(base_env: dict[str, str]) -> Fclaude:
    """The CLI with no configuration at all: the try-it path needs none."""
    return Fclaude(base_env, [])


def test_emulator_list_is_exactly_what_scenario_accepts(cli: Fclaude) -> None:
    r = cli("emulator", "--list")
    assert r.exit_code == 0, r.stderr
    names = listed(r.stdout)
    assert len(names) == len(set(names))
    assert set(names) == set(scenarios()) == {*SCENARIOS, *IDENTITY_SCENARIOS, *CLIENT_SCENARIOS}
    bad = cli("--scenario", "no-such-row", "ask", "hi")
    assert bad.exit_code == 2 and "emulator --list" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize("name", list(scenarios()))
def test_every_scenario_works_with_ask(cli: Fclaude, name: str) -> None:
    code, row = expected(name)
    r = cli("--scenario", name, "ask", "hi", timeout=90)
    assert r.exit_code == code, r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    if code == 0:
        assert r.stdout.strip(), r.stderr
    elif row is not None:
        assert row_named(r.stderr, row), r.stderr
    else:
        assert not re.search(r"^\s+row:", r.stderr, re.MULTILINE), r.stderr


@pytest.mark.parametrize("name", ["role-missing", "secret-invalid", "project-not-found", "region"])
def test_scenarios_work_with_models(cli: Fclaude, name: str) -> None:
    code, row = expected(name)
    assert row is not None
    r = cli("--scenario", name, "models")
    assert r.exit_code == code and row_named(r.stderr, row), r.stdout + r.stderr


def test_try_it_ignores_the_users_configuration(cli: Fclaude, tmp_path: Path) -> None:
    """A profile, an API key and an Azure secret of the user's change nothing and are not touched."""
    home = Path(cli.env["FCLAUDE_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    config = home / "config.toml"
    config.write_text(
        'default_profile = "work"\n[profiles.work]\nendpoint = "https://nowhere.invalid"\n'
        'auth = "azure-cli"\napi = "responses"\nmax_tokens = 5\n'
    )
    before = config.read_text()
    r = cli(
        "--scenario",
        "healthy",
        "ask",
        "hi",
        FCLAUDE_API_KEY="users-own-key",
        AZURE_CLIENT_SECRET="users-own-secret",
        FCLAUDE_PROFILE="work",
    )
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip()
    assert config.read_text() == before
    assert not (home / "history.db").exists()  # the try-it run has a home of its own


# --- one emulator front end: `fclaude emulator` and `python -m foundry_cli.emulator` ------------


def test_both_front_ends_have_every_flag(cli: Fclaude) -> None:
    import dataclasses
    import subprocess
    import sys

    from foundry_cli.emulator.serve import ServeOptions

    flags = [f"--{f.name.replace('_', '-')}" for f in dataclasses.fields(ServeOptions)]
    ours = cli("emulator", "--help")
    assert ours.exit_code == 0
    module = subprocess.run(
        [sys.executable, "-m", "foundry_cli.emulator", "--help"], capture_output=True, text=True, check=True
    )
    for flag in [*flags, "--list", "--verbose"]:
        assert flag in ours.stdout, flag
        assert flag in module.stdout, flag


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "example.com", "::"])  # noqa: S104 - refused
def test_the_emulator_serves_loopback_only(cli: Fclaude, host: str) -> None:
    r = cli("emulator", "--port", "0", "--host", host)
    assert r.exit_code == 2 and "loopback" in r.stderr and "Traceback" not in r.stderr


def test_request_log_has_one_line_per_request(tmp_path: Path) -> None:
    import io
    import ssl
    import threading

    import httpx2

    from foundry_cli.emulator.serve import ServeOptions, serve

    out, log_file, stop = io.StringIO(), tmp_path / "requests.log", threading.Event()
    opts = ServeOptions(port=0, scenario="deployment-not-found", log=str(log_file), identity=True)
    codes: list[int] = []
    server = threading.Thread(target=lambda: codes.append(serve(opts, stdout=out, stop=stop)))
    server.start()
    try:
        for _ in range(2000):  # wait for the banner, not for a time
            if "scenario:" in out.getvalue():
                break
            stop.wait(0.005)
        lines = dict(line.split(":", 1) for line in out.getvalue().splitlines() if ": " in line[:16])
        base = lines["base URL"].strip()
        with httpx2.Client(timeout=10) as http:
            headers = {"x-api-key": lines["API key"].strip(), "anthropic-version": "2023-06-01"}
            body = {"model": "nope", "max_tokens": 8, "messages": [{"role": "user", "content": "hi"}]}
            sent = http.post(f"{base}/anthropic/v1/messages?x=secret-query", json=body, headers=headers)
        assert sent.status_code == 404
        ca = lines["CA bundle"].split()[0]
        with httpx2.Client(timeout=10, verify=ssl.create_default_context(cafile=ca)) as http:
            assert http.get(
                f"{lines['authority host'].strip()}/common/v2.0/.well-known/openid-configuration"
            ).is_success
    finally:
        stop.set()
        server.join(10)
    assert codes == [0]
    logged = log_file.read_text().splitlines()
    assert [line.split(" ", 1)[1] for line in logged] == [
        "POST /anthropic/v1/messages 404",
        "identity GET /common/v2.0/.well-known/openid-configuration 200",
    ]
    assert "secret-query" not in log_file.read_text()  # paths only: a query may carry ids


@pytest.mark.parametrize("name", ["healthy", "role-missing", "secret-invalid", "project-not-found"])
def test_scenarios_work_with_login(cli: Fclaude, name: str) -> None:
    """`fclaude --scenario NAME login` verifies a profile against the emulator in that state, in a
    throwaway home: the user's configuration is not touched."""
    home = Path(cli.env["FCLAUDE_HOME"])
    code, row = expected(name)
    r = cli("--scenario", name, "login")
    assert r.exit_code == code, r.stdout + r.stderr
    assert "throwaway home" in r.stderr
    if row is None:
        assert "verified" in r.stderr
    else:
        assert row_named(r.stderr, row), r.stderr
    assert not (home / "config.toml").exists()


@pytest.mark.parametrize("name", ["role-missing", "healthy"])
def test_scenarios_work_with_chat(base_env: dict[str, str], name: str) -> None:
    """`fclaude --scenario NAME chat` on a pseudo-terminal: the turn fails naming the row (the
    session goes on), or answers."""
    import sys

    import pexpect

    env = {**base_env, "TERM": "xterm-256color", "PROMPT_TOOLKIT_NO_CPR": "1", "EDITOR": "false"}
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "foundry_cli", "--scenario", name, "chat"],
        env=env,
        encoding="utf-8",
        timeout=30,
        dimensions=(40, 100),
    )
    child.expect("›")
    child.send("hi\r")
    # the block is coloured on a terminal: `row:` then SGR codes, then the id
    child.expect(r"row:\S*\s+role-missing" if name == "role-missing" else r"ends\s+here\.")  # else: timeout
    child.expect("›")
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, str(child.before or "")


def test_sigterm_stops_the_emulator_and_removes_its_ca_file(base_env: dict[str, str]) -> None:
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "foundry_cli", "emulator", "--port", "0", "--identity"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**base_env, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(5)]
        ca = next(line for line in lines if line.startswith("CA bundle:")).split()[2]
        assert Path(ca).exists()
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=10)
    assert proc.returncode == 0 and stderr == ""
    assert not Path(ca).exists()
