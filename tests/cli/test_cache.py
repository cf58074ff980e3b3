"""Prompt caching in a chat, end to end: a three-turn conversation on a long system prompt sends cache
breakpoints on every turn, writes the cache on turn 1 and reads it on turns 2 and 3 (the emulator's
usage, the session's /usage and toolbar, and history's cache columns all say so). Also: the cost is
an estimate labelled as one and never $0 when the price is unknown; the context-window share and its
one-time 80 % warning."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest

from foundry_cli.cli._repl import Repl
from foundry_cli.emulator import Emulator
from tests.support import CANARY_KEY, Fclaude, emulator_env

#: ~2,500 tokens at the emulator's 4 characters a token: over claude-sonnet-4-5's 1,024 minimum
SYSTEM = "You are a meticulous reviewer of release notes; answer in one short paragraph. " * 125


def _repl(env: dict[str, str], **flags: object) -> tuple[Repl, io.StringIO]:
    from foundry_cli.config.settings import resolve

    out = io.StringIO()
    return Repl(resolve(dict(flags), env=env), system=SYSTEM, out=out, err=io.StringIO()), out


@pytest.fixture
def chat(fclaude: Fclaude) -> Iterator[tuple[Repl, io.StringIO]]:
    repl, out = _repl(fclaude.env)
    yield repl, out
    repl.close()


def _cache_marks(body: object) -> tuple[object, object]:
    """The cache_control of the system prompt and of the last user message's last block."""
    assert isinstance(body, dict)
    system = body["system"]
    last = body["messages"][-1]
    assert last["role"] == "user"
    return system[-1].get("cache_control"), last["content"][-1].get("cache_control")


def test_a_three_turn_chat_writes_the_cache_once_then_reads_it(
    chat: tuple[Repl, io.StringIO], emu: Emulator
) -> None:
    from foundry_cli.config.paths import get_paths
    from foundry_cli.history.store import HistoryStore

    repl, out = chat
    for prompt in ("What changed in 2.0?", "And in 2.1?", "Which release was larger?"):
        assert repl.send(prompt)

    # at the emulator: every request marks the system prompt and the newest message for caching
    bodies = [r.json for r in emu.requests]
    assert len(bodies) == 3
    assert all(_cache_marks(b) == ({"type": "ephemeral"}, {"type": "ephemeral"}) for b in bodies)

    # the emulator's usage, as the session received it: written on turn 1, read on turns 2 and 3
    first, second, third = (t.usage for t in repl.usage)
    assert first.cache_creation_input_tokens >= len(SYSTEM) // 4 and first.cache_read_input_tokens == 0
    assert second.cache_read_input_tokens >= len(SYSTEM) // 4
    assert third.cache_read_input_tokens >= second.cache_read_input_tokens
    assert second.cache_creation_input_tokens < first.cache_creation_input_tokens  # only what is new

    # in history: the same numbers in the cache columns
    assert repl.conversation_id is not None
    with HistoryStore(get_paths().history_db) as store:
        stored = store.turns(repl.conversation_id)
    assert [t.cache_creation_input_tokens for t in stored] == [
        u.cache_creation_input_tokens for u in (first, second, third)
    ]
    assert [t.cache_read_input_tokens for t in stored] == [
        0,
        second.cache_read_input_tokens,
        third.cache_read_input_tokens,
    ]

    # /usage and the toolbar report writes, reads and a labelled estimate
    out.truncate(0)
    repl.command("/usage")
    report = out.getvalue()
    assert f"cache write {first.cache_creation_input_tokens:,}" in report
    assert f"cache read {second.cache_read_input_tokens:,}" in report
    assert re.search(r"total: .*≈ \$\d+\.\d{4} \(list-price estimate\)", report), report
    assert "context: " in report and "200,000-token window" in report
    bar = repl.toolbar()
    assert "cache " in bar and " written / " in bar and "≈ $" in bar and "context " in bar


def test_cache_off_sends_no_breakpoints_and_reads_nothing(fclaude: Fclaude, emu: Emulator) -> None:
    repl, _ = _repl(fclaude.env, cache="off")
    try:
        assert repl.send("one")
        assert repl.send("two")
    finally:
        repl.close()
    assert all("cache_control" not in str(r.json) for r in emu.requests)
    assert [t.usage.cache_read_input_tokens for t in repl.usage] == [0, 0]


def test_an_unpriced_model_is_cost_unknown_never_zero(base_env: dict[str, str]) -> None:
    with Emulator(api_key=CANARY_KEY, deployments=("house-model",)) as emu:
        env = {**emulator_env(emu, base_env), "FCLAUDE_DEPLOYMENT": "house-model"}
        repl, out = _repl(env)
        try:
            assert repl.send("hello")
            repl.command("/usage")
        finally:
            repl.close()
    assert "cost unknown" in out.getvalue() and "$0" not in out.getvalue()
    assert "cost unknown" in repl.toolbar() and "context" not in repl.toolbar()  # no window known


def test_chat_warns_once_when_the_conversation_fills_80_percent_of_the_window(
    fclaude: Fclaude, emu: Emulator
) -> None:
    from foundry_cli.config.settings import resolve

    big = "lorem ipsum dolor sit amet " * 25_000  # ~170,000 tokens: 84 % of 200,000
    out = io.StringIO()
    repl = Repl(resolve({}, env=fclaude.env), system=big, out=out, err=io.StringIO())
    try:
        assert repl.send("first")
        assert repl.toolbar().count("context 8") == 1
        assert out.getvalue().count("of the model's 200,000-token context window") == 1
        assert repl.send("second")
        assert out.getvalue().count("of the model's 200,000-token context window") == 1  # once
        repl.command("/clear")
        repl.system = "short"
        assert repl.send("third")
        assert "context 0%" in repl.toolbar()
    finally:
        repl.close()
