"""Output-mode policy, console construction, and the lazy-import promise."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap

import pytest

from foundry_cli.render.console import decide_mode, live_capable, make_console

from ._helpers import subprocess_env


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


class ClosedStream(io.StringIO):
    def isatty(self) -> bool:
        raise ValueError("I/O operation on closed file")


@pytest.mark.parametrize(
    ("tty", "env", "force_plain", "expected"),
    [
        (True, {"TERM": "xterm-256color"}, False, "markdown"),
        (True, {}, False, "markdown"),
        (True, {"TERM": "dumb"}, False, "plain"),
        (True, {"TERM": "xterm"}, True, "plain"),
        (False, {"TERM": "xterm"}, False, "plain"),
        (False, {"FORCE_COLOR": "1"}, False, "markdown"),
        (False, {"FORCE_COLOR": ""}, False, "plain"),  # set but empty: not forced
        (False, {"FORCE_COLOR": "1"}, True, "plain"),
        (True, {"NO_COLOR": "1"}, False, "markdown"),  # layout stays, colour goes
    ],
)
def test_decide_mode(tty: bool, env: dict[str, str], force_plain: bool, expected: str) -> None:
    stream = FakeTTY() if tty else io.StringIO()
    assert decide_mode(stream, env=env, force_plain=force_plain) == expected


def test_decide_mode_survives_a_closed_stream() -> None:
    assert decide_mode(ClosedStream(), env={}) == "plain"
    assert not live_capable(ClosedStream(), env={})


def test_plain_console_writes_no_escape_codes() -> None:
    buf = io.StringIO()
    console = make_console(buf, env={"FORCE_COLOR": "1"}, force_plain=True)
    console.print("[bold red]x[/]", style="blue")
    assert buf.getvalue() == "x\n"
    assert not console.is_terminal


def test_markdown_console_on_a_terminal() -> None:
    console = make_console(FakeTTY(), env={"TERM": "xterm-256color", "COLUMNS": "72"})
    assert console.is_terminal and console.is_interactive
    assert console.width == 72
    assert console.color_system is not None and not console.no_color
    assert not console._highlight  # model text is printed as it is


def test_force_color_on_a_pipe_colours_but_never_moves_the_cursor() -> None:
    console = make_console(io.StringIO(), env={"FORCE_COLOR": "1"})
    assert console.is_terminal and not console.is_interactive


def test_no_color_keeps_markdown_but_drops_colour() -> None:
    console = make_console(FakeTTY(), env={"NO_COLOR": "1", "TERM": "xterm"})
    assert console.is_terminal and console.no_color


def test_explicit_width() -> None:
    assert make_console(io.StringIO(), env={}, width=33).width == 33


def test_importing_render_does_not_import_rich() -> None:
    code = textwrap.dedent(
        """
        import io, sys
        import foundry_cli.render.stream, foundry_cli.render.console
        assert "rich" not in sys.modules, "import"
        from foundry_cli.render.stream import make_renderer
        r = make_renderer("plain", io.StringIO(), io.StringIO(), env={})
        r.text("hello"); r.thinking("x"); r.close()
        assert "rich" not in sys.modules, "plain mode"
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, env=subprocess_env()
    )
    assert result.returncode == 0, result.stderr


def test_markdown_modules_load_at_first_render_only() -> None:
    code = textwrap.dedent(
        """
        import io, sys
        from foundry_cli.render.stream import make_renderer
        r = make_renderer("markdown", io.StringIO(), io.StringIO(), env={"FORCE_COLOR": "1"})
        assert "rich.markdown" not in sys.modules and "rich.live" not in sys.modules
        r.text("# hi")
        r.close()
        assert "rich.markdown" in sys.modules and "rich.live" not in sys.modules
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, env=subprocess_env()
    )
    assert result.returncode == 0, result.stderr
