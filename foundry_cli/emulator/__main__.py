"""``python -m foundry_cli.emulator``: the same front end as ``fclaude emulator`` (``serve.py``), for
places without the ``fclaude`` command (benchmarks, a bare checkout). ``--help`` lists the flags."""

from __future__ import annotations

import argparse
import sys

from foundry_cli.emulator.identity import DEFAULT_TENANT_ID
from foundry_cli.emulator.serve import DEFAULT_PORT, ServeOptions, UsageProblem, scenario_listing, serve
from foundry_cli.emulator.service import DEFAULT_API_KEY


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m foundry_cli.emulator",
        description="Serve a local Foundry emulator on 127.0.0.1 (same flags as `fclaude emulator`).",
        epilog=f"scenarios (NAME or NAME:INT):\n{scenario_listing()}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (0 picks a free one)")
    parser.add_argument("--scenario", default="healthy", help="fault scenario (default healthy)")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help="the key the emulator accepts")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds between text deltas (default 0)")
    parser.add_argument(
        "--identity", action="store_true", help="also serve Entra ID over HTTPS and a managed identity"
    )
    parser.add_argument("--identity-port", type=int, default=0, help="HTTPS port (default: a free one)")
    parser.add_argument("--tenant", default=DEFAULT_TENANT_ID, help="tenant id of the identity side")
    parser.add_argument("--log", metavar="FILE", help="append one line per request to FILE (- = stderr)")
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per request on stderr")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.list:
        sys.stdout.write(scenario_listing())
        return 0
    opts = ServeOptions(
        host=args.host,
        port=args.port,
        scenario=args.scenario,
        api_key=args.api_key,
        delay=args.delay,
        identity=args.identity,
        identity_port=args.identity_port,
        tenant=args.tenant,
        log=args.log if args.log is not None else ("-" if args.verbose else None),
    )
    try:
        return serve(opts)
    except UsageProblem as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
