"""``fclaude doctor``: ordered checks of a profile against the error table; ``doctor explain``.

The checks live in ``doctor/checks.py`` and run in ``doctor/runner.py``; the JSON, JUnit and bundle
writers in ``doctor/report.py``. This module parses options, draws the table and picks the exit code.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from foundry_cli.cli._options import DebugOpt, EmulatorOpt, ProfileOpt, ScenarioOpt
from foundry_cli.cli._state import AppState, state
from foundry_cli.cli.exit_codes import ExitCode
from foundry_cli.errors import UsageError

if TYPE_CHECKING:
    from foundry_cli.config.settings import Resolved, Value
    from foundry_cli.doctor.runner import CheckResult, Report

app = typer.Typer(
    name="doctor",
    help="Diagnose a profile against the documented error table.",
    invoke_without_command=True,
    no_args_is_help=False,
    rich_markup_mode=None,
)

SYMBOL = {"pass": "✓", "warn": "!", "fail": "✗", "skip": "-"}
COLOUR = {"pass": "32", "warn": "33", "fail": "31", "skip": "2"}
MAX_EXPLAIN = 1024 * 1024
#: emulator client id and secret for the identity rows of the try-it path (a throwaway app)
TRY_CLIENT = "11111111-2222-4333-8444-555555555555"
DATA_PLANE_RESPONSES = ("project-not-found", "api-version")


@app.callback()
def doctor(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Print the results as one JSON document.")] = False,
    junit: Annotated[
        Path | None, typer.Option("--junit", help="Also write a JUnit XML report (one testcase per check).")
    ] = None,
    check: Annotated[
        str | None, typer.Option("--check", help="Run one check (and what it needs); see --list-checks.")
    ] = None,
    list_checks: Annotated[bool, typer.Option("--list-checks", help="List the checks and exit.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")] = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="Run only the checks that need no network.")
    ] = False,
    bundle: Annotated[
        Path | None,
        typer.Option("--bundle", help="Write a redacted support bundle (JSON) to FILE; no secrets."),
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
    from foundry_cli.doctor.checks import CHECK_IDS, CHECKS

    if list_checks:
        for c in CHECKS:
            kind = "network" if c.network else "offline"
            deps = [f"needs {', '.join(c.needs + c.gated_by)}"] if c.needs + c.gated_by else []
            deps += [f"reads {', '.join(c.after)}"] if c.after else []
            sys.stdout.write(
                f"{c.id:<14} {kind:<8} {c.title}" + (f" ({'; '.join(deps)})" if deps else "") + "\n"
            )
        return
    if check is not None and check not in CHECK_IDS:
        raise UsageError(f"Unknown check {check!r}; valid checks: {', '.join(CHECK_IDS)}.")
    s = state(ctx, profile, debug, emulator_, scenario)
    report, doctor_ctx, env = _run(s, check=check, offline=offline, strict=strict)
    from foundry_cli.doctor import report as rep

    secrets = [*rep.secrets_of(doctor_ctx), *rep.env_secrets(env)]
    if junit is not None:
        _write(junit, rep.junit_text(report, secrets))
    if bundle is not None:
        _write(bundle, rep.bundle_text(report, doctor_ctx, env))
    if json_out:
        sys.stdout.write(rep.json_text(report, secrets))
    else:
        sys.stdout.write(rep.scrub(table(report, tty=sys.stdout.isatty()), secrets))
    sys.stdout.flush()
    if not report.ok:
        raise typer.Exit(int(ExitCode.FAILED))


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"Cannot write {path}: {exc.strerror or exc}.") from None


def _run(
    s: AppState, *, check: str | None, offline: bool, strict: bool
) -> tuple[Report, Any, dict[str, str]]:
    from foundry_cli.config.settings import resolve
    from foundry_cli.doctor.checks import CHECKS, Context
    from foundry_cli.doctor.runner import Report, closure, run_checks

    def trace(text: str) -> None:
        sys.stderr.write("".join(f"[debug] {line}\n" for line in text.splitlines()))

    with _try_it(s) as (overrides, env, flags):
        profile = None if overrides is not None else s.profile  # the try-it run uses no profile

        def resolve_now() -> Resolved:
            return resolve(flags, profile=profile, env=env, overrides=overrides)

        ctx = Context(resolve=resolve_now, env=env, debug=trace if s.debug else None)
        checks = closure(CHECKS, [check]) if check else list(CHECKS)
        with _process_env(env):
            results = run_checks(checks, ctx, offline=offline)
        if check:
            results = [r for r in results if r.id == check]
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


# --- the try-it path: --emulator / --scenario ROW --------------------------------------------


@contextlib.contextmanager
def _try_it(s: AppState) -> Iterator[tuple[dict[str, Value] | None, dict[str, str], dict[str, Any]]]:
    """Settings (and environment) that make doctor meet the emulator in the state ``--scenario``
    names; identity rows get an Entra ID side and a registered app (service principal)."""
    env = dict(os.environ)
    if not s.emulator:
        yield None, env, {}
        return
    from foundry_cli.config.settings import SETTINGS, Value
    from foundry_cli.emulator import DEFAULT_API_KEY, IDENTITY_SCENARIOS, Emulator

    spec = s.scenario or "healthy"
    name = spec.partition(":")[0]
    src = "emulator (--emulator)"
    # the try-it run ignores the caller's FCLAUDE_*/AZURE_* settings: only the emulator counts
    for setting in SETTINGS:
        for var in setting.env:
            env.pop(var, None)
    for var in ("FCLAUDE_PROFILE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        env.pop(var, None)
    extra_rows = {"sp-env-missing", "not-logged-in", "endpoint-missing", "network"}
    identity = name in IDENTITY_SCENARIOS or name in ("sp-env-missing", "user-interaction")
    emu_scenario = spec if name not in extra_rows else "healthy"
    try:
        emu = Emulator(scenario=emu_scenario, identity=identity)
    except ValueError as exc:
        if name in extra_rows:
            raise
        raise UsageError(str(exc)) from None
    flags: dict[str, Any] = {}
    with emu, tempfile.TemporaryDirectory(prefix="fclaude-doctor-") as tmp:
        # a home of its own: no profile, secret or cached token of the user's mixes in
        env["FCLAUDE_HOME"] = str(Path(tmp) / "home")
        values: dict[str, Value] = {
            "endpoint": Value(emu.base_url, src),
            "project": Value("demo", src),
            "auth": Value("api-key", src),
            "api_key": Value(DEFAULT_API_KEY, src),
            "deployment": Value("claude-sonnet-4-5", src),
        }
        if name in DATA_PLANE_RESPONSES:
            values["api"] = Value("responses", src)
        if name in ("rate-limit", "overloaded"):
            values["max_retries"] = Value(0, src)
        if name == "thinking-tools":
            values["thinking_budget"] = Value(2048, src)
        if name == "endpoint-missing":
            del values["endpoint"]
        if name == "network":
            values["endpoint"] = Value(f"http://127.0.0.1:{_closed_port()}", src)
        if name == "not-logged-in":
            values["auth"] = Value("azure-cli", src)
            empty = Path(tmp) / "bin"
            empty.mkdir()
            env["PATH"] = str(empty)  # an empty folder: no `az` to find
        if identity:
            values.update(_identity_values(emu, name, Path(tmp), src))
            env["REQUESTS_CA_BUNDLE"] = emu.ca_bundle
        yield values, env, flags


def _identity_values(emu: Any, name: str, tmp: Path, src: str) -> dict[str, Value]:
    import secrets as pysecrets

    from foundry_cli.config.settings import Value

    common = {
        "tenant_id": Value(emu.tenant_id, src),
        "client_id": Value(TRY_CLIENT, src),
        "authority_host": Value(emu.authority_host, src),
        "api_key": Value(None, src),
    }
    if name == "user-interaction":  # nobody signed in with the device code: a person must
        return {**common, "auth": Value("device-code", src), "client_id": Value(None, src)}
    if name == "assertion-invalid":  # workload identity: a federated token file
        from foundry_cli.emulator import make_federated_token

        issuer, subject = "https://token.actions.githubusercontent.com", "repo:example/repo:ref:main"
        emu.add_app(TRY_CLIENT, federated_issuer=issuer, federated_subject=subject)
        token_file = tmp / "federated-token"
        token_file.write_text(make_federated_token(issuer, subject))
        return {
            **common,
            "auth": Value("workload-identity", src),
            "federated_token_file": Value(str(token_file), src),
        }
    secret = pysecrets.token_urlsafe(24)
    emu.add_app(TRY_CLIENT, secret=secret)
    out = {**common, "auth": Value("service-principal", src), "client_secret": Value(secret, src)}
    if name == "sp-env-missing":
        out["client_secret"] = Value(None, src)
        out["tenant_id"] = Value(None, src)
    return out


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the table ------------------------------------------------------------------------------


def table(report: Report, *, tty: bool) -> str:
    """One line per check (symbol, status, id, detail); for warn/fail the row and its fix below."""
    colour = tty and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    width = max((len(r.id) for r in report.results), default=8)
    lines = [f"fclaude doctor: profile {report.profile or '(none)'}"]
    for r in report.results:
        lines += _lines(r, width, tty=tty, colour=colour)
    counts = {k: sum(1 for r in report.results if r.status == k) for k in SYMBOL}
    summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    verdict = "OK" if report.ok else "FAILED"
    lines.append(f"{verdict}: {summary}" + (" (--strict: warnings fail)" if report.strict else ""))
    return "\n".join(lines) + "\n"


def _lines(r: CheckResult, width: int, *, tty: bool, colour: bool) -> list[str]:
    symbol = SYMBOL[r.status] if tty else r.status.upper()
    mark = f"\x1b[{COLOUR[r.status]}m{symbol}\x1b[0m" if colour else symbol
    status = "" if not tty else f" {r.status:<4}"
    lines = [f"{mark}{status} {r.id:<{width}}  {r.detail}  ({r.duration_ms:.0f} ms)"]
    if r.status in ("warn", "fail"):
        from foundry_cli.doctor.table import ROW_BY_ID

        pad = " " * (len(symbol) + len(status) + 1)
        if r.row and r.row in ROW_BY_ID:
            lines.append(f"{pad}row {r.row}: {ROW_BY_ID[r.row].cause}")
        if r.fix:
            lines.append(f"{pad}fix: {r.fix}")
    return lines


# --- doctor explain -------------------------------------------------------------------------


@app.command("explain")
def explain(
    text: Annotated[
        list[str] | None, typer.Argument(help="Error text, AADSTS code, HTTP body or log line; or stdin.")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the matching rows as JSON.")] = False,
) -> None:
    """Explain an error message offline: the matching error-table row(s) with cause and fix.

    Examples: fclaude doctor explain AADSTS7000215; fclaude doctor explain "audience is incorrect";
    pbpaste | fclaude doctor explain
    """
    from foundry_cli.doctor.table import classify_text

    words = " ".join(text or [])
    if sys.stdin is not None and not sys.stdin.isatty():
        piped = sys.stdin.read(MAX_EXPLAIN)
        words = f"{words}\n{piped}" if words else piped
    if not words.strip():
        raise UsageError(
            "Nothing to explain: give the text as arguments or on stdin (... | fclaude doctor explain)."
        )
    rows = classify_text(words)
    if json_out:
        import json

        doc = [
            {"id": r.id, "title": r.title, "cause": r.cause, "fix": r.fix, "fix_command": r.fix_command}
            for r in rows
        ]
        sys.stdout.write(json.dumps({"matches": doc}, indent=2) + "\n")
    elif rows:
        out = []
        for i, r in enumerate(rows):
            lead = "" if i == 0 else "also possible: "
            out.append(f"{lead}{r.id}: {r.title}\n  cause: {r.cause}\n  fix: {r.fix}")
            if r.fix_command:
                out.append(f"  try: {r.fix_command}")
        sys.stdout.write("\n".join(out) + "\n")
    else:
        sys.stderr.write(
            "fclaude: no row of the error table matches that text. Run `fclaude doctor` to check the "
            "profile, or paste the whole error body.\n"
        )
    if not rows:
        raise typer.Exit(int(ExitCode.FAILED))
