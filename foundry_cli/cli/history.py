"""``fclaude history list/show/export/rm``: the conversation store."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Any

import typer

from foundry_cli.cli._options import JsonOpt
from foundry_cli.errors import UsageError

if TYPE_CHECKING:
    from foundry_cli.history.store import HistoryStore

app = typer.Typer(
    help="Browse, export and delete stored conversations (history.db).",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

IdArg = Annotated[int, typer.Argument(help="Conversation id (from `fclaude history list`).", min=1)]


def _store() -> HistoryStore:
    from foundry_cli.config.paths import get_paths
    from foundry_cli.history.store import HistoryStore

    return HistoryStore(get_paths().history_db)


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


def _conversation(store: HistoryStore, conversation_id: int) -> tuple[Any, list[Any]]:
    found = store.conversations(limit=1, conversation_id=conversation_id)
    if not found:
        raise UsageError(
            f"No conversation {conversation_id} in history; `fclaude history list` shows the ids."
        )
    return found[0], store.turns(conversation_id)


@app.command("list")
def history_list(
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many (newest first).")] = 20,
    profile: Annotated[str | None, typer.Option("--profile", help="Only this profile's.")] = None,
    search: Annotated[str | None, typer.Option("--search", help="Text in a prompt or answer.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """List conversations, newest first."""
    with _store() as store:
        rows = store.conversations(limit=limit, profile=profile, search=search)
    if json_out:
        sys.stdout.write(json.dumps([asdict(r) for r in rows]) + "\n")
        return
    for r in rows:
        title = r.title if len(r.title) <= 60 else r.title[:59] + "…"
        sys.stdout.write(
            f"{r.id:>6}  {_when(r.updated_at)}  {r.turns:>3} turn{'s' if r.turns != 1 else ' '}  "
            f"{r.last_status:<11} {r.deployment or '-':<20} {title}\n"
        )


@app.command("show")
def history_show(conversation_id: IdArg, json_out: JsonOpt = False) -> None:
    """Show one conversation with every turn."""
    with _store() as store:
        summary, turns = _conversation(store, conversation_id)
    if json_out:
        sys.stdout.write(json.dumps({**asdict(summary), "turns": [asdict(t) for t in turns]}) + "\n")
        return
    from foundry_cli.history.store import to_markdown

    sys.stdout.write(to_markdown(summary, turns))


@app.command("export")
def history_export(
    conversation_id: IdArg,
    fmt: Annotated[str, typer.Option("--format", "-f", help="markdown or json.")] = "markdown",
) -> None:
    """Print a conversation as markdown or JSON (redirect to a file)."""
    if fmt not in ("markdown", "json"):
        raise UsageError(f"--format must be markdown or json, not {fmt!r}.")
    history_show(conversation_id, json_out=fmt == "json")


@app.command("rm")
def history_rm(
    conversation_id: Annotated[int | None, typer.Argument(help="Conversation id to delete.", min=1)] = None,
    older_than: Annotated[
        float | None, typer.Option("--older-than", min=0, help="Delete conversations idle this many days.")
    ] = None,
) -> None:
    """Delete one conversation, or all idle for more than --older-than DAYS."""
    if (conversation_id is None) == (older_than is None):
        raise UsageError("Give a conversation id or --older-than DAYS (one of the two).")
    with _store() as store:
        if conversation_id is not None:
            if not store.delete(conversation_id):
                raise UsageError(f"No conversation {conversation_id} in history.")
            sys.stderr.write(f"fclaude: deleted conversation {conversation_id}.\n")
        else:
            assert older_than is not None  # noqa: S101 - narrowed by the check above
            n = store.delete_older_than(older_than)
            sys.stderr.write(
                f"fclaude: deleted {n} conversation(s) idle for more than {older_than:g} days.\n"
            )
