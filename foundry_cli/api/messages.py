"""Anthropic Messages API adapter: ``POST {root}/anthropic/v1/messages``.

Event order (reference §4a): message_start, content_block_start/delta/stop per block,
message_delta (stop_reason, cumulative usage), message_stop; ``ping`` anywhere; ``error``
events may arrive after HTTP 200. Unknown event and delta types are ignored; a known event whose
fields have the wrong types is an error (:mod:`foundry_cli.api.fields`), never "a bug".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from foundry_cli.api.attachments import b64, inline_text
from foundry_cli.api.error_body import MAX_CODE, server_text, without_surrogates
from foundry_cli.api.fields import (
    as_object,
    get_int,
    get_label,
    get_list,
    get_object,
    get_str,
    malformed,
)
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
    if req.rules is not None:  # the model's rules decided thinking, effort and sampling
        body.update(req.rules)
    else:
        if req.temperature is not None:
            body["temperature"] = req.temperature
        if req.thinking_budget:
            body["thinking"] = {"type": "enabled", "budget_tokens": req.thinking_budget}
    if req.cache is not None:
        _cache_breakpoints(body, req.cache)
    if req.stream:
        body["stream"] = True
    return body


def _cache_breakpoints(body: dict[str, Any], ttl: str) -> None:
    """Mark the system prompt, the last message and the user message before it as cache breakpoints
    (three of the four allowed): everything up to each is cached, so an ask's system prompt and
    attachments are reused, and a chat's next turn reads the conversation up to its previous prompt
    from the cache (that prefix was the previous turn's last breakpoint) and writes only the newest
    exchange. The earlier breakpoint does not rely on the service's look-back from the last one,
    which reaches only 20 blocks (Anthropic's prompt-caching docs mark the last two user turns)."""
    control: dict[str, str] = {"type": "ephemeral"} if ttl == "5m" else {"type": "ephemeral", "ttl": ttl}
    if isinstance(body.get("system"), str):
        body["system"] = [{"type": "text", "text": body["system"], "cache_control": control}]
    messages = body["messages"]
    earlier = [m for m in messages[-3:-1] if m.get("role") == "user"]
    for message in [*earlier[-1:], messages[-1]]:
        content = message["content"]
        if isinstance(content, str):
            message["content"] = [{"type": "text", "text": content, "cache_control": control}]
        elif isinstance(content, list) and content:
            message["content"] = [*content[:-1], {**content[-1], "cache_control": control}]


def headers() -> dict[str, str]:
    return {"anthropic-version": ANTHROPIC_VERSION}


def _usage(u: Any) -> UsageUpdate | None:
    if not isinstance(u, dict):
        return None
    split = u.get("cache_creation")
    split = split if isinstance(split, dict) else {}
    return UsageUpdate(
        input_tokens=get_int(u, "input_tokens"),
        output_tokens=get_int(u, "output_tokens"),
        cache_creation_input_tokens=get_int(u, "cache_creation_input_tokens"),
        cache_creation_5m=get_int(split, "ephemeral_5m_input_tokens"),
        cache_creation_1h=get_int(split, "ephemeral_1h_input_tokens"),
        cache_read_input_tokens=get_int(u, "cache_read_input_tokens"),
    )


#: Anthropic error types -> the HTTP status they stand for (mid-stream errors arrive with a 200)
_ERROR_STATUS = {"overloaded_error": 529, "rate_limit_error": 429, "api_error": 500}


def _error(data: dict[str, Any]) -> ApiError:
    """An ``error`` event -> ApiError; its text is server text, made safe like an error body's."""
    raw = data.get("error")
    err: dict[str, Any] = raw if isinstance(raw, dict) else {}
    etype = err.get("type")
    code = server_text(etype, MAX_CODE) if isinstance(etype, str) and etype else "error"
    message = err.get("message")
    text = server_text(message) if isinstance(message, str) else ""
    return ApiError(text or code, status=_ERROR_STATUS.get(code, 200), code=code)


class StreamParser:
    """Turns decoded SSE payloads into wire-neutral events, one payload at a time."""

    def __init__(self) -> None:
        self._stop_reason: str | None = None

    def feed(self, event: str, data: dict[str, Any]) -> Iterator[StreamEvent]:
        """Raises ApiError for an ``error`` event, and for an event whose fields have the wrong
        types (code :data:`~foundry_cli.api.fields.MALFORMED`)."""
        kind = data.get("type", event)
        if not isinstance(kind, str):
            raise malformed("event", "`type` is not a string")
        where = kind  # malformed() words it only if an error is raised
        if kind == "content_block_delta":
            delta = data.get("delta")
            if type(delta) is dict and delta.get("type") == "text_delta":  # the hot path: one per token
                text = delta.get("text")
                if type(text) is str:
                    yield TextDelta(text if text.isascii() else without_surrogates(text))
                    return
            yield from _block_delta(get_object(data, "delta", where), where)
        elif kind == "content_block_start":
            yield from _block_start(get_object(data, "content_block", where), where)
        elif kind in ("message_start", "message_delta", "message_stop"):
            yield from self._message(kind, data, where)
        elif kind == "error":
            raise _error(data)
        # ping, content_block_stop and unknown types carry nothing we need

    def _message(self, kind: str, data: dict[str, Any], where: str) -> Iterator[StreamEvent]:
        """The message-level events: its start (id, model, input usage), delta (stop reason, output
        usage) and stop."""
        if kind == "message_start":
            msg = get_object(data, "message", where)
            yield Started(get_label(msg, "id", where) or "", get_label(msg, "model", where) or "")
            usage = msg.get("usage")
        elif kind == "message_delta":
            delta = get_object(data, "delta", where)
            self._stop_reason = get_label(delta, "stop_reason", where) or self._stop_reason
            usage = data.get("usage")
        else:
            yield Stop(self._stop_reason)
            return
        if (u := _usage(usage)) is not None:
            yield u


def _block_delta(delta: dict[str, Any], where: str) -> Iterator[StreamEvent]:
    dtype = delta.get("type")
    if dtype == "text_delta":
        yield TextDelta(get_str(delta, "text", where))
    elif dtype == "thinking_delta":
        yield ThinkingDelta(get_str(delta, "thinking", where))
    elif dtype == "signature_delta":
        yield ThinkingSignature(get_str(delta, "signature", where))


def _block_start(block: dict[str, Any], where: str) -> Iterator[StreamEvent]:
    btype = block.get("type")
    if btype == "thinking":
        yield ThinkingStart()
        if thinking := get_str(block, "thinking", where):
            yield ThinkingDelta(thinking)
    elif btype == "text" and (text := get_str(block, "text", where)):
        yield TextDelta(text)


def parse_body(doc: dict[str, Any]) -> Iterator[StreamEvent]:
    """A non-streaming Message object -> the same events a stream would give.

    Raises ApiError (code :data:`~foundry_cli.api.fields.MALFORMED`) for fields of the wrong type.
    """
    where = "message"
    yield Started(get_label(doc, "id", where) or "", get_label(doc, "model", where) or "")
    for block in get_list(doc, "content", where):
        block = as_object(block, "content block")
        btype = block.get("type")
        if btype == "thinking":
            yield ThinkingStart()
            yield ThinkingDelta(get_str(block, "thinking", where))
            if signature := get_str(block, "signature", where):
                yield ThinkingSignature(signature)
        elif btype == "text":
            yield TextDelta(get_str(block, "text", where))
    if (u := _usage(doc.get("usage"))) is not None:
        yield u
    yield Stop(get_label(doc, "stop_reason", where))
