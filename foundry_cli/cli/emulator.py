"""``fclaude emulator``: serve the local Foundry emulator on 127.0.0.1.

The flags and the serving are ``foundry_cli.emulator.serve``'s, shared with
``python -m foundry_cli.emulator``; this module only maps Typer options onto them."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from foundry_cli.cli._options import number, whole_number

DEFAULT_PORT = 8765  # foundry_cli.emulator.serve.DEFAULT_PORT (not imported: --help stays light)


def emulator(
    port: Annotated[
        int,
        typer.Option(
            "--port",
            metavar="PORT",
            parser=whole_number(0, 65535),
            help="Port on 127.0.0.1 (0 picks a free one).",
        ),
    ] = DEFAULT_PORT,
    scenario: Annotated[
        str,
        typer.Option(
            "--scenario", metavar="NAME", help="Fault scenario (an error-table row id); see --list."
        ),
    ] = "healthy",
    list_: Annotated[
        bool, typer.Option("--list", help="List every scenario `--scenario` accepts and exit.")
    ] = False,
    identity: Annotated[
        bool, typer.Option("--identity", help="Also serve Entra ID over HTTPS and a managed identity.")
    ] = False,
    identity_port: Annotated[
        int,
        typer.Option(
            "--identity-port",
            metavar="PORT",
            parser=whole_number(0, 65535),
            help="HTTPS port of the identity side (0: a free one).",
        ),
    ] = 0,
    tenant: Annotated[
        str | None, typer.Option("--tenant", metavar="ID", help="Tenant id of the identity side.")
    ] = None,
    delay: Annotated[
        float,
        typer.Option(
            "--delay",
            metavar="SECONDS",
            parser=number(0.0),
            help="Seconds between streamed text deltas (a slow answer).",
        ),
    ] = 0.0,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            metavar="KEY",
            help="The key the emulator accepts (a test key, not a secret; default: a fixed one).",
        ),
    ] = None,
    host: Annotated[
        str,
        typer.Option(
            "--host", metavar="ADDRESS", help="Loopback address to bind (127.x.x.x or localhost only)."
        ),
    ] = "127.0.0.1",
    log: Annotated[
        Path | None,
        typer.Option("--log", metavar="FILE", help="Append one line per request to FILE (- = stderr)."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="One line per request on stderr.")] = False,
) -> None:
    """Run a local Foundry emulator (no Azure needed).

    It serves Messages, Responses and ARM (Entra ID with --identity) on 127.0.0.1, for trying
    fclaude and for tests. `python -m foundry_cli.emulator` is the same program.

    Examples:

    \b
      fclaude emulator --port 8765 --scenario deployment-not-found
      fclaude emulator --identity -v
      fclaude emulator --list
    """
    from foundry_cli.cli._state import CLIENT_SCENARIOS
    from foundry_cli.emulator.serve import ServeOptions, UsageProblem, scenario_listing, serve
    from foundry_cli.errors import UsageError

    if list_:
        sys.stdout.write(scenario_listing(CLIENT_SCENARIOS))
        return
    opts = ServeOptions(
        host=host,
        port=port,
        scenario=scenario,
        delay=delay,
        identity=identity,
        identity_port=identity_port,
        log=str(log) if log is not None else ("-" if verbose else None),
    )
    if tenant:
        opts = replace(opts, tenant=tenant)
    if api_key:
        opts = replace(opts, api_key=api_key)
    try:
        code = serve(opts)
    except UsageProblem as exc:
        raise UsageError(f"{exc}.") from None
    if code:
        raise typer.Exit(code)
