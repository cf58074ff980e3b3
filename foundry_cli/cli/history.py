"""``fclaude history list/show/export/rm``: the conversation store."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Any

import typer

from foundry_cli.cli import _complete
from foundry_cli.cli._options import number, whole_number
from foundry_cli.errors import UsageError
from foundry_cli.render.output import Column, Output

if TYPE_CHECKING:
    from foundry_cli.history.store import HistoryStore

app = typer.Typer(
    help="""Browse, export and delete stored conversations.

    Every ask and chat turn is stored in history.db (unless --no-history or history = false).

    Examples:

    \b
      fclaude history list --search "foundry"
      fclaude history show 12
      fclaude history export 12 > conversation.md
      fclaude history rm --older-than 30
    """,
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

LIST_COLUMNS = (
    Column("ID", align="right"),
    Column("UPDATED", min_width=16),
    Column("TURNS", align="right", drop=3),
    Column("STATUS", min_width=10),
    Column("DEPLOYMENT", min_width=12, drop=2),
    Column("PROFILE", drop=4),
    Column("TITLE", min_width=12, drop=1),
)

IdArg = Annotated[
    int,
    typer.Argument(
        metavar="ID",
        parser=whole_number(1),
        help="Conversation id (from `fclaude history list`).",
        autocompletion=_complete.complete_history,
    ),
]
ListJsonOpt = Annotated[
    bool, typer.Option("--json", help="Print a JSON list: one object per conversation, newest first.")
]
ShowJsonOpt = Annotated[
    bool, typer.Option("--json", help="Print one JSON object: the conversation and its turns.")
]


def _store() -> HistoryStore:
    from foundry_cli.config.paths import get_paths
    from foundry_cli.history.store import HistoryStore

    return HistoryStore(get_paths().history_db)


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


#: the fields that hold a Unix time in the store, shown as ISO 8601 in JSON
TIMESTAMPS = ("created_at", "updated_at")


def _iso(record: Any) -> dict[str, Any]:
    """A stored record as a JSON object, its times in ISO 8601 (UTC, millisecond precision)."""
    import datetime as dt

    doc = asdict(record)
    for key in TIMESTAMPS:
        if isinstance(doc.get(key), int | float):
            try:
                when = dt.datetime.fromtimestamp(doc[key], tz=dt.timezone.utc)
            except (OverflowError, ValueError, OSError):  # a hand-edited row: no time to show
                doc[key] = None
                continue
            doc[key] = when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return doc


def _conversation(store: HistoryStore, conversation_id: int) -> tuple[Any, list[Any]]:
    found = store.conversations(limit=1, conversation_id=conversation_id)
    if not found:
        raise UsageError(
            f"No conversation {conversation_id} in history; `fclaude history list` shows the ids."
        )
    return found[0], store.turns(conversation_id)


@app.command("list")
def history_list(
    limit: Annotated[
        int,
        typer.Option("--limit", "-n", metavar="N", parser=whole_number(1), help="How many (newest first)."),
    ] = 20,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            metavar="NAME",
            help="Only this profile's.",
            autocompletion=_complete.complete_profiles,
        ),
    ] = None,
    search: Annotated[
        str | None, typer.Option("--search", metavar="TEXT", help="Text in a prompt or answer.")
    ] = None,
    json_out: ListJsonOpt = False,
) -> None:
    """List conversations, newest first."""
    with _store() as store:
        rows = store.conversations(limit=limit, profile=profile, search=search)
    out = Output()
    if json_out:
        out.json([_iso(r) for r in rows])
        return
    if not rows:
        out.note("no conversations in history" + (" match" if profile or search else "") + ".")
        return
    out.table(
        LIST_COLUMNS,
        [[r.id, _when(r.updated_at), r.turns, r.last_status, r.deployment, r.profile, r.title] for r in rows],
    )


@app.command("show")
def history_show(conversation_id: IdArg, json_out: ShowJsonOpt = False) -> None:
    """Show one conversation with every turn.

    On a terminal the markdown is rendered, through a pager ($PAGER, else `less -R`) when it is
    longer than the screen; piped, it is the markdown as it is (as `export` prints it).
    """
    _print_conversation(conversation_id, json_out=json_out, raw=False)


def _print_conversation(conversation_id: int, *, json_out: bool, raw: bool) -> None:
    """One conversation as JSON or markdown. ``raw``: data for a file or a program, byte-exact;
    otherwise terminal-safe when stdout is a terminal (titles and answers are server text)."""
    from foundry_cli.history.store import to_markdown

    with _store() as store:
        summary, turns = _conversation(store, conversation_id)
    out = Output()
    if json_out:
        out.json({**_iso(summary), "turns": [_iso(t) for t in turns]})
    elif not raw and out.live:
        _page(out, render_markdown(out, to_markdown(summary, turns)))
    else:
        out.text(to_markdown(summary, turns), raw=raw)


def render_markdown(out: Output, text: str) -> str:
    """``text`` rendered as the answers are on a terminal (rich markdown, terminal-safe first)."""
    import io

    from foundry_cli.render.console import make_console
    from foundry_cli.render.markdown import markdown_document
    from foundry_cli.sanitize import terminal_safe

    console = make_console(out.stdout, env=out.env, width=out.width)
    buffer = io.StringIO()
    console.file = buffer
    console.print(markdown_document(terminal_safe(text)))
    return buffer.getvalue()


def pager_command(env: Any) -> list[str]:
    """``$PAGER`` split as a shell would, else ``less -R`` (which shows the colours)."""
    import shlex

    return shlex.split(env.get("PAGER", "").strip() or "less -R")


def _page(out: Output, text: str) -> None:
    """``text`` on the terminal: through the pager when it does not fit on one screen, else as it
    is; as it is, too, when the pager cannot be started."""
    import os
    import subprocess

    try:
        rows = os.get_terminal_size(out.stdout.fileno()).lines
    except (AttributeError, ValueError, OSError):
        rows = 0
    if rows and text.count("\n") >= rows:
        out.flush()
        try:
            pager = subprocess.Popen(pager_command(out.env), stdin=subprocess.PIPE, text=True)
        except (OSError, ValueError):
            pager = None  # no such pager: print it all instead
        if pager is not None and pager.stdin is not None:
            try:
                with pager.stdin:
                    pager.stdin.write(text)
            except BrokenPipeError:  # the reader quit the pager before the end
                pass
            pager.wait()
            return
    out.text(text, raw=True)  # rendered from terminal-safe text: only rich's own escape codes


@app.command("export")
def history_export(
    conversation_id: IdArg,
    fmt: Annotated[
        str, typer.Option("--format", "-f", metavar="markdown|json", help="Output format.")
    ] = "markdown",
) -> None:
    """Print a conversation as markdown or JSON (redirect to a file)."""
    if fmt not in ("markdown", "json"):
        raise UsageError(f"--format must be markdown or json, not {fmt!r}.")
    _print_conversation(conversation_id, json_out=fmt == "json", raw=True)


@app.command("rm")
def history_rm(
    conversation_id: Annotated[
        int | None,
        typer.Argument(
            metavar="[ID]",
            parser=whole_number(1),
            help="Conversation id to delete.",
            autocompletion=_complete.complete_history,
        ),
    ] = None,
    older_than: Annotated[
        float | None,
        typer.Option(
            "--older-than",
            metavar="DAYS",
            parser=number(0),
            help="Delete conversations idle this many days.",
        ),
    ] = None,
) -> None:
    """Delete one conversation, or all those idle for --older-than DAYS."""
    if (conversation_id is None) == (older_than is None):
        raise UsageError("Give a conversation id or --older-than DAYS (one of the two).")
    with _store() as store:
        if conversation_id is not None:
            if not store.delete(conversation_id):
                raise UsageError(f"No conversation {conversation_id} in history.")
            Output().say(f"deleted conversation {conversation_id}.")
        else:
            assert older_than is not None  # noqa: S101 - narrowed by the check above
            n = store.delete_older_than(older_than)
            Output().say(f"deleted {n} conversation(s) idle for more than {older_than:g} days.")
