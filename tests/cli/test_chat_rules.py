"""/thinking and /effort in chat check the model's rules before changing anything."""

from __future__ import annotations

import io

from foundry_cli.cli._repl import Repl
from foundry_cli.config.settings import resolve
from tests.support import Fclaude


def repl(fclaude: Fclaude, deployment: str) -> tuple[Repl, io.StringIO]:
    out = io.StringIO()
    settings = resolve({"deployment": deployment}, env=fclaude.env)
    return Repl(settings, system=None, out=out, err=out), out


def test_effort_and_adaptive_thinking_are_refused_where_the_model_lacks_them(fclaude: Fclaude) -> None:
    r, out = repl(fclaude, "claude-sonnet-4-5")  # a budget model without effort levels
    r.cmd_effort("max")
    assert r.effort is None and "/effort max:" in out.getvalue() and "Use " in out.getvalue()
    r.cmd_thinking("adaptive")
    assert r.thinking is None and "/thinking adaptive:" in out.getvalue()
    r.cmd_thinking("2048")
    assert r.thinking == 2048 and "a budget of 2048 tokens" in out.getvalue()


def test_the_same_commands_are_accepted_where_the_model_has_them(fclaude: Fclaude) -> None:
    r, out = repl(fclaude, "claude-opus-4-7")
    r.cmd_effort("xhigh")
    r.cmd_thinking("adaptive")
    assert r.effort == "xhigh" and r.thinking == "adaptive", out.getvalue()
    r.cmd_thinking("2048")  # opus-4-7 accepts no budget: refused, adaptive kept
    assert r.thinking == "adaptive" and "--thinking adaptive" in out.getvalue()
    r.cmd_effort("huge")
    assert r.effort == "xhigh" and "/effort huge:" in out.getvalue()
