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
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TextIO

from foundry_cli.errors import FclaudeError, StreamInterrupted, UsageError

if TYPE_CHECKING:
    from types import FrameType

    from foundry_cli.api.client import Answer, FoundryClient
    from foundry_cli.api.types import Message, Request, Result, StreamEvent
    from foundry_cli.config.settings import Settings
    from foundry_cli.render.feedback import Feedback

TurnStatus = Literal["complete", "interrupted", "incomplete", "error"]


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
    settings: Settings,
    messages: tuple[Message, ...],
    *,
    system: str | None,
    stream: bool = True,
    deployment: str | None = None,
    thinking_budget: int | None = None,
) -> Request:
    """The request for ``messages`` under ``settings`` (``deployment``/``thinking_budget`` override
    them, as chat's slash commands do).

    Raises:
        ConfigError: no endpoint or no deployment. UsageError: a thinking budget out of range.
    """
    from foundry_cli.api.types import Request
    from foundry_cli.errors import ConfigError

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
    budget = settings.thinking_budget if thinking_budget is None else thinking_budget
    max_tokens = settings.max_tokens
    if budget and not 1024 <= budget < max_tokens:
        raise UsageError(
            f"--thinking {budget} must be at least 1024 and less than --max-tokens ({max_tokens}); "
            f"e.g. --thinking 2048 --max-tokens {max(max_tokens, 4096)}."
        )
    return Request(
        deployment=name,
        messages=messages,
        max_tokens=max_tokens,
        system=system,
        thinking_budget=budget,
        temperature=settings.temperature,
        stream=stream,
    )


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
