"""Code blocks are code: what a terminal shows copies back as valid code (no added left padding, no
line broken in two), in the renderer's committed output and in rich's reference rendering alike."""

from __future__ import annotations

from foundry_cli.render.markdown import MarkdownRenderer
from tests.render._helpers import WIDTH, memory_console, output, render_whole

LONG = "x = compute(" + ", ".join(f"argument_{i}" for i in range(12)) + ")"
ANSWER = f"Here:\n\n```python\ndef f():\n    return 1\n{LONG}\n```\n\nDone.\n"


def _code_lines(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if "def f" in line)
    return [line.rstrip() for line in lines[start : start + 3]]


def test_code_lines_have_no_added_padding_and_are_not_wrapped() -> None:
    assert len(LONG) > WIDTH  # the case that used to wrap (or be cut) at the edge
    code = _code_lines(render_whole(ANSWER))
    assert code == ["def f():", "    return 1", LONG]


def test_the_streaming_renderer_commits_the_same_copyable_code() -> None:
    console = memory_console()
    renderer = MarkdownRenderer(console, console)
    for i in range(0, len(ANSWER), 7):  # in pieces, as a stream arrives
        renderer.text(ANSWER[i : i + 7])
    renderer.close()
    assert _code_lines(output(console)) == ["def f():", "    return 1", LONG]
