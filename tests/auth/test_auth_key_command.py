"""api-key mode with key_command: argv without a shell, stripped stdout, errors without stdout."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import pytest

from foundry_cli.auth.api_key import ApiKeyCredential, run_key_command
from foundry_cli.auth.factory import make_credential
from foundry_cli.errors import AuthError, ConfigError
from tests.auth.conftest import resolved_from

PY = shlex.quote(sys.executable)


def test_stdout_stripped_is_the_key(env: dict[str, str]) -> None:
    env["FCLAUDE_KEY_COMMAND"] = f"{PY} -c \"print('  key-from-vault  ')\""
    cred = make_credential(resolved_from(env), env=env)
    assert isinstance(cred, ApiKeyCredential)
    assert cred.description == "api-key from key_command (FCLAUDE_KEY_COMMAND)"
    assert cred.headers("messages") == {"x-api-key": "key-from-vault", "api-key": "key-from-vault"}
    assert cred.headers("responses") == {"api-key": "key-from-vault"}


def test_no_shell_is_involved(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    # with a shell, `;` would run a second command; without one it is just an argument
    key = run_key_command(f"{PY} -c 'import sys; print(sys.argv[1:])' ; touch {marker}")
    assert not marker.exists()
    assert "';'" in key


def test_the_command_runs_again_after_a_401(tmp_path: Path, env: dict[str, str]) -> None:
    counter = tmp_path / "n"
    script = tmp_path / "key.py"
    script.write_text(
        "import pathlib, sys\n"
        f"p = pathlib.Path({str(counter)!r}); n = int(p.read_text()) + 1 if p.exists() else 1\n"
        "p.write_text(str(n)); print(f'key-{n}')\n"
    )
    env["FCLAUDE_KEY_COMMAND"] = f"{PY} {shlex.quote(str(script))}"
    cred = make_credential(resolved_from(env), env=env)
    assert cred.headers("messages")["x-api-key"] == "key-1"
    assert cred.headers("messages")["x-api-key"] == "key-1"  # run once, not per request
    assert cred.invalidate() is True
    assert cred.headers("messages")["x-api-key"] == "key-2"


def test_failure_reports_exit_code_and_stderr_but_never_stdout() -> None:
    cmd = f"{PY} -c \"import sys; print('leaked-key-123'); print('vault locked', file=sys.stderr); sys.exit(3)\""
    with pytest.raises(AuthError) as info:
        run_key_command(cmd)
    assert "exit code 3" in info.value.message
    assert "vault locked" in info.value.message
    assert "leaked-key-123" not in info.value.message


def test_stderr_echoing_the_key_is_scrubbed() -> None:
    cmd = f"{PY} -c \"import sys; print('leaked-key-123'); print('bad key leaked-key-123', file=sys.stderr); sys.exit(1)\""
    with pytest.raises(AuthError) as info:
        run_key_command(cmd)
    assert "leaked-key-123" not in info.value.message


@pytest.mark.parametrize(
    ("command", "fragment"),
    [
        ("", "empty"),
        ("'unclosed", "quoting"),
        ("/nonexistent/vault-cli read key", "was not found"),
        (f"{PY} -c pass", "printed nothing"),
    ],
)
def test_bad_commands_are_auth_errors(command: str, fragment: str) -> None:
    with pytest.raises(AuthError, match=fragment):
        run_key_command(command)


def test_timeout() -> None:
    with pytest.raises(AuthError, match=r"did not finish within 0\.5 s"):
        run_key_command(f'{PY} -c "import time; time.sleep(5)"', timeout=0.5)


def test_api_key_wins_over_key_command_and_fixed_keys_do_not_refresh(env: dict[str, str]) -> None:
    env.update(FCLAUDE_API_KEY="k-env", FCLAUDE_KEY_COMMAND="/nonexistent")
    cred = make_credential(resolved_from(env), env=env)
    assert cred.headers("messages")["x-api-key"] == "k-env"
    assert cred.invalidate() is False


def test_no_key_at_all_is_a_config_error(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match="no key is set"):
        make_credential(resolved_from(env), env=env)
