"""``fclaude chat``: an interactive multi-turn REPL with streamed, rendered answers.

Importing this module stays light (no prompt_toolkit, httpx2 or rich): ``fclaude --help`` imports
every command module. The REPL itself lives in :mod:`foundry_cli.cli._repl`, imported by the command.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from foundry_cli.cli import _complete
from foundry_cli.cli._options import (
    ApiOpt,
    AttachOpt,
    CacheOpt,
    DebugOpt,
    EffortOpt,
    EmulatorOpt,
    MaxTokensOpt,
    ModelOpt,
    NoHistoryOpt,
    ProfileOpt,
    ScenarioOpt,
    ShowThinkingOpt,
    SystemOpt,
    TemperatureOpt,
    ThinkingOpt,
    whole_number,
)
from foundry_cli.cli._state import emulator_overrides, state
from foundry_cli.cli.turn import request_flags
from foundry_cli.errors import UsageError

ContinueOpt = Annotated[
    bool, typer.Option("--continue", "-c", help="Resume the last conversation (of this profile).")
]
ResumeOpt = Annotated[
    int | None,
    typer.Option(
        "--resume",
        metavar="ID",
        parser=whole_number(1),
        help="Resume conversation ID (see `fclaude history list`).",
        show_default=False,
        autocompletion=_complete.complete_history,
    ),
]


def chat(
    ctx: typer.Context,
    model: ModelOpt = None,
    system: SystemOpt = None,
    max_tokens: MaxTokensOpt = None,
    thinking: ThinkingOpt = None,
    effort: EffortOpt = None,
    temperature: TemperatureOpt = None,
    cache: CacheOpt = None,
    api: ApiOpt = None,
    attach: AttachOpt = None,
    show_thinking: ShowThinkingOpt = False,
    no_history: NoHistoryOpt = False,
    continue_: ContinueOpt = False,
    resume: ResumeOpt = None,
    profile: ProfileOpt = None,
    debug: DebugOpt = False,
    emulator_: EmulatorOpt = False,
    scenario: ScenarioOpt = None,
) -> None:
    """Chat with Claude in a multi-turn conversation.

    Type /help inside for the slash commands. Alt-Enter (or Esc then Enter) adds a newline;
    a pasted block is one message. Ctrl-C stops an answer; Ctrl-D or /exit leaves.

    Examples:

    \b
      fclaude chat
      fclaude chat -m claude-haiku-4-5 --thinking 2048
      fclaude chat --continue
    """
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(
            "fclaude chat needs a terminal (stdin and stdout); for piped or scripted use run "
            '`fclaude ask "..."` (e.g. `git diff | fclaude ask "review this"`).'
        )
    if continue_ and resume is not None:
        raise UsageError("Give either --continue or --resume ID, not both.")
    if attach and "-" in attach:
        raise UsageError(
            "-a - (stdin) does not work with chat, whose stdin is the terminal; give a file name."
        )
    from foundry_cli.api.attachments import load
    from foundry_cli.cli._repl import Repl
    from foundry_cli.cli.profile import note_conflicts
    from foundry_cli.config.settings import resolve

    s = state(ctx, profile, debug, emulator_, scenario)
    files = load(attach or [])
    flags = request_flags(model, max_tokens, thinking, temperature, api, effort, cache)
    with emulator_overrides(s) as overrides:
        resolved = resolve(flags, profile=s.profile, overrides=overrides)
        note_conflicts(resolved)  # two environment variables disagree: say which one won
        repl = Repl(
            resolved,
            system=system,
            debug=s.debug,
            show_thinking=show_thinking,
            keep_history=bool(resolved.history) and not no_history,
        )
        repl.check()
        repl.pending_files = files  # sent with the first message
        for f in files:
            repl.say_attached(f)
        if continue_ or resume is not None:
            repl.resume(resume)
        repl.loop()
