"""`fclaude usage`: totals and estimated cost from a seeded history, checked against figures
computed by hand from the catalog's list prices (USD per million tokens):

- claude-sonnet-4-5: input 3, output 15, cache write 5m 3.75, 1h 6, cache read 0.3
- claude-haiku-5-5: input 0.1, output 0.5; above 100,000 prompt tokens per request every token
  bills at input 0.5, output 2.5 (decided per request, not on the sum)

| turn | day   | deployment        | profile | tokens (in/out/write/read)   | cost                                   |
|------|-------|-------------------|---------|------------------------------|----------------------------------------|
| 1    | 11-10 | sonnet            | work    | 1000/500/2000 (5m)/10000     | 3000+7500+7500+3000 = 0.021            |
| 2    | 11-10 | sonnet            | ci      | 2000/1000/1000 (1h)/0        | 6000+15000+6000 = 0.027                |
| 3    | 11-11 | haiku             | work    | 150000/1000, cache unknown   | long: 75000+2500 = 0.0775              |
| 4    | 11-11 | haiku             | work    | 50000/2000/0/0               | 5000+1000 = 0.006                      |
| 5    | 11-11 | haiku             | work    | 60000/0/0/0                  | 6000 = 0.006 (4+5 sum > 100k: still short) |
| 6    | 11-11 | custom            | ci      | 400/100 (my-finetune)        | unknown                                |
| 7    | 11-11 | claude-sonnet-4-5 | home    | 100/100, model not recorded  | 300+1500 = 0.0018 (the deployment's name) |
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from foundry_cli.cli.usage import parse_since
from foundry_cli.config.paths import get_paths
from foundry_cli.errors import UsageError
from foundry_cli.history.store import HistoryStore, Turn
from tests.support import Fclaude

D1 = dt.datetime(2026, 11, 10, 12, 0).timestamp()  # local noon: the same local day everywhere
D2 = dt.datetime(2026, 11, 11, 12, 0).timestamp()


def turn(deployment: str, model: str | None, profile: str, i: int, o: int, **cache: int | None) -> Turn:
    fields: dict[str, int | None] = {
        "cache_creation_input_tokens": 0,
        "cache_creation_5m": 0,
        "cache_creation_1h": 0,
        "cache_read_input_tokens": 0,
        **cache,
    }
    return Turn(
        prompt="q", answer="a", deployment=deployment, model=model, profile=profile,
        input_tokens=i, output_tokens=o, **fields,
    )  # fmt: skip


SEED = [
    (D1, turn("sonnet", "claude-sonnet-4-5", "work", 1000, 500, cache_creation_input_tokens=2000,
              cache_creation_5m=2000, cache_read_input_tokens=10000)),
    (D1, turn("sonnet", "claude-sonnet-4-5", "ci", 2000, 1000, cache_creation_input_tokens=1000,
              cache_creation_1h=1000)),
    (D2, turn("haiku", "claude-haiku-5-5", "work", 150000, 1000, cache_creation_input_tokens=None,
              cache_creation_5m=None, cache_creation_1h=None, cache_read_input_tokens=None)),
    (D2, turn("haiku", "claude-haiku-5-5", "work", 50000, 2000)),
    (D2, turn("haiku", "claude-haiku-5-5", "work", 60000, 0)),
    (D2, turn("custom", "my-finetune", "ci", 400, 100)),
    (D2, turn("claude-sonnet-4-5", None, "home", 100, 100)),
]  # fmt: skip


@pytest.fixture
def seeded() -> None:
    with HistoryStore(get_paths().history_db) as store:
        for when, t in SEED:
            _, turn_id = store.add_turn(t)
            store.db.execute("UPDATE turns SET created_at = ? WHERE id = ?", (when, turn_id))


def rows(doc: dict[str, object]) -> dict[str, dict[str, object]]:
    items = doc["rows"]
    assert isinstance(items, list)
    return {r["key"]: r for r in items}


@pytest.mark.usefixtures("seeded")
def test_by_day_matches_the_hand_computed_figures(fclaude: Fclaude) -> None:
    r = fclaude("usage", "--since", "all", "--json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["estimate"] is True and doc["by"] == "day" and doc["since"] is None
    by_day = rows(doc)
    assert list(by_day) == ["2026-11-10", "2026-11-11"]
    d1, d2 = by_day["2026-11-10"], by_day["2026-11-11"]
    assert (d1["turns"], d1["input_tokens"], d1["output_tokens"]) == (2, 3000, 1500)
    assert (d1["cache_write_tokens"], d1["cache_read_tokens"]) == (3000, 10000)
    assert d1["cost_usd"] == pytest.approx(0.048) and d1["unpriced_turns"] == 0
    assert (d2["turns"], d2["input_tokens"], d2["output_tokens"]) == (5, 260500, 3200)
    assert d2["cost_usd"] == pytest.approx(0.0913)
    assert d2["unpriced_turns"] == 1 and d2["cache_unknown_turns"] == 1
    total = doc["total"]
    assert total["turns"] == 7 and total["cost_usd"] == pytest.approx(0.1393)
    assert total["unpriced_turns"] == 1


@pytest.mark.usefixtures("seeded")
def test_by_deployment_unknown_price_is_unknown_not_zero(fclaude: Fclaude) -> None:
    doc = json.loads(fclaude("usage", "--since", "all", "--by", "deployment", "--json").stdout)
    by = rows(doc)
    # most expensive first
    assert list(by) == ["haiku", "sonnet", "claude-sonnet-4-5", "custom"]
    assert by["haiku"]["cost_usd"] == pytest.approx(0.0895)  # 0.0775 long + 0.006 + 0.006 short
    assert by["sonnet"]["cost_usd"] == pytest.approx(0.048)
    assert by["claude-sonnet-4-5"]["cost_usd"] == pytest.approx(0.0018)
    assert by["custom"]["cost_usd"] is None and by["custom"]["unpriced_turns"] == 1
    # the table says so in words
    r = fclaude("usage", "--since", "all", "--by", "deployment")
    assert r.exit_code == 0
    lines = {line.split()[0]: line for line in r.stdout.splitlines() if line.strip()}
    assert lines["custom"].split()[-2:] == ["unknown", "1"]
    assert "$0.0895" in lines["haiku"] and "$0.1393" in lines["TOTAL"]
    assert "EST. COST" in lines["DEPLOYMENT"]
    assert "estimates at list prices" in r.stderr and "1 turn(s) are unpriced" in r.stderr
    assert "1 turn(s) were stored before cache usage was recorded" in r.stderr


@pytest.mark.usefixtures("seeded")
def test_by_profile_and_csv(fclaude: Fclaude) -> None:
    r = fclaude("usage", "--since", "all", "--by", "profile", "--csv")
    assert r.exit_code == 0, r.stderr
    table = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [row["profile"] for row in table] == ["work", "ci", "home", "total"]
    cost = {row["profile"]: row["estimated_cost_usd"] for row in table}
    assert float(cost["work"]) == pytest.approx(0.1105)  # 0.021 + 0.0775 + 0.006 + 0.006
    assert float(cost["ci"]) == pytest.approx(0.027)  # and one unpriced turn
    assert float(cost["total"]) == pytest.approx(0.1393)
    assert {row["profile"]: row["unpriced_turns"] for row in table}["ci"] == "1"


@pytest.mark.usefixtures("seeded")
def test_since_an_iso_date(fclaude: Fclaude) -> None:
    doc = json.loads(fclaude("usage", "--since", "2026-11-11", "--json").stdout)
    assert list(rows(doc)) == ["2026-11-11"] and doc["total"]["turns"] == 5
    assert doc["since"].startswith("2026-11-11T00:00:00")


def test_since_spans() -> None:
    now = 1_800_000_000.0
    assert parse_since("30d", now) == now - 30 * 86400
    assert parse_since("7d", now) == now - 7 * 86400
    assert parse_since("24h", now) == now - 24 * 3600
    assert parse_since("all", now) is None
    assert parse_since("2026-11-01", now) == dt.datetime(2026, 11, 1).timestamp()
    with pytest.raises(UsageError, match="expected a span"):
        parse_since("yesterday", now)


def test_recent_turns_only_by_default(fclaude: Fclaude) -> None:
    with HistoryStore(get_paths().history_db) as store:
        store.add_turn(turn("sonnet", "claude-sonnet-4-5", "work", 1000, 0))  # now: $0.003
        _, old = store.add_turn(turn("sonnet", "claude-sonnet-4-5", "work", 5000, 0))
        store.db.execute("UPDATE turns SET created_at = created_at - 40 * 86400 WHERE id = ?", (old,))
    doc = json.loads(fclaude("usage", "--json").stdout)  # 30 days
    assert doc["total"]["turns"] == 1 and doc["total"]["cost_usd"] == pytest.approx(0.003)
    doc = json.loads(fclaude("usage", "--since", "60d", "--json").stdout)
    assert doc["total"]["turns"] == 2


def test_no_history_and_bad_options(fclaude: Fclaude) -> None:
    r = fclaude("usage")
    assert r.exit_code == 0 and "no turns in history" in r.stderr
    doc = json.loads(fclaude("usage", "--json").stdout)
    assert doc["rows"] == [] and doc["total"]["cost_usd"] == 0
    assert fclaude("usage", "--by", "model").exit_code == 2
    assert fclaude("usage", "--since", "soon").exit_code == 2
    assert fclaude("usage", "--json", "--csv").exit_code == 2


def test_csv_keys_cannot_run_as_formulas(fclaude: Fclaude) -> None:
    with HistoryStore(get_paths().history_db) as store:
        store.add_turn(turn("=HYPERLINK(1)", "claude-sonnet-4-5", "work", 10, 10))
    r = fclaude("usage", "--by", "deployment", "--csv")
    first = list(csv.reader(io.StringIO(r.stdout)))[1]
    assert first[0] == "'=HYPERLINK(1)"
