"""Issue 9, finding 4 (and 2 for error events) at the adapters: valid JSON of an unexpected shape.

Every field the Messages and Responses adapters read is type-checked: a wrong type is an ApiError
(``malformed_response``) the turn runner turns into an incomplete answer, never an AttributeError
reported as "a bug". Error events carry safe text. Known small bugs: Messages ``"text": null`` must not
print "None"; Responses ``response.failed`` without a ``status`` is a failure, not a complete answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foundry_cli import redact
from foundry_cli.api import messages, responses
from foundry_cli.api.types import Stop, StreamEvent, TextDelta, ThinkingDelta, ThinkingSignature
from foundry_cli.errors import ApiError

ESC = "\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\r\x9b31m"
FORBIDDEN = {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]}


def msg_feed(*events: dict[str, Any]) -> list[StreamEvent]:
    parser = messages.StreamParser()
    return [ev for data in events for ev in parser.feed(str(data.get("type", "")), data)]


def resp_feed(*events: dict[str, Any]) -> list[StreamEvent]:
    parser = responses.StreamParser()
    return [ev for data in events for ev in parser.feed(str(data.get("type", "")), data)]


MSG_SHAPES = [
    {"type": "message_start", "message": "a string"},
    {"type": "message_start", "message": {"id": 42, "model": "m"}},
    {"type": "message_start", "message": {"id": "x", "model": ["m"]}},
    {"type": "content_block_start", "content_block": [1, 2]},
    {"type": "content_block_start", "content_block": {"type": "text", "text": {"a": 1}}},
    {"type": "content_block_start", "content_block": {"type": "thinking", "thinking": 7}},
    {"type": "content_block_delta", "delta": "text"},
    {"type": "content_block_delta", "delta": {"type": "text_delta", "text": 5}},
    {"type": "content_block_delta", "delta": {"type": "thinking_delta", "thinking": []}},
    {"type": "content_block_delta", "delta": {"type": "signature_delta", "signature": {}}},
    {"type": "message_delta", "delta": 3},
    {"type": "message_delta", "delta": {"stop_reason": ["end_turn"]}},
    {"type": ["content_block_delta"]},
]


@pytest.mark.parametrize("data", MSG_SHAPES)
def test_messages_events_of_the_wrong_shape_are_a_clear_api_error(data: dict[str, Any]) -> None:
    with pytest.raises(ApiError) as info:
        msg_feed(data)
    assert info.value.code == "malformed_response" and "malformed" in info.value.message


RESP_SHAPES = [
    {"type": "response.created", "response": "x"},
    {"type": "response.created", "response": {"id": 1}},
    {"type": "response.output_text.delta", "delta": 12},
    {"type": "response.output_text.delta", "delta": {"text": "x"}},
    {"type": "response.reasoning_summary_text.delta", "delta": [1]},
    {"type": "response.output_item.added", "item": "reasoning"},
    {"type": "response.completed", "response": []},
    {"type": "response.completed", "response": {"status": 1}},
    {"type": "response.incomplete", "response": {"status": "incomplete", "incomplete_details": "x"}},
]


@pytest.mark.parametrize("data", RESP_SHAPES)
def test_responses_events_of_the_wrong_shape_are_a_clear_api_error(data: dict[str, Any]) -> None:
    with pytest.raises(ApiError) as info:
        resp_feed(data)
    assert info.value.code == "malformed_response"


@pytest.mark.parametrize(
    "doc",
    [
        {"content": "text"},
        {"content": ["a block that is a string"]},
        {"content": [{"type": "text", "text": 3}]},
        {"id": {}, "content": []},
        {"content": [], "stop_reason": 1},
    ],
)
def test_messages_bodies_of_the_wrong_shape_are_a_clear_api_error(doc: dict[str, Any]) -> None:
    with pytest.raises(ApiError, match="malformed"):
        list(messages.parse_body(doc))


@pytest.mark.parametrize(
    "doc",
    [
        {"status": "completed", "output": "x"},
        {"status": "completed", "output": [1]},
        {"status": "completed", "output": [{"type": "message", "content": {"a": 1}}]},
        {
            "status": "completed",
            "output": [{"type": "message", "content": [{"type": "output_text", "text": 1}]}],
        },
        {"status": "completed", "output": [{"type": "reasoning", "summary": ["x"]}]},
        {"output": []},
    ],
)
def test_responses_bodies_of_the_wrong_shape_are_a_clear_api_error(doc: dict[str, Any]) -> None:
    with pytest.raises(ApiError, match="malformed"):
        list(responses.parse_body(doc))


def test_messages_null_text_prints_nothing_not_none() -> None:
    evs = msg_feed(
        {"type": "content_block_start", "content_block": {"type": "text", "text": None}},
        {"type": "content_block_delta", "delta": {"type": "text_delta", "text": None}},
        {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "ok"}},
        {"type": "message_delta", "delta": {"stop_reason": None}},
        {"type": "message_stop"},
    )
    assert "".join(e.text for e in evs if isinstance(e, TextDelta)) == "ok"
    body = list(messages.parse_body({"content": [{"type": "text", "text": None}], "stop_reason": None}))
    assert "".join(e.text for e in body if isinstance(e, TextDelta)) == ""


def test_responses_failed_without_status_is_an_error_not_a_complete_answer() -> None:
    with pytest.raises(ApiError):
        resp_feed({"type": "response.failed", "response": {}})
    with pytest.raises(ApiError, match="boom"):
        resp_feed(
            {"type": "response.failed", "response": {"error": {"code": "server_error", "message": "boom"}}}
        )
    # a completed/incomplete event without a status is what its name says
    assert resp_feed({"type": "response.completed", "response": {}})[-1] == Stop("end_turn")
    assert resp_feed({"type": "response.incomplete", "response": {}})[-1] == Stop(None)


def test_lone_surrogates_in_text_become_replacement_characters() -> None:
    evs = msg_feed(
        {"type": "content_block_delta", "delta": {"type": "text_delta", "text": "a\ud800b"}},
        {"type": "content_block_delta", "delta": {"type": "thinking_delta", "thinking": "\udfffc"}},
    )
    assert [e.text for e in evs if isinstance(e, TextDelta | ThinkingDelta)] == ["a\ufffdb", "\ufffdc"]
    out = resp_feed({"type": "response.output_text.delta", "delta": "x\udc80"})
    assert out == [TextDelta("x\ufffd")]


@pytest.fixture
def canary() -> Iterator[str]:
    key = "canary-KEY-9f8e7d6c5b4a-never-print-me"
    redact.clear()
    redact.register_secret(key)
    yield key
    redact.clear()


def test_mid_stream_error_events_carry_safe_text(canary: str) -> None:
    with pytest.raises(ApiError) as info:
        msg_feed(
            {"type": "error", "error": {"type": f"overloaded_error{ESC}", "message": f"busy {ESC}{canary}"}}
        )
    with pytest.raises(ApiError) as info2:
        resp_feed({"type": "error", "code": f"rate{ESC}", "message": f"slow {ESC} {canary}"})
    with pytest.raises(ApiError) as info3:
        resp_feed(
            {"type": "response.failed", "response": {"error": {"code": ESC, "message": f"{ESC}{canary}"}}}
        )
    for err in (info.value, info2.value, info3.value):
        for text in (err.message, err.code or "", str(err)):
            assert not FORBIDDEN & set(text) and canary not in text, repr(text)
    assert info.value.message.startswith("busy") and info2.value.message.startswith("slow")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
_MSG_TYPES = [
    "message_start",
    "content_block_start",
    "content_block_delta",
    "message_delta",
    "message_stop",
    "error",
    "ping",
]
_RESP_TYPES = [
    "response.created",
    "response.output_item.added",
    "response.output_text.delta",
    "response.reasoning_summary_text.delta",
    "response.completed",
    "response.incomplete",
    "response.failed",
    "error",
]
_FIELDS = ["message", "content_block", "delta", "usage", "error", "response", "item", "type", "text", "id"]


def _event(types: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    inner = st.dictionaries(
        st.sampled_from(["type", "text", "thinking", "signature", "id", "model", "status", "error", "usage"]),
        _JSON | st.sampled_from(["text_delta", "thinking_delta", "text", "thinking", "failed", "reasoning"]),
        max_size=4,
    )
    return st.builds(
        lambda t, extra: {"type": t, **extra},
        st.sampled_from(types),
        st.dictionaries(st.sampled_from(_FIELDS), _JSON | inner, max_size=3),
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(_event(_MSG_TYPES), max_size=5), st.lists(_event(_RESP_TYPES), max_size=5))
def test_any_event_shape_gives_events_or_an_api_error_never_another_exception(
    msg_events: list[dict[str, Any]], resp_events: list[dict[str, Any]]
) -> None:
    for feed, events in ((msg_feed, msg_events), (resp_feed, resp_events)):
        try:
            out = feed(*events)
        except ApiError as exc:
            assert exc.message and not FORBIDDEN & set(exc.message)
            continue
        for ev in out:
            if isinstance(ev, TextDelta | ThinkingDelta):
                assert isinstance(ev.text, str) and ev.text != "None"
                ev.text.encode("utf-8")
            if isinstance(ev, ThinkingSignature):
                assert isinstance(ev.signature, str)


def test_metadata_fields_are_one_safe_line() -> None:
    from foundry_cli.api.types import Started

    evs = msg_feed(
        {"type": "message_start", "message": {"id": f"msg{ESC}_1", "model": f"claude{ESC}\nx"}},
        {"type": "message_delta", "delta": {"stop_reason": f"end{ESC}_turn"}},
        {"type": "message_stop"},
    )
    assert evs[0] == Started("msg_1", "claude x") and evs[-1] == Stop("end_turn")
    out = resp_feed({"type": "response.created", "response": {"id": "r" * 5000, "model": ESC}})
    assert out == [Started("r" * 199 + "…", "")]
