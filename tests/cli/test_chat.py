"""`fclaude chat` on a real pseudo-terminal (pexpect) against the emulator."""

from __future__ import annotations

import io
import re
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pexpect
import pytest

from foundry_cli.config.paths import get_paths
from foundry_cli.emulator import Emulator, answer_text
from foundry_cli.emulator.content import thinking_signature, thinking_text
from foundry_cli.history.store import HistoryStore, Turn
from tests.support import CANARY_KEY, Fclaude

PROMPT = "›"
ANSWER_END = r"ends\s+here\."  # the last words of every emulator answer


def spawn(fclaude: Fclaude, *args: str, **env: str) -> pexpect.spawn:
    full = {
        **fclaude.env,
        "TERM": "xterm-256color",
        "COLUMNS": "100",
        "LINES": "40",
        "PROMPT_TOOLKIT_NO_CPR": "1",  # pexpect does not answer cursor-position requests
        "EDITOR": "false",
        **env,
    }
    full.pop("NO_COLOR", None)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "foundry_cli", "chat", *args],
        env=full,
        encoding="utf-8",
        timeout=20,
        dimensions=(40, 100),
    )
    child.logfile_read = io.StringIO()  # the whole screen output, for assertions at the end
    child.delaybeforesend = None  # every send follows a wait for the prompt: no fixed pause needed
    child.expect(PROMPT)
    return child


def say(child: pexpect.spawn, text: str) -> None:
    """Send one message and wait for the whole answer and the next prompt."""
    child.send(text + "\r")
    child.expect(ANSWER_END)
    child.expect(PROMPT)


def command(child: pexpect.spawn, line: str, expect: str) -> None:
    child.send(line + "\r")
    child.expect(expect)
    child.expect(PROMPT)


def leave(child: pexpect.spawn) -> str:
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    out = str(child.logfile_read.getvalue())
    assert child.exitstatus == 0, out[-3000:]
    assert "Traceback" not in out and CANARY_KEY not in out
    return out


def posts(emu: Emulator) -> list[Any]:
    return [r.json for r in emu.requests if r.method == "POST"]


def text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(
        b.get("text", "") for b in content if b.get("type") in ("text", "input_text", "output_text")
    )


def history() -> list[Turn]:
    with HistoryStore(get_paths().history_db) as store:
        cid = store.last_conversation_id()
        assert cid is not None
        return store.turns(cid)


@pytest.mark.parametrize("api", ["messages", "responses"])
def test_three_turns_resend_the_conversation(fclaude: Fclaude, emu: Emulator, api: str) -> None:
    child = spawn(fclaude, "--api", api)
    for text in ("first question", "second question", "third question"):
        say(child, text)
    out = leave(child)
    assert re.search(r"This is\s+turn\s+3\.", out), out[-2000:]
    third = posts(emu)[2]
    items = third["messages"] if api == "messages" else third["input"]
    assert [m["role"] for m in items] == ["user", "assistant", "user", "assistant", "user"]
    texts = [text_of(m["content"]) for m in items]
    assert texts == [
        "first question",
        answer_text("first question", 1),
        "second question",
        answer_text("second question", 2),
        "third question",
    ]
    if api == "responses":
        assert [m["content"][0]["type"] for m in items] == ["input_text", "output_text"] * 2 + ["input_text"]
    assert [t.status for t in history()] == ["complete"] * 3


def test_bracketed_paste_is_one_message(fclaude: Fclaude, emu: Emulator) -> None:
    child = spawn(fclaude)
    lines = [f"pasted line {i}: some text" for i in range(1, 21)]
    child.send("\x1b[200~" + "\n".join(lines) + "\x1b[201~")
    child.send("\r")
    child.expect(ANSWER_END)
    child.expect(PROMPT)
    leave(child)
    sent = posts(emu)
    assert len(sent) == 1
    assert [m["role"] for m in sent[0]["messages"]] == ["user"]
    assert text_of(sent[0]["messages"][0]["content"]) == "\n".join(lines)


def test_alt_enter_and_triple_quote_blocks(fclaude: Fclaude, emu: Emulator) -> None:
    child = spawn(fclaude)
    child.send("line one\x1b\rline two\r")  # Esc-Enter inserts a newline
    child.expect(ANSWER_END)
    child.expect(PROMPT)
    child.send('"""\r')
    child.send("alpha\r")
    child.send('beta"""\r')
    child.expect(ANSWER_END)
    child.expect(PROMPT)
    leave(child)
    sent = posts(emu)
    assert text_of(sent[0]["messages"][-1]["content"]) == "line one\nline two"
    assert text_of(sent[1]["messages"][-1]["content"]) == "alpha\nbeta"


def test_ctrl_c_mid_answer_keeps_the_session(fclaude: Fclaude, emu: Emulator) -> None:
    emu.set_scenario("stall:30")
    child = spawn(fclaude, FCLAUDE_READ_TIMEOUT="120")
    child.send("hello\r")
    child.expect("Answer")  # part of the answer is on screen, then the stream stalls
    time.sleep(0.3)
    child.sendintr()
    child.expect("interrupted")
    child.expect(PROMPT)
    emu.set_scenario("healthy")
    say(child, "after the interrupt")
    out = leave(child)
    assert "Traceback" not in out
    turns = history()
    assert [t.status for t in turns] == ["interrupted", "complete"]
    assert turns[0].answer and answer_text("hello", 1).startswith(turns[0].answer)
    second = posts(emu)[1]["messages"]  # the partial answer stays in the conversation
    assert [m["role"] for m in second] == ["user", "assistant", "user"]
    assert text_of(second[1]["content"]) == turns[0].answer


def test_ctrl_c_twice_on_empty_prompt_exits_0(fclaude: Fclaude) -> None:
    child = spawn(fclaude)
    child.sendintr()
    child.expect("again")
    child.expect(PROMPT)  # the second Ctrl-C goes to the prompt, not to the message being printed
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_slash_commands(fclaude: Fclaude, emu: Emulator, tmp_path: Path) -> None:
    child = spawn(fclaude)
    say(child, "one")
    child.send("/retry\r")  # the same message again, without the first answer
    child.expect(ANSWER_END)
    child.expect(PROMPT)
    command(child, "/undo", "Removed")
    say(child, "two")
    command(child, "/model claude-haiku-4-5", "haiku")
    command(child, "/system Be brief.", "System prompt set")
    say(child, "three")
    command(child, "/usage", "total")
    saved = tmp_path / "chat.md"
    command(child, f"/save {saved}", "Saved")
    command(child, "/attach /no/such/file.txt", "no such file")
    command(child, "/help", "/retry")
    child.send("/exit\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    sent = posts(emu)
    assert len(sent) == 4
    assert [text_of(m["content"]) for m in sent[1]["messages"]] == ["one"], "/retry resends alone"
    assert [text_of(m["content"]) for m in sent[2]["messages"]] == ["two"], "/undo dropped the turn"
    assert sent[2]["model"] == "claude-sonnet-4-5" and "system" not in sent[2]
    assert sent[3]["model"] == "claude-haiku-4-5"
    assert text_of(sent[3]["system"]) == "Be brief."
    assert [text_of(m["content"]) for m in sent[3]["messages"]][::2] == ["two", "three"]
    doc = saved.read_text()
    assert "## You (1)" in doc and "\ntwo\n" in doc and "## You (2)" in doc and "\nthree\n" in doc
    assert "Be brief." in doc and "This is turn 2." in doc and "\none\n" not in doc


def test_attach_sends_the_file(fclaude: Fclaude, emu: Emulator, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("attached words\n")
    child = spawn(fclaude)
    command(child, f"/attach {note}", "Attached note.txt")
    say(child, "read it")
    say(child, "again")
    leave(child)
    first, second = posts(emu)
    assert "attached words" in str(first["messages"][0]["content"])
    assert "attached words" in str(second["messages"][0]["content"]), "earlier files are resent"
    assert "attached words" not in str(second["messages"][2]["content"])


def test_continue_restores_the_turns(fclaude: Fclaude, emu: Emulator) -> None:
    child = spawn(fclaude)
    say(child, "alpha")
    say(child, "beta")
    leave(child)
    child = spawn(fclaude, "--continue")
    assert "Resumed" in child.logfile_read.getvalue()
    say(child, "gamma")
    out = leave(child)
    assert re.search(r"This is\s+turn\s+3\.", out)
    texts = [text_of(m["content"]) for m in posts(emu)[-1]["messages"]]
    assert texts == ["alpha", answer_text("alpha", 1), "beta", answer_text("beta", 2), "gamma"]
    assert [t.prompt for t in history()] == ["alpha", "beta", "gamma"], "the same conversation continues"


def test_undone_and_retried_exchanges_stay_out_of_a_resumed_conversation(
    fclaude: Fclaude, emu: Emulator
) -> None:
    child = spawn(fclaude)
    say(child, "alpha")
    say(child, "oops")
    command(child, "/undo", "Removed the last exchange")
    say(child, "beta")
    child.sendline("/retry")  # takes "beta" back and asks again
    child.expect(ANSWER_END)
    child.expect(PROMPT)
    leave(child)
    assert [t.prompt for t in history()] == ["alpha", "beta"], "history matches the conversation"
    child = spawn(fclaude, "--continue")
    say(child, "gamma")
    leave(child)
    texts = [text_of(m["content"]) for m in posts(emu)[-1]["messages"]]
    assert texts == ["alpha", answer_text("alpha", 1), "beta", answer_text("beta", 2), "gamma"]


def test_resume_unknown_id_is_a_usage_error(fclaude: Fclaude) -> None:
    full = {**fclaude.env, "TERM": "xterm-256color", "PROMPT_TOOLKIT_NO_CPR": "1"}
    child = pexpect.spawn(
        sys.executable, ["-m", "foundry_cli", "chat", "--resume", "999"], env=full, encoding="utf-8"
    )
    child.expect(pexpect.EOF, timeout=20)
    child.close()
    assert child.exitstatus == 2 and "no such conversation" in (child.before or "")


def test_kill_9_loses_no_completed_turn(fclaude: Fclaude) -> None:
    child = spawn(fclaude)
    say(child, "kept one")
    say(child, "kept two")
    child.kill(signal.SIGKILL)
    child.close()
    turns = history()
    assert [(t.prompt, t.status) for t in turns] == [("kept one", "complete"), ("kept two", "complete")]
    assert turns[1].answer == answer_text("kept two", 2)


def test_thinking_blocks_go_back_verbatim(fclaude: Fclaude, emu: Emulator) -> None:
    child = spawn(fclaude, "--thinking", "2048")
    say(child, "think first")
    say(child, "think again")
    leave(child)
    second = posts(emu)[1]
    assert second["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assistant = second["messages"][1]
    assert assistant["role"] == "assistant"
    thought = thinking_text("think first", 1)
    # what the emulator streamed in turn 1: the thinking deltas and their signature_delta
    assert assistant["content"][0] == {
        "type": "thinking",
        "thinking": thought,
        "signature": thinking_signature(thought),
    }
    assert assistant["content"][1] == {"type": "text", "text": answer_text("think first", 1)}
    assert history()[0].thinking == [{"text": thought, "signature": thinking_signature(thought)}]


def test_server_error_keeps_the_conversation_and_retry_resends(fclaude: Fclaude, emu: Emulator) -> None:
    child = spawn(fclaude, FCLAUDE_MAX_RETRIES="0")
    say(child, "before")
    emu.set_scenario("server-error")
    child.send("fails\r")
    child.expect("/retry resends")
    child.expect(PROMPT)
    emu.set_scenario("healthy")
    child.send("/retry\r")
    child.expect(ANSWER_END)
    child.expect(PROMPT)
    out = leave(child)
    assert re.search(r"This is\s+turn\s+2\.", out)
    last = posts(emu)[-1]["messages"]
    assert [text_of(m["content"]) for m in last][::2] == ["before", "fails"]
    assert [t.status for t in history()] == ["complete", "error", "complete"]


def test_ctrl_d_exits_0(fclaude: Fclaude) -> None:
    child = spawn(fclaude)
    leave(child)


def test_stdin_not_a_tty_is_a_usage_error(fclaude: Fclaude) -> None:
    r = fclaude("chat", input="hello\n")
    assert r.exit_code == 2, r.stderr
    assert "fclaude ask" in r.stderr and "Traceback" not in r.stderr


def test_input_history_is_private_persistent_and_searchable(fclaude: Fclaude, emu: Emulator) -> None:
    child = spawn(fclaude)
    say(child, "remember me")
    say(child, "something else")
    leave(child)
    path = get_paths().data_dir / "chat_input_history"
    assert path.stat().st_mode & 0o777 == 0o600
    assert "remember me" in path.read_text()
    child = spawn(fclaude)
    child.send("\x1b[A")  # Up: the previous session's last input
    child.send("\r")
    child.expect(ANSWER_END)
    child.expect(PROMPT)
    child.send("\x12remem")  # Ctrl-R search
    child.expect("reverse-i-search")
    child.expect("ber me")  # the match, highlighted
    child.send("\r")  # Enter ends the search with the match in the line; a second one sends it
    child.expect("› remember me")
    child.send("\r")
    child.expect(ANSWER_END)
    child.expect(PROMPT)
    leave(child)
    assert [text_of(m["content"]) for m in posts(emu)[-1]["messages"]][::2] == [
        "something else",
        "remember me",
    ]


def test_tab_completes_slash_commands(fclaude: Fclaude) -> None:
    child = spawn(fclaude)
    child.send("/us\t")
    child.expect(r"us(?:\x1b\[[0-9;?]*[A-Za-z])*age")  # prompt_toolkit may draw it in two pieces
    child.send("\r")
    child.expect("No tokens used yet")
    child.expect(PROMPT)
    leave(child)


def test_edit_copy_and_thinking_commands(fclaude: Fclaude, emu: Emulator) -> None:
    child = spawn(fclaude, EDITOR="sed -i s/first/edited/", PATH="/usr/bin:/bin")  # no clipboard tool
    say(child, "first words")
    child.send("/edit\r")  # the edited message replaces the last exchange
    child.expect(ANSWER_END)
    child.expect(PROMPT)
    child.send("/copy\r")  # no clipboard tool on PATH, stdout a terminal: OSC 52, no printing
    child.expect("\x1b\\]52;c;[A-Za-z0-9+/=]+\x07")
    child.expect("Sent the last answer")
    child.expect(PROMPT)
    command(child, "/thinking 512", "must be >= 1024")
    command(child, "/thinking 2048", "a budget of 2048 tokens")
    say(child, "now think")
    command(child, "/thinking off", "Thinking for the next turns: off")
    say(child, "no thinking")
    command(child, "/clear", "New conversation")
    say(child, "fresh start")
    leave(child)
    sent = posts(emu)
    assert [text_of(m["content"]) for m in sent[1]["messages"]] == ["edited words"]
    assert "thinking" not in sent[1] and sent[2]["thinking"]["budget_tokens"] == 2048
    assert "thinking" not in sent[3]
    assert [text_of(m["content"]) for m in sent[3]["messages"]][::2] == [
        "edited words",
        "now think",
        "no thinking",
    ]
    assert [text_of(m["content"]) for m in sent[4]["messages"]] == ["fresh start"]


def test_chat_help_imports_nothing_heavy() -> None:
    import subprocess

    code = (
        "import sys, foundry_cli.cli.chat\n"
        "print(','.join(m for m in ('prompt_toolkit', 'httpx2', 'rich') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_resume_sends_stored_thinking_back_verbatim(fclaude: Fclaude, emu: Emulator) -> None:
    child = spawn(fclaude, "--thinking", "2048")
    say(child, "think first")
    leave(child)
    with HistoryStore(get_paths().history_db) as store:
        cid = store.last_conversation_id()
    child = spawn(fclaude, "--resume", str(cid), "--thinking", "2048")
    say(child, "think again")
    leave(child)
    assistant = posts(emu)[-1]["messages"][1]
    thought = thinking_text("think first", 1)
    assert assistant["content"] == [
        {"type": "thinking", "thinking": thought, "signature": thinking_signature(thought)},
        {"type": "text", "text": answer_text("think first", 1)},
    ]
    assert [t.prompt for t in history()] == ["think first", "think again"]


def test_attach_confirms_clear_resets_totals_and_ctrl_d_says_how_to_resume(
    fclaude: Fclaude, emu: Emulator, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("twelve bytes")
    child = spawn(fclaude, "-a", str(notes))  # returns at the first prompt
    assert "Attached notes.txt (text, 12 bytes)" in child.before
    say(child, "one")
    command(child, "/usage", r"total: \d+ in")
    command(child, "/clear", "New conversation")
    command(child, "/usage", "No tokens used yet")  # the totals belong to the conversation
    say(child, "two")
    child.sendcontrol("d")
    child.expect("fclaude chat --continue resumes this conversation")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_responses_without_a_project_is_refused_before_the_prompt(fclaude: Fclaude) -> None:
    from foundry_cli.cli._repl import Repl
    from foundry_cli.config.settings import resolve
    from foundry_cli.errors import ConfigError

    env = {**fclaude.env, "FCLAUDE_PROJECT": ""}
    repl = Repl(resolve({"api": "responses"}, env=env), system=None)
    with pytest.raises(ConfigError, match="The Responses API needs a project"):
        repl.check()  # what `fclaude chat` runs before the first prompt
