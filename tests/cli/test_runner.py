"""The in-process `fclaude` runner answers exactly like the real process (`fclaude_proc`).

Most CLI tests run in process for speed; this file keeps them honest: the same commands through
`python -m foundry_cli` give the same exit code, stdout and stderr, and the runner leaves the
test process as it found it."""

from __future__ import annotations

import os
import re
import signal
import sys
from pathlib import Path

import pytest

from foundry_cli.emulator import Emulator
from tests.support import Fclaude, FclaudeProcess, RunResult

#: what differs between any two runs: the emulator's request ids and the measured latencies
VOLATILE = re.compile(r'req_[A-Za-z0-9]+|"(?:first_token|total)": [0-9.]+')


def stable(r: RunResult) -> RunResult:
    return RunResult(r.exit_code, VOLATILE.sub("…", r.stdout), VOLATILE.sub("…", r.stderr))


@pytest.mark.parametrize(
    ("args", "input", "env", "code"),
    [
        (("ask", "same either way"), None, {}, 0),
        (("ask", "--json", "as json"), None, {}, 0),
        (("ask",), "from stdin\n", {}, 0),
        (("ask", "--max-tokens", "0", "hi"), None, {}, 2),  # usage error
        (("ask", "hi"), None, {"FCLAUDE_API_KEY": "wrong-key-0123456789"}, 4),  # auth error
        (("ask", "hi"), None, {"FCLAUDE_ENDPOINT": "ftp://nowhere"}, 3),  # configuration error
        (("--version",), None, {}, 0),
        (("no-such-command",), None, {}, 2),
    ],
)
def test_in_process_equals_subprocess(
    fclaude: Fclaude,
    fclaude_proc: FclaudeProcess,
    emu: Emulator,
    args: tuple[str, ...],
    input: str | None,
    env: dict[str, str],
    code: int,
) -> None:
    inside = fclaude(*args, input=input, **env)  # type: ignore[arg-type]
    outside = fclaude_proc(*args, input=input, **env)  # type: ignore[arg-type]
    assert inside.exit_code == code, inside.stderr
    assert stable(inside) == stable(outside)
    if code == 0 and args[0] == "ask":
        assert inside.stdout, "the answer reached stdout"


def test_the_runner_restores_the_process(fclaude: Fclaude, emu: Emulator) -> None:
    before = (dict(os.environ), sys.argv, sys.stdin, sys.stdout, sys.stderr, os.getcwd())
    handler = signal.getsignal(signal.SIGINT)
    r = fclaude("--debug", "ask", input="from stdin", FCLAUDE_MAX_TOKENS="77")
    assert r.exit_code == 0, r.stderr
    assert "[debug]" in r.stderr, r.stderr
    body = emu.requests[-1].json
    assert isinstance(body, dict)
    assert body["max_tokens"] == 77, "the call's own environment reached the CLI"
    assert body["messages"][0]["content"] == "from stdin", "stdin reached the CLI"
    assert (dict(os.environ), sys.argv, sys.stdin, sys.stdout, sys.stderr, os.getcwd()) == before
    assert signal.getsignal(signal.SIGINT) is handler
    assert "FCLAUDE_MAX_TOKENS" not in os.environ


def test_secrets_from_one_run_do_not_leak_into_the_next(fclaude: Fclaude) -> None:
    from foundry_cli import redact

    assert fclaude("ask", "hi").exit_code == 0
    assert redact.scrub("canary text") == "canary text"
    assert fclaude("ask", "hi", FCLAUDE_API_KEY="").exit_code == 3, "no key: the last run's key is gone"


def test_a_once_per_process_warning_is_said_in_every_run(fclaude: Fclaude, hermetic_env: Path) -> None:
    hermetic_env.mkdir(parents=True, exist_ok=True)
    (hermetic_env / "config.toml").write_text('[profiles.work]\napi_key = "stored-in-the-wrong-file"\n')
    for _ in range(2):
        r = fclaude("-p", "work", "ask", "hi")
        assert "config.toml is meant to be shareable" in r.stderr, r.stderr


def test_an_escaping_exception_is_a_traceback_and_exit_1(
    fclaude: Fclaude, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_: object) -> None:
        raise RuntimeError("boom inside the CLI")

    monkeypatch.setattr("foundry_cli.cli.root.command", lambda: broken)
    r = fclaude("--debug", "ask", "hi")  # --debug lets it escape main(), as Python would show it
    assert r.exit_code == 1 and "Traceback" in r.stderr and "RuntimeError: boom inside the CLI" in r.stderr
    r = fclaude("ask", "hi")
    assert r.exit_code == 1 and "Traceback" not in r.stderr and "unexpected error" in r.stderr
