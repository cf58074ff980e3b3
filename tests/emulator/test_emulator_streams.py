"""The raw SSE wire: event order and shapes, chunked framing, long streams, cuts and stalls."""

from __future__ import annotations

import time
from typing import Any

import httpx2
import pytest

from foundry_cli.emulator import DEFAULT_API_KEY, Emulator, answer_text

MODEL = "claude-sonnet-4-5"
MESSAGES_BODY = {
    "model": MODEL,
    "max_tokens": 1024,
    "stream": True,
    "messages": [{"role": "user", "content": "hi"}],
}
RESPONSES_BODY = {"model": MODEL, "input": "hi", "stream": True}
KEY_HEADERS = {"x-api-key": DEFAULT_API_KEY, "anthropic-version": "2023-06-01"}
ROUTES = {
    "messages": ("/anthropic/v1/messages", MESSAGES_BODY, '"type":"text_delta"'),
    "responses": (
        "/api/projects/demo/openai/v1/responses",
        RESPONSES_BODY,
        '"type":"response.output_text.delta"',
    ),
}


def stream_text(emu: Emulator, kind: str, **body: Any) -> str:
    path, base, _ = ROUTES[kind]
    with httpx2.Client(timeout=10) as http:
        response = http.post(emu.base_url + path, json={**base, **body}, headers=KEY_HEADERS)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/event-stream"
        assert response.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in response.headers
        return str(response.text)


def test_messages_event_order(emu: Emulator, sse: Any) -> None:
    events = sse(stream_text(emu, "messages"))
    assert all(name == data["type"] for name, data in events)
    names = [name for name, _ in events if name != "ping"]
    deltas = [d["delta"]["text"] for n, d in events if n == "content_block_delta"]
    assert names == [
        "message_start",
        "content_block_start",
        *["content_block_delta"] * len(deltas),
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert [n for n, _ in events][:3] == ["message_start", "content_block_start", "ping"]
    assert "".join(deltas) == answer_text("hi", 1)
    assert 100 <= len(deltas) <= 200
    start = events[0][1]["message"]
    assert start["usage"]["output_tokens"] == 1 and start["usage"]["input_tokens"] >= 1
    assert start["model"] == MODEL and start["content"] == [] and start["stop_reason"] is None
    message_delta = events[-2][1]
    assert message_delta["delta"] == {"stop_reason": "end_turn", "stop_sequence": None}
    assert message_delta["usage"] == {"output_tokens": len(deltas)}


def test_messages_thinking_events(emu: Emulator, sse: Any) -> None:
    thinking = {"type": "enabled", "budget_tokens": 1024}
    events = [
        e for e in sse(stream_text(emu, "messages", max_tokens=4096, thinking=thinking)) if e[0] != "ping"
    ]
    assert events[1][1]["content_block"] == {"type": "thinking", "thinking": ""}
    kinds = [(d["index"], d["delta"]["type"]) for n, d in events if n == "content_block_delta"]
    thinking_deltas = kinds.index((0, "signature_delta"))
    assert kinds[:thinking_deltas] == [(0, "thinking_delta")] * thinking_deltas
    assert set(kinds[thinking_deltas + 1 :]) == {(1, "text_delta")}
    starts = [d for n, d in events if n == "content_block_start"]
    assert [s["index"] for s in starts] == [0, 1] and starts[1]["content_block"]["type"] == "text"
    assert events[-2][1]["usage"]["output_tokens"] == len(kinds) - 1  # every delta but the signature


def test_responses_event_order(emu: Emulator, sse: Any) -> None:
    events = sse(stream_text(emu, "responses", reasoning={"effort": "high", "summary": "auto"}))
    assert all(name == data["type"] for name, data in events)
    assert [data["sequence_number"] for _, data in events] == list(range(len(events)))
    names = [name for name, _ in events]
    collapsed = [n for i, n in enumerate(names) if i == 0 or n != names[i - 1]]
    assert collapsed == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.done",
        "response.reasoning_summary_part.done",
        "response.output_item.done",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    deltas = [d for n, d in events if n == "response.output_text.delta"]
    assert all(d["logprobs"] == [] and d["output_index"] == 1 and d["content_index"] == 0 for d in deltas)
    assert all(d["item_id"].startswith("msg_") and len(d["item_id"]) == 52 for d in deltas)
    reasoning_item = events[2][1]["item"]
    assert reasoning_item["type"] == "reasoning" and reasoning_item["id"].startswith("rs_")
    completed = events[-1][1]["response"]
    assert completed["status"] == "completed" and completed["model"] == MODEL
    usage = completed["usage"]
    thinking = sum(n == "response.reasoning_summary_text.delta" for n in names)
    assert usage["output_tokens"] == len(deltas) + thinking
    assert usage["output_tokens_details"] == {"reasoning_tokens": thinking}
    assert usage["input_tokens_details"]["cached_tokens"] == 0
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert events[0][1]["response"]["status"] == "in_progress" and events[0][1]["response"]["usage"] is None


@pytest.mark.parametrize("kind", ["messages", "responses"])
def test_long_40000_deltas(kind: str) -> None:
    with Emulator(scenario="long:40000") as emu:
        start = time.perf_counter()
        text = stream_text(emu, kind)
        elapsed = time.perf_counter() - start
    marker = ROUTES[kind][2]
    assert text.count(marker) == 40000
    last_event = text.rstrip("\n").rsplit("\n\n", 1)[-1].split("\n")[0]
    assert last_event == {"messages": "event: message_stop", "responses": "event: response.completed"}[kind]
    assert elapsed < 5  # typically ~0.1 s on one core


def test_long_default_and_param(emu: Emulator, sse: Any) -> None:
    emu.set_scenario("long:500")
    events = sse(stream_text(emu, "messages"))
    assert sum(n == "content_block_delta" for n, _ in events) == 500
    assert sum(n == "ping" for n, _ in events) >= 5


def raw_until_error(emu: Emulator, kind: str, timeout: httpx2.Timeout) -> tuple[bytes, Exception]:
    path, body, _ = ROUTES[kind]
    received = b""
    with httpx2.Client(timeout=timeout) as http:
        try:
            with http.stream("POST", emu.base_url + path, json=body, headers=KEY_HEADERS) as response:
                assert response.status_code == 200
                for chunk in response.iter_raw():
                    received += chunk
        except httpx2.HTTPError as exc:
            return received, exc
    raise AssertionError("the stream ended without an error")


@pytest.mark.parametrize(
    ("kind", "spec", "count"), [("messages", "stream-cut:50", 50), ("responses", "stream-cut", 30)]
)
def test_stream_cut_is_a_protocol_error(emu: Emulator, kind: str, spec: str, count: int) -> None:
    emu.set_scenario(spec)
    received, error = raw_until_error(emu, kind, httpx2.Timeout(5))
    assert isinstance(error, httpx2.RemoteProtocolError)
    assert received.decode().count(ROUTES[kind][2]) == count
    assert b"message_stop" not in received and b"response.completed" not in received


def test_stall_times_out_and_stop_is_prompt() -> None:
    emu = Emulator(scenario="stall:30").start()
    try:
        start = time.monotonic()
        received, error = raw_until_error(emu, "messages", httpx2.Timeout(5, read=0.5))
        assert isinstance(error, httpx2.ReadTimeout)
        assert time.monotonic() - start < 3
        assert received.decode().count('"type":"text_delta"') == 10
    finally:
        start = time.monotonic()
        emu.stop()
        assert time.monotonic() - start < 2
    assert emu.errors == []


def test_stop_while_a_client_is_still_waiting_on_a_stall() -> None:
    emu = Emulator(scenario="stall:30").start()
    path, body, _ = ROUTES["responses"]
    with (
        httpx2.Client(timeout=5) as http,
        http.stream("POST", emu.base_url + path, json=body, headers=KEY_HEADERS) as r,
    ):
        chunks = r.iter_raw()
        next(chunks)
        start = time.monotonic()
        emu.stop()
        assert time.monotonic() - start < 2
        with pytest.raises(httpx2.RemoteProtocolError):
            for _ in chunks:
                pass


def test_overloaded_midstream_ends_cleanly(emu: Emulator, sse: Any) -> None:
    emu.set_scenario("overloaded-midstream")
    messages = stream_text(emu, "messages")
    assert messages.endswith(
        'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}\n\n'
    )
    assert messages.count('"type":"text_delta"') == 20
    events = sse(stream_text(emu, "responses"))
    name, data = events[-1]
    assert name == "error"
    assert data == {
        "type": "error",
        "code": "overloaded_error",
        "message": "Overloaded",
        "param": None,
        "sequence_number": len(events) - 1,
    }


def test_keep_alive_connection_serves_several_requests(emu: Emulator) -> None:
    with httpx2.Client(timeout=5) as http:
        for kind in ("messages", "responses", "messages"):
            path, body, _ = ROUTES[kind]
            assert http.post(emu.base_url + path, json=body, headers=KEY_HEADERS).status_code == 200
    assert len(emu.requests) == 3


def test_long_without_a_parameter_uses_long_deltas(sse: Any) -> None:
    with Emulator(scenario="long", long_deltas=321) as emu:
        events = sse(stream_text(emu, "responses"))
    assert sum(n == "response.output_text.delta" for n, _ in events) == 321
