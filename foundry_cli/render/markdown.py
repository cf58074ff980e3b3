"""Incremental markdown on a terminal, at linear total cost.

Re-rendering the whole answer with rich's ``Markdown`` on every delta is quadratic (one
parse+render of an 80 kB answer costs ~263 ms), so :class:`MarkdownRenderer` splits the text into
blocks with :class:`~foundry_cli.render.blocks.BlockSplitter`: a block that is provably finished is
rendered once and printed for good; only the open tail block is shown live, redrawn at most ~12
times per second. An open block beyond :data:`SPILL_LIMIT` characters is printed as plain text as
it streams, so even a single huge block costs the same per delta at any length.

Server text is not filtered here: :func:`foundry_cli.render.stream.make_renderer` puts a
:class:`~foundry_cli.sanitize.StreamSanitizer` in front of this renderer.

Importing this module does not import ``rich``; rich is loaded when a renderer is built.
"""

from __future__ import annotations

import functools
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, ClassVar

from foundry_cli.render.blocks import BlockSplitter

if TYPE_CHECKING:
    from types import FrameType

    from markdown_it.token import Token
    from rich.console import Console, ConsoleOptions, RenderResult
    from rich.markdown import Markdown
    from rich.segment import Segment

__all__ = ["SPILL_LIMIT", "MarkdownRenderer", "RenderStats", "markdown_document"]

#: An open block larger than this (characters) is printed as plain text instead of being rendered
#: again and again: rich renders 80 kB of markdown in ~263 ms, so this bounds one render to
#: about a third of a second, and a single 30 MB paragraph streams at plain-text cost.
SPILL_LIMIT = 100_000


def _separator_depends_on_previous(tokens: list[Token]) -> bool:
    """Whether rich's first blank-line decision in these tokens reads the state left by earlier text.

    Rich's ``Markdown`` keeps one flag, set from the ``new_line`` attribute of each element that
    closes, and writes a blank line before an element it renders when the flag is set. Rendered
    alone, a block starts with the flag clear; inside the whole text it starts with the previous
    block's value. The two differ only if the block's first render happens before any element in
    it has closed: a top-level element with no children (a paragraph, heading, code block, rule,
    empty quote) or an image (rendered where it stands). A list, quote or table with children is
    preceded by the value its first child leaves, in both cases.
    """
    for token in tokens:
        if token.type == "inline":
            if not token.children:
                return False  # rich handles a childless inline (empty heading) as a closing element
            if any(child.type == "image" for child in token.children):
                return True
            continue
        if token.nesting == 1:
            continue
        return token.level == 0
    return False


def markdown_document(text: str) -> Markdown:
    """Rich ``Markdown`` for answer text, as the renderer prints it.

    ``hyperlinks=False``: rich then writes a link as its text followed by the real URL in
    parentheses, instead of an OSC 8 hyperlink whose text (chosen by the model) may name another
    place than its target. Code blocks are code: no added left padding and no wrapping (a committed
    block is printed uncropped, so a long line runs past the edge and copies back whole).
    """
    return _answer_markdown()(text, hyperlinks=False)


@functools.cache
def _answer_markdown() -> type[Markdown]:
    from rich.cells import cell_len
    from rich.markdown import CodeBlock, Markdown, MarkdownElement
    from rich.syntax import Syntax

    class CopyableCodeBlock(CodeBlock):
        def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
            code = str(self.text).rstrip()
            width = max((cell_len(line) for line in code.splitlines()), default=0)
            yield Syntax(
                code, self.lexer_name, theme=self.theme, word_wrap=False, padding=0, code_width=max(width, 1)
            )

    class AnswerMarkdown(Markdown):
        elements: ClassVar[dict[str, type[MarkdownElement]]] = {
            **Markdown.elements,
            "fence": CopyableCodeBlock,
            "code_block": CopyableCodeBlock,
        }

    return AnswerMarkdown


@dataclass
class RenderStats:
    """Work counters, for tests and the benchmark (no timing involved)."""

    parsed_chars: int = 0  # characters handed to the markdown parser, committed and live together
    committed_blocks: int = 0
    live_renders: int = 0


class _Lines:
    """Pre-rendered lines as a renderable, each followed by a newline."""

    def __init__(self, lines: list[list[Segment]], newline: Segment) -> None:
        self._lines = lines
        self._newline = newline

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for line in self._lines:
            yield from line
            yield self._newline


class MarkdownRenderer:
    """Incremental markdown at linear total cost.

    Finished blocks (see :class:`BlockSplitter`) are rendered once with rich ``Markdown`` and
    printed to ``console_out`` for good, separated exactly as rich separates them when it renders
    the whole text. On an interactive console the open tail block is drawn below them in a region
    that is erased and redrawn when the tail changes, at most ``max_fps`` times a second, and
    further apart when a redraw is expensive (at most about a fifth of the wall time goes to
    redraws, whatever the tail's size); the region shows the tail's last screenful. Redraws happen
    inside :meth:`text` calls (no thread), so a pause in the stream pauses the redraws too.

    Thinking deltas are printed dim to ``console_err``, a line at a time.

    Links are printed as ``text (url)`` (:func:`markdown_document`): never a terminal hyperlink
    whose visible text could differ from where it leads.

    Screen updates run with Ctrl-C held back until the bookkeeping matches the screen (see
    :class:`_InterruptsHeld`); the ``KeyboardInterrupt`` surfaces right after, from :meth:`text`
    or :meth:`close`, and :meth:`close` then leaves exactly the whole rendering behind.
    ``spill_limit``: see :data:`SPILL_LIMIT`.

    ``clock`` (monotonic seconds) and ``markdown`` (text -> rich ``Markdown``) are injectable for
    deterministic tests.
    """

    def __init__(
        self,
        console_out: Console,
        console_err: Console,
        *,
        clock: Callable[[], float] = time.monotonic,
        markdown: Callable[[str], Markdown] | None = None,
        max_fps: float = 12.0,
        redraw_budget: float = 0.2,
        spill_limit: int = SPILL_LIMIT,
        idle_flush: bool = False,
    ) -> None:
        from rich.control import Control
        from rich.segment import ControlType, Segment

        self._out = console_out
        self._err = console_err
        self._clock = clock
        self._markdown_factory = markdown
        self._min_interval = 1.0 / max_fps
        self._cost_factor = 1.0 / redraw_budget
        self._live = console_out.is_interactive
        self._share_screen = console_out.is_terminal and console_err.is_terminal
        self._control, self._control_type, self._newline = Control, ControlType, Segment.line()

        self.stats = RenderStats()
        self._splitter = BlockSplitter()
        self._pending: deque[str] = deque()  # finished blocks not yet printed
        self._new_line = False  # rich's separator state after the last printed block
        self._shown: list[list[Segment]] = []  # lines of the live region currently on screen
        self._shown_version = -1
        self._next_draw = float("-inf")
        self._next_commit = float("-inf")
        self._cursor_hidden = False
        self._thinking: list[str] = []
        self._thought = False  # some thinking was printed
        self._answered = False  # answer text arrived (thinking after that is rare, but handled)
        self._closed = False
        self._spill_limit = spill_limit
        self._spilling = False  # the open block is being printed as plain text
        self._spilled = 0  # characters of the open block printed so far, while spilling
        self._spill_end = ""  # the last two characters printed while spilling
        self._spill_file: IO[str] = console_out.file
        self._next_flush = float("-inf")
        # idle flush: text that arrived within the last frame is shown when the frame is due even if
        # no further delta comes (a stream that pauses must not leave the screen behind what arrived)
        self._idle_flush = idle_flush
        self._lock = threading.RLock()
        self._timer: threading.Timer | None = None

    # -- StreamRenderer -------------------------------------------------------------------------

    def text(self, delta: str) -> None:
        with self._lock:
            self._text(delta)
            self._arm_idle_flush()

    def _text(self, delta: str) -> None:
        if self._closed or not delta:
            return
        if not self._answered:
            self._answered = True
            self._end_thinking(separate=True)
        self._pending.extend(self._splitter.feed(delta))  # one statement: no Ctrl-C in between
        if self._spilling:
            self._spill_feed(delta)
            if self._spilling:
                return
        if self._splitter.tail_len > self._spill_limit:
            self._start_spill()
            return
        now = self._clock()
        if now < self._next_commit:
            # Blocks finished within one frame are printed together at the next frame: rich's
            # fixed cost per render (~1 ms) would otherwise dominate answers made of many short
            # blocks. Until then the screen keeps showing the last frame, which already shows
            # the text of those blocks in the live region (or, when not live, nothing is lost:
            # close() prints whatever is pending).
            return
        self._update(now)

    def _update(self, now: float) -> None:
        """Print the finished blocks and redraw the open one, as far as the frame rate allows."""
        if self._pending:
            self._next_commit = now + self._min_interval
            with _InterruptsHeld(), self._out:  # one write for erase + blocks + redraw
                self._erase()
                self._print_pending()
                # The region now holds nothing (what it showed is printed for good); the new
                # tail is drawn when its turn comes, so commits never add redraws.
                if self._live and now >= self._next_draw:
                    self._draw()
        elif self._live and now >= self._next_draw and self._splitter.version != self._shown_version:
            with _InterruptsHeld(), self._out:
                self._draw()

    def thinking(self, delta: str) -> None:
        with self._lock:
            self._thinking_delta(delta)

    def _thinking_delta(self, delta: str) -> None:
        if self._closed or not delta:
            return
        self._thinking.append(delta)
        if "\n" in delta:
            text = "".join(self._thinking)
            done, _, rest = text.rpartition("\n")
            self._thinking = [rest] if rest else []
            self._print_thinking(done)

    def _arm_idle_flush(self) -> None:
        """After a delta whose text is not on screen yet, make sure it is shown when its frame is
        due, whether or not another delta comes (a timer thread; only with ``idle_flush``)."""
        if not self._idle_flush or self._closed or self._spilling or self._timer is not None:
            return
        behind = bool(self._pending) or (self._live and self._splitter.version != self._shown_version)
        if not behind:
            return
        due = max(self._next_commit, self._next_draw) - self._clock()
        from foundry_cli.threads import start_timer

        self._timer = start_timer(max(due, 0.0) + 0.01, self._idle_update, name="fclaude-redraw")

    def _idle_update(self) -> None:
        with self._lock:
            self._timer = None
            if self._closed or self._spilling:
                return
            # the frame is due: time has passed since the last delta, whatever the clock says
            self._next_commit = self._next_draw = float("-inf")
            try:
                self._update(self._clock())
            except Exception:  # a closed or broken stdout: the main thread meets it at its next write
                self._idle_flush = False

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._close()

    def _close(self) -> None:
        if self._closed:
            return
        # All of it with Ctrl-C held back: a second Ctrl-C while the answer is being finished
        # surfaces once the screen is complete and the cursor shown again.
        with _InterruptsHeld():
            self._closed = True
            try:
                try:
                    self._end_thinking(separate=False)
                finally:  # the answer comes out even if stderr failed
                    self._pending.extend(self._splitter.finish())
                    if self._spilling:
                        self._spill_feed("")
                        if self._spilling:
                            self._stop_spill()
                    with self._out:
                        self._erase()
                        self._print_pending()
            finally:
                self._shown = []
                if self._cursor_hidden:
                    self._cursor_hidden = False
                    self._out.show_cursor(True)

    # -- rendering ------------------------------------------------------------------------------
    #
    # Every change to the screen happens with Ctrl-C held back (_InterruptsHeld) until the
    # bookkeeping that describes the screen (the live region's lines, the printed blocks, the
    # separator state) matches what was written. A KeyboardInterrupt between "region drawn" and
    # "region recorded" would leave close() unable to erase it: the region's text, or the blank
    # line above it, would stay on screen above the final rendering. Rich's console buffer is
    # only ever entered inside such a section too, so an interrupt cannot leave it entered.

    def _make_markdown(self, text: str) -> Markdown:
        self.stats.parsed_chars += len(text)
        if self._markdown_factory is None:
            self._markdown_factory = markdown_document
        return self._markdown_factory(text)

    def _print_pending(self) -> None:
        if not self._pending:
            return
        # Consecutive finished blocks are a contiguous slice of the source, and rendering a slice
        # whole equals rendering its blocks one by one (the splitter's guarantee), so one render
        # serves them all; a block too large to render in a bounded time is printed as text.
        run: list[str] = []
        for block in self._pending:
            if len(block) <= self._spill_limit:
                run.append(block)
                continue
            if run:
                self._print_block("".join(run))
                run = []
            self._print_plain(block)
        if run:
            self._print_block("".join(run))
        self._pending.clear()

    def _print_block(self, block: str) -> None:
        self.stats.committed_blocks += 1
        try:
            md = self._make_markdown(block)
            tokens = md.parsed
            if not tokens:
                return  # blank lines or link definitions only: rich prints nothing for them
            # Rich separates top-level elements with a blank line unless the previous one is a
            # thematic break; reproduce the separator it would write at this point of the whole text.
            if self._new_line and _separator_depends_on_previous(tokens):
                self._out.line()
            self._out.print(md, crop=False)  # a long code line runs on rather than being cut
            self._new_line = tokens[-1].type != "hr"
        except Exception:  # a renderer bug must not lose the answer: show the block as plain text
            self._out.print(block.rstrip("\n"), markup=False, highlight=False, emoji=False)
            self._new_line = True

    def _print_plain(self, block: str) -> None:
        """A finished block too large to render, printed as the text it is (no markdown)."""
        self.stats.committed_blocks += 1
        text = block.strip("\n")  # leading blank lines render as nothing; rich separates blocks
        if not text.strip():
            return
        if self._new_line:
            self._out.line()
        self._out.out(text, highlight=False)
        self._new_line = True

    def _render_tail(self) -> list[list[Segment]]:
        tail = self._splitter.tail
        if not tail.strip():
            return []
        try:
            md = self._make_markdown(tail)
            tokens = md.parsed
            if not tokens:
                return []
            lines = self._out.render_lines(md, self._out.options, pad=False)
        except Exception:  # shown in full, or as plain text, when it is committed
            return []
        if self._new_line and _separator_depends_on_previous(tokens):
            lines.insert(0, [])
        # Only the last screenful: the cursor cannot move above the top of the screen, so a taller
        # region could not be erased. The whole block is printed when it is committed.
        room = max(1, self._out.size.height - 1)
        return lines[-room:]

    def _draw(self) -> None:
        """Render the tail and (re)draw the live region; caller holds the console buffer."""
        now = self._clock()
        self.stats.live_renders += 1
        self._shown_version = self._splitter.version
        lines = self._render_tail()
        self._erase()
        if lines:
            if not self._cursor_hidden:
                self._cursor_hidden = True
                self._out.show_cursor(False)
            self._out.print(_Lines(lines, self._newline), crop=False, overflow="ignore")
            self._shown = lines
        cost = self._clock() - now
        self._next_draw = now + max(self._min_interval, cost * self._cost_factor)

    def _erase(self) -> None:
        """Remove the live region; the cursor ends where the region started, column 0."""
        if not self._shown:
            return
        ct = self._control_type
        moves: Iterable[Any] = ((ct.CURSOR_UP, 1), (ct.ERASE_IN_LINE, 2)) * len(self._shown)
        self._shown = []
        self._out.control(self._control(ct.CARRIAGE_RETURN, *moves))

    # -- an open block too large to re-render ----------------------------------------------------
    #
    # Rendering the open block costs time proportional to its size, and so does committing it. A
    # block beyond ``spill_limit`` characters (a huge paragraph, code block or list; anything the
    # splitter cannot split) is therefore printed as plain text as it arrives, like the plain
    # renderer does, until the splitter finishes it; the blocks after it render as markdown again.

    def _start_spill(self) -> None:
        tail = self._splitter.tail
        body = tail.lstrip("\n")  # leading blank lines of a block render as nothing
        with _InterruptsHeld():
            with self._out:
                self._erase()
                self._print_pending()
                if self._new_line:
                    self._out.line()  # the blank line rich puts between blocks
            self._spill_file = self._out.file
            self._spilling = True
            self._spilled = len(tail) - len(body)
            self._spill_write(body)

    def _spill_feed(self, delta: str) -> None:
        """While spilling: print what ``delta`` added to the spilled text.

        Before ``delta``, everything in the open block was printed (``_spilled`` characters). The
        blocks the splitter finished since (now pending) are consumed while that printed text
        covers them (the text of an unfinished line may turn out to start the next block: that
        block was printed as text too, so it stays plain); the first block not printed to its end
        is completed, and the blocks after it render as markdown again.
        """
        if self._pending:
            with _InterruptsHeld():
                while self._pending:
                    block = self._pending[0]
                    if self._spilled >= len(block):
                        self._spilled -= len(block)
                        self._pending.popleft()
                        continue
                    self._spill_write(block[self._spilled :].rstrip("\n"))
                    self._pending.popleft()
                    self._stop_spill()
                    return
        missing = self._splitter.tail_len - self._spilled  # the end of delta, in the open block
        if missing > 0:
            self._spill_write(delta[len(delta) - missing :])

    def _spill_write(self, text: str) -> None:
        if not text:
            return
        # The counters are updated before the write: a Ctrl-C raised by the write (or right after
        # it) then finds them describing what reached the stream, so close() prints the rest once.
        self._spilled += len(text)
        self._spill_end = (self._spill_end + text[-2:])[-2:]
        self._spill_file.write(text)
        now = self._clock()
        if now >= self._next_flush:
            self._next_flush = now + self._min_interval
            self._spill_file.flush()

    def _stop_spill(self) -> None:
        """The spilled text is complete: end its line; markdown rendering resumes."""
        if not self._spill_end.endswith("\n"):
            self._spill_write("\n")
        self._spill_file.flush()
        # What follows is separated as rich separates blocks, unless a blank line already is there.
        self._new_line = self._spill_end != "\n\n"
        self._spilling = False
        self._spilled = 0
        self._spill_end = ""

    # -- thinking -------------------------------------------------------------------------------

    def _print_thinking(self, text: str) -> None:
        from rich.text import Text

        self._thought = True
        with _InterruptsHeld():
            if not (self._shown and self._share_screen):
                self._err.print(Text(text, style="dim"))
                return
            # Thinking after the answer started, both on one screen: print it above the live region.
            shown = self._shown
            with self._out:
                self._erase()
            self._err.print(Text(text, style="dim"))
            with self._out:
                self._out.print(_Lines(shown, self._newline), crop=False, overflow="ignore")
                self._shown = shown

    def _end_thinking(self, *, separate: bool) -> None:
        """Print the unfinished thinking line; ``separate``: the answer starts now."""
        if self._thinking:
            text = "".join(self._thinking)
            self._thinking = []
            self._print_thinking(text)
        if separate and self._thought and self._share_screen:
            with _InterruptsHeld():
                self._err.line()  # a blank line between the dim thinking and the answer below it


class _InterruptsHeld:
    """Hold back Ctrl-C (SIGINT's ``KeyboardInterrupt``) until the ``with`` block is over.

    In the main thread, while the process's SIGINT handler is a Python callable (normally
    ``signal.default_int_handler``), the handler is swapped for one that only records the signal;
    on exit the previous handler is restored and, if a SIGINT arrived meanwhile, called: the
    ``KeyboardInterrupt`` surfaces right after the block instead of inside it. Elsewhere (another
    thread, a handler set outside Python) it does nothing: no KeyboardInterrupt is raised in such
    a place anyway. Costs a few microseconds; used around screen updates only (~12 a second).
    """

    __slots__ = ("_caught", "_previous")

    def __init__(self) -> None:
        self._previous: Callable[[int, FrameType | None], Any] | None = None
        self._caught: tuple[int, FrameType | None] | None = None

    def _hold(self, signum: int, frame: FrameType | None) -> None:
        self._caught = (signum, frame)

    def __enter__(self) -> _InterruptsHeld:
        if threading.current_thread() is threading.main_thread() and callable(
            signal.getsignal(signal.SIGINT)
        ):
            # signal.signal() runs the handlers of signals already pending before it swaps, so a
            # Ctrl-C that came earlier still raises here, before anything was held.
            previous = signal.signal(signal.SIGINT, self._hold)
            self._previous = previous if callable(previous) else None
        return self

    def __exit__(self, *exc: object) -> None:
        previous, self._previous = self._previous, None
        if previous is None:
            return
        signal.signal(signal.SIGINT, previous)
        caught, self._caught = self._caught, None
        if caught is not None:
            previous(*caught)  # default_int_handler raises KeyboardInterrupt here
