"""``fclaude count``: how many input tokens a prompt is, before sending it.

The service counts (``POST /anthropic/v1/messages/count_tokens``, free of charge): the body is the
one ``ask`` would send for the same prompt, system prompt and attachments, without what only
generation uses (``max_tokens``, ``stream``, sampling). Messages format only: the Responses API has
no counting route.
"""

from __future__ import annotations

import json
import re
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from foundry_cli.cli._client import make_client
from foundry_cli.cli._options import (
    ApiOpt,
    AttachOpt,
    DebugOpt,
    EmulatorOpt,
    ModelOpt,
    ProfileOpt,
    PromptArg,
    ScenarioOpt,
    SystemOpt,
)
from foundry_cli.cli._state import emulator_overrides, state
from foundry_cli.errors import UsageError

if TYPE_CHECKING:
    from foundry_cli.api.types import Request
    from foundry_cli.config.settings import Settings

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
    prompt: PromptArg = None,
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

    ask itself refuses, before sending, only a prompt that certainly exceeds the model's context
    window: its text at 8 bytes a token (runs of one character counted once) is already over it.
    Anything closer is sent, and the service's answer names the prompt-too-long row.

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


#: UTF-8 bytes of text per token that a prompt's average never exceeds once runs are collapsed
#: (English averages about 4, code about 3; only long runs of one character pack more)
BYTES_PER_TOKEN_BOUND = 8
_SPACE_RUNS = re.compile(r"\s+")
_CHAR_RUNS = re.compile(r"(.)\1{3,}", re.DOTALL)


def prompt_lower_bound(req: Request) -> int:
    """A cheap lower bound of the prompt's tokens, never above the real count: the text (system
    prompt, messages, text attachments) with each whitespace run and each run of one repeated
    character collapsed to one character, at :data:`BYTES_PER_TOKEN_BOUND` bytes a token. Images
    and PDFs count as nothing (their real cost depends on their pixels and pages)."""
    size = 0
    for text in _texts(req):
        size += len(_CHAR_RUNS.sub(r"\1", _SPACE_RUNS.sub(" ", text)).encode("utf-8", "replace"))
    return size // BYTES_PER_TOKEN_BOUND


def _texts(req: Request) -> list[str]:
    texts = [req.system or ""]
    for m in req.messages:
        texts.append(m.text)
        texts += [a.data.decode("utf-8", "replace") for a in m.attachments if a.kind == "text"]
    return texts


def refuse_oversized(settings: Settings, req: Request) -> None:
    """Refuse, before sending, a prompt that cannot fit the context window of the deployment's model
    whatever the tokenizer does (:func:`prompt_lower_bound` above the window). Anything closer is
    left to the service, which answers with the prompt-too-long row; an unknown model is not checked.

    Raises:
        UsageError: the prompt is certainly too long (row prompt-too-long, exit 2).
    """
    from foundry_cli.config.paths import get_paths
    from foundry_cli.learned import model_for

    model = model_for(get_paths(), settings.profile, req.deployment)
    if model is None:
        return
    if sum(len(t) for t in _texts(req)) * 4 // BYTES_PER_TOKEN_BOUND <= model.context_window:
        return  # even at 4 bytes a character it fits: the common case costs no regular expression
    bound = prompt_lower_bound(req)
    if bound <= model.context_window:
        return
    raise UsageError(
        f"The prompt is at least {bound:,} tokens, more than the {model.context_window:,}-token context "
        f"window of {model.id}; nothing was sent. Shorten the prompt or the attached files, or split "
        "the work into several requests (`fclaude count` measures a prompt).",
        row="prompt-too-long",
    )
