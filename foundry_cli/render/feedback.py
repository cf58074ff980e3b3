"""Live feedback while a turn runs: one quiet status line on stderr, on a terminal only.

``waiting for the answer… 3 s`` until the first token, ``thinking… 12 s`` while thinking arrives that
is not shown, and a real countdown during a retry wait (``retrying in 4 s (429, attempt 2/3)``). The
line is drawn in place (carriage return + erase line) by a ticker thread and erased before any answer
text is written, so it never mixes with the answer and never reaches a pipe or a file: piped output,
``TERM=dumb`` and non-terminals get no feedback object at all (:func:`feedback_for`).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from typing import TextIO

from foundry_cli.render.console import colour_enabled, live_capable

_ERASE = "\r\x1b[2K"
_DIM, _RESET = "\x1b[2m", "\x1b[0m"


class Feedback:
    """The status line. Every method is safe to call from the turn's thread while the ticker runs."""

    def __init__(
        self,
        stream: TextIO,
        *,
        colour: bool = True,
        clock: Callable[[], float] = time.monotonic,
        tick: float = 0.25,
    ) -> None:
        self._stream = stream
        self._colour = colour
        self._clock = clock
        self._tick = tick
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._label: str | None = None
        self._timed = True  # the label shows the seconds it has been up
        self._since = clock()
        self._drawn = False
        self._shown = ""
        self._thread: threading.Thread | None = None
        self._closed = False
        #: (status label, retry number, max retries) of the retry being waited for
        self._retry: tuple[str, int, int] = ("", 0, 0)
        self.max_retries = 0

    # -- what the line says --------------------------------------------------------------------

    def waiting(self) -> None:
        self._set("waiting for the answer…")

    def thinking(self) -> None:
        if self._label != "thinking…":
            self._set("thinking…")

    def clear(self) -> None:
        """Erase the line (before answer text is written); the ticker idles until the next label."""
        with self._lock:
            self._label = None
            self._erase()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._label = None
            self._erase()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2)

    # -- retries (the client's on_retry and sleep) ------------------------------------------------

    def on_retry(self, err: Exception, delay: float, n: int) -> None:
        status = getattr(err, "status", 0) or getattr(err, "code", None) or "network"
        self._retry = (str(status), n, self.max_retries)

    def sleep(self, delay: float) -> None:
        """Wait ``delay`` seconds, counting down on the line."""
        end = self._clock() + delay
        status, n, most = self._retry
        while (left := end - self._clock()) > 0:
            attempt = f", attempt {n + 1}/{most + 1}" if most else ""
            self._set(f"retrying in {math.ceil(left)} s ({status}{attempt})", timed=False)
            time.sleep(min(left, (left % 1.0) or 1.0))  # to the next whole second shown
        self.waiting()

    # -- drawing --------------------------------------------------------------------------------

    def _set(self, label: str, *, timed: bool = True) -> None:
        with self._lock:
            if self._closed:
                return
            if label != self._label:
                self._since = self._clock()
            self._label = label
            self._timed = timed
            self._draw()
        if self._thread is None:
            from foundry_cli.threads import start_helper

            self._thread = start_helper(self._run, name="fclaude-feedback")

    def _run(self) -> None:
        while not self._wake.wait(self._tick):
            with self._lock:
                if self._closed:
                    return
                self._draw()

    def _draw(self) -> None:
        if self._label is None:
            return
        text = self._label
        if self._timed:
            elapsed = int(self._clock() - self._since)
            if elapsed >= 1:
                text += f" {elapsed} s"
        if self._drawn and text == self._shown:
            return  # nothing changed since the last frame
        self._shown = text
        self._write(_ERASE + (f"{_DIM}{text}{_RESET}" if self._colour else text))
        self._drawn = True

    def _erase(self) -> None:
        if self._drawn:
            self._write(_ERASE)
            self._drawn = False

    def _write(self, text: str) -> None:
        try:
            self._stream.write(text)
            self._stream.flush()
        except (OSError, ValueError):  # the terminal went away: feedback is best effort
            self._closed = True


def feedback_for(stream: TextIO, *, env: Mapping[str, str]) -> Feedback | None:
    """A :class:`Feedback` for ``stream`` when it is a terminal that can redraw a line, else None."""
    if not live_capable(stream, env=env):
        return None
    return Feedback(stream, colour=colour_enabled(stream, env=env))
