"""Wire-neutral request, stream events and result.

The adapters (``messages.py``, ``responses.py``) translate these to and from the wire;
the CLI, renderer and history only ever see these types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

ApiFormat = Literal["messages", "responses"]


@dataclass(frozen=True)
class ThinkingBlock:
    """An assistant thinking block; sent back verbatim (with its signature) on later turns."""

    text: str
    signature: str = ""


@dataclass(frozen=True)
class Attachment:
    """A file sent with a user message: an image, a PDF document, or text inlined with its name."""

    name: str
    kind: Literal["image", "document", "text"]
    media_type: str
    data: bytes = field(repr=False)

    @property
    def sha256(self) -> str:
        import hashlib

        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class Message:
    role: Literal["user", "assistant"]
    text: str
    thinking: tuple[ThinkingBlock, ...] = ()
    attachments: tuple[Attachment, ...] = ()


CacheTTL = Literal["5m", "1h"]


@dataclass(frozen=True)
class Request:
    deployment: str
    messages: tuple[Message, ...]
    max_tokens: int = 4096
    system: str | None = None
    #: a thinking budget (``enabled``); the Responses adapter maps it to a reasoning effort
    thinking_budget: int = 0
    temperature: float | None = None
    stream: bool = True
    #: the Messages body fields the model's rules decided (``thinking``, ``output_config``, sampling);
    #: when set they replace what ``thinking_budget`` and ``temperature`` would send
    rules: Mapping[str, object] | None = None
    #: the effort asked for (the Responses adapter sends it as ``reasoning.effort``)
    effort: str | None = None
    #: adaptive thinking asked for (Responses: reasoning on, at ``effort`` or the service's default)
    adaptive: bool = False
    #: prompt-cache breakpoints (Messages): on the system prompt, the last user message and (in a
    #: conversation) the user message before it
    cache: CacheTTL | None = None


# --- stream events -------------------------------------------------------------------------


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class ThinkingDelta:
    text: str


@dataclass(frozen=True)
class ThinkingSignature:
    signature: str


@dataclass(frozen=True)
class ThinkingStart:
    """A new thinking block begins (so several blocks stay separate)."""


@dataclass(frozen=True)
class Started:
    response_id: str
    model: str


@dataclass(frozen=True)
class UsageUpdate:
    """Cumulative usage; fields left None are unchanged."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    #: tokens written to the prompt cache (the total, and its split by time to live when given)
    cache_creation_input_tokens: int | None = None
    cache_creation_5m: int | None = None
    cache_creation_1h: int | None = None
    #: tokens read from the prompt cache (billed at a tenth of the input price)
    cache_read_input_tokens: int | None = None


@dataclass(frozen=True)
class Stop:
    """The terminal event: the answer is complete (``incomplete`` for max-tokens cut-offs)."""

    reason: str | None
    incomplete: bool = False


StreamEvent = TextDelta | ThinkingDelta | ThinkingSignature | ThinkingStart | Started | UsageUpdate | Stop


@dataclass(frozen=True)
class ResponseMeta:
    """What the HTTP response said about itself, for results, errors and --debug."""

    status: int
    request_id: str | None
    region: str | None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Usage:
    """Token counts of one answer. ``input_tokens`` is the uncached input; the prompt was
    ``input_tokens + cache_creation_input_tokens + cache_read_input_tokens`` tokens long."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_creation_5m: int = 0
    cache_creation_1h: int = 0
    cache_read_input_tokens: int = 0

    @property
    def prompt_tokens(self) -> int:
        return self.input_tokens + self.cache_creation_input_tokens + self.cache_read_input_tokens

    def as_json(self) -> dict[str, object]:
        doc: dict[str, object] = {"input_tokens": self.input_tokens, "output_tokens": self.output_tokens}
        doc["cache_creation_input_tokens"] = self.cache_creation_input_tokens
        if self.cache_creation_5m or self.cache_creation_1h:
            doc["cache_creation"] = {
                "ephemeral_5m_input_tokens": self.cache_creation_5m,
                "ephemeral_1h_input_tokens": self.cache_creation_1h,
            }
        doc["cache_read_input_tokens"] = self.cache_read_input_tokens
        return doc


@dataclass
class Result:
    """The assembled answer. Built by :class:`ResultBuilder` from events, in both modes."""

    text: str = ""
    thinking: list[ThinkingBlock] = field(default_factory=list)
    model: str | None = None
    deployment: str = ""
    api: str = ""
    stop_reason: str | None = None
    usage: Usage = field(default_factory=Usage)
    request_id: str | None = None
    region: str | None = None
    first_token_ms: float | None = None
    total_ms: float | None = None
    #: True when the answer did not end with its terminal event (cut, stalled, interrupted)
    incomplete: bool = False


class Credential(Protocol):
    """What the client needs from any auth mode. Auth providers satisfy it structurally."""

    #: human-readable description of which credential is used, e.g. "api-key from FCLAUDE_API_KEY"
    description: str

    def headers(self, api: ApiFormat) -> dict[str, str]:
        """Auth headers for one request (may fetch or refresh a token)."""
        ...

    def invalidate(self) -> bool:
        """Forget a cached token after a 401; True when a retry with fresh headers makes sense."""
        ...
