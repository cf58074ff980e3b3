"""`fclaude doctor` in CI: GitHub Actions annotations and step summary, Azure Pipelines issues.

The CLI runs against the emulator with the environment a runner gives (``GITHUB_ACTIONS=true``,
``GITHUB_STEP_SUMMARY`` pointing at a temporary file); the escaping is checked on hostile text.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from foundry_cli.doctor import report as rep
from foundry_cli.doctor.runner import CheckResult, Report
from foundry_cli.emulator import Emulator
from tests.support import CANARY_KEY, Fclaude


def gh_env(tmp_path: Path) -> dict[str, str]:
    summary = tmp_path / "step_summary.md"
    summary.write_text("earlier step\n")  # the runner's file: appended to, never replaced
    return {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}


def commands(text: str, prefix: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(prefix)]


def test_failing_doctor_annotates_each_failure_and_writes_the_summary(
    fclaude: Fclaude, emu: Emulator, tmp_path: Path
) -> None:
    emu.set_scenario("key-invalid")
    env = gh_env(tmp_path)
    r = fclaude("doctor", **env)
    assert r.exit_code == 1, r.stdout + r.stderr  # unchanged by the CI format
    errors = commands(r.stdout, "::error ")
    assert errors == [line for line in commands(r.stdout, "::") if not line.startswith("::warning")]
    assert len(errors) == 1
    head, _, message = errors[0].partition("::")[2].partition("::")
    # the title is a property: ':' and ',' escaped
    assert head == "error title=fclaude doctor%3A probe (key-invalid)"
    assert message.startswith("HTTP 401") and "Row key-invalid:" in message and "Fix: " in message
    # the table is still printed for people reading the log
    assert "FAIL probe" in r.stdout and "FAILED:" in r.stdout
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert summary.startswith("earlier step\n### fclaude doctor: FAILED\n")
    rows = [line for line in summary.splitlines() if line.startswith("| ") and "---" not in line]
    by_check = {row.split(" | ")[1]: row for row in rows[1:]}
    assert "❌ fail" in by_check["probe"] and "| key-invalid |" in by_check["probe"]
    assert "✅ pass" in by_check["endpoint"]
    assert len(rows) - 1 == len(json.loads(fclaude("doctor", "--json").stdout)["checks"])


def test_passing_doctor_has_no_annotation_and_an_ok_summary(fclaude: Fclaude, tmp_path: Path) -> None:
    env = gh_env(tmp_path)
    r = fclaude("doctor", **env)
    assert r.exit_code == 0, r.stdout + r.stderr
    assert not commands(r.stdout, "::") and not commands(r.stderr, "::")
    summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
    assert "### fclaude doctor: OK" in summary and "❌" not in summary
    assert "| ✅ pass | probe |" in summary


def test_a_warning_is_a_warning_annotation_and_an_error_under_strict(
    fclaude: Fclaude, tmp_path: Path
) -> None:
    env = {**gh_env(tmp_path), "FCLAUDE_THINKING_BUDGET": "2048"}  # a warning (thinking-tools)
    r = fclaude("doctor", **env)
    assert r.exit_code == 0
    assert [a.split("::")[1] for a in commands(r.stdout, "::")] == [
        "warning title=fclaude doctor%3A settings (thinking-tools)"
    ]
    r = fclaude("doctor", "--strict", **env)
    assert r.exit_code == 1
    assert [a.split("::")[1] for a in commands(r.stdout, "::")] == [
        "error title=fclaude doctor%3A settings (thinking-tools)"
    ]


def test_format_github_without_the_runner_variable(fclaude: Fclaude, emu: Emulator) -> None:
    emu.set_scenario("key-invalid")
    assert len(commands(fclaude("doctor", "--format", "github").stdout, "::error ")) == 1
    # inside GitHub Actions, --format table turns the annotations off
    r = fclaude("doctor", "--format", "table", GITHUB_ACTIONS="true")
    assert r.exit_code == 1 and not commands(r.stdout, "::")


def test_json_stays_one_document_and_the_annotations_go_to_stderr(
    fclaude: Fclaude, emu: Emulator, tmp_path: Path
) -> None:
    emu.set_scenario("key-invalid")
    r = fclaude("doctor", "--json", **gh_env(tmp_path))
    assert r.exit_code == 1 and json.loads(r.stdout)["ok"] is False
    assert len(commands(r.stderr, "::error title=fclaude doctor%3A probe")) == 1


def test_azure_pipelines_logissue(fclaude: Fclaude, emu: Emulator) -> None:
    emu.set_scenario("key-invalid")
    r = fclaude("doctor", "--format", "azure-pipelines")
    assert r.exit_code == 1
    issues = commands(r.stdout, "##vso[")
    assert len(issues) == 1 and not commands(r.stdout, "::")
    assert issues[0].startswith("##vso[task.logissue type=error;code=key-invalid;]fclaude doctor: probe")
    # TF_BUILD=True (set by the agent) picks the format
    assert commands(fclaude("doctor", TF_BUILD="True").stdout, "##vso[task.logissue type=error;")


def test_unknown_format_is_a_usage_error(fclaude: Fclaude) -> None:
    r = fclaude("doctor", "--format", "gitlab")
    assert r.exit_code == 2 and "table, github, azure-pipelines" in r.stderr


# --- hostile text: escaping, secrets, injected commands ----------------------------------------


def hostile_report() -> Report:
    detail = f"50% off\r\n::add-mask::x\n##vso[task.setvariable variable=A]1 key {CANARY_KEY} a|b <img>"
    return Report(
        "ci,prof:1",
        [
            CheckResult("probe", "Probe", "fail", detail, row="key-invalid", fix="do a; b] c"),
            CheckResult("settings", "Settings", "warn", "thinking: on, 100%", row="thinking-tools"),
            CheckResult("dns", "DNS", "pass", "ok"),
        ],
    )


def test_github_escaping_keeps_each_annotation_on_one_line_without_secrets() -> None:
    assert rep.gh_data("a%b\r\nc:d,e") == "a%25b%0D%0Ac:d,e"
    assert rep.gh_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"
    text = rep.github_annotations(hostile_report(), [CANARY_KEY])
    lines = text.splitlines()
    assert len(lines) == 2 and all(line.startswith(("::error ", "::warning ")) for line in lines)
    assert CANARY_KEY not in text and "[redacted]" in text
    assert "50%25 off" in lines[0] and "100%25" in lines[1]  # data: % escaped
    assert lines[1].startswith("::warning title=fclaude doctor%3A settings (thinking-tools)::")


def test_azure_escaping() -> None:
    assert rep.azp_data("a%b\r\nc;d]e") == "a%AZP25b%0D%0Ac;d]e"
    assert rep.azp_property("a%b\r\nc;d]e") == "a%AZP25b%0D%0Ac%3Bd%5De"
    text = rep.azure_issues(hostile_report(), [CANARY_KEY])
    lines = text.splitlines()
    assert [line.split("]")[0] for line in lines] == [
        "##vso[task.logissue type=error;code=key-invalid;",
        "##vso[task.logissue type=warning;code=thinking-tools;",
    ]
    assert CANARY_KEY not in text and "50%AZP25 off" in lines[0]


def test_summary_cells_render_as_text() -> None:
    summary = rep.step_summary(hostile_report(), [CANARY_KEY])
    assert CANARY_KEY not in summary
    probe = next(line for line in summary.splitlines() if "| probe |" in line)
    # one row, the same number of cell separators as the header; HTML and pipes escaped
    assert probe.count(" | ") == 4 and "a\\|b" in probe and "\\<img\\>" in probe
    assert "Profile ci,prof:1:" in summary


def test_table_lines_cannot_issue_commands() -> None:
    from foundry_cli.cli.doctor import _defang

    text = "FAIL probe  x\n     ::error::injected\n  ##vso[task.complete]\nok ::fine\n"
    assert _defang(text) == "FAIL probe  x\n     : :error::injected\n  # #vso[task.complete]\nok ::fine\n"


@pytest.mark.parametrize("ci", [False, True])
def test_live_table_in_ci_cannot_issue_commands(ci: bool) -> None:
    """Server text wrapped so that a line of the table starts with ``::`` (after its indent): in CI
    that line is defanged; outside CI the table is left as it is."""
    from foundry_cli.cli.doctor import LiveTable
    from foundry_cli.render.output import Output

    buf = io.StringIO()
    out = Output(stdout=buf, terminal=False, width=40, env={})
    r = CheckResult("probe", "Probe", "fail", "word " * 5 + "::error::injected", row="key-invalid")
    with LiveTable(out, ["probe"], spinner=False, ci=ci) as live:
        live.add(r, "p", [])
        live.finish(Report("p", [r]), [])
    commands_ = [line for line in buf.getvalue().splitlines() if line.lstrip().startswith("::")]
    assert bool(commands_) is not ci
    assert "injected" in buf.getvalue()
