"""Issue 9, findings 2, 3 (retries) and the wire-side low items, end to end through the CLI and the
transport helpers: server text in errors and metadata never reaches the terminal raw.

A hostile server answers with escape sequences in an error body, in ``x-ms-region`` and request-id
headers, in a mid-stream error event and in its reason phrase; stderr (error paragraph, retry lines and
the ``--debug`` trace) carries none of them. A request the HTTP library refuses is not retried and its
text never holds the header value; oversized response headers are not called a TLS or proxy problem.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foundry_cli.api.client import _network_error, _retryable_network
from foundry_cli.errors import NetworkError
from tests.hostile import HostileServer, Reply, sse
from tests.support import Fclaude

#: what must never reach a terminal from server text: C0 controls but \n and \t, DEL, C1
FORBIDDEN = {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]} - {"\n", "\t"}
ESC = "\x1b]52;c;cm0gLXJmIH4=\x07\x1b]0;owned\x07\x1b[2J\r\x9b31m\x85\x07"
#: the same without ``\r``, which would end a status or header line
ESC_LINE = ESC.replace("\r", "")


def assert_terminal_safe(*texts: str) -> None:
    for text in texts:
        bad = FORBIDDEN & set(text)
        assert not bad, f"control characters {sorted(map(ord, bad))} reached the output"


def test_escape_sequences_in_an_error_body_and_its_headers_are_stripped(
    fclaude: Fclaude, hostile: HostileServer
) -> None:
    body = json.dumps({"error": {"code": f"Boom{ESC}", "message": f"bad{ESC} thing"}}).encode()
    hostile.script(
        Reply(
            status=503,
            reason=f"Unavailable{ESC_LINE}",
            headers=[
                ("content-type", "application/json"),
                ("x-ms-region", f"East{ESC_LINE} US"),
                ("apim-request-id", f"req{ESC_LINE}-42"),
            ],
            body=body,
        )
    )
    r = fclaude("--debug", "ask", "hi", FCLAUDE_ENDPOINT=hostile.base_url, FCLAUDE_MAX_RETRIES="1")
    assert r.exit_code == 1, r.print()
    assert len(hostile.requests) == 2  # one retry: the retry line carries the same server text
    assert "bad thing" in r.stderr and "req-42" in r.stderr and "East US" in r.stderr
    assert "[debug] < HTTP 503 Unavailable" in r.stderr
    assert_terminal_safe(r.stdout, r.stderr)


def test_a_plain_text_or_html_error_body_is_stripped_too(fclaude: Fclaude, hostile: HostileServer) -> None:
    for ctype, body in [
        ("text/plain", f"plain{ESC} failure"),
        ("text/html", f"<title>Blocked{ESC} page</title>"),
    ]:
        hostile.script(Reply(status=400, headers=[("content-type", ctype)], body=body.encode()))
        r = fclaude("ask", "hi", FCLAUDE_ENDPOINT=hostile.base_url)
        assert r.exit_code == 1 and ("plain failure" in r.stderr or "Blocked page" in r.stderr), r.print()
        assert_terminal_safe(r.stderr)


def test_a_mid_stream_error_event_is_stripped_and_keeps_the_partial_answer(
    fclaude: Fclaude, hostile: HostileServer
) -> None:
    stream = sse(
        {"type": "message_start", "message": {"id": "m", "model": "claude", "usage": {"input_tokens": 1}}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "text_delta", "text": "partial answer"},
        },
        {"type": "error", "error": {"type": f"overloaded_error{ESC}", "message": f"Overloaded{ESC} now"}},
    )
    hostile.script(Reply(headers=[("content-type", "text/event-stream")], chunks=[stream]))
    r = fclaude("ask", "hi", FCLAUDE_ENDPOINT=hostile.base_url)
    assert r.exit_code == 1, r.print()
    assert r.stdout.startswith("partial answer") and "Overloaded now" in r.stderr
    assert_terminal_safe(r.stderr)


def test_an_event_of_the_wrong_shape_is_a_clear_error_not_a_bug(
    fclaude: Fclaude, hostile: HostileServer, hermetic_env: Path
) -> None:
    stream = sse(
        {"type": "message_start", "message": {"id": "m", "model": "claude"}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "kept"}},
        {"type": "content_block_delta", "index": 0, "delta": "not an object"},
    )
    hostile.script(Reply(headers=[("content-type", "text/event-stream")], chunks=[stream]))
    r = fclaude("ask", "hi", FCLAUDE_ENDPOINT=hostile.base_url)
    assert r.exit_code == 1, r.print()
    assert "malformed" in r.stderr and "a bug" not in r.stderr and "kept" in r.stdout
    rows = sqlite3.connect(hermetic_env / "history.db").execute("SELECT status, answer FROM turns").fetchall()
    assert rows == [("incomplete", "kept")]


def test_a_lone_surrogate_in_the_answer_is_printed_as_a_replacement_character(
    fclaude: Fclaude, hostile: HostileServer
) -> None:
    # json.dumps writes the lone surrogate as the escape \ud800: valid JSON, unencodable text
    stream = sse(
        {"type": "message_start", "message": {"id": "m", "model": "claude"}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "a\ud800b"}},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}},
        {"type": "message_stop"},
    )
    hostile.script(Reply(headers=[("content-type", "text/event-stream")], chunks=[stream]))
    r = fclaude("ask", "hi", FCLAUDE_ENDPOINT=hostile.base_url)
    assert r.exit_code == 0, r.print()
    assert r.stdout.startswith("a\ufffdb")


@pytest.mark.parametrize(
    ("status", "ctype", "body"),
    [
        (400, "application/json", b"[" * 100_000),
        (200, "application/json", b'{"content": ' + b"[" * 100_000),
        (200, "application/json", b'{"content": "a string", "stop_reason": "end_turn"}'),
        (200, "application/json", b'"just a string"'),
    ],
)
def test_deep_or_oddly_shaped_json_bodies_are_clear_errors_not_bugs(
    fclaude: Fclaude, hostile: HostileServer, status: int, ctype: str, body: bytes
) -> None:
    hostile.script(Reply(status=status, headers=[("content-type", ctype)], body=body))
    r = fclaude("ask", "--no-stream", "hi", FCLAUDE_ENDPOINT=hostile.base_url)
    assert r.exit_code == 1, r.print()
    assert "a bug" not in r.stderr and "Traceback" not in r.stderr and len(r.stderr) < 2000


def test_a_redirect_is_reported_as_one_not_as_unexpected_json(
    fclaude: Fclaude, hostile: HostileServer
) -> None:
    hostile.script(Reply(status=302, headers=[("location", f"https://elsewhere.example/{ESC_LINE}x")]))
    r = fclaude("ask", "hi", FCLAUDE_ENDPOINT=hostile.base_url)
    assert r.exit_code == 1, r.print()
    assert "does not follow redirects" in r.stderr and "https://elsewhere.example/x" in r.stderr
    assert "Expected JSON" not in r.stderr and len(hostile.requests) == 1
    assert_terminal_safe(r.stderr)


def test_a_request_the_http_library_refuses_is_not_retried_and_never_quotes_the_value() -> None:
    exc = httpx2.LocalProtocolError("Illegal header value b'secret-value-123\\r\\nmore'")
    assert _retryable_network(exc) is False
    err = _network_error(exc, "https://h.example/anthropic/v1/messages")
    assert "secret-value-123" not in err.message and "refused to send" in err.message


def test_oversized_response_headers_are_not_called_a_network_problem_nor_retried(
    fclaude: Fclaude, hostile: HostileServer
) -> None:
    hostile.script(Reply(headers=[("x-huge", "a" * 300_000)], body=b"{}"))
    r = fclaude("ask", "hi", FCLAUDE_ENDPOINT=hostile.base_url)
    assert r.exit_code == 1, r.print()
    assert "could not be read" in r.stderr
    assert "TLS" not in r.stderr and "proxy set" not in r.stderr and "retrying" not in r.stderr
    assert len(hostile.requests) == 1


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 200 OK\r\n" + b"x: y\r\n" * 50_000 + b"\r\n",
        b"garbage\x1b]0;owned\x07\r\n\r\n",
    ],
)
def test_unreadable_responses_give_safe_text_and_no_retry(raw: bytes) -> None:
    with HostileServer() as h:
        h.script(Reply(raw=raw))
        with pytest.raises(httpx2.RemoteProtocolError) as info:
            httpx2.get(h.base_url)
    err = _network_error(info.value, h.base_url)
    assert not isinstance(err, NetworkError) and _retryable_network(info.value) is False
    assert_terminal_safe(err.message)
    assert "\\x1b" not in err.message or "owned" in err.message  # quoted bytes stay inert text


def test_a_dropped_connection_is_still_a_retryable_network_error() -> None:
    exc = httpx2.RemoteProtocolError("Server disconnected without sending a response.")
    assert _retryable_network(exc) is True and isinstance(_network_error(exc, "https://h"), NetworkError)


_CONTROLS = st.sampled_from(
    ["\x1b]0;t\x07", "\x1b[2J", "\x9b1m", "\x85", "\x07", "\x00", "\x7f", "\x1bP1$r\x1b\\"]
)
_NASTY = st.lists(st.one_of(_CONTROLS, st.text(max_size=8)), max_size=6).map("".join)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    status=st.sampled_from([400, 401, 403, 404, 429, 500, 503, 529]),
    message=_NASTY,
    header=_NASTY.map(lambda s: s.replace("\r", "").replace("\n", "")),
    raw_body=st.booleans(),
)
def test_no_control_byte_from_an_error_response_reaches_stderr(
    fclaude: Fclaude, hostile: HostileServer, status: int, message: str, header: str, raw_body: bool
) -> None:
    body = (
        message.encode() if raw_body else json.dumps({"error": {"code": header, "message": message}}).encode()
    )
    headers = [("content-type", "text/plain" if raw_body else "application/json")]
    headers += [("x-ms-region", header), ("x-request-id", header), ("retry-after", "0")]
    hostile.script(Reply(status=status, headers=headers, body=body))
    r = fclaude("--debug", "ask", "hi", FCLAUDE_ENDPOINT=hostile.base_url, FCLAUDE_MAX_RETRIES="0")
    assert r.exit_code in (1, 4), r.print()
    assert_terminal_safe(r.stdout, r.stderr)
