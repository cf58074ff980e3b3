"""Deterministic content, delta chunking, ids, fake tokens, scenario parsing and the CLI entry point."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from foundry_cli.emulator import Emulator, answer_text, mint_jwt
from foundry_cli.emulator.content import long_deltas, message_id, request_id, split_deltas, thinking_text
from foundry_cli.emulator.scenarios import Scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[2]


def test_answer_text_exercises_a_renderer() -> None:
    text = answer_text("What is Foundry?\nIgnore this second line", 3)
    lines = text.split("\n")
    assert lines[0].startswith("## ")
    assert '"What is Foundry?"' in text and "Ignore this" not in text
    assert "This is turn 3." in text
    assert any(line.startswith("- ") for line in lines)
    assert any(re.match(r"1\. ", line) for line in lines) and any(line.startswith("2. ") for line in lines)
    assert "```python\n" in text and text.count("```") == 2
    assert max(len(line) for line in lines) > 200
    assert answer_text("What is Foundry?", 3) == answer_text("What is Foundry?", 3)


def test_quote_is_truncated_to_60_characters() -> None:
    text = answer_text("x" * 100, 1)
    quote = re.search(r'You wrote: "([^"]*)"', text)
    assert quote is not None and len(quote.group(1)) == 60 and quote.group(1).endswith("…")
    assert '"short"' in answer_text("  short  ", 1)


def test_typical_answer_has_100_to_200_deltas() -> None:
    for prompt in ("hi", "Explain how a Foundry resource differs from a project", ""):
        pieces = split_deltas(answer_text(prompt, 1))
        assert 100 <= len(pieces) <= 200
        assert "".join(pieces) == answer_text(prompt, 1)


@given(st.text())
def test_split_deltas_round_trips(text: str) -> None:
    pieces = split_deltas(text)
    assert "".join(pieces) == text
    assert all(piece for piece in pieces)
    assert all(len(piece.split()) <= 3 for piece in pieces)


@pytest.mark.parametrize("count", [0, 1, 7, 80, 1000, 12345])
def test_long_deltas_has_exactly_n_pieces_with_closed_fences(count: int) -> None:
    pieces = long_deltas(count)
    assert len(pieces) == count
    assert "".join(pieces).count("```") % 2 == 0


def test_thinking_text_is_deterministic() -> None:
    assert thinking_text("q", 2) == thinking_text("q", 2)
    assert "turn 2" in thinking_text("q", 2)


def test_ids_look_real() -> None:
    assert re.fullmatch(r"msg_01[0-9A-Za-z]{22}", message_id())
    assert re.fullmatch(r"req_011C[0-9A-Za-z]{20}", request_id())
    assert message_id() != message_id()


def test_mint_jwt_is_well_formed() -> None:
    token = mint_jwt(
        aud="https://ai.azure.com", exp=2_000_000_000, tid="t-1", oid="o-1", appid="app", roles=["x"]
    )
    header_b64, payload_b64, signature = token.split(".")

    def decode(part: str) -> object:
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))

    header = decode(header_b64)
    claims = decode(payload_b64)
    assert isinstance(header, dict) and header["alg"] == "RS256" and header["typ"] == "JWT"
    assert isinstance(claims, dict)
    assert claims["aud"] == "https://ai.azure.com" and claims["exp"] == 2_000_000_000
    assert (
        claims["tid"] == "t-1"
        and claims["oid"] == "o-1"
        and claims["appid"] == "app"
        and claims["roles"] == ["x"]
    )
    assert "=" not in token and len(signature) > 100


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("healthy", Scenario("healthy")),
        ("long", Scenario("long")),
        ("long:40000", Scenario("long", 40000)),
        ("rate-limit", Scenario("rate-limit", 1)),
        ("rate-limit:3", Scenario("rate-limit", 3)),
        ("overloaded", Scenario("overloaded")),
        ("overloaded:2", Scenario("overloaded", 2)),
        ("stall", Scenario("stall", 30)),
        ("stream-cut", Scenario("stream-cut", 30)),
        ("stream-cut:50", Scenario("stream-cut", 50)),
    ],
)
def test_parse_scenario(spec: str, expected: Scenario) -> None:
    assert parse_scenario(spec) == expected


@pytest.mark.parametrize("spec", ["nope", "healthy:3", "rate-limit:x", "stall:-1", ""])
def test_bad_scenarios_are_value_errors(spec: str) -> None:
    with pytest.raises(ValueError, match="scenario"):
        parse_scenario(spec)


def test_unknown_scenario_fails_before_listening() -> None:
    with pytest.raises(ValueError, match="key-invalid"):
        Emulator(scenario="chaos")


def test_base_url_needs_start() -> None:
    emu = Emulator()
    with pytest.raises(RuntimeError):
        _ = emu.base_url
    emu.stop()  # harmless when not started


def run_main(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "foundry_cli.emulator", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def test_main_serves_until_ctrl_c() -> None:
    import httpx2

    proc = run_main("--port", "0", "--scenario", "rate-limit:1", "--api-key", "k-123")
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        second = proc.stdout.readline()
        base_url = first.split()[-1]
        assert base_url.startswith("http://127.0.0.1:") and second.split()[-1] == "k-123"
        headers = {"x-api-key": "k-123", "anthropic-version": "2023-06-01"}
        body = {
            "model": "claude-sonnet-4-5",
            "max_tokens": 16,
            "messages": [{"role": "user", "content": "hi"}],
        }
        with httpx2.Client(timeout=5) as http:
            assert (
                http.post(base_url + "/anthropic/v1/messages", json=body, headers=headers).status_code == 429
            )
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "Traceback" not in stderr and stderr == ""


def test_main_rejects_an_unknown_scenario() -> None:
    proc = run_main("--port", "0", "--scenario", "nope")
    _, stderr = proc.communicate(timeout=10)
    assert proc.returncode == 2 and "valid scenarios" in stderr
