"""``fclaude emulator``: serve the local Foundry emulator on 127.0.0.1."""

from __future__ import annotations

import sys
import threading
from typing import Annotated

import typer


def emulator(
    port: Annotated[
        int, typer.Option("--port", help="Port on 127.0.0.1 (0 picks a free one).", min=0, max=65535)
    ] = 8765,
    scenario: Annotated[
        str, typer.Option("--scenario", help="Fault scenario (an error-table row id).")
    ] = "healthy",
    list_: Annotated[bool, typer.Option("--list", help="List the scenarios and exit.")] = False,
) -> None:
    """Run a local Foundry emulator (Messages + Responses) for trying fclaude and for tests.

    Example: fclaude emulator --port 8765 --scenario deployment-not-found
    """
    from foundry_cli.emulator import DEFAULT_API_KEY, IDENTITY_SCENARIOS, SCENARIOS, Emulator
    from foundry_cli.errors import UsageError

    if list_:
        every = {**SCENARIOS, **IDENTITY_SCENARIOS}
        width = max(map(len, every))
        for name, desc in every.items():
            sys.stdout.write(f"{name:<{width}}  {desc}\n")
        return
    try:
        emu = Emulator(port=port, scenario=scenario)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        emu.start()
    except OSError as exc:
        raise UsageError(
            f"Cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}. Pick another --port."
        ) from None
    sys.stdout.write(
        f"Foundry emulator on {emu.base_url} (scenario {scenario}); Ctrl-C stops it.\n"
        f"  export FCLAUDE_ENDPOINT={emu.base_url} FCLAUDE_PROJECT=demo\n"
        "  export FCLAUDE_DEPLOYMENT=claude-sonnet-4-5\n"
        f"  export FCLAUDE_API_KEY={DEFAULT_API_KEY}   # the emulator's fixed, public test key\n"
    )
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
