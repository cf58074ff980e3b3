"""Split streamed markdown into blocks that are provably finished (pure; no rich).

:class:`BlockSplitter` is what keeps the live markdown renderer linear: a finished block is
rendered once and printed for good, only the open tail block is redrawn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["BlockSplitter"]

# Line patterns, applied to a line without its line ending. They follow CommonMark as markdown-it
# (the parser inside rich) implements it; " {0,3}" is the indentation a block may have.
_FENCE_OPEN = re.compile(r"( {0,3})(`{3,}|~{3,})(.*)")
_FENCE_CLOSE = re.compile(r"( {0,3})(`{3,}|~{3,})[ \t]*")
_ATX = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)")
_SETEXT = re.compile(r" {0,3}(?:=+|-+)[ \t]*")
_LIST_ITEM = re.compile(r"( {0,3})([-+*]|(\d{1,9})[.)])([ \t]*)(.*)")
_QUOTE = re.compile(r" {0,3}>")
_DELIMITER_CELL = re.compile(r":?-+:?")

# HTML blocks, CommonMark types 1-7 (copied from markdown-it's html_block rule): types 1-5 end at
# the line holding their end marker, across blank lines; 6 and 7 end before a blank line; only
# type 7 cannot interrupt a paragraph.
_HTML_BLOCK_NAMES = (
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|"
    "dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h1|h2|h3|h4|h5|h6|"
    "head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|optgroup|option|"
    "p|param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul"
)
_ATTRIBUTE = r"(?:\s+[a-zA-Z_:][a-zA-Z0-9:._-]*(?:\s*=\s*(?:[^\"'=<>`\x00-\x20]+|'[^']*'|\"[^\"]*\"))?)"
_HTML_STARTS: tuple[tuple[re.Pattern[str], re.Pattern[str] | None], ...] = (
    (
        re.compile(r"<(?a:script|pre|style|textarea)(?=\s|>|$)", re.IGNORECASE),
        re.compile(r"</(?a:script|pre|style|textarea)>", re.IGNORECASE),
    ),
    (re.compile(r"<!--"), re.compile(r"-->")),
    (re.compile(r"<\?"), re.compile(r"\?>")),
    (re.compile(r"<![A-Za-z]"), re.compile(r">")),
    (re.compile(r"<!\[CDATA\["), re.compile(r"\]\]>")),
    (re.compile(rf"</?(?a:{_HTML_BLOCK_NAMES})(?=\s|/?>|$)", re.IGNORECASE), None),
    (re.compile(rf"(?:<[A-Za-z][A-Za-z0-9\-]*{_ATTRIBUTE}*\s*/?>|</[A-Za-z][A-Za-z0-9\-]*\s*>)\s*$"), None),
)
_HTML_TYPE7 = len(_HTML_STARTS)

# The type-7 start pattern (any complete open or close tag alone on its line) backtracks
# quadratically on a long line of attributes; a tag line longer than this is taken as text. Such a
# line is no model's idea of HTML, and a block that long is printed as text by the renderer anyway.
_HTML_TYPE7_MAX = 4096
_INDENT_CAP = 64

_NONE, _PARA, _LIST, _ICODE, _FENCE = range(5)
_NEVER = 1 << 30  # a content column no line reaches
_TEXT, _TABLE, _QUOTED = range(3)  # what a _PARA block is


def _strip_eol(line: str) -> str:
    if line.endswith("\n"):
        line = line[:-1]
    if line.endswith("\r"):
        line = line[:-1]
    return line


def _thematic(body: str) -> bool:
    """Whether ``body`` is a thematic break (``***``, ``- - -``, ``___``): what
    ``" {0,3}(?:(?:\\*[ \\t]*){3,}|(?:-[ \\t]*){3,}|(?:_[ \\t]*){3,})"`` fullmatches, in linear
    time (that regular expression backtracks quadratically on a long "- - - … x" line)."""
    text = body.lstrip(" ")
    if len(body) - len(text) > 3 or not text or text[0] not in "*-_":
        return False
    mark = text[0]
    return not text.strip(mark + " \t") and text.count(mark) >= 3


def _is_blank(body: str) -> bool:
    return not body.strip(" \t")


def _indent(body: str, start: int = 0) -> int:
    """Columns taken by the leading spaces and tabs of ``body`` when it begins at column ``start``
    (tab stops every 4 columns, as CommonMark counts them), counted up to at least
    :data:`_INDENT_CAP`: every caller compares the result with a bound below that (4 columns for
    code, a list item's content column), so a line of a million spaces costs what 64 cost."""
    col = start
    for ch in body[:_INDENT_CAP]:
        if ch == " ":
            col += 1
        elif ch == "\t":
            col += 4 - col % 4
        else:
            break
    return col - start


@dataclass(frozen=True)
class _Item:
    """A list item's first line: where its content starts and how that content begins."""

    content_indent: int  # column at which the item's content starts (CommonMark's W)
    content: str
    ordered: bool
    start: int  # the number written (ordered lists); 0 for bullets
    code: bool  # the content is an indented code block (5+ spaces after the marker)

    @property
    def interrupts_paragraph(self) -> bool:
        """Only a non-empty bullet, or an ordered item numbered 1, may interrupt a paragraph."""
        return bool(self.content) and (not self.ordered or self.start == 1)


def _list_item(body: str) -> _Item | None:
    m = _LIST_ITEM.match(body)
    if m is None or _thematic(body):  # "- - -" and "* * *" are thematic breaks
        return None
    indent, marker, number, spaces, content = m.groups()
    if not spaces and content:
        return None  # "-foo", "1.bar": not a list item
    width = _indent(spaces, len(indent) + len(marker))
    code = bool(content) and width > 4
    if not content or code:
        width = 1  # empty item, or content that is itself indented code: content starts one column on
    return _Item(len(indent) + len(marker) + width, content, number is not None, int(number or 0), code)


def _fence_open(body: str) -> tuple[str, int] | None:
    m = _FENCE_OPEN.fullmatch(body)
    if m is None:
        return None
    fence, info = m.group(2), m.group(3)
    if fence[0] == "`" and "`" in info:
        return None  # a backtick fence's info string may not contain backticks
    return fence[0], len(fence)


def _closes_fence(body: str, char: str, length: int) -> bool:
    m = _FENCE_CLOSE.fullmatch(body)
    return m is not None and m.group(2)[0] == char and len(m.group(2)) >= length


def _html_start(body: str) -> int:
    """The CommonMark HTML block type (1-7) this line starts, or 0."""
    if _indent(body) >= 4:
        return 0
    text = body.lstrip(" ")
    if not text.startswith("<"):
        return 0
    for kind, (start, _) in enumerate(_HTML_STARTS, 1):
        if kind == _HTML_TYPE7 and len(text) > _HTML_TYPE7_MAX:
            return 0
        if start.match(text):
            return kind
    return 0


def _html_ends(kind: int, body: str) -> bool:
    """Whether an HTML block of type 1-5 ends on this line."""
    end = _HTML_STARTS[kind - 1][1]
    return end is not None and end.search(body) is not None


def _interrupts(body: str) -> bool:
    """A line that starts a block which can never be a paragraph's lazy continuation line.

    (List items are decided by the caller: which of them interrupt depends on the context.)
    """
    return bool(
        _ATX.match(body)
        or _thematic(body)
        or _fence_open(body)
        or _QUOTE.match(body)
        or 0 < _html_start(body) < _HTML_TYPE7
    )


def _opens_block(content: str, *, para_open: bool) -> bool:
    """Whether a line (of item or quote content) starts anything other than paragraph text.

    Lines with a pipe count too: they may be table rows, which change what may follow lazily.
    """
    return bool(
        _interrupts(content)
        or _list_item(content)
        or _html_start(content)
        or (para_open and _SETEXT.fullmatch(content))
        or "|" in content
    )


def _table_cells(row: str) -> list[str]:
    """markdown-it's ``escapedSplit`` of a header row, without the empty outer cells."""
    cells: list[str] = []
    current = ""
    escaped = False
    last = 0
    for pos, ch in enumerate(row):
        if ch == "|":
            if not escaped:
                cells.append(current + row[last:pos])
                current = ""
                last = pos + 1
            else:
                current += row[last : pos - 1]
                last = pos
        escaped = ch == "\\"
    cells.append(current + row[last:])
    if cells and cells[0] == "":
        cells.pop(0)
    if cells and cells[-1] == "":
        cells.pop()
    return cells


def _starts_table(header: str, delimiter: str) -> bool:
    """Whether ``header`` followed by ``delimiter`` opens a table (markdown-it's table rule)."""
    if _indent(header) >= 4 or _indent(delimiter) >= 4:
        return False
    line = delimiter.lstrip(" \t")
    if len(line) < 2 or line[0] not in "|-:" or line[1] not in "|-: \t":
        return False
    if line[0] == "-" and line[1] in " \t":
        return False  # "- ..." is a list item
    if any(ch not in "|-: \t" for ch in line):
        return False
    columns = line.split("|")
    aligns = 0
    for i, column in enumerate(columns):
        cell = column.strip(" \t")
        if not cell:
            if i in (0, len(columns) - 1):
                continue
            return False
        if not _DELIMITER_CELL.fullmatch(cell):
            return False
        aligns += 1
    head = header.strip(" \t")
    if "|" not in head:
        return False
    count = len(_table_cells(head))
    return count != 0 and count == aligns


class BlockSplitter:
    """Split streamed markdown into blocks, each returned once it is provably finished.

    Decisions are taken on complete lines only, so the blocks do not depend on how the text was
    chunked, and ``"".join(all blocks) + tail == everything fed``. A boundary is placed only where
    CommonMark (as markdown-it, the parser inside rich, implements it) has closed every open block,
    so rendering the blocks one by one gives what rendering the whole text gives. Where the
    structure is ambiguous the splitter keeps the text in the open block: that costs tail size,
    never fidelity.

    Boundaries:

    - a fenced code block (```` ``` ```` or ``~~~``, any length >= 3, with info string) ends at its
      closing fence; nothing inside it splits, blank lines included;
    - a paragraph, block quote or table ends at a blank line, and before a heading, a code fence
      or another block that interrupts it; a paragraph ends after a setext underline, and any of
      them after a thematic break;
    - a heading or thematic break line is a block on its own, finished at its newline;
    - a list ends only when a line indented less than its items' content is neither a new item nor
      a lazy continuation: never at a blank line between items, so ordered lists keep their
      numbering and loose lists stay one list;
    - an indented code block ends at the first non-blank line indented less than 4 columns;
    - an HTML block ends at its end marker, or before a blank line.

    Where it stops splitting (the rest of the text stays in the open block and is rendered whole
    at the end): an unmarked line directly after a block quote, or an unindented line directly
    after a list item, when that quote or item holds more than paragraphs (whether the line is a
    lazy continuation depends on their full structure); a lone CR inside a line.

    Not preserved across blocks: link reference definitions (``[x]: url``) used by an earlier
    block. Linear: each line is classified once, with a bounded look at its start.
    """

    def __init__(self) -> None:
        self._parts: list[str] = []  # the current, unterminated line
        self._parts_len = 0
        self._lines: list[str] = []  # complete lines of the open block, with their line endings
        self._lines_len = 0
        # Finished blocks not yet returned. Kept on the object, so a KeyboardInterrupt in the middle
        # of feed() loses none: they come out of the next feed() or finish().
        self._done: list[str] = []
        self.version = 0  # bumped whenever the open block's text changes
        self._reset()

    def _reset(self) -> None:
        self._kind = _NONE
        self._opaque = False  # ambiguous structure: no more boundaries until finish()
        self._fence: tuple[str, int] = ("", 0)  # _FENCE: the opening fence
        self._html = 0  # _PARA: inside an HTML block of this type
        self._what = _TEXT  # _PARA: paragraph, table or block quote
        self._header: str | None = None  # _PARA: previous line, when it may head a table
        self._quote_para = False  # _QUOTED: the quote's last line left a paragraph open
        self._quote_simple = True  # _QUOTED: the quote holds only paragraphs and headings
        self._w = 0  # _LIST: content column of the current top-level item
        self._simple = True  # _LIST: the current item holds only paragraphs (so far)
        self._para_open = False  # _LIST, simple item: its last line left a paragraph open
        self._blank = False  # _LIST: blank line(s) since the last non-blank line
        self._empty = False  # _LIST: the current item has no content yet

    # -- public ---------------------------------------------------------------------------------

    @property
    def tail(self) -> str:
        """The open block: everything fed that is not yet in a returned block."""
        return "".join(self._lines) + "".join(self._parts)

    @property
    def tail_len(self) -> int:
        return self._lines_len + self._parts_len

    def feed(self, text: str) -> list[str]:
        """Add streamed text; return the blocks it finished (possibly none)."""
        if text:
            self.version += 1
            if "\n" not in text:
                self._parts.append(text)
                self._parts_len += len(text)
            else:
                pieces = text.split("\n")
                first = "".join(self._parts) + pieces[0] + "\n"
                self._parts = []
                self._parts_len = 0
                self._line(first)
                for piece in pieces[1:-1]:
                    self._line(piece + "\n")
                if pieces[-1]:
                    self._parts.append(pieces[-1])
                    self._parts_len = len(pieces[-1])
        done, self._done = self._done, []
        return done

    def finish(self) -> list[str]:
        """End of text: the unterminated last line counts as a line; return every remaining block."""
        if self._parts:
            last = "".join(self._parts)
            self._parts = []
            self._parts_len = 0
            self._line(last)
        self._commit()
        self.version += 1
        done, self._done = self._done, []
        return done

    # -- per line --------------------------------------------------------------------------------

    def _append(self, line: str) -> None:
        self._lines.append(line)
        self._lines_len += len(line)

    def _commit(self) -> None:
        if self._lines:
            self._done.append("".join(self._lines))
            self._lines = []
            self._lines_len = 0
        self._reset()

    def _restart(self, line: str, body: str) -> None:
        """The open block ended before this line, which starts the next one."""
        self._commit()
        self._start(line, body, False)

    def _line(self, line: str) -> None:
        body = _strip_eol(line)
        kind = self._kind
        if self._opaque or "\r" in body:
            # A lone CR ends a line for markdown-it but not here; it never comes from a model, so
            # rather than track it, stop splitting.
            self._append(line)
            self._opaque = True
        elif kind == _FENCE:
            self._append(line)
            if _closes_fence(body, *self._fence):
                self._commit()
        elif self._html:
            self._html_line(line, body)
        elif kind == _NONE:
            self._start(line, body, _is_blank(body))
        elif kind == _PARA:
            self._paragraph(line, body)
        elif kind == _LIST:
            self._list(line, body)
        else:
            self._indented_code(line, body)

    def _start(self, line: str, body: str, blank: bool) -> None:
        """First line of a block (leading blank lines stay in the open block; they render as nothing)."""
        self._append(line)
        if blank:
            return
        fence = _fence_open(body)
        if fence is not None:
            self._kind = _FENCE
            self._fence = fence
        elif _ATX.match(body) or _thematic(body):
            self._commit()
        elif (item := _list_item(body)) is not None:
            self._kind = _LIST
            self._new_item(item)
        elif _indent(body) >= 4:
            self._kind = _ICODE
        elif html := _html_start(body):
            self._kind = _PARA
            self._html = html
            if html < 6 and _html_ends(html, body):
                self._commit()
        elif _QUOTE.match(body):
            self._kind = _PARA
            self._what = _QUOTED
            self._quote_line(body)
        else:
            self._kind = _PARA
            self._header = body if "|" in body else None

    def _html_line(self, line: str, body: str) -> None:
        if self._html >= 6:
            if _is_blank(body):  # the blank line is not part of the HTML block
                self._html = 0
                self._paragraph(line, body)
            else:
                self._append(line)
        else:
            self._append(line)
            if _html_ends(self._html, body):
                self._commit()

    def _paragraph(self, line: str, body: str) -> None:
        if _is_blank(body):
            self._append(line)
            self._commit()
            return
        what = self._what
        if what == _TEXT and self._header is not None and _starts_table(self._header, body):
            self._append(line)
            self._what = _TABLE
            return
        if _thematic(body) or (what == _TEXT and _SETEXT.fullmatch(body)):
            self._append(line)  # a setext underline, or a thematic break: nothing stays open
            self._commit()
            return
        item = _list_item(body)
        if what == _QUOTED and _QUOTE.match(body):
            self._append(line)
            self._quote_line(body)
        elif _interrupts(body) or (item is not None and (item.interrupts_paragraph or what != _TEXT)):
            # markdown-it ends a table or a quote at any list item, a paragraph only at some.
            self._restart(line, body)
        elif what == _TABLE and _indent(body) >= 4:
            self._restart(line, body)  # ends the table; no paragraph is open, so it is code
        elif what == _QUOTED:
            # An unmarked line after a quote: a lazy continuation if the quote ends in an open
            # paragraph, else the quote is over and this line starts a new block.
            if not self._quote_simple:
                self._append(line)
                self._opaque = True  # the quote holds lists, fences or quotes: do not guess
            elif self._quote_para:
                self._append(line)
            else:
                self._restart(line, body)
        else:
            self._append(line)
            self._header = body if "|" in body else None

    def _quote_line(self, body: str) -> None:
        """Track whether a block quote of plain paragraphs ends in an open paragraph."""
        start = body.index(">") + 1  # the caller matched _QUOTE
        rest = body[start:]
        # The marker takes ">" and one column of the whitespace after it (a tab counts as the
        # columns up to the next tab stop).
        spaces = max(0, _indent(rest, start) - 1)
        content = " " * spaces + rest.lstrip(" \t")
        if _QUOTE.match(content) or _fence_open(content) or _list_item(content) or _html_start(content):
            self._quote_simple = False
        elif "|" in content:
            self._quote_simple = False  # a table row, perhaps
        elif _is_blank(content) or _ATX.match(content) or _thematic(content):
            self._quote_para = False
        elif _SETEXT.fullmatch(content) and self._quote_para:
            self._quote_para = False  # a setext underline closes the paragraph as a heading
        elif _indent(content) < 4 or self._quote_para:
            self._quote_para = True

    def _new_item(self, item: _Item) -> None:
        self._w = item.content_indent
        self._empty = not item.content
        self._blank = False
        self._simple = not (item.code or _opens_block(item.content, para_open=False))
        self._para_open = self._simple and bool(item.content)

    def _list(self, line: str, body: str) -> None:
        if _is_blank(body):
            self._append(line)
            self._blank = True
            self._para_open = False
            if self._empty:
                self._w = _NEVER  # an item may begin with one blank line at most: this one is over
            return
        indent = _indent(body)
        if indent < self._w:
            self._outside_item(line, body)
        else:
            self._inside_item(line, body, indent)

    def _outside_item(self, line: str, body: str) -> None:
        """A line left of the current item's content: a new item, a lazy paragraph line, or the end."""
        item = _list_item(body)
        if item is not None:
            self._append(line)
            self._new_item(item)
        elif self._blank or _interrupts(body.lstrip(" \t")):
            # After a blank line nothing is lazy; and a block start ends the list whatever the
            # item holds (markdown-it tests it relative to the item's content column, so any
            # indentation below that column counts as none).
            self._restart(line, body)
        elif not self._simple:
            # Lazy only if the innermost open block is a paragraph; in an item with nested
            # lists, fences, HTML or tables that needs the item's full structure: do not guess.
            self._append(line)
            self._opaque = True
        elif self._para_open:
            self._append(line)  # lazy continuation of the item's paragraph
        else:
            self._restart(line, body)

    def _inside_item(self, line: str, body: str, indent: int) -> None:
        self._append(line)
        self._blank = False
        self._empty = False
        if not self._simple:
            return
        relative = indent - self._w
        content = " " * min(relative, 4) + body.lstrip(" \t")
        if relative >= 4 and not self._para_open:
            self._simple = False  # indented code inside the item
        elif _opens_block(content, para_open=self._para_open):
            self._simple = False
        else:
            self._para_open = True

    def _indented_code(self, line: str, body: str) -> None:
        if _is_blank(body) or _indent(body) >= 4:
            self._append(line)
        else:
            self._restart(line, body)
