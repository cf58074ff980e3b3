"""``history.db``: every ask and chat turn, stored as soon as it completes (or fails).

One SQLite file in WAL mode (readers never block the writer), ``busy_timeout`` so concurrent
fclaude processes queue instead of failing, created 0600. A partial answer is stored with its
status (``interrupted``, ``incomplete``, ``error``), never dropped.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from foundry_cli.config.fileio import ensure_private_dir
from foundry_cli.errors import ConfigError
from foundry_cli.history.migrations import migrate

Status = Literal["complete", "interrupted", "incomplete", "error"]


@dataclass
class Turn:
    prompt: str
    answer: str = ""
    status: Status = "complete"
    system: str | None = None
    thinking: list[dict[str, str]] = field(default_factory=list)  # [{"text", "signature"}]
    attachments: list[dict[str, str]] = field(default_factory=list)  # [{"name", "sha256", ...}]
    model: str | None = None
    deployment: str | None = None
    api: str | None = None
    profile: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    stop_reason: str | None = None
    request_id: str | None = None
    region: str | None = None
    first_token_ms: float | None = None
    total_ms: float | None = None
    error: str | None = None
    # filled in when read back
    id: int | None = None
    conversation_id: int | None = None
    seq: int | None = None
    created_at: float | None = None


@dataclass(frozen=True)
class ConversationSummary:
    id: int
    created_at: float
    updated_at: float
    profile: str | None
    title: str
    turns: int
    deployment: str | None
    last_status: str


_READ_ONLY = ("id", "conversation_id", "seq", "created_at")
_TURN_COLUMNS = tuple(f.name for f in fields(Turn) if f.name not in _READ_ONLY)


class HistoryStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        ensure_private_dir(path.parent)
        if not path.exists():  # created 0600 before SQLite opens it; WAL/SHM files follow its mode
            with contextlib.suppress(FileExistsError):
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        try:
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
            self.db.execute("PRAGMA busy_timeout = 30000")
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA foreign_keys = ON")
            migrate(self.db)
        except sqlite3.DatabaseError as exc:
            raise ConfigError(
                f"{path} is not a usable history database ({exc}); move it aside to start a new one, "
                "or pass --no-history."
            ) from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- writing ---------------------------------------------------------------------------

    def add_turn(self, turn: Turn, conversation_id: int | None = None) -> tuple[int, int]:
        """Store ``turn`` (in a new conversation unless one is given); returns (conversation, turn) ids."""
        now = time.time()
        row = asdict(turn)
        row["thinking"] = json.dumps(turn.thinking)
        row["attachments"] = json.dumps(turn.attachments)
        with self._tx():
            if conversation_id is None:
                title = " ".join(turn.prompt.split())[:80]
                cur = self.db.execute(
                    "INSERT INTO conversations (created_at, updated_at, profile, title) VALUES (?, ?, ?, ?)",
                    (now, now, turn.profile, title),
                )
                conversation_id = int(cur.lastrowid or 0)
            else:
                self.db.execute(
                    "UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id)
                )
            seq = self.db.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM turns WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()[0]
            cols = ", ".join(_TURN_COLUMNS)
            marks = ", ".join("?" for _ in _TURN_COLUMNS)
            cur = self.db.execute(
                f"INSERT INTO turns (conversation_id, seq, created_at, {cols}) VALUES (?, ?, ?, {marks})",  # noqa: S608 - column names are constants
                (conversation_id, seq, now, *(row[c] for c in _TURN_COLUMNS)),
            )
        return conversation_id, int(cur.lastrowid or 0)

    def delete(self, conversation_id: int) -> bool:
        with self._tx():
            cur = self.db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
        return cur.rowcount > 0

    def delete_turn(self, turn_id: int) -> bool:
        """Remove one turn (chat's /undo and /retry take an exchange back)."""
        with self._tx():
            cur = self.db.execute("DELETE FROM turns WHERE id = ?", (turn_id,))
        return cur.rowcount > 0

    def delete_older_than(self, days: float) -> int:
        cutoff = time.time() - days * 86400
        with self._tx():
            cur = self.db.execute("DELETE FROM conversations WHERE updated_at < ?", (cutoff,))
        return cur.rowcount

    # -- reading ---------------------------------------------------------------------------

    def conversations(
        self,
        *,
        limit: int = 20,
        profile: str | None = None,
        search: str | None = None,
        conversation_id: int | None = None,
    ) -> list[ConversationSummary]:
        """Newest first. ``search`` matches prompts and answers (case-insensitive substring)."""
        where: list[str] = []
        args: list[Any] = []
        if conversation_id is not None:
            where.append("c.id = ?")
            args.append(conversation_id)
        if profile is not None:
            where.append("c.profile = ?")
            args.append(profile)
        if search:
            where.append(
                "EXISTS (SELECT 1 FROM turns s WHERE s.conversation_id = c.id AND "
                "(instr(lower(s.prompt), lower(?)) > 0 OR instr(lower(s.answer), lower(?)) > 0))"
            )
            args += [search, search]
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self.db.execute(
            f"""
            SELECT c.id, c.created_at, c.updated_at, c.profile, c.title,
                   (SELECT COUNT(*) FROM turns t WHERE t.conversation_id = c.id),
                   (SELECT t.deployment FROM turns t
                    WHERE t.conversation_id = c.id ORDER BY t.seq DESC LIMIT 1),
                   (SELECT t.status FROM turns t
                    WHERE t.conversation_id = c.id ORDER BY t.seq DESC LIMIT 1)
            FROM conversations c {clause}
            ORDER BY c.updated_at DESC, c.id DESC LIMIT ?
            """,  # noqa: S608 - the clause is built from constants; values are bound
            (*args, limit),
        ).fetchall()
        return [ConversationSummary(*r) for r in rows]

    def turns(self, conversation_id: int) -> list[Turn]:
        names = [*_READ_ONLY, *_TURN_COLUMNS]
        cols = ", ".join(names)
        rows = self.db.execute(
            f"SELECT {cols} FROM turns WHERE conversation_id = ? ORDER BY seq",  # noqa: S608 - constants
            (conversation_id,),
        ).fetchall()
        out = []
        for r in rows:
            d: dict[str, Any] = dict(zip(names, r, strict=True))
            d["thinking"] = json.loads(d["thinking"] or "[]")
            d["attachments"] = json.loads(d["attachments"] or "[]")
            out.append(Turn(**d))
        return out

    def last_conversation_id(self, profile: str | None = None) -> int | None:
        found = self.conversations(limit=1, profile=profile)
        return found[0].id if found else None


def to_markdown(summary: ConversationSummary, turns: Sequence[Turn]) -> str:
    """A conversation as markdown (``history export --format markdown``, chat's ``/save``)."""
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(summary.created_at))
    parts = [f"# {summary.title or 'Conversation'}", "", f"*{when} · profile {summary.profile or '-'}*", ""]
    for t in turns:
        if t.system:
            parts += ["**System:**", "", t.system, ""]
        parts += [f"## You ({t.seq})", "", t.prompt, "", f"## {t.deployment or 'Claude'}", ""]
        parts += [t.answer or "*(no answer)*", ""]
        if t.status != "complete":
            parts += [f"*[{t.status}{': ' + t.error if t.error else ''}]*", ""]
    return "\n".join(parts).rstrip() + "\n"
