"""``fclaude profile list/show/use/remove``. Never prints a secret."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from foundry_cli.cli import _complete
from foundry_cli.render.output import Column, Output

app = typer.Typer(
    help="""List, inspect, select and delete profiles.

    A profile is a named set of settings in config.toml (its secrets are kept apart, never shown).

    Examples:

    \b
      fclaude profile list
      fclaude profile show work
      fclaude profile use work
      fclaude profile remove old --yes
    """,
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

LIST_COLUMNS = (
    Column(""),  # "*" marks the default profile
    Column("NAME", min_width=12),
    Column("ENDPOINT", min_width=16),
    # a column too narrow for its values is hidden (API first) rather than cut to "messa…"
    Column("API", min_width=9, drop=3),
    Column("AUTH", min_width=12, drop=2),
    Column("DEPLOYMENT", min_width=12, drop=1),
)
SHOW_COLUMNS = (
    Column("SETTING", min_width=16),
    Column("VALUE", min_width=16),
    Column("SOURCE", min_width=12),
)

NameArg = Annotated[
    str | None,
    typer.Argument(
        metavar="[NAME]",
        help="Profile name (default: the active one).",
        autocompletion=_complete.complete_profiles,
    ),
]
ListJsonOpt = Annotated[
    bool,
    typer.Option(
        "--json", help='Print a JSON list: {"name", "default", "endpoint", "api", "auth", "deployment"}.'
    ),
]
ShowJsonOpt = Annotated[
    bool,
    typer.Option("--json", help='Print one JSON object: {"profile", "settings", "warnings", "notes"}.'),
]


def _paths() -> Any:
    from foundry_cli.config.paths import get_paths

    return get_paths()


def conflict_notes(settings: Any) -> list[str]:
    """One sentence per setting that two environment variables set to different values: which won."""
    from foundry_cli.config.settings import SETTING_BY_NAME

    notes = []
    for name, winner, loser in settings.conflicts:
        order = ", ".join(SETTING_BY_NAME[name].env)
        notes.append(
            f"${winner} and ${loser} both set {name}, to different values; ${winner} wins "
            f"(the order is {order}). Unset the one you do not mean."
        )
    return notes


def note_conflicts(settings: Any) -> None:
    """The conflict notes on stderr (``ask``, ``chat``, ``profile show``)."""
    out = Output()
    for note in conflict_notes(settings):
        out.note(note)


def require_profile(paths: Any, name: str) -> None:
    """Nothing when profile ``name`` exists.

    Raises:
        ConfigError: it does not; the message lists the profiles there are.
    """
    from foundry_cli.config.settings import load_config
    from foundry_cli.errors import ConfigError

    profiles = sorted(load_config(paths).get("profiles", {}))
    if name in profiles:
        return
    known = f"profiles: {', '.join(profiles)}" if profiles else "there are no profiles yet"
    raise ConfigError(
        f"No profile named {name!r} ({known}). `fclaude profile list` shows them; "
        f"`fclaude login -p {name}` creates it."
    )


@app.command("list")
def profile_list(json_out: ListJsonOpt = False) -> None:
    """List profiles; the default one is marked with *."""
    from foundry_cli.config.settings import load_config

    doc = load_config(_paths())
    default = doc.get("default_profile")
    rows = [
        {
            "name": name,
            "default": name == default,
            "endpoint": p.get("endpoint"),
            "api": p.get("api"),
            "auth": p.get("auth"),
            "deployment": p.get("deployment"),
        }
        for name, p in sorted(doc.get("profiles", {}).items())
    ]
    out = Output()
    if json_out:
        out.json(rows)
        return
    if not rows:
        out.note("no profiles yet; create one with `fclaude login`.")
        return
    out.table(
        LIST_COLUMNS,
        [
            ["*" if r["default"] else "", r["name"], r["endpoint"], r["api"], r["auth"], r["deployment"]]
            for r in rows
        ],
    )


@app.command("show")
def profile_show(name: NameArg = None, json_out: ShowJsonOpt = False) -> None:
    """Show every setting and where it came from.

    Sources: a flag, an environment variable, the profile, or the default. A secret shows only
    whether it is set and where it is stored, never its value.
    """
    from foundry_cli.config.secrets import SECRET_NAMES, where
    from foundry_cli.config.settings import SETTINGS, resolve

    paths = _paths()
    if name is not None:
        require_profile(paths, name)
    resolved = resolve(profile=name, paths=paths)
    out: dict[str, Any] = {"profile": resolved.profile, "settings": {}, "warnings": []}
    for s in SETTINGS:
        v = resolved.values[s.name]
        if s.secret:
            stored = (
                where(paths, resolved.profile, s.name)
                if resolved.profile and s.name in SECRET_NAMES
                else None
            )
            src = v.source if v.value else None
            shown = "set" if v.value else "not set"
            out["settings"][s.name] = {"value": shown, "source": src or stored or "-"}
        else:
            out["settings"][s.name] = {"value": v.value, "source": v.source}
    for setting, var in resolved.shadowed:
        out["warnings"].append(f"${var} overrides the profile's saved {setting}")
    out["notes"] = conflict_notes(resolved)
    if "GitHub Actions OIDC" in resolved.source("auth"):  # zero-config (or auth = default) in a GitHub job
        out["notes"].append(
            "inside GitHub Actions (ACTIONS_ID_TOKEN_REQUEST_URL is set) with no key, secret or token file "
            "configured, auth is github-oidc: the job's OIDC token is exchanged at Entra ID for app "
            f"{resolved.client_id}."
        )
    if resolved.endpoint is not None and resolved.endpoint.notes:
        out["warnings"] += [f"endpoint: {n}" for n in resolved.endpoint.notes]
    sink = Output()
    if json_out:
        sink.json(out)
        return
    sink.line(f"profile: {resolved.profile or '(none: environment and defaults only)'}")
    sink.table(
        SHOW_COLUMNS,
        [[key, item["value"], item["source"]] for key, item in out["settings"].items()],
    )
    for w in out["warnings"]:
        sink.warning(w)
    for note in out["notes"]:
        sink.note(note)


@app.command("use")
def profile_use(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME", help="Profile to make the default.", autocompletion=_complete.complete_profiles
        ),
    ],
) -> None:
    """Make NAME the default profile."""
    from foundry_cli.config.store import set_default

    paths = _paths()
    require_profile(paths, name)
    set_default(paths, name)
    out = Output()
    out.say(f"default profile is now {name!r}.")
    if os.environ.get("FCLAUDE_PROFILE") and os.environ["FCLAUDE_PROFILE"] != name:
        out.warning(f"$FCLAUDE_PROFILE={os.environ['FCLAUDE_PROFILE']} still takes precedence.")


YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


@app.command("remove")
def profile_remove(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME",
            help="Profile to delete, with its secrets.",
            autocompletion=_complete.complete_profiles,
        ),
    ],
    yes: YesOpt = False,
) -> None:
    """Delete profile NAME, its secrets and cached tokens.

    Asks first on a terminal; --yes skips the question (and is needed when stdin is not a terminal).
    """
    import sys

    from foundry_cli.cli.login import _forget_tokens
    from foundry_cli.config.secrets import forget_profile
    from foundry_cli.config.store import remove_profile
    from foundry_cli.errors import UsageError

    paths = _paths()
    require_profile(paths, name)
    if not yes:
        if not sys.stdin.isatty():
            raise UsageError(
                f"`profile remove` deletes {name!r} and its secrets; stdin is not a terminal, so fclaude "
                f"cannot ask. Pass --yes to confirm: fclaude profile remove {name} --yes"
            )
        sys.stderr.write(f"Delete profile {name!r}, its stored secrets and cached tokens? [y/N] ")
        sys.stderr.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            Output().say(f"kept profile {name!r}.")
            raise typer.Exit(1)
    remove_profile(paths, name)
    forget_profile(paths, name)
    _forget_tokens(paths, name)
    Output().say(f"removed profile {name!r} and its secrets.")
