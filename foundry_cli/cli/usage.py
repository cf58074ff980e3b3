"""``fclaude usage``: tokens and estimated cost from history, by day, deployment or profile.

One SQL aggregate over ``turns`` grouped by the key, the model, the deployment, the profile and the
price tier (so a model whose long-prompt tier applies per request is priced per request, not on the
sum); each group is priced with the catalog's list prices. A model the catalog does not know, or
without a price, is counted as unpriced: shown as unknown, never as zero.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time
from dataclasses import dataclass, field, replace
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any

import typer

from foundry_cli.errors import UsageError
from foundry_cli.render.output import Column, Output
from foundry_cli.sanitize import one_line

if TYPE_CHECKING:
    import sqlite3

    from foundry_cli.catalog.loader import ModelInfo

BY = ("day", "deployment", "profile")
#: the key of each grouping, as SQL over ``turns``
KEY_SQL = {
    "day": "date(created_at, 'unixepoch', 'localtime')",
    "deployment": "deployment",
    "profile": "profile",
}
NOTE = (
    "costs are estimates at list prices (USD) from fclaude's model catalog, not a bill: discounts, "
    "taxes and provisioned throughput are not counted"
)
_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([dhw])\s*$", re.IGNORECASE)
_SECONDS = {"h": 3600, "d": 86400, "w": 7 * 86400}


def parse_since(text: str, now: float | None = None) -> float | None:
    """``30d``, ``24h``, ``2w``, an ISO date or date-time (local time unless it says otherwise), or
    ``all`` -> the epoch seconds to count from (None for all)."""
    now = time.time() if now is None else now
    raw = text.strip()
    if raw.lower() == "all":
        return None
    m = _SPAN.match(raw)
    if m:
        return now - float(m.group(1)) * _SECONDS[m.group(2).lower()]
    try:
        when = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise UsageError(
            f"--since {text!r}: expected a span such as 30d, 7d or 24h, an ISO date such as 2026-11-01, "
            "or all."
        ) from None
    return when.timestamp()  # naive: local time, as the day column is


@dataclass
class Totals:
    """Token sums and the priced cost of a set of turns. ``cost_usd`` sums the priced turns only;
    ``unpriced_turns`` counts those whose model or price is unknown."""

    turns: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0
    cost_usd: float | None = None
    unpriced_turns: int = 0
    #: turns stored before the cache fields were recorded (their cache usage is unknown)
    cache_unknown_turns: int = 0
    models: set[str] = field(default_factory=set)

    def add(self, other: Totals) -> None:
        self.turns += other.turns
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.cache_write_tokens += other.cache_write_tokens
        self.cache_read_tokens += other.cache_read_tokens
        if other.cost_usd is not None:
            self.cost_usd = (self.cost_usd or 0.0) + other.cost_usd
        self.unpriced_turns += other.unpriced_turns
        self.cache_unknown_turns += other.cache_unknown_turns
        self.models |= other.models

    def to_json(self) -> dict[str, Any]:
        return {
            "turns": self.turns,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_write_tokens": self.cache_write_tokens,
            "cache_read_tokens": self.cache_read_tokens,
            "cost_usd": None if self.cost_usd is None else round(self.cost_usd, 6),
            "unpriced_turns": self.unpriced_turns,
            "cache_unknown_turns": self.cache_unknown_turns,
            "models": sorted(self.models),
        }


@cache
def thresholds() -> tuple[int, ...]:
    """The catalog's long-prompt thresholds, ascending (each group records how many it exceeds)."""
    from foundry_cli.catalog.loader import load_catalog

    found = {m.price_long.threshold for m in load_catalog() if m.price_long and m.price_long.threshold}
    return tuple(sorted(t for t in found if t is not None))


def query(db: sqlite3.Connection, by: str, since: float | None) -> list[tuple[Any, ...]]:
    """One aggregate over ``turns``: (key, model, deployment, profile, tier, turns, input, output,
    cache write 5m, cache write 1h, cache read, turns with unknown cache usage)."""
    prompt = (
        "(COALESCE(input_tokens, 0) + COALESCE(cache_creation_input_tokens, 0)"
        " + COALESCE(cache_read_input_tokens, 0))"
    )
    limits = thresholds()
    tier = " + ".join(f"({prompt} > {int(t)})" for t in limits) or "0"
    # the 5m/1h split when the service gave it, else every write at the 5-minute price (the default)
    write_5m = (
        "CASE WHEN COALESCE(cache_creation_5m, 0) + COALESCE(cache_creation_1h, 0) > 0 "
        "THEN COALESCE(cache_creation_5m, 0) ELSE COALESCE(cache_creation_input_tokens, 0) END"
    )
    where = "WHERE created_at >= ?" if since is not None else ""
    sql = f"""
        SELECT {KEY_SQL[by]} AS k, model, deployment, profile, {tier} AS tier,
               COUNT(*),
               SUM(COALESCE(input_tokens, 0)), SUM(COALESCE(output_tokens, 0)),
               SUM({write_5m}), SUM(COALESCE(cache_creation_1h, 0)),
               SUM(COALESCE(cache_read_input_tokens, 0)),
               SUM(cache_creation_input_tokens IS NULL AND cache_read_input_tokens IS NULL
                   AND input_tokens IS NOT NULL)
        FROM turns {where}
        GROUP BY k, model, deployment, profile, tier
    """  # noqa: S608 - every interpolated part is a constant of this module
    return db.execute(sql, () if since is None else (since,)).fetchall()


def _model(model: Any, deployment: Any, profile: Any, cache: dict[tuple[Any, ...], ModelInfo | None]) -> Any:
    key = (model, deployment, profile)
    if key not in cache:
        from foundry_cli.catalog import find_model
        from foundry_cli.config.paths import get_paths
        from foundry_cli.learned import model_for

        info = find_model(model) if isinstance(model, str) and model else None
        if info is None and isinstance(deployment, str) and deployment:
            info = model_for(get_paths(), profile if isinstance(profile, str) else None, deployment)
        cache[key] = info
    return cache[key]


def _int(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def price(info: ModelInfo | None, tier: int, tokens: tuple[int, int, int, int, int]) -> float | None:
    """The list-price estimate of summed tokens in one price tier (``tier`` = how many catalog
    thresholds each of those requests exceeded), through the catalog's own ``cost_usd``."""
    if info is None or info.price is None:
        return None
    long = info.price_long
    limits = thresholds()
    is_long = (
        long is not None
        and long.threshold is not None
        and long.threshold in limits
        and tier > limits.index(long.threshold)
    )
    # the tier is decided per request (above); priced on the sums with that tier only
    flat = replace(info, price=long if is_long else info.price, price_long=None)
    return flat.cost_usd(*tokens)


def usage(db: sqlite3.Connection, by: str, since: float | None) -> tuple[dict[str, Totals], Totals]:
    """Totals per key (ordered: days ascending, else by cost then name) and the grand total."""
    rows: dict[str, Totals] = {}
    models: dict[tuple[Any, ...], ModelInfo | None] = {}
    for k, model, deployment, profile, tier, n, inp, out, w5, w1, read, cache_unknown in query(db, by, since):
        key = "(none)" if k is None else str(k)
        info = _model(model, deployment, profile, models)
        tokens = (_int(inp), _int(out), _int(w5), _int(w1), _int(read))
        # no tokens cost nothing whatever the price; an unknown price is unknown, never zero
        cost = 0.0 if not any(tokens) else price(info, _int(tier), tokens)
        group = Totals(
            turns=_int(n),
            input_tokens=tokens[0],
            output_tokens=tokens[1],
            cache_write_tokens=tokens[2] + tokens[3],
            cache_read_tokens=tokens[4],
            cost_usd=cost,
            unpriced_turns=0 if cost is not None else _int(n),
            cache_unknown_turns=_int(cache_unknown),
            models={info.id} if info is not None else ({str(model)} if model else set()),
        )
        rows.setdefault(key, Totals()).add(group)
    total = Totals(cost_usd=0.0 if not rows else None)  # nothing spent is known to cost nothing
    for t in rows.values():
        total.add(t)
    if by == "day":
        ordered = dict(sorted(rows.items()))
    else:
        ordered = dict(sorted(rows.items(), key=lambda kv: (-(kv[1].cost_usd or 0.0), kv[0])))
    return ordered, total


def money(cost: float | None) -> str:
    if cost is None:
        return "unknown"
    return f"${cost:,.4f}" if cost < 1 else f"${cost:,.2f}"


def _count(n: int) -> str:
    return f"{n:,}"


def _history_db() -> Any:
    from foundry_cli.config.paths import get_paths

    return get_paths().history_db


def usage_cmd(
    since: Annotated[
        str,
        typer.Option(
            "--since",
            metavar="WHEN",
            help="Count turns from WHEN: a span (30d, 7d, 24h, 2w), an ISO date (2026-11-01), or all.",
        ),
    ] = "30d",
    by: Annotated[
        str, typer.Option("--by", metavar="KEY", help="Group by day, deployment or profile.")
    ] = "day",
    json_out: Annotated[
        bool,
        typer.Option(
            "--json",
            help='Print one JSON object: {"estimate", "since", "by", "rows": [{"key", ...}], "total"}.',
        ),
    ] = False,
    csv_out: Annotated[
        bool, typer.Option("--csv", help="Print CSV: a header line, one line per key.")
    ] = False,
) -> None:
    """What you spent: tokens and estimated cost, from history.

    Costs are estimates at the catalog's list prices; a model without a known price is shown as
    unknown, never as zero.

    Examples:

    \b
      fclaude usage
      fclaude usage --since 7d --by deployment
      fclaude usage --since 2026-11-01 --csv > usage.csv
    """
    if by not in BY:
        raise UsageError(f"Unknown --by {by!r}; valid: {', '.join(BY)}.")
    if json_out and csv_out:
        raise UsageError("--json and --csv both write to stdout; give one of them.")
    start = parse_since(since)
    rows, total = _read_usage(by, start)
    since_iso = (
        None if start is None else dt.datetime.fromtimestamp(start).astimezone().isoformat(timespec="seconds")
    )
    out = Output()
    if json_out:
        _print_json(out, rows, total, by, since_iso)
    elif csv_out:
        _print_csv(out, rows, total, by)
    else:
        _print_table(out, rows, total, by, since_iso)


def _read_usage(by: str, start: float | None) -> tuple[dict[str, Totals], Totals]:
    """The rows and total from history.db; none (and nothing spent) when there is no history yet."""
    path = _history_db()
    if not path.exists():
        return {}, Totals(cost_usd=0.0)
    import sqlite3

    from foundry_cli.history.store import HistoryStore, history_error

    with HistoryStore(path) as store:
        try:
            return usage(store.db, by, start)
        except sqlite3.Error as exc:
            raise history_error(path, exc, "read it") from None


def _print_json(out: Output, rows: dict[str, Totals], total: Totals, by: str, since_iso: str | None) -> None:
    """The --json document."""
    doc = {
        "estimate": True,
        "currency": "USD",
        "note": NOTE,
        "since": since_iso,
        "by": by,
        "rows": [{"key": k, **t.to_json()} for k, t in rows.items()],
        "total": total.to_json(),
    }
    out.json(doc, indent=2)


def _print_csv(out: Output, rows: dict[str, Totals], total: Totals, by: str) -> None:
    """The --csv lines: a header, one line per key, the total."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    names = ["turns", "input_tokens", "output_tokens", "cache_write_tokens", "cache_read_tokens"]
    writer.writerow([by, *names, "estimated_cost_usd", "unpriced_turns"])
    for k, t in [*rows.items(), ("total", total)]:
        doc = t.to_json()
        cost = "" if doc["cost_usd"] is None else f"{doc['cost_usd']:.6f}"
        writer.writerow([_csv_safe(k), *(doc[n] for n in names), cost, t.unpriced_turns])
    out.text(buf.getvalue(), raw=True)


def _print_table(out: Output, rows: dict[str, Totals], total: Totals, by: str, since_iso: str | None) -> None:
    """The table, its notes, or a line saying there is nothing to show."""
    if not rows:
        out.say(f"no turns in history {'since ' + since_iso if since_iso else 'yet'}.")
        return
    columns = [
        Column(by.upper(), min_width=10),
        Column("TURNS", align="right"),
        Column("INPUT", align="right"),
        Column("OUTPUT", align="right"),
        Column("CACHE WRITE", align="right", drop=2),
        Column("CACHE READ", align="right", drop=1),
        Column("EST. COST", align="right"),
        Column("UNPRICED", align="right", drop=3),
    ]
    table = [
        [
            one_line(k, 60),
            _count(t.turns),
            _count(t.input_tokens),
            _count(t.output_tokens),
            _count(t.cache_write_tokens),
            _count(t.cache_read_tokens),
            money(t.cost_usd),
            _count(t.unpriced_turns) if t.unpriced_turns else "-",
        ]
        for k, t in [*rows.items(), ("TOTAL", total)]
    ]
    out.table(columns, table)
    out.note(NOTE + (f"; since {since_iso}" if since_iso else ""))
    if total.unpriced_turns:
        out.note(
            f"{total.unpriced_turns} turn(s) are unpriced: their model is not in the catalog or has no "
            "list price (the cost shown leaves them out)"
        )
    if total.cache_unknown_turns:
        out.note(
            f"{total.cache_unknown_turns} turn(s) were stored before cache usage was recorded: their "
            "cache writes and reads are unknown"
        )


def _csv_safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (a key is a deployment or profile name)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
