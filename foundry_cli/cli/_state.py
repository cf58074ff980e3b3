"""Global options, accepted before or after the subcommand, merged into one state."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from foundry_cli.config.settings import Value


@dataclass
class AppState:
    profile: str | None = None
    debug: bool = False
    emulator: bool = False
    scenario: str | None = None


def state(
    ctx: typer.Context,
    profile: str | None = None,
    debug: bool = False,
    emulator: bool = False,
    scenario: str | None = None,
) -> AppState:
    """The root callback's state, overridden by what the command itself was given."""
    root = ctx.find_root().obj
    s = AppState(**vars(root)) if isinstance(root, AppState) else AppState()
    s.profile = profile or s.profile
    s.debug = debug or s.debug
    s.scenario = scenario or s.scenario
    s.emulator = emulator or s.emulator or s.scenario is not None
    if s.debug:
        ctx.find_root().obj = s  # so main() knows to show tracebacks
    return s


@contextlib.contextmanager
def emulator_overrides(s: AppState) -> Iterator[dict[str, Value] | None]:
    """The try-it path: an in-process emulator, and settings that point at it."""
    if not s.emulator:
        yield None
        return
    from foundry_cli.config.settings import Value
    from foundry_cli.emulator import DEFAULT_API_KEY, Emulator

    try:
        emu = Emulator(scenario=s.scenario or "healthy")
    except ValueError as exc:
        from foundry_cli.errors import UsageError

        raise UsageError(str(exc)) from None
    with emu:
        src = "emulator (--emulator)"
        yield {
            "endpoint": Value(emu.base_url, src),
            "project": Value("demo", src),
            "auth": Value("api-key", src),
            "api_key": Value(DEFAULT_API_KEY, src),
            "deployment": Value("claude-sonnet-4-5", src),
        }
