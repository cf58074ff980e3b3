"""``fclaude completion [SHELL]``: print (or install) the shell completion script."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Annotated, Any

import typer

from foundry_cli.errors import UsageError

SHELLS = ("bash", "zsh", "fish", "powershell")


def completion(
    shell: Annotated[
        str | None,
        typer.Argument(metavar="[SHELL]", help="bash, zsh, fish or powershell (default: from $SHELL)."),
    ] = None,
    install: Annotated[
        bool, typer.Option("--install", help="Install it into the shell's startup files.")
    ] = False,
) -> None:
    """Print or install the shell completion script.

    Examples:

    \b
      fclaude completion bash > ~/.fclaude.bash
      fclaude completion zsh --install
    """
    name = shell or os.path.basename(os.environ.get("SHELL", "")) or "bash"
    name = "powershell" if name in ("pwsh", "powershell") else name
    if name not in SHELLS:
        raise UsageError(f"Unknown shell {name!r}; choose one of {', '.join(SHELLS)}.")
    # Typer's completion protocol: the program prints its own script when asked through this variable.
    argv = [sys.executable, "-m", "foundry_cli"] + (["--install-completion", name] if install else [])
    env = {**os.environ} if install else {**os.environ, "_FCLAUDE_COMPLETE": f"source_{name}"}
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    sys.stdout.write(done.stdout)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise typer.Exit(done.returncode)


def completion_table() -> dict[str, Any]:
    """The fast path's table (``completion_table.json``), from the app itself: each command's options
    that take a value, its flags, its subcommands, and the source each option or argument completes
    (found by asking its autocompletion callback with the probe value); plus the static sources'
    values. ``scripts/gen_completions.py`` writes it; ``--check`` fails when it is stale."""
    from foundry_cli.cli import _complete
    from foundry_cli.cli.root import make_app

    commands: dict[str, Any] = {}

    def source_of(param: Any, ctx: typer.Context) -> str | None:
        for item in param.shell_complete(ctx, _complete.PROBE):
            if item.value.startswith(_complete.PROBE):
                return str(item.value[len(_complete.PROBE) :])
        return None

    def walk(command: Any, path: str, parent: typer.Context | None) -> None:
        ctx = typer.Context(
            command,
            parent=parent,
            info_name=path.rpartition(" ")[2] or "fclaude",
            resilient_parsing=True,
            **command.context_settings,
        )
        entry: dict[str, Any] = {"values": [], "flags": [], "dynamic": {}, "args": []}
        for param in command.get_params(ctx):
            source = source_of(param, ctx)
            if param.param_type_name == "argument":
                entry["args"] += [source] * (param.nargs if param.nargs > 0 else 1)
                continue
            names = [*param.opts, *param.secondary_opts]
            takes_value = not (param.is_flag or param.count)
            entry["values" if takes_value else "flags"] += names
            if source and takes_value:
                entry["dynamic"].update(dict.fromkeys(param.opts, source))
        subcommands = getattr(command, "commands", {})
        entry["subcommands"] = sorted(subcommands)
        entry["values"].sort()
        entry["flags"].sort()
        commands[path] = entry
        for name in entry["subcommands"]:
            walk(subcommands[name], f"{path} {name}".strip(), ctx)

    walk(typer.main.get_command(make_app()), "", None)
    static = {name: [list(item) for item in _complete.live_static(name)] for name in _complete.STATIC_SOURCES}
    return {"commands": commands, "static": static}


def table_text() -> str:
    """``completion_table.json`` as the generator writes it."""
    import json

    return json.dumps(completion_table(), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
