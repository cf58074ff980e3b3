"""A deployment whose model fclaude does not know is sent as asked; a 400 that shows a rule was broken
is answered with the row and the flag to use, and remembered, so the same request is refused before
sending next time (issue 10, item 2).

The emulator serves ``prod-assistant`` (a name that is not a catalog id) with claude-opus-4-7's rules:
adaptive thinking only, no sampling parameters, no prefill.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from foundry_cli.config.paths import get_paths
from foundry_cli.emulator import Emulator
from foundry_cli.learned import rejections, remember_rejection, rule_of
from tests.support import CANARY_KEY, Fclaude, check_no_leaks, emulator_env, row_named

NAME = "prod-assistant"
OTHER = "team-assistant"


@pytest.fixture
def opus() -> Iterator[Emulator]:
    models = {NAME: "claude-opus-4-7", OTHER: "claude-opus-4-7"}
    with Emulator(api_key=CANARY_KEY, deployments=(NAME, OTHER), deployment_models=models) as e:
        yield e


@pytest.fixture
def run(opus: Emulator, base_env: dict[str, str]) -> Iterator[Fclaude]:
    runner = Fclaude({**emulator_env(opus, base_env), "FCLAUDE_DEPLOYMENT": NAME}, [])
    yield runner
    check_no_leaks(runner)


def test_a_rejected_thinking_budget_is_answered_then_refused_before_sending(
    run: Fclaude, opus: Emulator
) -> None:
    args = ("ask", "--no-history", "--thinking", "2048", "--max-tokens", "8192", "hi")
    first = run(*args)
    # the service's 400, sent as asked: a failed request (exit 1) named by its row, with the flag to use
    assert first.exit_code == 1, first.stderr
    assert row_named(first.stderr, "thinking-mode"), first.stderr
    assert "--thinking adaptive --effort" in first.stderr
    assert len(opus.requests) == 1
    assert opus.requests[0].json["thinking"]["type"] == "enabled"  # type: ignore[index]
    assert rejections(get_paths(), None, NAME) == {"thinking.enabled"}

    again = run(*args)
    # remembered: a usage error before anything is sent, naming the same row and the flag
    assert again.exit_code == 2, again.stderr
    assert row_named(again.stderr, "thinking-mode"), again.stderr
    assert f"deployment {NAME} rejected this before" in again.stderr
    assert "--thinking adaptive --effort" in again.stderr
    assert len(opus.requests) == 1, "nothing was sent"

    # the alternative it names works, and other deployments are not affected
    ok = run("ask", "--no-history", "--thinking", "adaptive", "--effort", "high", "hi")
    assert ok.exit_code == 0, ok.stderr
    other = run("ask", "--no-history", "-m", OTHER, "--thinking", "2048", "--max-tokens", "8192", "hi")
    assert other.exit_code == 1 and row_named(other.stderr, "thinking-mode"), other.stderr


def test_a_rejected_temperature_is_remembered_and_json_names_the_row(run: Fclaude, opus: Emulator) -> None:
    first = run("ask", "--no-history", "--json", "--temperature", "0.3", "hi")
    assert first.exit_code == 1, first.stdout + first.stderr
    err = json.loads(first.stdout)["error"]
    assert err["row"] == "sampling-unsupported" and err["status"] == 400 and err["exit_code"] == 1

    again = run("ask", "--no-history", "--json", "--temperature", "0.3", "hi")
    assert again.exit_code == 2, again.stdout + again.stderr
    err = json.loads(again.stdout)["error"]
    assert err["row"] == "sampling-unsupported" and err["exit_code"] == 2
    assert "no --temperature" in err["message"]
    assert len(opus.requests) == 1

    assert run("ask", "--no-history", "hi").exit_code == 0  # without it: sent and answered


def test_chat_remembers_the_rejection_too(run: Fclaude, opus: Emulator) -> None:
    """The chat REPL's turn (``Repl.send``, the real client) records the rule as ask does."""
    import io

    from foundry_cli.cli._repl import Repl
    from foundry_cli.config.settings import resolve
    from foundry_cli.errors import UsageError

    flags = {"thinking": 2048, "max_tokens": 8192}
    err = io.StringIO()
    repl = Repl(resolve(flags, env=run.env), system=None, keep_history=False, out=io.StringIO(), err=err)
    try:
        assert repl.send("hi") is False
        assert "thinking-mode" in err.getvalue() and len(opus.requests) == 1, err.getvalue()
        with pytest.raises(UsageError) as refused:
            repl.send("hi again")
        assert refused.value.row == "thinking-mode" and len(opus.requests) == 1
    finally:
        repl.close()
    again = run("ask", "--no-history", "--thinking", "2048", "--max-tokens", "8192", "hi")
    assert again.exit_code == 2 and len(opus.requests) == 1, again.stderr


@pytest.mark.parametrize(
    ("message", "rule"),
    [
        (
            '"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and '
            '"output_config.effort" to control thinking behavior.',
            "thinking.enabled",
        ),
        ('"thinking.type.adaptive" is not supported for this model.', "thinking.adaptive"),
        ('"thinking.type.disabled" is not supported for this model.', "thinking.disabled"),
        ('"output_config.effort" value "xhigh" is not supported for this model.', "effort:xhigh"),
        ('"output_config.effort" is not supported for this model.', "effort"),
        ("`temperature` is deprecated for this model.", "temperature"),
        ("`top_p` is not supported for this model: a non-default value returns this error.", "top_p"),
        ("`temperature` may only be set to 1 when thinking is enabled.", "temperature.thinking"),
        ("This model does not support assistant message prefill.", "prefill"),
        ("max_tokens: 200000 > 128000, which is the maximum allowed number of output tokens", None),
        ("prompt is too long: 210000 tokens > 200000 maximum", None),
    ],
)
def test_rule_of_reads_the_broken_rule(message: str, rule: str | None) -> None:
    assert rule_of(message) == rule


def test_rejections_are_per_profile_and_deployment_and_survive_learning_the_same_model(
    hermetic_env: Path,
) -> None:
    from foundry_cli.learned import remember

    paths = get_paths()
    remember_rejection(paths, "work", NAME, "thinking.enabled")
    remember_rejection(paths, "work", NAME, "effort:max")
    assert rejections(paths, "work", NAME) == {"thinking.enabled", "effort:max"}
    assert rejections(paths, "home", NAME) == frozenset()
    assert rejections(paths, "work", OTHER) == frozenset()
    remember(paths, "work", {NAME: None}, "response")  # seen again, model still unknown: kept
    assert rejections(paths, "work", NAME) == {"thinking.enabled", "effort:max"}
    remember(paths, "work", {NAME: None, OTHER: None}, "control-plane", replace=True)  # a full listing
    assert rejections(paths, "work", NAME) == {"thinking.enabled", "effort:max"}
    remember(paths, "work", {NAME: "claude-opus-4-7"}, "response")  # now a known model: its rules apply
    assert rejections(paths, "work", NAME) == frozenset()
