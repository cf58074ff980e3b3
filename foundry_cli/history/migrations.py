"""Schema migrations: an ordered list, each applied once and recorded in ``_migrations``.

Append new migrations at the end; never edit one that has shipped.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

Migration = Callable[[sqlite3.Connection], None]


def _run(db: sqlite3.Connection, script: str) -> None:
    # not executescript(): it commits first, which would break the migration's transaction
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def _m001_initial(db: sqlite3.Connection) -> None:
    _run(
        db,
        """
        CREATE TABLE conversations (
            id INTEGER PRIMARY KEY,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            profile TEXT,
            title TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE turns (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            created_at REAL NOT NULL,
            prompt TEXT NOT NULL,
            system TEXT,
            answer TEXT NOT NULL DEFAULT '',
            thinking TEXT NOT NULL DEFAULT '[]',
            model TEXT,
            deployment TEXT,
            api TEXT,
            profile TEXT,
            input_tokens INTEGER,
            output_tokens INTEGER,
            stop_reason TEXT,
            request_id TEXT,
            status TEXT NOT NULL CHECK (status IN ('complete', 'interrupted', 'incomplete', 'error')),
            error TEXT
        );
        CREATE INDEX turns_by_conversation ON turns(conversation_id, seq);
        CREATE INDEX conversations_by_update ON conversations(updated_at);
        """,
    )


def _m002_latency_region_attachments(db: sqlite3.Connection) -> None:
    _run(
        db,
        """
        ALTER TABLE turns ADD COLUMN region TEXT;
        ALTER TABLE turns ADD COLUMN first_token_ms REAL;
        ALTER TABLE turns ADD COLUMN total_ms REAL;
        ALTER TABLE turns ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
        """,
    )


def _m003_cache_usage(db: sqlite3.Connection) -> None:
    # prompt-cache usage; NULL on rows stored before (unknown, not zero)
    _run(
        db,
        """
        ALTER TABLE turns ADD COLUMN cache_creation_input_tokens INTEGER;
        ALTER TABLE turns ADD COLUMN cache_creation_5m INTEGER;
        ALTER TABLE turns ADD COLUMN cache_creation_1h INTEGER;
        ALTER TABLE turns ADD COLUMN cache_read_input_tokens INTEGER;
        """,
    )


def _m004_usage_index(db: sqlite3.Connection) -> None:
    # `fclaude usage` reads only these columns: a covering index lets it skip the answers' pages
    _run(
        db,
        """
        CREATE INDEX turns_usage ON turns(
            created_at, model, deployment, profile, input_tokens, output_tokens,
            cache_creation_input_tokens, cache_creation_5m, cache_creation_1h, cache_read_input_tokens
        );
        """,
    )


MIGRATIONS: tuple[tuple[str, Migration], ...] = (
    ("001_initial", _m001_initial),
    ("002_latency_region_attachments", _m002_latency_region_attachments),
    ("003_cache_usage", _m003_cache_usage),
    ("004_usage_index", _m004_usage_index),
)


def migrate(db: sqlite3.Connection) -> list[str]:
    """Apply pending migrations in order, each in its own transaction; return their names."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)")
    done = {row[0] for row in db.execute("SELECT name FROM _migrations")}
    applied = []
    for name, step in MIGRATIONS:
        if name in done:
            continue
        db.execute("BEGIN IMMEDIATE")  # one transaction: a migration is applied whole or not at all
        try:
            # a concurrent process may have applied it while we waited for the write lock
            if db.execute("SELECT 1 FROM _migrations WHERE name = ?", (name,)).fetchone():
                db.execute("COMMIT")
                continue
            step(db)
            db.execute("INSERT INTO _migrations VALUES (?, ?)", (name, time.time()))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied
