"""Issue 9, low item "no overall deadline": a server that keeps the stream alive without ever finishing
(pings forever, or one byte at a time) cannot keep ``ask`` running past ``timeout`` (FCLAUDE_TIMEOUT).

The read timeout never fires here: bytes keep arriving. Only the total deadline ends the request,
the partial answer is kept, and the turn is recorded as incomplete.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from tests.hostile import HostileServer, Reply, sse
from tests.support import Fclaude

START = sse(
    {"type": "message_start", "message": {"id": "m", "model": "claude", "usage": {"input_tokens": 1}}},
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "so far"}},
)
PING = sse({"type": "ping"})


def test_pings_forever_end_at_the_total_timeout_keeping_the_partial_answer(
    fclaude: Fclaude, hostile: HostileServer, hermetic_env: Path
) -> None:
    hostile.script(
        Reply(headers=[("content-type", "text/event-stream")], chunks=[START, *[PING] * 100_000], delay=0.05)
    )
    began = time.monotonic()
    r = fclaude(
        "ask", "hi", FCLAUDE_ENDPOINT=hostile.base_url, FCLAUDE_TIMEOUT="1.5", FCLAUDE_READ_TIMEOUT="30"
    )
    took = time.monotonic() - began
    assert r.exit_code == 1, r.print()
    assert r.stdout.startswith("so far") and "1.5 s" in r.stderr
    assert took < 20  # bounded by the deadline, not by the server (which would go on for ~80 min)
    rows = sqlite3.connect(hermetic_env / "history.db").execute("SELECT status, answer FROM turns").fetchall()
    assert rows == [("incomplete", "so far")]


def test_one_byte_at_a_time_ends_at_the_total_timeout(fclaude: Fclaude, hostile: HostileServer) -> None:
    drip = [bytes([b]) for b in START + PING * 2000]
    hostile.script(Reply(headers=[("content-type", "text/event-stream")], chunks=drip, delay=0.01))
    r = fclaude(
        "ask", "hi", FCLAUDE_ENDPOINT=hostile.base_url, FCLAUDE_TIMEOUT="1", FCLAUDE_READ_TIMEOUT="30"
    )
    assert r.exit_code == 1 and "1 s" in r.stderr, r.print()
