"""The Typer app: factory, global options, command registration (explicit, greppable)."""

from __future__ import annotations

import functools
import sys
from typing import Any

import typer

from foundry_cli import __version__
from foundry_cli.cli import (
    ask,
    chat,
    completion,
    count,
    doctor,
    emulator,
    history,
    login,
    models,
    profile,
    usage,
)
from foundry_cli.cli._options import DebugOpt, EmulatorOpt, ProfileOpt, ScenarioOpt
from foundry_cli.cli._state import AppState

HELP = """Claude on Microsoft Foundry from the command line.

Global options go before or after the command. `fclaude COMMAND --help` shows each command's options
and examples.

Examples:

\b
  fclaude --emulator ask "hello"    try it with no Azure account
  fclaude login                     create a profile (a wizard on a terminal)
  fclaude ask "What is Foundry?"    one question, one streamed answer
  fclaude chat                      a conversation
  fclaude doctor                    find out what is wrong, and the fix
"""


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"fclaude {__version__}\n")
        raise typer.Exit()


def make_app() -> typer.Typer:
    app = typer.Typer(
        name="fclaude",
        help=HELP,
        no_args_is_help=True,
        pretty_exceptions_enable=False,  # tracebacks could show secrets; main() decides
        rich_markup_mode=None,  # plain help: ~55 ms faster, and no rich import for --help
        context_settings={"help_option_names": ["-h", "--help"]},
        add_completion=True,
    )

    @app.callback()
    def root(
        ctx: typer.Context,
        profile: ProfileOpt = None,
        debug: DebugOpt = False,
        emulator_: EmulatorOpt = False,
        scenario: ScenarioOpt = None,
        version: bool = typer.Option(
            False, "--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ) -> None:
        ctx.obj = AppState(
            profile=profile, debug=debug, emulator=emulator_ or scenario is not None, scenario=scenario
        )

    app.command("login")(login.login)
    app.command("logout")(login.logout)
    app.add_typer(profile.app, name="profile")
    app.command("ask", no_args_is_help=False)(ask.ask)
    app.command("chat")(chat.chat)
    app.add_typer(history.app, name="history")
    app.add_typer(doctor.app, name="doctor")
    app.command("models")(models.models)
    app.command("count")(count.count)
    app.command("usage")(usage.usage_cmd)
    app.command("emulator")(emulator.emulator)
    app.command("completion")(completion.completion)
    return app


app = make_app()


@functools.cache
def command() -> Any:
    """The click command Typer builds from :data:`app`, built once per process.

    ``app()`` rebuilds the whole command tree on every call and installs Typer's exception hook;
    fclaude calls the built command itself: the same parsing and exit codes (exceptions reach
    ``main()``, which decides what the user sees), and a second call in one process (the in-process
    test runner, a future shell) does not pay for the tree again.
    """
    return typer.main.get_command(app)
