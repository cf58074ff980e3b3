"""Helper threads leave SIGINT/SIGTERM/SIGHUP to the main thread (a signal that lands on a helper
would wait for the main thread to leave a blocking read: Ctrl-C ignored during a stalled stream)."""

from __future__ import annotations

import queue
import signal

import pytest

from foundry_cli.threads import start_helper, start_timer

pytestmark = pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")


def _mask() -> set[int]:
    return {int(s) for s in signal.pthread_sigmask(signal.SIG_BLOCK, [])}


@pytest.mark.parametrize("start", ["helper", "timer"])
def test_a_helper_thread_blocks_the_main_threads_signals(start: str) -> None:
    seen: queue.Queue[set[int]] = queue.Queue()
    if start == "helper":
        start_helper(lambda: seen.put(_mask()), name="t").join(10)
    else:
        start_timer(0.0, lambda: seen.put(_mask()), name="t").join(10)
    blocked = seen.get(timeout=10)
    assert {int(signal.SIGINT), int(signal.SIGTERM), int(signal.SIGHUP)} <= blocked
    assert int(signal.SIGINT) not in _mask()  # the main thread still takes them
