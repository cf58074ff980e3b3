"""doctor's settings check applies the model's request rules and its retirement date (issue 10).

The rules are the ones ``ask``/``chat`` apply before sending (``catalog.plan_request``): a refused
combination fails the check, naming the row and the flag to use instead. The retirement date is
compared with the day in ``Context.today`` (never the real day here): a warning within 60 days, a
failure after.
"""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest

from foundry_cli.catalog import find_model
from foundry_cli.config.settings import resolve
from foundry_cli.doctor.checks import RETIRE_WARN_DAYS, Context, check_settings
from tests.support import Fclaude

BASE_ENV = {"FCLAUDE_ENDPOINT": "https://res.services.ai.azure.com", "FCLAUDE_API_KEY": "k"}


def settings_check(day: dt.date | None = None, **env: str) -> tuple[str, str, str | None, str | None]:
    """(status, detail, row, fix) of the settings check, offline, for ``env``."""
    full = {**BASE_ENV, "FCLAUDE_HOME": os.environ["FCLAUDE_HOME"], **env}  # the test's own home
    ctx = Context(resolve=lambda: resolve(env=full), env=full, today=day)
    ctx.resolved = ctx.resolve()
    out = check_settings(ctx)
    return out.status, out.detail, out.row, out.fix


@pytest.mark.parametrize(
    ("env", "row", "says", "instead"),
    [
        # a budget on an adaptive-only model: refused with the exact alternative
        (
            {
                "FCLAUDE_DEPLOYMENT": "claude-opus-4-7",
                "FCLAUDE_THINKING": "2048",
                "FCLAUDE_MAX_TOKENS": "8192",
            },
            "thinking-mode",
            "does not accept a thinking budget",
            "--thinking adaptive --effort low",
        ),
        # adaptive on a model that knows only budgets
        (
            {"FCLAUDE_DEPLOYMENT": "claude-sonnet-4-5", "FCLAUDE_THINKING": "adaptive"},
            "thinking-mode",
            "does not accept adaptive thinking",
            "--thinking N",
        ),
        # an effort the model does not list
        (
            {"FCLAUDE_DEPLOYMENT": "claude-sonnet-4-5", "FCLAUDE_EFFORT": "high"},
            "thinking-mode",
            "does not accept an effort level",
            "--thinking N",
        ),
        # removed sampling parameters
        (
            {"FCLAUDE_DEPLOYMENT": "claude-opus-4-7", "FCLAUDE_TEMPERATURE": "0.3"},
            "sampling-unsupported",
            "does not accept temperature",
            "no --temperature",
        ),
        # temperature while thinking, on a model that keeps the sampling parameters
        (
            {
                "FCLAUDE_DEPLOYMENT": "claude-sonnet-4-5",
                "FCLAUDE_THINKING": "2048",
                "FCLAUDE_TEMPERATURE": "0.3",
            },
            "sampling-unsupported",
            "while thinking is on",
            "--thinking off",
        ),
    ],
)
def test_a_refused_combination_fails_naming_the_row_and_the_flag(
    env: dict[str, str], row: str, says: str, instead: str
) -> None:
    status, detail, got_row, fix = settings_check(dt.date(2026, 1, 1), **env)
    assert (status, got_row) == ("fail", row), detail
    assert says in detail and "env FCLAUDE_" in detail, detail  # where the value came from
    assert fix is not None and fix.startswith("Use ") and instead in fix, fix


def test_an_accepted_combination_passes_and_names_what_was_asked() -> None:
    status, detail, row, _ = settings_check(
        dt.date(2026, 1, 1),
        FCLAUDE_DEPLOYMENT="claude-opus-4-7",
        FCLAUDE_THINKING="adaptive",
        FCLAUDE_EFFORT="xhigh",
    )
    assert (status, row) == ("pass", None), detail
    assert "thinking adaptive" in detail and "effort xhigh" in detail


def test_an_unknown_model_is_checked_only_by_the_rules_that_hold_for_every_model() -> None:
    """A deployment name the catalog does not know: sent as asked, so doctor does not refuse it."""
    status, detail, _, _ = settings_check(
        dt.date(2026, 1, 1),
        FCLAUDE_DEPLOYMENT="prod-assistant",
        FCLAUDE_THINKING="2048",
        FCLAUDE_API="responses",
    )
    assert status == "pass" and "is unknown" in detail, detail


def test_a_learned_model_and_a_learned_rejection_are_checked_too() -> None:
    """A deployment whose name says nothing: the model remembered from an earlier answer gives the
    rules; a rule a 400 showed the deployment breaks is refused as ask refuses it."""
    from foundry_cli.config.paths import get_paths
    from foundry_cli.learned import remember, remember_rejection

    paths = get_paths()
    remember(paths, None, {"prod-assistant": "claude-opus-4-7"}, "response")
    env = {"FCLAUDE_DEPLOYMENT": "prod-assistant", "FCLAUDE_THINKING": "2048", "FCLAUDE_MAX_TOKENS": "8192"}
    status, detail, row, fix = settings_check(dt.date(2026, 1, 1), **env)
    assert (status, row) == ("fail", "thinking-mode") and "claude-opus-4-7" in detail, detail

    remember_rejection(paths, None, "team-bot", "temperature")
    status, detail, row, fix = settings_check(
        dt.date(2026, 1, 1), FCLAUDE_DEPLOYMENT="team-bot", FCLAUDE_TEMPERATURE="0.5"
    )
    assert (status, row) == ("fail", "sampling-unsupported"), detail
    assert "rejected this before" in detail and fix is not None and "no --temperature" in fix


def test_retirement_warns_within_60_days_and_fails_after() -> None:
    sonnet = find_model("claude-sonnet-4-5")
    assert sonnet is not None and sonnet.retires == dt.date(2026, 11, 30)
    env = {"FCLAUDE_DEPLOYMENT": "claude-sonnet-4-5"}

    far = sonnet.retires - dt.timedelta(days=RETIRE_WARN_DAYS + 1)
    assert settings_check(far, **env)[0] == "pass"

    status, detail, row, fix = settings_check(sonnet.retires - dt.timedelta(days=RETIRE_WARN_DAYS), **env)
    assert status == "warn" and "retires on 2026-11-30 (in 60 days)" in detail and row is None, detail
    assert fix is not None and "fclaude models --all" in fix

    status, detail, _, _ = settings_check(sonnet.retires, **env)  # the day itself: still a warning
    assert status == "warn" and "(today)" in detail, detail

    status, detail, _, fix = settings_check(sonnet.retires + dt.timedelta(days=1), **env)
    assert status == "fail" and "retired on 2026-11-30 (1 day ago)" in detail, detail
    assert fix is not None and "newer model" in fix

    # a model without a retirement date never warns
    assert settings_check(dt.date(2030, 1, 1), FCLAUDE_DEPLOYMENT="claude-opus-4-7")[0] == "pass"


def test_the_real_day_is_used_when_none_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    import foundry_cli.doctor.checks as checks

    monkeypatch.setattr(checks, "today", lambda: dt.date(2027, 1, 1))
    status, detail, _, _ = settings_check(None, FCLAUDE_DEPLOYMENT="claude-sonnet-4-5")
    assert status == "fail" and "retired" in detail


def test_retirement_warning_and_thinking_tools_warning_together() -> None:
    status, detail, row, _ = settings_check(
        dt.date(2026, 11, 1), FCLAUDE_DEPLOYMENT="claude-sonnet-4-5", FCLAUDE_THINKING="2048"
    )
    assert status == "warn" and row == "thinking-tools", detail
    assert "retires on 2026-11-30" in detail and "thinking blocks" in detail


def test_doctor_end_to_end_names_the_row_and_the_flag(fclaude: Fclaude) -> None:
    r = fclaude(
        "doctor",
        "--check",
        "settings",
        "--offline",
        "--json",
        FCLAUDE_DEPLOYMENT="claude-opus-4-7",
        FCLAUDE_THINKING="2048",
        FCLAUDE_MAX_TOKENS="8192",
    )
    assert r.exit_code == 1, r.stdout + r.stderr
    (check,) = json.loads(r.stdout)["checks"]
    assert check["status"] == "fail" and check["row"] == "thinking-mode"
    assert "--thinking adaptive --effort" in check["fix"]
