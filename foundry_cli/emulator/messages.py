"""Anthropic Messages wire format: request validation, JSON body, SSE stream."""

from __future__ import annotations

from collections.abc import Iterator

from foundry_cli.emulator.content import count_tokens, thinking_signature
from foundry_cli.emulator.files import FileCount, messages_block
from foundry_cli.emulator.scenarios import MESSAGES_OVERLOADED_EVENT_DATA
from foundry_cli.emulator.sse import dumps, encode_event
from foundry_cli.emulator.wire import Answer, InvalidRequest, Prompt, as_dict

PING = encode_event("ping", '{"type": "ping"}')
PING_EVERY = 100  # text deltas between pings inside a long text block
MIN_BUDGET = 1024
BLOCK_TYPES = {
    "text",
    "thinking",
    "redacted_thinking",
    "image",
    "document",
    "tool_use",
    "tool_result",
    "search_result",
}


def _int_field(body: dict[str, object], name: str, minimum: int) -> int:
    value = body.get(name)
    if value is None:
        raise InvalidRequest(f"{name}: Field required")
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidRequest(f"{name}: Input should be a valid integer")
    if value < minimum:
        raise InvalidRequest(f"{name}: Input should be greater than or equal to {minimum}")
    return value


def _block_texts(where: str, block: object, role: str, files: FileCount | None = None) -> list[str]:
    data = as_dict(block)
    if data is None:
        raise InvalidRequest(f"{where}: Input should be a valid dictionary or object")
    kind = data.get("type")
    if kind not in BLOCK_TYPES:
        raise InvalidRequest(f"{where}.type: Input tag {kind!r} does not match any of the expected tags")
    if kind == "text":
        if not isinstance(data.get("text"), str):
            raise InvalidRequest(f"{where}.text: Field required")
        return [str(data["text"])]
    if kind == "thinking":
        if role != "assistant":
            raise InvalidRequest(f"{where}: thinking blocks may only appear in assistant messages")
        for key in ("thinking", "signature"):
            if not isinstance(data.get(key), str):
                raise InvalidRequest(f"{where}.{key}: Field required")
        return [str(data["thinking"])]
    if kind in ("image", "document"):
        messages_block(where, str(kind), data, files if files is not None else FileCount())
    return []


def _message_texts(index: int, message: object, files: FileCount | None = None) -> tuple[str, list[str]]:
    data = as_dict(message)
    if data is None:
        raise InvalidRequest(f"messages.{index}: Input should be a valid dictionary")
    role = data.get("role")
    if role not in ("user", "assistant"):
        raise InvalidRequest(f"messages.{index}.role: Input should be 'user' or 'assistant'")
    content = data.get("content")
    if isinstance(content, str):
        return str(role), [content]
    if not isinstance(content, list):
        raise InvalidRequest(f"messages.{index}.content: Field required")
    texts: list[str] = []
    for j, block in enumerate(content):
        texts += _block_texts(f"messages.{index}.content.{j}", block, str(role), files)
    return str(role), texts


def _thinking_on(body: dict[str, object], max_tokens: int) -> bool:
    if body.get("thinking") is None:
        return False
    cfg = as_dict(body["thinking"])
    kind = cfg.get("type") if cfg else None
    if cfg is None or kind not in ("enabled", "disabled", "adaptive"):
        raise InvalidRequest(
            "thinking: Input tag does not match any of the expected tags: 'enabled', 'disabled', 'adaptive'"
        )
    if kind != "enabled":
        return kind == "adaptive"
    budget = cfg.get("budget_tokens")
    if budget is None:
        raise InvalidRequest("thinking.enabled.budget_tokens: Field required")
    if isinstance(budget, bool) or not isinstance(budget, int):
        raise InvalidRequest("thinking.enabled.budget_tokens: Input should be a valid integer")
    if budget < MIN_BUDGET:
        raise InvalidRequest(
            f"thinking.enabled.budget_tokens: Input should be greater than or equal to {MIN_BUDGET}"
        )
    if budget >= max_tokens:
        raise InvalidRequest("`max_tokens` must be greater than `thinking.budget_tokens`")
    return True


def _system_text(system: object) -> str:
    if system is None or isinstance(system, str):
        return system or ""
    if isinstance(system, list):
        return "".join(str(b.get("text", "")) for b in system if isinstance(b, dict))
    raise InvalidRequest("system: Input should be a valid string or list of text blocks")


def parse_request(body: dict[str, object], model: str) -> Prompt:
    """Validate a Messages request body the way the service does; raise InvalidRequest."""
    max_tokens = _int_field(body, "max_tokens", 1)
    raw = body.get("messages")
    if raw is None:
        raise InvalidRequest("messages: Field required")
    if not isinstance(raw, list):
        raise InvalidRequest("messages: Input should be a valid list")
    if not raw:
        raise InvalidRequest("messages: at least one message is required")
    all_text = [_system_text(body.get("system"))]
    last_user, turn, previous = "", 0, ""
    files = FileCount()
    for i, message in enumerate(raw):
        counted = FileCount()
        role, texts = _message_texts(i, message, counted)
        if i == 0 and role != "user":
            raise InvalidRequest('messages: first message must use the "user" role')
        if role == previous:
            raise InvalidRequest(
                f'messages: roles must alternate between "user" and "assistant", '
                f'but found multiple "{role}" roles in a row'
            )
        previous = role
        all_text += texts
        if role == "user":
            turn += 1
            last_user = texts[-1] if texts else ""  # the question comes after any attached files
            files = counted
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise InvalidRequest("stream: Input should be a valid boolean")
    return Prompt(
        model=model,
        last_user_text=last_user,
        turn=turn,
        input_tokens=count_tokens("".join(all_text)),
        stream=stream,
        thinking=_thinking_on(body, max_tokens),
        images=files.images,
        documents=files.documents,
    )


def _usage(prompt: Prompt, output_tokens: int) -> dict[str, object]:
    return {
        "input_tokens": prompt.input_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": output_tokens,
    }


def message_body(prompt: Prompt, answer: Answer, msg_id: str) -> dict[str, object]:
    """The non-streaming Messages response."""
    content: list[dict[str, object]] = []
    if answer.thinking:
        thinking = "".join(answer.thinking)
        content.append({"type": "thinking", "thinking": thinking, "signature": thinking_signature(thinking)})
    content.append({"type": "text", "text": "".join(answer.text)})
    return {
        "id": msg_id,
        "type": "message",
        "role": "assistant",
        "model": prompt.model,
        "content": content,
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": _usage(prompt, answer.output_tokens),
    }


class MessagesStream:
    """The Messages SSE stream (reference §4a order)."""

    def __init__(self, prompt: Prompt, answer: Answer, msg_id: str) -> None:
        self.prompt = prompt
        self.answer = answer
        self.msg_id = msg_id

    def _start(self) -> bytes:
        message: dict[str, object] = {
            "id": self.msg_id,
            "type": "message",
            "role": "assistant",
            "content": [],
            "model": self.prompt.model,
            "stop_reason": None,
            "stop_sequence": None,
            "usage": _usage(self.prompt, 1),
        }
        return encode_event("message_start", {"type": "message_start", "message": message})

    def _thinking_block(self) -> Iterator[tuple[bytes, bool]]:
        yield self._block_start(0, {"type": "thinking", "thinking": ""}), False
        yield PING, False
        for piece in self.answer.thinking:
            yield self._delta(0, {"type": "thinking_delta", "thinking": piece}), False
        signature = thinking_signature("".join(self.answer.thinking))
        yield self._delta(0, {"type": "signature_delta", "signature": signature}), False
        yield self._block_stop(0), False

    def events(self) -> Iterator[tuple[bytes, bool]]:
        yield self._start(), False
        index = 0
        if self.answer.thinking:
            yield from self._thinking_block()
            index = 1
        yield self._block_start(index, {"type": "text", "text": ""}), False
        if not self.answer.thinking:
            yield PING, False
        prefix = b'event: content_block_delta\ndata: {"type":"content_block_delta","index":%d,' % index
        prefix += b'"delta":{"type":"text_delta","text":'
        cache: dict[str, bytes] = {}
        for n, piece in enumerate(self.answer.text, 1):
            encoded = cache.get(piece)
            if encoded is None:
                encoded = cache[piece] = prefix + dumps(piece).encode() + b"}}\n\n"
            yield encoded, True
            if n % PING_EVERY == 0:
                yield PING, False
        yield self._block_stop(index), False
        delta = {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}}
        delta["usage"] = {"output_tokens": self.answer.output_tokens}
        yield encode_event("message_delta", delta), False
        yield encode_event("message_stop", {"type": "message_stop"}), False

    def error_event(self) -> bytes:
        return encode_event("error", MESSAGES_OVERLOADED_EVENT_DATA)

    @staticmethod
    def _block_start(index: int, block: dict[str, object]) -> bytes:
        data = {"type": "content_block_start", "index": index, "content_block": block}
        return encode_event("content_block_start", data)

    @staticmethod
    def _delta(index: int, delta: dict[str, object]) -> bytes:
        data = {"type": "content_block_delta", "index": index, "delta": delta}
        return encode_event("content_block_delta", data)

    @staticmethod
    def _block_stop(index: int) -> bytes:
        return encode_event("content_block_stop", {"type": "content_block_stop", "index": index})


def count_tokens_body(body: dict[str, object]) -> dict[str, object]:
    """``/v1/messages/count_tokens``: the same estimate the emulator uses for ``input_tokens``."""
    raw = body.get("messages")
    if not isinstance(raw, list) or not raw:
        raise InvalidRequest("messages: Field required")
    texts = [_system_text(body.get("system"))]
    for i, message in enumerate(raw):
        texts += _message_texts(i, message)[1]
    return {"input_tokens": count_tokens("".join(texts))}
