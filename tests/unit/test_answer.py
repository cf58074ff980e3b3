"""The Answer object: events fold into one result that survives a cut, an error or Ctrl-C."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import httpx2
import pytest

from foundry_cli.api.client import Answer, ClientConfig, FoundryClient
from foundry_cli.api.transport import RetryPolicy
from foundry_cli.api.types import Message, Request, Started, Stop, TextDelta, UsageUpdate
from foundry_cli.auth.api_key import ApiKeyCredential
from foundry_cli.config.endpoint import normalise_endpoint
from foundry_cli.errors import NetworkError, StreamInterrupted


def _sse(*docs: dict[str, object]) -> bytes:
    return b"".join(f"event: {d['type']}\ndata: {json.dumps(d)}\n\n".encode() for d in docs)


START = _sse(
    {"type": "message_start", "message": {"id": "m1", "model": "claude-x", "usage": {"input_tokens": 7}}}
)


def _delta(text: str) -> bytes:
    return _sse({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}})


def client(
    chunks: Iterator[bytes] | list[bytes],
    *,
    total_timeout: float = 0.0,
    clock: Callable[[], float] = time.perf_counter,
) -> FoundryClient:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(
            200,
            headers={
                "content-type": "text/event-stream",
                "request-id": "req_42",
                "x-ms-region": "Sweden Central",
            },
            content=chunks,  # type: ignore[arg-type]
        )

    return FoundryClient(
        ClientConfig(endpoint=normalise_endpoint("myres"), api="messages", total_timeout=total_timeout),
        ApiKeyCredential("k-123456789", "test"),
        transport=httpx2.MockTransport(handler),
        retry=RetryPolicy(max_retries=0),
        clock=clock,
    )


REQ = Request(deployment="claude-x", messages=(Message("user", "hi"),), max_tokens=1)


def test_a_cut_stream_keeps_what_arrived_on_the_answer() -> None:
    answer = client([START, _delta("Hello, "), _delta("wörld")]).send(REQ)
    with pytest.raises(StreamInterrupted):
        for _ in answer:
            pass
    r = answer.result
    assert r.text == "Hello, wörld"
    assert r.model == "claude-x" and r.usage.input_tokens == 7
    assert r.request_id == "req_42" and r.region == "Sweden Central"
    assert r.incomplete and r.first_token_ms is not None and r.total_ms is not None


def test_ctrl_c_in_the_consumer_leaves_the_partial_result() -> None:
    answer = client([START, _delta("one "), _delta("two "), _delta("three")]).send(REQ)
    seen: list[str] = []
    with pytest.raises(KeyboardInterrupt):
        for ev in answer:
            if isinstance(ev, TextDelta):
                seen.append(ev.text)
                if len(seen) == 2:
                    raise KeyboardInterrupt
    answer.close()
    assert answer.result.text == "one two " and answer.result.incomplete


def test_an_answer_that_never_stops_is_cut_at_its_bound() -> None:
    def endless() -> Iterator[bytes]:
        yield START
        while True:
            yield _delta("x" * 1000)

    answer = client(endless()).send(REQ)  # max_tokens=1: bound 1024 tokens x 32 characters
    with pytest.raises(StreamInterrupted, match="far beyond max_tokens"):
        answer.complete()
    assert 32 * 1024 < len(answer.result.text) <= 32 * 1024 + 1000


def test_the_total_timeout_ends_a_dripping_stream() -> None:
    now = [0.0]

    def clock() -> float:
        now[0] += 1.0  # every look at the clock is one second later: deterministic, no sleeping
        return now[0]

    def drip() -> Iterator[bytes]:
        yield START
        while True:
            yield b": ping\n\n" + _sse({"type": "ping"})

    answer = client(drip(), total_timeout=30.0, clock=clock).send(REQ)
    with pytest.raises(NetworkError, match="within 30 s"):
        answer.complete()


def test_iterating_twice_is_a_programming_error() -> None:
    events = [Started("r", "m"), UsageUpdate(output_tokens=3), TextDelta("a"), Stop("end_turn")]
    answer = Answer(REQ, api="messages", events=lambda a: iter(events))
    assert answer.complete().text == "a" and not answer.result.incomplete
    with pytest.raises(RuntimeError):
        list(answer)


def test_a_name_that_does_not_resolve_is_not_retried() -> None:
    from foundry_cli.api.client import _retryable_network

    gone = httpx2.ConnectError("[Errno -2] Name or service not known")
    assert not _retryable_network(gone)
    assert not _retryable_network(
        httpx2.ConnectError("[Errno 8] nodename nor servname provided, or not known")
    )
    assert _retryable_network(httpx2.ConnectError("[Errno -3] Temporary failure in name resolution"))
    assert _retryable_network(httpx2.ConnectError("[Errno 111] Connection refused"))
