"""Plain answer text: deltas written straight to the stream (pipes, files, ``TERM=dumb``).

Never imports rich: ``console.print`` costs ~38 µs a delta, far more than a bare ``write``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["PlainRenderer"]

_DIM = "\x1b[2m"
_UNDIM = "\x1b[22m"


class PlainRenderer:
    """Deltas written verbatim to ``out``; thinking verbatim to ``err``.

    ``out`` is flushed for the first delta, for a delta containing a newline, and otherwise when
    ``flush_interval`` seconds have passed since the last flush (checked as deltas arrive; there
    is no timer thread, so the last few deltas before a pause in the stream may wait for the next
    one or for :meth:`close`). Measured cost: within a fraction of a microsecond of a bare
    ``write`` per delta, against ~1.2 µs for a flush per delta on a pipe.
    """

    def __init__(
        self,
        out: TextIO,
        err: TextIO,
        *,
        dim_thinking: bool = False,
        clock: Callable[[], float] = time.monotonic,
        flush_interval: float = 0.05,
    ) -> None:
        self._out = out
        self._err = err
        self._dim = dim_thinking
        self._clock = clock
        self._interval = flush_interval
        self._last_flush = float("-inf")  # so the first delta shows at once (time to first token)
        self._out_last = ""  # last character written to out ("" = nothing yet)
        self._err_last = ""
        self._in_thinking = False  # dim attribute switched on and not yet off
        self._closed = False

    def text(self, delta: str) -> None:
        if self._closed or not delta:
            return
        if self._in_thinking or self._err_last not in ("", "\n"):
            self._end_thinking()
        self._out_last = delta[-1]  # before the write: a Ctrl-C raised by it finds this up to date
        self._out.write(delta)
        if "\n" in delta:
            self._out.flush()
            self._last_flush = self._clock()
        else:
            now = self._clock()
            if now - self._last_flush >= self._interval:
                self._out.flush()
                self._last_flush = now

    def thinking(self, delta: str) -> None:
        if self._closed or not delta:
            return
        if self._dim and not self._in_thinking:
            self._err.write(_DIM)
            self._in_thinking = True
        self._err_last = delta[-1]
        self._err.write(delta)
        self._err.flush()  # thinking is short and precedes the answer; show it as it comes

    def _end_thinking(self) -> None:
        if self._in_thinking:
            self._err.write(_UNDIM)
            self._in_thinking = False
        if self._err_last not in ("", "\n"):
            self._err.write("\n")
            self._err_last = "\n"
        self._err.flush()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._end_thinking()
        finally:
            if self._out_last not in ("", "\n"):
                self._out.write("\n")
                self._out_last = "\n"
            self._out.flush()
