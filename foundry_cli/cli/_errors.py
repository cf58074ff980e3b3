"""Exception -> error-table row -> one paragraph on stderr, and the exit code."""

from __future__ import annotations

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


def paragraph(exc: FclaudeError, *, what: str = "The request failed", shown: bool = True) -> str:
    """One paragraph: what failed (with evidence), the likely cause, the fix. ``shown`` says whether
    part of an answer was printed (a cut stream's paragraph then says the answer above is incomplete)."""
    from foundry_cli.doctor.table import classify

    if isinstance(exc, AuthError) and what == "The request failed":
        what = "Authentication failed"
    if isinstance(exc, UsageError | ConfigError):
        text = exc.message
    else:
        text = f"{what}: {exc}" if not isinstance(exc, StreamInterrupted) else exc.message
        if isinstance(exc, StreamInterrupted) and not shown:  # say first that nothing was printed
            text = f"{what}: {text[:1].lower()}{text[1:]}"
    evidence = exc.cause if isinstance(exc, StreamInterrupted) else exc
    if isinstance(evidence, ApiError) and not isinstance(evidence, NetworkError):
        extra = [f"request id {evidence.request_id}" if evidence.request_id else "", evidence.region or ""]
        if any(extra):
            text += f" [{', '.join(e for e in extra if e)}]"
    if isinstance(exc, StreamInterrupted) and shown:
        text += " The answer above is incomplete."
    if isinstance(exc, StreamInterrupted) and isinstance(evidence, NetworkError):
        # a drop or stall after the answer began is not a DNS/TLS/proxy-setup problem
        return scrub(text) + (
            " Likely cause: the connection was closed or went silent mid-answer (a transient service "
            "problem, or a proxy's idle timeout). Fix: run the same command again; if it keeps "
            "happening at the same point, check for a proxy between you and Foundry (fclaude --debug shows "
            "the hops' headers)."
        )
    row = classify(exc)
    if row is not None:
        text += f" Likely cause ({row.id}): {row.cause} Fix: {row.fix}"
        if row.fix_command:
            text += f" Try: {row.fix_command}"
    return scrub(text.strip())  # whatever a library or a server put into the text: no secret leaves


def report(
    exc: FclaudeError, err: TextIO, *, what: str = "The request failed", shown: bool = True
) -> ExitCode:
    err.write(f"fclaude: {paragraph(exc, what=what, shown=shown)}\n")
    err.flush()
    return exit_code_for(exc)
