"""Terminal requests that are not output: the OSC 52 clipboard write."""

from __future__ import annotations

import base64
from typing import TextIO

from foundry_cli.render.console import is_tty

#: terminals cap OSC 52 payloads (xterm at 100,000 bytes by default); above this, print instead
MAX_OSC52 = 100_000


def osc52_copy(stream: TextIO, text: str) -> bool:
    """Ask the terminal behind ``stream`` to put ``text`` on the clipboard (OSC 52: it works over SSH
    and inside tmux with ``set-clipboard on``). False when ``stream`` is no terminal or ``text`` is
    too long; the terminal may still ignore the request (it gives no answer to check)."""
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    if not is_tty(stream) or len(payload) > MAX_OSC52:
        return False
    stream.write(f"\x1b]52;c;{payload}\x07")
    stream.flush()
    return True
