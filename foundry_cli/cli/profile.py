"""``fclaude profile list/show/use/remove``. Never prints a secret."""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated, Any

import typer

from foundry_cli.cli._options import JsonOpt

app = typer.Typer(
    help="List, inspect, select and delete profiles.",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

NameArg = Annotated[str | None, typer.Argument(help="Profile name (default: the active one).")]


def _paths() -> Any:
    from foundry_cli.config.paths import get_paths

    return get_paths()


@app.command("list")
def profile_list(json_out: JsonOpt = False) -> None:
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
    if json_out:
        sys.stdout.write(json.dumps(rows) + "\n")
        return
    if not rows:
        sys.stderr.write("fclaude: no profiles yet; create one with `fclaude login`.\n")
        return
    for r in rows:
        mark = "*" if r["default"] else " "
        sys.stdout.write(
            f"{mark} {r['name']:<16} {r['endpoint'] or '-':<48} {r['api'] or '-':<10} "
            f"{r['auth'] or '-':<18} {r['deployment'] or '-'}\n"
        )


@app.command("show")
def profile_show(name: NameArg = None, json_out: JsonOpt = False) -> None:
    """Every resolved setting with its source (flag, env var, profile, default). Secrets: only where."""
    from foundry_cli.config.secrets import SECRET_NAMES, where
    from foundry_cli.config.settings import SETTINGS, resolve

    paths = _paths()
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
    if resolved.endpoint is not None and resolved.endpoint.notes:
        out["warnings"] += [f"endpoint: {n}" for n in resolved.endpoint.notes]
    if json_out:
        sys.stdout.write(json.dumps(out) + "\n")
        return
    sys.stdout.write(f"profile: {resolved.profile or '(none: environment and defaults only)'}\n")
    for key, item in out["settings"].items():
        value = "-" if item["value"] is None else item["value"]
        sys.stdout.write(f"  {key:<24} {value!s:<52} {item['source']}\n")
    for w in out["warnings"]:
        sys.stderr.write(f"fclaude: warning: {w}\n")


@app.command("use")
def profile_use(name: Annotated[str, typer.Argument(help="Profile to make the default.")]) -> None:
    """Make NAME the default profile."""
    from foundry_cli.config.store import set_default

    set_default(_paths(), name)
    sys.stderr.write(f"fclaude: default profile is now {name!r}.\n")
    if os.environ.get("FCLAUDE_PROFILE") and os.environ["FCLAUDE_PROFILE"] != name:
        sys.stderr.write(
            f"fclaude: warning: $FCLAUDE_PROFILE={os.environ['FCLAUDE_PROFILE']} still takes precedence.\n"
        )


@app.command("remove")
def profile_remove(name: Annotated[str, typer.Argument(help="Profile to delete, with its secrets.")]) -> None:
    """Delete profile NAME, its stored secrets and cached tokens."""
    from foundry_cli.cli.login import _forget_tokens
    from foundry_cli.config.secrets import forget_profile
    from foundry_cli.config.store import remove_profile

    paths = _paths()
    remove_profile(paths, name)
    forget_profile(paths, name)
    _forget_tokens(paths, name)
    sys.stderr.write(f"fclaude: removed profile {name!r} and its secrets.\n")
