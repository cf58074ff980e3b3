"""Shell completions that know your data: profile names, deployments, scenarios, check ids, history ids.

Driven through bash and zsh themselves (pexpect, the generated scripts sourced, ``fclaude`` on PATH),
and unit tests of each source, of the fast path in ``main()`` against Typer's own answers, and of
what a hostile name or title can do (nothing).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from foundry_cli.cli import _complete
from foundry_cli.cli._complete import Where, fast_complete, values
from foundry_cli.config.paths import get_paths

ROOT = Path(__file__).resolve().parents[2]
CONFIG = """default_profile = "home"
[profiles.work]
endpoint = "https://work.services.ai.azure.com/anthropic"
[profiles.home]
endpoint = "https://home.services.ai.azure.com/anthropic"
"""


@pytest.fixture
def home(hermetic_env: Path) -> Path:
    hermetic_env.mkdir(parents=True, exist_ok=True)
    (hermetic_env / "config.toml").write_text(CONFIG)
    return hermetic_env


def names(items: list[tuple[str, str]]) -> list[str]:
    return [value for value, _ in items]


def live(source: str, incomplete: str = "", where: Where | None = None) -> list[tuple[str, str]]:
    return values(source, where or Where(), incomplete, os.environ, _complete.live_static)


# --- through the shells ------------------------------------------------------------------------------


def find_zsh() -> str | None:
    return shutil.which("zsh") or next(
        (p for p in ("/bin/zsh", "/usr/bin/zsh") if os.access(p, os.X_OK)), None
    )


@pytest.fixture
def shell_env(home: Path, tmp_path: Path) -> dict[str, str]:
    """``fclaude`` on PATH (a wrapper running this interpreter's foundry_cli), a scratch HOME."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "fclaude"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m foundry_cli "$@"\n')
    wrapper.chmod(0o755)
    user_home = tmp_path / "user"
    user_home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("_FCLAUDE")}
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env['PATH']}", HOME=str(user_home), ZDOTDIR=str(user_home), TERM="dumb"
    )
    return env


def complete_in(child: pexpect.spawn, typed: str) -> str:
    """Type ``typed``, press Tab, then turn the edited line into a command that prints it in upper
    case (so the printed result cannot be confused with the typed line's echo); return that."""
    child.send(typed + "\t")
    child.send("\x01" + 'echo "<' + "\x05" + '>" | tr a-z A-Z\r')
    child.expect(r"<(FCLAUDE[^>\r\n]*)>")
    return str(child.match.group(1))


def test_bash_completes_a_profile_name(shell_env: dict[str, str]) -> None:
    child = pexpect.spawn(
        "bash", ["--norc", "--noprofile"], env=shell_env, encoding="utf-8", timeout=30, dimensions=(24, 200)
    )
    try:
        child.sendline("PS1='ready$ '; source " + str(ROOT / "completions" / "fclaude.bash"))
        child.expect_exact("ready$ ")
        assert complete_in(child, "fclaude -p wo").split() == ["FCLAUDE", "-P", "WORK"]
        child.expect_exact("ready$ ")
        assert complete_in(child, "fclaude profile use h").split() == ["FCLAUDE", "PROFILE", "USE", "HOME"]
    finally:
        child.close(force=True)


def test_zsh_completes_a_profile_name(shell_env: dict[str, str]) -> None:
    zsh = find_zsh()
    if zsh is None:
        pytest.skip("zsh is not installed (no zsh on PATH, /bin/zsh or /usr/bin/zsh); .ci/run installs it")
    child = pexpect.spawn(zsh, ["-f"], env=shell_env, encoding="utf-8", timeout=30, dimensions=(24, 200))
    try:
        script = ROOT / "completions" / "fclaude.zsh"
        child.sendline(
            f"bindkey -e; autoload -Uz compinit; compinit -D -u; source {script}; PROMPT='ready%% '"
        )
        child.expect_exact("ready% ")
        assert complete_in(child, "fclaude -p wo").split() == ["FCLAUDE", "-P", "WORK"]
        child.expect_exact("ready% ")
        assert complete_in(child, "fclaude logout -p h").split() == ["FCLAUDE", "LOGOUT", "-P", "HOME"]
    finally:
        child.close(force=True)


# --- each source -------------------------------------------------------------------------------------


def test_profiles_come_from_config_toml(home: Path) -> None:
    items = dict(live("profiles"))
    assert sorted(items) == ["home", "work"]
    assert items["home"].startswith("default"), "the default profile says so"
    assert names(live("profiles", "w")) == ["work"]


def test_profiles_without_a_config_or_with_a_broken_one_are_nothing(hermetic_env: Path) -> None:
    assert live("profiles") == []
    hermetic_env.mkdir(parents=True, exist_ok=True)
    (hermetic_env / "config.toml").write_text("profiles = [not toml")
    assert live("profiles") == []


def test_deployments_come_from_the_profiles_cache_then_the_catalog(home: Path) -> None:
    from foundry_cli.catalog import load_catalog
    from foundry_cli.learned import remember

    paths = get_paths()
    remember(paths, "work", {"team-sonnet": "claude-sonnet-4-5"}, "control-plane")
    remember(paths, "home", {"home-haiku": None}, "response")
    catalog = [m.id for m in load_catalog()]
    work = names(live("deployments", where=Where(profile="work")))
    assert work[0] == "team-sonnet" and "home-haiku" not in work
    assert work[1:] == catalog, "then every catalog id, in catalog order"
    # no -p: the default profile (home)
    assert names(live("deployments"))[0] == "home-haiku"
    assert live("deployments", "team") == [], "another profile's deployments are not offered"
    assert names(live("deployments", "team", Where(profile="work"))) == ["team-sonnet"]
    emulated = names(live("deployments", where=Where(emulator=True)))
    assert "team-sonnet" not in emulated and "claude-sonnet-4-5" in emulated


def test_scenarios_are_the_emulators_and_the_clients(home: Path) -> None:
    from foundry_cli.cli._state import CLIENT_SCENARIOS
    from foundry_cli.emulator import IDENTITY_SCENARIOS, SCENARIOS

    items = dict(live("scenarios"))
    assert set(items) == {*SCENARIOS, *IDENTITY_SCENARIOS, *CLIENT_SCENARIOS}
    assert items["rate-limit"].startswith("rate-limit:N"), "a scenario with a parameter shows its NAME:N form"
    assert names(live("scenarios", "stream")) == ["stream-cut"]
    assert live("scenarios", "rate-limit:") == [], "the number after NAME: is the user's"


def test_check_ids_are_doctors(home: Path) -> None:
    from foundry_cli.doctor.checks import CHECKS

    assert live("checks") == [(c.id, c.title) for c in CHECKS]
    assert names(live("checks", "token")) == ["token", "token-claims"]


def test_choices_come_from_the_settings_registry(home: Path) -> None:
    from foundry_cli.config.settings import API_FORMATS, AUTH_MODES, CACHE_MODES, EFFORTS

    assert names(live("api")) == list(API_FORMATS)
    assert names(live("auth")) == list(AUTH_MODES)
    assert names(live("effort")) == list(EFFORTS)
    assert names(live("cache")) == list(CACHE_MODES)
    assert names(live("thinking"))[:2] == ["adaptive", "off"]


@pytest.fixture
def history(home: Path) -> Iterator[list[int]]:
    from foundry_cli.history.store import HistoryStore, Turn

    ids = []
    with HistoryStore(get_paths().history_db) as store:
        for i in range(60):
            turn = Turn(profile="work", deployment="d", api="messages", prompt=f"question {i}", answer="a")
            ids.append(store.add_turn(turn)[0])
    yield ids


def test_history_ids_are_the_recent_conversations_with_titles(history: list[int]) -> None:
    items = live("history")
    assert len(items) == _complete.HISTORY_LIMIT, "bounded"
    assert items[0] == (str(history[-1]), "question 59"), "the most recent first, its title as description"
    assert (
        names(live("history", "1"))
        == sorted((str(i) for i in history if str(i).startswith("1")), key=int)[::-1]
    )
    assert live("history", "x") == []


def test_history_is_read_only_and_absent_history_is_nothing(home: Path) -> None:
    db = get_paths().history_db
    assert live("history") == []
    assert not db.exists(), "completing never creates history.db"


def test_history_is_opened_read_only(history: list[int]) -> None:
    db = get_paths().history_db
    db.chmod(0o400)
    before = db.read_bytes()
    assert (str(history[0]), "question 0") in live("history", str(history[0]))
    assert db.read_bytes() == before
    assert not db.with_name(db.name + "-journal").exists()


# --- the fast path in main() -------------------------------------------------------------------------

LINES = [
    "fclaude -p wo",
    "fclaude -p ",
    "fclaude ask -m ",
    "fclaude -p work ask --model team",
    "fclaude --emulator ask -m claude-s",
    "fclaude ask --scenario rate",
    "fclaude doctor --check t",
    "fclaude doctor -p h",
    "fclaude ask --effort ",
    "fclaude login --auth a",
    "fclaude chat --cache ",
    "fclaude ask --api ",
    "fclaude profile use ",
    "fclaude profile remove wo",
    "fclaude history show ",
    "fclaude history rm 1",
    "fclaude logout -p ",
]


def typer_answer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env: dict[str, str]
) -> str:
    from foundry_cli.cli.root import app

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SystemExit):
        app(args=[], prog_name="fclaude")
    for key in env:
        monkeypatch.delenv(key)
    return capsys.readouterr().out


def request_env(shell: str, line: str) -> dict[str, str]:
    if shell == "bash":
        words = line.split()
        cword = len(words) if line.endswith(" ") else len(words) - 1
        return {"_FCLAUDE_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(cword)}
    env = {"_FCLAUDE_COMPLETE": f"complete_{shell}", "_TYPER_COMPLETE_ARGS": line}
    if shell == "fish":
        env["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    if shell == "powershell":
        env["_TYPER_COMPLETE_WORD_TO_COMPLETE"] = "" if line.endswith(" ") else line.split()[-1]
    return env


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "powershell"])
def test_the_fast_path_answers_as_typer_does(
    shell: str, history: list[int], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from foundry_cli.learned import remember

    remember(get_paths(), "work", {"team-sonnet": "claude-sonnet-4-5"}, "control-plane")
    for line in LINES:
        env = request_env(shell, line)
        out = io.StringIO()
        code = fast_complete({**os.environ, **env}, out)
        assert code == 0, f"the fast path answers {line!r}"
        assert out.getvalue() == typer_answer(monkeypatch, capsys, env), line
        assert out.getvalue().strip() not in ("", "_files"), f"{line!r} completes something"


@pytest.mark.parametrize(
    "line",
    ["fclaude --pro", "fclaude as", "fclaude ask --unknown-flag -m ", "fclaude ask -m=cl", "fclaude ask -s "],
)
def test_the_fast_path_leaves_everything_else_to_typer(home: Path, line: str) -> None:
    assert fast_complete({**os.environ, **request_env("bash", line)}, io.StringIO()) is None


def test_without_its_table_the_fast_path_steps_aside(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_complete, "TABLE_FILE", home / "missing.json")
    assert fast_complete({**os.environ, **request_env("bash", "fclaude -p wo")}, io.StringIO()) is None


def test_fish_is_args_exits_by_whether_there_are_values(home: Path) -> None:
    env = {**os.environ, **request_env("fish", "fclaude -p wo"), "_TYPER_COMPLETE_FISH_ACTION": "is-args"}
    assert fast_complete(env, io.StringIO()) == 0
    env["_TYPER_COMPLETE_ARGS"] = "fclaude -p zz"
    assert fast_complete(env, io.StringIO()) == 1


def test_a_completion_request_imports_no_typer(home: Path) -> None:
    probe = (
        "import sys\nfrom foundry_cli.cli.app import main\n"
        "try:\n    main([])\nexcept SystemExit as e:\n    code = e.code\n"
        "print('|', code, sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'rich', 'httpx2')))"
    )
    env = {**os.environ, **request_env("bash", "fclaude ask -m ")}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    answer, _, tail = done.stdout.rpartition("|")
    assert "claude-sonnet-4-5" in answer.split()
    assert tail.split() == ["0", "[]"], tail


def test_the_table_is_what_the_generator_writes() -> None:
    from foundry_cli.cli.completion import table_text

    assert _complete.TABLE_FILE.read_text(encoding="utf-8") == table_text(), (
        "stale: run python scripts/gen_completions.py"
    )


def test_committed_scripts_match_the_generator() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_completions.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


# --- hostile names and titles ------------------------------------------------------------------------


def test_a_hostile_deployment_name_is_never_offered(home: Path) -> None:
    doc = {"work": {"$(touch pwned)": {"seen": 2}, "ok-name": {"seen": 1}, "a\nb": {"seen": 3}}}
    (home / "cache").mkdir(exist_ok=True)
    (home / "cache" / "deployments.json").write_text(json.dumps(doc))
    offered = names(live("deployments", where=Where(profile="work")))
    assert offered[0] == "ok-name"
    assert all(_complete._SAFE_VALUE.match(name) for name in offered)


def test_a_hostile_title_is_a_harmless_description(shell_env: dict[str, str], tmp_path: Path) -> None:
    from foundry_cli.history.store import HistoryStore, Turn

    marker = tmp_path / "pwned"
    # a backslash-quote ends Typer's quoting, and an unquoted glob with an e{} qualifier runs code
    prompt = (
        f'hostile x\\" /*(e{{touch {marker}}}) \\" $(touch {marker}) `touch {marker}` \x1b[31m [b]b[/b] it\'s'
    )
    with HistoryStore(get_paths().history_db) as store:
        for _ in range(2):
            store.add_turn(Turn(profile="work", deployment="d", api="messages", prompt=prompt, answer="a"))
    (_, description), *_ = live("history")
    assert description.startswith("hostile x") and not any(ch in description for ch in "\\$`\"'[]\x1b")
    zsh = find_zsh()
    if zsh is None:
        pytest.skip("zsh is not installed: the description was checked, not zsh's eval of it")
    child = pexpect.spawn(zsh, ["-f"], env=shell_env, encoding="utf-8", timeout=30, dimensions=(24, 200))
    try:  # zsh evals the answer, and _arguments evals the list: a listing of both must run nothing
        script = ROOT / "completions" / "fclaude.zsh"
        child.sendline(
            f"bindkey -e; autoload -Uz compinit; compinit -D -u; source {script}; PROMPT='ready%% '"
        )
        child.expect_exact("ready% ")
        child.send("fclaude history show \t\t")
        child.expect("hostile x")
        child.send("\x03")
        child.expect_exact("ready% ")
    finally:
        child.close(force=True)
    assert not marker.exists()
