"""A misspelt deployment is answered with the closest known names: `ask -m` (from the control plane
or the names `fclaude models` and earlier answers left in the cache folder) and chat's `/model`."""

from __future__ import annotations

import json
from pathlib import Path

from foundry_cli.emulator import Emulator
from tests.cli.test_chat import PROMPT, command, leave, spawn
from tests.support import Fclaude


def test_models_remembers_the_deployments_it_found(fclaude: Fclaude, hermetic_env: Path) -> None:
    r = fclaude("models")
    assert r.exit_code == 0, r.stderr
    doc = json.loads((hermetic_env / "cache" / "deployments.json").read_text())
    assert "claude-sonnet-4-5" in doc["-"], doc  # "-": the settings came from the environment


def test_ask_with_an_unknown_deployment_suggests_a_known_one(fclaude: Fclaude, emu: Emulator) -> None:
    r = fclaude("ask", "-m", "claude-sonet-4-5", "hi", FCLAUDE_MAX_RETRIES="0")
    assert r.exit_code == 1 and "did you mean" not in r.stderr, "nothing known yet: nothing suggested"
    assert fclaude("models").exit_code == 0
    r = fclaude("ask", "-m", "claude-sonet-4-5", "hi", FCLAUDE_MAX_RETRIES="0")
    assert r.exit_code == 1
    assert "did you mean 'claude-sonnet-4-5'?" in r.stderr and "deployment-not-found" in r.stderr
    r = fclaude("ask", "--json", "-m", "claude-sonet-4-5", "hi", FCLAUDE_MAX_RETRIES="0")
    err = json.loads(r.stdout)["error"]
    assert err["row"] == "deployment-not-found" and "did you mean 'claude-sonnet-4-5'?" in err["message"]
    assert err["request_id"], "the request id of the failed request is kept"


def test_ask_lists_the_known_names_when_none_is_close(fclaude: Fclaude) -> None:
    assert fclaude("ask", "hi").exit_code == 0  # an answer also makes the name known
    r = fclaude("ask", "-m", "gpt-4o", "hi", FCLAUDE_MAX_RETRIES="0")
    assert r.exit_code == 1 and "deployments: claude-sonnet-4-5" in r.stderr, r.stderr


def test_chat_model_warns_about_an_unknown_name_but_switches(fclaude: Fclaude, emu: Emulator) -> None:
    assert fclaude("models").exit_code == 0
    child = spawn(fclaude)
    command(child, "/model claude-sonet-4-5", "did you mean 'claude-sonnet-4-5'")
    child.send("/model claude-sonnet-4-5\r")
    child.expect("Deployment for the next turns: claude-sonnet-4-5")
    child.expect(PROMPT)
    out = leave(child)
    assert out.count("did you mean") == 1, "a known name is not warned about"
    assert "Deployment for the next turns: claude-sonet-4-5" in out, "an unknown name is warned, not refused"
