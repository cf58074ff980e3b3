"""`ask --json` fails with one JSON object on stdout for every exit code, so scripts never scrape
stderr: 1 (the request failed), 2 (usage), 3 (configuration), 4 (authentication), 130 (interrupted)."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from foundry_cli.emulator import Emulator
from tests.support import Fclaude

KEYS = {"row", "message", "status", "request_id", "exit_code"}


def error_object(stdout: str) -> dict[str, object]:
    """The one line of stdout, parsed: ``{"error": {...}}``."""
    lines = stdout.splitlines()
    assert len(lines) == 1, f"one JSON object on stdout, not {stdout!r}"
    doc = json.loads(lines[0])
    assert set(doc) == {"error"} and set(doc["error"]) == KEYS, doc
    return dict(doc["error"])


@pytest.mark.parametrize(
    ("args", "env", "code", "row"),
    [
        pytest.param(
            ("hi",), {"FCLAUDE_DEPLOYMENT": "no-such-deployment"}, 1, "deployment-not-found", id="1"
        ),
        pytest.param((), {}, 2, None, id="2-no-prompt"),
        pytest.param(("--api", "soap", "hi"), {}, 2, None, id="2-bad-value"),
        pytest.param(("hi",), {"FCLAUDE_ENDPOINT": ""}, 3, "endpoint-missing", id="3"),
        pytest.param(("-p", "nope", "hi"), {}, 3, None, id="3-no-profile"),
        pytest.param(("hi",), {"FCLAUDE_API_KEY": "wrong-key"}, 4, "key-invalid", id="4"),
    ],
)
def test_every_failure_is_one_json_object(
    fclaude: Fclaude, emu: Emulator, args: tuple[str, ...], env: dict[str, str], code: int, row: str | None
) -> None:
    emu.set_scenario("healthy")
    r = fclaude("ask", "--json", *args, FCLAUDE_MAX_RETRIES="0", **env)
    assert r.exit_code == code, r.stderr
    err = error_object(r.stdout)
    assert err["exit_code"] == code and isinstance(err["message"], str) and err["message"]
    if row is not None:
        assert err["row"] == row
    assert r.stderr.strip(), "stderr still explains it for a person"


def test_an_interrupted_ask_is_one_json_object_too(fclaude_proc: Fclaude, emu: Emulator) -> None:
    emu.delta_delay = 5.0  # a slow answer: Ctrl-C lands while it streams
    proc = subprocess.Popen(
        [sys.executable, "-m", "foundry_cli", "ask", "--json", "hi"],
        env=fclaude_proc.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not emu.requests:  # wait for the condition: the request reached the emulator
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        emu.delta_delay = 0.0
    assert proc.returncode == 130, stderr
    err = error_object(stdout)
    assert err["exit_code"] == 130 and "Interrupted" in str(err["message"])
    assert "Traceback" not in stderr
