"""The ``fclaude`` entry point: the ``main()`` wrapper.

``main()`` turns every ``FclaudeError`` that reaches it into one paragraph on stderr and its
``ExitCode`` (commands that end without an exception, like ``ask`` after an interrupted or cut
answer, exit with an ``ExitCode`` through ``typer.Exit``); a traceback appears only with ``--debug``
(or ``FCLAUDE_DEBUG=1``), and only from here. This module imports no third-party package, so
``fclaude --version`` costs little more than the interpreter; Typer loads for everything else.
"""

from __future__ import annotations

import os
import sys

from foundry_cli import __version__
from foundry_cli.cli.exit_codes import ExitCode
from foundry_cli.errors import FclaudeError


def _debug_requested(args: list[str]) -> bool:
    return "--debug" in args or os.environ.get("FCLAUDE_DEBUG", "") not in ("", "0")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    if args in (["--version"], ["-V"]):  # fast path: no Typer import cost beyond this module
        sys.stdout.write(f"fclaude {__version__}\n")
        raise SystemExit(0)
    if os.environ.get("_FCLAUDE_COMPLETE", "").startswith("complete_"):
        # a shell asking for completions: profile, deployment, scenario, check and history values
        # are answered here without importing Typer and the commands (the 150 ms budget)
        from foundry_cli.cli._complete import main_hook

        main_hook()
    debug = _debug_requested(args)
    from foundry_cli.cli.root import command

    try:
        command()(args=args, prog_name="fclaude")
    except FclaudeError as exc:
        if debug:
            import traceback

            traceback.print_exc()
        from foundry_cli.cli._errors import report

        raise SystemExit(int(report(exc, sys.stderr))) from None
    except KeyboardInterrupt:
        sys.stderr.write("fclaude: interrupted\n")
        raise SystemExit(int(ExitCode.INTERRUPTED)) from None
    except BrokenPipeError:
        # the reader went away (`fclaude ask ... | head`): not an error worth a paragraph
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(int(ExitCode.CLOSED_PIPE)) from None
    except Exception as exc:
        if debug:
            raise
        sys.stderr.write(
            f"fclaude: unexpected error ({type(exc).__name__}: {exc}). This is a bug in fclaude; "
            "run again with --debug for a traceback and report it.\n"
        )
        raise SystemExit(int(ExitCode.FAILED)) from None
