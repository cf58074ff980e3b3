"""``fclaude login`` / ``fclaude logout``: create or update a profile, store its secrets."""

from __future__ import annotations

import dataclasses
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from foundry_cli.cli._options import DebugOpt, ProfileOpt
from foundry_cli.cli._state import AppState, state
from foundry_cli.cli.exit_codes import ExitCode
from foundry_cli.errors import FclaudeError, UsageError

if TYPE_CHECKING:
    from foundry_cli.config.paths import Paths
    from foundry_cli.config.settings import Value

SECRET_FLAGS = {"api_key": "--api-key-stdin", "client_secret": "--client-secret-stdin"}


def _refuse_secret_argument(value: str | None) -> str | None:
    if value is not None:
        raise typer.BadParameter(
            "secrets are never accepted as command-line arguments (they would land in shell history and "
            "`ps`); pipe them with --api-key-stdin / --client-secret-stdin, or answer the hidden prompt."
        )
    return None


def _ask(label: str, default: str | None = None, *, secret: bool = False) -> str:
    if secret:
        import getpass

        sys.stderr.flush()
        return getpass.getpass(f"{label}: ").strip()
    suffix = f" [{default}]" if default else ""
    sys.stderr.write(f"{label}{suffix}: ")
    sys.stderr.flush()
    answer = sys.stdin.readline()
    if not answer:
        raise UsageError("Input ended before the wizard finished.")
    return answer.strip() or (default or "")


def _wizard(values: dict[str, Any], interactive: bool) -> None:
    """Fill what the flags left out: prompt on a TTY, fail clearly in CI."""
    from foundry_cli.config.endpoint import normalise_endpoint
    from foundry_cli.config.settings import AUTH_MODES

    required = ["endpoint", "deployment"]
    missing = [k for k in required if not values.get(k)]
    if missing and not interactive:
        flags = ", ".join(f"--{k}" for k in missing)
        raise UsageError(
            f"Missing {flags}: stdin is not a terminal, so fclaude will not prompt. Pass them as flags."
        )
    if not values.get("endpoint"):
        values["endpoint"] = _ask("Endpoint (resource name, or the URL from the Foundry portal)")
    ep = normalise_endpoint(values["endpoint"])
    if interactive and not values.get("api"):
        values["api"] = _ask("API format (messages or responses)", ep.hinted_api or "messages")
    if interactive and ep.hinted_api == "responses" and not values.get("project") and not ep.project:
        values["project"] = _ask("Project name")
    if interactive and not values.get("auth"):
        values["auth"] = _ask(f"Auth mode ({', '.join(AUTH_MODES)})", "api-key")
    if interactive and values.get("auth") in ("service-principal", "workload-identity"):
        for key, label in (("tenant_id", "Tenant id"), ("client_id", "Client (application) id")):
            if not values.get(key):
                values[key] = _ask(f"{label} (empty to take it from AZURE_{key.upper()})")
    if not values.get("deployment"):
        values["deployment"] = _ask("Deployment name", "claude-sonnet-4-5")


def _read_stdin_secret(name: str) -> str:
    value = sys.stdin.readline().strip()
    if not value:
        raise UsageError(f"{SECRET_FLAGS[name]} was given but stdin held no {name.replace('_', ' ')}.")
    return value


def login(
    ctx: typer.Context,
    endpoint: Annotated[
        str | None, typer.Option(help="Resource name, resource URL, /anthropic or project URL.")
    ] = None,
    project: Annotated[str | None, typer.Option(help="Foundry project (Responses API).")] = None,
    api: Annotated[str | None, typer.Option(help="messages or responses.")] = None,
    auth: Annotated[
        str | None, typer.Option(help="api-key, azure-cli, service-principal, device-code, ...")
    ] = None,
    deployment: Annotated[str | None, typer.Option("--deployment", "-m", help="Deployment name.")] = None,
    tenant_id: Annotated[str | None, typer.Option(help="Entra ID tenant.")] = None,
    client_id: Annotated[str | None, typer.Option(help="Entra ID application (client) id.")] = None,
    subscription_id: Annotated[
        str | None, typer.Option(help="Azure subscription (control-plane checks).")
    ] = None,
    scope: Annotated[
        str | None, typer.Option(help="Token scope (default https://ai.azure.com/.default).")
    ] = None,
    key_command: Annotated[str | None, typer.Option(help="Command whose stdout is the API key.")] = None,
    api_key_stdin: Annotated[
        bool, typer.Option("--api-key-stdin", help="Read the API key from stdin.")
    ] = False,
    client_secret_stdin: Annotated[
        bool, typer.Option("--client-secret-stdin", help="Read the client secret from stdin.")
    ] = False,
    api_key: Annotated[
        str | None,
        typer.Option("--api-key", hidden=True, callback=_refuse_secret_argument, expose_value=True),
    ] = None,
    client_secret: Annotated[
        str | None,
        typer.Option("--client-secret", hidden=True, callback=_refuse_secret_argument, expose_value=True),
    ] = None,
    no_verify: Annotated[bool, typer.Option("--no-verify", help="Skip the live one-token probe.")] = False,
    make_default: Annotated[
        bool,
        typer.Option("--default", help="Make this the default profile (once it verifies)."),
    ] = False,
    profile: ProfileOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Create or update a profile (a wizard on a terminal; all by flags in CI), then verify it.

    Examples: fclaude login; fclaude login -p work --endpoint myres --deployment claude-sonnet-4-5
    --api-key-stdin < key.txt
    """
    from foundry_cli.config.paths import get_paths
    from foundry_cli.config.secrets import set_profile_secret
    from foundry_cli.config.settings import SETTING_BY_NAME
    from foundry_cli.config.store import save_profile

    s = state(ctx, profile, debug)
    if s.emulator:  # `fclaude --emulator/--scenario NAME login`: the try-it path
        raise typer.Exit(int(_try_login(s)))
    name = s.profile or "default"
    interactive = sys.stdin.isatty() and not (api_key_stdin or client_secret_stdin)
    values: dict[str, Any] = {
        "endpoint": endpoint,
        "project": project,
        "api": api,
        "auth": auth,
        "deployment": deployment,
        "tenant_id": tenant_id,
        "client_id": client_id,
        "subscription_id": subscription_id,
        "scope": scope,
        "key_command": key_command,
    }
    _wizard(values, interactive)
    for key, value in list(values.items()):  # validate every value before anything is written
        if value in (None, ""):
            values.pop(key)
            continue
        try:
            SETTING_BY_NAME[key].coerce(value)
        except ValueError as exc:
            raise UsageError(f"Invalid --{key.replace('_', '-')}: {exc}.") from None
    from foundry_cli.config.endpoint import normalise_endpoint

    normalise_endpoint(values["endpoint"])  # raises with the accepted forms
    secrets: dict[str, str] = {}
    if api_key_stdin:
        secrets["api_key"] = _read_stdin_secret("api_key")
    if client_secret_stdin:
        secrets["client_secret"] = _read_stdin_secret("client_secret")
    mode = values.get("auth", "api-key")
    if mode == "api-key" and "api_key" not in secrets and "key_command" not in values and interactive:
        secrets["api_key"] = _ask("API key (input hidden; Key 1 from 'Keys and Endpoint')", secret=True)
    if mode == "service-principal" and "client_secret" not in secrets and interactive:
        entered = _ask(
            "Client secret (input hidden; empty to use a certificate or the environment)", secret=True
        )
        if entered:
            secrets["client_secret"] = entered

    paths = get_paths()
    save_profile(paths, name, values)  # only the first profile becomes the default by itself
    stored = {k: set_profile_secret(paths, name, k, v) for k, v in secrets.items() if v}
    where = "; ".join(f"{k.replace('_', ' ')} in {w}" for k, w in stored.items())
    sys.stderr.write(
        f"fclaude: saved profile {name!r} to {paths.config_file}{'; ' + where if where else ''}.\n"
    )
    code = ExitCode.OK if no_verify else _verify(name, s.debug)
    _settle_default(paths, name, switch=make_default, verified=code == ExitCode.OK)
    if code:
        raise typer.Exit(int(code))


def _settle_default(paths: Paths, name: str, *, switch: bool, verified: bool) -> None:
    """Switch the default profile only on ``--default`` and a profile that works; else say how to."""
    from foundry_cli.config.settings import load_config
    from foundry_cli.config.store import set_default

    current = load_config(paths).get("default_profile")
    if current == name:
        note = f"{name!r} is the default profile."
    elif switch and verified:
        set_default(paths, name)
        note = f"{name!r} is now the default profile."
    elif switch:
        note = (
            f"{name!r} was not made the default profile because its verification failed; "
            f"once it works: fclaude profile use {name}"
        )
    else:
        note = (
            f"the default profile is still {current!r}; use this one with -p {name}, "
            f"or make it the default with: fclaude profile use {name}"
        )
    sys.stderr.write(f"fclaude: {note}\n")


def _try_login(s: AppState) -> ExitCode:
    """Login against the emulator in the scenario's state: a profile from the try-it settings,
    saved in the run's throwaway home (the user's configuration is never touched), then verified."""
    from foundry_cli.cli._state import emulator_overrides
    from foundry_cli.config.paths import get_paths
    from foundry_cli.config.store import save_profile

    with emulator_overrides(s) as try_it:
        overrides = try_it or {}
        keys = ("endpoint", "project", "api", "auth", "deployment", "tenant_id", "client_id", "scope")
        values = {k: overrides[k].value for k in keys if k in overrides and overrides[k].source != "default"}
        values = {k: v for k, v in values.items() if v is not None}
        paths = get_paths()  # the try-it home
        save_profile(paths, "default", values)
        sys.stderr.write(
            f"fclaude: saved profile 'default' to {paths.config_file} (a throwaway home: --emulator and "
            "--scenario never touch your configuration).\n"
        )
        return _verify("default", s.debug, overrides=overrides)


def _verify(profile: str, debug: bool, overrides: dict[str, Value] | None = None) -> ExitCode:
    """A live one-token probe; on failure show the error-table row (the profile stays saved)."""
    from foundry_cli.api.types import Message
    from foundry_cli.cli._client import make_client
    from foundry_cli.cli._errors import report
    from foundry_cli.cli.turn import build_request
    from foundry_cli.config.settings import resolve

    try:
        resolved = resolve(profile=profile, overrides=overrides)
        req = build_request(resolved, (Message("user", "Reply with OK."),), system=None, stream=False)
        req = dataclasses.replace(req, max_tokens=16, thinking_budget=0)
        with make_client(resolved, debug) as client:
            result = client.send(req).complete()
    except FclaudeError as exc:
        code = report(exc, sys.stderr, what="The profile was saved, but the verification request failed")
        return code
    region = f" in {result.region}" if result.region else ""
    sys.stderr.write(f"fclaude: verified: {resolved.deployment} answered{region} ({resolved.api} API).\n")
    return ExitCode.OK


def logout(ctx: typer.Context, profile: ProfileOpt = None) -> None:
    """Delete the profile's stored secrets and cached tokens (the profile itself stays)."""
    from foundry_cli.config.paths import get_paths
    from foundry_cli.config.secrets import forget_profile
    from foundry_cli.config.settings import load_config, select_profile

    s = state(ctx, profile)
    paths = get_paths()
    import os

    name, _ = select_profile(s.profile, os.environ, load_config(paths))
    name = name or "default"
    removed = forget_profile(paths, name)
    tokens = _forget_tokens(paths, name)
    what = ", ".join(
        [*(r.replace("_", " ") for r in removed), *([f"{tokens} cached token file(s)"] if tokens else [])]
    )
    sys.stderr.write(
        f"fclaude: logged out of {name!r}: removed {what or 'nothing (no secrets or tokens stored)'}.\n"
    )


def _forget_tokens(paths: Any, profile: str) -> int:
    from foundry_cli.auth.cache import forget_profile as forget

    return int(forget(paths, profile))
