"""Streaming cost, end to end, against the emulator's long answer.

    python bench/stream.py [--deltas 2000,10000,40000] [--runs 3] [--quick]

For each answer size it measures, as separate processes and as medians of --runs:
  baseline   raw httpx2 + its EventSource, printing each text delta (DESIGN §7's baseline)
  piped      fclaude ask, stdout a pipe (plain text)
  pty        fclaude ask on a pseudo-terminal (incremental markdown)
wall time, time to the first byte on stdout, peak RSS (from wait4), and per-delta cost.
Figures are ratios against the baseline of the same run; linear means per-delta cost at the
largest size <= 1.5x that at the smallest.
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import statistics
import subprocess
import sys
import time

BASELINE = r"""
import json, sys, httpx2
url, key = sys.argv[1], sys.argv[2]
body = {"model": "claude-sonnet-4-5", "max_tokens": 4096, "stream": True,
        "messages": [{"role": "user", "content": "bench"}]}
w = sys.stdout.write
with httpx2.Client(timeout=60) as c:
    with c.stream("POST", url + "/anthropic/v1/messages", json=body,
                  headers={"x-api-key": key, "anthropic-version": "2023-06-01"}) as r:
        for sse in httpx2.EventSource(r):
            d = json.loads(sse.data)
            if d.get("type") == "content_block_delta" and d["delta"].get("type") == "text_delta":
                w(d["delta"]["text"])
                sys.stdout.flush()
"""


def run_piped(argv: list[str], env: dict[str, str]) -> tuple[float, float, int, int]:
    """(wall ms, first-byte ms, peak RSS KiB, bytes) for a process whose stdout is a pipe."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert p.stdout is not None
    first = p.stdout.read(1)
    t_first = time.perf_counter()
    n = len(first) + len(p.stdout.read())
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise SystemExit(f"{argv} exited {p.returncode}")
    return wall * 1000, (t_first - t0) * 1000, ru.ru_maxrss, n


def run_pty(argv: list[str], env: dict[str, str]) -> tuple[float, float, int, int]:
    master, slave = pty.openpty()
    os.set_blocking(master, False)
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=subprocess.DEVNULL, env=env, close_fds=True)
    os.close(slave)
    n, t_first = 0, 0.0
    while True:
        r, _, _ = select.select([master], [], [], 0.05)
        if r:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            if not n:
                t_first = time.perf_counter()
            n += len(chunk)
        elif p.poll() is not None:
            break
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    os.close(master)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{argv} exited {status}")
    return wall * 1000, (t_first - t0) * 1000, ru.ru_maxrss, n


def start_emulator(deltas: int) -> tuple[subprocess.Popen[str], str, str]:
    p = subprocess.Popen(
        [sys.executable, "-m", "foundry_cli.emulator", "--port", "0", "--scenario", f"long:{deltas}"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert p.stdout is not None
    url = key = ""
    deadline = time.time() + 15
    while time.time() < deadline and not (url and key):
        line = p.stdout.readline()
        for word in line.replace("=", " ").split():
            if word.startswith("http://127.0.0.1"):
                url = word.rstrip(",;)")
        if "key" in line.lower():
            key = line.split()[-1].split("=")[-1]
    if not url:
        p.kill()
        raise SystemExit("emulator did not start")
    return p, url, key


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deltas", default="2000,10000,40000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="2000,10000 deltas, 1 run")
    args = ap.parse_args()
    sizes = [2000, 10000] if args.quick else [int(x) for x in args.deltas.split(",")]
    runs = 1 if args.quick else args.runs
    print(
        f"{'deltas':>7} {'mode':<9} {'wall ms':>9} {'first ms':>9} "
        f"{'us/delta':>9} {'RSS MiB':>8} {'vs base':>8}"
    )
    per_delta: dict[str, list[float]] = {}
    for n in sizes:
        emu, url, key = start_emulator(n)
        try:
            env = {
                **os.environ,
                "FCLAUDE_ENDPOINT": url,
                "FCLAUDE_API_KEY": key,
                "FCLAUDE_DEPLOYMENT": "claude-sonnet-4-5",
                "FCLAUDE_HOME": os.path.join(os.environ.get("TMPDIR", "/tmp"), "fclaude-bench-home"),
                "TERM": "xterm-256color",
                "COLUMNS": "100",
            }
            env.pop("NO_COLOR", None)
            # room for the long answer: fclaude cuts an answer far beyond --max-tokens (32 chars a token)
            fclaude = [sys.executable, "-m", "foundry_cli", "ask", "--max-tokens", "64000", "bench"]
            modes = {
                "baseline": (run_piped, [sys.executable, "-c", BASELINE, url, key]),
                "piped": (run_piped, fclaude),
                "pty": (run_pty, fclaude),
            }
            base_wall = 0.0
            for mode, (runner, argv) in modes.items():
                samples = [runner(argv, env) for _ in range(runs)]
                wall = statistics.median(s[0] for s in samples)
                first = statistics.median(s[1] for s in samples)
                rss = max(s[2] for s in samples) / 1024
                base_wall = wall if mode == "baseline" else base_wall
                us = wall * 1000 / n
                per_delta.setdefault(mode, []).append(us)
                print(
                    f"{n:>7} {mode:<9} {wall:9.0f} {first:9.0f} {us:9.1f} {rss:8.1f} {wall / base_wall:7.2f}x"
                )
        finally:
            emu.terminate()
            emu.wait()
    if len(sizes) > 1:
        print(f"\nper-delta cost ratio {sizes[-1]} vs {sizes[0]} deltas (linear if <= 1.5):")
        for mode, values in per_delta.items():
            print(f"  {mode:<9} {values[-1] / values[0]:.2f}")


if __name__ == "__main__":
    main()
