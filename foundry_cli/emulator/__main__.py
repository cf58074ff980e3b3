"""``python -m foundry_cli.emulator --port N --scenario NAME [--api-key K] [--identity]``: serve
until Ctrl-C. ``--identity`` adds the Entra ID side (HTTPS token service + managed identity)."""

from __future__ import annotations

import argparse
import secrets
import sys
import threading
import uuid

from foundry_cli.emulator.identity import DEFAULT_TENANT_ID
from foundry_cli.emulator.scenarios import IDENTITY_SCENARIOS, SCENARIOS
from foundry_cli.emulator.server import Emulator
from foundry_cli.emulator.service import DEFAULT_API_KEY


def _parser() -> argparse.ArgumentParser:
    every = {**SCENARIOS, **IDENTITY_SCENARIOS}
    width = max(map(len, every))
    listing = "\n".join(f"  {name:<{width}}  {desc}" for name, desc in every.items())
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
    parser.add_argument(
        "--identity", action="store_true", help="also serve Entra ID over HTTPS and a managed identity"
    )
    parser.add_argument("--identity-port", type=int, default=0, help="HTTPS port (default: a free one)")
    parser.add_argument("--tenant", default=DEFAULT_TENANT_ID, help="tenant id of the identity side")
    return parser


def _identity_banner(emu: Emulator) -> str:
    """Register a demo app (fresh secret) and a system-assigned managed identity; say how to use them."""
    client_id = str(uuid.uuid4())
    secret = secrets.token_urlsafe(24)
    emu.add_app(client_id, secret=secret)
    emu.add_managed_identity()
    return (
        f"authority host: {emu.authority_host}\n"
        f"tenant id:      {emu.tenant_id}\n"
        f"CA bundle:      {emu.ca_bundle}   (REQUESTS_CA_BUNDLE / SSL_CERT_FILE)\n"
        f"demo app:       AZURE_CLIENT_ID={client_id} AZURE_CLIENT_SECRET={secret}\n"
        f"managed id:     IDENTITY_ENDPOINT={emu.managed_identity_endpoint} "
        f"IDENTITY_HEADER={emu.identity_header}\n"
    )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        emu = Emulator(
            host=args.host,
            port=args.port,
            scenario=args.scenario,
            api_key=args.api_key,
            delta_delay=args.delay,
            identity=args.identity,
            identity_port=args.identity_port,
            tenant_id=args.tenant,
        )
        emu.start()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:  # from here on Ctrl-C (even during the banner) stops the emulator and deletes its CA file
        print(f"base URL: {emu.base_url}")
        print(f"API key:  {emu.api_key}")
        if args.identity:
            print(_identity_banner(emu), end="")
        print(f"scenario: {emu.scenario}  (Ctrl-C stops)", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
