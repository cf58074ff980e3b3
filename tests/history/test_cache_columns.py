"""history.db keeps the prompt-cache usage of each turn: migration 003 on an old file (its rows read
as unknown, never zero), the columns round-trip, and ``history show --json`` carries them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from foundry_cli.history.migrations import MIGRATIONS
from foundry_cli.history.store import HistoryStore, Turn
from tests.support import Fclaude

CACHE_COLUMNS = (
    "cache_creation_input_tokens",
    "cache_creation_5m",
    "cache_creation_1h",
    "cache_read_input_tokens",
)


def test_migration_adds_the_cache_columns_and_old_rows_read_as_unknown(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)")
    for name, step in MIGRATIONS[:2]:  # a file written before the cache columns existed
        step(db)
        db.execute("INSERT INTO _migrations VALUES (?, 0)", (name,))
    db.execute("INSERT INTO conversations (created_at, updated_at, title) VALUES (1, 1, 'old')")
    db.execute(
        "INSERT INTO turns (conversation_id, seq, created_at, prompt, status, input_tokens) "
        "VALUES (1, 1, 1, 'old p', 'complete', 12)"
    )
    db.close()
    with HistoryStore(path) as store:
        columns = {r[1]: r[2] for r in store.db.execute("PRAGMA table_info(turns)")}
        assert {c: columns.get(c) for c in CACHE_COLUMNS} == dict.fromkeys(CACHE_COLUMNS, "INTEGER")
        [old] = store.turns(1)
        assert old.input_tokens == 12
        assert [getattr(old, c) for c in CACHE_COLUMNS] == [None, None, None, None]
        store.add_turn(
            Turn(
                prompt="new",
                cache_creation_input_tokens=3000,
                cache_creation_5m=1000,
                cache_creation_1h=2000,
                cache_read_input_tokens=0,
            ),
            1,
        )
        back = store.turns(1)[1]
    assert [getattr(back, c) for c in CACHE_COLUMNS] == [3000, 1000, 2000, 0]


def test_a_hand_edited_cache_column_reads_as_unknown(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.db") as store:
        cid, tid = store.add_turn(Turn(prompt="p", cache_read_input_tokens=5))
        store.db.execute("UPDATE turns SET cache_read_input_tokens = 'lots' WHERE id = ?", (tid,))
        [back] = store.turns(cid)
    assert back.cache_read_input_tokens is None


def test_ask_stores_cache_usage_and_history_show_json_reports_it(fclaude: Fclaude) -> None:
    system = "You are terse. " * 2000  # ~7,500 tokens at the emulator's 4 characters a token
    first = fclaude("ask", "-s", system, "hello")
    assert first.exit_code == 0, first.stderr
    second = fclaude("ask", "-s", system, "hello again")
    assert second.exit_code == 0, second.stderr
    listed = fclaude("history", "list", "--json")
    ids = [c["id"] for c in json.loads(listed.stdout)]
    shown = [fclaude("history", "show", "--json", str(i)) for i in reversed(ids)]
    [written], [read] = (json.loads(s.stdout)["turns"] for s in shown)
    assert written["cache_creation_input_tokens"] > 1024 and written["cache_read_input_tokens"] == 0
    # the system prompt (the shared prefix) is read back; only the new question is written
    assert read["cache_read_input_tokens"] == len(system) // 4
    assert read["cache_creation_input_tokens"] < 10
    assert all(c in written for c in CACHE_COLUMNS)
