"""Types shared by the two wire formats: a parsed prompt, the planned answer, a stream plan."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol


class InvalidRequest(Exception):
    """A 400 validation failure; the wire module turns ``message`` into its own error body."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param


@dataclass(frozen=True)
class Breakpoint:
    """A ``cache_control`` breakpoint: the prefix up to it (a hash), its size in tokens, its TTL."""

    key: str
    tokens: int
    ttl: str  # "5m" | "1h"


@dataclass(frozen=True)
class Prompt:
    """What the emulator needs from a request, whichever the wire format."""

    model: str
    last_user_text: str
    turn: int
    input_tokens: int
    stream: bool
    thinking: bool
    options: dict[str, object] = field(default_factory=dict)  # echoed back (Responses)
    images: int = 0  # files attached to the last user message
    documents: int = 0
    display_omitted: bool = False  # thinking runs but its text is not returned (signature only)
    breakpoints: tuple[Breakpoint, ...] = ()  # the request's prompt-cache breakpoints, in prompt order
    cache_read: int = 0  # prompt-cache accounting, filled in by the service
    cache_write_5m: int = 0
    cache_write_1h: int = 0


@dataclass(frozen=True)
class Answer:
    """The deltas to send: thinking first (may be empty), then text."""

    thinking: tuple[str, ...]
    text: tuple[str, ...]
    stop_reason: str = "end_turn"

    @property
    def output_tokens(self) -> int:
        return len(self.thinking) + len(self.text)


class EventStream(Protocol):
    """A wire format's SSE stream, produced lazily so faults can interrupt it anywhere."""

    def events(self) -> Iterator[tuple[bytes, bool]]:
        """Encoded events, each flagged True when it is a text delta."""
        ...

    def error_event(self) -> bytes:
        """The encoded mid-stream ``overloaded_error`` event for this format."""
        ...


def as_dict(value: object) -> dict[str, object] | None:
    """``value`` as a ``dict[str, object]`` when it is a JSON object, else None."""
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    return None
