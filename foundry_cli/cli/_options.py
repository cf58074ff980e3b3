"""Options shared by several commands, declared once (one spelling, one help text)."""

from __future__ import annotations

from typing import Annotated

import typer

ProfileOpt = Annotated[
    str | None,
    typer.Option("--profile", "-p", envvar="FCLAUDE_PROFILE", help="Profile to use.", show_default=False),
]
DebugOpt = Annotated[
    bool, typer.Option("--debug", help="Trace HTTP to stderr (secrets redacted); show tracebacks.")
]
EmulatorOpt = Annotated[
    bool, typer.Option("--emulator", help="Run against a built-in local Foundry emulator (no Azure needed).")
]
ScenarioOpt = Annotated[
    str | None,
    typer.Option("--scenario", help="Emulator scenario (implies --emulator); see `fclaude emulator --list`."),
]
ModelOpt = Annotated[
    str | None,
    typer.Option("--model", "-m", help="Deployment name (the request's model).", show_default=False),
]
SystemOpt = Annotated[str | None, typer.Option("--system", "-s", help="System prompt.")]
MaxTokensOpt = Annotated[
    int | None,
    typer.Option("--max-tokens", help="Max output tokens (always sent; default 4096).", min=1),
]
ThinkingOpt = Annotated[
    int | None,
    typer.Option("--thinking", help="Extended thinking budget in tokens (>= 1024, < max-tokens)."),
]
TemperatureOpt = Annotated[
    float | None,
    typer.Option("--temperature", help="Sampling temperature.", min=0.0, max=2.0),
]
ApiOpt = Annotated[
    str | None,
    typer.Option("--api", help="Wire format: messages or responses (overrides the profile)."),
]
NoStreamOpt = Annotated[
    bool, typer.Option("--no-stream", help="Wait for the whole answer instead of streaming.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object with the answer and metadata.")]
ShowThinkingOpt = Annotated[bool, typer.Option("--show-thinking", help="Show thinking, dimmed, on stderr.")]
NoHistoryOpt = Annotated[bool, typer.Option("--no-history", help="Do not store this in history.db.")]
AttachOpt = Annotated[
    list[str] | None,
    typer.Option("--attach", "-a", help="Attach a file: image, PDF or text (repeatable; - = stdin)."),
]
