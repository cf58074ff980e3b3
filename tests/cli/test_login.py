"""`fclaude login / logout / profile` end to end: flags (CI), stdin secrets, the wizard on a pty."""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from pathlib import Path

import pexpect
import pytest

from foundry_cli.emulator import Emulator
from tests.support import CANARY_KEY, Fclaude, row_named


@pytest.fixture
def bare(base_env: dict[str, str]) -> Fclaude:
    """A runner with no FCLAUDE_* configuration at all: everything comes from the profile."""
    return Fclaude(dict(base_env), [])


def login_flags(emu: Emulator, *extra: str) -> list[str]:
    return [
        "login",
        "--endpoint",
        emu.base_url,
        "--deployment",
        "claude-sonnet-4-5",
        "--api-key-stdin",
        *extra,
    ]


def test_login_by_flags_verifies_and_saves(bare: Fclaude, emu: Emulator, hermetic_env: Path) -> None:
    r = bare("-p", "work", *login_flags(emu), input=CANARY_KEY + "\n")
    assert r.exit_code == 0, r.stderr
    assert "saved profile 'work'" in r.stderr and "verified" in r.stderr and "East US 2" in r.stderr
    config = (hermetic_env / "config.toml").read_text()
    secrets = hermetic_env / "secrets.toml"
    assert CANARY_KEY not in config and CANARY_KEY in secrets.read_text()
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    assert stat.S_IMODE(hermetic_env.stat().st_mode) == 0o700
    assert emu.requests[-1].headers["x-api-key"] == CANARY_KEY
    # the saved profile is the default: ask works with no environment at all
    r = bare("ask", "from the profile")
    assert r.exit_code == 0, r.stderr
    assert CANARY_KEY not in r.stdout + r.stderr


def test_login_failure_shows_the_row_and_keeps_the_profile(bare: Fclaude, emu: Emulator) -> None:
    r = bare(*login_flags(emu), input="wrong-key\n")
    assert r.exit_code == 4 and row_named(r.stderr, "key-invalid") and "saved" in r.stderr
    r = bare("profile", "list", "--json")
    assert [p["name"] for p in json.loads(r.stdout)] == ["default"]


def defaults(bare: Fclaude) -> dict[str, bool]:
    return {p["name"]: p["default"] for p in json.loads(bare("profile", "list", "--json").stdout)}


def test_only_the_first_profile_becomes_the_default_by_itself(bare: Fclaude, emu: Emulator) -> None:
    r = bare("-p", "a", *login_flags(emu, "--no-verify"), input="key-a\n")
    assert r.exit_code == 0 and "'a' is the default profile" in r.stderr
    r = bare("-p", "b", *login_flags(emu, "--no-verify"), input="key-b\n")
    assert r.exit_code == 0, r.stderr
    assert defaults(bare) == {"a": True, "b": False}, "a second login must not take over the default"
    assert "default profile is still 'a'" in r.stderr and "fclaude profile use b" in r.stderr


def test_default_flag_switches_only_after_a_successful_verification(bare: Fclaude, emu: Emulator) -> None:
    assert bare("-p", "a", *login_flags(emu, "--no-verify"), input="key-a\n").exit_code == 0
    r = bare("-p", "b", *login_flags(emu, "--default"), input="wrong-key\n")
    assert r.exit_code == 4 and row_named(r.stderr, "key-invalid")
    assert defaults(bare) == {"a": True, "b": False}, "a profile that failed verification is not made default"
    assert "not made the default" in r.stderr and "fclaude profile use b" in r.stderr
    r = bare("-p", "b", *login_flags(emu, "--default"), input=CANARY_KEY + "\n")
    assert r.exit_code == 0 and "verified" in r.stderr and "'b' is now the default profile" in r.stderr
    assert defaults(bare) == {"a": False, "b": True}
    r = bare("-p", "c", *login_flags(emu, "--default", "--no-verify"), input="key-c\n")
    assert r.exit_code == 0 and defaults(bare) == {"a": False, "b": False, "c": True}


def test_no_verify_makes_no_request(bare: Fclaude, emu: Emulator) -> None:
    r = bare(*login_flags(emu, "--no-verify"), input="k\n")
    assert r.exit_code == 0 and emu.requests == []


@pytest.mark.parametrize("flag", ["--api-key", "--client-secret"])
def test_secret_as_argument_is_refused(bare: Fclaude, emu: Emulator, hermetic_env: Path, flag: str) -> None:
    r = bare("login", "--endpoint", emu.base_url, "--deployment", "d", flag, CANARY_KEY, "--no-verify")
    assert r.exit_code == 2 and "never accepted as command-line arguments" in r.stderr
    assert not (hermetic_env / "config.toml").exists() and not (hermetic_env / "secrets.toml").exists()


def test_missing_flags_in_ci_fail_without_prompting(bare: Fclaude) -> None:
    r = bare("login", "--no-verify")
    assert r.exit_code == 2 and "--endpoint" in r.stderr and "--deployment" in r.stderr


def test_bad_endpoint_and_values_are_rejected_before_saving(bare: Fclaude, hermetic_env: Path) -> None:
    r = bare("login", "--endpoint", "http://example.com", "--deployment", "d", "--no-verify")
    assert r.exit_code == 3 and "https" in r.stderr
    r = bare("login", "--endpoint", "myres", "--deployment", "d", "--auth", "password", "--no-verify")
    assert r.exit_code == 2 and "--auth" in r.stderr
    assert not (hermetic_env / "config.toml").exists()


def test_profile_show_gives_sources_and_never_the_secret(bare: Fclaude, emu: Emulator) -> None:
    bare("-p", "work", *login_flags(emu, "--no-verify"), input=CANARY_KEY + "\n")
    r = bare("profile", "show", "--json", FCLAUDE_MAX_TOKENS="999", FCLAUDE_DEPLOYMENT="other")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    s = doc["settings"]
    assert doc["profile"] == "work"
    assert s["endpoint"] == {"value": emu.base_url, "source": "profile work"}
    assert s["max_tokens"] == {"value": 999, "source": "env FCLAUDE_MAX_TOKENS"}
    assert s["api_key"] == {"value": "set", "source": "secrets.toml"}
    assert s["temperature"]["source"] == "default"
    assert any("FCLAUDE_DEPLOYMENT" in w for w in doc["warnings"]), "a shadowed saved value is warned about"
    table = bare("profile", "show", FCLAUDE_DEPLOYMENT="other")
    assert "FCLAUDE_DEPLOYMENT overrides" in table.stderr and "secrets.toml" in table.stdout
    assert CANARY_KEY not in json.dumps(doc) + table.stdout + table.stderr


def test_profile_use_remove_and_logout(bare: Fclaude, emu: Emulator, hermetic_env: Path) -> None:
    for name in ("a", "b"):
        assert bare("-p", name, *login_flags(emu, "--no-verify"), input=f"key-{name}\n").exit_code == 0
    assert json.loads(bare("profile", "list", "--json").stdout)[1] == {
        "name": "b",
        "default": False,
        "endpoint": emu.base_url,
        "api": None,
        "auth": None,
        "deployment": "claude-sonnet-4-5",
    }
    assert bare("profile", "use", "b").exit_code == 0
    assert [p["default"] for p in json.loads(bare("profile", "list", "--json").stdout)] == [False, True]
    assert bare("profile", "use", "ghost").exit_code == 3
    r = bare("logout", "-p", "a")
    assert r.exit_code == 0 and "api key" in r.stderr
    assert "key-a" not in (hermetic_env / "secrets.toml").read_text()
    assert bare("-p", "a", "ask", "hi").exit_code == 3, "no key left after logout"
    assert bare("profile", "remove", "b", "--yes").exit_code == 0
    assert "key-b" not in (hermetic_env / "secrets.toml").read_text()
    assert [p["name"] for p in json.loads(bare("profile", "list", "--json").stdout)] == ["a"]


def test_wizard_on_a_terminal(base_env: dict[str, str], emu: Emulator, hermetic_env: Path) -> None:
    env = {k: v for k, v in base_env.items() if not k.startswith("FCLAUDE_")} | {
        "FCLAUDE_HOME": str(hermetic_env)
    }
    child = pexpect.spawn(
        sys.executable, ["-m", "foundry_cli", "login"], env=env, encoding="utf-8", timeout=30
    )
    child.expect("Endpoint")
    child.sendline(emu.base_url + "/anthropic")
    child.expect(r"API format.*\[messages\]")
    child.sendline("")
    child.expect(r"Auth mode.*\[api-key\]")
    child.sendline("")
    child.expect(r"Deployment name")
    child.sendline("claude-haiku-4-5")
    child.expect("API key")
    child.sendline(CANARY_KEY)
    child.expect(pexpect.EOF)
    child.close()
    out = child.before or ""
    assert child.exitstatus == 0, out
    assert "verified" in out and CANARY_KEY not in out, "the key prompt does not echo"
    config = (hermetic_env / "config.toml").read_text()
    assert 'deployment = "claude-haiku-4-5"' in config and 'api = "messages"' in config
    assert os.path.exists(hermetic_env / "secrets.toml")


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def wizard(
    base_env: dict[str, str], home: Path, *args: str, width: int = 100, shell: str | None = None
) -> pexpect.spawn:
    """`fclaude [ARGS] login` on a pty of ``width`` columns, with nothing configured but ``home``
    (``shell``: a shell command to run instead, for what happens after fclaude exits)."""
    env = {k: v for k, v in base_env.items() if not k.startswith("FCLAUDE_") and k != "COLUMNS"}
    env |= {"FCLAUDE_HOME": str(home), "TERM": "xterm-256color"}
    cmd, argv = (sys.executable, ["-m", "foundry_cli", *args, "login"])
    if shell is not None:
        cmd, argv = "/bin/sh", ["-c", shell]
    return pexpect.spawn(cmd, argv, env=env, encoding="utf-8", timeout=30, dimensions=(40, width))


def reask_block(child: pexpect.spawn, prompt: str) -> list[str]:
    """The lines printed between the answer just sent and the same question asked again."""
    child.expect(prompt)
    text = ANSI.sub("", (child.before or "").replace("\r\n", "\n"))
    return [line for line in text.splitlines()[1:] if line.strip()]  # [0] echoes the answer


@pytest.mark.parametrize("width", [60, 80, 120])
def test_wizard_reasks_only_the_bad_answer(
    base_env: dict[str, str], emu: Emulator, hermetic_env: Path, width: int
) -> None:
    child = wizard(base_env, hermetic_env, "-p", "work", width=width)
    child.expect("creating profile 'work'")
    child.expect("Endpoint")
    child.sendline("http://example.com")
    block = reask_block(child, "Endpoint")
    assert block[0].startswith("fclaude: The endpoint 'http://example.com' uses http")
    assert all(len(line) <= width for line in block), block
    assert all(line.startswith("  ") for line in block[1:]), "continuation lines hang under the text"
    assert "Try again" in " ".join(x.strip() for x in block)
    child.sendline(emu.base_url)
    child.expect("API format")
    child.sendline("mesages")
    block = reask_block(child, r"API format.*\[messages\]")
    assert "api must be one of messages, responses, not 'mesages'" in " ".join(x.strip() for x in block)
    assert all(len(line) <= width for line in block), block
    child.sendline("")
    child.expect("Auth mode")
    child.sendline("password")
    block = reask_block(child, r"Auth mode.*\[api-key\]")
    assert "auth must be one of" in " ".join(x.strip() for x in block) and all(
        len(line) <= width for line in block
    )
    child.sendline("")
    child.expect("Deployment name")
    child.sendline("")  # the default
    child.expect("API key")
    child.sendline(CANARY_KEY)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    config = (hermetic_env / "config.toml").read_text()
    # the earlier answers survived every re-ask
    assert f'endpoint = "{emu.base_url}"' in config and 'api = "messages"' in config
    assert 'auth = "api-key"' in config and 'deployment = "claude-sonnet-4-5"' in config
    assert CANARY_KEY not in (child.before or "")


def test_rerunning_login_offers_the_saved_values(
    bare: Fclaude, base_env: dict[str, str], emu: Emulator, hermetic_env: Path
) -> None:
    r = bare(
        "-p",
        "work",
        *login_flags(emu, "--no-verify", "--deployment", "claude-haiku-4-5"),
        input=CANARY_KEY + "\n",
    )
    assert r.exit_code == 0, r.stderr
    before = (hermetic_env / "config.toml").read_text()
    child = wizard(base_env, hermetic_env, "-p", "work")
    child.expect("editing profile 'work'")
    child.expect(rf"Endpoint.*\[{re.escape(emu.base_url)}\]")
    child.sendline("")
    child.expect(r"API format.*\[messages\]")
    child.sendline("")
    child.expect(r"Auth mode.*\[api-key\]")
    child.sendline("")
    child.expect(r"Deployment name.*\[claude-haiku-4-5\]")
    child.sendline("")
    child.expect(r"API key \(input hidden; Enter keeps the stored one\)")
    child.sendline("")  # keep the stored key
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and "verified" in (child.before or ""), child.before
    after = (hermetic_env / "config.toml").read_text()
    assert 'deployment = "claude-haiku-4-5"' in after and 'api = "messages"' in after
    assert before.replace('api = "messages"\n', "").replace('auth = "api-key"\n', "") == after.replace(
        'api = "messages"\n', ""
    ).replace('auth = "api-key"\n', ""), "Enter changed nothing"
    assert CANARY_KEY in (hermetic_env / "secrets.toml").read_text(), "the stored key was kept"


def test_failed_verification_offers_to_reenter_the_key(
    base_env: dict[str, str], emu: Emulator, hermetic_env: Path
) -> None:
    child = wizard(base_env, hermetic_env)
    for prompt, answer in (
        ("Endpoint", emu.base_url),
        ("API format", ""),
        ("Auth mode", ""),
        ("Deployment name", ""),
        ("API key", "wrong-key"),
    ):
        child.expect(prompt)
        child.sendline(answer)
    child.expect("key-invalid")
    child.expect("Re-enter the API key")
    child.sendline(CANARY_KEY)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and "verified" in (child.before or ""), child.before
    secrets = (hermetic_env / "secrets.toml").read_text()
    assert CANARY_KEY in secrets and "wrong-key" not in secrets


def test_failed_verification_can_keep_the_key(
    base_env: dict[str, str], emu: Emulator, hermetic_env: Path
) -> None:
    child = wizard(base_env, hermetic_env)
    for prompt, answer in (
        ("Endpoint", emu.base_url),
        ("API format", ""),
        ("Auth mode", ""),
        ("Deployment name", ""),
        ("API key", "wrong-key"),
        ("Re-enter the API key", ""),
    ):
        child.expect(prompt)
        child.sendline(answer)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 4 and "kept the saved API key" in (child.before or "")
    assert "wrong-key" in (hermetic_env / "secrets.toml").read_text()


@pytest.mark.parametrize("at", ["Endpoint", "API key"])
def test_ctrl_c_leaves_the_terminal_clean(
    base_env: dict[str, str], emu: Emulator, hermetic_env: Path, at: str
) -> None:
    """Ctrl-C at a visible or a hidden prompt: exit 130, no traceback, echo back on afterwards."""
    # the shell traps SIGINT (a caught signal is reset in the child) so it lives to run `stty`
    script = f"trap true INT; {sys.executable} -m foundry_cli login; echo EXIT=$?; stty -a"
    child = wizard(base_env, hermetic_env, shell=script)
    answers = {"Endpoint": emu.base_url, "API format": "", "Auth mode": "", "Deployment name": ""}
    for prompt, answer in answers.items():
        child.expect(prompt)
        if prompt == at:
            break
        child.sendline(answer)
    if at == "API key":
        child.expect("API key")
    child.sendcontrol("c")
    child.expect(r"EXIT=(\d+)")
    assert child.match.group(1) == "130"
    said = child.before or ""
    assert "Traceback" not in said and "login stopped; nothing was saved" in said
    child.expect(pexpect.EOF)
    stty = child.before or ""
    assert re.search(r"(?<![-\w])echo(?![\w])", stty), "echo is on again after the hidden prompt"
    assert not (hermetic_env / "config.toml").exists()


def test_emulator_login_works(bare: Fclaude, hermetic_env: Path) -> None:
    r = bare("--emulator", "login")
    assert r.exit_code == 0, r.stderr
    assert "verified" in r.stderr and "throwaway home" in r.stderr
    assert not (hermetic_env / "config.toml").exists(), "the user's configuration is not touched"


@pytest.mark.parametrize(
    "args", [("logout", "-p", "nope"), ("profile", "show", "nope"), ("profile", "use", "nope")]
)
def test_an_unknown_profile_is_an_error_listing_the_profiles(
    bare: Fclaude, emu: Emulator, args: tuple[str, ...]
) -> None:
    for name in ("alpha", "beta"):
        assert bare("-p", name, *login_flags(emu, "--no-verify"), input="k\n").exit_code == 0
    r = bare(*args)
    assert r.exit_code == 3, r.stderr
    assert "No profile named 'nope'" in r.stderr and "profiles: alpha, beta" in r.stderr
    assert defaults(bare) == {"alpha": True, "beta": False}, "nothing changed"


def test_profile_remove_without_a_terminal_needs_yes(bare: Fclaude, emu: Emulator) -> None:
    assert bare(*login_flags(emu, "--no-verify"), input="k\n").exit_code == 0
    r = bare("profile", "remove", "default")
    assert r.exit_code == 2 and "--yes" in r.stderr
    assert defaults(bare) == {"default": True}, "nothing was removed"
    assert bare("profile", "remove", "nope", "--yes").exit_code == 3


@pytest.mark.parametrize(("answer", "kept"), [("n", True), ("y", False)])
def test_profile_remove_asks_on_a_terminal(
    bare: Fclaude, base_env: dict[str, str], emu: Emulator, hermetic_env: Path, answer: str, kept: bool
) -> None:
    assert bare("-p", "work", *login_flags(emu, "--no-verify"), input="k\n").exit_code == 0
    env = {k: v for k, v in base_env.items() if not k.startswith("FCLAUDE_")} | {
        "FCLAUDE_HOME": str(hermetic_env)
    }
    child = pexpect.spawn(
        sys.executable,
        ["-m", "foundry_cli", "profile", "remove", "work"],
        env=env,
        encoding="utf-8",
        timeout=30,
    )
    child.expect(r"Delete profile 'work'.*\[y/N\]")
    child.sendline(answer)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == (1 if kept else 0), child.before
    assert ("work" in defaults(bare)) is kept


CONFLICT = {"ANTHROPIC_FOUNDRY_RESOURCE": "resa", "AZURE_API_BASE": "https://resb.services.ai.azure.com"}


def test_two_env_vars_that_disagree_say_which_one_won(fclaude: Fclaude, bare: Fclaude, emu: Emulator) -> None:
    # ask: FCLAUDE_ENDPOINT (the emulator) wins over both, so only the deployment pair is noted
    r = fclaude("ask", "hi", FCLAUDE_DEPLOYMENT="claude-sonnet-4-5", FCLAUDE_MODEL="claude-haiku-4-5")
    assert r.exit_code == 0, r.stderr
    assert "$FCLAUDE_DEPLOYMENT and $FCLAUDE_MODEL both set deployment" in r.stderr
    assert "$FCLAUDE_DEPLOYMENT wins" in r.stderr and "endpoint" not in r.stderr
    shown = bare("profile", "show", "--json", **CONFLICT)
    doc = json.loads(shown.stdout)
    assert doc["settings"]["endpoint"] == {"value": "resa", "source": "env ANTHROPIC_FOUNDRY_RESOURCE"}
    [note] = doc["notes"]
    assert note.startswith("$ANTHROPIC_FOUNDRY_RESOURCE and $AZURE_API_BASE both set endpoint")
    table = bare("profile", "show", **CONFLICT)
    assert "note: $ANTHROPIC_FOUNDRY_RESOURCE and $AZURE_API_BASE" in table.stderr
    # the same resource in two forms is no conflict
    same = bare(
        "profile",
        "show",
        ANTHROPIC_FOUNDRY_RESOURCE="resa",
        AZURE_API_BASE="https://resa.services.ai.azure.com",
    )
    assert "both set" not in same.stderr
