"""One turn, for ``ask`` and ``chat`` alike.

:func:`build_request` turns settings and a conversation into a checked :class:`Request`;
:func:`run_turn` sends it, renders the answer as it arrives, records the turn in history exactly
once with its status, and returns an :class:`Outcome` instead of raising for the endings a user
causes or a network produces (complete, interrupted, incomplete, error). ``ask`` maps the outcome
to output and an exit code, the chat REPL to its prompt; neither has an except-ladder of its own.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, TextIO

from foundry_cli.errors import ApiError, FclaudeError, StreamInterrupted, UsageError

if TYPE_CHECKING:
    from types import FrameType

    from foundry_cli.api.client import Answer, FoundryClient
    from foundry_cli.api.types import CacheTTL, Message, Request, Result, StreamEvent
    from foundry_cli.catalog import ModelInfo
    from foundry_cli.config.settings import Settings
    from foundry_cli.render.feedback import Feedback

TurnStatus = Literal["complete", "interrupted", "incomplete", "error"]


def request_flags(
    model: str | None,
    max_tokens: int | None,
    thinking: str | None,
    temperature: float | None,
    api: str | None,
    effort: str | None = None,
    cache: str | None = None,
) -> dict[str, object]:
    """The request options ask and chat share, as settings flags for ``resolve``."""
    return {
        "deployment": model,
        "max_tokens": max_tokens,
        "thinking": thinking,
        "temperature": temperature,
        "api": api,
        "effort": effort,
        "cache": cache,
    }


_UNSET: Final = object()


def build_request(
    settings: Settings,
    messages: tuple[Message, ...],
    *,
    system: str | None,
    stream: bool = True,
    deployment: str | None = None,
    thinking: object = _UNSET,
    effort: object = _UNSET,
    show_thinking: bool = False,
    note: Callable[[str], None] | None = None,
) -> Request:
    """The request for ``messages`` under ``settings``, checked against the rules of the model behind
    the deployment (``deployment``, ``thinking`` and ``effort`` override the settings, as chat's slash
    commands do). What the rules changed is said through ``note``.

    Raises:
        ConfigError: no endpoint, no deployment, or Responses without a project.
        UsageError: a combination the model rejects (exit 2, before anything is sent), naming the
        model, the rule and the flag to use instead.
    """
    from foundry_cli.api.types import Request
    from foundry_cli.catalog import Refusal, Wanted, plan_request
    from foundry_cli.config.paths import get_paths
    from foundry_cli.errors import ConfigError
    from foundry_cli.learned import model_for, refused_before, rejections

    settings.require_endpoint()
    if settings.api == "responses" and not settings.project:
        raise ConfigError(
            "The Responses API needs a project: set `project` in the profile, FCLAUDE_PROJECT, or use the "
            "project endpoint https://RES.services.ai.azure.com/api/projects/PROJECT (or --api messages).",
            row="endpoint-shape",
        )
    name = deployment or settings.deployment
    if not name:
        raise ConfigError(
            "No deployment: pass -m NAME, or set `deployment` in the profile or FCLAUDE_DEPLOYMENT "
            "(`fclaude models` lists what the resource has)."
        )
    wanted_thinking = settings.thinking if thinking is _UNSET else thinking
    wanted_effort = settings.effort if effort is _UNSET else effort
    model = model_for(get_paths(), settings.profile, name)
    wanted = Wanted(
        thinking=wanted_thinking if isinstance(wanted_thinking, str | int) else None,
        effort=wanted_effort if isinstance(wanted_effort, str) else None,
        temperature=settings.temperature,
        max_tokens=settings.max_tokens,
        prefill=messages[-1].role == "assistant",
        show_thinking=show_thinking,
    )
    plan = plan_request(model, wanted)
    if not isinstance(plan, Refusal):  # a rule this deployment's 400 showed it breaks (learned.py)
        rejected = rejections(get_paths(), settings.profile, name)
        plan = refused_before(rejected, name, plan.fields, wanted, bool(plan.thinking_on)) or plan
    if isinstance(plan, Refusal):
        behind = f"deployment {name} runs {model.id}: " if model is not None and model.id != name else ""
        raise UsageError(f"{behind}{plan}", row=plan.row)
    for text in plan.notes:
        if note is not None:
            note(text)
    return Request(
        deployment=name,
        messages=messages,
        max_tokens=settings.max_tokens,
        system=system,
        thinking_budget=wanted.thinking if isinstance(wanted.thinking, int) else 0,
        temperature=settings.temperature,
        stream=stream,
        rules=plan.fields,
        effort=wanted.effort,
        adaptive=wanted.thinking == "adaptive",
        cache=cache_ttl(settings.cache, model, system, messages),
    )


#: characters per token for deciding whether a prompt is long enough to cache (an estimate)
CHARS_PER_TOKEN = 4


def cache_ttl(
    mode: str, model: ModelInfo | None, system: str | None, messages: tuple[Message, ...]
) -> CacheTTL | None:
    """Where caching pays off: ``5m``/``1h`` as asked, ``off`` never, ``auto`` (the default) a
    five-minute cache when the prompt reaches the model's minimum cacheable length (below it the
    service would ignore the breakpoint)."""
    if mode == "5m":
        return "5m"
    if mode == "1h":
        return "1h"
    if mode != "auto":
        return None
    minimum = model.min_cache_tokens if model is not None else 1024
    size = len(system or "") + sum(len(m.text) + sum(len(a.data) for a in m.attachments) for m in messages)
    return "5m" if size / CHARS_PER_TOKEN >= minimum else None


@dataclass
class Outcome:
    """How a turn ended, and everything it produced."""

    status: TurnStatus
    request: Request
    #: what arrived (None when no response did: an error before the answer, Ctrl-C while connecting)
    result: Result | None
    #: why it did not complete (None for complete and interrupted turns)
    error: FclaudeError | None = None
    #: whether any answer text reached the output (so messages never speak of an answer "above"
    #: that was never printed)
    shown: bool = False
    #: (conversation id, turn id) in history, when the turn was stored
    ids: tuple[int, int] | None = None
    #: the signal that interrupted the turn (SIGINT for Ctrl-C, SIGTERM, SIGHUP)
    signum: int | None = None


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP during a turn: handled like Ctrl-C, so the turn is recorded as interrupted."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    """While a turn runs, SIGTERM and SIGHUP interrupt it the way Ctrl-C does (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Terminated(signum)

    wanted = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {sig: signal.signal(sig, handler) for sig in wanted}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_turn(
    client: FoundryClient,
    request: Request,
    settings: Settings,
    *,
    render: bool = True,
    show_thinking: bool = False,
    keep_history: bool = True,
    conversation_id: int | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> Outcome:
    """Send ``request``, render its answer on ``out`` (unless ``render`` is False, as for ``--json``),
    and record the turn once. A closed stdout (``| head``) stops the rendering, not the turn: the
    answer is still read and recorded, then ``BrokenPipeError`` is raised for ``main()``.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    answer = client.send(request)
    outcome = Outcome("complete", request, None)
    broken_pipe = False
    with _signals_interrupt():
        try:  # the feedback line starts inside: a Ctrl-C that lands while it is drawn is an interrupt too
            with _live_feedback(client, err) as feedback:
                broken_pipe = _stream(
                    answer, outcome, out, err, render=render, show_thinking=show_thinking, feedback=feedback
                )
            outcome.result = answer.result
        except KeyboardInterrupt as exc:
            outcome.status = "interrupted"
            outcome.signum = exc.signum if isinstance(exc, Terminated) else signal.SIGINT
            outcome.result = answer.result if answer.meta is not None else None
        except StreamInterrupted as exc:
            outcome.status, outcome.error, outcome.result = "incomplete", exc, answer.result
        except FclaudeError as exc:  # before any output: nothing was shown, the prompt is still kept
            outcome.status, outcome.error = "error", exc
            outcome.result = answer.result if answer.started else None
        finally:
            answer.close()
        if outcome.result is not None and outcome.status != "complete":
            outcome.result.incomplete = True
        if keep_history:
            outcome.ids = _record(settings, outcome, conversation_id)
        if outcome.result is not None and outcome.result.model:
            learn_model(settings, request.deployment, outcome.result.model)
        if isinstance(outcome.error, ApiError) and outcome.error.status == 400:
            learn_rejection(settings, request.deployment, outcome.error.message)
    if broken_pipe:
        raise BrokenPipeError
    return outcome


@contextlib.contextmanager
def _live_feedback(client: FoundryClient, err: TextIO) -> Iterator[Feedback | None]:
    """On a terminal, a status line for the turn (waiting, thinking, a retry countdown); the client's
    retry notices and waits go through it while the turn runs."""
    from foundry_cli.render.feedback import feedback_for

    feedback = feedback_for(err, env=os.environ)
    if feedback is None:
        yield None
        return
    saved = client.on_retry, client.retry
    feedback.max_retries = client.retry.max_retries
    client.on_retry, client.retry = feedback.on_retry, dataclasses.replace(client.retry, sleep=feedback.sleep)
    feedback.waiting()
    try:
        yield feedback
    finally:
        feedback.close()
        client.on_retry, client.retry = saved


def _stream(
    answer: Answer,
    outcome: Outcome,
    out: TextIO,
    err: TextIO,
    *,
    render: bool,
    show_thinking: bool,
    feedback: Feedback | None,
) -> bool:
    """Render the answer's events; True when the reader of ``out`` went away (the rest is read
    without rendering, so the whole answer is still recorded)."""
    from foundry_cli.api.types import TextDelta, ThinkingDelta
    from foundry_cli.render.console import decide_mode
    from foundry_cli.render.stream import make_renderer

    renderer = make_renderer(decide_mode(out, env=os.environ), out, err, env=os.environ) if render else None
    broken = False
    try:
        for ev in answer:
            if feedback is not None:
                _feedback(feedback, ev, show_thinking)
            if renderer is None:
                continue  # --json, or a reader that went away: the answer is still read whole
            try:
                if isinstance(ev, TextDelta):
                    # before the write: a signal may land while it is under way, with text already out
                    outcome.shown = outcome.shown or bool(ev.text)
                    renderer.text(ev.text)
                elif isinstance(ev, ThinkingDelta) and show_thinking:
                    renderer.thinking(ev.text)
            except BrokenPipeError:
                renderer, broken = None, True
                _silence(out)
    finally:
        if renderer is not None:
            with contextlib.suppress(BrokenPipeError):
                renderer.close()
    return broken


def _feedback(feedback: Feedback, ev: StreamEvent, show_thinking: bool) -> None:
    from foundry_cli.api.types import TextDelta, ThinkingDelta

    if isinstance(ev, TextDelta) or (isinstance(ev, ThinkingDelta) and show_thinking):
        feedback.clear()  # before anything is written: the line never mixes with the answer
    elif isinstance(ev, ThinkingDelta):
        feedback.thinking()


def learn_rejection(settings: Settings, deployment: str, message: str) -> None:
    """Remember the rule a 400 says ``deployment`` rejects (a thinking mode, an effort, a sampling
    parameter, prefill), so the same combination is refused before sending next time."""
    from foundry_cli.config.paths import get_paths
    from foundry_cli.learned import remember_rejection, rule_of

    rule = rule_of(message)
    if rule is not None:
        remember_rejection(get_paths(), settings.profile, deployment, rule)


def learn_model(settings: Settings, deployment: str, answered: str) -> None:
    """Remember the model an answer named for ``deployment`` (when the catalog knows it), so the next
    request is checked against that model's rules."""
    from foundry_cli.catalog import find_model
    from foundry_cli.config.paths import get_paths
    from foundry_cli.learned import remember, remembered

    info = find_model(answered)
    if info is None:
        return
    paths = get_paths()
    if remembered(paths, settings.profile, deployment) != info.id:
        remember(paths, settings.profile, {deployment: info.id}, "response")


def cost_usd(settings: Settings, result: Result) -> float | None:
    """The list-price estimate of ``result``'s usage (None when the model or its price is unknown)."""
    from foundry_cli.catalog import find_model
    from foundry_cli.config.paths import get_paths
    from foundry_cli.learned import model_for

    info = (find_model(result.model) if result.model else None) or model_for(
        get_paths(), settings.profile, result.deployment
    )
    if info is None:
        return None
    u = result.usage
    write_5m = (
        u.cache_creation_5m if (u.cache_creation_5m or u.cache_creation_1h) else u.cache_creation_input_tokens
    )
    return info.cost_usd(
        u.input_tokens, u.output_tokens, write_5m, u.cache_creation_1h, u.cache_read_input_tokens
    )


def _silence(out: TextIO) -> None:
    """Point a closed stdout at /dev/null, so the interpreter's final flush cannot fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, out.fileno())


def _record(settings: Settings, outcome: Outcome, conversation_id: int | None) -> tuple[int, int] | None:
    from foundry_cli.cli._history import record

    error = None
    if outcome.error is not None:
        error = outcome.error.message if isinstance(outcome.error, StreamInterrupted) else str(outcome.error)
    return record(
        settings,
        outcome.request,
        outcome.result,
        outcome.status,
        error=error,
        conversation_id=conversation_id,
    )
