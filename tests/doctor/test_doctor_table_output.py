"""The TTY table drawn by cli/doctor.py: symbols, colour, the row and fix under a failure."""

from __future__ import annotations

import pytest

from foundry_cli.cli.doctor import table
from foundry_cli.doctor.runner import CheckResult, Report

RESULTS = [
    CheckResult("profile", "Profile", "pass", "ok"),
    CheckResult("region", "Region", "warn", "unknown"),
    CheckResult("probe", "Probe", "fail", "HTTP 404", "deployment-not-found", "use the right name"),
    CheckResult("role", "Role", "skip", "api-key auth"),
]


def test_tty_symbols_and_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    text = table(Report("work", RESULTS), tty=True)
    for symbol in ("✓", "!", "✗"):
        assert symbol in text
    assert "\x1b[31m✗\x1b[0m" in text
    assert "row deployment-not-found:" in text and "fix: use the right name" in text
    assert text.splitlines()[-1] == "FAILED: 1 pass, 1 warn, 1 fail, 1 skip"


def test_no_color_and_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in table(Report("work", RESULTS), tty=True)
    piped = table(Report("work", RESULTS), tty=False)
    assert "\x1b[" not in piped and "✓" not in piped
    assert [line.split()[0] for line in piped.splitlines()[1:5]] == ["PASS", "WARN", "FAIL", "row"]
