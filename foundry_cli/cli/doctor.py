"""``fclaude doctor``: ordered checks of a profile against the error table; ``doctor explain``.

The checks live in ``doctor/checks.py`` and run in ``doctor/runner.py``; the JSON, JUnit and bundle
writers in ``doctor/report.py``. This module parses options, draws the table and picks the exit code.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from foundry_cli.cli import _complete
from foundry_cli.cli._options import DebugOpt, EmulatorOpt, ProfileOpt, ScenarioOpt
from foundry_cli.cli._state import AppState, state, try_it
from foundry_cli.cli.exit_codes import ExitCode
from foundry_cli.errors import UsageError
from foundry_cli.render.output import Cell, Column, Output, StatusLine, Style, Styled, wrap
from foundry_cli.sanitize import one_line

if TYPE_CHECKING:
    from foundry_cli.config.settings import Settings
    from foundry_cli.doctor.runner import CheckResult, Report

app = typer.Typer(
    name="doctor",
    help="""Diagnose a profile against the documented error table.

    Runs the checks in order: settings, auth, network, token, region, role, deployment, probe.
    The exit code is 1 when a check fails (with --strict, when one warns).

    Examples:

    \b
      fclaude doctor
      fclaude doctor --json
      fclaude doctor --junit doctor.xml --strict
      fclaude --scenario role-missing doctor
      fclaude doctor explain AADSTS7000215
    """,
    invoke_without_command=True,
    no_args_is_help=False,
    rich_markup_mode=None,
)

SYMBOL = {"pass": "✓", "warn": "!", "fail": "✗", "skip": "-"}
STYLE: dict[str, Style] = {"pass": "green", "warn": "yellow", "fail": "red", "skip": "dim"}
MAX_EXPLAIN = 1024 * 1024


@app.callback()
def doctor(
    ctx: typer.Context,
    json_out: Annotated[
        bool,
        typer.Option(
            "--json", help='Print one JSON object: {"profile", "ok", "checks": [{"id", "status", ...}]}.'
        ),
    ] = False,
    junit: Annotated[
        Path | None,
        typer.Option(
            "--junit",
            metavar="FILE",
            help="Also write a JUnit XML report (one testcase per check) to FILE; - = stdout.",
        ),
    ] = None,
    check: Annotated[
        list[str] | None,
        typer.Option(
            "--check",
            metavar="ID",
            help="Run this check (repeatable) and what it needs; see --list-checks.",
            autocompletion=_complete.complete_checks,
        ),
    ] = None,
    list_checks: Annotated[bool, typer.Option("--list-checks", help="List the checks and exit.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")] = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="Run only the checks that need no network.")
    ] = False,
    bundle: Annotated[
        Path | None,
        typer.Option(
            "--bundle",
            metavar="FILE",
            help="Write a redacted support bundle (JSON) to FILE (- = stdout); no secrets.",
        ),
    ] = None,
    format_: Annotated[
        str | None,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="table, github or azure-pipelines: also write each failure and warning as a CI "
            "annotation (github: and a summary to $GITHUB_STEP_SUMMARY). Default: github when "
            "GITHUB_ACTIONS=true, azure-pipelines when TF_BUILD=True, else table.",
        ),
    ] = None,
    profile: ProfileOpt = None,
    debug: DebugOpt = False,
    emulator_: EmulatorOpt = False,
    scenario: ScenarioOpt = None,
) -> None:
    """Run the checks in order: settings, auth, network, token, region, role, deployment, probe.

    Examples: fclaude doctor; fclaude doctor --json; fclaude doctor --junit doctor.xml --strict;
    fclaude doctor --emulator --scenario role-missing; fclaude doctor explain AADSTS7000215
    """
    if ctx.invoked_subcommand is not None:
        return
    from foundry_cli.doctor.checks import CHECKS

    if list_checks:
        _list_checks(CHECKS)
        return
    checks = _checks_asked(check)
    dashes = _reports_on_stdout(json_out=json_out, junit=junit, bundle=bundle)
    from foundry_cli.doctor import report as rep

    fmt = _format(format_)
    s = state(ctx, profile, debug, emulator_, scenario)

    # a report on stdout (`--bundle -`, `--junit -`) moves the table to stderr
    out = Output(stdout=sys.stderr) if dashes and not json_out else Output()
    # the table is printed as the checks finish; --json and --check print once, at the end
    # (no spinner with --debug: the trace on stderr would tear its line)
    ids = [c.id for c in CHECKS]
    ci = fmt != "table"
    live = LiveTable(out, ids, spinner=not s.debug, ci=ci) if not json_out and not checks else None
    with live or contextlib.nullcontext():
        report, doctor_ctx, env = _run(s, checks=checks, offline=offline, strict=strict, live=live)
        secrets = [*rep.secrets_of(doctor_ctx), *rep.env_secrets(env)]
        if live is not None:
            live.finish(report, secrets)
    _write_files(report, doctor_ctx, env, secrets, out, junit=junit, bundle=bundle)
    if json_out:
        out.text(rep.json_text(report, secrets))
    elif live is None:
        text = rep.scrub(table(report, out, secrets), secrets)
        out.text(_defang(text) if ci else text, raw=True)  # composed: already safe
    if ci:
        _ci_report(fmt, report, secrets, to_stderr=bool(dashes or json_out))
    out.flush()
    if not report.ok:
        raise typer.Exit(int(ExitCode.FAILED))


def _checks_asked(check: list[str] | None) -> list[str]:
    """The --check ids, each once, in the order given; a usage error names an unknown one."""
    from foundry_cli.doctor.checks import CHECK_IDS

    checks = list(dict.fromkeys(check or ()))
    for name in checks:
        if name not in CHECK_IDS:
            raise UsageError(f"Unknown check {name!r}; valid checks: {', '.join(CHECK_IDS)}.")
    return checks


def _reports_on_stdout(*, json_out: bool, junit: Path | None, bundle: Path | None) -> list[str]:
    """The options that write to stdout (``-``); more than one is a usage error."""
    dashes = [
        flag
        for flag, path in (("--junit", junit), ("--bundle", bundle), ("--json", json_out and "-"))
        if str(path) == "-"
    ]
    if len(dashes) > 1:
        raise UsageError(f"{' and '.join(dashes)} would all write to stdout; give a FILE to all but one.")
    return dashes


def _format(format_: str | None) -> str:
    """The --format given (checked), else the one the CI environment implies."""
    from foundry_cli.doctor import report as rep

    if format_ is not None and format_ not in rep.FORMATS:
        raise UsageError(f"Unknown --format {format_!r}; valid formats: {', '.join(rep.FORMATS)}.")
    return format_ or rep.detect_format(os.environ)


def _write_files(
    report: Report,
    doctor_ctx: Any,
    env: dict[str, str],
    secrets: Sequence[str],
    out: Output,
    *,
    junit: Path | None,
    bundle: Path | None,
) -> None:
    """The --junit report and the --bundle, when asked for."""
    from foundry_cli.doctor import report as rep

    if junit is not None:
        _write(junit, rep.junit_text(report, secrets), "the JUnit report", out)
    if bundle is not None:
        _write(bundle, rep.bundle_text(report, doctor_ctx, env), "the support bundle (redacted)", out)


def _ci_report(fmt: str, report: Report, secrets: Sequence[str], *, to_stderr: bool) -> None:
    """The CI annotations (on stdout, where the runner reads them; on stderr when stdout holds a
    report) and, in GitHub Actions, the markdown summary appended to ``$GITHUB_STEP_SUMMARY``."""
    from foundry_cli.doctor import report as rep

    stream = sys.stderr if to_stderr else sys.stdout
    if fmt == "github":
        stream.write(rep.github_annotations(report, secrets))
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            try:
                rep.append_summary(Path(summary), rep.step_summary(report, secrets))
            except OSError as exc:
                Output().warning(f"cannot append the summary to {summary}: {exc.strerror or exc}")
    else:
        stream.write(rep.azure_issues(report, secrets))
    stream.flush()


def _defang(text: str) -> str:
    """The table for a CI log: a line that would read as a workflow or logging command (``::...``,
    ``##vso[``, ``##[``) once its indent is trimmed gets a space after its first character, so text
    from the server can never issue one."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        bare = line.lstrip()
        if bare.startswith(("::", "##")):
            cut = len(line) - len(bare) + 1
            lines[i] = line[:cut] + " " + line[cut:]
    return "\n".join(lines)


def _write(path: Path, text: str, what: str, out: Output) -> None:
    """A report to stdout (``-``), or to FILE: private (0600), atomic, never through a symlink;
    stderr says where it went."""
    from foundry_cli.doctor.report import write_private

    if str(path) == "-":
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        return
    try:
        write_private(path, text)
    except OSError as exc:
        raise UsageError(f"Cannot write {what} to {path}: {exc.strerror or exc}.") from None
    out.say(f"wrote {what} to {path}")


def _run(
    s: AppState, *, checks: list[str], offline: bool, strict: bool, live: LiveTable | None = None
) -> tuple[Report, Any, dict[str, str]]:
    from foundry_cli.config.settings import resolve
    from foundry_cli.doctor.checks import CHECKS, Context
    from foundry_cli.doctor.runner import Report, closure, run_checks

    def trace(text: str) -> None:
        sys.stderr.write("".join(f"[debug] {line}\n" for line in text.splitlines()))

    with try_it(s) as run:
        overrides = run.overrides if run is not None else None
        env = run.env if run is not None else dict(os.environ)
        flags: dict[str, Any] = {}
        profile = None if run is not None else s.profile  # the try-it run uses no profile

        def resolve_now() -> Settings:
            return resolve(flags, profile=profile, env=env, overrides=overrides)

        ctx = Context(resolve=resolve_now, env=env, debug=trace if s.debug else None)
        to_run = closure(CHECKS, checks) if checks else list(CHECKS)

        def show(result: CheckResult) -> None:
            if live is not None:
                from foundry_cli.doctor.report import env_secrets, secrets_of

                name = ctx.resolved.profile if ctx.resolved is not None else profile
                live.add(result, name, [*secrets_of(ctx), *env_secrets(env)])

        with _process_env(env):
            results = run_checks(to_run, ctx, offline=offline, on_result=show)
        if checks:
            results = [r for r in results if r.id in checks]
        name = ctx.resolved.profile if ctx.resolved is not None else profile
        return Report(name, results, strict=strict), ctx, env


@contextlib.contextmanager
def _process_env(env: dict[str, str]) -> Iterator[None]:
    """azure-identity and msal read REQUESTS_CA_BUNDLE / SSL_CERT_FILE from the process: mirror the
    try-it environment's trust settings while the checks run."""
    names = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")
    saved = {n: os.environ.get(n) for n in names}
    for n in names:
        if env.get(n) and env.get(n) != os.environ.get(n):
            os.environ[n] = env[n]
    try:
        yield
    finally:
        for n, v in saved.items():
            if v is None:
                os.environ.pop(n, None)
            else:
                os.environ[n] = v


# --- the table ------------------------------------------------------------------------------


def table(report: Report, out: Output, secrets: Sequence[str] = ()) -> str:
    """One line per check (symbol, status, id, detail, time); for warn/fail the row's cause and the fix
    below it. On a terminal: symbols and colour; piped: ``PASS``/``WARN``/... words, no codes. Every
    field is scrubbed of ``secrets`` and made terminal-safe before it is wrapped (at word boundaries,
    with a hanging indent) to the width, so no secret is split across a line break."""
    clean = _cleaner(secrets)
    width = max((len(r.id) for r in report.results), default=8)
    lines = [_header(report.profile, out, clean)]
    for r in report.results:
        lines += _lines(r, width, out, clean)
    lines.append(_verdict(report, out))
    return "\n".join(lines) + "\n"


class LiveTable:
    """:func:`table`, printed while the checks run: the header with the first result, then each check's
    lines in display order as soon as it and every check above it have finished (piped: line by
    line), and on a terminal a spinner naming the check it waits for. Once done, the text is the
    same as :func:`table`'s. Use it as a context manager (the spinner stops whatever happens)."""

    def __init__(self, out: Output, ids: Sequence[str], *, spinner: bool = True, ci: bool = False) -> None:
        self.out = out
        self.ids = list(ids)
        self.width = max((len(i) for i in self.ids), default=8)
        self.results: dict[str, CheckResult] = {}
        self.printed = 0
        self.header = False
        self.status = StatusLine(out, self._waiting(), enabled=spinner)
        #: a CI log: no line may read as a workflow or logging command (:func:`_defang`)
        self.ci = ci

    def __enter__(self) -> LiveTable:
        self.status.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.status.__exit__(*exc)

    def _waiting(self) -> str:
        return f"checking {self.ids[self.printed]}…" if self.printed < len(self.ids) else ""

    def add(self, r: CheckResult, profile: str | None, secrets: Sequence[str]) -> None:
        """One finished check (in any order); prints what is now ready."""
        self.results[r.id] = r
        clean = _cleaner(secrets)
        chunk = [] if self.header else [_header(profile, self.out, clean)]
        self.header = True
        while self.printed < len(self.ids) and self.ids[self.printed] in self.results:
            chunk += _lines(self.results[self.ids[self.printed]], self.width, self.out, clean)
            self.printed += 1
        if chunk:
            self._write(chunk, secrets)
        self.status.update(self._waiting())

    def finish(self, report: Report, secrets: Sequence[str]) -> None:
        """The verdict line (after any result that was not printed yet)."""
        clean = _cleaner(secrets)
        chunk = [] if self.header else [_header(report.profile, self.out, clean)]
        shown = set(self.ids[: self.printed])
        for r in report.results:
            if r.id not in shown:
                chunk += _lines(r, self.width, self.out, clean)
        chunk.append(_verdict(report, self.out))
        self._write(chunk, secrets)

    def _write(self, chunk: list[str], secrets: Sequence[str]) -> None:
        text = _scrub("\n".join(chunk) + "\n", secrets)
        self.status.write(_defang(text) if self.ci else text)


def _scrub(text: str, secrets: Sequence[str]) -> str:
    from foundry_cli.doctor.report import scrub

    return scrub(text, secrets)


def _cleaner(secrets: Sequence[str]) -> Callable[[str], str]:
    def clean(text: str) -> str:
        return one_line(_scrub(text, secrets))

    return clean


def _header(profile: str | None, out: Output, clean: Callable[[str], str]) -> str:
    return out.compose("fclaude doctor: profile ", clean(profile or "(none)"))


def _verdict(report: Report, out: Output) -> str:
    counts = {k: sum(1 for r in report.results if r.status == k) for k in SYMBOL}
    summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    verdict = Styled("OK", "green") if report.ok else Styled("FAILED", "red")
    strict = " (--strict: warnings fail)" if report.strict else ""
    return out.compose(verdict, f": {summary}{strict}")


def _lines(r: CheckResult, width: int, out: Output, clean: Callable[[str], str]) -> list[str]:
    symbol = SYMBOL[r.status] if out.decorated else r.status.upper()
    status = f" {r.status:<4}" if out.decorated else ""
    head = out.compose(Styled(symbol, STYLE[r.status]), f"{status} {r.id:<{width}}  ")
    pad = " " * (len(symbol) + len(status) + 1)
    detail = f"{clean(r.detail)}  ({r.duration_ms:.0f} ms)"
    # the head's width on screen: its text without colour
    indent = " " * (len(symbol) + len(status) + 1 + width + 2)
    first, *rest = wrap(detail, out.width, first=" " * len(indent), indent=indent)
    lines = [head + first[len(indent) :], *rest]
    if r.status in ("warn", "fail"):
        from foundry_cli.doctor.table import ROW_BY_ID

        hang = pad + "  "
        if r.row and r.row in ROW_BY_ID:
            lines += wrap(clean(ROW_BY_ID[r.row].cause), out.width, first=f"{pad}row {r.row}: ", indent=hang)
        if r.fix:
            lines += wrap(clean(r.fix), out.width, first=f"{pad}fix: ", indent=hang)
    return lines


def _list_checks(checks: Sequence[Any]) -> None:
    rows: list[list[Cell]] = []
    for c in checks:
        deps = [f"needs {', '.join(c.needs + c.gated_by)}"] if c.needs + c.gated_by else []
        deps += [f"reads {', '.join(c.after)}"] if c.after else []
        rows.append([c.id, "network" if c.network else "offline", c.title, "; ".join(deps) or None])
    Output().table(
        [Column("CHECK"), Column("KIND"), Column("TITLE", min_width=12), Column("DEPENDS ON", drop=1)], rows
    )


# --- doctor explain -------------------------------------------------------------------------


@app.command("explain")
def explain(
    text: Annotated[
        list[str] | None,
        typer.Argument(metavar="[TEXT]...", help="Error text, AADSTS code, HTTP body or log line; or stdin."),
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print every candidate row as JSON, with its score and evidence.")
    ] = False,
) -> None:
    """Explain an error message offline: its row, cause and fix.

    Examples:

    \b
      fclaude doctor explain AADSTS7000215
      fclaude doctor explain "audience is incorrect"
      pbpaste | fclaude doctor explain
    """
    from foundry_cli.doctor.classify import explain_text

    words = " ".join(text or [])
    if sys.stdin is not None and not sys.stdin.isatty():
        piped = sys.stdin.read(MAX_EXPLAIN)
        words = f"{words}\n{piped}" if words else piped
    if not words.strip():
        raise UsageError(
            "Nothing to explain: give the text as arguments or on stdin (... | fclaude doctor explain)."
        )
    candidates = explain_text(words)
    rows = [c.row for c in candidates]
    out = Output()
    if json_out:
        doc = [
            {
                "id": c.row.id,
                "title": c.row.title,
                "cause": c.row.cause,
                "fix": c.row.fix,
                "fix_command": c.row.fix_command,
                "score": c.score,
                "evidence": list(c.evidence),
            }
            for c in candidates
        ]
        out.json({"matches": doc}, indent=2)
    elif rows:
        for i, r in enumerate(rows):
            lead = "" if i == 0 else "also possible: "
            out.line(f"{lead}{r.id}: {r.title}")
            out.lines(wrap(r.cause, out.width, first="  cause: ", indent="    "))
            out.lines(wrap(r.fix, out.width, first="  fix: ", indent="    "))
            if r.fix_command:
                out.line(f"  try: {r.fix_command}")
    else:
        out.say(
            "no row of the error table matches that text. Run `fclaude doctor` to check the "
            "profile, or paste the whole error body."
        )
    if not rows:
        raise typer.Exit(int(ExitCode.FAILED))
