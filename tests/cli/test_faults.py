"""Every data-plane fault scenario: the right exit code and the right error-table row."""

from __future__ import annotations

import json
import time

import pytest

from foundry_cli.emulator import Emulator
from tests.support import Fclaude, row_named

FAST = {"FCLAUDE_MAX_RETRIES": "0"}


@pytest.mark.parametrize(
    ("scenario", "api", "code", "row"),
    [
        ("key-invalid", "messages", 4, "key-invalid"),
        ("key-invalid", "responses", 4, "key-invalid"),
        ("key-auth-disabled", "messages", 4, "key-auth-disabled"),
        ("deployment-not-found", "messages", 1, "deployment-not-found"),
        ("deployment-not-found", "responses", 1, "deployment-not-found"),
        ("endpoint-shape", "messages", 1, "endpoint-shape"),
        ("endpoint-shape", "responses", 1, "endpoint-shape"),
        ("project-not-found", "responses", 1, "project-not-found"),
        ("api-version", "responses", 1, "api-version"),
        ("overloaded", "messages", 1, "overloaded"),
    ],
)
def test_fault_names_its_row(
    fclaude: Fclaude, emu: Emulator, scenario: str, api: str, code: int, row: str
) -> None:
    emu.set_scenario(scenario)
    r = fclaude("ask", "--api", api, "hi", **FAST)
    assert r.exit_code == code, r.stderr
    assert row_named(r.stderr, row) and "\n  fix:" in r.stderr
    assert r.stdout == "" and "Traceback" not in r.stderr
    assert r.stderr.startswith("fclaude: ") and "\n  cause:" in r.stderr, "errors are one short block"


def test_api_version_v1_with_query(fclaude: Fclaude, emu: Emulator) -> None:
    emu.set_scenario("api-version")
    r = fclaude("ask", "--api", "responses", "hi", FCLAUDE_API_VERSION="v1", **FAST)
    assert r.exit_code == 1 and row_named(r.stderr, "api-version")


def test_rate_limit_retries_once_then_succeeds(fclaude: Fclaude, emu: Emulator) -> None:
    emu.set_scenario("rate-limit")
    t0 = time.monotonic()
    r = fclaude("ask", "hi")
    assert r.exit_code == 0, r.stderr
    assert time.monotonic() - t0 >= 1.0, "retry-after: 1 must be honoured"
    assert "retrying in 1.0 s" in r.stderr
    assert len(emu.requests) == 2


def test_rate_limit_exhausted_names_row(fclaude: Fclaude, emu: Emulator) -> None:
    emu.set_scenario("rate-limit:5")
    r = fclaude("ask", "hi", **FAST)
    assert r.exit_code == 1 and row_named(r.stderr, "rate-limit") and len(emu.requests) == 1


@pytest.mark.parametrize("api", ["messages", "responses"])
@pytest.mark.parametrize("scenario", ["stream-cut", "overloaded-midstream"])
def test_broken_stream_keeps_partial_text_and_exits_1(
    fclaude: Fclaude, emu: Emulator, scenario: str, api: str
) -> None:
    emu.set_scenario(scenario)
    r = fclaude("ask", "--api", api, "hi", **FAST)
    assert r.exit_code == 1, r.stderr
    assert len(r.stdout) > 20, "the part that arrived is printed"
    assert "incomplete" in r.stderr
    if scenario == "overloaded-midstream":
        assert row_named(r.stderr, "overloaded")
    assert len(emu.requests) == 1, "never retried once output started"


def test_broken_stream_json_marks_incomplete(fclaude: Fclaude, emu: Emulator) -> None:
    emu.set_scenario("stream-cut")
    r = fclaude("ask", "--json", "hi", **FAST)
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    assert doc["incomplete"] is True and len(doc["text"]) > 20 and doc["stop_reason"] is None


def test_stall_is_detected_not_waited_on(fclaude: Fclaude, emu: Emulator) -> None:
    emu.set_scenario("stall:30")
    t0 = time.monotonic()
    r = fclaude("ask", "hi", FCLAUDE_READ_TIMEOUT="1", **FAST)
    assert time.monotonic() - t0 < 15
    assert r.exit_code == 1 and "stalled" in r.stderr and len(r.stdout) > 0


def test_html_proxy_page(fclaude: Fclaude, emu: Emulator) -> None:
    emu.set_scenario("html-proxy")
    r = fclaude("ask", "hi", **FAST)
    assert r.exit_code == 1 and "502 Bad Gateway" in r.stderr and "<html" not in r.stderr


def test_html_proxy_is_retried(fclaude: Fclaude, emu: Emulator) -> None:
    emu.set_scenario("html-proxy")
    r = fclaude("ask", "hi", FCLAUDE_MAX_RETRIES="1")
    assert r.exit_code == 1 and len(emu.requests) == 2


@pytest.mark.parametrize("scenario", ["server-error", "garbage"])
def test_odd_bodies_never_crash(fclaude: Fclaude, emu: Emulator, scenario: str) -> None:
    emu.set_scenario(scenario)
    r = fclaude("ask", "hi", **FAST)
    assert r.exit_code == 1 and "HTTP 500" in r.stderr and "Traceback" not in r.stderr


def test_closed_port_is_a_network_error(fclaude: Fclaude) -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    r = fclaude("ask", "hi", FCLAUDE_ENDPOINT=f"http://127.0.0.1:{port}", **FAST)
    assert r.exit_code == 1 and row_named(r.stderr, "network") and "could not connect" in r.stderr
