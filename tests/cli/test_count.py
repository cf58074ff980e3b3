"""``fclaude count`` against the emulator: the count_tokens route with ask's body (minus what only
generation uses), a short prompt, text and image attachments, --json, and the Responses refusal."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from foundry_cli.emulator import Emulator
from tests.support import Fclaude, row_named

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
COUNT_PATH = "/anthropic/v1/messages/count_tokens"


def _body(emu: Emulator) -> dict[str, object]:
    [req] = emu.requests
    assert req.path == COUNT_PATH
    assert isinstance(req.json, dict)
    return req.json


def test_a_short_prompt_is_counted_by_the_service(fclaude: Fclaude, emu: Emulator) -> None:
    prompt = "How many tokens is this sentence, roughly?"
    r = fclaude("count", prompt)
    assert r.exit_code == 0, r.stderr
    expected = len(prompt) // 4  # the emulator's estimate: a quarter of the characters
    assert r.stdout.startswith(f"{expected:,} input tokens")
    assert "claude-sonnet-4-5's 200,000-token context window" in r.stdout
    body = _body(emu)
    assert body["model"] == "claude-sonnet-4-5"
    assert body["messages"] == [{"role": "user", "content": prompt}]
    for generation_only in ("max_tokens", "stream", "temperature"):
        assert generation_only not in body
    assert json.loads(fclaude("history", "list", "--json").stdout) == []  # counting is not a turn


def test_json_and_the_system_prompt(fclaude: Fclaude, emu: Emulator) -> None:
    system = "You answer in one word. " * 10
    r = fclaude("count", "--json", "-s", system, "-m", "claude-opus-4-7", "hello there")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc == {
        "input_tokens": len(system + "hello there") // 4,
        "deployment": "claude-opus-4-7",
        "model": "claude-opus-4-7",
        "context_window": doc["context_window"],
    }
    assert isinstance(doc["context_window"], int) and doc["context_window"] >= 200_000
    assert _body(emu)["system"] == system


def test_a_text_attachment_is_counted_with_the_prompt(
    fclaude: Fclaude, emu: Emulator, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("The quarterly figures went up by four percent. " * 40)
    plain = json.loads(fclaude("count", "--json", "summarise").stdout)["input_tokens"]
    emu.requests.clear()
    r = fclaude("count", "--json", "-a", str(notes), "summarise")
    assert r.exit_code == 0, r.stderr
    counted = json.loads(r.stdout)["input_tokens"]
    assert counted >= plain + len(notes.read_text()) // 4  # the file's text is part of the count
    content = _body(emu)["messages"][0]["content"]  # type: ignore[index]
    assert "notes.md" in content[0]["text"] and content[-1] == {"type": "text", "text": "summarise"}


def test_an_image_attachment_goes_to_the_count_route(fclaude: Fclaude, emu: Emulator, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    shot.write_bytes(PNG)
    r = fclaude("count", "-a", str(shot), "what is in this picture?")
    assert r.exit_code == 0, r.stderr
    assert "input tokens" in r.stdout
    image = _body(emu)["messages"][0]["content"][0]  # type: ignore[index]
    assert image["type"] == "image" and image["source"]["media_type"] == "image/png"
    assert base64.b64decode(image["source"]["data"]) == PNG


def test_a_responses_profile_is_told_counting_is_a_messages_route(fclaude: Fclaude, emu: Emulator) -> None:
    r = fclaude("count", "--api", "responses", "hello")
    assert r.exit_code == 2
    assert "Messages API" in r.stderr and "--api messages" in r.stderr
    assert emu.requests == []  # refused before sending


def test_no_prompt_is_a_usage_error(fclaude: Fclaude, emu: Emulator) -> None:
    r = fclaude("count")
    assert r.exit_code == 2 and "fclaude count" in r.stderr
    assert emu.requests == []


def test_an_unknown_deployment_is_the_services_404(fclaude: Fclaude) -> None:
    r = fclaude("count", "-m", "no-such-deployment", "hello")
    assert r.exit_code == 1
    assert row_named(r.stderr, "deployment-not-found") and "Traceback" not in r.stderr


def _prose(n_bytes: int) -> str:
    """Text with no long runs of one character (so its lower bound is its size / 8)."""
    import hashlib

    words = [hashlib.sha256(str(i).encode()).hexdigest()[:7] for i in range(n_bytes // 8 + 1)]
    return " ".join(words)[:n_bytes]


def test_ask_refuses_a_prompt_certainly_over_the_context_window(fclaude: Fclaude, emu: Emulator) -> None:
    big = _prose(2_400_000)  # at least 300,000 tokens: over claude-sonnet-4-5's 200,000
    r = fclaude("ask", "summarise this", input=big)
    assert r.exit_code == 2, r.stderr
    assert row_named(r.stderr, "prompt-too-long")
    assert "200,000-token context window of claude-sonnet-4-5" in r.stderr and "nothing was sent" in r.stderr
    assert emu.requests == []


def test_ask_leaves_a_prompt_that_may_fit_to_the_service(fclaude: Fclaude, emu: Emulator) -> None:
    # 1.2 MB of prose may be under 200,000 tokens for all fclaude knows (its bound is 150,000): it is
    # sent, and the service's answer (300,000 tokens at the emulator's count) names the row
    r = fclaude("ask", "summarise this", input=_prose(1_200_000))
    assert r.exit_code == 1, r.stderr
    assert row_named(r.stderr, "prompt-too-long") and "HTTP 400" in r.stderr
    assert len(emu.requests) == 1


def test_long_runs_of_one_character_are_not_taken_for_tokens(fclaude: Fclaude, emu: Emulator) -> None:
    # 600,000 characters (1.8 MB) of wide blanks and box rules: 225,000 tokens at 8 bytes a token,
    # but a run of one character packs many bytes into a token; sent (150,000 at the emulator's count)
    padded = ("x" + "\u3000" * 250 + "\u2550" * 250 + "\n") * 1200
    assert len(padded.encode()) // 8 > 200_000
    r = fclaude("ask", "what is this", input=padded)
    assert r.exit_code == 0, r.stderr
    assert len(emu.requests) == 1


def test_the_lower_bound_never_exceeds_the_services_count() -> None:
    from foundry_cli.api.types import Attachment, Message, Request
    from foundry_cli.cli.count import prompt_lower_bound

    text = _prose(40_000)
    req = Request(
        "d",
        (Message("user", text, attachments=(Attachment("a.txt", "text", "text/plain", b"x" * 80_000),)),),
        system="sys " * 1000,
    )
    bound = prompt_lower_bound(req)
    assert 0 < bound <= (len(text) + len("sys " * 1000)) // 4  # the emulator's (and a real) count is higher
