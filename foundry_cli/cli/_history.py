"""Store a finished (or failed) turn in history.db — shared by ask and, later, chat."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from foundry_cli.errors import FclaudeError

if TYPE_CHECKING:
    from foundry_cli.api.types import Request, Result
    from foundry_cli.config.settings import Settings
    from foundry_cli.history.store import Status, Turn


#: the profile name history records for a ``--emulator``/``--scenario`` run (it has no profile)
EMULATOR_PROFILE = "(emulator)"


def profile_label(resolved: Settings) -> str | None:
    """The profile a turn is stored under: its profile, or :data:`EMULATOR_PROFILE` for a try-it
    run against the built-in emulator (never None for those: ``history list`` marks them)."""
    if resolved.values["endpoint"].source.startswith("emulator"):
        return EMULATOR_PROFILE
    return resolved.profile


def record(
    resolved: Settings,
    req: Request,
    result: Result | None,
    status: Status,
    error: str | None = None,
    conversation_id: int | None = None,
) -> tuple[int, int] | None:
    """Store one turn; returns (conversation id, turn id), or None when history could not be written
    (a warning, never a lost answer)."""
    from foundry_cli.config.paths import get_paths
    from foundry_cli.history.store import HistoryStore, Turn

    turn = Turn(
        prompt=req.messages[-1].text,
        status=status,
        system=req.system,
        deployment=req.deployment,
        api=resolved.api,
        profile=profile_label(resolved),
        error=error,
        attachments=[
            {"name": a.name, "media_type": a.media_type, "sha256": a.sha256, "bytes": str(len(a.data))}
            for a in req.messages[-1].attachments
        ],
    )
    if result is not None:
        turn.answer = result.text
        turn.thinking = [{"text": t.text, "signature": t.signature} for t in result.thinking]
        turn.model = result.model
        turn.input_tokens = result.usage.input_tokens or None
        turn.output_tokens = result.usage.output_tokens or None
        _cache_usage(turn, result)
        turn.stop_reason = result.stop_reason
        turn.request_id = result.request_id
        turn.region = result.region
        turn.first_token_ms = result.first_token_ms
        turn.total_ms = result.total_ms
    try:
        with HistoryStore(get_paths().history_db) as store:
            return store.add_turn(turn, conversation_id)
    except (FclaudeError, OSError) as exc:
        sys.stderr.write(f"fclaude: warning: the turn was not saved to history ({exc}).\n")
        return None


def _cache_usage(turn: Turn, result: Result) -> None:
    """The prompt-cache columns: the totals whenever the service reported usage (0 = nothing was
    cached or read), the 5m/1h split of the writes only when it gave one; None = unknown."""
    u = result.usage
    if not (u.input_tokens or u.output_tokens or u.cache_creation_input_tokens or u.cache_read_input_tokens):
        return  # no usage arrived (an error before message_start, an interrupted connect)
    turn.cache_creation_input_tokens = u.cache_creation_input_tokens
    turn.cache_read_input_tokens = u.cache_read_input_tokens
    if u.cache_creation_5m or u.cache_creation_1h:
        turn.cache_creation_5m = u.cache_creation_5m
        turn.cache_creation_1h = u.cache_creation_1h


def forget(turn_id: int | None) -> None:
    """Delete a stored turn that the user took back (chat's /undo, /retry); best effort."""
    if turn_id is None:
        return
    from foundry_cli.config.paths import get_paths
    from foundry_cli.history.store import HistoryStore

    try:
        with HistoryStore(get_paths().history_db) as store:
            store.delete_turn(turn_id)
    except (FclaudeError, OSError) as exc:
        sys.stderr.write(f"fclaude: warning: history still holds the undone turn ({exc}).\n")
