"""``history.db``: every ask and chat turn, stored as soon as it completes (or fails).

One SQLite file in WAL mode (readers never block the writer), ``busy_timeout`` so concurrent
fclaude processes queue instead of failing, created 0600. A partial answer is stored with its
status (``interrupted``, ``incomplete``, ``error``), never dropped.

Every failure of the database (locked for longer than :data:`BUSY_TIMEOUT`, read-only, disk
full, not a database, ...) is raised as :class:`HistoryError`, which names the real cause and how
to fix it; ``ask``/``chat`` warn and keep the delivered answer, ``history`` commands exit 3.
Reading is tolerant: a column edited by hand (bad JSON, a number where text belongs) is shown as
well as it can be, never a crash.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shlex
import sqlite3
import stat
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from foundry_cli.config.fileio import check_trusted, ensure_private_dir, os_error_label
from foundry_cli.errors import ConfigError
from foundry_cli.history.migrations import migrate
from foundry_cli.redact import scrub

Status = Literal["complete", "interrupted", "incomplete", "error"]

#: seconds a write waits for another fclaude process's transaction (each holds it for milliseconds)
BUSY_TIMEOUT = 5.0
#: SQLite integers are signed 64-bit: a larger id or limit cannot match anything
_MAX_INT = 2**63 - 1


class HistoryError(ConfigError):
    """history.db cannot be used; ``cause`` is a short label ("the disk is full", ...)."""

    def __init__(self, message: str, *, cause: str) -> None:
        super().__init__(message)
        self.cause = cause


# SQLite's primary result codes (stable; the sqlite3 module names them only from Python 3.11)
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 3, 5, 6, 8, 10, 11, 13, 14, 26

# primary result code -> (label, fix); {path} and {folder} are filled in
_SQLITE_CAUSES: dict[int, tuple[str, str]] = {
    _FULL: ("the disk is full", "free some disk space"),
    _READONLY: (
        "the database is read-only",
        "make it writable (chmod u+w {path}; its folder {folder} must be writable too)",
    ),
    _BUSY: (
        "it is locked by another process",
        "another fclaude process held it for more than {busy:g} s; try again, or find that process "
        "(fuser {path})",
    ),
    _LOCKED: ("it is locked by another process", "try again"),
    _NOTADB: (
        "the file is not a database",
        "move it aside (mv {path} {path}.bad) to start a new one",
    ),
    _CORRUPT: (
        "the database is corrupt",
        "move it aside (mv {path} {path}.bad) to start a new one",
    ),
    _CANTOPEN: ("the file cannot be opened", "check that {folder} exists and is writable"),
    _IOERR: ("a disk read or write failed", "check the disk (and free space) under {folder}"),
    _PERM: ("permission denied", "check the owner and mode of {path} (ls -l {path})"),
}
# Python < 3.11 has no error codes on the exception: recognise the message instead
_MESSAGES: tuple[tuple[str, int], ...] = (
    ("disk is full", _FULL),
    ("readonly database", _READONLY),
    ("read-only", _READONLY),
    ("database is locked", _BUSY),
    ("is locked", _LOCKED),
    ("not a database", _NOTADB),
    ("malformed", _CORRUPT),
    ("unable to open", _CANTOPEN),
    ("disk i/o error", _IOERR),
)


def _code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF
    text = str(exc).lower()
    return next((c for needle, c in _MESSAGES if needle in text), None)


def history_error(path: Path, exc: sqlite3.Error | OSError, doing: str) -> HistoryError:
    """The typed error for ``exc`` while ``doing`` something with history.db at ``path``."""
    if isinstance(exc, OSError):
        label, fix = os_error_label(exc), "check the folder {folder}"
        if exc.errno == errno.ENOSPC:
            fix = "free some disk space"
    else:
        code = _code(exc)
        label, fix = _SQLITE_CAUSES.get(
            code or -1, (f"SQLite error: {exc}", "move it aside to start a new one")
        )
    fix = fix.format(path=shlex.quote(str(path)), folder=shlex.quote(str(path.parent)), busy=BUSY_TIMEOUT)
    return HistoryError(
        f"History database {path}: could not {doing}: {label}. Fix: {fix}; or pass --no-history.",
        cause=label,
    )


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
    #: prompt-cache usage: tokens written (with the 5m/1h split when the service gave it) and read;
    #: None on turns stored before these were recorded (unknown, not zero)
    cache_creation_input_tokens: int | None = None
    cache_creation_5m: int | None = None
    cache_creation_1h: int | None = None
    cache_read_input_tokens: int | None = None
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
    """Raises :class:`HistoryError` from every method when the database cannot be used."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            check_trusted(path.parent, path)
        except ConfigError as exc:
            raise HistoryError(exc.message, cause="untrusted") from None
        try:
            ensure_private_dir(path.parent)
            if not path.exists():  # created 0600 before SQLite opens it; WAL/SHM files follow its mode
                with contextlib.suppress(FileExistsError):
                    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            elif not stat.S_ISREG(path.stat().st_mode):  # a FIFO would hang SQLite, a device mislead it
                raise HistoryError(
                    f"History database {path} is not a regular file; remove it, or pass --no-history.",
                    cause="not a regular file",
                )
        except OSError as exc:
            raise history_error(path, exc, "create it") from None
        with self._errors("open it"):
            self.db = sqlite3.connect(
                path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
            )
            self.db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT * 1000)}")
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA foreign_keys = ON")
            migrate(self.db)

    @contextlib.contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise history_error(self.path, exc, doing) from None

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error, AttributeError):
            self.db.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _tx(self, doing: str = "save the turn") -> Iterator[None]:
        with self._errors(doing):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                # SQLite may have rolled back already (disk full): never let that hide the cause
                with contextlib.suppress(sqlite3.Error):
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
        row["error"] = scrub(turn.error) if turn.error else turn.error  # no secret is ever stored
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
        if not 0 < conversation_id <= _MAX_INT:
            return False
        with self._tx("delete the conversation"):
            cur = self.db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))
        return cur.rowcount > 0

    def delete_turn(self, turn_id: int) -> bool:
        """Remove one turn (chat's /undo and /retry take an exchange back)."""
        if not 0 < turn_id <= _MAX_INT:
            return False
        with self._tx("delete the turn"):
            cur = self.db.execute("DELETE FROM turns WHERE id = ?", (turn_id,))
        return cur.rowcount > 0

    def delete_older_than(self, days: float) -> int:
        cutoff = time.time() - days * 86400
        with self._tx("delete old conversations"):
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
        if conversation_id is not None and not 0 < conversation_id <= _MAX_INT:
            return []  # no row can have that id (and SQLite could not even bind it)
        limit = max(0, min(limit, _MAX_INT))
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
        with self._errors("read it"):
            rows = self._conversation_rows(clause, [*args, limit])
        return [_summary(r) for r in rows]

    def _conversation_rows(self, clause: str, args: list[Any]) -> list[Any]:
        return self.db.execute(
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
            args,
        ).fetchall()

    def turns(self, conversation_id: int) -> list[Turn]:
        if not 0 < conversation_id <= _MAX_INT:
            return []
        names = [*_READ_ONLY, *_TURN_COLUMNS]
        cols = ", ".join(names)
        with self._errors("read it"):
            rows = self.db.execute(
                f"SELECT {cols} FROM turns WHERE conversation_id = ? ORDER BY seq",  # noqa: S608 - constants
                (conversation_id,),
            ).fetchall()
        return [_turn(dict(zip(names, r, strict=True))) for r in rows]

    def last_conversation_id(self, profile: str | None = None) -> int | None:
        found = self.conversations(limit=1, profile=profile)
        return found[0].id if found else None


# -- tolerant reading: the file is the user's, and may have been edited by hand -----------------

_TEXT = (
    *("prompt", "answer", "status", "system", "model", "deployment", "api", "profile"),
    *("stop_reason", "request_id", "region", "error"),
)
_INTS = (
    *("id", "conversation_id", "seq", "input_tokens", "output_tokens"),
    *("cache_creation_input_tokens", "cache_creation_5m", "cache_creation_1h", "cache_read_input_tokens"),
)
_FLOATS = ("created_at", "first_token_ms", "total_ms")


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _number(value: Any, kind: type[int] | type[float]) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return kind(value) if value == value and abs(value) != float("inf") else None
    return None


def _timestamp(value: Any) -> float:
    """Epoch seconds that ``time.localtime`` can show (an edited row may hold 1e300 or text)."""
    t = _number(value, float)
    return t if t is not None and 0 <= t < 1e11 else 0.0


def _records(raw: Any) -> list[dict[str, str]]:
    """A JSON list of flat objects (thinking, attachments); anything else reads as empty."""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    if not isinstance(raw, str) or not raw:
        return []
    try:
        doc = json.loads(raw)
    except (ValueError, RecursionError):
        return []
    if not isinstance(doc, list):
        return []
    return [{str(k): _text(v) or "" for k, v in item.items()} for item in doc if isinstance(item, dict)]


def _turn(d: dict[str, Any]) -> Turn:
    for name in _TEXT:
        d[name] = _text(d[name])
    d["prompt"] = d["prompt"] or ""
    d["answer"] = d["answer"] or ""
    for name in _INTS:
        d[name] = _number(d[name], int)
    for name in _FLOATS:
        d[name] = _number(d[name], float)
    d["thinking"] = _records(d["thinking"])
    d["attachments"] = _records(d["attachments"])
    return Turn(**d)


def _summary(r: Sequence[Any]) -> ConversationSummary:
    cid, created, updated, profile, title, turns, deployment, status = r
    return ConversationSummary(
        id=int(cid),
        created_at=_timestamp(created),
        updated_at=_timestamp(updated),
        profile=_text(profile),
        title=_text(title) or "",
        turns=int(turns),
        deployment=_text(deployment),
        last_status=_text(status) or "?",
    )


_ATX_HEADING = re.compile(r"^( {0,3})(#{1,6})(?=[ \t]|$)")
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def demote_headings(text: str, levels: int = 2) -> str:
    """``text`` with its ATX headings ``levels`` down (``#`` becomes ``###``, at most ``######``),
    code fences left alone: an answer's own headings then nest under the turn's ``##`` heading
    instead of reading as new turns."""
    out: list[str] = []
    fence = ""  # the open fence's marker ("```", "~~~~"), or "" outside a fence
    for line in text.split("\n"):
        if fence:
            stripped = line.strip()
            if stripped.startswith(fence) and set(stripped) == {fence[0]}:
                fence = ""
        elif m := _FENCE_OPEN.match(line):
            fence = m.group(1)
        elif m := _ATX_HEADING.match(line):
            hashes = "#" * min(6, len(m.group(2)) + levels)
            line = m.group(1) + hashes + line[m.end() :]
        out.append(line)
    return "\n".join(out)


def to_markdown(summary: ConversationSummary, turns: Sequence[Turn]) -> str:
    """A conversation as markdown (``history export --format markdown``, chat's ``/save``).

    The conversation is ``#``, each prompt and answer ``##``; headings inside a prompt or an answer
    are moved two levels down (:func:`demote_headings`), so they never read as a turn of their own.
    """
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(summary.created_at))
    parts = [f"# {summary.title or 'Conversation'}", "", f"*{when} · profile {summary.profile or '-'}*", ""]
    for t in turns:
        if t.system:
            parts += ["**System:**", "", demote_headings(t.system), ""]
        parts += [f"## You ({t.seq})", "", demote_headings(t.prompt), ""]
        parts += [f"## {t.deployment or 'Claude'}", ""]
        parts += [demote_headings(t.answer) if t.answer else "*(no answer)*", ""]
        if t.status != "complete":
            parts += [f"*[{t.status}{': ' + t.error if t.error else ''}]*", ""]
    return "\n".join(parts).rstrip() + "\n"
