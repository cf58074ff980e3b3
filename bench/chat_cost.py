"""What prompt caching saves in a long chat: a 20-turn chat on a 10k-token system prompt, ``--cache auto``
against ``--cache off`` (issue 10's benchmark).

Each run drives the chat REPL's own turn (:meth:`foundry_cli.cli._repl.Repl.send`: the request built
from the whole conversation, ``cache`` breakpoints placed by fclaude, streamed, usage read) with the
real client against an in-process emulator, whose prompt cache reports what was written and read as
the service does. It reports, per run, the input tokens billed-equivalent to uncached input::

    input + 1.25 x cache writes (5m) + 2 x cache writes (1h) + 0.1 x cache reads

and the estimated cost at the catalog's list prices (output included; an estimate, not an invoice),
then the ratio cached / uncached. Goal: <= 0.25.

    python bench/chat_cost.py [--turns 20] [--system-tokens 10000] [--deployment claude-opus-4-7]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: multipliers of the input price (reference §10: cache read 0.1x, 5-minute write 1.25x, 1-hour write 2x)
WRITE_5M, WRITE_1H, READ = 1.25, 2.0, 0.1
GOAL = 0.25


def system_prompt(tokens: int) -> str:
    """A system prompt of about ``tokens`` tokens for the emulator (which counts 4 characters a token)."""
    line = "Rule {n}: answer the user's questions about the project precisely and cite the section.\n"
    text, n = "", 0
    while len(text) < tokens * 4:
        n += 1
        text += line.format(n=n)
    return text[: tokens * 4]


def run(cache: str, turns: int, system: str, deployment: str, endpoint: str, key: str) -> dict[str, float]:
    """One chat of ``turns`` turns; the usage totals and the estimated cost."""
    from foundry_cli.catalog import find_model
    from foundry_cli.cli._repl import Repl
    from foundry_cli.config.settings import resolve

    env = {
        **os.environ,
        "FCLAUDE_ENDPOINT": endpoint,
        "FCLAUDE_API_KEY": key,
        "FCLAUDE_DEPLOYMENT": deployment,
    }
    settings = resolve({"cache": cache, "max_tokens": 1024}, env=env)
    repl = Repl(settings, system=system, keep_history=False, out=io.StringIO(), err=io.StringIO())
    totals = dict.fromkeys(("input", "output", "write_5m", "write_1h", "read", "cost"), 0.0)
    try:
        for i in range(1, turns + 1):
            if not repl.send(f"Question {i}: what does rule {i} say, in one sentence?"):
                raise SystemExit(f"turn {i} failed with --cache {cache}")
        for used in repl.usage:
            u = used.usage
            split = u.cache_creation_5m + u.cache_creation_1h
            totals["input"] += u.input_tokens
            totals["output"] += u.output_tokens
            totals["write_5m"] += u.cache_creation_5m if split else u.cache_creation_input_tokens
            totals["write_1h"] += u.cache_creation_1h
            totals["read"] += u.cache_read_input_tokens
            totals["cost"] += used.cost or 0.0
    finally:
        repl.close()
    totals["billed_input"] = (
        totals["input"]
        + WRITE_5M * totals["write_5m"]
        + WRITE_1H * totals["write_1h"]
        + READ * totals["read"]
    )
    info = find_model(deployment)
    if info is not None and info.price is not None:  # the input side alone, at list price
        totals["input_cost"] = totals["billed_input"] * info.price.input / 1_000_000
    return totals


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--turns", type=int, default=20)
    ap.add_argument("--system-tokens", type=int, default=10_000)
    ap.add_argument("--deployment", default="claude-opus-4-7", help="a catalog model the emulator serves")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    from foundry_cli.emulator import Emulator

    system = system_prompt(args.system_tokens)
    results = {}
    with tempfile.TemporaryDirectory() as home:
        os.environ["FCLAUDE_HOME"] = home  # no profile, no history, no learned deployments of the user's
        for name in [n for n in os.environ if n.startswith(("FCLAUDE_", "ANTHROPIC_", "AZURE_"))]:
            if name != "FCLAUDE_HOME":
                del os.environ[name]
        for cache in ("off", "auto"):
            with Emulator(deployments=(args.deployment,)) as emu:  # a fresh prompt cache for each run
                results[cache] = run(
                    cache, args.turns, system, args.deployment, emu.base_url, "emulator-key-0123456789abcdef"
                )
    print(
        f"chat cost: {args.turns} turns, a {args.system_tokens:,}-token system prompt, {args.deployment} "
        "on the in-process emulator (list prices: an estimate, not an invoice)"
    )
    head = f"  {'cache':6} {'input':>9} {'write 5m':>9} {'write 1h':>9} {'read':>9} {'billed input':>13}"
    print(head + f" {'input $':>9} {'total $':>9}")
    for cache, t in results.items():
        print(
            f"  {cache:6} {t['input']:9,.0f} {t['write_5m']:9,.0f} {t['write_1h']:9,.0f} {t['read']:9,.0f} "
            f"{t['billed_input']:13,.0f} {t.get('input_cost', 0.0):9.4f} {t['cost']:9.4f}"
        )
    ratio = results["auto"]["billed_input"] / results["off"]["billed_input"]
    cost_ratio = results["auto"]["cost"] / results["off"]["cost"] if results["off"]["cost"] else float("nan")
    verdict = "meets" if ratio <= GOAL else "MISSES"
    print(f"  billed-equivalent input, cached / uncached: {ratio:.3f}x ({verdict} the goal <= {GOAL}x)")
    print(f"  estimated cost (output included), cached / uncached: {cost_ratio:.3f}x")


if __name__ == "__main__":
    main()
