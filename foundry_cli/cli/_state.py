"""Global options, accepted before or after the subcommand, merged into one state."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
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


#: the settings a scenario sets to fixed values on top of the healthy try-it profile
_FIXED_VALUES: dict[str, dict[str, object]] = {
    "rate-limit": {"max_retries": 0},  # a retry would hide the row the scenario is about
    "overloaded": {"max_retries": 0},
    "thinking-tools": {"thinking": 2048},  # the fault needs thinking on (claude-sonnet-4-5 takes a budget)
    "long": {"max_tokens": 64000},  # room for the long answer
    "stall": {"read_timeout": STALL_READ_TIMEOUT},
    "endpoint-missing": {"endpoint": None},
    "credential-missing": {"api_key": None},
    "max-tokens-range": {"max_tokens": 128000},  # claude-sonnet-4-5 writes at most 64,000
}


def _network(emu: Any, tmp: Path, env: dict[str, str]) -> dict[str, object]:
    """The endpoint is a port nothing listens on."""
    return {"endpoint": f"http://127.0.0.1:{_closed_port()}"}


def _managed_identity_unavailable(emu: Any, tmp: Path, env: dict[str, str]) -> dict[str, object]:
    """An App Service style identity endpoint, but nothing assigned."""
    env["IDENTITY_ENDPOINT"] = emu.managed_identity_endpoint
    env["IDENTITY_HEADER"] = emu.identity_header
    return {"auth": "managed-identity", "api_key": None}


def _not_logged_in(emu: Any, tmp: Path, env: dict[str, str]) -> dict[str, object]:
    """azure-cli auth with an empty folder as PATH: no `az` to find."""
    empty = tmp / "bin"
    empty.mkdir()
    env["PATH"] = str(empty)
    return {"auth": "azure-cli"}


#: the scenarios whose settings need the emulator, the run's folder or its environment
_PREPARED_VALUES: dict[str, Callable[[Any, Path, dict[str, str]], dict[str, object]]] = {
    "network": _network,
    "managed-identity-unavailable": _managed_identity_unavailable,
    "not-logged-in": _not_logged_in,
}


def _scenario_values(name: str, spec: str, emu: Any, tmp: Path, env: dict[str, str]) -> dict[str, Value]:
    """The settings one scenario needs on top of the healthy try-it profile."""
    from foundry_cli.config.settings import Value
    from foundry_cli.emulator import IDENTITY_SCENARIOS

    raw: dict[str, object] = {"api": "responses"} if name in RESPONSES_SCENARIOS else {}
    raw.update(_FIXED_VALUES.get(name, {}))
    prepare = _PREPARED_VALUES.get(name)
    if prepare is not None:
        raw.update(prepare(emu, tmp, env))
    out = {setting: Value(value, _SRC) for setting, value in raw.items()}
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
