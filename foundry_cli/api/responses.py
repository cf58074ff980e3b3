"""OpenAI Responses API adapter for Foundry project endpoints.

``POST {root}/api/projects/{project}/openai/responses?api-version=2025-11-15-preview``, or with
``api_version = "v1"`` ``.../openai/v1/responses`` and no query (reference §1).

Thinking: the Responses API has no token budget, only ``reasoning.effort``. How Claude on
Foundry maps effort to a budget is UNCONFIRMED (reference §4b), so fclaude maps its budget to
the nearest effort (< 4096 low, < 16384 medium, else high) and asks for a summary, which
arrives as reasoning-summary deltas shown as thinking.
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
    get_opt_str,
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
    ThinkingStart,
    UsageUpdate,
)
from foundry_cli.errors import ApiError

#: wire-neutral stop reasons (the Messages API's names)
_STOP = {"completed": "end_turn", "max_output_tokens": "max_tokens", "content_filter": "refusal"}


def path_and_query(project: str, api_version: str) -> tuple[str, dict[str, str]]:
    if api_version == "v1":
        return f"/api/projects/{project}/openai/v1/responses", {}
    return f"/api/projects/{project}/openai/responses", {"api-version": api_version}


def effort_for(budget: int) -> str:
    return "low" if budget < 4096 else "medium" if budget < 16384 else "high"


def _attachment_part(att: Attachment) -> dict[str, Any]:
    if att.kind == "text":
        return {"type": "input_text", "text": inline_text(att)}
    url = f"data:{att.media_type};base64,{b64(att)}"
    if att.kind == "image":
        return {"type": "input_image", "image_url": url, "detail": "auto"}
    return {"type": "input_file", "filename": att.name, "file_data": url}


def _item(msg: Message) -> dict[str, Any]:
    part = "input_text" if msg.role == "user" else "output_text"
    files = [_attachment_part(a) for a in msg.attachments]
    return {"role": msg.role, "content": [*files, {"type": part, "text": msg.text}]}


def build_body(req: Request) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": req.deployment,
        "input": [_item(m) for m in req.messages],
        "max_output_tokens": req.max_tokens,
    }
    if req.system:
        body["instructions"] = req.system
    if req.temperature is not None and req.rules is None:
        body["temperature"] = req.temperature
    elif req.rules is not None and "temperature" in req.rules:
        body["temperature"] = req.rules["temperature"]
    # reasoning: an effort asked for, adaptive thinking, or a budget mapped to the nearest effort
    # (how Claude on this surface honours reasoning.effort is UNCONFIRMED: reference §4b)
    effort = req.effort or (effort_for(req.thinking_budget) if req.thinking_budget else None)
    if effort is None and req.adaptive:
        effort = "medium"
    if effort is not None:
        body["reasoning"] = {"effort": effort, "summary": "auto"}
    if req.stream:
        body["stream"] = True
    return body


def _usage(resp: dict[str, Any]) -> UsageUpdate | None:
    u = resp.get("usage")
    if not isinstance(u, dict):
        return None
    details = u.get("input_tokens_details")
    cached = get_int(details, "cached_tokens") if isinstance(details, dict) else None
    total = get_int(u, "input_tokens")
    if total is not None and cached:  # OpenAI counts cached tokens inside input_tokens
        total -= min(cached, total)
    return UsageUpdate(
        input_tokens=total, output_tokens=get_int(u, "output_tokens"), cache_read_input_tokens=cached
    )


#: the status each terminal event implies when its response object carries none
_STATUS_OF_EVENT = {
    "response.completed": "completed",
    "response.incomplete": "incomplete",
    "response.failed": "failed",
}


def _failure(err: dict[str, Any]) -> ApiError:
    """A failed response's ``error`` object (or an ``error`` event) -> ApiError, made safe."""
    raw_code = err.get("code") or err.get("type")
    code = server_text(raw_code, MAX_CODE) if isinstance(raw_code, str) and raw_code else None
    message = err.get("message")
    text = server_text(message) if isinstance(message, str) else ""
    status = {"overloaded_error": 529, "rate_limit_error": 429}.get(code or "", 200)
    return ApiError(text or code or "the response failed", status=status, code=code)


def _terminal(resp: dict[str, Any], kind: str | None = None) -> Iterator[StreamEvent]:
    """The end of a response: usage, then Stop, or ApiError for a failed one.

    A ``response.failed`` event is a failure whatever its response says (or leaves out).
    """
    where = f"{kind!r} event" if kind else "response"
    if (u := _usage(resp)) is not None:
        yield u
    status = get_opt_str(resp, "status", where) or _STATUS_OF_EVENT.get(kind or "")
    if status == "failed" or kind == "response.failed":
        raise _failure(get_object(resp, "error", where))
    if status is None:
        raise malformed(where, "the response has no `status`")
    if status == "incomplete":
        reason = get_label(get_object(resp, "incomplete_details", where), "reason", where)
    else:
        reason = status
    yield Stop(_STOP.get(str(reason), str(reason) if reason else None))


class StreamParser:
    def feed(self, event: str, data: dict[str, Any]) -> Iterator[StreamEvent]:
        """Raises ApiError for ``error`` and ``response.failed`` events, and for an event whose
        fields have the wrong types (code :data:`~foundry_cli.api.fields.MALFORMED`)."""
        kind = data.get("type", event)
        if not isinstance(kind, str):
            raise malformed("event", "`type` is not a string")
        where = kind  # malformed() words it only if an error is raised
        if kind == "response.output_text.delta":
            text = data.get("delta")
            if type(text) is str:  # the hot path: one per token
                yield TextDelta(text if text.isascii() else without_surrogates(text))
            else:
                yield TextDelta(get_str(data, "delta", where))
        elif kind in ("response.reasoning_summary_text.delta", "response.reasoning_text.delta"):
            yield ThinkingDelta(get_str(data, "delta", where))
        elif kind == "response.output_item.added":
            if get_object(data, "item", where).get("type") == "reasoning":
                yield ThinkingStart()
        elif kind == "response.created":
            resp = get_object(data, "response", where)
            yield Started(get_label(resp, "id", where) or "", get_label(resp, "model", where) or "")
        elif kind in _STATUS_OF_EVENT:
            yield from _terminal(get_object(data, "response", where), kind)
        elif kind == "error":
            nested = data.get("error")
            raise _failure({**data, **nested} if isinstance(nested, dict) else data)
        # created/in_progress/part/done events and unknown types carry nothing new


def parse_body(doc: dict[str, Any]) -> Iterator[StreamEvent]:
    """A non-streaming Response object -> the same events a stream would give.

    Raises ApiError for a failed response and for fields of the wrong type.
    """
    where = "response"
    yield Started(get_label(doc, "id", where) or "", get_label(doc, "model", where) or "")
    for item in get_list(doc, "output", where):
        item = as_object(item, "output item")
        if item.get("type") == "reasoning":
            yield ThinkingStart()
            for part in get_list(item, "summary", where):
                yield ThinkingDelta(get_str(as_object(part, "summary part"), "text", where))
        elif item.get("type") == "message":
            for part in get_list(item, "content", where):
                part = as_object(part, "content part")
                if part.get("type") == "output_text":
                    yield TextDelta(get_str(part, "text", where))
    yield from _terminal(doc)
