"""``fclaude ask``: one prompt, one streamed answer."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import typer

from foundry_cli.cli._client import make_client
from foundry_cli.cli._options import (
    ApiOpt,
    AttachOpt,
    CacheOpt,
    DebugOpt,
    EffortOpt,
    EmulatorOpt,
    JsonOpt,
    MaxTokensOpt,
    ModelOpt,
    NoHistoryOpt,
    NoStreamOpt,
    ProfileOpt,
    PromptArg,
    ScenarioOpt,
    ShowThinkingOpt,
    SystemOpt,
    TemperatureOpt,
    ThinkingOpt,
)
from foundry_cli.cli._state import emulator_overrides, state
from foundry_cli.cli.exit_codes import ExitCode
from foundry_cli.errors import FclaudeError, UsageError

if TYPE_CHECKING:
    from foundry_cli.cli.turn import Outcome
    from foundry_cli.config.settings import Settings

MAX_STDIN = 16 * 1024 * 1024


def read_stdin_bytes() -> bytes:
    raw = sys.stdin.buffer.read(MAX_STDIN + 1)
    if len(raw) > MAX_STDIN:
        raise UsageError(f"stdin is larger than {MAX_STDIN // (1024 * 1024)} MiB; send a smaller input.")
    return raw


def read_prompt(words: list[str] | None, *, use_stdin: bool = True) -> str:
    """Prompt = the arguments, then piped stdin (``git diff | fclaude ask "review"``).

    Raises:
        UsageError: no prompt at all, or stdin is not text.
    """
    parts = [" ".join(words)] if words else []
    stdin = sys.stdin
    if use_stdin and stdin is not None and not stdin.isatty():
        raw = read_stdin_bytes()
        try:
            piped = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError(
                "stdin is not UTF-8 text; attachments of binary files come with -a/--attach."
            ) from None
        if piped.strip():
            parts.append(piped)
    prompt = "\n\n".join(parts)
    if not prompt.strip():
        raise UsageError(
            'No prompt: give one as arguments (fclaude ask "...") or on stdin (... | fclaude ask).'
        )
    return prompt


def json_errors(command: Callable[..., None]) -> Callable[..., None]:
    """With ``--json``, an error raised before or around the turn (usage, configuration, credentials)
    is also the ``{"error": ...}`` object on stdout, then reaches ``main()`` as usual (stderr, exit
    code). Outcomes of the turn itself are ``finish``'s."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except FclaudeError as exc:
            if kwargs.get("json_out"):
                _print_json(error_json(exc))
            raise
        except KeyboardInterrupt:  # before the turn began (resolving, signing in)
            if kwargs.get("json_out"):
                _print_json(interrupted_json("Interrupted before the request was sent."))
            raise

    return run


@json_errors
def ask(
    ctx: typer.Context,
    prompt: PromptArg = None,
    model: ModelOpt = None,
    system: SystemOpt = None,
    max_tokens: MaxTokensOpt = None,
    thinking: ThinkingOpt = None,
    effort: EffortOpt = None,
    temperature: TemperatureOpt = None,
    cache: CacheOpt = None,
    api: ApiOpt = None,
    no_stream: NoStreamOpt = False,
    json_out: JsonOpt = False,
    show_thinking: ShowThinkingOpt = False,
    no_history: NoHistoryOpt = False,
    attach: AttachOpt = None,
    profile: ProfileOpt = None,
    debug: DebugOpt = False,
    emulator_: EmulatorOpt = False,
    scenario: ScenarioOpt = None,
) -> None:
    """Ask one question and stream the answer.

    The prompt is the arguments, then piped stdin. The answer goes to stdout (rendered markdown on a
    terminal, plain text when piped); progress, notes and errors go to stderr.

    Examples:

    \b
      fclaude ask "What is Foundry?"
      git diff | fclaude ask "review this"
      fclaude ask -a photo.png "what is in this picture?"
      fclaude ask --json -m claude-haiku-4-5 "one word for blue"
    """
    from foundry_cli.api.attachments import load
    from foundry_cli.api.types import Message
    from foundry_cli.cli.count import refuse_oversized
    from foundry_cli.cli.profile import note_conflicts
    from foundry_cli.cli.turn import build_request, request_flags, run_turn
    from foundry_cli.config.settings import resolve

    s = state(ctx, profile, debug, emulator_, scenario)
    files = attach or []
    stdin_file = "-" in files
    attachments = load(files, read_stdin_bytes() if stdin_file else None)
    text = read_prompt(prompt, use_stdin=not stdin_file)
    flags = request_flags(model, max_tokens, thinking, temperature, api, effort, cache)
    with emulator_overrides(s) as overrides:
        settings = resolve(flags, profile=s.profile, overrides=overrides)
        note_conflicts(settings)  # two environment variables disagree: say which one won
        req = build_request(
            settings,
            (Message("user", text, attachments=attachments),),
            system=system,
            stream=not no_stream,
            show_thinking=show_thinking,
            note=_note,
        )
        refuse_oversized(settings, req)  # certainly over the context window: refused before sending
        with make_client(settings, s.debug) as client:
            outcome = run_turn(
                client,
                req,
                settings,
                render=not json_out,
                show_thinking=show_thinking,
                keep_history=settings.history and not no_history,
            )
    raise typer.Exit(int(finish(outcome, settings, json_out=json_out)))


def finish(outcome: Outcome, settings: Settings, *, json_out: bool) -> ExitCode:
    """Map a turn's outcome to ask's output and exit code."""
    from foundry_cli.api.client import result_json
    from foundry_cli.cli.turn import cost_usd

    result = outcome.result
    error = _suggested(outcome, settings)
    if json_out and result is not None and outcome.status not in ("error", "interrupted"):
        _print_json(result_json(result, cost_usd=cost_usd(settings, result)))
    if outcome.status == "complete":
        return _finish_complete(outcome)
    if outcome.status == "interrupted":
        return _finish_interrupted(outcome, json_out=json_out)
    if error is None:  # not reached: incomplete and error outcomes carry their error
        return ExitCode.FAILED
    return _finish_failed(outcome, error, json_out=json_out)


def _suggested(outcome: Outcome, settings: Settings) -> FclaudeError | None:
    """The outcome's error; a failed request to a misspelt -m also says "did you mean ...?"."""
    error = outcome.error
    if error is None or outcome.status != "error" or _emulated(settings):
        return error
    from foundry_cli.cli.models import with_suggestion

    return with_suggestion(error, settings, outcome.request.deployment)


def _finish_complete(outcome: Outcome) -> ExitCode:
    """A complete answer: why it ended when that matters; a refusal fails (exit 1)."""
    from foundry_cli.cli._endings import REFUSAL, ending_note

    result = outcome.result
    if result is None:
        return ExitCode.OK
    if result.stop_reason == "max_tokens":
        sys.stderr.write(
            f"fclaude: the answer stopped at the max_tokens limit ({outcome.request.max_tokens}); "
            "raise --max-tokens for more.\n"
        )
    note = ending_note(result)
    if note is not None:
        sys.stderr.write(f"fclaude: {note}.\n")
    if result.stop_reason == REFUSAL:
        return ExitCode.FAILED  # no answer: a script must not take the empty output for one
    return ExitCode.OK


def _finish_interrupted(outcome: Outcome, *, json_out: bool) -> ExitCode:
    """Ctrl-C or SIGTERM: say what was shown; with --json, the interrupted object."""
    result = outcome.result
    where = "the answer above is incomplete" if outcome.shown else "no answer had arrived yet"
    sys.stderr.write(f"fclaude: interrupted; {where}.\n")
    if json_out:
        partial = "a partial answer was discarded" if result is not None and result.text else "no answer"
        _print_json(interrupted_json(f"Interrupted: {partial}.", result.request_id if result else None))
    return ExitCode.INTERRUPTED


def _finish_failed(outcome: Outcome, error: FclaudeError, *, json_out: bool) -> ExitCode:
    """A failed request or an incomplete answer: the error report (and its --json object)."""
    from foundry_cli.cli._errors import report

    if json_out and outcome.status == "error":
        _print_json(error_json(error))
    what = "The request failed"
    if outcome.status == "incomplete":
        what = "The answer is incomplete" if outcome.shown else "No answer arrived"
    return report(error, sys.stderr, what=what, shown=outcome.shown)


def _emulated(settings: Settings) -> bool:
    """A --emulator/--scenario run: its deployments are the emulator's, never the user's cache."""
    return settings.values["endpoint"].source.startswith("emulator")


def interrupted_json(message: str, request_id: str | None = None) -> dict[str, object]:
    """The ``--json`` object of an interrupted ``ask`` (Ctrl-C, SIGTERM): the error object's shape."""
    return {
        "error": {
            "row": None,
            "message": message,
            "status": None,
            "request_id": request_id,
            "exit_code": int(ExitCode.INTERRUPTED),
        }
    }


def error_json(exc: FclaudeError) -> dict[str, object]:
    """The ``--json`` failure object: scripts never have to scrape stderr."""
    from foundry_cli.cli._errors import exit_code_for, paragraph, request_id_of
    from foundry_cli.doctor.table import classify

    row = classify(exc)
    return {
        "error": {
            "row": exc.row or (row.id if row else None),
            "message": paragraph(exc),
            "status": getattr(exc, "status", None) or None,
            "request_id": request_id_of(exc),
            "exit_code": int(exit_code_for(exc)),
        }
    }


def _note(text: str) -> None:
    sys.stderr.write(f"fclaude: note: {text}\n")


def _print_json(doc: object) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
    sys.stdout.flush()
