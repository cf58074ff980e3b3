"""`fclaude ask` end to end over real sockets, both wire formats, every output mode."""

from __future__ import annotations

import json

import pytest

from foundry_cli.emulator import Emulator, answer_text
from tests.support import CANARY_KEY, Fclaude

APIS = ["messages", "responses"]
JSON_KEYS = {
    "text",
    "thinking",
    "model",
    "deployment",
    "api",
    "stop_reason",
    "usage",
    "cost_usd",
    "request_id",
    "region",
    "latency_ms",
    "incomplete",
}


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("stream", [True, False])
def test_piped_answer_is_plain_text(fclaude: Fclaude, emu: Emulator, api: str, stream: bool) -> None:
    args = ["ask", "--api", api, "Hello there"] + ([] if stream else ["--no-stream"])
    r = fclaude(*args)
    assert r.exit_code == 0, r.stderr
    assert r.stdout == answer_text("Hello there", 1).rstrip("\n") + "\n"
    assert "\x1b" not in r.stdout and r.stderr == ""
    body = emu.requests[-1].json
    assert isinstance(body, dict) and body.get("stream", False) is stream


def test_responses_v1_route(fclaude: Fclaude, emu: Emulator) -> None:
    r = fclaude("ask", "--api", "responses", "hi", FCLAUDE_API_VERSION="v1")
    assert r.exit_code == 0, r.stderr
    assert emu.requests[-1].path == "/api/projects/demo/openai/v1/responses" and emu.requests[-1].query == {}


@pytest.mark.parametrize("api", APIS)
def test_json_schema(fclaude: Fclaude, api: str) -> None:
    r = fclaude("ask", "--json", "--api", api, "What is 2+2?")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert set(doc) == JSON_KEYS
    assert doc["text"] == answer_text("What is 2+2?", 1)
    assert (
        doc["api"] == api and doc["deployment"] == "claude-sonnet-4-5" and doc["model"] == "claude-sonnet-4-5"
    )
    assert doc["stop_reason"] == "end_turn" and doc["incomplete"] is False and doc["thinking"] is None
    assert doc["usage"]["input_tokens"] > 0 and doc["usage"]["output_tokens"] > 0
    assert doc["usage"]["cache_creation_input_tokens"] == 0 and doc["usage"]["cache_read_input_tokens"] == 0
    assert doc["cost_usd"] > 0  # claude-sonnet-4-5's list prices are in the catalog
    assert doc["region"] == "East US 2" and doc["request_id"]
    assert 0 <= doc["latency_ms"]["first_token"] <= doc["latency_ms"]["total"]


@pytest.mark.parametrize("api", APIS)
def test_thinking_is_requested_and_returned(fclaude: Fclaude, emu: Emulator, api: str) -> None:
    r = fclaude("ask", "--json", "--api", api, "--thinking", "2048", "think")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["thinking"] and doc["text"] == answer_text("think", 1)
    body = emu.requests[-1].json
    assert isinstance(body, dict)
    if api == "messages":
        assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    else:
        assert body["reasoning"]["effort"] == "low"


def test_show_thinking_goes_to_stderr_only(fclaude: Fclaude) -> None:
    r = fclaude("ask", "--thinking", "2048", "--show-thinking", "think")
    assert r.exit_code == 0
    assert r.stdout.strip() == answer_text("think", 1).strip()
    assert r.stderr.strip(), "thinking should be on stderr"
    hidden = fclaude("ask", "--thinking", "2048", "think")
    assert hidden.stderr == ""


def test_prompt_from_args_and_stdin(fclaude: Fclaude, emu: Emulator) -> None:
    r = fclaude("ask", "review this", input="diff --git a/x b/x\n+added line\n")
    assert r.exit_code == 0, r.stderr
    body = emu.requests[-1].json
    assert isinstance(body, dict)
    assert body["messages"][0]["content"] == "review this\n\ndiff --git a/x b/x\n+added line\n"
    r = fclaude("ask", input="only stdin\n")
    assert r.exit_code == 0 and r.stdout.startswith(answer_text("only stdin", 1)[:10])


def test_options_reach_the_wire(fclaude: Fclaude, emu: Emulator) -> None:
    r = fclaude(
        "ask", "-m", "claude-haiku-4-5", "-s", "be terse", "--max-tokens", "777", "--temperature", "0.2", "x"
    )
    assert r.exit_code == 0, r.stderr
    body = emu.requests[-1].json
    assert isinstance(body, dict)
    assert (body["model"], body["system"], body["max_tokens"], body["temperature"]) == (
        "claude-haiku-4-5",
        "be terse",
        777,
        0.2,
    )
    assert emu.requests[-1].headers["anthropic-version"] == "2023-06-01"


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_trace_before_or_after_subcommand_redacts_key(fclaude: Fclaude, where: str) -> None:
    args = ["--debug", "ask", "hi"] if where == "before" else ["ask", "hi", "--debug"]
    r = fclaude(*args)
    assert r.exit_code == 0, r.stderr
    assert "[debug] > POST http://127.0.0.1" in r.stderr and "[debug] < HTTP 200" in r.stderr
    assert "x-api-key: [redacted" in r.stderr
    assert CANARY_KEY not in r.stderr + r.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["ask"], "No prompt"),
        (["ask", "--thinking", "500", "x"], "must be >= 1024"),
        (["ask", "--thinking", "5000", "--max-tokens", "4096", "x"], "below --max-tokens (4096)"),
        (["ask", "--api", "graphql", "x"], "messages, responses"),
        (["ask", "--max-tokens", "0", "x"], "--max-tokens"),
        (["ask", "--nope", "x"], "No such option"),
    ],
)
def test_usage_errors_exit_2(fclaude: Fclaude, args: list[str], fragment: str) -> None:
    r = fclaude(*args)
    assert r.exit_code == 2, r.stderr
    assert fragment in r.stderr and "Traceback" not in r.stderr


def test_non_utf8_stdin_is_a_usage_error(fclaude: Fclaude) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "foundry_cli", "ask"],
        input=b"\xff\xfe\x00bad",
        capture_output=True,
        env=fclaude.env,
        timeout=60,
    )
    assert done.returncode == 2 and b"UTF-8" in done.stderr


def test_no_endpoint_is_a_configuration_error(fclaude: Fclaude) -> None:
    env = {k: v for k, v in fclaude.env.items() if k != "FCLAUDE_ENDPOINT"}
    r = Fclaude(env, [])("ask", "hi")
    assert r.exit_code == 3 and "endpoint-missing" in r.stderr and "FCLAUDE_ENDPOINT" in r.stderr


def test_unknown_profile_is_a_configuration_error(fclaude: Fclaude) -> None:
    r = fclaude("-p", "ghost", "ask", "hi")
    assert r.exit_code == 3 and "ghost" in r.stderr and "fclaude login" in r.stderr


def test_missing_key_is_a_configuration_error(fclaude: Fclaude) -> None:
    env = {k: v for k, v in fclaude.env.items() if k != "FCLAUDE_API_KEY"}
    r = Fclaude(env, [])("ask", "hi")
    assert r.exit_code == 3 and "FCLAUDE_API_KEY" in r.stderr


def test_bad_endpoint_form_names_the_fix(fclaude: Fclaude) -> None:
    r = fclaude("ask", "hi", FCLAUDE_ENDPOINT="https://myres.services.ai.azure.com/models/chat/completions")
    assert r.exit_code == 3 and "/anthropic" in r.stderr and "FCLAUDE_ENDPOINT" in r.stderr


def test_wrong_key_is_an_auth_error(fclaude: Fclaude) -> None:
    r = fclaude("ask", "hi", FCLAUDE_API_KEY="wrong-key")
    assert r.exit_code == 4 and "key-invalid" in r.stderr


def test_emulator_try_it_path_needs_no_configuration(base_env: dict[str, str]) -> None:
    r = Fclaude(base_env, [])("--emulator", "ask", "hello world")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith(answer_text("hello world", 1)[:20])
    r = Fclaude(base_env, [])("ask", "--scenario", "deployment-not-found", "hello")
    assert r.exit_code == 1 and "deployment-not-found" in r.stderr


def test_emulator_command_lists_scenarios(base_env: dict[str, str]) -> None:
    r = Fclaude(base_env, [])("emulator", "--list")
    assert r.exit_code == 0 and "rate-limit" in r.stdout and "stream-cut" in r.stdout
    r = Fclaude(base_env, [])("emulator", "--scenario", "nonsense")
    assert r.exit_code == 2 and "nonsense" in r.stderr
