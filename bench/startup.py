"""Startup cost: `fclaude --version` and `--help` against `python -c pass` (median of N runs).

    python bench/startup.py [--runs 15]

Ratios are against the baseline measured in the same run (DESIGN §7: --version <= 6x,
--help <= 12x). Uses the interpreter running this script, so run it from the project venv.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def median_ms(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    runs = ap.parse_args().runs
    py = sys.executable
    cases = {
        "python -c pass": [py, "-c", "pass"],
        "fclaude --version": [py, "-m", "foundry_cli", "--version"],
        "fclaude --help": [py, "-m", "foundry_cli", "--help"],
        "fclaude ask --help": [py, "-m", "foundry_cli", "ask", "--help"],
    }
    for argv in cases.values():  # warm the OS file cache
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    results = {name: median_ms(argv, runs) for name, argv in cases.items()}
    base = results["python -c pass"]
    print(f"median of {runs} runs (ms), ratio to `python -c pass`")
    for name, ms in results.items():
        print(f"  {name:<22} {ms:8.1f} ms   {ms / base:5.1f}x")


if __name__ == "__main__":
    main()
