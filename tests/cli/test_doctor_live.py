"""doctor prints as the checks finish: the header and each check's lines in display order as soon as
they are ready (piped: line by line), a spinner on a terminal naming the check it waits for, and in
the end the same text as the one-shot table."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import pexpect
import pytest

from foundry_cli.cli.doctor import LiveTable, table
from foundry_cli.doctor.runner import CheckResult, Report
from foundry_cli.emulator import Emulator
from foundry_cli.render.output import Output
from tests.support import Fclaude

RESULTS = [
    CheckResult("profile", "Profile", "pass", "ok"),
    CheckResult("dns", "DNS", "pass", "resolves"),
    CheckResult("probe", "Probe", "fail", "HTTP 404", "deployment-not-found", "use the right name"),
    CheckResult("role", "Role", "skip", "api-key auth"),
]
IDS = [r.id for r in RESULTS]
#: the status line: back to column 0, erase the line, then (dim) a spinner frame and a text
STATUS = re.compile(r"\r\x1b\[2K(?:\x1b\[2m[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] [^\r\n]*?\x1b\[0m)?")


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_out_of_order_results_print_in_display_order_as_soon_as_they_can() -> None:
    stdout = io.StringIO()
    out = Output(stdout=stdout, stderr=io.StringIO(), env={})
    report = Report("work", RESULTS)
    with LiveTable(out, IDS) as live:
        live.add(RESULTS[0], "work", [])
        assert stdout.getvalue().splitlines() == ["fclaude doctor: profile work", "PASS profile  ok  (0 ms)"]
        live.add(RESULTS[2], "work", [])  # probe before dns: held back
        assert len(stdout.getvalue().splitlines()) == 2
        live.add(RESULTS[1], "work", [])  # dns: now dns and probe (with its row and fix) print
        assert [line.split()[:2] for line in stdout.getvalue().splitlines()[2:]] == [
            ["PASS", "dns"],
            ["FAIL", "probe"],
            ["row", "deployment-not-found:"],
            ["fix:", "use"],
        ]
        live.add(RESULTS[3], "work", [])
        live.finish(report, [])
    assert stdout.getvalue() == table(report, Output(stdout=io.StringIO(), stderr=io.StringIO(), env={}))


def test_secrets_are_scrubbed_as_lines_are_printed() -> None:
    stdout = io.StringIO()
    out = Output(stdout=stdout, stderr=io.StringIO(), env={})
    leaked = CheckResult("profile", "Profile", "fail", "echoed key-0123456789-secret back", "key-invalid")
    with LiveTable(out, ["profile"]) as live:
        live.add(leaked, "work", ["key-0123456789-secret"])
        live.finish(Report("work", [leaked]), ["key-0123456789-secret"])
    assert "key-0123456789-secret" not in stdout.getvalue() and "echoed" in stdout.getvalue()


def test_on_a_terminal_a_spinner_names_the_check_it_waits_for_and_leaves_no_trace() -> None:
    stdout = FakeTTY()
    env = {"TERM": "xterm"}
    out = Output(stdout=stdout, stderr=io.StringIO(), env=env, width=80)
    report = Report("work", RESULTS)
    with LiveTable(out, IDS) as live:
        assert "checking profile…" in stdout.getvalue(), "drawn at once"
        for r in RESULTS[:2]:
            live.add(r, "work", [])
        assert stdout.getvalue().endswith("checking probe…\x1b[0m"), "now waiting for the probe"
        for r in RESULTS[2:]:
            live.add(r, "work", [])
        live.finish(report, [])
    text = stdout.getvalue()
    assert text.endswith("\r\x1b[2K"), "the status line is erased at the end"
    expected = table(report, Output(stdout=FakeTTY(), stderr=io.StringIO(), env=env, width=80))
    assert STATUS.sub("", text) == expected, "without the status line: exactly the table"


def test_no_spinner_when_asked_or_piped() -> None:
    stdout = FakeTTY()
    out = Output(stdout=stdout, stderr=io.StringIO(), env={"TERM": "xterm"})
    with LiveTable(out, IDS, spinner=False) as live:
        for r in RESULTS:
            live.add(r, "work", [])
        live.finish(Report("work", RESULTS), [])
    assert "\r" not in stdout.getvalue() and "checking" not in stdout.getvalue()


def test_piped_doctor_prints_each_check_before_the_slow_ones_finish(fclaude: Fclaude, emu: Emulator) -> None:
    emu.latency = 30  # every network answer takes 30 s: the process is killed long before that
    proc = subprocess.Popen(
        [sys.executable, "-m", "foundry_cli", "doctor"],
        env=fclaude.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        header = proc.stdout.readline()
        first = proc.stdout.readline()
        assert header.startswith("fclaude doctor: profile")
        assert first.split()[:2] == ["PASS", "profile"], first
        assert proc.poll() is None, "printed while the network checks still wait"
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("width", [60, 80, 120])
def test_doctor_on_a_real_terminal(fclaude: Fclaude, width: int) -> None:
    env = {k: v for k, v in fclaude.env.items() if k not in ("COLUMNS", "NO_COLOR")} | {"TERM": "xterm"}
    # a real process compares retirement dates with the real day: a deployment whose model does not
    # retire (the default claude-sonnet-4-5 retires on 2026-11-30), so the run passes whenever it runs
    env["FCLAUDE_DEPLOYMENT"] = "claude-opus-4-7"
    child = pexpect.spawn(
        sys.executable,
        ["-m", "foundry_cli", "doctor"],
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(40, width),
    )
    child.expect(pexpect.EOF)
    child.close()
    raw = child.before or ""
    assert child.exitstatus == 0, raw
    assert "checking profile…" in raw, "the spinner ran"
    lines = STATUS.sub("", raw).replace("\r\n", "\n").splitlines()
    assert lines[0].startswith("fclaude doctor: profile")
    assert "\x1b[32mOK\x1b[0m: " in lines[-1]
    plain = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in lines]
    assert all("\x1b" not in line and "\r" not in line for line in plain), "nothing but colour codes left"
    assert any(line.startswith("✓ pass profile") for line in plain)
    # every line fits, except one holding a single word too long for any line (a URL or a path is
    # never broken inside, so it stays copyable)
    too_wide = [line for line in plain if len(line) > width and len(line.split()[-1]) <= width // 2]
    assert not too_wide, too_wide
