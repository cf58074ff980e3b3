"""Streaming cost is linear: counted work (characters handed to the markdown parser), not timing."""

from __future__ import annotations

import io
from collections.abc import Callable

from rich.markdown import Markdown

from foundry_cli.render.markdown import MarkdownRenderer

from ._helpers import FakeClock, memory_console, output

UNIT = (
    "## Section\n\n"
    "A paragraph of prose that goes on for a while, with **bold** and `code`, long enough to wrap "
    "once or twice on an eighty-column terminal when rendered.\n\n"
    "1. first point\n2. second point\n\n3. third point\n\n"
    "- a bullet\n- another bullet\n\n"
    "```python\ndef f(x):\n\n    return x * 2\n```\n\n"
)


def answer(deltas: int, size: int = 4) -> list[str]:
    text = (UNIT * (deltas * size // len(UNIT) + 1))[: deltas * size]
    return [text[i : i + size] for i in range(0, len(text), size)]


def parsed_chars(deltas: list[str], *, seconds_per_delta: float = 0.001) -> int:
    out = memory_console(interactive=True)
    out.file = io.StringIO()
    clock = FakeClock()
    r = MarkdownRenderer(out, memory_console(), clock=clock)
    for delta in deltas:
        r.text(delta)
        clock.advance(seconds_per_delta)
    r.close()
    assert r.stats.live_renders > 0
    return r.stats.parsed_chars


def test_work_per_delta_is_flat_from_2k_to_20k_deltas() -> None:
    small, large = answer(2_000), answer(20_000)
    per_delta_small = parsed_chars(small) / len(small)
    per_delta_large = parsed_chars(large) / len(large)
    assert per_delta_large / per_delta_small <= 1.5
    # Everything is parsed about once, plus the throttled live tail: a small constant factor.
    assert parsed_chars(large) <= 3 * sum(map(len, large))

    # What the forbidden approach (re-render the whole text on each delta) would parse:
    def naive(deltas: list[str]) -> float:
        return sum(len(d) * (len(deltas) - i) for i, d in enumerate(deltas)) / len(deltas)

    assert naive(large) / naive(small) > 8  # quadratic: per-delta work grows with the length


def test_one_huge_paragraph_redraws_at_most_twelve_times_a_second() -> None:
    deltas = ["word "] * 8_000  # 40 kB, no blank line: it stays the open block until close()
    out = memory_console(interactive=True)
    clock = FakeClock()
    r = MarkdownRenderer(out, memory_console(), clock=clock)
    for delta in deltas:
        r.text(delta)
        clock.advance(0.001)  # 8 s of streaming
    assert r.stats.live_renders <= 8 * 12 + 1
    r.close()


def test_expensive_redraws_take_at_most_a_fifth_of_the_time() -> None:
    """With a render cost of 2 µs per character, redraws of a growing block space out."""
    clock = FakeClock()
    spent = [0.0]

    def markdown(text: str) -> Markdown:
        clock.advance(2e-6 * len(text))
        spent[0] += 2e-6 * len(text)
        return Markdown(text)

    out = memory_console(interactive=True)
    r = MarkdownRenderer(out, memory_console(), clock=clock, markdown=markdown)
    for _ in range(20_000):
        r.text("word ")
        clock.advance(0.0005)
    assert spent[0] <= 0.21 * clock.now
    r.close()


def one_block(
    deltas: int, *, spill_limit: int, markdown: Callable[[str], Markdown] | None = None
) -> MarkdownRenderer:
    """Stream one paragraph of ``deltas`` deltas (soft line breaks, never a blank line)."""
    out = memory_console(interactive=True)
    clock = FakeClock()
    r = MarkdownRenderer(out, memory_console(), clock=clock, markdown=markdown, spill_limit=spill_limit)
    for i in range(deltas):
        r.text("word\n" if i % 16 == 15 else "word ")
        clock.advance(0.001)
    r.close()
    return r


def test_one_huge_block_costs_the_same_per_delta_at_any_size() -> None:
    """Issue 9 finding 6: a single 30 MB paragraph on a TTY did not finish in 300 s. Past the
    spill limit the open block is no longer re-rendered: the work per delta stays flat."""

    def per_delta(deltas: int) -> tuple[float, float]:
        r = one_block(deltas, spill_limit=4_000)
        written = len(output(r._out))
        return r.stats.parsed_chars / deltas, written / deltas

    (parsed_small, written_small), (parsed_large, written_large) = per_delta(2_000), per_delta(20_000)
    assert parsed_large / parsed_small <= 1.5
    assert written_large / written_small <= 1.5  # each character is written about once, not redrawn

    # Without the bound (a cheap stand-in for rich, so the quadratic run stays fast), the same
    # measure grows with the length: the test would catch a renderer that re-renders the block.
    def unbounded(deltas: int) -> float:
        r = one_block(deltas, spill_limit=10**12, markdown=lambda text: Markdown(""))
        return r.stats.parsed_chars / deltas

    assert unbounded(20_000) / unbounded(2_000) > 5
