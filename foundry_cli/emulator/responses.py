"""OpenAI Responses wire format: request validation, the Response object, SSE stream."""

from __future__ import annotations

import time
from collections.abc import Iterator

from foundry_cli.emulator.content import count_tokens, output_message_id, reasoning_id
from foundry_cli.emulator.files import FileCount, responses_part
from foundry_cli.emulator.sse import dumps, encode_event
from foundry_cli.emulator.wire import Answer, InvalidRequest, Prompt, as_dict

EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")
SUMMARIES = ("auto", "concise", "detailed")
TEXT_PARTS = ("input_text", "output_text", "text", "summary_text")
MIN_OUTPUT_TOKENS = 16


def _content_text(where: str, content: object, files: FileCount | None = None) -> str:
    """The text of a message's content; attached files are validated and counted into ``files``."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise InvalidRequest(f"Invalid type for '{where}': expected a string or an array.", param=where)
    texts = []
    for j, part in enumerate(content):
        data = as_dict(part)
        if data is None or not isinstance(data.get("type"), str):
            raise InvalidRequest(
                f"Missing required parameter: '{where}[{j}].type'.", param=f"{where}[{j}].type"
            )
        if data["type"] in TEXT_PARTS:
            text = data.get("text")
            if not isinstance(text, str):
                raise InvalidRequest(
                    f"Missing required parameter: '{where}[{j}].text'.", param=f"{where}[{j}].text"
                )
            texts.append(text)
        elif data["type"] in ("input_image", "input_file"):
            responses_part(f"{where}[{j}]", data, files if files is not None else FileCount())
    return "".join(texts)


def _question(content: object) -> str:
    """The last text part of a user message: the question, after any inlined files."""
    if isinstance(content, list):
        texts = [str(d.get("text", "")) for d in map(as_dict, content) if d and d.get("type") in TEXT_PARTS]
        return texts[-1] if texts else ""
    return str(content or "")


def _input_items(raw: list[object]) -> tuple[str, int, list[str], FileCount]:
    """(last user text, number of user messages, all texts, files of the last user message)."""
    last_user, turn, texts, files = "", 0, [], FileCount()
    for i, item in enumerate(raw):
        data = as_dict(item)
        if data is None:
            raise InvalidRequest(f"Invalid type for 'input[{i}]': expected an object.", param=f"input[{i}]")
        kind = data.get("type", "message")
        if kind != "message":
            continue  # reasoning items, function calls and outputs, item references: accepted as context
        role = data.get("role")
        if role not in ("user", "assistant", "system", "developer"):
            raise InvalidRequest(
                f"Invalid value: '{role}'. "
                "Supported values are: 'user', 'assistant', 'system', and 'developer'.",
                param=f"input[{i}].role",
            )
        counted = FileCount()
        text = _content_text(f"input[{i}].content", data.get("content"), counted)
        texts.append(text)
        if role == "user":
            turn += 1
            last_user = _question(data.get("content"))
            files = counted
    return last_user, turn, texts, files


def _reasoning(body: dict[str, object]) -> dict[str, object] | None:
    raw = body.get("reasoning")
    if raw is None:
        return None
    cfg = as_dict(raw)
    if cfg is None:
        raise InvalidRequest("Invalid type for 'reasoning': expected an object.", param="reasoning")
    effort, summary = cfg.get("effort"), cfg.get("summary")
    if effort is not None and effort not in EFFORTS:
        supported = ", ".join(f"'{e}'" for e in EFFORTS)
        raise InvalidRequest(
            f"Invalid value: '{effort}'. Supported values are: {supported}.", param="reasoning.effort"
        )
    if summary is not None and summary not in SUMMARIES:
        supported = ", ".join(f"'{s}'" for s in SUMMARIES)
        raise InvalidRequest(
            f"Invalid value: '{summary}'. Supported values are: {supported}.", param="reasoning.summary"
        )
    return {"effort": effort, "summary": summary}


def _options(body: dict[str, object]) -> dict[str, object]:
    max_out = body.get("max_output_tokens")
    if max_out is not None and (isinstance(max_out, bool) or not isinstance(max_out, int)):
        raise InvalidRequest(
            "Invalid type for 'max_output_tokens': expected an integer.", param="max_output_tokens"
        )
    if isinstance(max_out, int) and max_out < MIN_OUTPUT_TOKENS:
        raise InvalidRequest(
            "Invalid 'max_output_tokens': integer below minimum value. "
            f"Expected a value >= {MIN_OUTPUT_TOKENS}, but got {max_out} instead.",
            param="max_output_tokens",
        )
    temperature = body.get("temperature", 1.0)
    if (
        isinstance(temperature, bool)
        or not isinstance(temperature, (int, float))
        or not 0 <= temperature <= 2
    ):
        raise InvalidRequest("Invalid 'temperature': expected a number between 0 and 2.", param="temperature")
    instructions = body.get("instructions")
    if instructions is not None and not isinstance(instructions, str):
        raise InvalidRequest("Invalid type for 'instructions': expected a string.", param="instructions")
    return {
        "instructions": instructions,
        "max_output_tokens": max_out,
        "temperature": float(temperature),
        "reasoning": _reasoning(body),
    }


def parse_request(body: dict[str, object], model: str) -> Prompt:
    """Validate a Responses request body; raise InvalidRequest."""
    raw = body.get("input")
    files = FileCount()
    if isinstance(raw, str):
        last_user, turn, texts = raw, 1, [raw]
    elif isinstance(raw, list):
        last_user, turn, texts, files = _input_items(raw)
    elif raw is None:
        raise InvalidRequest("Missing required parameter: 'input'.", param="input")
    else:
        raise InvalidRequest("Invalid type for 'input': expected a string or an array.", param="input")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise InvalidRequest("Invalid type for 'stream': expected a boolean.", param="stream")
    options = _options(body)
    instructions = options["instructions"]
    all_text = (instructions if isinstance(instructions, str) else "") + "".join(texts)
    return Prompt(
        model=model,
        last_user_text=last_user,
        turn=turn,
        input_tokens=count_tokens(all_text),
        stream=stream,
        thinking=options["reasoning"] is not None,
        options=options,
        images=files.images,
        documents=files.documents,
    )


class ResponseBuilder:
    """Builds the Response object, its output items and the SSE stream for one answer."""

    def __init__(self, prompt: Prompt, answer: Answer, resp_id: str) -> None:
        self.prompt = prompt
        self.answer = answer
        self.resp_id = resp_id
        self.created_at = int(time.time())
        self.msg_id = output_message_id()
        self.rs_id = reasoning_id() if answer.thinking else ""
        self.seq = 0

    # --- objects ---------------------------------------------------------------------------

    def reasoning_item(self, done: bool) -> dict[str, object]:
        summary = [{"type": "summary_text", "text": "".join(self.answer.thinking)}] if done else []
        return {"id": self.rs_id, "type": "reasoning", "summary": summary}

    def message_item(self, done: bool) -> dict[str, object]:
        content = [self.text_part("".join(self.answer.text))] if done else []
        status = "completed" if done else "in_progress"
        return {
            "id": self.msg_id,
            "type": "message",
            "status": status,
            "role": "assistant",
            "content": content,
        }

    @staticmethod
    def text_part(text: str) -> dict[str, object]:
        return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}

    def usage(self) -> dict[str, object]:
        out = self.answer.output_tokens
        return {
            "input_tokens": self.prompt.input_tokens,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": out,
            "output_tokens_details": {"reasoning_tokens": len(self.answer.thinking)},
            "total_tokens": self.prompt.input_tokens + out,
        }

    def response(self, done: bool) -> dict[str, object]:
        opts = self.prompt.options
        reasoning = opts.get("reasoning") or {"effort": None, "summary": None}
        output: list[dict[str, object]] = []
        if done:
            output = [self.reasoning_item(True)] if self.rs_id else []
            output.append(self.message_item(True))
        return {
            "id": self.resp_id,
            "object": "response",
            "created_at": self.created_at,
            "status": "completed" if done else "in_progress",
            "background": False,
            "completed_at": int(time.time()) if done else None,
            "error": None,
            "incomplete_details": None,
            "instructions": opts.get("instructions"),
            "max_output_tokens": opts.get("max_output_tokens"),
            "max_tool_calls": None,
            "model": self.prompt.model,
            "output": output,
            "parallel_tool_calls": True,
            "previous_response_id": None,
            "reasoning": reasoning,
            "service_tier": "default",
            "store": True,
            "temperature": opts.get("temperature", 1.0),
            "text": {"format": {"type": "text"}},
            "tool_choice": "auto",
            "tools": [],
            "top_logprobs": 0,
            "top_p": 1.0,
            "truncation": "disabled",
            "usage": self.usage() if done else None,
            "user": None,
            "metadata": {},
        }

    # --- stream ----------------------------------------------------------------------------

    def _event(self, kind: str, fields: dict[str, object]) -> bytes:
        data = {"type": kind, **fields, "sequence_number": self.seq}
        self.seq += 1
        return encode_event(kind, data)

    def _reasoning_events(self) -> Iterator[tuple[bytes, bool]]:
        ids = {"item_id": self.rs_id, "output_index": 0, "summary_index": 0}
        text = "".join(self.answer.thinking)
        yield (
            self._event(
                "response.output_item.added", {"output_index": 0, "item": self.reasoning_item(False)}
            ),
            False,
        )
        part: dict[str, object] = {"type": "summary_text", "text": ""}
        yield self._event("response.reasoning_summary_part.added", {**ids, "part": part}), False
        for piece in self.answer.thinking:
            yield self._event("response.reasoning_summary_text.delta", {**ids, "delta": piece}), False
        yield self._event("response.reasoning_summary_text.done", {**ids, "text": text}), False
        part = {"type": "summary_text", "text": text}
        yield self._event("response.reasoning_summary_part.done", {**ids, "part": part}), False
        yield (
            self._event("response.output_item.done", {"output_index": 0, "item": self.reasoning_item(True)}),
            False,
        )

    def _text_deltas(self, index: int) -> Iterator[tuple[bytes, bool]]:
        head = b'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":"'
        head += self.msg_id.encode() + b'","output_index":%d,"content_index":0,"delta":' % index
        tail = b',"logprobs":[],"sequence_number":'
        cache: dict[str, bytes] = {}
        for piece in self.answer.text:
            encoded = cache.get(piece)
            if encoded is None:
                encoded = cache[piece] = head + dumps(piece).encode() + tail
            yield encoded + b"%d}\n\n" % self.seq, True
            self.seq += 1

    def events(self) -> Iterator[tuple[bytes, bool]]:
        yield self._event("response.created", {"response": self.response(False)}), False
        yield self._event("response.in_progress", {"response": self.response(False)}), False
        index = 0
        if self.rs_id:
            yield from self._reasoning_events()
            index = 1
        ids = {"item_id": self.msg_id, "output_index": index, "content_index": 0}
        text = "".join(self.answer.text)
        yield (
            self._event(
                "response.output_item.added", {"output_index": index, "item": self.message_item(False)}
            ),
            False,
        )
        yield self._event("response.content_part.added", {**ids, "part": self.text_part("")}), False
        yield from self._text_deltas(index)
        yield self._event("response.output_text.done", {**ids, "text": text, "logprobs": []}), False
        yield self._event("response.content_part.done", {**ids, "part": self.text_part(text)}), False
        yield (
            self._event(
                "response.output_item.done", {"output_index": index, "item": self.message_item(True)}
            ),
            False,
        )
        yield self._event("response.completed", {"response": self.response(True)}), False

    def error_event(self) -> bytes:
        fields: dict[str, object] = {"code": "overloaded_error", "message": "Overloaded", "param": None}
        return self._event("error", fields)
