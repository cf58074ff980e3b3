"""Anthropic Messages API adapter: ``POST {root}/anthropic/v1/messages``.

Event order (reference §4a): message_start, content_block_start/delta/stop per block,
message_delta (stop_reason, cumulative usage), message_stop; ``ping`` anywhere; ``error``
events may arrive after HTTP 200. Unknown event and delta types are ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from foundry_cli.api.attachments import b64, inline_text
from foundry_cli.api.types import (
    Attachment,
    Message,
    Request,
    Started,
    Stop,
    StreamEvent,
    TextDelta,
    ThinkingDelta,
    ThinkingSignature,
    ThinkingStart,
    UsageUpdate,
)
from foundry_cli.errors import ApiError

PATH = "/anthropic/v1/messages"
ANTHROPIC_VERSION = "2023-06-01"  # documented for Foundry (reference §2)


def _attachment_block(att: Attachment) -> dict[str, Any]:
    if att.kind == "text":
        return {"type": "text", "text": inline_text(att)}
    source = {"type": "base64", "media_type": att.media_type, "data": b64(att)}
    return {"type": "image" if att.kind == "image" else "document", "source": source}


def _content(msg: Message) -> str | list[dict[str, Any]]:
    if msg.attachments:
        # files first, then the question: the order the Messages docs recommend for documents
        return [*map(_attachment_block, msg.attachments), {"type": "text", "text": msg.text}]
    if msg.role == "assistant" and msg.thinking:
        # thinking blocks go back verbatim, signature included, ahead of the text
        blocks: list[dict[str, Any]] = [
            {"type": "thinking", "thinking": t.text, "signature": t.signature} for t in msg.thinking
        ]
        blocks.append({"type": "text", "text": msg.text})
        return blocks
    return msg.text


def build_body(req: Request) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": req.deployment,
        "max_tokens": req.max_tokens,  # required by the Messages API (row max-tokens)
        "messages": [{"role": m.role, "content": _content(m)} for m in req.messages],
    }
    if req.system:
        body["system"] = req.system
    if req.temperature is not None:
        body["temperature"] = req.temperature
    if req.thinking_budget:
        body["thinking"] = {"type": "enabled", "budget_tokens": req.thinking_budget}
    if req.stream:
        body["stream"] = True
    return body


def headers() -> dict[str, str]:
    return {"anthropic-version": ANTHROPIC_VERSION}


def _usage(u: Any) -> UsageUpdate | None:
    if not isinstance(u, dict):
        return None
    inp, out = u.get("input_tokens"), u.get("output_tokens")
    return UsageUpdate(
        input_tokens=inp if isinstance(inp, int) else None,
        output_tokens=out if isinstance(out, int) else None,
    )


def _error(data: dict[str, Any]) -> ApiError:
    raw = data.get("error")
    err: dict[str, Any] = raw if isinstance(raw, dict) else {}
    etype = str(err.get("type") or "error")
    status = {"overloaded_error": 529, "rate_limit_error": 429, "api_error": 500}.get(etype, 200)
    return ApiError(str(err.get("message") or etype), status=status, code=etype)


class StreamParser:
    """Turns decoded SSE payloads into wire-neutral events, one payload at a time."""

    def __init__(self) -> None:
        self._stop_reason: str | None = None

    def feed(self, event: str, data: dict[str, Any]) -> Iterator[StreamEvent]:
        """Raises ApiError for an ``error`` event."""
        kind = data.get("type", event)
        if kind == "content_block_delta":
            delta = data.get("delta") or {}
            dtype = delta.get("type")
            if dtype == "text_delta":
                yield TextDelta(str(delta.get("text", "")))
            elif dtype == "thinking_delta":
                yield ThinkingDelta(str(delta.get("thinking", "")))
            elif dtype == "signature_delta":
                yield ThinkingSignature(str(delta.get("signature", "")))
        elif kind == "content_block_start":
            block = data.get("content_block") or {}
            if block.get("type") == "thinking":
                yield ThinkingStart()
                if block.get("thinking"):
                    yield ThinkingDelta(str(block["thinking"]))
            elif block.get("type") == "text" and block.get("text"):
                yield TextDelta(str(block["text"]))
        elif kind == "message_start":
            msg = data.get("message") or {}
            yield Started(str(msg.get("id", "")), str(msg.get("model", "")))
            if (u := _usage(msg.get("usage"))) is not None:
                yield u
        elif kind == "message_delta":
            self._stop_reason = (data.get("delta") or {}).get("stop_reason") or self._stop_reason
            if (u := _usage(data.get("usage"))) is not None:
                yield u
        elif kind == "message_stop":
            yield Stop(self._stop_reason)
        elif kind == "error":
            raise _error(data)
        # ping, content_block_stop and unknown types carry nothing we need


def parse_body(doc: dict[str, Any]) -> Iterator[StreamEvent]:
    """A non-streaming Message object -> the same events a stream would give."""
    yield Started(str(doc.get("id", "")), str(doc.get("model", "")))
    for block in doc.get("content") or []:
        btype = block.get("type")
        if btype == "thinking":
            yield ThinkingStart()
            yield ThinkingDelta(str(block.get("thinking", "")))
            if block.get("signature"):
                yield ThinkingSignature(str(block["signature"]))
        elif btype == "text":
            yield TextDelta(str(block.get("text", "")))
    if (u := _usage(doc.get("usage"))) is not None:
        yield u
    yield Stop(doc.get("stop_reason"))
