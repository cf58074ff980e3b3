"""ask stores every turn with its status; `fclaude history` in every output mode."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pexpect

from foundry_cli.emulator import Emulator, answer_text
from tests.support import CANARY_KEY, Fclaude


def history(fclaude: Fclaude) -> list[dict[str, object]]:
    r = fclaude("history", "list", "--json", "-n", "100")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)  # type: ignore[no-any-return]


def show(fclaude: Fclaude, cid: object) -> dict[str, object]:
    r = fclaude("history", "show", str(cid), "--json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)  # type: ignore[no-any-return]


def test_ask_stores_complete_incomplete_and_error(
    fclaude: Fclaude, emu: Emulator, hermetic_env: Path
) -> None:
    assert fclaude("ask", "--thinking", "2048", "a complete one").exit_code == 0
    emu.set_scenario("stream-cut")
    assert fclaude("ask", "a cut one", FCLAUDE_MAX_RETRIES="0").exit_code == 1
    emu.set_scenario("deployment-not-found")
    assert fclaude("ask", "a failed one", FCLAUDE_MAX_RETRIES="0").exit_code == 1
    rows = history(fclaude)
    assert [r["last_status"] for r in rows] == ["error", "incomplete", "complete"]
    done = show(fclaude, rows[2]["id"])["turns"][0]  # type: ignore[index]
    assert done["answer"] == answer_text("a complete one", 1) and done["status"] == "complete"
    assert done["thinking"][0]["signature"] and done["request_id"] and done["output_tokens"] > 0
    assert done["deployment"] == "claude-sonnet-4-5" and done["api"] == "messages"
    cut = show(fclaude, rows[1]["id"])["turns"][0]  # type: ignore[index]
    assert len(cut["answer"]) > 20 and cut["status"] == "incomplete"
    failed = show(fclaude, rows[0]["id"])["turns"][0]  # type: ignore[index]
    assert failed["answer"] == "" and "DeploymentNotFound" in failed["error"]
    assert CANARY_KEY not in (hermetic_env / "history.db").read_bytes().decode("latin-1")


def test_opting_out(fclaude: Fclaude, hermetic_env: Path) -> None:
    assert fclaude("ask", "--no-history", "x").exit_code == 0
    assert fclaude("ask", "y", FCLAUDE_HISTORY="false").exit_code == 0
    assert history(fclaude) == []


def test_ctrl_c_stores_interrupted(fclaude: Fclaude, emu: Emulator) -> None:
    emu.set_scenario("stall:30")
    env = {**fclaude.env, "TERM": "xterm-256color"}
    child = pexpect.spawn(
        sys.executable, ["-m", "foundry_cli", "ask", "wait"], env=env, encoding="utf-8", timeout=30
    )
    child.expect("Answer from")  # answer text, not the "waiting for the answer" status line
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    [row] = history(fclaude)
    turn = show(fclaude, row["id"])["turns"][0]  # type: ignore[index]
    assert turn["status"] == "interrupted" and turn["answer"]


def test_history_commands_in_every_mode(fclaude: Fclaude) -> None:
    for prompt in ("alpha question", "beta question", "gamma needle"):
        assert fclaude("ask", prompt).exit_code == 0
    table = fclaude("history", "list")
    assert table.exit_code == 0, table.stderr
    header, *lines = table.stdout.splitlines()
    assert header.split() == ["ID", "UPDATED", "TURNS", "STATUS", "DEPLOYMENT", "PROFILE", "TITLE"]
    assert [line.split()[-2:] for line in lines] == [
        ["gamma", "needle"],
        ["beta", "question"],
        ["alpha", "question"],
    ]
    assert lines[0].split()[3:6] == ["1", "complete", "claude-sonnet-4-5"]
    found = fclaude("history", "list", "--search", "NEEDLE", "--json")
    [row] = json.loads(found.stdout)
    assert row["title"] == "gamma needle"
    md = fclaude("history", "export", str(row["id"]), "--format", "markdown")
    assert md.stdout.startswith("# gamma needle") and answer_text("gamma needle", 1)[:30] in md.stdout
    js = json.loads(fclaude("history", "export", str(row["id"]), "-f", "json").stdout)
    assert js["turns"][0]["prompt"] == "gamma needle"
    assert fclaude("history", "export", str(row["id"]), "-f", "yaml").exit_code == 2
    assert fclaude("history", "show", "9999").exit_code == 2
    assert fclaude("history", "rm", str(row["id"])).exit_code == 0
    assert len(history(fclaude)) == 2
    assert fclaude("history", "rm").exit_code == 2
    assert fclaude("history", "rm", "--older-than", "0").exit_code == 0
    assert history(fclaude) == []


def test_concurrent_ask_processes_lose_nothing(fclaude: Fclaude) -> None:
    import subprocess

    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "foundry_cli", "ask", f"parallel {i}"],
            env=fclaude.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for i in range(6)
    ]
    for p in procs:
        _, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
    assert sorted(r["title"] for r in history(fclaude)) == [f"parallel {i}" for i in range(6)]


# --- server text in history reaches a terminal only made safe; exports stay data -----------------

# (no "\r": the runners decode with universal newlines, which would hide one either way)
HOSTILE = "evil\x1b]52;c;aGk=\x07 answer \x1b[2J done \x9b31m end"


def _store_hostile() -> int:
    from foundry_cli.config.paths import get_paths
    from foundry_cli.history.store import HistoryStore, Turn

    paths = get_paths()
    paths.history_db.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with HistoryStore(paths.history_db) as store:
        cid, _ = store.add_turn(Turn(prompt=f"title {HOSTILE}", answer=HOSTILE, deployment="dep\x1b[31m"))
    return cid


def test_history_show_is_terminal_safe_and_export_is_raw(fclaude: Fclaude) -> None:
    cid = str(_store_hostile())
    piped = fclaude("history", "show", cid)
    assert piped.exit_code == 0, piped.stderr
    assert HOSTILE in piped.stdout, "piped to a program: the stored text as it is"
    shown = fclaude("history", "show", cid, FORCE_COLOR="1")  # bound for a terminal (`| less -R`)
    assert shown.exit_code == 0, shown.stderr
    for control in ("\x1b", "\x07", "\x9b"):
        assert control not in shown.stdout, repr(control)
    assert "## dep\n\nevil answer  done  end\n" in shown.stdout, "whole sequences go, the text stays"
    exported = fclaude("history", "export", cid, FORCE_COLOR="1")
    assert HOSTILE in exported.stdout, "export is data: byte-exact wherever it goes"
    listed = fclaude("history", "list")
    assert listed.exit_code == 0, listed.stderr
    row = listed.stdout.splitlines()[1]
    assert not any(c in row for c in ("\x1b", "\x07", "\x9b")) and "title evil answer" in row


def test_history_show_on_a_real_terminal_is_sanitized(fclaude: Fclaude) -> None:
    cid = str(_store_hostile())
    child = pexpect.spawn(
        sys.executable,
        ["-m", "foundry_cli", "history", "show", cid],
        env={**fclaude.env, "TERM": "xterm", "COLUMNS": "80"},
        encoding="utf-8",
        timeout=30,
    )
    child.expect(pexpect.EOF)
    child.close()
    out = child.before or ""
    assert child.exitstatus == 0, out
    assert "evil answer" in out and "done" in out
    # rendered markdown carries the renderer's own colours (SGR), nothing of the stored sequences
    assert "\x1b]52" not in out and "\x1b[2J" not in out and "\x07" not in out and "\x9b" not in out
    assert not re.search(r"\x1b(?!\[[0-9;]*m)", out), "no escape sequence but SGR colour"


# --- show renders and pages on a terminal; export stays raw; headings; timestamps; emulator runs ---

ANSWER = "# Overview\n\nIntro.\n\n## Details\n\n```python\n# a comment, not a heading\n```\n\n" + "\n\n".join(
    f"Paragraph {i}." for i in range(60)
)


def _store(answer: str, prompt: str = "a question") -> int:
    from foundry_cli.config.paths import get_paths
    from foundry_cli.history.store import HistoryStore, Turn

    paths = get_paths()
    paths.history_db.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with HistoryStore(paths.history_db) as store:
        cid, _ = store.add_turn(Turn(prompt=prompt, answer=answer, deployment="dep"))
    return cid


def _show_on_a_pty(fclaude: Fclaude, cid: int, tmp_path: Path) -> tuple[str, str | None]:
    """`history show CID` on a 24-row terminal whose $PAGER saves what it is given; (what the
    terminal shows, what the pager got or None)."""
    paged = tmp_path / "paged.txt"
    pager = f"sh -c 'cat > {paged}; echo PAGER-RAN'"
    child = pexpect.spawn(
        sys.executable,
        ["-m", "foundry_cli", "history", "show", str(cid)],
        env={
            **{k: v for k, v in fclaude.env.items() if k != "COLUMNS"},
            "TERM": "xterm-256color",
            "PAGER": pager,
        },
        encoding="utf-8",
        timeout=30,
        dimensions=(24, 80),
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    return child.before or "", paged.read_text() if paged.exists() else None


def test_show_pages_a_long_conversation_rendered(fclaude: Fclaude, tmp_path: Path) -> None:
    screen, paged = _show_on_a_pty(fclaude, _store(ANSWER), tmp_path)
    assert "PAGER-RAN" in screen and paged is not None, "longer than the screen: through $PAGER"
    assert "Paragraph 59." in paged and "\x1b[" in paged, "rendered, with colour for less -R"
    assert "## You (1)" not in paged and "You (1)" in paged, "markdown is rendered, not shown as source"


def test_show_prints_a_short_conversation_without_a_pager(fclaude: Fclaude, tmp_path: Path) -> None:
    screen, paged = _show_on_a_pty(fclaude, _store("Short answer."), tmp_path)
    assert paged is None and "PAGER-RAN" not in screen
    assert "Short answer." in screen and "## You (1)" not in screen


def test_show_piped_is_the_markdown_without_a_pager(fclaude: Fclaude, tmp_path: Path) -> None:
    cid = _store(ANSWER)
    marker = tmp_path / "pager-ran"
    r = fclaude("history", "show", str(cid), PAGER=f"touch {marker}")
    assert r.exit_code == 0 and not marker.exists()
    assert "## You (1)" in r.stdout and "\x1b" not in r.stdout


def test_exported_headings_do_not_clash_with_the_answers(fclaude: Fclaude) -> None:
    cid = _store(ANSWER, prompt="# my own heading\nquestion")
    md = fclaude("history", "export", str(cid)).stdout
    top = [line for line in md.splitlines() if re.match(r"#{1,2} ", line)]
    top.remove("# a comment, not a heading")  # inside the code block
    assert top == ["# # my own heading question", "## You (1)", "## dep"], "only the turn markers are ##"
    assert "### Overview" in md and "#### Details" in md and "### my own heading" in md
    assert "# a comment, not a heading" in md.splitlines(), "code blocks are left as they are"


def test_json_timestamps_are_iso_8601(fclaude: Fclaude) -> None:
    import datetime as dt

    cid = _store("An answer.")
    iso = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
    [row] = history(fclaude)
    doc = show(fclaude, cid)
    exported = json.loads(fclaude("history", "export", str(cid), "-f", "json").stdout)
    for when in (row["created_at"], row["updated_at"], doc["created_at"], doc["turns"][0]["created_at"]):  # type: ignore[index]
        assert isinstance(when, str) and iso.match(when), when
    assert exported["created_at"] == doc["created_at"]
    stamp = dt.datetime.fromisoformat(str(row["created_at"]).replace("Z", "+00:00"))
    assert abs((dt.datetime.now(dt.timezone.utc) - stamp).total_seconds()) < 600


def test_emulator_runs_are_recorded_as_such() -> None:
    """A --emulator run has no profile; its turns say "(emulator)", not None."""
    from foundry_cli.api.types import Message, Request
    from foundry_cli.cli._history import EMULATOR_PROFILE, record
    from foundry_cli.cli._state import AppState, emulator_overrides
    from foundry_cli.config.paths import get_paths
    from foundry_cli.config.settings import resolve
    from foundry_cli.history.store import HistoryStore

    with emulator_overrides(AppState(emulator=True)) as overrides:
        settings = resolve(profile=None, overrides=overrides)
        req = Request(deployment="claude-sonnet-4-5", messages=(Message("user", "hi"),), max_tokens=8)
        assert record(settings, req, None, "error", error="x") is not None
        with HistoryStore(get_paths().history_db) as store:
            [summary] = store.conversations(limit=5)
            [turn] = store.turns(summary.id)
    assert settings.profile is None and summary.profile == EMULATOR_PROFILE == turn.profile
