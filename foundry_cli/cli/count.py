"""``fclaude count``: how many input tokens a prompt is, before sending it.

The service counts (``POST /anthropic/v1/messages/count_tokens``, free of charge): the body is the
one ``ask`` would send for the same prompt, system prompt and attachments, without what only
generation uses (``max_tokens``, ``stream``, sampling). Messages format only: the Responses API has
no counting route.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from foundry_cli.cli._client import make_client
from foundry_cli.cli._options import (
    ApiOpt,
    AttachOpt,
    DebugOpt,
    EmulatorOpt,
    ModelOpt,
    ProfileOpt,
    ScenarioOpt,
    SystemOpt,
)
from foundry_cli.cli._state import emulator_overrides, state
from foundry_cli.errors import UsageError

CountJsonOpt = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print one JSON object: input_tokens, deployment, model and context_window (null when the "
        "model is not known).",
    ),
]

RESPONSES_MESSAGE = (
    "fclaude count uses the Messages API's counting route (/anthropic/v1/messages/count_tokens); the "
    "Responses API has none. Pass --api messages (the same deployment answers both formats)."
)


def count(
    ctx: typer.Context,
    prompt: Annotated[
        list[str] | None, typer.Argument(metavar="[PROMPT]...", help="The prompt; stdin is appended.")
    ] = None,
    model: ModelOpt = None,
    system: SystemOpt = None,
    attach: AttachOpt = None,
    api: ApiOpt = None,
    json_out: CountJsonOpt = False,
    profile: ProfileOpt = None,
    debug: DebugOpt = False,
    emulator_: EmulatorOpt = False,
    scenario: ScenarioOpt = None,
) -> None:
    """Count a prompt's input tokens without sending it.

    The service counts the prompt as ask would send it: the system prompt, the attachments and the
    prompt. Counting is free and uses no output tokens. Messages API only.

    Examples:

    \b
      fclaude count "How long is this?"
      fclaude count -a report.pdf "summarise this"
      git diff | fclaude count --json "review this"
    """
    from foundry_cli.api.attachments import load
    from foundry_cli.api.types import Message
    from foundry_cli.cli.ask import read_prompt, read_stdin_bytes
    from foundry_cli.cli.turn import build_request, request_flags
    from foundry_cli.config.paths import get_paths
    from foundry_cli.config.settings import resolve
    from foundry_cli.learned import model_for

    s = state(ctx, profile, debug, emulator_, scenario)
    files = attach or []
    stdin_file = "-" in files
    attachments = load(files, read_stdin_bytes() if stdin_file else None)
    try:
        text = read_prompt(prompt, use_stdin=not stdin_file)
    except UsageError:
        raise UsageError(
            'No prompt: give one as arguments (fclaude count "...") or on stdin (... | fclaude count); '
            "attachments and a system prompt are counted with it."
        ) from None
    flags = request_flags(model, None, None, None, api)
    with emulator_overrides(s) as overrides:
        settings = resolve(flags, profile=s.profile, overrides=overrides)
        if settings.api != "messages":
            raise UsageError(RESPONSES_MESSAGE)
        req = build_request(
            settings,
            (Message("user", text, attachments=attachments),),
            system=system,
            stream=False,
            thinking=None,  # the prompt's size: thinking and effort change the answer, not the prompt
            effort=None,
        )
        with make_client(settings, s.debug) as client:
            tokens = client.count_tokens(req)
        info = model_for(get_paths(), settings.profile, req.deployment)
    window = info.context_window if info is not None else None
    if json_out:
        doc = {
            "input_tokens": tokens,
            "deployment": req.deployment,
            "model": info.id if info is not None else None,
            "context_window": window,
        }
        sys.stdout.write(json.dumps(doc) + "\n")
        return
    line = f"{tokens:,} input tokens"
    if window and info is not None:
        share = tokens / window
        shown = f"{share:.1%}" if share >= 0.001 or not tokens else "under 0.1%"
        line += f" ({shown} of {info.id}'s {window:,}-token context window)"
    sys.stdout.write(line + "\n")
