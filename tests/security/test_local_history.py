"""Issue 9, finding 5 and the history lows: history.db failures are typed, labelled and never a crash.

A write failure after a good answer (locked past the busy timeout, read-only, disk full, not a
database) is a HistoryError naming the real cause and the fix; ``ask`` keeps the answer (exit 0,
a warning); ``history`` commands exit 3 with that message. Hand-edited rows (bad JSON, numbers
where text belongs) and ids or limits beyond SQLite's integers never crash a history command.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from foundry_cli.history import store as store_mod
from foundry_cli.history.store import HistoryError, HistoryStore, Turn, to_markdown
from tests.support import Fclaude


def _db(home: Path) -> Path:
    return home / "history.db"


def test_busy_timeout_is_seconds_not_half_a_minute(tmp_path: Path) -> None:
    assert store_mod.BUSY_TIMEOUT <= 5
    with HistoryStore(tmp_path / "h.db") as store:
        assert store.db.execute("PRAGMA busy_timeout").fetchone()[0] == int(store_mod.BUSY_TIMEOUT * 1000)


def test_locked_database_is_a_labelled_history_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_mod, "BUSY_TIMEOUT", 0.2)
    path = tmp_path / "h.db"
    HistoryStore(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
    try:
        with HistoryStore(path) as store, pytest.raises(HistoryError) as caught:
            store.add_turn(Turn(prompt="p", answer="a"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert caught.value.cause == "it is locked by another process"
    assert str(path) in caught.value.message and "--no-history" in caught.value.message


def test_read_only_database_says_read_only_and_how_to_fix(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    with HistoryStore(path) as store:
        store.db.execute("PRAGMA query_only = 1")  # the same SQLITE_READONLY a read-only file gives
        with pytest.raises(HistoryError) as caught:
            store.add_turn(Turn(prompt="p"))
    assert caught.value.cause == "the database is read-only"
    assert f"chmod u+w {path}" in caught.value.message


def test_disk_full_is_called_disk_full_not_unusable(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    with HistoryStore(path) as store:
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
        store.db.execute(f"PRAGMA max_page_count = {pages}")  # SQLITE_FULL on the next growth
        with pytest.raises(HistoryError) as caught:
            store.add_turn(Turn(prompt="p", answer="x" * 200_000))
        # the failed transaction was rolled back: the store is still usable for reading
        assert store.conversations() == []
    assert caught.value.cause == "the disk is full"
    assert "free some disk space" in caught.value.message


def test_not_a_database_names_the_file_and_the_move_aside(tmp_path: Path) -> None:
    path = tmp_path / "h.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(HistoryError) as caught:
        HistoryStore(path)
    assert caught.value.cause == "the file is not a database"
    assert f"mv {path} {path}.bad" in caught.value.message


def test_message_classification_works_without_error_codes() -> None:
    # Python 3.10's sqlite3 exceptions carry no sqlite_errorcode: the message decides
    for text, label in [
        ("database or disk is full", "the disk is full"),
        ("attempt to write a readonly database", "the database is read-only"),
        ("database is locked", "it is locked by another process"),
        ("file is not a database", "the file is not a database"),
    ]:
        err = store_mod.history_error(Path("/x/h.db"), sqlite3.OperationalError(text), "save the turn")
        assert err.cause == label


def test_ask_with_a_locked_history_keeps_the_answer_and_warns(fclaude: Fclaude, hermetic_env: Path) -> None:
    assert fclaude("ask", "first").exit_code == 0
    holder = sqlite3.connect(_db(hermetic_env), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        r = fclaude("ask", "second")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert r.exit_code == 0, r.stderr
    assert r.stdout.strip(), "the answer was delivered"
    assert "locked by another process" in r.stderr and "Traceback" not in r.stderr


def test_history_commands_exit_3_with_the_cause(fclaude: Fclaude, hermetic_env: Path) -> None:
    hermetic_env.mkdir(mode=0o700, parents=True, exist_ok=True)
    _db(hermetic_env).write_bytes(b"garbage, not sqlite " * 50)
    for args in (("history", "list"), ("history", "show", "1"), ("history", "rm", "1")):
        r = fclaude(*args)
        assert r.exit_code == 3, (args, r.stderr)
        assert "not a database" in r.stderr and "mv " in r.stderr, r.stderr
        assert "unexpected error" not in r.stderr


def test_a_fifo_as_history_db_is_refused_not_waited_on(fclaude: Fclaude, hermetic_env: Path) -> None:
    hermetic_env.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.mkfifo(_db(hermetic_env), 0o600)
    r = fclaude("history", "list", timeout=20)
    assert r.exit_code == 3 and "not a regular file" in r.stderr, r.stderr


def _hand_edited(home: Path) -> int:
    with HistoryStore(_db(home)) as store:
        cid, tid = store.add_turn(Turn(prompt="q", answer="a", thinking=[{"text": "t", "signature": "s"}]))
        store.db.execute(
            "UPDATE turns SET thinking = '{not json', attachments = '[1, \"x\", {\"name\": 5}]', "
            "answer = 42, model = x'ff00', input_tokens = 'many' WHERE id = ?",
            (tid,),
        )
        store.db.execute("UPDATE conversations SET created_at = 1e300, title = 7 WHERE id = ?", (cid,))
    return cid


def test_bad_json_and_odd_types_in_columns_do_not_crash_show_or_export(
    fclaude: Fclaude, hermetic_env: Path
) -> None:
    cid = _hand_edited(hermetic_env)
    r = fclaude("history", "show", str(cid), "--json")
    assert r.exit_code == 0, r.stderr
    [turn] = json.loads(r.stdout)["turns"]
    assert turn["thinking"] == [] and turn["attachments"] == [{"name": "5"}]
    assert turn["answer"] == "42" and turn["input_tokens"] is None
    for args in (("history", "show", str(cid)), ("history", "export", str(cid)), ("history", "list")):
        r = fclaude(*args)
        assert r.exit_code == 0, (args, r.stderr)
    r = fclaude("history", "export", str(cid), "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["turns"][0]["answer"] == "42"


def test_store_reads_hand_edited_rows(hermetic_env: Path) -> None:
    cid = _hand_edited(hermetic_env)
    with HistoryStore(_db(hermetic_env)) as store:
        [summary] = store.conversations(conversation_id=cid)
        [turn] = store.turns(cid)
    assert to_markdown(summary, [turn]).startswith("# 7")
    assert turn.model == "\ufffd\x00" and turn.thinking == []


@pytest.mark.parametrize(
    "args",
    [
        ("history", "list", "--limit", str(2**70)),
        ("history", "show", str(2**70)),
        ("history", "export", str(2**64)),
        ("history", "rm", str(2**63)),
    ],
)
def test_huge_numbers_are_usage_errors_not_overflow(fclaude: Fclaude, args: tuple[str, ...]) -> None:
    assert fclaude("ask", "something to list").exit_code == 0
    r = fclaude(*args)
    assert "OverflowError" not in r.stderr and "unexpected error" not in r.stderr, r.stderr
    assert r.exit_code == (0 if args[1] == "list" else 2), r.stderr


def test_store_accepts_out_of_range_ids_and_limits(tmp_path: Path) -> None:
    with HistoryStore(tmp_path / "h.db") as store:
        store.add_turn(Turn(prompt="p"))
        assert len(store.conversations(limit=2**80)) == 1
        assert store.conversations(conversation_id=2**80) == []
        assert store.turns(2**80) == [] and not store.delete(2**80) and not store.delete_turn(-(2**80))
