"""Regenerate completions/ from the app (Typer's completion protocol); --check fails if stale.

python scripts/gen_completions.py          # write completions/fclaude.{bash,zsh,fish,ps1}
python scripts/gen_completions.py --check  # exit 1 when a file differs from what the app generates
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SHELLS = {"bash": "bash", "zsh": "zsh", "fish": "fish", "powershell": "ps1"}
OUT = Path(__file__).resolve().parent.parent / "completions"


def generate(shell: str) -> str:
    env = {**os.environ, "_FCLAUDE_COMPLETE": f"source_{shell}"}
    done = subprocess.run(
        [sys.executable, "-m", "foundry_cli"], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip() + "\n"


def main() -> int:
    check = "--check" in sys.argv[1:]
    stale = []
    for shell, ext in SHELLS.items():
        path = OUT / f"fclaude.{ext}"
        text = generate(shell)
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(path.name)
        else:
            OUT.mkdir(exist_ok=True)
            path.write_text(text)
    if stale:
        print(
            f"stale completion scripts: {', '.join(stale)}; run python scripts/gen_completions.py",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
