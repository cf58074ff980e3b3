"""``fclaude completion [SHELL]``: print (or install) the shell completion script."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Annotated

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
