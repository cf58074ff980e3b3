"""The turn runner's endings as ask shows them: signals, a closed pipe, nothing printed, --json failures."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest

from foundry_cli.emulator import Emulator
from tests.support import Fclaude


def statuses(fclaude: Fclaude) -> list[tuple[str, str]]:
    r = fclaude("history", "list", "--json", "-n", "100")
    assert r.exit_code == 0, r.stderr
    rows = json.loads(r.stdout)
    out = []
    for row in rows:
        shown = json.loads(fclaude("history", "show", str(row["id"]), "--json").stdout)
        out += [(t["status"], t["answer"]) for t in shown["turns"]]
    return out


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_mid_answer_is_recorded_as_interrupted(
    sig: signal.Signals, fclaude: Fclaude, fclaude_proc: Fclaude, emu: Emulator
) -> None:
    emu.set_scenario("stall:60")  # ~10 deltas, then silence: the process is mid-answer
    child = subprocess.Popen(
        [sys.executable, "-m", "foundry_cli", "ask", "wait for it"],
        env=fclaude_proc.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None
    first = child.stdout.read(1)
    assert first, "no answer began"  # an answer has begun (a condition, not a sleep)
    child.send_signal(sig)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 130, (first, err)
    assert b"Traceback" not in err and b"interrupted; the answer above is incomplete" in err
    [(status, answer)] = statuses(fclaude)
    assert status == "interrupted" and answer  # the partial answer is kept


def test_a_closed_pipe_exits_quietly_and_keeps_the_turn(
    fclaude: Fclaude, fclaude_proc: Fclaude, emu: Emulator
) -> None:
    from foundry_cli.emulator.content import long_deltas

    emu.set_scenario("long:20000")  # ~196 kB: more than a pipe holds, so a write must meet the closed end
    ask = subprocess.Popen(
        [sys.executable, "-m", "foundry_cli", "ask", "a long one"],
        env={**fclaude_proc.env, "FCLAUDE_MAX_TOKENS": "64000"},  # room for the long answer
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert ask.stdout is not None
    head = subprocess.run(["head", "-c", "1"], stdin=ask.stdout, capture_output=True, timeout=60)
    ask.stdout.close()  # only head holds the read end now: when it exits, the pipe is closed
    _, err = ask.communicate(timeout=60)
    assert ask.returncode == 141  # 128 + SIGPIPE, quietly
    assert len(head.stdout) == 1
    assert b"Traceback" not in err and b"unexpected error" not in err, err
    [(status, answer)] = statuses(fclaude)
    assert status == "complete" and answer == "".join(long_deltas(20000))  # read to the end all the same


def test_no_message_speaks_of_an_answer_above_when_none_was_printed(fclaude: Fclaude, emu: Emulator) -> None:
    emu.set_scenario("stream-cut:0")  # the connection drops before the first text delta
    r = fclaude("ask", "hello", FCLAUDE_MAX_RETRIES="0")
    assert r.exit_code == 1 and r.stdout == ""
    assert "The answer above" not in r.stderr, r.stderr
    assert r.stderr.startswith("fclaude: No answer arrived: the stream broke off"), r.stderr
    emu.set_scenario("stream-cut:5")
    r = fclaude("ask", "hello", FCLAUDE_MAX_RETRIES="0")
    assert r.exit_code == 1 and r.stdout
    assert "The answer above is incomplete." in r.stderr


def test_json_failures_are_one_object_on_stdout(fclaude: Fclaude, emu: Emulator) -> None:
    emu.set_scenario("deployment-not-found")
    r = fclaude("ask", "--json", "hello", FCLAUDE_MAX_RETRIES="0")
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    assert doc["error"]["row"] == "deployment-not-found" and doc["error"]["status"] == 404
    assert doc["error"]["exit_code"] == 1 and doc["error"]["request_id"]
    assert "DeploymentNotFound" in doc["error"]["message"]
    emu.set_scenario("key-invalid")
    r = fclaude("ask", "--json", "hello", FCLAUDE_MAX_RETRIES="0")
    assert r.exit_code == 4 and json.loads(r.stdout)["error"]["exit_code"] == 4
