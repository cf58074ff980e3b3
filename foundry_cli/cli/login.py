"""``fclaude login`` / ``fclaude logout``: create or update a profile, store its secrets."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Any

import typer

from foundry_cli.cli import _complete
from foundry_cli.cli._options import DebugOpt, ProfileOpt
from foundry_cli.cli._state import AppState, state
from foundry_cli.cli.exit_codes import ExitCode
from foundry_cli.errors import FclaudeError, UsageError
from foundry_cli.render.output import Output

if TYPE_CHECKING:
    from foundry_cli.config.endpoint import Endpoint
    from foundry_cli.config.paths import Paths
    from foundry_cli.config.settings import Value

SECRET_FLAGS = {"api_key": "--api-key-stdin", "client_secret": "--client-secret-stdin"}
#: the secret each auth mode asks for, and how the prompt names it
#: the profiles this process saved (what a Ctrl-C message can say)
_SAVED: list[str] = []
MODE_SECRETS = {"api-key": ("api_key", "API key"), "service-principal": ("client_secret", "client secret")}


def _refuse_secret_argument(value: str | None) -> str | None:
    if value is not None:
        raise typer.BadParameter(
            "secrets are never accepted as command-line arguments (they would land in shell history and "
            "`ps`); pipe them with --api-key-stdin / --client-secret-stdin, or answer the hidden prompt."
        )
    return None


def _ask(label: str, default: str | None = None, *, secret: bool = False) -> str:
    """One answer from the terminal (``default`` when empty). A hidden prompt restores echo whatever
    ends it (getpass does, Ctrl-C included).

    Raises:
        UsageError: input ended (Ctrl-D) before an answer.
    """
    if secret:
        import getpass

        sys.stderr.flush()
        try:
            return getpass.getpass(f"{label}: ").strip()
        except EOFError:
            raise UsageError("Input ended before the wizard finished.") from None
    suffix = f" [{default}]" if default else ""
    sys.stderr.write(f"{label}{suffix}: ")
    sys.stderr.flush()
    answer = sys.stdin.readline()
    if not answer:
        raise UsageError("Input ended before the wizard finished.")
    return answer.strip() or (default or "")


def _ask_until_valid(
    label: str, default: str | None, check: Callable[[str], str], *, optional: bool = False
) -> str:
    """Ask until ``check`` accepts the answer; a bad answer is explained and only this question is
    asked again (the answers before it stay). ``optional``: an empty answer is accepted as it is."""
    while True:
        answer = _ask(label, default)
        if optional and not answer:
            return ""
        try:
            return check(answer)
        except (ValueError, FclaudeError) as exc:
            reason = exc.message if isinstance(exc, FclaudeError) else str(exc)
            Output().block(f"{reason.rstrip('.')}. Try again (Ctrl-C stops without saving).", [])


def _check_endpoint(raw: str) -> str:
    from foundry_cli.config.endpoint import FORM_HELP, normalise_endpoint

    if not raw:
        raise ValueError(f"An endpoint is needed. {FORM_HELP}")
    normalise_endpoint(raw)  # raises with what is wrong and the accepted forms
    return raw


def _check_setting(key: str, empty: str) -> Callable[[str], str]:
    """A check through the setting's own coercion; ``empty`` says why an empty answer is not enough."""
    from foundry_cli.config.settings import SETTING_BY_NAME

    def check(raw: str) -> str:
        if not raw:
            raise ValueError(empty)
        return str(SETTING_BY_NAME[key].coerce(raw))

    return check


#: the auth modes that name an Entra ID app: the wizard asks for its tenant and client ids
_APP_AUTH_MODES = ("service-principal", "workload-identity", "github-oidc", "azure-pipelines")


def _wizard(values: dict[str, Any], saved: Mapping[str, Any], interactive: bool) -> None:
    """Fill what the flags left out: prompt on a TTY (the saved profile's values as defaults), fail
    clearly in CI (where the saved profile's values count as given)."""
    from foundry_cli.config.endpoint import normalise_endpoint

    if not interactive:
        _require_flags(values, saved)
        return
    if not _given(values, "endpoint"):
        values["endpoint"] = _ask_until_valid(
            "Endpoint (resource name, or the URL from the Foundry portal)",
            saved.get("endpoint"),
            _check_endpoint,
        )
    ep = normalise_endpoint(str(_now(values, saved, "endpoint")))
    _ask_api(values, saved, ep)
    _ask_auth(values, saved)
    if not _given(values, "deployment"):
        values["deployment"] = _ask_until_valid(
            "Deployment name",
            saved.get("deployment") or "claude-sonnet-4-5",
            _check_setting("deployment", "A deployment name is needed (its name in the Foundry portal)"),
        )


def _given(values: Mapping[str, Any], key: str) -> bool:
    """The flags (or an earlier answer) gave ``key``."""
    return values.get(key) not in (None, "")


def _now(values: Mapping[str, Any], saved: Mapping[str, Any], key: str) -> Any:
    """``key`` as the profile will have it: given, else saved."""
    return values[key] if _given(values, key) else saved.get(key)


def _require_flags(values: Mapping[str, Any], saved: Mapping[str, Any]) -> None:
    """Without a terminal: the endpoint and deployment must be given or saved already."""
    missing = [k for k in ("endpoint", "deployment") if not (values.get(k) or saved.get(k))]
    if missing:
        flags = ", ".join(f"--{k}" for k in missing)
        raise UsageError(
            f"Missing {flags}: stdin is not a terminal, so fclaude will not prompt. Pass them as flags."
        )


def _ask_api(values: dict[str, Any], saved: Mapping[str, Any], ep: Endpoint) -> None:
    """The wire format (the endpoint's form hints it), and the project the Responses API needs."""
    if not _given(values, "api"):
        values["api"] = _ask_until_valid(
            "API format (messages or responses)",
            ep.hinted_api or saved.get("api") or "messages",
            _check_setting("api", "Answer messages or responses"),
        )
    if _now(values, saved, "api") == "responses" and not _given(values, "project") and not ep.project:
        values["project"] = _ask_until_valid(
            "Project name",
            saved.get("project"),
            _check_setting("project", "The Responses API needs the Foundry project's name"),
        )


def _ask_auth(values: dict[str, Any], saved: Mapping[str, Any]) -> None:
    """The auth mode, and the tenant and client ids of the app an Entra ID mode signs in as."""
    from foundry_cli.config.settings import AUTH_MODES

    if not _given(values, "auth"):
        values["auth"] = _ask_until_valid(
            f"Auth mode ({', '.join(AUTH_MODES)})",
            saved.get("auth") or "api-key",
            _check_setting("auth", f"Answer one of {', '.join(AUTH_MODES)}"),
        )
    if _now(values, saved, "auth") not in _APP_AUTH_MODES:
        return
    for key, label in (("tenant_id", "Tenant id"), ("client_id", "Client (application) id")):
        if not _given(values, key):
            values[key] = _ask_until_valid(
                f"{label} (empty to take it from AZURE_{key.upper()})",
                saved.get(key),
                _check_setting(key, f"{label} is needed"),
                optional=True,
            )


def _read_stdin_secret(name: str) -> str:
    value = sys.stdin.readline().strip()
    if not value:
        raise UsageError(f"{SECRET_FLAGS[name]} was given but stdin held no {name.replace('_', ' ')}.")
    return value


def login(
    ctx: typer.Context,
    endpoint: Annotated[
        str | None,
        typer.Option(metavar="URL|NAME", help="Resource name, resource URL, /anthropic or project URL."),
    ] = None,
    project: Annotated[
        str | None, typer.Option(metavar="NAME", help="Foundry project (Responses API).")
    ] = None,
    api: Annotated[
        str | None,
        typer.Option(
            metavar="messages|responses", help="Wire format.", autocompletion=_complete.complete_api
        ),
    ] = None,
    auth: Annotated[
        str | None,
        typer.Option(
            metavar="MODE",
            help="api-key, azure-cli, service-principal, device-code, managed-identity, "
            "workload-identity, default, github-oidc or azure-pipelines.",
            autocompletion=_complete.complete_auth,
        ),
    ] = None,
    deployment: Annotated[
        str | None,
        typer.Option(
            "--deployment",
            "-m",
            metavar="NAME",
            help="Deployment name.",
            autocompletion=_complete.complete_deployments,
        ),
    ] = None,
    tenant_id: Annotated[str | None, typer.Option(metavar="ID", help="Entra ID tenant.")] = None,
    client_id: Annotated[
        str | None, typer.Option(metavar="ID", help="Entra ID application (client) id.")
    ] = None,
    subscription_id: Annotated[
        str | None, typer.Option(metavar="ID", help="Azure subscription (control-plane checks).")
    ] = None,
    scope: Annotated[
        str | None,
        typer.Option(metavar="SCOPE", help="Token scope (default https://ai.azure.com/.default)."),
    ] = None,
    key_command: Annotated[
        str | None, typer.Option(metavar="COMMAND", help="Command whose stdout is the API key.")
    ] = None,
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
    """Create or update a profile, then verify it.

    On a terminal a wizard asks for what the flags leave out (a re-run offers the saved values);
    in CI everything comes from flags, and secrets from stdin. A live one-token request verifies
    the profile unless --no-verify.

    Examples:

    \b
      fclaude login
      fclaude login -p work
      printf %s "$KEY" | fclaude login -p ci --endpoint myres \\
          -m claude-sonnet-4-5 --api-key-stdin
      fclaude --emulator login
    """
    s = state(ctx, profile, debug)
    if s.emulator:  # `fclaude --emulator/--scenario NAME login`: the try-it path
        raise typer.Exit(int(_try_login(s)))
    name = s.profile or "default"
    interactive = sys.stdin.isatty() and not (api_key_stdin or client_secret_stdin)
    flags: dict[str, Any] = {
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
    _check_flags(flags)  # a bad flag fails before any question is asked
    _SAVED.clear()
    try:
        code = _login(
            name, flags, interactive, api_key_stdin, client_secret_stdin, no_verify, make_default, s
        )
    except KeyboardInterrupt:
        # Ctrl-C at a prompt: end the prompt's line, say what happened, no traceback
        sys.stderr.write("\n")
        saved = "the profile was saved before that" if _SAVED else "nothing was saved"
        Output().say(f"login stopped; {saved}.")
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    if code:
        raise typer.Exit(int(code))


def _check_flags(values: Mapping[str, Any]) -> None:
    """Every value given as a flag, validated before anything is asked or written.

    Raises:
        UsageError: a value does not validate (the endpoint's ConfigError passes as it is).
    """
    from foundry_cli.config.endpoint import normalise_endpoint
    from foundry_cli.config.settings import SETTING_BY_NAME

    for key, value in values.items():
        if value in (None, ""):
            continue
        try:
            SETTING_BY_NAME[key].coerce(value)
        except ValueError as exc:
            raise UsageError(f"Invalid --{key.replace('_', '-')}: {exc}.") from None
    if values.get("endpoint"):
        normalise_endpoint(values["endpoint"])  # raises with the accepted forms


def _login(
    name: str,
    flags: dict[str, Any],
    interactive: bool,
    api_key_stdin: bool,
    client_secret_stdin: bool,
    no_verify: bool,
    make_default: bool,
    s: AppState,
) -> ExitCode:
    """The wizard (or the flags), the save, the verification; the exit code."""
    from foundry_cli.config.paths import get_paths
    from foundry_cli.config.secrets import set_profile_secret, where
    from foundry_cli.config.settings import load_config
    from foundry_cli.config.store import save_profile

    paths = get_paths()
    saved: Mapping[str, Any] = load_config(paths).get("profiles", {}).get(name, {})
    out = Output()
    if interactive:
        if saved:
            out.say(
                f"editing profile {name!r} in {paths.config_file}; Enter keeps the saved value in [brackets]."
            )
        else:
            out.say(f"creating profile {name!r} in {paths.config_file}; Enter takes the value in [brackets].")
    values = dict(flags)
    _wizard(values, saved, interactive)
    values = {k: v for k, v in values.items() if v not in (None, "")}
    secrets: dict[str, str] = {}
    if api_key_stdin:
        secrets["api_key"] = _read_stdin_secret("api_key")
    if client_secret_stdin:
        secrets["client_secret"] = _read_stdin_secret("client_secret")
    mode = values.get("auth") or saved.get("auth") or "api-key"
    secret_name, secret_label = MODE_SECRETS.get(mode, ("", ""))
    wants_secret = secret_name and secret_name not in secrets and interactive
    if mode == "api-key" and (values.get("key_command") or saved.get("key_command")):
        wants_secret = False
    if wants_secret:
        entered = _ask_secret(secret_name, secret_label, stored=where(paths, name, secret_name) is not None)
        if entered:
            secrets[secret_name] = entered

    save_profile(paths, name, values)  # only the first profile becomes the default by itself
    _SAVED.append(name)
    stored = {k: set_profile_secret(paths, name, k, v) for k, v in secrets.items() if v}
    where_ = "; ".join(f"{k.replace('_', ' ')} in {w}" for k, w in stored.items())
    out.say(f"saved profile {name!r} to {paths.config_file}{'; ' + where_ if where_ else ''}.")
    code = ExitCode.OK if no_verify else _verify(name, s.debug)
    while code == ExitCode.AUTH and wants_secret:  # the secret may be what is wrong: offer to re-enter it
        again = _ask(f"Re-enter the {secret_label} (input hidden; Enter keeps the saved one)", secret=True)
        if not again:
            out.note(f"kept the saved {secret_label}; change it later with: fclaude login -p {name}")
            break
        out.say(f"{secret_label} stored in {set_profile_secret(paths, name, secret_name, again)}.")
        code = _verify(name, s.debug)
    _settle_default(paths, name, switch=make_default, verified=code == ExitCode.OK)
    return code


def _ask_secret(name: str, label: str, *, stored: bool) -> str:
    """The hidden prompt for the auth mode's secret. Empty keeps a stored one; without one, an empty
    API key is asked again (the client secret may come from a certificate or the environment)."""
    if stored:
        return _ask(f"{label[0].upper()}{label[1:]} (input hidden; Enter keeps the stored one)", secret=True)
    if name == "client_secret":
        return _ask(
            "Client secret (input hidden; empty to use a certificate or the environment)", secret=True
        )
    while True:
        entered = _ask("API key (input hidden; Key 1 from 'Keys and Endpoint')", secret=True)
        if entered:
            return entered
        Output().block(
            "No API key was entered. Paste Key 1 from the portal's 'Keys and Endpoint' page "
            "(Ctrl-C stops without saving).",
            [],
        )


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
        req = build_request(
            resolved, (Message("user", "Reply with OK."),), system=None, stream=False, thinking="off"
        )
        req = dataclasses.replace(req, max_tokens=16)
        with make_client(resolved, debug) as client:
            result = client.send(req).complete()
    except FclaudeError as exc:
        code = report(exc, sys.stderr, what="The profile was saved, but the verification request failed")
        return code
    region = f" in {result.region}" if result.region else ""
    sys.stderr.write(f"fclaude: verified: {resolved.deployment} answered{region} ({resolved.api} API).\n")
    return ExitCode.OK


def logout(ctx: typer.Context, profile: ProfileOpt = None) -> None:
    """Delete a profile's stored secrets and cached tokens.

    The profile itself stays (`fclaude profile remove NAME` deletes it).
    """
    from foundry_cli.config.paths import get_paths
    from foundry_cli.config.secrets import forget_profile
    from foundry_cli.config.settings import load_config, select_profile

    s = state(ctx, profile)
    paths = get_paths()
    import os

    name, _ = select_profile(s.profile, os.environ, load_config(paths))
    if name is not None:
        from foundry_cli.cli.profile import require_profile

        require_profile(paths, name)  # a misspelt -p is an error that lists the profiles
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
