"""Fast start (DESIGN §7): --version and --help import no HTTP, Azure, msal or rich.markdown."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("httpx2", "azure", "msal", "rich.markdown", "rich.live", "anthropic", "openai")

PROBE = """
import io, contextlib, sys
from foundry_cli.cli.app import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main({args!r})
    except SystemExit:
        pass
print(",".join(sorted(m for m in sys.modules if m.split(".")[0] in {roots!r} or m in {heavy!r})))
"""


@pytest.mark.parametrize(
    "args", [["--version"], ["--help"], ["ask", "--help"], ["chat", "--help"], ["emulator", "--help"]]
)
def test_light_commands_import_nothing_heavy(args: list[str]) -> None:
    roots = {h.split(".")[0] for h in HEAVY if "." not in h}
    code = PROBE.format(args=args, roots=roots, heavy=set(HEAVY))
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"{args} imported: {out}"


def test_version_does_not_even_import_typer() -> None:
    code = PROBE.format(args=["--version"], roots={"typer"}, heavy=set())
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""
