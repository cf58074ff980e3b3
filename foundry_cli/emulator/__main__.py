"""``python -m foundry_cli.emulator --port N --scenario NAME [--api-key K]``: serve until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
import threading

from foundry_cli.emulator.scenarios import SCENARIOS
from foundry_cli.emulator.server import Emulator
from foundry_cli.emulator.service import DEFAULT_API_KEY


def _parser() -> argparse.ArgumentParser:
    width = max(map(len, SCENARIOS))
    listing = "\n".join(f"  {name:<{width}}  {desc}" for name, desc in SCENARIOS.items())
    parser = argparse.ArgumentParser(
        prog="python -m foundry_cli.emulator",
        description="Serve a local Foundry data-plane emulator on 127.0.0.1.",
        epilog=f"scenarios (NAME or NAME:INT):\n{listing}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (0 picks a free one; default 8765)")
    parser.add_argument("--scenario", default="healthy", help="fault scenario (default healthy)")
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help="the key the emulator accepts")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds between text deltas (default 0)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        emu = Emulator(
            host=args.host,
            port=args.port,
            scenario=args.scenario,
            api_key=args.api_key,
            delta_delay=args.delay,
        )
        emu.start()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(f"base URL: {emu.base_url}")
    print(f"API key:  {emu.api_key}")
    print(f"scenario: {emu.scenario}  (Ctrl-C stops)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
