"""`--help` reads well: a one-line summary per command that is not cut off, examples for the main
commands, readable metavars, accurate `--json` help, and a plain message for a non-number."""

from __future__ import annotations

import re

import pytest
import typer

from foundry_cli.cli.root import app
from tests.support import Fclaude

#: every command path, groups included ("" is fclaude itself)
GROUPS = {"": "", "profile": "profile", "history": "history", "doctor": "doctor"}


def commands(group: str = "") -> dict[str, object]:
    root = typer.main.get_command(app)
    cmd = root.commands[group] if group else root  # type: ignore[attr-defined]
    return dict(cmd.commands)  # type: ignore[attr-defined]


def all_paths() -> list[str]:
    paths = [""]
    for name, cmd in commands().items():
        paths.append(name)
        if hasattr(cmd, "commands") and cmd.commands:  # type: ignore[attr-defined]
            paths += [f"{name} {sub}" for sub in cmd.commands]  # type: ignore[attr-defined]
    return paths


def help_of(fclaude: Fclaude, path: str) -> str:
    r = fclaude(*path.split(), "--help", COLUMNS="80")
    assert r.exit_code == 0, r.stderr
    return r.stdout


def summaries(text: str) -> dict[str, str]:
    """The ``Commands:`` section of a group's help: name -> summary line."""
    section = text.split("\nCommands:\n", 1)[1]
    found = {}
    for line in section.splitlines():
        m = re.match(r"  (\S+)\s+(.*)$", line)
        if m:
            found[m.group(1)] = m.group(2)
    return found


@pytest.mark.parametrize("group", list(GROUPS))
def test_every_command_has_a_whole_one_line_summary(fclaude: Fclaude, group: str) -> None:
    text = help_of(fclaude, group)
    listed = summaries(text)
    assert set(listed) == set(commands(group)), "every command is listed, each on one line"
    for name, summary in listed.items():
        assert summary.endswith(".") and not summary.endswith("..."), f"{name}: cut off: {summary!r}"
    section = text.split("\nCommands:\n", 1)[1]
    assert all(len(line) <= 80 for line in section.splitlines()), section


def test_every_help_fits_80_columns_and_has_readable_metavars(fclaude: Fclaude) -> None:
    for path in all_paths():
        text = help_of(fclaude, path)
        long = [line for line in text.splitlines() if len(line) > 80]
        assert not long, f"fclaude {path} --help: {long}"
        # Typer's defaults read as types ("<str>", "<int range>", "conversation_id"), not as what to type
        assert not re.search(r"<[a-z ]+>", text), f"fclaude {path} --help: {text}"
        assert not re.search(r"\b[a-z]+_[a-z_]+\b(?=\s{2})", text.split("Options:")[0]), path


@pytest.mark.parametrize(
    "path", ["", "login", "ask", "chat", "models", "doctor", "doctor explain", "history", "profile"]
)
def test_main_commands_show_examples(fclaude: Fclaude, path: str) -> None:
    text = help_of(fclaude, path)
    examples = text.split("Examples:\n\n", 1)[1].split("\n\n", 1)[0]  # up to the next blank line
    lines = examples.splitlines()
    assert lines and all(
        line.startswith("    fclaude") or "| fclaude" in line or line.startswith("        ") for line in lines
    ), "one example per line, not rewrapped into a paragraph"


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("ask", '{"error": {row, message, status, request_id, exit_code}}'),
        ("models", '"deployed"'),
        ("doctor", '"checks"'),
        ("profile list", "JSON list"),
        ("profile show", '"settings"'),
        ("history list", "JSON list"),
        ("history show", "its turns"),
    ],
)
def test_json_help_says_what_each_command_prints(fclaude: Fclaude, path: str, says: str) -> None:
    text = " ".join(help_of(fclaude, path).split("\nOptions:\n", 1)[1].split())
    json_help = text.split("--json", 1)[1].split(" -", 1)[0]
    assert says in json_help, json_help


@pytest.mark.parametrize(
    "args",
    [
        ("ask", "--max-tokens", "lots", "hi"),
        ("history", "list", "-n", "ten"),
        ("history", "show", "first"),
        ("chat", "--resume", "last"),
        ("emulator", "--port", "http"),
    ],
)
def test_a_non_number_for_an_integer_says_expected_a_whole_number(
    fclaude: Fclaude, args: tuple[str, ...]
) -> None:
    r = fclaude(*args)
    assert r.exit_code == 2
    assert "expected a whole number, not" in r.stderr and "int range" not in r.stderr, r.stderr


def test_a_whole_number_out_of_range_says_the_range(fclaude: Fclaude) -> None:
    r = fclaude("ask", "--max-tokens", "0", "hi")
    assert r.exit_code == 2 and "must be 1 to 1000000, not 0" in r.stderr
    r = fclaude("ask", "--temperature", "warm", "hi")
    assert r.exit_code == 2 and "expected a number, not 'warm'" in r.stderr
