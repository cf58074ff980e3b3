"""history.db: every status stored, migrations on an old file, concurrent writers lose nothing."""

from __future__ import annotations

import multiprocessing
import sqlite3
import stat
from pathlib import Path

import pytest

from foundry_cli.history.migrations import MIGRATIONS
from foundry_cli.history.store import HistoryError, HistoryStore, Turn, to_markdown


@pytest.mark.parametrize("status", ["complete", "interrupted", "incomplete", "error"])
def test_every_status_round_trips(tmp_path: Path, status: str) -> None:
    with HistoryStore(tmp_path / "h.db") as store:
        turn = Turn(
            prompt="p",
            answer="partial a",
            status=status,
            thinking=[{"text": "t", "signature": "s"}],
            input_tokens=3,
            output_tokens=4,
            request_id="req_1",
            region="East US 2",
            error="boom",
        )
        cid, tid = store.add_turn(turn)
        [back] = store.turns(cid)
    assert (back.status, back.answer, back.thinking, back.request_id, back.id) == (
        status,
        "partial a",
        [{"text": "t", "signature": "s"}],
        "req_1",
        tid,
    )


def test_unknown_status_is_rejected(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.db") as store, pytest.raises(HistoryError, match="SQLite error"):
        store.add_turn(Turn(prompt="p", status="bogus"))  # type: ignore[arg-type]


def test_file_is_private_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "h.db"
    with HistoryStore(path) as store:
        store.add_turn(Turn(prompt="p"))
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_conversations_turns_search_and_delete(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.db") as store:
        c1, _ = store.add_turn(Turn(prompt="first question about Foundry", profile="work", deployment="d1"))
        store.add_turn(Turn(prompt="follow up", answer="the NEEDLE answer", status="interrupted"), c1)
        c2, _ = store.add_turn(Turn(prompt="other", profile="home"))
        listed = store.conversations()
        assert [c.id for c in listed] == [c2, c1]
        assert listed[1].turns == 2 and listed[1].last_status == "interrupted"
        assert [c.id for c in store.conversations(search="needle")] == [c1]
        assert [c.id for c in store.conversations(profile="home")] == [c2]
        assert [t.seq for t in store.turns(c1)] == [1, 2]
        md = to_markdown(listed[1], store.turns(c1))
        assert "first question" in md and "NEEDLE" in md and "[interrupted]" in md
        assert store.delete(c1) and store.turns(c1) == [] and not store.delete(c1)
        store.db.execute("UPDATE conversations SET updated_at = 0")
        assert store.delete_older_than(30) == 1 and store.conversations() == []


def test_migrations_upgrade_an_old_schema_file(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)")
    name, first = MIGRATIONS[0]
    first(db)  # a database created by a version that only had the first migration
    db.execute("INSERT INTO _migrations VALUES (?, 0)", (name,))
    db.execute("INSERT INTO conversations (created_at, updated_at, title) VALUES (1, 1, 'old')")
    db.execute(
        "INSERT INTO turns (conversation_id, seq, created_at, prompt, status) VALUES (1, 1, 1, 'old p', 'complete')"
    )
    db.close()
    with HistoryStore(path) as store:
        applied = {r[0] for r in store.db.execute("SELECT name FROM _migrations")}
        assert applied == {n for n, _ in MIGRATIONS}
        [old] = store.turns(1)
        assert old.prompt == "old p" and old.attachments == [] and old.region is None
        store.add_turn(Turn(prompt="new", region="Sweden Central"), 1)
        assert store.turns(1)[1].region == "Sweden Central"


def test_a_corrupt_file_is_a_clear_error(tmp_path: Path) -> None:
    from foundry_cli.errors import ConfigError

    path = tmp_path / "h.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(ConfigError, match="--no-history"):
        HistoryStore(path)


def _writer(path: str, who: int, n: int) -> None:
    with HistoryStore(Path(path)) as store:
        for i in range(n):
            store.add_turn(Turn(prompt=f"writer {who} turn {i}"))


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    HistoryStore(path).close()
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(path), w, 40)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    with HistoryStore(path) as store:
        prompts = {t.prompt for c in store.conversations(limit=1000) for t in store.turns(c.id)}
    assert prompts == {f"writer {w} turn {i}" for w in range(4) for i in range(40)}
