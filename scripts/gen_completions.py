"""Regenerate completions/ and the fast path's table from the app; --check fails if either is stale.

python scripts/gen_completions.py          # write completions/fclaude.{bash,zsh,fish,ps1} and
                                           # foundry_cli/cli/completion_table.json
python scripts/gen_completions.py --check  # exit 1 when a file differs from what the app generates

The shell scripts are Typer's (they call ``fclaude`` back with ``_FCLAUDE_COMPLETE=complete_SHELL``);
the table lets ``main()`` answer the requests for profile, deployment, scenario, check and history
values without importing the whole app (``foundry_cli/cli/_complete.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHELLS = {"bash": "bash", "zsh": "zsh", "fish": "fish", "powershell": "ps1"}
OUT = ROOT / "completions"
TABLE = ROOT / "foundry_cli" / "cli" / "completion_table.json"


def generate(shell: str) -> str:
    env = {**os.environ, "_FCLAUDE_COMPLETE": f"source_{shell}"}
    done = subprocess.run(
        [sys.executable, "-m", "foundry_cli"], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip() + "\n"


def generate_table() -> str:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from foundry_cli.cli.completion import table_text; print(table_text(), end='')",
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return done.stdout


def main() -> int:
    check = "--check" in sys.argv[1:]
    stale = []
    wanted = {OUT / f"fclaude.{ext}": generate(shell) for shell, ext in SHELLS.items()}
    wanted[TABLE] = generate_table()
    for path, text in wanted.items():
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale:
        print(
            f"stale completion files: {', '.join(stale)}; run python scripts/gen_completions.py",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
