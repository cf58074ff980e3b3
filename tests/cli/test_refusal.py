"""``stop_reason: refusal`` (the emulator's ``refusal`` scenario: HTTP 200, no content): ``ask`` says
so on stderr and exits 1, history keeps the turn with its stop reason, and chat says so and carries on
with the refused exchange left out of the conversation."""

from __future__ import annotations

import io
import json

from foundry_cli.emulator import Emulator
from tests.hostile import HostileServer, Reply
from tests.support import Fclaude

NOTE = "the model declined to answer (stop_reason refusal)"


def _last_turn(fclaude: Fclaude) -> dict[str, object]:
    listed = fclaude("history", "list", "--json", "-n", "1")
    [conversation] = json.loads(listed.stdout)
    shown = json.loads(fclaude("history", "show", "--json", str(conversation["id"])).stdout)
    turn: dict[str, object] = shown["turns"][-1]
    return turn


def test_ask_says_the_model_declined_exits_1_and_history_keeps_the_stop_reason(
    fclaude: Fclaude, emu: Emulator
) -> None:
    emu.set_scenario("refusal")
    r = fclaude("ask", "tell me something")
    assert r.exit_code == 1, r.stderr
    assert NOTE in r.stderr
    assert r.stdout.strip() == ""  # never an empty answer passed off as one
    assert "Traceback" not in r.stderr
    turn = _last_turn(fclaude)
    assert (turn["stop_reason"], turn["answer"]) == ("refusal", "")


def test_ask_json_reports_the_refusal_and_exits_1(fclaude: Fclaude, emu: Emulator) -> None:
    emu.set_scenario("refusal")
    r = fclaude("ask", "--json", "tell me something")
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    assert doc["stop_reason"] == "refusal" and doc["text"] == ""
    assert NOTE in r.stderr


def test_a_normal_answer_has_no_note(fclaude: Fclaude) -> None:
    r = fclaude("ask", "hello")
    assert r.exit_code == 0 and "declined" not in r.stderr


def test_chat_says_so_and_the_conversation_stays_usable(fclaude: Fclaude, emu: Emulator) -> None:
    from foundry_cli.cli._repl import Repl
    from foundry_cli.config.settings import resolve

    out, err = io.StringIO(), io.StringIO()
    repl = Repl(resolve({}, env=fclaude.env), system=None, out=out, err=err)
    try:
        assert repl.send("first question")
        emu.set_scenario("refusal")
        assert not repl.send("a question it declines")
        assert NOTE in out.getvalue()
        assert "/edit rephrases the message" in out.getvalue()
        assert len(repl.context) == 1  # the refused exchange is not part of the conversation
        emu.set_scenario("healthy")
        assert repl.send("another question")
    finally:
        repl.close()
    last = emu.requests[-1].json
    assert isinstance(last, dict)
    sent = [
        m["content"] if isinstance(m["content"], str) else m["content"][0]["text"] for m in last["messages"]
    ]
    # the next request carries the answered exchange and the new question, not the refused one
    assert sent[0] == "first question" and sent[-1] == "another question" and len(sent) == 3
    assert "a question it declines" not in json.dumps(last)


def test_a_full_context_window_names_the_prompt_too_long_row(
    fclaude: Fclaude, hostile: HostileServer
) -> None:
    body = {
        "id": "msg_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": [{"type": "text", "text": "The first half of an answ"}],
        "stop_reason": "model_context_window_exceeded",
        "stop_sequence": None,
        "usage": {"input_tokens": 199_000, "output_tokens": 1000},
    }
    hostile.script(Reply(headers=[("content-type", "application/json")], body=json.dumps(body).encode()))
    r = fclaude("ask", "--no-stream", "hi", FCLAUDE_ENDPOINT=hostile.base_url)
    assert r.exit_code == 0  # what arrived is shown, as for a max_tokens ending
    assert "The first half of an answ" in r.stdout
    assert "stop_reason model_context_window_exceeded" in r.stderr and "row prompt-too-long" in r.stderr
