"""Adapters + SSE handling on hostile input, through the real client over httpx2.MockTransport."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foundry_cli.api.client import ClientConfig, FoundryClient
from foundry_cli.api.transport import RetryPolicy
from foundry_cli.api.types import Message, Request, Stop, StreamEvent, TextDelta
from foundry_cli.auth.api_key import ApiKeyCredential
from foundry_cli.config.endpoint import normalise_endpoint
from foundry_cli.errors import ApiError, StreamInterrupted

MESSAGES_STREAM = (
    "event: message_start\n"
    'data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],'
    '"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":11,"output_tokens":1}}}\n\n'
    ": a comment line the parser must skip\n\n"
    "event: content_block_start\n"
    'data: {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}\n\n'
    "event: content_block_delta\n"
    'data: {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me think."}}\n\n'
    "event: content_block_delta\n"
    'data: {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM=="}}\n\n'
    "event: content_block_stop\n"
    'data: {"type":"content_block_stop","index":0}\n\n'
    "event: ping\n"
    'data: {"type": "ping"}\n\n'
    "event: content_block_start\n"
    'data: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}\n\n'
    "event: content_block_delta\n"
    'data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Hello, "}}\n\n'
    "event: brand_new_event\n"
    'data: {"type":"brand_new_event","whatever":[1,2,3]}\n\n'
    "event: content_block_delta\n"
    'data: {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"wörld ✓"}}\n\n'
    "event: content_block_delta\n"
    'data: {"type":"content_block_delta","index":1,"delta":{"type":"future_delta","x":1}}\n\n'
    "event: content_block_stop\n"
    'data: {"type":"content_block_stop","index":1}\n\n'
    "event: message_delta\n"
    'data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":6}}\n\n'
    "event: message_stop\n"
    'data: {"type":"message_stop"}\n\n'
).encode()


def _events(data: dict[str, object]) -> str:
    return f"event: {data['type']}\ndata: {json.dumps(data)}\n\n"


RESPONSES_STREAM = "".join(
    _events(d)
    for d in [
        {
            "type": "response.created",
            "response": {"id": "resp_1", "model": "claude-sonnet-4-5", "status": "in_progress"},
        },
        {
            "type": "response.output_item.added",
            "item": {"type": "reasoning", "id": "rs_1"},
            "sequence_number": 2,
        },
        {"type": "response.reasoning_summary_text.delta", "delta": "Thinking…", "sequence_number": 3},
        {
            "type": "response.output_item.added",
            "item": {"type": "message", "id": "msg_1"},
            "sequence_number": 4,
        },
        {"type": "response.output_text.delta", "delta": "Hello, ", "logprobs": [], "sequence_number": 5},
        {"type": "response.output_text.delta", "delta": "wörld ✓", "logprobs": [], "sequence_number": 6},
        {"type": "response.output_text.done", "text": "Hello, wörld ✓", "sequence_number": 7},
        {
            "type": "response.completed",
            "response": {
                "id": "resp_1",
                "status": "completed",
                "usage": {"input_tokens": 11, "output_tokens": 6},
            },
            "sequence_number": 8,
        },
    ]
).encode()


def chunked(body: bytes, cuts: list[int]) -> Iterator[bytes]:
    last = 0
    for c in sorted(set(cuts)):
        if 0 < c < len(body):
            yield body[last:c]
            last = c
    yield body[last:]


def make_client(
    api: str, body_chunks: object, status: int = 200, ctype: str = "text/event-stream", **kw: object
) -> FoundryClient:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(
            status, headers={"content-type": ctype, "x-ms-region": "East US 2"}, content=body_chunks
        )  # type: ignore[arg-type]

    return FoundryClient(
        ClientConfig(endpoint=normalise_endpoint("myres"), api=api, project="p"),  # type: ignore[arg-type]
        ApiKeyCredential("k", "test"),
        transport=httpx2.MockTransport(handler),
        retry=RetryPolicy(max_retries=0),
        **kw,  # type: ignore[arg-type]
    )


REQ = Request(deployment="claude-sonnet-4-5", messages=(Message("user", "hi"),))


def collect(client: FoundryClient) -> tuple[list[StreamEvent], str]:
    answer = client.send(REQ)
    evs = list(answer)
    r = answer.result
    return evs, r.text + "|" + "/".join(
        t.text + "#" + t.signature for t in r.thinking
    ) + f"|{r.usage}|{r.stop_reason}"


@pytest.fixture(params=["messages", "responses"])
def recorded(request: pytest.FixtureRequest) -> tuple[str, bytes]:
    return request.param, MESSAGES_STREAM if request.param == "messages" else RESPONSES_STREAM


def test_recorded_stream_parses(recorded: tuple[str, bytes]) -> None:
    api, body = recorded
    evs, summary = collect(make_client(api, [body]))
    assert "".join(e.text for e in evs if isinstance(e, TextDelta)) == "Hello, wörld ✓"
    assert isinstance(evs[-1], Stop) and evs[-1].reason == "end_turn"
    if api == "messages":
        assert "Let me think.#EqQBCgIYAhIM==" in summary and "output_tokens=6" in summary


def test_split_at_every_byte_offset_gives_same_events(recorded: tuple[str, bytes]) -> None:
    api, body = recorded
    whole, _ = collect(make_client(api, [body]))
    for cut in range(1, len(body)):
        evs, _ = collect(make_client(api, chunked(body, [cut])))
        assert evs == whole, f"split at byte {cut} changed the events"


def test_crlf_and_cr_line_endings(recorded: tuple[str, bytes]) -> None:
    api, body = recorded
    whole, _ = collect(make_client(api, [body]))
    assert collect(make_client(api, [body.replace(b"\n", b"\r\n")]))[0] == whole
    assert collect(make_client(api, [body.replace(b"\n", b"\r")]))[0] == whole


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_random_chunking_never_changes_events(data: st.DataObject) -> None:
    api = data.draw(st.sampled_from(["messages", "responses"]))
    body = MESSAGES_STREAM if api == "messages" else RESPONSES_STREAM
    whole, _ = collect(make_client(api, [body]))
    cuts = data.draw(st.lists(st.integers(min_value=1, max_value=len(body) - 1), max_size=40))
    assert collect(make_client(api, chunked(body, cuts)))[0] == whole


def test_error_event_after_output_is_stream_interrupted() -> None:
    body = MESSAGES_STREAM.split(b'event: content_block_stop\ndata: {"type":"content_block_stop","index":1}')[
        0
    ]
    body += b'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}\n\n'
    client = make_client("messages", [body])
    got: list[StreamEvent] = []
    with pytest.raises(StreamInterrupted) as info:
        for ev in client.send(REQ):
            got.append(ev)
    assert isinstance(info.value.cause, ApiError)
    assert info.value.cause.code == "overloaded_error" and info.value.cause.status == 529
    assert "".join(e.text for e in got if isinstance(e, TextDelta)) == "Hello, wörld ✓"


def test_error_event_before_output_is_plain_api_error() -> None:
    body = (
        b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
    )
    with pytest.raises(ApiError) as info:
        list(make_client("messages", [body]).send(REQ))
    assert not isinstance(info.value, StreamInterrupted) and info.value.code == "overloaded_error"


def test_responses_error_event_midstream() -> None:
    body = RESPONSES_STREAM.split(b"event: response.output_text.done")[0]
    body += b'event: error\ndata: {"type":"error","code":"server_error","message":"boom","param":null,"sequence_number":9}\n\n'
    with pytest.raises(StreamInterrupted) as info:
        list(make_client("responses", [body]).send(REQ))
    assert isinstance(info.value.cause, ApiError) and info.value.cause.code == "server_error"


def test_responses_failed_is_an_error() -> None:
    body = _events({"type": "response.created", "response": {"id": "r", "model": "m"}}) + _events(
        {
            "type": "response.failed",
            "response": {"status": "failed", "error": {"code": "server_error", "message": "x"}},
        }
    )
    # nothing was shown before the failure: a plain ApiError (classified like any service error)
    with pytest.raises(ApiError) as info:
        list(make_client("responses", [body.encode()]).send(REQ))
    assert info.value.code == "server_error"


def test_stream_without_terminal_event_is_incomplete(recorded: tuple[str, bytes]) -> None:
    api, body = recorded
    cut = body[: body.rindex(b"event: ")]
    with pytest.raises(StreamInterrupted, match="no terminal event"):
        list(make_client(api, [cut]).send(REQ))


def test_json_body_when_a_stream_was_asked_for() -> None:
    doc = {
        "id": "msg_1",
        "type": "message",
        "model": "claude-sonnet-4-5",
        "content": [{"type": "text", "text": "buffered answer"}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 3, "output_tokens": 2},
    }
    evs = list(make_client("messages", [json.dumps(doc).encode()], ctype="application/json").send(REQ))
    assert [e.text for e in evs if isinstance(e, TextDelta)] == ["buffered answer"]


def test_unicode_split_inside_a_character() -> None:
    body = MESSAGES_STREAM
    idx = body.index("ö".encode()) + 1  # between the two bytes of ö
    evs, _ = collect(make_client("messages", chunked(body, [idx])))
    assert "".join(e.text for e in evs if isinstance(e, TextDelta)) == "Hello, wörld ✓"
