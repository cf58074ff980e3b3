"""Helper threads that leave signals to the main thread.

POSIX delivers a process-directed signal (Ctrl-C's SIGINT, SIGTERM, SIGHUP) to *any* thread that
does not block it. When it lands on a helper thread (a status-line ticker, a redraw timer, a doctor
check), Python only notes it: the handler runs when the main thread next executes Python code, which
may be after a socket read that waits 30 seconds for a stalled server. A helper thread therefore
blocks these signals first thing, so the kernel interrupts the main thread's system call instead.
Stdlib only, bottom layer.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Any

_MAIN_THREAD_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def leave_signals_to_main() -> None:
    """Block SIGINT, SIGTERM and SIGHUP in the calling thread (a no-op where that is not possible)."""
    if hasattr(signal, "pthread_sigmask") and threading.current_thread() is not threading.main_thread():
        signal.pthread_sigmask(signal.SIG_BLOCK, _MAIN_THREAD_SIGNALS)


def start_helper(target: Callable[[], Any], *, name: str) -> threading.Thread:
    """Start a daemon thread running ``target`` with the main thread's signals blocked."""

    def run() -> None:
        leave_signals_to_main()
        target()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


def start_timer(delay: float, target: Callable[[], Any], *, name: str) -> threading.Timer:
    """A daemon ``threading.Timer`` calling ``target`` after ``delay`` seconds, signals blocked
    (from the start: the timer's wait is where a signal would otherwise land)."""

    def run() -> None:
        leave_signals_to_main()
        target()

    timer = _Timer(delay, run)
    timer.name = name
    timer.daemon = True
    timer.start()
    return timer


class _Timer(threading.Timer):
    def run(self) -> None:
        leave_signals_to_main()  # before the wait, not only before the call
        super().run()
