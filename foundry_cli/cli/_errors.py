"""Exception -> error-table row -> a short block on stderr (what failed, cause, fix), and the exit code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from foundry_cli.cli.exit_codes import ExitCode
from foundry_cli.errors import (
    ApiError,
    AuthError,
    ConfigError,
    FclaudeError,
    NetworkError,
    StreamInterrupted,
    UsageError,
)
from foundry_cli.redact import scrub


def exit_code_for(exc: FclaudeError) -> ExitCode:
    from foundry_cli.doctor.table import classify

    # order matters: subclasses before their bases
    if isinstance(exc, UsageError):
        return ExitCode.USAGE
    if isinstance(exc, ConfigError):
        return ExitCode.CONFIG
    if isinstance(exc, AuthError):
        return ExitCode.AUTH
    if isinstance(exc, StreamInterrupted):
        return ExitCode.FAILED  # output had started: the request failed, whatever the cause
    row = classify(exc)
    if row is not None:
        return ExitCode(row.exit_code)
    if isinstance(exc, ApiError) and exc.status in (401, 403):
        return ExitCode.AUTH  # an unrecognised 401/403 is still an authorization failure (DESIGN §6)
    return ExitCode.FAILED


def request_id_of(exc: FclaudeError) -> str | None:
    """The request id the failure carries (its own, or its cause's for a cut stream)."""
    evidence = exc.cause if isinstance(exc, StreamInterrupted) else exc
    return evidence.request_id if isinstance(evidence, ApiError) else None


#: a cut or stalled stream after the answer began is not a DNS/TLS/proxy-setup problem
_MIDSTREAM_CAUSE = (
    "the connection was closed or went silent mid-answer (a transient service problem, or a proxy's "
    "idle timeout)"
)
_MIDSTREAM_FIX = (
    "run the same command again; if it keeps happening at the same point, check for a proxy between "
    "you and Foundry (fclaude --debug shows the hops' headers)"
)
#: inside chat, the fixes that have a slash command say it (row id -> fix)
CHAT_FIXES = {
    "deployment-not-found": "/model NAME switches the deployment (`fclaude models` lists the names)",
    "rate-limit": "wait a moment, then /retry",
    "overloaded": "wait a moment, then /retry",
    "service-error": "/retry in a moment; if it persists, report the request id",
    "network": "check the network, then /retry",
    "prompt-too-long": "/clear starts a new conversation (or /undo the last exchange)",
    "max-tokens-range": "/thinking off, or a smaller budget",
    "thinking-mode": "/thinking adaptive (the model accepts only adaptive thinking)",
    "sampling-unsupported": "start fclaude chat without --temperature (the model removed it)",
}
_CHAT_MIDSTREAM_FIX = "/retry asks again"


@dataclass(frozen=True)
class Explained:
    """A failure as people read it: what failed, the likely cause, the fix, and the evidence."""

    headline: str
    cause: str | None = None
    fix: str | None = None
    command: str | None = None
    row: str | None = None
    request_id: str | None = None
    region: str | None = None

    def lines(self) -> list[tuple[str, str]]:
        """(label, text) pairs after the headline, in order; labels are ``cause``, ``fix``, ``try``,
        ``row``."""
        out = [(label, text) for label, text in (("cause", self.cause), ("fix", self.fix)) if text]
        if self.command:
            out.append(("try", self.command))
        evidence = [
            self.row or "",
            f"request id {self.request_id}" if self.request_id else "",
            self.region or "",
        ]
        if any(evidence):
            out.append(("row" if self.row else "id", " · ".join(e for e in evidence if e)))
        return out


def explain(
    exc: FclaudeError, *, what: str = "The request failed", shown: bool = True, chat: bool = False
) -> Explained:
    """``exc`` as an :class:`Explained`. ``shown`` says whether part of an answer was printed (a cut
    stream then says the answer above is incomplete); ``chat`` words fixes as slash commands."""
    from foundry_cli.doctor.table import classify

    if isinstance(exc, AuthError) and what == "The request failed":
        what = "Authentication failed"
    if isinstance(exc, UsageError | ConfigError):
        headline = exc.message
    elif isinstance(exc, StreamInterrupted):
        headline = exc.message if shown else f"{what}: {exc.message[:1].lower()}{exc.message[1:]}"
        if shown:
            headline += " The answer above is incomplete."
    else:
        headline = f"{what}: {exc}"
    evidence = exc.cause if isinstance(exc, StreamInterrupted) else exc
    request_id = region = None
    if isinstance(evidence, ApiError) and not isinstance(evidence, NetworkError):
        request_id, region = evidence.request_id, evidence.region
    if isinstance(exc, StreamInterrupted) and isinstance(evidence, NetworkError):
        fix = _CHAT_MIDSTREAM_FIX if chat else _MIDSTREAM_FIX
        cut = classify(exc)  # the stream had begun: the service side's row, not `network`
        row_id = cut.id if cut else None
        return Explained(scrub(headline), _MIDSTREAM_CAUSE, fix, None, row_id, request_id, region)
    row = classify(exc)
    if row is None:
        return Explained(scrub(headline.strip()), request_id=request_id, region=region)
    fix, command = row.fix, row.fix_command
    if chat and row.id in CHAT_FIXES:
        fix, command = CHAT_FIXES[row.id], None
    return Explained(scrub(headline.strip()), row.cause, fix, command, row.id, request_id, region)


def paragraph(exc: FclaudeError, *, what: str = "The request failed", shown: bool = True) -> str:
    """The failure as one line of text (history's error column, ``--json``'s message): the headline,
    the evidence, the likely cause and the fix."""
    e = explain(exc, what=what, shown=shown)
    text = e.headline
    extra = [f"request id {e.request_id}" if e.request_id else "", e.region or ""]
    if any(extra):
        text += f" [{', '.join(x for x in extra if x)}]"
    if e.cause:
        text += f" Likely cause ({e.row}): {e.cause}" if e.row else f" Likely cause: {e.cause}"
    if e.fix:
        text += f" Fix: {e.fix}"
    if e.command:
        text += f" Try: {e.command}"
    return text.strip()


def report(
    exc: FclaudeError,
    err: TextIO,
    *,
    what: str = "The request failed",
    shown: bool = True,
    chat: bool = False,
) -> ExitCode:
    """Print ``exc`` on ``err`` as a short block and return its exit code: the headline, then
    ``cause:``, ``fix:`` (and ``try:`` with a command) and the row id and request id on lines of their
    own; wrapped at word boundaries with a hanging indent and coloured on a terminal, plain lines
    otherwise."""
    from foundry_cli.render.output import Output

    e = explain(exc, what=what, shown=shown, chat=chat)
    Output(stdout=err, stderr=err).block(e.headline, e.lines())
    err.flush()
    return exit_code_for(exc)
