"""Anthropic Messages wire format: request validation, JSON body, SSE stream.

With the deployment's model rules (``model_rules.ModelRules``, from the catalog data file), a
request is also checked the way the service checks that model: thinking modes, effort levels,
sampling parameters, assistant prefill, the output limit and the context window, each with the
service's ``invalid_request_error`` 400. ``cache_control`` breakpoints are collected for the
service's prompt-cache accounting.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

from foundry_cli.emulator.content import count_tokens, thinking_signature
from foundry_cli.emulator.files import FileCount, messages_block
from foundry_cli.emulator.model_rules import EFFORTS, ModelRules
from foundry_cli.emulator.scenarios import MESSAGES_OVERLOADED_EVENT_DATA
from foundry_cli.emulator.sse import dumps, encode_event
from foundry_cli.emulator.wire import Answer, Breakpoint, InvalidRequest, Prompt, as_dict

PING = encode_event("ping", '{"type": "ping"}')
PING_EVERY = 100  # text deltas between pings inside a long text block
MIN_BUDGET = 1024
MAX_BREAKPOINTS = 4
THINKING_TYPES = ("enabled", "disabled", "adaptive", "between_tools")
DISPLAYS = ("summarized", "omitted")
THINKING_TOP_P_MIN = 0.95
REFUSAL_DETAILS = {
    "type": "refusal",
    "category": "cyber",
    "explanation": "The emulator's refusal scenario declined this request.",
}
# The service's wording where the docs quote it (Opus 5.5 "What's new"); the other messages are
# the emulator's, in the same style.
NOT_SUPPORTED = (
    '"thinking.type.{mode}" is not supported for this model. Use "thinking.type.adaptive" and '
    '"output_config.effort" to control thinking behavior.'
)
PREFILL_MESSAGE = (
    "This model does not support assistant message prefill. The conversation must end with a user message."
)
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


def _thinking_config(body: dict[str, object], max_tokens: int | None) -> dict[str, object] | None:
    """The ``thinking`` object, shape-checked (None when absent)."""
    if body.get("thinking") is None:
        return None
    cfg = as_dict(body["thinking"])
    kind = cfg.get("type") if cfg else None
    if cfg is None or kind not in THINKING_TYPES:
        tags = ", ".join(f"'{t}'" for t in THINKING_TYPES)
        raise InvalidRequest(f"thinking: Input tag does not match any of the expected tags: {tags}")
    display = cfg.get("display")
    if display is not None and (kind not in ("enabled", "adaptive") or display not in DISPLAYS):
        raise InvalidRequest(f"thinking.{kind}.display: Input should be 'summarized' or 'omitted'")
    if kind == "between_tools" and set(cfg) - {"type"}:
        extra = sorted(set(cfg) - {"type"})[0]
        raise InvalidRequest(f"thinking.between_tools.{extra}: Extra inputs are not permitted")
    if kind != "enabled":
        return cfg
    budget = cfg.get("budget_tokens")
    if budget is None:
        raise InvalidRequest("thinking.enabled.budget_tokens: Field required")
    if isinstance(budget, bool) or not isinstance(budget, int):
        raise InvalidRequest("thinking.enabled.budget_tokens: Input should be a valid integer")
    if budget < MIN_BUDGET:
        raise InvalidRequest(
            f"thinking.enabled.budget_tokens: Input should be greater than or equal to {MIN_BUDGET}"
        )
    if max_tokens is not None and budget >= max_tokens:
        raise InvalidRequest("`max_tokens` must be greater than `thinking.budget_tokens`")
    return cfg


def _effort(body: dict[str, object], rules: ModelRules | None) -> str | None:
    """``output_config.effort``, checked against the model's levels."""
    config = body.get("output_config")
    if config is None:
        return None
    cfg = as_dict(config)
    if cfg is None:
        raise InvalidRequest("output_config: Input should be a valid dictionary")
    effort = cfg.get("effort")
    if effort is None:
        return None
    if effort not in EFFORTS:
        raise InvalidRequest(
            "output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'"
        )
    if rules is not None and not rules.efforts:
        raise InvalidRequest('"output_config.effort" is not supported for this model.')
    if rules is not None and effort not in rules.efforts:
        raise InvalidRequest(f'"output_config.effort" value "{effort}" is not supported for this model.')
    return str(effort)


def _thinking_rules(cfg: dict[str, object] | None, effort: str | None, rules: ModelRules) -> None:
    """The model's thinking modes, and the effort limit on turning thinking off."""
    if cfg is None:
        return
    mode = str(cfg["type"])
    if not rules.accepts(mode):
        if mode == "adaptive":
            raise InvalidRequest(
                '"thinking.type.adaptive" is not supported for this model. Use "thinking.type.enabled" '
                'with "budget_tokens" to control thinking behavior.'
            )
        if mode == "disabled" and rules.accepts("between_tools"):
            raise InvalidRequest(
                '"thinking.type.disabled" is not supported for this model. Use "thinking.type.between_tools" '
                "to turn off up-front thinking."
            )
        raise InvalidRequest(NOT_SUPPORTED.format(mode=mode))
    limit = rules.thinking_off_max_effort
    level = effort or rules.default_effort
    turning_off = mode in ("disabled", "between_tools") and limit is not None and level in EFFORTS
    if turning_off and EFFORTS.index(str(level)) > EFFORTS.index(str(limit)):
        raise InvalidRequest(
            f'"thinking.type.{mode}" is only supported with "output_config.effort" of "{limit}" or lower '
            "for this model."
        )


def _thinking_state(cfg: dict[str, object] | None, rules: ModelRules | None) -> tuple[bool, bool]:
    """(thinking runs, its text is omitted) for this request."""
    if cfg is None:
        on = rules is not None and rules.thinking_default != "off"
    else:
        on = cfg["type"] in ("enabled", "adaptive")
    default_display = rules.thinking_display if rules is not None else "summarized"
    display = cfg.get("display", default_display) if cfg is not None else default_display
    return on, on and display == "omitted"


def _number(body: dict[str, object], name: str) -> float | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidRequest(f"{name}: Input should be a valid number")
    return float(value)


def _sampling(body: dict[str, object], rules: ModelRules, thinking_on: bool) -> None:
    """temperature / top_p / top_k: removed on some models; restricted while thinking."""
    temperature, top_p, top_k = _number(body, "temperature"), _number(body, "top_p"), _number(body, "top_k")
    if temperature is not None and not 0 <= temperature <= 1:
        raise InvalidRequest("temperature: Input should be less than or equal to 1")
    if top_p is not None and not 0 <= top_p <= 1:
        raise InvalidRequest("top_p: Input should be less than or equal to 1")
    if not rules.sampling:
        _removed_sampling(temperature, top_p, top_k, rules)
    elif thinking_on:
        _sampling_while_thinking(temperature, top_p, top_k)


def _removed_sampling(
    temperature: float | None, top_p: float | None, top_k: float | None, rules: ModelRules
) -> None:
    """On a model that removed sampling parameters only their defaults pass (and not both together)."""
    if temperature is not None and top_p is not None:
        raise InvalidRequest("`temperature` and `top_p` cannot both be specified for this model.")
    for name, value, default in (
        ("temperature", temperature, 1.0),
        ("top_p", top_p, rules.top_p_fixed),
        ("top_k", top_k, None),
    ):
        if value is not None and value != default:
            raise InvalidRequest(
                f"`{name}` is not supported for this model: a non-default value returns this error. "
                "Remove it and use prompting to guide the model."
            )


def _sampling_while_thinking(temperature: float | None, top_p: float | None, top_k: float | None) -> None:
    if temperature is not None and temperature != 1:
        raise InvalidRequest(
            "`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation "
            "at https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
        )
    if top_k is not None:
        raise InvalidRequest("`top_k` must be unset when thinking is enabled.")
    if top_p is not None and top_p < THINKING_TOP_P_MIN:
        raise InvalidRequest(
            f"`top_p` must be greater than or equal to {THINKING_TOP_P_MIN} or unset when thinking is "
            "enabled."
        )


def check_rules(
    body: dict[str, object], rules: ModelRules | None, max_tokens: int | None
) -> tuple[bool, bool]:
    """Validate thinking, effort and (with rules) sampling, prefill and the output limit.

    Returns (thinking runs, thinking text omitted). ``max_tokens`` None: a ``count_tokens`` body.
    """
    cfg = _thinking_config(body, max_tokens)
    effort = _effort(body, rules)
    if rules is None:
        return _thinking_state(cfg, None)
    _thinking_rules(cfg, effort, rules)
    on, omitted = _thinking_state(cfg, rules)
    if max_tokens is not None:
        if max_tokens > rules.max_output_tokens:
            raise InvalidRequest(
                f"max_tokens: {max_tokens} > {rules.max_output_tokens}, which is the maximum allowed number "
                f"of output tokens for {rules.id}"
            )
        _sampling(body, rules, on)
        raw = body.get("messages")
        last = as_dict(raw[-1]) if isinstance(raw, list) and raw else None
        if not rules.prefill and last is not None and last.get("role") == "assistant":
            raise InvalidRequest(PREFILL_MESSAGE)
    return on, omitted


def _system_text(system: object) -> str:
    if system is None or isinstance(system, str):
        return system or ""
    if isinstance(system, list):
        return "".join(str(b.get("text", "")) for b in system if isinstance(b, dict))
    raise InvalidRequest("system: Input should be a valid string or list of text blocks")


def _cache_ttl(where: str, block: dict[str, object]) -> str | None:
    """The TTL of a block's ``cache_control`` breakpoint, or None when it has none."""
    raw = block.get("cache_control")
    if raw is None:
        return None
    cfg = as_dict(raw)
    if cfg is None or cfg.get("type") != "ephemeral":
        raise InvalidRequest(f"{where}.cache_control.type: Input should be 'ephemeral'")
    ttl = cfg.get("ttl", "5m")
    if ttl not in ("5m", "1h"):
        raise InvalidRequest(f"{where}.cache_control.ttl: Input should be '5m' or '1h'")
    return str(ttl)


def _blocks(body: dict[str, object]) -> Iterator[tuple[str, dict[str, object], str]]:
    """Every prompt block in cache order (system, then messages): (where, block, its text)."""
    system = body.get("system")
    if isinstance(system, str):
        yield "system", {"type": "text", "text": system}, system
    elif isinstance(system, list):
        for i, block in enumerate(system):
            data = as_dict(block) or {}
            yield f"system.{i}", data, str(data.get("text", ""))
    raw = body.get("messages")
    for i, message in enumerate(raw if isinstance(raw, list) else []):
        data = as_dict(message) or {}
        content = data.get("content")
        if isinstance(content, str):
            yield f"messages.{i}", {"type": "text", "text": content, "role": data.get("role")}, content
            continue
        for j, block in enumerate(content if isinstance(content, list) else []):
            part = as_dict(block) or {}
            text = part.get("text", part.get("thinking", ""))
            yield f"messages.{i}.content.{j}", {**part, "role": data.get("role")}, str(text or "")


def breakpoints(body: dict[str, object]) -> tuple[Breakpoint, ...]:
    """The ``cache_control`` breakpoints (block-level, or top-level automatic on the last block)."""
    automatic = body.get("cache_control")
    auto_ttl = _cache_ttl("body", {"cache_control": automatic}) if automatic is not None else None
    blocks = list(_blocks(body))
    if auto_ttl is None and not any("cache_control" in block for _, block, _ in blocks):
        return ()  # the common case: nothing to hash
    digest = hashlib.sha256(str(body.get("model")).encode())
    text: list[str] = []
    found: list[Breakpoint] = []
    for n, (where, block, block_text) in enumerate(blocks):
        ttl = _cache_ttl(where, block)
        bare = {k: v for k, v in block.items() if k != "cache_control"}
        digest.update(json.dumps(bare, sort_keys=True, default=str).encode())
        text.append(block_text)
        if ttl is None and n == len(blocks) - 1:
            ttl = auto_ttl
        if ttl is not None:
            found.append(Breakpoint(digest.copy().hexdigest(), count_tokens("".join(text)), ttl))
    if len(found) > MAX_BREAKPOINTS:
        raise InvalidRequest(
            f"A maximum of {MAX_BREAKPOINTS} blocks with cache_control may be provided. Found {len(found)}."
        )
    return tuple(found)


def parse_request(body: dict[str, object], model: str, rules: ModelRules | None = None) -> Prompt:
    """Validate a Messages request body the way the service does; raise InvalidRequest.

    ``rules``: the deployment's model rules (None: a model the emulator has no rules for).
    """
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
    thinking, omitted = check_rules(body, rules, max_tokens)
    input_tokens = count_tokens("".join(all_text))
    if rules is not None and input_tokens > rules.context_window:
        raise InvalidRequest(f"prompt is too long: {input_tokens} tokens > {rules.context_window} maximum")
    return Prompt(
        model=model,
        last_user_text=last_user,
        turn=turn,
        input_tokens=input_tokens,
        stream=stream,
        thinking=thinking,
        images=files.images,
        documents=files.documents,
        display_omitted=omitted,
        breakpoints=breakpoints(body),
    )


def usage(prompt: Prompt, output_tokens: int) -> dict[str, object]:
    """The Messages ``usage`` object, prompt-cache fields included (input_tokens = uncached input)."""
    cached = prompt.cache_read + prompt.cache_write_5m + prompt.cache_write_1h
    return {
        "input_tokens": max(0, prompt.input_tokens - cached),
        "cache_creation_input_tokens": prompt.cache_write_5m + prompt.cache_write_1h,
        "cache_read_input_tokens": prompt.cache_read,
        "cache_creation": {
            "ephemeral_5m_input_tokens": prompt.cache_write_5m,
            "ephemeral_1h_input_tokens": prompt.cache_write_1h,
        },
        "output_tokens": output_tokens,
    }


def _thinking_content(prompt: Prompt, answer: Answer) -> dict[str, object]:
    thinking = "".join(answer.thinking)
    shown = "" if prompt.display_omitted else thinking
    return {"type": "thinking", "thinking": shown, "signature": thinking_signature(thinking)}


def message_body(prompt: Prompt, answer: Answer, msg_id: str) -> dict[str, object]:
    """The non-streaming Messages response."""
    content: list[dict[str, object]] = []
    if answer.thinking:
        content.append(_thinking_content(prompt, answer))
    if answer.text or answer.stop_reason != "refusal":
        content.append({"type": "text", "text": "".join(answer.text)})
    body: dict[str, object] = {
        "id": msg_id,
        "type": "message",
        "role": "assistant",
        "model": prompt.model,
        "content": content,
        "stop_reason": answer.stop_reason,
        "stop_sequence": None,
        "usage": usage(prompt, answer.output_tokens),
    }
    if answer.stop_reason == "refusal":
        body["stop_details"] = REFUSAL_DETAILS
    return body


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
            "usage": usage(self.prompt, 1),
        }
        return encode_event("message_start", {"type": "message_start", "message": message})

    def _thinking_block(self) -> Iterator[tuple[bytes, bool]]:
        yield self._block_start(0, {"type": "thinking", "thinking": ""}), False
        yield PING, False
        if not self.prompt.display_omitted:  # omitted: the block carries only its signature
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
        if self.answer.text or self.answer.stop_reason != "refusal":
            yield from self._text_block(index)
        yield encode_event("message_delta", self._final_delta()), False
        yield encode_event("message_stop", {"type": "message_stop"}), False

    def _final_delta(self) -> dict[str, object]:
        stop: dict[str, object] = {"stop_reason": self.answer.stop_reason, "stop_sequence": None}
        if self.answer.stop_reason == "refusal":
            stop["stop_details"] = REFUSAL_DETAILS
        # input and cache counts are in message_start's usage (as in the streaming docs' example)
        return {"type": "message_delta", "delta": stop, "usage": {"output_tokens": self.answer.output_tokens}}

    def _text_block(self, index: int) -> Iterator[tuple[bytes, bool]]:
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


def count_tokens_body(body: dict[str, object], rules: ModelRules | None = None) -> dict[str, object]:
    """``/v1/messages/count_tokens``: the same body minus ``max_tokens``, the same estimate the
    emulator uses for ``input_tokens``; thinking and effort are checked against the model's rules."""
    raw = body.get("messages")
    if not isinstance(raw, list) or not raw:
        raise InvalidRequest("messages: Field required")
    texts = [_system_text(body.get("system"))]
    for i, message in enumerate(raw):
        texts += _message_texts(i, message, FileCount())[1]
    check_rules(body, rules, None)
    breakpoints(body)  # cache_control is validated (and ignored) here too
    return {"input_tokens": count_tokens("".join(texts))}
