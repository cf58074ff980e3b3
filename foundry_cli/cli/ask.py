"""``fclaude ask``: one prompt, one streamed answer."""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from foundry_cli.cli._client import make_client
from foundry_cli.cli._history import record
from foundry_cli.cli._options import (
    ApiOpt,
    AttachOpt,
    DebugOpt,
    EmulatorOpt,
    JsonOpt,
    MaxTokensOpt,
    ModelOpt,
    NoHistoryOpt,
    NoStreamOpt,
    ProfileOpt,
    ScenarioOpt,
    ShowThinkingOpt,
    SystemOpt,
    TemperatureOpt,
    ThinkingOpt,
)
from foundry_cli.cli._state import emulator_overrides, state
from foundry_cli.cli.exit_codes import ExitCode
from foundry_cli.errors import ConfigError, FclaudeError, StreamInterrupted, UsageError

if TYPE_CHECKING:
    from foundry_cli.api.client import FoundryClient
    from foundry_cli.api.types import Attachment, Request, Result
    from foundry_cli.config.settings import Resolved

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


def request_flags(
    model: str | None,
    max_tokens: int | None,
    thinking: int | None,
    temperature: float | None,
    api: str | None,
) -> dict[str, object]:
    """The request options ask and chat share, as settings flags for ``resolve``."""
    return {
        "deployment": model,
        "max_tokens": max_tokens,
        "thinking_budget": thinking,
        "temperature": temperature,
        "api": api,
    }


def build_request(
    resolved: Resolved,
    prompt: str,
    system: str | None,
    stream: bool,
    attachments: tuple[Attachment, ...] = (),
) -> Request:
    from foundry_cli.api.types import Message, Request

    if resolved.endpoint is None:
        raise ConfigError(
            "No endpoint configured: set `endpoint` in a profile (fclaude login), or FCLAUDE_ENDPOINT / "
            "AZURE_API_BASE / ANTHROPIC_FOUNDRY_RESOURCE. Try it without Azure: fclaude --emulator ask ...",
            row="endpoint-missing",
        )
    if not resolved["deployment"]:
        raise ConfigError(
            "No deployment: pass -m NAME, or set `deployment` in the profile or FCLAUDE_DEPLOYMENT."
        )
    budget, max_tokens = resolved["thinking_budget"], resolved["max_tokens"]
    if budget and not 1024 <= budget < max_tokens:
        raise UsageError(
            f"--thinking {budget} must be at least 1024 and less than --max-tokens ({max_tokens}); "
            f"e.g. --thinking 2048 --max-tokens {max(max_tokens, 4096)}."
        )
    return Request(
        deployment=resolved["deployment"],
        messages=(Message("user", prompt, attachments=attachments),),
        max_tokens=max_tokens,
        system=system,
        thinking_budget=budget,
        temperature=resolved["temperature"],
        stream=stream,
    )


def run(client: FoundryClient, req: Request, *, api: str, json_out: bool, show_thinking: bool) -> Result:
    """Stream ``req``, rendering as it arrives. Raises StreamInterrupted / KeyboardInterrupt with
    ``.result`` attached so the caller can still print what arrived."""
    from foundry_cli.api.client import ResultBuilder
    from foundry_cli.api.types import TextDelta, ThinkingDelta
    from foundry_cli.render.console import decide_mode
    from foundry_cli.render.stream import make_renderer

    builder = ResultBuilder(api=api, deployment=req.deployment)
    renderer = None
    if not json_out:
        renderer = make_renderer(
            decide_mode(sys.stdout, env=os.environ), sys.stdout, sys.stderr, env=os.environ
        )
    try:
        for ev in client.events(req):
            builder.feed(ev)
            if renderer is None:
                continue
            if isinstance(ev, TextDelta):
                renderer.text(ev.text)
            elif isinstance(ev, ThinkingDelta) and show_thinking:
                renderer.thinking(ev.text)
    except (StreamInterrupted, KeyboardInterrupt) as exc:
        if renderer is not None:
            renderer.close()
        exc.result = builder.finish(client.meta)  # type: ignore[union-attr]
        exc.result.incomplete = True  # type: ignore[union-attr]
        raise
    if renderer is not None:
        renderer.close()
    return builder.finish(client.meta)


def ask(
    ctx: typer.Context,
    prompt: Annotated[list[str] | None, typer.Argument(help="The prompt; stdin is appended.")] = None,
    model: ModelOpt = None,
    system: SystemOpt = None,
    max_tokens: MaxTokensOpt = None,
    thinking: ThinkingOpt = None,
    temperature: TemperatureOpt = None,
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

    Examples: fclaude ask "What is Foundry?"; git diff | fclaude ask "review this";
    fclaude ask --json -m claude-haiku-4-5 "one word for blue"
    """
    from foundry_cli.api.attachments import load
    from foundry_cli.api.client import result_json
    from foundry_cli.config.settings import resolve

    s = state(ctx, profile, debug, emulator_, scenario)
    files = attach or []
    stdin_file = "-" in files
    attachments = load(files, read_stdin_bytes() if stdin_file else None)
    text = read_prompt(prompt, use_stdin=not stdin_file)
    flags = request_flags(model, max_tokens, thinking, temperature, api)
    with emulator_overrides(s) as overrides:
        resolved = resolve(flags, profile=s.profile, overrides=overrides)
        req = build_request(resolved, text, system, stream=not no_stream, attachments=attachments)
        keep = resolved["history"] and not no_history
        with make_client(resolved, s.debug) as client:
            try:
                result = run(client, req, api=resolved["api"], json_out=json_out, show_thinking=show_thinking)
            except StreamInterrupted as exc:
                partial = exc.result  # type: ignore[attr-defined]
                if keep:
                    record(resolved, req, partial, "incomplete", error=str(exc.message))
                if json_out:
                    _print_json(result_json(partial))
                from foundry_cli.cli._errors import report

                report(exc, sys.stderr, what="The answer is incomplete")
                raise typer.Exit(int(ExitCode.FAILED)) from None
            except KeyboardInterrupt as exc:
                partial = getattr(exc, "result", None)
                if keep:
                    record(resolved, req, partial, "interrupted")
                if json_out and partial is not None:
                    _print_json(result_json(partial))
                sys.stderr.write("fclaude: interrupted; the answer above is incomplete.\n")
                raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
            except FclaudeError as exc:  # failed before any output: the prompt is still kept
                if keep:
                    record(resolved, req, None, "error", error=str(exc))
                raise
            if keep:
                record(resolved, req, result, "complete")
    if json_out:
        _print_json(result_json(result))
    if result.stop_reason == "max_tokens":
        sys.stderr.write(
            f"fclaude: the answer stopped at the max_tokens limit ({req.max_tokens}); "
            "raise --max-tokens for more.\n"
        )


def _print_json(doc: object) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
    sys.stdout.flush()
