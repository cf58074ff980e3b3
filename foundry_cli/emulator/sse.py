"""The emulator's own SSE writer (independent of the client's parser, so each checks the other).

``encode_event`` formats one event as ``event: NAME\\ndata: JSON\\n\\n``. ``ChunkedWriter`` sends
bytes with HTTP/1.1 chunked transfer encoding, batching small events into larger chunks when
asked to, so a long stream costs few system calls.
"""

from __future__ import annotations

import json
from typing import Protocol


def dumps(obj: object) -> str:
    """Compact JSON, UTF-8 kept as is (like the real services)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def encode_event(event: str, data: object) -> bytes:
    """One SSE event; ``data`` is a JSON-able object or an already-encoded JSON string."""
    payload = data if isinstance(data, str) else dumps(data)
    return f"event: {event}\ndata: {payload}\n\n".encode()


class Writable(Protocol):
    def write(self, data: bytes, /) -> object: ...
    def flush(self) -> object: ...


class ChunkedWriter:
    """Write a chunked HTTP body. With ``batch_bytes`` > 0, events are coalesced up to that size."""

    def __init__(self, out: Writable, batch_bytes: int = 0) -> None:
        self._out = out
        self._batch = batch_bytes
        self._buf = bytearray()

    def write(self, data: bytes) -> None:
        self._buf += data
        if len(self._buf) >= self._batch:
            self.flush()

    def flush(self) -> None:
        if self._buf:
            self._out.write(b"%x\r\n%s\r\n" % (len(self._buf), bytes(self._buf)))
            self._buf.clear()
        self._out.flush()

    def finish(self) -> None:
        """Send what is buffered, then the terminal zero-length chunk."""
        self.flush()
        self._out.write(b"0\r\n\r\n")
        self._out.flush()
