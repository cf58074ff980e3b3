"""One output layer for the commands: tables, lines, notes, warnings, errors, JSON, and the colour policy.

A command builds one :class:`Output` (``out = Output()``) and prints only through it; it never writes an
escape code itself (``tests/render/test_output.py`` greps ``foundry_cli/cli`` for them). What goes where:

- **stdout**: tables, lines and JSON (the data of the command);
- **stderr**: notes, warnings, hints and errors, prefixed ``fclaude:``.

The policy is decided once, per stream, by ``render/console.py``: colour when the stream is a terminal
whose ``TERM`` is not ``dumb`` or ``FORCE_COLOR`` is set, and ``NO_COLOR`` is not. Terminal text is
untrusted where it may carry server or file data (a control-plane deployment name, a history title, a
doctor detail): every table cell, note, warning and :meth:`Output.compose` part passes through
:func:`foundry_cli.sanitize.terminal_safe`; :meth:`Output.line` and :meth:`Output.text` do so when stdout
may be a terminal, and ``raw=True`` keeps data (``history export``) byte-exact. JSON escapes C1 controls
there too (C0 ones are escaped by ``json`` itself).

Tables have a header row and fit the width :func:`~foundry_cli.render.console.terminal_width` gives
(``COLUMNS``, else the terminal's, else unlimited for a pipe): the widest shrinkable cells are cut with
an ellipsis first, then the columns a command marked as optional are hidden (a note names those that
had content), and no cell ever wraps. Piped, the same columns come out without escape codes or the rule
under the header.

Importing this module imports neither ``rich`` nor ``typer``.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, NamedTuple, TextIO

from foundry_cli.render.console import colour_enabled, is_tty, process_env, sgr_terminal, terminal_width
from foundry_cli.sanitize import terminal_safe

__all__ = [
    "Cell",
    "Column",
    "Output",
    "StatusLine",
    "Style",
    "Styled",
    "cell_width",
    "fit_widths",
    "truncate",
    "wrap",
]

Style = Literal["bold", "dim", "red", "green", "yellow", "cyan"]
_SGR: dict[str, str] = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36"}
ELLIPSIS = "…"
GAP = 2  # spaces between columns
#: C1 controls, which ``json.dumps(ensure_ascii=False)`` leaves as they are
_C1 = re.compile(r"[\x7f-\x9f]")


class Styled(NamedTuple):
    """A table cell with a style (used only where colour is on)."""

    text: str
    style: Style


Cell = str | Styled | int | float | None


@dataclass(frozen=True)
class Column:
    """One table column.

    ``min_width``: the narrowest the column may be cut to (None: its header's width); ``drop``: 0 for a
    column that is never hidden, otherwise its order of hiding when even the minimum widths do not fit
    (the highest number goes first).
    """

    header: str
    align: Literal["left", "right"] = "left"
    min_width: int | None = None
    drop: int = 0


# --- text measurement (terminal cells, not code points) ------------------------------------------


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def cell_width(text: str) -> int:
    """How many terminal cells ``text`` takes (wide East Asian characters count two, marks zero)."""
    if text.isascii():
        return len(text)
    return sum(_char_width(ch) for ch in text)


def truncate(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` cells, ending in an ellipsis when something was cut."""
    if cell_width(text) <= width:
        return text
    if width <= 0:
        return ""
    room, used, kept = width - 1, 0, []
    for ch in text:
        w = _char_width(ch)
        if used + w > room:
            break
        kept.append(ch)
        used += w
    return "".join(kept) + ELLIPSIS


def wrap(text: str, width: int | None, *, indent: str = "", first: str = "") -> list[str]:
    """``text`` wrapped at word boundaries to ``width`` (None: no limit): the first line starts with
    ``first``, the rest with ``indent`` (a hanging indent). A word longer than a line is never split
    inside (a URL or a command stays whole, and so copyable)."""
    if width is None or cell_width(first + text) <= width:
        return [first + text]
    import textwrap  # only when something needs wrapping

    return textwrap.wrap(
        text,
        width=max(width, len(indent) + 10),
        initial_indent=first,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [first]


def _cell_text(value: Cell) -> str:
    text = value.text if isinstance(value, Styled) else "-" if value is None else str(value)
    # a table row is one line: control characters go, every run of whitespace is one space
    return " ".join(terminal_safe(text).split())


def fit_widths(columns: Sequence[Column], natural: Sequence[int], width: int | None) -> list[int | None]:
    """The width of each column (None: hidden) so that the row, with gaps, fits ``width``.

    The widest cut-able column loses a cell at a time until the row fits; when every column is at its
    minimum and it still does not fit, the column with the highest ``drop`` is hidden and the fit is
    tried again. With no optional column left, headers are cut too; a single column is cut to
    ``width`` outright, so no line is ever longer than ``width``.
    """
    if width is None:
        return list(natural)
    shown = list(range(len(columns)))
    floors = [
        min(n, cell_width(c.header) if c.min_width is None else max(c.min_width, 1))
        for c, n in zip(columns, natural, strict=True)
    ]
    while True:
        avail = width - GAP * (len(shown) - 1)
        if sum(floors[i] for i in shown) <= avail or len(shown) == 1:
            break
        droppable = [i for i in shown if columns[i].drop > 0]
        if not droppable:
            floors = [min(f, 2) for f in floors]  # headers get cut too: "N…"
            if sum(floors[i] for i in shown) <= avail:
                break
            floors = [1] * len(floors)
            if sum(floors[i] for i in shown) <= avail:
                break
            shown.pop()  # a width too narrow for one cell per column: the last columns go
            continue
        shown.remove(max(droppable, key=lambda i: (columns[i].drop, i)))
    widths = {i: natural[i] for i in shown}
    excess = sum(widths.values()) - (width - GAP * (len(shown) - 1))
    while excess > 0:
        cuttable = [i for i in shown if widths[i] > floors[i]]
        if not cuttable:  # one column wider than the screen
            widths[shown[0]] = max(width, 1)
            break
        widest = max(cuttable, key=lambda i: (widths[i], i))
        widths[widest] -= 1
        excess -= 1
    return [widths.get(i) for i in range(len(columns))]


# --- the sink ------------------------------------------------------------------------------------


class Output:
    """Everything a command prints goes through one of these.

    ``stdout``/``stderr``/``env`` default to the process's; ``terminal`` forces stdout to be treated
    as a terminal or not (tests); ``width`` overrides the detected width of stdout.
    """

    def __init__(
        self,
        *,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        env: Mapping[str, str] | None = None,
        terminal: bool | None = None,
        width: int | None = None,
    ) -> None:
        self.stdout = stdout if stdout is not None else sys.stdout
        self.stderr = stderr if stderr is not None else sys.stderr
        self.env = env if env is not None else process_env()
        tty = is_tty(self.stdout) if terminal is None else terminal
        dumb = self.env.get("TERM", "") == "dumb"
        forced = self.env.get("FORCE_COLOR", "") != ""  # the NO_COLOR / FORCE_COLOR convention
        #: stdout reaches a person: symbols and the header rule are drawn (a TTY not ``dumb``, or FORCE_COLOR)
        self.decorated = (tty and not dumb) or forced
        #: stdout may reach a terminal: server text is made terminal-safe
        self.safe = tty or forced
        #: SGR colour on stdout / stderr
        self.colour = colour_enabled(self.stdout, env=self.env, tty=tty)
        self.err_colour = colour_enabled(self.stderr, env=self.env)
        self.width = width if width is not None else terminal_width(self.stdout, env=self.env)
        #: stdout is a terminal where a status line may be redrawn in place (:class:`StatusLine`)
        self.live = tty and not dumb and sgr_terminal(self.env)

    # -- styling --

    def style(self, text: str, style: Style | None) -> str:
        """``text`` in ``style`` for stdout (unchanged when colour is off)."""
        return _sgr(text, style) if self.colour and style else text

    def _err_style(self, text: str, style: Style) -> str:
        return _sgr(text, style) if self.err_colour else text

    # -- stdout --

    def line(self, text: str = "", *, style: Style | None = None) -> None:
        """One line on stdout (terminal-safe when stdout may be a terminal)."""
        self.text(text + "\n", style=style)

    def text(self, text: str, *, style: Style | None = None, raw: bool = False) -> None:
        """``text`` on stdout as it is; terminal-safe when stdout may be a terminal, unless ``raw``
        (data a program reads, such as an export: byte-exact)."""
        if self.safe and not raw:
            text = terminal_safe(text)
        if style is not None and self.colour:
            text = "\n".join(_sgr(part, style) if part else part for part in text.split("\n"))
        _write(self.stdout, text)

    def compose(self, *parts: str | Styled) -> str:
        """One string for stdout from ``parts``: each made terminal-safe (always: composed text is for
        people), :class:`Styled` ones coloured when colour is on. Write it with ``text(..., raw=True)``
        so the colour survives."""
        return "".join(
            self.style(terminal_safe(p.text), p.style) if isinstance(p, Styled) else terminal_safe(p)
            for p in parts
        )

    def lines(self, lines: Sequence[str]) -> None:
        for item in lines:
            self.line(item)

    def json(self, doc: Any, *, indent: int | None = None) -> None:
        """``doc`` as one JSON document on stdout (UTF-8 text, not ``\\u`` escapes)."""
        text = json.dumps(doc, ensure_ascii=False, indent=indent)
        if self.safe:  # C0 controls are escaped by json already; C1 ones are not
            text = _C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
        _write(self.stdout, text + "\n")

    def table(self, columns: Sequence[Column | str], rows: Sequence[Sequence[Cell]]) -> None:
        """A table with a header row on stdout, fitted to the width (see :func:`fit_widths`)."""
        lines, hidden = self.render_table(columns, rows)
        _write(self.stdout, "".join(f"{line}\n" for line in lines))
        if hidden:
            self.note(
                f"{len(hidden)} column{'s' if len(hidden) > 1 else ''} hidden to fit {self.width} columns "
                f"({', '.join(hidden)}); widen the terminal, or use --json"
            )

    def render_table(
        self, columns: Sequence[Column | str], rows: Sequence[Sequence[Cell]]
    ) -> tuple[list[str], list[str]]:
        """The table's lines, and the headers of the columns with content that were hidden to fit."""
        cols = [c if isinstance(c, Column) else Column(c) for c in columns]
        cells = [[_cell_text(v) for v in row] for row in rows]
        # an optional column with nothing in it ("-" everywhere) is the first to go, without a note
        empty = {i for i, c in enumerate(cols) if c.drop and all(r[i] in ("-", "") for r in cells)}
        cols = [replace(c, drop=c.drop + 1000) if i in empty else c for i, c in enumerate(cols)]
        natural = [
            max([cell_width(c.header), *(cell_width(r[i]) for r in cells)]) for i, c in enumerate(cols)
        ]
        widths = fit_widths(cols, natural, self.width)
        shown = [i for i, w in enumerate(widths) if w is not None]
        hidden = [cols[i].header for i, w in enumerate(widths) if w is None and i not in empty]

        def fmt(texts: Sequence[str], styles: Sequence[Style | None]) -> str:
            parts = []
            for i in shown:
                w = widths[i]
                assert w is not None  # noqa: S101 - shown columns have a width
                cut = truncate(texts[i], w)
                pad = " " * (w - cell_width(cut))
                styled = self.style(cut, styles[i])
                parts.append(pad + styled if cols[i].align == "right" else styled + pad)
            return (" " * GAP).join(parts).rstrip()

        header = fmt([c.header for c in cols], ["bold"] * len(cols))
        lines = [header]
        if self.decorated:
            rule = (" " * GAP).join("─" * (widths[i] or 0) for i in shown)
            lines.append(self.style(rule, "dim"))
        for raw_row, row in zip(rows, cells, strict=True):
            styles = [v.style if isinstance(v, Styled) else None for v in raw_row]
            lines.append(fmt(row, styles))
        return lines, hidden

    def flush(self) -> None:
        self.stdout.flush()
        self.stderr.flush()

    # -- stderr --

    def note(self, message: str) -> None:
        """Something worth knowing (``fclaude: note: ...``)."""
        self._message("note", None, message)

    def warning(self, message: str) -> None:
        """Something that may be wrong (``fclaude: warning: ...``, yellow)."""
        self._message("warning", "yellow", message)

    def error(self, message: str) -> None:
        """Something that failed (``fclaude: error: ...``, red)."""
        self._message("error", "red", message)

    def hint(self, message: str) -> None:
        """What to try next (``fclaude: hint: ...``, dimmed)."""
        self._message("hint", "dim", message)

    def say(self, message: str) -> None:
        """A plain status message on stderr (``fclaude: ...``): done, deleted, saved."""
        self._message("", None, message)

    def _message(self, label: str, style: Style | None, message: str) -> None:
        prefix = f"{label}:" if label else ""
        if prefix and style is not None:
            prefix = self._err_style(prefix, style)
        head = f"fclaude: {prefix} " if prefix else "fclaude: "
        _write(self.stderr, head + terminal_safe(message).rstrip() + "\n")

    def block(self, headline: str, lines: Sequence[tuple[str, str]]) -> None:
        """A failure on stderr as a short block: ``fclaude: HEADLINE``, then one ``label: text`` line
        each (``cause``, ``fix``, ``try``, ``row``), labels aligned. On a terminal the lines wrap at
        word boundaries with a hanging indent, the label is coloured and a ``try`` command stands out;
        piped or with ``NO_COLOR`` the same lines come out plain and unwrapped."""
        tty = is_tty(self.stderr)
        width = terminal_width(self.stderr, env=self.env) if tty else None
        out = wrap(" ".join(terminal_safe(headline).split()), width, first="fclaude: ", indent="  ")
        if self.err_colour:
            out[0] = self._err_style("fclaude:", "red") + out[0][len("fclaude:") :]
        pad = max((len(label) for label, _ in lines), default=0) + 2
        styles: dict[str, Style] = {
            "cause": "yellow",
            "fix": "green",
            "try": "cyan",
            "row": "dim",
            "id": "dim",
        }
        for label, text in lines:
            first = "  " + f"{label}:".ljust(pad)
            body = wrap(" ".join(terminal_safe(text).split()), width, first=first, indent=" " * len(first))
            if self.err_colour:
                if label == "try":  # the command stands out (styled before the label changes lengths)
                    body = [line[: len(first)] + self._err_style(line[len(first) :], "bold") for line in body]
                label_style = styles.get(label, "dim")
                body[0] = body[0].replace(f"{label}:", self._err_style(f"{label}:", label_style), 1)
            out += body
        _write(self.stderr, "\n".join(out) + "\n")


class StatusLine:
    """A spinner and a short text on the last line of a terminal's stdout, redrawn by a thread, while
    :meth:`write` puts finished lines above it (for work whose results arrive over time: doctor's checks).

    Only where ``out.live`` (a real terminal, not ``dumb``) and ``enabled``: elsewhere every method
    but :meth:`write` does nothing, so piped output is the finished lines alone, each as soon as it is
    written. Use it as a context manager, so the line is cleared and the thread stopped whatever
    happens (Ctrl-C included).
    """

    FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
    CLEAR = "\r\x1b[2K"  # to column 0, erase the line

    def __init__(self, out: Output, text: str = "", *, interval: float = 0.1, enabled: bool = True) -> None:
        self.out = out
        self.enabled = enabled and out.live
        self.text = text
        self.interval = interval
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._frame = 0
        self._shown = False
        self._thread: threading.Thread | None = None

    def __enter__(self) -> StatusLine:
        if self.enabled:
            self._draw()
            from foundry_cli.threads import start_helper

            self._thread = start_helper(self._spin, name="fclaude-status")
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            self._clear()
            self.out.stdout.flush()

    def update(self, text: str) -> None:
        """Show ``text`` next to the spinner from now on."""
        with self._lock:
            self.text = text
            if self._shown:
                self._draw_locked()

    def write(self, text: str) -> None:
        """``text`` (finished, already safe lines) above the status line."""
        with self._lock:
            self._clear()
            _write(self.out.stdout, text)
            if self._thread is not None and not self._stop.is_set():
                self._draw_locked()
            self.out.stdout.flush()

    def _spin(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                self._frame = (self._frame + 1) % len(self.FRAMES)
                self._draw_locked()

    def _draw(self) -> None:
        with self._lock:
            self._draw_locked()

    def _draw_locked(self) -> None:
        room = (self.out.width or 80) - 3
        line = f"{self.FRAMES[self._frame]} {truncate(terminal_safe(self.text), room)}"
        _write(self.out.stdout, self.CLEAR + self.out.style(line, "dim"))
        self.out.stdout.flush()
        self._shown = True

    def _clear(self) -> None:
        if self._shown:
            _write(self.out.stdout, self.CLEAR)
            self._shown = False


def _sgr(text: str, style: Style | None) -> str:
    return f"\x1b[{_SGR[style]}m{text}\x1b[0m" if style else text


def _write(stream: TextIO, text: str) -> None:
    try:
        stream.write(text)
    except UnicodeEncodeError:  # a stream whose encoding lacks "…" or "─" (a legacy Windows pipe)
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(text.encode(encoding, "replace").decode(encoding))
