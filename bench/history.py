"""`fclaude history list` on a database with 10,000 turns (median of N runs, as a subprocess).

python bench/history.py [--turns 10000] [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from foundry_cli.history.store import HistoryStore, Turn


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--turns", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="fclaude-bench-history-"))
    t0 = time.perf_counter()
    with HistoryStore(home / "history.db") as store:
        cid = None
        for i in range(args.turns):
            if i % 5 == 0:
                cid = None  # conversations of five turns
            turn = Turn(prompt=f"question {i} " + "lorem ipsum " * 20, answer="answer " * 200, deployment="d")
            cid, _ = store.add_turn(turn, cid)
    fill = time.perf_counter() - t0
    env = {**os.environ, "FCLAUDE_HOME": str(home)}
    cases = {
        "history list": ["history", "list"],
        "history list --search": ["history", "list", "--search", "question 9999"],
        "history list --json -n 100": ["history", "list", "--json", "-n", "100"],
        "--version (baseline)": ["--version"],
    }
    print(f"{args.turns} turns written in {fill:.1f} s; median of {args.runs} runs:")
    time_cases(cases, env, args.runs, width=28)


def time_cases(cases: dict[str, list[str]], env: dict[str, str], runs: int, *, width: int) -> None:
    """Print the median wall time of ``fclaude ARGV`` (a whole process) for each case."""
    for name, argv in cases.items():
        times = []
        for _ in range(runs):
            s = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "foundry_cli", *argv], env=env, check=True, capture_output=True
            )
            times.append((time.perf_counter() - s) * 1000)
        print(f"  {name:<{width}} {statistics.median(times):7.1f} ms")


if __name__ == "__main__":
    main()
