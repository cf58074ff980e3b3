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
    if req.temperature is not None:
        body["temperature"] = req.temperature
    if req.thinking_budget:
        body["reasoning"] = {"effort": effort_for(req.thinking_budget), "summary": "auto"}
    if req.stream:
        body["stream"] = True
    return body


def _usage(resp: Any) -> UsageUpdate | None:
    u = resp.get("usage") if isinstance(resp, dict) else None
    if not isinstance(u, dict):
        return None
    inp, out = u.get("input_tokens"), u.get("output_tokens")
    return UsageUpdate(
        input_tokens=inp if isinstance(inp, int) else None,
        output_tokens=out if isinstance(out, int) else None,
    )


def _terminal(resp: dict[str, Any]) -> Iterator[StreamEvent]:
    if (u := _usage(resp)) is not None:
        yield u
    status = resp.get("status")
    if status == "failed":
        err = resp.get("error") or {}
        raise ApiError(str(err.get("message") or "the response failed"), status=200, code=err.get("code"))
    reason = (resp.get("incomplete_details") or {}).get("reason") if status == "incomplete" else status
    yield Stop(_STOP.get(str(reason), str(reason) if reason else None))


class StreamParser:
    def feed(self, event: str, data: dict[str, Any]) -> Iterator[StreamEvent]:
        """Raises ApiError for ``error`` and ``response.failed`` events."""
        kind = data.get("type", event)
        if kind == "response.output_text.delta":
            yield TextDelta(str(data.get("delta", "")))
        elif kind in ("response.reasoning_summary_text.delta", "response.reasoning_text.delta"):
            yield ThinkingDelta(str(data.get("delta", "")))
        elif kind == "response.output_item.added":
            if (data.get("item") or {}).get("type") == "reasoning":
                yield ThinkingStart()
        elif kind == "response.created":
            resp = data.get("response") or {}
            yield Started(str(resp.get("id", "")), str(resp.get("model", "")))
        elif kind in ("response.completed", "response.incomplete", "response.failed"):
            yield from _terminal(data.get("response") or {})
        elif kind == "error":
            code = data.get("code") or (data.get("error") or {}).get("type")
            status = {"overloaded_error": 529, "rate_limit_error": 429}.get(str(code), 200)
            raise ApiError(str(data.get("message") or code or "stream error"), status=status, code=code)
        # created/in_progress/part/done events and unknown types carry nothing new


def parse_body(doc: dict[str, Any]) -> Iterator[StreamEvent]:
    yield Started(str(doc.get("id", "")), str(doc.get("model", "")))
    for item in doc.get("output") or []:
        if item.get("type") == "reasoning":
            yield ThinkingStart()
            for part in item.get("summary") or []:
                yield ThinkingDelta(str(part.get("text", "")))
        elif item.get("type") == "message":
            for part in item.get("content") or []:
                if part.get("type") == "output_text":
                    yield TextDelta(str(part.get("text", "")))
    yield from _terminal(doc)
