"""Serve the emulator from a command line: the one code path behind ``fclaude emulator`` and
``python -m foundry_cli.emulator`` (both parse their flags into :class:`ServeOptions`)."""

from __future__ import annotations

import contextlib
import ipaddress
import secrets
import signal
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from foundry_cli.emulator.identity import DEFAULT_TENANT_ID
from foundry_cli.emulator.scenarios import IDENTITY_SCENARIOS, SCENARIOS
from foundry_cli.emulator.server import Emulator
from foundry_cli.emulator.service import DEFAULT_API_KEY

DEFAULT_PORT = 8765


@dataclass(frozen=True)
class ServeOptions:
    """Every flag of the emulator's command line."""

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    scenario: str = "healthy"
    api_key: str = DEFAULT_API_KEY
    delay: float = 0.0
    identity: bool = False
    identity_port: int = 0
    tenant: str = DEFAULT_TENANT_ID
    log: str | None = None
    """Write one line per request here (``-`` = stderr); None: quiet."""


class UsageProblem(ValueError):
    """A flag value the emulator cannot serve with (exit 2)."""


def check_host(host: str) -> str:
    """Loopback only: the emulator accepts a fixed, public test key and issues tokens to anyone."""
    if host == "localhost":
        return host
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise UsageProblem(
            f"--host {host!r} is not an IP address; the emulator serves loopback only"
        ) from None
    if address.version != 4 or not address.is_loopback:
        raise UsageProblem(
            f"--host {host} is not an IPv4 loopback address (127.x.x.x): the emulator accepts a public "
            "test key and must not be reachable from other machines"
        )
    return host


def scenario_listing(extra: dict[str, str] | None = None) -> str:
    """``NAME  description`` lines: the data-plane scenarios, the identity ones (``--identity``), and
    ``extra`` (the client-side scenarios of ``fclaude --scenario``) under their own headings."""
    groups = [("data plane", SCENARIOS), ("identity (served with --identity)", IDENTITY_SCENARIOS)]
    if extra:
        groups.append(("client side (fclaude --scenario NAME only; the emulator stays healthy)", extra))
    width = max(len(name) for _, names in groups for name in names)
    lines: list[str] = []
    for title, names in groups:
        lines.append(f"{title}:")
        lines.extend(f"  {name:<{width}}  {desc}" for name, desc in names.items())
    return "\n".join(lines) + "\n"


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


def _request_logger(target: str, stderr: IO[str]) -> tuple[IO[str], bool]:
    if target == "-":
        return stderr, False
    try:
        return open(target, "a", encoding="utf-8", buffering=1), True  # closed by serve()
    except OSError as exc:
        raise UsageProblem(f"cannot open the request log {target}: {exc.strerror or exc}") from None


def make_emulator(opts: ServeOptions) -> Emulator:
    """The emulator the options describe, not started; UsageProblem for a bad flag value."""
    check_host(opts.host)
    if not 0 <= opts.port <= 65535 or not 0 <= opts.identity_port <= 65535:
        raise UsageProblem("ports must be between 0 and 65535 (0 picks a free one)")
    if opts.delay < 0:
        raise UsageProblem("--delay must be >= 0 seconds")
    try:
        return Emulator(
            host=opts.host,
            port=opts.port,
            scenario=opts.scenario,
            api_key=opts.api_key,
            delta_delay=opts.delay,
            identity=opts.identity,
            identity_port=opts.identity_port,
            tenant_id=opts.tenant,
        )
    except ValueError as exc:
        raise UsageProblem(str(exc)) from None


def serve(
    opts: ServeOptions,
    *,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Start the emulator, print how to use it, serve until Ctrl-C (or ``stop``); the exit code.

    Raises UsageProblem (exit 2 in both front ends) for a bad flag or a port that cannot be bound."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    emu = make_emulator(opts)
    log, owned = _request_logger(opts.log, err) if opts.log is not None else (None, False)
    if log is not None:
        sink = log

        def write_line(line: str) -> None:
            sink.write(f"{time.strftime('%H:%M:%S')} {line}\n")
            sink.flush()

        emu.request_log = write_line
    try:
        emu.start()
    except OSError as exc:
        if owned and log is not None:
            log.close()
        raise UsageProblem(
            f"cannot listen on {opts.host}:{opts.port}: {exc.strerror or exc}; pick another --port"
        ) from None
    # from here on Ctrl-C or SIGTERM (even during the banner: a reader may act on its first lines)
    # stops the emulator and deletes its CA file
    try:
        with _terminate_as_interrupt():
            out.write(f"base URL: {emu.base_url}\n")
            out.write(f"API key:  {emu.api_key}\n")
            if opts.identity:
                out.write(_identity_banner(emu))
            out.write(f"scenario: {emu.scenario}  (Ctrl-C stops)\n")
            out.write(f"  export FCLAUDE_ENDPOINT={emu.base_url} FCLAUDE_PROJECT=demo\n")
            out.write("  export FCLAUDE_DEPLOYMENT=claude-sonnet-4-5\n")
            if emu.api_key == DEFAULT_API_KEY:
                out.write(
                    f"  export FCLAUDE_API_KEY={emu.api_key}   # the emulator's fixed, public test key\n"
                )
            out.flush()
            (stop or threading.Event()).wait()
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()  # also deletes the identity side's CA file
        if owned and log is not None:
            log.close()
    return 0


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (``kill``, a service manager) stops the emulator as Ctrl-C does, cleaning up."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
