"""Options shared by several commands, declared once (one spelling, one help text)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import typer

from foundry_cli.cli import _complete


def whole_number(lo: int, hi: int | None = None) -> Callable[[str], int]:
    """A parser for an integer option whose error says "expected a whole number" (Typer's own
    says "'x' is not a valid int range")."""

    def parse(raw: str) -> int:
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise typer.BadParameter(f"expected a whole number, not {raw!r}") from None
        if value < lo or (hi is not None and value > hi):
            raise typer.BadParameter(
                f"must be at least {lo}, not {value}" if hi is None else f"must be {lo} to {hi}, not {value}"
            )
        return value

    return parse


def number(lo: float, hi: float | None = None) -> Callable[[str], float]:
    """A parser for a decimal option whose error says "expected a number"."""

    def parse(raw: str) -> float:
        try:
            value = float(str(raw).strip())
        except ValueError:
            raise typer.BadParameter(f"expected a number, not {raw!r}") from None
        if value != value or value < lo or (hi is not None and value > hi):  # NaN too
            raise typer.BadParameter(
                f"must be at least {lo:g}, not {raw}"
                if hi is None
                else f"must be {lo:g} to {hi:g}, not {raw}"
            )
        return value

    return parse


ProfileOpt = Annotated[
    str | None,
    typer.Option(
        "--profile",
        "-p",
        envvar="FCLAUDE_PROFILE",
        metavar="NAME",
        help="Profile to use (`fclaude profile list` shows them).",
        show_default=False,
        autocompletion=_complete.complete_profiles,
    ),
]
DebugOpt = Annotated[
    bool, typer.Option("--debug", help="Trace HTTP to stderr (secrets redacted); show tracebacks.")
]
EmulatorOpt = Annotated[
    bool, typer.Option("--emulator", help="Run against a built-in local Foundry emulator (no Azure needed).")
]
ScenarioOpt = Annotated[
    str | None,
    typer.Option(
        "--scenario",
        metavar="NAME",
        help="Emulator scenario (implies --emulator); see `fclaude emulator --list`.",
        autocompletion=_complete.complete_scenarios,
    ),
]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        "-m",
        metavar="DEPLOYMENT",
        help="Deployment name (the request's model); `fclaude models` lists them.",
        show_default=False,
        autocompletion=_complete.complete_deployments,
    ),
]
SystemOpt = Annotated[str | None, typer.Option("--system", "-s", metavar="TEXT", help="System prompt.")]
MaxTokensOpt = Annotated[
    int | None,
    typer.Option(
        "--max-tokens",
        metavar="N",
        parser=whole_number(1, 1_000_000),
        help="Max output tokens (always sent; default 4096).",
    ),
]
ThinkingOpt = Annotated[
    str | None,
    typer.Option(
        "--thinking",
        metavar="adaptive|off|N",
        help="Thinking: adaptive, off, or a budget of N tokens (models that accept a budget; "
        ">= 1024, < max-tokens). Checked against the model's rules before sending.",
        show_default=False,
        autocompletion=_complete.complete_thinking,
    ),
]
EffortOpt = Annotated[
    str | None,
    typer.Option(
        "--effort",
        metavar="low|medium|high|xhigh|max",
        help="How much effort (and thinking) the model spends, for models that accept it.",
        show_default=False,
        autocompletion=_complete.complete_effort,
    ),
]
CacheOpt = Annotated[
    str | None,
    typer.Option(
        "--cache",
        metavar="auto|5m|1h|off",
        help="Prompt caching: auto (where the prompt is long enough to pay off), 5m, 1h or off.",
        show_default=False,
        autocompletion=_complete.complete_cache,
    ),
]
TemperatureOpt = Annotated[
    float | None,
    typer.Option("--temperature", metavar="0-2", parser=number(0.0, 2.0), help="Sampling temperature."),
]
ApiOpt = Annotated[
    str | None,
    typer.Option(
        "--api",
        metavar="messages|responses",
        help="Wire format (overrides the profile's api setting).",
        autocompletion=_complete.complete_api,
    ),
]
NoStreamOpt = Annotated[
    bool, typer.Option("--no-stream", help="Wait for the whole answer instead of streaming.")
]
JsonOpt = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print one JSON object: text, model, usage, stop reason, request id, region, latency; "
        'on failure {"error": {row, message, status, request_id, exit_code}} (stdout either way).',
    ),
]
ShowThinkingOpt = Annotated[bool, typer.Option("--show-thinking", help="Show thinking, dimmed, on stderr.")]
NoHistoryOpt = Annotated[bool, typer.Option("--no-history", help="Do not store this in history.db.")]
AttachOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--attach", "-a", metavar="FILE", help="Attach a file: image, PDF or text (repeatable; - = stdin)."
    ),
]

PromptArg = Annotated[
    list[str] | None, typer.Argument(metavar="[PROMPT]...", help="The prompt; stdin is appended.")
]
