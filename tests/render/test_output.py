"""The output layer (render/output.py): colour policy, tables that fit, sanitizing, JSON, messages;
and the rule that no command writes an escape code itself."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foundry_cli.render.console import colour_enabled, terminal_width
from foundry_cli.render.output import Column, Output, Styled, cell_width, fit_widths, truncate, wrap

ESC = "\x1b"
CLI = Path(__file__).resolve().parents[2] / "foundry_cli" / "cli"


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def make(
    *, tty: bool = False, env: dict[str, str] | None = None, width: int | None = None
) -> tuple[Output, io.StringIO, io.StringIO]:
    out, err = (FakeTTY(), FakeTTY()) if tty else (io.StringIO(), io.StringIO())
    return Output(stdout=out, stderr=err, env=env or {}, width=width), out, err


# --- the colour policy -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tty", "env", "colour", "decorated", "safe"),
    [
        (True, {"TERM": "xterm"}, True, True, True),
        (True, {"TERM": "xterm", "NO_COLOR": "1"}, False, True, True),
        (True, {"TERM": "dumb"}, False, False, True),  # a dumb terminal: no codes, still sanitized
        (False, {"TERM": "xterm"}, False, False, False),  # a pipe: no codes, data as it is
        (False, {"FORCE_COLOR": "1"}, True, True, True),  # `| less -R`: colour, and sanitized
        (False, {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, True, True),
        (False, {"FORCE_COLOR": ""}, False, False, False),  # set but empty: not forced
    ],
)
def test_colour_policy(tty: bool, env: dict[str, str], colour: bool, decorated: bool, safe: bool) -> None:
    o, _, _ = make(tty=tty, env=env)
    assert (o.colour, o.decorated, o.safe) == (colour, decorated, safe)
    assert o.err_colour == colour, "stderr follows the same rules (both fakes are alike)"
    assert colour_enabled(FakeTTY() if tty else io.StringIO(), env=env) == colour


def test_width_comes_from_columns_then_the_terminal_else_unlimited() -> None:
    assert terminal_width(io.StringIO(), env={"COLUMNS": "72"}) == 72
    assert terminal_width(io.StringIO(), env={}) is None, "a pipe: no limit"
    assert terminal_width(io.StringIO(), env={"COLUMNS": "0"}) is None
    assert terminal_width(io.StringIO(), env={"COLUMNS": "wide"}) is None
    assert terminal_width(FakeTTY(), env={}) is None, "a terminal without a descriptor: no guess"


# --- tables -----------------------------------------------------------------------------------------

COLUMNS = [
    Column("NAME", min_width=12),
    Column("KIND", drop=2),
    Column("SIZE", align="right", drop=3),
    Column("NOTES", min_width=8, drop=1),
]
ROWS = [
    ["alpha-deployment", "chat", 1200, "a long note that goes on and on about nothing in particular"],
    ["beta", None, 7, "short"],
]


@pytest.mark.parametrize("width", [20, 40, 60, 80, 120])
def test_table_fits_the_width_with_headers(width: int) -> None:
    o, out, err = make(tty=True, env={"TERM": "xterm", "NO_COLOR": "1"}, width=width)
    o.table(COLUMNS, ROWS)
    lines = out.getvalue().splitlines()
    assert all(cell_width(line) <= width for line in lines), lines
    assert lines[0].split()[0] == "NAME" and set(lines[1]) <= {"─", " "}, "header, then the rule"
    assert lines[2].startswith("alpha-deployment") or "…" in lines[2]
    assert len(lines) == 4
    if width < 100:
        cut, hidden = "…" in out.getvalue(), "hidden to fit" in err.getvalue()
        assert cut or hidden, "something had to be cut (with an ellipsis) or hidden (with a note)"


def test_table_cuts_the_widest_column_first_then_hides_optional_ones() -> None:
    o, out, err = make(width=60)
    o.table(COLUMNS, ROWS)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["NAME", "KIND", "SIZE", "NOTES"]
    assert lines[1].startswith("alpha-deployment  chat  1200  a long note")
    assert lines[1].endswith("…") and len(lines[1]) == 60
    assert lines[2].split() == ["beta", "-", "7", "short"]
    assert err.getvalue() == "", "nothing hidden at 60 columns"

    o, out, err = make(width=30)
    o.table(COLUMNS, ROWS)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["NAME", "KIND", "NOTES"], "SIZE (drop=3) goes first"
    assert all(len(line) <= 30 for line in lines)
    assert (
        err.getvalue()
        == "fclaude: note: 1 column hidden to fit 30 columns (SIZE); widen the terminal, or use --json\n"
    )


def test_piped_table_has_no_codes_and_no_limit() -> None:
    o, out, _ = make(env={"TERM": "xterm"})
    o.table(COLUMNS, [[*ROWS[0][:3], Styled("late", "red")]])
    text = out.getvalue()
    assert ESC not in text and "─" not in text
    assert text.splitlines() == [
        "NAME              KIND  SIZE  NOTES",
        "alpha-deployment  chat  1200  late",
    ]


def test_colour_cells_and_headers_on_a_terminal() -> None:
    o, out, _ = make(tty=True, env={"TERM": "xterm"})
    o.table(["A", "B"], [["x", Styled("soon", "yellow")]])
    lines = out.getvalue().splitlines()
    assert lines[0] == "\x1b[1mA\x1b[0m  \x1b[1mB\x1b[0m"
    assert lines[2] == "x  \x1b[33msoon\x1b[0m"


def test_cells_are_one_line_and_terminal_safe_even_when_piped() -> None:
    o, out, _ = make()
    o.table(["TITLE", "N"], [["evil\x1b]52;c;aGk=\x07 title\r\nnext\x9b2J line", 1]])
    row = out.getvalue().splitlines()[1]
    assert row == "evil title next line  1"


def test_wide_characters_are_measured_in_cells() -> None:
    assert cell_width("日本") == 4 and cell_width("e\u0301") == 1
    assert truncate("日本語のテキスト", 7) == "日本語…"
    assert cell_width(truncate("日本語のテキスト", 7)) <= 7
    assert truncate("short", 5) == "short" and truncate("longer", 4) == "lon…" and truncate("x", 0) == ""
    o, out, _ = make(width=12)
    o.table(["T", "N"], [["日本語のテキスト", 1]])
    assert all(cell_width(line) <= 12 for line in out.getvalue().splitlines())


@settings(max_examples=200, deadline=None)
@given(
    width=st.integers(min_value=1, max_value=160),
    rows=st.lists(st.lists(st.text(max_size=40), min_size=4, max_size=4), max_size=5),
)
def test_no_line_is_ever_wider_than_the_width(width: int, rows: list[list[str]]) -> None:
    o, out, _ = make(width=width)
    o.table(COLUMNS, rows)
    assert all(cell_width(line) <= width for line in out.getvalue().splitlines())


def test_fit_widths_without_a_limit_keeps_every_column_whole() -> None:
    assert fit_widths(COLUMNS, [16, 4, 4, 60], None) == [16, 4, 4, 60]


# --- lines, JSON, messages ----------------------------------------------------------------------------


def test_lines_are_sanitized_on_a_terminal_and_byte_exact_when_piped_or_raw() -> None:
    hostile = "answer \x1b]0;owned\x07 \x1b[2J\rdone\n"
    o, out, _ = make(tty=True, env={"TERM": "xterm"})
    o.text(hostile)
    o.text(hostile, raw=True)
    assert out.getvalue() == "answer  done\n" + hostile
    o, out, _ = make()
    o.text(hostile)
    assert out.getvalue() == hostile, "piped: data as it is"


def test_json_is_utf8_and_terminal_safe_on_a_terminal() -> None:
    doc = {"title": "café \x1b[31m \x9b2J"}
    o, out, _ = make()
    o.json(doc)
    assert out.getvalue() == '{"title": "café \\u001b[31m \x9b2J"}\n'
    o, out, _ = make(tty=True, env={"TERM": "xterm"})
    o.json(doc)
    text = out.getvalue()
    assert json.loads(text) == doc and "\x9b" not in text and ESC not in text


def test_messages_go_to_stderr_with_a_label_and_colour_only_on_a_terminal() -> None:
    o, out, err = make()
    o.note("one")
    o.warning("two \x1b]52;c;x\x07")
    o.error("three")
    o.hint("four")
    o.say("five")
    assert out.getvalue() == ""
    assert err.getvalue() == (
        "fclaude: note: one\nfclaude: warning: two\nfclaude: error: three\nfclaude: hint: four\nfclaude: five\n"
    )
    o, _, err = make(tty=True, env={"TERM": "xterm"})
    o.warning("careful")
    assert err.getvalue() == "fclaude: \x1b[33mwarning:\x1b[0m careful\n"


def test_wrap_breaks_between_words_with_a_hanging_indent() -> None:
    text = "grant Cognitive Services User on https://example.com/a/very/long/path/that/stays/whole now"
    lines = wrap(text, 30, first="fix: ", indent="     ")
    assert lines[0].startswith("fix: grant") and all(line.startswith("     ") for line in lines[1:])
    assert "https://example.com/a/very/long/path/that/stays/whole" in [
        w for line in lines for w in line.split()
    ]
    assert " ".join(" ".join(lines).split()) == "fix: " + text
    assert wrap("short", None, first="> ") == ["> short"]


def test_a_stream_that_cannot_encode_gets_replacements_not_a_crash() -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    o = Output(stdout=stream, stderr=io.StringIO(), env={}, width=8)
    o.table(["NAME"], [["abcdefghijk"]])
    stream.flush()
    assert raw.getvalue() == b"NAME\nabcdefg?\n"


# --- no command writes escape codes itself ----------------------------------------------------------

_ESCAPES = re.compile(
    r"\\x1b|\\033|\\u001b|\\U0000001b|\\N\{ESCAPE\}|\\N\{ESC\}|chr\(27\)|\\e\[", re.IGNORECASE
)


def test_no_cli_module_writes_escape_codes() -> None:
    offenders = [
        f"{path.relative_to(CLI.parent.parent)}:{n}: {line.strip()}"
        for path in sorted(CLI.rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _ESCAPES.search(line) or ESC in line
    ]
    assert offenders == [], "escape codes belong to render/ (Output.style, Styled cells):\n" + "\n".join(
        offenders
    )


def test_the_grep_catches_what_it_should() -> None:
    for sample in ('"\\x1b[31m"', "'\\033[0m'", 'f"\\u001b]52"', "chr(27)", '"\\N{ESCAPE}"'):
        assert _ESCAPES.search(sample), sample
