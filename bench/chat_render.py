"""Benchmark: the cost of one chat turn must not grow with the length of the earlier turns.

Runs N turns of the same long answer through the path ``fclaude chat`` uses for every message
(:meth:`foundry_cli.cli._repl.Repl.send`: build the request from the whole conversation, stream the
events through the turn runner (``cli/turn.py``) into a fresh ``MarkdownRenderer``, keep the turn),
with stdout on a real pseudo-terminal (100x40) drained by another process, as a terminal would.

- default: no network; a stand-in client replays the emulator's ``long:N`` answer as text deltas.
- ``--emulator``: the real client against an in-process emulator with scenario ``long:N``
  (adds HTTP, SSE parsing and the emulator itself, whose input grows with the conversation).

Prints the time of turns 1, 5, 10 and 20 (and every turn with ``--all``) and the ratio of the
last turn to the first: ~1 means the render path does not depend on earlier turns.

    python bench/chat_render.py [--turns 20] [--deltas 5000] [--emulator]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from render_stream import drain  # noqa: E402 - the sibling bench's pty drainer


class ReplayClient:
    """Just what the turn runner needs from a FoundryClient: ``send(req)`` returning an ``Answer``."""

    def __init__(self, deltas: list[str]) -> None:
        self.deltas = deltas

    def send(self, req: Any) -> Any:
        from foundry_cli.api.client import Answer

        return Answer(req, api="messages", events=lambda answer: self.events(req))

    def events(self, req: Any) -> Iterator[Any]:
        from foundry_cli.api.types import Started, Stop, TextDelta, UsageUpdate

        yield Started("msg_bench", req.deployment)
        yield UsageUpdate(input_tokens=sum(len(m.text) for m in req.messages) // 4)
        for d in self.deltas:
            yield TextDelta(d)
        yield UsageUpdate(output_tokens=len(self.deltas))
        yield Stop("end_turn")

    def close(self) -> None:
        pass


def child(turns: int, deltas: int, emulator: bool, out_path: str) -> None:
    sys.path.insert(0, str(REPO))
    os.environ.update({"TERM": "xterm-256color", "COLUMNS": "100", "LINES": "40"})
    os.environ.pop("NO_COLOR", None)
    from foundry_cli.cli._repl import Repl
    from foundry_cli.cli._state import AppState, emulator_overrides
    from foundry_cli.config.settings import resolve
    from foundry_cli.emulator.content import long_deltas

    scenario = f"long:{deltas}"
    with emulator_overrides(AppState(emulator=True, scenario=scenario)) as overrides:
        resolved = resolve({"max_tokens": 64000}, overrides=overrides)
        replay = ReplayClient(list(long_deltas(deltas)))
        repl = Repl(
            resolved,
            system=None,
            keep_history=False,
            client_factory=None if emulator else (lambda: replay),  # type: ignore[arg-type,return-value]
        )
        times = []
        for i in range(1, turns + 1):
            t0 = time.perf_counter()
            ok = repl.send(f"question {i}")
            times.append(time.perf_counter() - t0)
            assert ok, f"turn {i} failed"
        chars = sum(len(t.answer) for t in repl.context)
        repl.close()
    Path(out_path).write_text(json.dumps({"times": times, "answer_chars": chars // turns}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--turns", type=int, default=20)
    ap.add_argument("--deltas", type=int, default=5000)
    ap.add_argument("--emulator", action="store_true", help="real client against an in-process emulator")
    ap.add_argument("--all", action="store_true", help="print every turn")
    ap.add_argument("--child", metavar="OUT", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.turns, args.deltas, args.emulator, args.child)
        return

    with tempfile.TemporaryDirectory() as home:
        out = Path(home) / "times.json"
        master, slave = os.openpty()
        drainer = drain(master)
        env = {**os.environ, "FCLAUDE_HOME": home}
        cmd = [sys.executable, __file__, "--child", str(out), "--turns", str(args.turns)]
        cmd += ["--deltas", str(args.deltas)] + (["--emulator"] if args.emulator else [])
        subprocess.run(cmd, stdin=slave, stdout=slave, env=env, check=True)
        os.close(slave)
        os.close(master)
        drainer.wait(timeout=10)
        doc = json.loads(out.read_text())
    times: list[float] = doc["times"]
    mode = "in-process emulator" if args.emulator else "replayed deltas, no network"
    print(f"chat render path, {mode}: {args.deltas} deltas ({doc['answer_chars']} chars) per answer")
    show = range(1, len(times) + 1) if args.all else [n for n in (1, 5, 10, 20) if n <= len(times)]
    for n in show:
        print(f"  turn {n:3d}: {times[n - 1] * 1000:8.1f} ms")
    print(f"  ratio turn {len(times)} / turn 1: {times[-1] / times[0]:.2f}")
    if len(times) > 2:  # turn 1 also pays for the first imports of rich and markdown-it
        print(f"  ratio turn {len(times)} / turn 2: {times[-1] / times[1]:.2f}")
    later = sorted(times[1:])
    if later:
        print(f"  median of turns 2..{len(times)}: {later[len(later) // 2] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
