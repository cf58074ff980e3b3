"""Global options, accepted before or after the subcommand, merged into one state."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from pathlib import Path

    from foundry_cli.config.settings import Value


@dataclass
class AppState:
    profile: str | None = None
    debug: bool = False
    emulator: bool = False
    scenario: str | None = None


def state(
    ctx: typer.Context,
    profile: str | None = None,
    debug: bool = False,
    emulator: bool = False,
    scenario: str | None = None,
) -> AppState:
    """The root callback's state, overridden by what the command itself was given."""
    root = ctx.find_root().obj
    s = AppState(**vars(root)) if isinstance(root, AppState) else AppState()
    s.profile = profile or s.profile
    s.debug = debug or s.debug
    s.scenario = scenario or s.scenario
    s.emulator = emulator or s.emulator or s.scenario is not None
    if s.debug:
        ctx.find_root().obj = s  # so main() knows to show tracebacks
    return s


#: Scenarios of the try-it path that the client side plays (the emulator stays healthy): what a
#: missing setting, a missing tool or an unreachable endpoint looks like.
CLIENT_SCENARIOS: dict[str, str] = {
    "endpoint-missing": "no endpoint configured: the emulator is never asked",
    "sp-env-missing": "service-principal auth without a client secret or tenant id",
    "not-logged-in": "azure-cli auth with no `az` on PATH",
    "network": "the endpoint is a closed port on 127.0.0.1",
    "credential-missing": "api-key auth with no key at all (none stored, none in the environment)",
    "max-tokens-range": "max_tokens above the model's output limit (fclaude checks before sending)",
    "managed-identity-unavailable": "managed-identity auth on a host with no identity assigned",
}
#: where azure-identity finds a host's managed identity: the caller's never mix into a try-it run
_HOST_IDENTITY_VARS = ("IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT")
#: client-side scenarios that still need the emulator's identity side
_NEEDS_IDENTITY = ("sp-env-missing", "managed-identity-unavailable")
#: emulator client id for the identity rows of the try-it path (a throwaway app)
TRY_CLIENT = "11111111-2222-4333-8444-555555555555"
#: scenarios that only the project (Responses) routes show
RESPONSES_SCENARIOS = ("project-not-found", "api-version")
#: the read timeout of a ``stall`` try-it run: long enough for a healthy delta, short enough to see
STALL_READ_TIMEOUT = 2.0
_SRC = "emulator (--emulator)"


def scenarios() -> dict[str, str]:
    """Every name ``--scenario`` accepts, with a one-line description: the emulator's data-plane
    and identity scenarios, then the client-side ones."""
    from foundry_cli.emulator import IDENTITY_SCENARIOS, SCENARIOS

    return {**SCENARIOS, **IDENTITY_SCENARIOS, **CLIENT_SCENARIOS}


@dataclass
class TryIt:
    """What a ``--emulator``/``--scenario`` run uses instead of the user's configuration."""

    scenario: str
    overrides: dict[str, Value]
    """Every setting, so that no profile or environment value mixes in (flags still win)."""
    env: dict[str, str]
    """The environment the run sees: the caller's fclaude/Azure settings removed, a home of its own
    (no profile, secret, cached token or history of the user's), the emulator's CA when it has one."""


@contextlib.contextmanager
def try_it(s: AppState) -> Iterator[TryIt | None]:
    """Start an in-process emulator in the state ``s.scenario`` names and configure what that
    scenario needs: identity rows get the Entra ID side, a registered app and an Entra auth mode;
    project routes get ``api = "responses"``; retries are off where they would hide the row;
    client-side rows break the client's own configuration. None when ``--emulator`` is off."""
    if not s.emulator:
        yield None
        return
    import os
    import tempfile
    from pathlib import Path

    from foundry_cli.config.settings import SETTINGS, Value
    from foundry_cli.emulator import DEFAULT_API_KEY, IDENTITY_SCENARIOS, Emulator
    from foundry_cli.errors import UsageError

    spec = (s.scenario or "healthy").strip()
    name = spec.partition(":")[0]
    if name not in scenarios():
        raise UsageError(
            f"Unknown scenario {spec!r}; `fclaude emulator --list` lists them: {', '.join(scenarios())}."
        )
    env = dict(os.environ)
    for setting in SETTINGS:
        for var in setting.env:
            env.pop(var, None)
    for var in ("FCLAUDE_PROFILE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", *_HOST_IDENTITY_VARS):
        env.pop(var, None)
    identity = name in IDENTITY_SCENARIOS or name in _NEEDS_IDENTITY
    try:
        emu = Emulator(scenario="healthy" if name in CLIENT_SCENARIOS else spec, identity=identity)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    with emu, tempfile.TemporaryDirectory(prefix="fclaude-try-") as tmp:
        env["FCLAUDE_HOME"] = str(Path(tmp) / "home")
        values: dict[str, Value] = {st.name: Value(st.default, "default") for st in SETTINGS}
        values.update(
            endpoint=Value(emu.base_url, _SRC),
            project=Value("demo", _SRC),
            auth=Value("api-key", _SRC),
            api_key=Value(DEFAULT_API_KEY, _SRC),
            deployment=Value("claude-sonnet-4-5", _SRC),
        )
        values.update(_scenario_values(name, spec, emu, Path(tmp), env))
        if identity:
            env["REQUESTS_CA_BUNDLE"] = emu.ca_bundle
        yield TryIt(spec, values, env)


def _scenario_values(name: str, spec: str, emu: Any, tmp: Path, env: dict[str, str]) -> dict[str, Value]:
    """The settings one scenario needs on top of the healthy try-it profile."""
    from foundry_cli.config.settings import Value
    from foundry_cli.emulator import IDENTITY_SCENARIOS

    out: dict[str, Value] = {}
    if name in RESPONSES_SCENARIOS:
        out["api"] = Value("responses", _SRC)
    if name in ("rate-limit", "overloaded"):
        out["max_retries"] = Value(0, _SRC)  # a retry would hide the row the scenario is about
    if name == "thinking-tools":  # the fault needs thinking on (a budget: claude-sonnet-4-5 takes one)
        out["thinking"] = Value(2048, _SRC)
    if name == "long":
        out["max_tokens"] = Value(64000, _SRC)  # room for the long answer
    if name == "stall":
        out["read_timeout"] = Value(STALL_READ_TIMEOUT, _SRC)
    if name == "endpoint-missing":
        out["endpoint"] = Value(None, _SRC)
    if name == "network":
        out["endpoint"] = Value(f"http://127.0.0.1:{_closed_port()}", _SRC)
    if name == "credential-missing":
        out["api_key"] = Value(None, _SRC)
    if name == "max-tokens-range":
        out["max_tokens"] = Value(128000, _SRC)  # claude-sonnet-4-5 writes at most 64,000
    if name == "managed-identity-unavailable":  # App Service style endpoint, but nothing assigned
        out["auth"] = Value("managed-identity", _SRC)
        out["api_key"] = Value(None, _SRC)
        env["IDENTITY_ENDPOINT"] = emu.managed_identity_endpoint
        env["IDENTITY_HEADER"] = emu.identity_header
    if name == "not-logged-in":
        out["auth"] = Value("azure-cli", _SRC)
        empty = tmp / "bin"
        empty.mkdir()
        env["PATH"] = str(empty)  # an empty folder: no `az` to find
    if name in IDENTITY_SCENARIOS or name == "sp-env-missing":
        out.update(_identity_values(emu, name, tmp))
    return out


def _identity_values(emu: Any, name: str, tmp: Path) -> dict[str, Value]:
    """An Entra ID auth mode against the emulator's identity side, as the scenario needs it."""
    import secrets

    from foundry_cli.config.settings import Value

    common = {
        "tenant_id": Value(emu.tenant_id, _SRC),
        "client_id": Value(TRY_CLIENT, _SRC),
        "authority_host": Value(emu.authority_host, _SRC),
        "api_key": Value(None, _SRC),
    }
    if name == "user-interaction":  # nobody signed in with the device code: a person must
        return {**common, "auth": Value("device-code", _SRC), "client_id": Value(None, _SRC)}
    if name in ("assertion-invalid", "federation-mismatch"):  # workload identity: a federated token file
        from foundry_cli.emulator import make_federated_token

        issuer, subject = "https://token.actions.githubusercontent.com", "repo:example/repo:ref:main"
        emu.add_app(TRY_CLIENT, federated_issuer=issuer, federated_subject=subject)
        token_file = tmp / "federated-token"
        token_file.write_text(make_federated_token(issuer, subject))
        return {
            **common,
            "auth": Value("workload-identity", _SRC),
            "federated_token_file": Value(str(token_file), _SRC),
        }
    secret = secrets.token_urlsafe(24)
    emu.add_app(TRY_CLIENT, secret=secret)
    out = {**common, "auth": Value("service-principal", _SRC), "client_secret": Value(secret, _SRC)}
    if name == "sp-env-missing":
        out["client_secret"] = Value(None, _SRC)
        out["tenant_id"] = Value(None, _SRC)
    return out


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def emulator_overrides(s: AppState) -> Iterator[dict[str, Value] | None]:
    """The try-it path for ``ask``, ``chat`` and ``models``: :func:`try_it`'s settings, its
    environment in the process while the command runs (azure-identity, msal and the history read
    it there), and no profile (``s.profile`` is cleared: the run has a home of its own)."""
    with try_it(s) as run:
        if run is None:
            yield None
            return
        s.profile = None
        with process_env(run.env):
            yield run.overrides


@contextlib.contextmanager
def process_env(env: dict[str, str]) -> Iterator[None]:
    """``os.environ`` is ``env`` inside the block, and what it was again afterwards."""
    import os

    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
