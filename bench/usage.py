"""`fclaude usage` on a history of 100,000 turns (median of N runs, as a subprocess).

The history spans 60 days, three profiles, four deployments (one model the catalog does not know, one
with a long-prompt price tier), cache usage on most turns and none recorded on the oldest.

python bench/usage.py [--turns 100000] [--runs 5] [--answer-chars 140]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from foundry_cli.history.store import HistoryStore, Turn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from history import time_cases

DEPLOYMENTS = (
    ("sonnet", "claude-sonnet-4-5"),
    ("opus", "claude-opus-4-6"),
    ("haiku", "claude-haiku-5-5"),  # price_long above 100k prompt tokens
    ("custom", "my-finetune"),  # not in the catalog: unpriced
)
PROFILES = ("work", "ci", "home")


def seed(path: Path, turns: int, answer_chars: int = 140) -> float:
    """``turns`` turns in conversations of five, written in one transaction; returns seconds."""
    rng = random.Random(7)
    now = time.time()
    t0 = time.perf_counter()
    with HistoryStore(path) as store:
        store.add_turn(Turn(prompt="first", deployment="sonnet", model="claude-sonnet-4-5"))  # the schema
        db = store.db
        db.execute("BEGIN IMMEDIATE")
        cid = 0
        rows = []
        for i in range(turns):
            created = now - rng.random() * 60 * 86400
            if i % 5 == 0:
                cid = db.execute(
                    "INSERT INTO conversations (created_at, updated_at, profile, title) VALUES (?, ?, ?, ?)",
                    (created, created, PROFILES[i % 3], f"conversation {i}"),
                ).lastrowid
            deployment, model = DEPLOYMENTS[rng.randrange(len(DEPLOYMENTS))]
            old = created < now - 45 * 86400  # stored before cache usage was recorded
            write = rng.choice((0, 0, 2048, 4096))
            rows.append(
                (
                    cid,
                    i % 5 + 1,
                    created,
                    f"question {i}",
                    ("answer " * (answer_chars // 7 + 1))[:answer_chars],
                    model,
                    deployment,
                    "messages",
                    PROFILES[i % 3],
                    rng.randrange(10, 150_000),
                    rng.randrange(10, 4000),
                    None if old else write,
                    None if old else write,
                    None if old else 0,
                    None if old else rng.choice((0, 0, 8192)),
                    "complete",
                )
            )
        db.executemany(
            """INSERT INTO turns (conversation_id, seq, created_at, prompt, answer, model, deployment, api,
               profile, input_tokens, output_tokens, cache_creation_input_tokens, cache_creation_5m,
               cache_creation_1h, cache_read_input_tokens, status)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            rows,
        )
        db.execute("COMMIT")
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--turns", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--answer-chars", type=int, default=140, help="size of each stored answer")
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="fclaude-bench-usage-"))
    fill = seed(home / "history.db", args.turns, args.answer_chars)
    env = {**os.environ, "FCLAUDE_HOME": str(home)}
    cases = {
        "usage (30d, by day)": ["usage"],
        "usage --since all --by deployment": ["usage", "--since", "all", "--by", "deployment"],
        "usage --since all --by profile --json": ["usage", "--since", "all", "--by", "profile", "--json"],
        "--version (baseline)": ["--version"],
    }
    size = (home / "history.db").stat().st_size / 1e6
    print(
        f"{args.turns} turns ({args.answer_chars}-character answers, {size:.0f} MB) written in {fill:.1f} s; "
        f"median of {args.runs} runs (whole process):"
    )
    time_cases(cases, env, args.runs, width=40)


if __name__ == "__main__":
    main()
