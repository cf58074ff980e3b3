"""`fclaude doctor` wall time against the emulator, and what concurrency buys.

    python bench/doctor.py [--runs 5]

Two set-ups, each the median of N runs of the real CLI in a subprocess (fresh FCLAUDE_HOME per
run, so every run fetches its tokens):
- the healthy emulator (api-key);
- the emulator with ``latency=0.3`` (every response 300 ms late) and a service principal plus a
  subscription, so the token, control-plane and probe checks all talk to it.
For each it prints the wall time and the sum of the individual network checks' durations: the
independent checks overlap (threads), so the wall time stays well under that sum.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from foundry_cli.doctor.checks import CHECKS
from foundry_cli.emulator import Emulator

ROOT = Path(__file__).resolve().parents[1]
NETWORK = {c.id for c in CHECKS if c.network}
CLIENT = "11111111-2222-4333-8444-555555555555"
SECRET = "bench-secret-value-0123456789"  # noqa: S105 - a throwaway emulator app


def clean_env() -> dict[str, str]:
    prefixes = ("AZURE_", "ANTHROPIC_", "FCLAUDE_", "OPENAI_", "IDENTITY_", "MSI_", "IMDS_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.pop("HTTPS_PROXY", None)
    env.pop("HTTP_PROXY", None)
    env["NO_PROXY"] = "127.0.0.1,localhost"
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    return env


def run_once(env: dict[str, str]) -> tuple[float, float, dict[str, str]]:
    with tempfile.TemporaryDirectory() as home:
        t0 = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "foundry_cli", "doctor", "--json"],
            env={**env, "FCLAUDE_HOME": home},
            capture_output=True,
            text=True,
            check=False,
        )
        wall = (time.perf_counter() - t0) * 1000
    doc = json.loads(done.stdout)
    checks = doc["checks"]
    net = sum(c["duration_ms"] for c in checks if c["id"] in NETWORK and c["status"] != "skip")
    return (
        wall,
        net,
        {c["id"]: f"{c['status']} {c['duration_ms']:.0f}ms" for c in checks if c["id"] in NETWORK},
    )


@contextmanager
def healthy() -> Iterator[dict[str, str]]:
    with Emulator() as emu:
        yield {
            "FCLAUDE_ENDPOINT": emu.base_url,
            "FCLAUDE_API_KEY": emu.api_key,
            "FCLAUDE_DEPLOYMENT": "claude-sonnet-4-5",
        }


@contextmanager
def slow_entra() -> Iterator[dict[str, str]]:
    with Emulator(identity=True, latency=0.3) as emu:
        emu.add_app(CLIENT, secret=SECRET)
        yield {
            "FCLAUDE_ENDPOINT": emu.base_url,
            "FCLAUDE_DEPLOYMENT": "claude-sonnet-4-5",
            "FCLAUDE_AUTH": "service-principal",
            "FCLAUDE_SUBSCRIPTION_ID": emu.subscription_id,
            "FCLAUDE_MANAGEMENT_ENDPOINT": emu.base_url,
            "AZURE_TENANT_ID": emu.tenant_id,
            "AZURE_CLIENT_ID": CLIENT,
            "AZURE_CLIENT_SECRET": SECRET,
            "AZURE_AUTHORITY_HOST": emu.authority_host,
            "REQUESTS_CA_BUNDLE": emu.ca_bundle,
        }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    runs = ap.parse_args().runs
    base = clean_env()
    for name, setup in (
        ("healthy emulator (api-key)", healthy),
        ("latency=0.3, service principal + ARM", slow_entra),
    ):
        with setup() as extra:
            env = {**base, **extra}
            run_once(env)  # warm the OS file cache
            samples = [run_once(env) for _ in range(runs)]
        wall = statistics.median(s[0] for s in samples)
        net = statistics.median(s[1] for s in samples)
        print(f"{name}:")
        print(f"  doctor wall time (median of {runs}): {wall:7.0f} ms")
        print(f"  sum of network check durations:    {net:7.0f} ms  (ratio wall/sum {wall / net:.2f})")
        print(f"  network checks (last run): {samples[-1][2]}")


if __name__ == "__main__":
    main()
