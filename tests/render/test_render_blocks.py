"""BlockSplitter: pure block boundaries, no rich involved (except the differential property)."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foundry_cli.render.blocks import _thematic
from foundry_cli.render.stream import BlockSplitter

from ._helpers import documents, output, render_whole, split_blocks, stream


def test_paragraphs_commit_at_blank_line() -> None:
    s = BlockSplitter()
    assert s.feed("First para") == []
    assert s.feed("graph.\nstill first\n") == []
    assert s.feed("\n") == ["First paragraph.\nstill first\n\n"]
    assert s.feed("Second") == []
    assert s.tail == "Second"
    assert s.finish() == ["Second"]


def test_heading_commits_at_its_newline_and_interrupts_a_paragraph() -> None:
    s = BlockSplitter()
    assert s.feed("## Title") == []
    assert s.feed("\n") == ["## Title\n"]
    assert s.feed("text\n# Next\n") == ["text\n", "# Next\n"]
    assert split_blocks("#hashtag\n# h\n") == ["#hashtag\n", "# h\n"]  # "#hashtag" is not a heading


def test_setext_heading_and_thematic_break() -> None:
    assert split_blocks("Title\n=====\nbody\n") == ["Title\n=====\n", "body\n"]
    assert split_blocks("Title\n---\nbody\n") == ["Title\n---\n", "body\n"]
    assert split_blocks("para\n***\n---\nx\n") == ["para\n***\n", "---\n", "x\n"]


def test_ordered_list_is_not_split_at_blank_lines() -> None:
    text = "1. one\n\n1. two\n\n   more of two\n\n1. three\n\nAfter.\n"
    assert split_blocks(text) == ["1. one\n\n1. two\n\n   more of two\n\n1. three\n\n", "After.\n"]


def test_list_ends_at_unindented_block_start_without_blank_line() -> None:
    assert split_blocks("- a\n- b\n# H\n") == ["- a\n- b\n", "# H\n"]
    assert split_blocks("- a\n---\n") == ["- a\n", "---\n"]  # a rule, not a setext underline
    assert split_blocks("- a\nlazy\n\nnext\n") == ["- a\nlazy\n\n", "next\n"]


def test_list_interrupting_a_paragraph_and_one_that_cannot() -> None:
    assert split_blocks("Steps:\n1. a\n2. b\n") == ["Steps:\n", "1. a\n2. b\n"]
    assert split_blocks("In\n2. b\n\nx\n") == ["In\n2. b\n\n", "x\n"]  # "2." cannot interrupt


def test_fence_with_blank_lines_is_one_block() -> None:
    text = "```python\ndef f():\n\n\n    return 1\n```\nafter\n"
    assert split_blocks(text) == ["```python\ndef f():\n\n\n    return 1\n```\n", "after\n"]


def test_tilde_fence_and_longer_fences() -> None:
    text = "~~~~ text\n~~~\n```\n\n~~~~\n\nx\n"
    assert split_blocks(text) == ["~~~~ text\n~~~\n```\n\n~~~~\n", "\nx\n"]
    nested = "````markdown\n```python\n\nx = 1\n```\n\n````\ny\n"
    assert split_blocks(nested) == ["````markdown\n```python\n\nx = 1\n```\n\n````\n", "y\n"]


def test_fence_interrupts_a_paragraph_and_backtick_info_rule() -> None:
    assert split_blocks("see:\n```sh\nls\n```\n") == ["see:\n", "```sh\nls\n```\n"]
    # ``` followed by a backtick in the info string is inline code, not a fence
    assert split_blocks("``` a ` b\n\nx\n") == ["``` a ` b\n\n", "x\n"]


def test_fence_inside_list_item_keeps_blank_lines() -> None:
    text = "1. Install:\n   ```bash\n   pip x\n\n   # done\n   ```\n2. Run\n\nEnd.\n"
    assert split_blocks(text) == [text[: -len("End.\n")], "End.\n"]


def test_unindented_fence_after_list_ends_the_list() -> None:
    text = "1. Install:\n```bash\npip x\n\nmore\n```\n2. Run\n"
    assert split_blocks(text) == ["1. Install:\n", "```bash\npip x\n\nmore\n```\n", "2. Run\n"]


def test_crlf_line_endings() -> None:
    text = "# T\r\n\r\npara\r\n\r\n```\r\n\r\ncode\r\n```\r\nend"
    assert split_blocks(text) == ["# T\r\n", "\r\npara\r\n\r\n", "```\r\n\r\ncode\r\n```\r\n", "end"]
    assert split_blocks(text, 1) == split_blocks(text)  # "\r" and "\n" in different deltas


def test_text_ending_without_newline_and_unterminated_fence() -> None:
    assert split_blocks("para") == ["para"]
    assert split_blocks("# H") == ["# H"]
    assert split_blocks("```py\nx = 1\n\ny") == ["```py\nx = 1\n\ny"]
    assert split_blocks("") == []


def test_indented_code_and_html_blocks() -> None:
    assert split_blocks("    a\n\n    b\nc\n") == ["    a\n\n    b\n", "c\n"]
    assert split_blocks("<div>\n# not a heading\n</div>\n\nx\n") == [
        "<div>\n# not a heading\n</div>\n\n",
        "x\n",
    ]
    assert split_blocks("<!-- a\n\n# b\n-->\n# c\n") == ["<!-- a\n\n# b\n-->\n", "# c\n"]


def test_tables_end_at_block_starts() -> None:
    table = "| a | b |\n|---|---|\n| 1 | 2 |\n"
    assert split_blocks(table + "2. two\n") == [table, "2. two\n"]
    assert split_blocks(table + "---\nx\n") == [table + "---\n", "x\n"]
    # one column: "---" is its delimiter row, not a setext underline
    assert split_blocks("| a |\n---\n| b |\n") == ["| a |\n---\n| b |\n"]


def test_block_quotes() -> None:
    assert split_blocks("> a\n> b\n\nx\n") == ["> a\n> b\n\n", "x\n"]
    assert split_blocks("> a\nlazy\n# h\n") == ["> a\nlazy\n", "# h\n"]  # lazy continuation
    assert split_blocks("> # h\nafter\n") == ["> # h\n", "after\n"]  # no open paragraph: not lazy
    assert split_blocks("> a\n2. b\n") == ["> a\n", "2. b\n"]  # markdown-it: any item ends a quote


def test_list_lazy_lines_follow_markdown_it() -> None:
    # "    ```" is below the item's content column (5): markdown-it ends the item's paragraph
    # there, and at top level the line is indented code.
    text = "1. one\n  1. two\n    ```\n<a>\n```\n"
    assert split_blocks(text) == ["1. one\n  1. two\n", "    ```\n", "<a>\n```\n"]
    assert split_blocks("- a\n  b\nc\n\nd\n") == ["- a\n  b\nc\n\n", "d\n"]
    # an empty item followed by a blank line is over: the indented line is not its content
    assert split_blocks("-\n\n  x\n") == ["-\n\n", "  x\n"]


def test_ambiguous_structure_stops_splitting_rather_than_guess() -> None:
    # Is "lazy" a continuation of "b" (nested item) or a new paragraph? Deciding needs the full
    # container structure; the splitter keeps everything from there in the open block instead.
    text = "- a\n  - b\nlazy\n\nnext\n\n# H\n"
    assert split_blocks(text) == [text]


def test_tail_and_lossless() -> None:
    s = BlockSplitter()
    text = "# A\npara one\n\n- x\n- y\n\npartial li"
    blocks = s.feed(text)
    assert "".join(blocks) + s.tail == text
    assert s.tail_len == len(s.tail)


# -- properties --------------------------------------------------------------------------------

endings = st.sampled_from(["", "\n", "\n\n"])


@given(text=documents, ending=endings, cuts=st.lists(st.integers(1, 12), min_size=1, max_size=8))
@settings(max_examples=300, deadline=None)
def test_chunking_does_not_change_blocks(text: str, ending: str, cuts: list[int]) -> None:
    text += ending
    whole = split_blocks(text, len(text) or 1)
    assert split_blocks(text, cuts) == whole
    assert "".join(whole) == text


@given(text=documents, ending=endings, cuts=st.lists(st.integers(1, 12), min_size=1, max_size=8))
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_blocks_render_like_the_whole_text(text: str, ending: str, cuts: list[int]) -> None:
    """The differential property: the committed output equals rich rendering the whole text."""
    text += ending
    _, out, _ = stream(text, cuts)
    assert output(out) == render_whole(text)


@pytest.mark.parametrize("chunks", [1, 3, 64, 10_000])
def test_same_final_output_whatever_the_chunking(chunks: int) -> None:
    text = "# T\n\nSome *para*\nmore.\n\n1. a\n\n2. b\n\n```py\nx = 1\n\ny = 2\n```\ntail"
    _, out, _ = stream(text, chunks)
    assert output(out) == render_whole(text)


THEMATIC = re.compile(r" {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})")  # CommonMark's rule


@given(st.text(alphabet=" \t*-_=x", max_size=12))
def test_thematic_break_check_equals_the_commonmark_pattern(line: str) -> None:
    """The linear check gives what the (quadratically backtracking) pattern gives."""
    assert _thematic(line) == bool(THEMATIC.fullmatch(line))


LONG_LINES = {
    "dashes": lambda n: "- " * n + "x",
    "tag-attributes": lambda n: "<a" + " b" * n,
    "tag-values": lambda n: "<a" + " b=c" * n + " ",
    "spaces": lambda n: " " * n + "- x",
    "tabs": lambda n: "\t " * n + "x",
}


@pytest.mark.parametrize("shape", LONG_LINES)
def test_a_long_hostile_line_is_split_like_a_short_one(shape: str) -> None:
    """Lines that made the splitter's patterns backtrack quadratically (a 100 kB line took seconds)
    are split as their short versions are: the checks look at a bounded prefix or run linearly."""

    def shape_of(n: int) -> list[int]:
        return [b.count("\n") for b in split_blocks(f"para\n{LONG_LINES[shape](n)}\n\nnext\n", 4096)]

    assert shape_of(50_000) == shape_of(5)
