"""The emulator enforces the request rules of the models it serves (catalog data), accounts for the
prompt cache, answers count_tokens, hides thinking text where the display is omitted, and refuses
in the ``refusal`` scenario. Raw HTTP on real sockets; the SDK view is in test_emulator_anthropic_sdk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from foundry_cli.emulator import DEFAULT_DEPLOYMENTS, Emulator
from foundry_cli.emulator.messages import NOT_SUPPORTED, PREFILL_MESSAGE
from foundry_cli.emulator.model_rules import load_rules, rules_for
from tests.emulator.conftest import Api, parse_sse

USER: Any = [{"role": "user", "content": "hi"}]
PREFILL: Any = [*USER, {"role": "assistant", "content": "Sure:"}]
EXTRA = ("claude-opus-5", "claude-sonnet-5-5", "claude-sonnet-4-6", "my-opus")


@pytest.fixture
def emu() -> Iterator[Emulator]:
    """The default deployments plus a few more models, and a custom-named deployment of opus-4-7."""
    deployments = (*DEFAULT_DEPLOYMENTS, *EXTRA)
    with Emulator(deployments=deployments, deployment_models={"my-opus": "claude-opus-4-7"}) as running:
        yield running
    assert running.errors == [], running.errors[0] if running.errors else ""


def send(api: Api, model: str, **fields: Any) -> httpx2.Response:
    fields.setdefault("max_tokens", 4096)
    fields.setdefault("messages", USER)
    return api.messages(model=model, **fields)


def rejected(response: httpx2.Response) -> str:
    """The message of the service's invalid_request_error 400 (asserting its exact shape)."""
    assert response.status_code == 400, response.text
    doc = response.json()
    assert doc["type"] == "error" and doc["error"]["type"] == "invalid_request_error"
    assert doc["request_id"].startswith("req_011C") and set(doc) == {"type", "error", "request_id"}
    return str(doc["error"]["message"])


def ok(response: httpx2.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    doc: dict[str, Any] = response.json()
    return doc


def test_without_the_data_file_no_rules_are_enforced(tmp_path: Path) -> None:
    assert load_rules(tmp_path / "missing.toml") == {}
    (tmp_path / "bad.toml").write_text("[[model]\n", encoding="utf-8")
    assert load_rules(tmp_path / "bad.toml") == {}


def test_the_rules_come_from_the_catalog_file() -> None:
    rules = load_rules()
    assert len(rules) >= 20 and rules["claude-opus-4-7"].sampling is False
    opus = rules_for("claude-opus-5-5")
    assert opus is not None and opus.thinking_default == "always" and opus.min_cache_tokens == 512
    assert rules_for("gpt-4o") is None and rules_for(None) is None


# --- thinking modes ----------------------------------------------------------------------------

BUDGET: Any = {"type": "enabled", "budget_tokens": 2048}


@pytest.mark.parametrize(
    ("model", "thinking", "message"),
    [
        ("claude-opus-4-7", BUDGET, NOT_SUPPORTED.format(mode="enabled")),
        (
            "my-opus",
            BUDGET,
            NOT_SUPPORTED.format(mode="enabled"),
        ),  # a custom name: the model behind it counts
        ("claude-opus-5-5", BUDGET, NOT_SUPPORTED.format(mode="enabled")),
        ("claude-opus-5-5", {"type": "disabled"}, NOT_SUPPORTED.format(mode="disabled")),
        ("claude-fable-5", {"type": "disabled"}, NOT_SUPPORTED.format(mode="disabled")),
        ("claude-fable-5", BUDGET, NOT_SUPPORTED.format(mode="enabled")),
        (
            "claude-sonnet-4-5",
            {"type": "adaptive"},
            '"thinking.type.adaptive" is not supported for this model',
        ),
        ("claude-sonnet-5-5", {"type": "disabled"}, '"thinking.type.between_tools"'),
        ("claude-opus-4-7", {"type": "between_tools"}, NOT_SUPPORTED.format(mode="between_tools")),
    ],
)
def test_a_thinking_mode_the_model_rejects(api: Api, model: str, thinking: Any, message: str) -> None:
    assert message in rejected(send(api, model, thinking=thinking))


@pytest.mark.parametrize(
    ("model", "thinking"),
    [
        ("claude-sonnet-4-5", BUDGET),  # what the existing tests send
        ("claude-sonnet-4-5", {"type": "disabled"}),
        ("claude-sonnet-4-6", BUDGET),  # deprecated, still accepted
        ("claude-sonnet-4-6", {"type": "adaptive"}),
        ("claude-opus-4-7", {"type": "adaptive"}),
        ("claude-opus-4-7", {"type": "disabled"}),
        ("claude-opus-5-5", {"type": "adaptive"}),
        ("claude-opus-5", {"type": "disabled"}),
        ("claude-sonnet-5-5", {"type": "between_tools"}),
    ],
)
def test_a_thinking_mode_the_model_accepts(api: Api, model: str, thinking: Any) -> None:
    ok(send(api, model, thinking=thinking))


def test_turning_thinking_off_is_limited_by_effort(api: Api) -> None:
    for model, mode in (("claude-opus-5", "disabled"), ("claude-sonnet-5-5", "between_tools")):
        for effort in ("low", "medium", "high"):
            ok(send(api, model, thinking={"type": mode}, output_config={"effort": effort}))
        for effort in ("xhigh", "max"):
            message = rejected(send(api, model, thinking={"type": mode}, output_config={"effort": effort}))
            assert f'"thinking.type.{mode}" is only supported' in message and '"high" or lower' in message
    message = rejected(
        send(api, "claude-sonnet-5-5", thinking={"type": "between_tools", "display": "summarized"})
    )
    assert "between_tools.display" in message


# --- effort ------------------------------------------------------------------------------------


def test_effort_levels_per_model(api: Api) -> None:
    assert "Input should be 'low'" in rejected(
        send(api, "claude-opus-4-7", output_config={"effort": "turbo"})
    )
    assert "not supported for this model" in rejected(
        send(api, "claude-sonnet-4-5", output_config={"effort": "low"})
    )
    message = rejected(send(api, "claude-sonnet-4-6", output_config={"effort": "xhigh"}))
    assert message == '"output_config.effort" value "xhigh" is not supported for this model.'
    for effort in ("low", "medium", "high", "xhigh", "max"):
        ok(send(api, "claude-opus-4-7", thinking={"type": "adaptive"}, output_config={"effort": effort}))


# --- sampling, prefill, limits -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "word"),
    [
        ({"temperature": 0.3}, "`temperature` is not supported"),
        ({"top_k": 5}, "`top_k` is not supported"),
        ({"top_p": 0.5}, "`top_p` is not supported"),
        ({"temperature": 1.0, "top_p": 0.99}, "cannot both be specified"),
    ],
)
def test_removed_sampling_parameters(api: Api, fields: dict[str, Any], word: str) -> None:
    for model in ("claude-opus-4-7", "claude-opus-5-5", "claude-fable-5"):
        assert word in rejected(send(api, model, **fields))


def test_removed_sampling_parameters_accept_their_defaults(api: Api) -> None:
    ok(send(api, "claude-opus-4-7", temperature=1.0))
    ok(send(api, "claude-opus-4-7", top_p=0.99))


def test_sampling_with_thinking_on_the_2025_models(api: Api) -> None:
    ok(send(api, "claude-sonnet-4-5", temperature=0.2))  # no thinking: anything in range
    ok(send(api, "claude-sonnet-4-5", top_p=0.5, top_k=10))
    message = rejected(send(api, "claude-sonnet-4-5", thinking=BUDGET, temperature=0.2))
    assert message.startswith("`temperature` may only be set to 1 when thinking is enabled")
    assert "top_k" in rejected(send(api, "claude-sonnet-4-5", thinking=BUDGET, top_k=10))
    assert "0.95" in rejected(send(api, "claude-sonnet-4-5", thinking=BUDGET, top_p=0.9))
    ok(send(api, "claude-sonnet-4-5", thinking=BUDGET, top_p=0.96, temperature=1))
    assert "less than or equal to 1" in rejected(send(api, "claude-sonnet-4-5", temperature=1.5))


def test_prefill(api: Api) -> None:
    for model in ("claude-opus-4-7", "claude-opus-5-5", "claude-sonnet-4-6", "claude-fable-5"):
        assert rejected(send(api, model, messages=PREFILL)) == PREFILL_MESSAGE
    ok(send(api, "claude-sonnet-4-5", messages=PREFILL))
    ok(send(api, "claude-opus-4-1", messages=PREFILL))


def test_output_limit_and_context_window(api: Api) -> None:
    message = rejected(send(api, "claude-sonnet-4-5", max_tokens=64001))
    assert (
        message
        == "max_tokens: 64001 > 64000, which is the maximum allowed number of output tokens for claude-sonnet-4-5"
    )
    ok(send(api, "claude-sonnet-4-5", max_tokens=64000))
    ok(send(api, "claude-opus-4-7", max_tokens=128000))
    huge = "x" * (4 * 200_001)
    message = rejected(send(api, "claude-sonnet-4-5", messages=[{"role": "user", "content": huge}]))
    assert message == "prompt is too long: 200001 tokens > 200000 maximum"
    ok(send(api, "claude-opus-4-7", messages=[{"role": "user", "content": huge}]))  # a 1M model


def test_a_model_without_rules_is_served_as_before() -> None:
    with (
        Emulator(deployments=("custom",), deployment_models={"custom": "gpt-9"}) as emu,
        httpx2.Client() as http,
    ):
        api = Api(emu, http)
        ok(send(api, "custom", thinking=BUDGET, temperature=1.0, messages=PREFILL, max_tokens=500_000))
        ok(send(api, "custom", thinking={"type": "adaptive"}, output_config={"effort": "max"}))


def test_the_answer_names_the_model_behind_the_deployment(api: Api) -> None:
    assert ok(send(api, "my-opus"))["model"] == "claude-opus-4-7"
    assert ok(send(api, "claude-sonnet-4-5"))["model"] == "claude-sonnet-4-5"


# --- thinking output ---------------------------------------------------------------------------


def test_always_on_thinking_with_the_display_omitted(api: Api) -> None:
    doc = ok(send(api, "claude-opus-5-5"))  # no thinking field: thinking still runs
    thinking, text = doc["content"]
    assert thinking["type"] == "thinking" and thinking["thinking"] == "" and len(thinking["signature"]) > 100
    assert text["type"] == "text" and text["text"].startswith("## Answer")
    shown = ok(send(api, "claude-opus-5-5", thinking={"type": "adaptive", "display": "summarized"}))
    assert shown["content"][0]["thinking"].startswith("The user wrote")
    assert shown["content"][0]["signature"] == thinking["signature"], "same thinking, only its text hidden"
    assert doc["usage"]["output_tokens"] == shown["usage"]["output_tokens"], (
        "omitted thinking is still billed"
    )
    plain = ok(send(api, "claude-opus-4-7"))  # adaptive is off by default on opus-4-7
    assert [b["type"] for b in plain["content"]] == ["text"]


def test_streamed_thinking_display(api: Api) -> None:
    def kinds(**fields: Any) -> list[str]:
        r = send(api, "claude-fable-5", stream=True, **fields)
        assert r.status_code == 200
        return [data["delta"]["type"] for name, data in parse_sse(r.text) if name == "content_block_delta"]

    omitted = kinds()
    assert (
        "thinking_delta" not in omitted and omitted.count("signature_delta") == 1 and "text_delta" in omitted
    )
    summarized = kinds(thinking={"type": "adaptive", "display": "summarized"})
    assert "thinking_delta" in summarized and summarized.count("signature_delta") == 1


# --- refusal -----------------------------------------------------------------------------------


def test_refusal_scenario(api: Api) -> None:
    api.emu.set_scenario("refusal")
    doc = ok(send(api, "claude-fable-5"))
    assert doc["stop_reason"] == "refusal" and doc["content"] == []
    assert doc["stop_details"]["type"] == "refusal" and doc["stop_details"]["category"] == "cyber"
    assert doc["usage"]["output_tokens"] == 0
    r = send(api, "claude-fable-5", stream=True)
    events = parse_sse(r.text)
    names = [name for name, _ in events]
    assert r.status_code == 200 and names[0] == "message_start" and names[-1] == "message_stop"
    assert "content_block_start" not in names
    delta = next(data for name, data in events if name == "message_delta")
    assert (
        delta["delta"]["stop_reason"] == "refusal" and delta["delta"]["stop_details"]["category"] == "cyber"
    )


# --- count_tokens ------------------------------------------------------------------------------


def test_count_tokens(api: Api) -> None:
    body = {
        "model": "claude-opus-4-7",
        "system": "s" * 400,
        "messages": [{"role": "user", "content": "q" * 800}],
    }
    r = api.post("/anthropic/v1/messages/count_tokens", body, headers=api.key_headers())
    assert r.status_code == 200 and r.json() == {"input_tokens": 300}
    sent = ok(send(api, "claude-opus-4-7", system=body["system"], messages=body["messages"]))
    assert sent["usage"]["input_tokens"] == 300, "the same count as a message"
    bad = {"model": "claude-opus-5-5", "thinking": {"type": "disabled"}, "messages": USER}
    r = api.post("/anthropic/v1/messages/count_tokens", bad, headers=api.key_headers())
    assert NOT_SUPPORTED.format(mode="disabled") in rejected(r)
    r = api.post(
        "/anthropic/v1/messages/count_tokens", {"model": "nope", "messages": USER}, headers=api.key_headers()
    )
    assert r.status_code == 404


# --- prompt caching ----------------------------------------------------------------------------

LONG = "Reference material. " * 400  # 8000 characters: 2000 tokens


def cached_system(ttl: str | None = None) -> list[dict[str, Any]]:
    control: dict[str, Any] = {"type": "ephemeral", **({"ttl": ttl} if ttl else {})}
    return [{"type": "text", "text": LONG, "cache_control": control}]


def usage(doc: dict[str, Any]) -> tuple[int, int, int, int, int]:
    u = doc["usage"]
    split = u["cache_creation"]
    return (
        u["input_tokens"], u["cache_creation_input_tokens"], u["cache_read_input_tokens"],
        split["ephemeral_5m_input_tokens"], split["ephemeral_1h_input_tokens"],
    )  # fmt: skip


def test_a_repeated_prefix_is_read_from_the_cache(api: Api) -> None:
    first = ok(
        send(api, "claude-sonnet-4-5", system=cached_system(), messages=[{"role": "user", "content": "one"}])
    )
    assert usage(first) == (0, 2000, 0, 2000, 0)
    second = ok(
        send(api, "claude-sonnet-4-5", system=cached_system(), messages=[{"role": "user", "content": "two!"}])
    )
    assert usage(second) == (1, 0, 2000, 0, 0), "the prefix is read; the new question is plain input"
    other = ok(
        send(api, "claude-opus-4-1", system=cached_system(), messages=[{"role": "user", "content": "one"}])
    )
    assert usage(other)[1:3] == (2000, 0), "the cache is per deployment (model)"
    with Emulator() as fresh, httpx2.Client() as http:
        again = ok(send(Api(fresh, http), "claude-sonnet-4-5", system=cached_system(), messages=USER))
        assert usage(again)[1:3] == (2000, 0), "the cache lives in one emulator instance"


def test_one_hour_breakpoints_and_the_ttl(api: Api) -> None:
    now = [1000.0]
    api.emu._service.clock = lambda: now[0]
    assert usage(ok(send(api, "claude-sonnet-4-5", system=cached_system("1h"))))[1:] == (2000, 0, 0, 2000)
    now[0] += 3000  # within the hour: read, and the entry's hour starts again
    assert usage(ok(send(api, "claude-sonnet-4-5", system=cached_system("1h"))))[1:3] == (0, 2000)
    now[0] += 3599
    assert usage(ok(send(api, "claude-sonnet-4-5", system=cached_system())))[1:3] == (0, 2000), (
        "a hit keeps its TTL"
    )
    other = [{"type": "text", "text": LONG + "!", "cache_control": {"type": "ephemeral"}}]
    assert usage(ok(send(api, "claude-sonnet-4-5", system=other)))[1:4] == (2000, 0, 2000), "5m write"
    now[0] += 299
    assert usage(ok(send(api, "claude-sonnet-4-5", system=other)))[1:3] == (0, 2000)
    now[0] += 301  # five minutes after the last read: gone
    assert usage(ok(send(api, "claude-sonnet-4-5", system=other)))[1:3] == (2000, 0)


def test_the_minimum_cacheable_prompt_is_per_model(api: Api) -> None:
    short = [{"type": "text", "text": "x" * 3000, "cache_control": {"type": "ephemeral"}}]  # 750 tokens
    for _ in range(2):
        assert usage(ok(send(api, "claude-sonnet-4-5", system=short)))[1:3] == (0, 0), (
            "below 1024: not cached"
        )
    assert usage(ok(send(api, "claude-fable-5", system=short)))[1] == 750, "512 is enough on fable-5"
    assert usage(ok(send(api, "claude-fable-5", system=short)))[2] == 750


def test_a_moving_breakpoint_in_a_conversation(api: Api) -> None:
    turn1: Any = [
        {"role": "user", "content": [{"type": "text", "text": LONG, "cache_control": {"type": "ephemeral"}}]}
    ]
    assert usage(ok(send(api, "claude-opus-5-5", messages=turn1)))[1:3] == (2000, 0)
    turn2: Any = [
        {"role": "user", "content": [{"type": "text", "text": LONG}]},
        {"role": "assistant", "content": "A" * 400},
        {
            "role": "user",
            "content": [{"type": "text", "text": "B" * 400, "cache_control": {"type": "ephemeral"}}],
        },
    ]
    # turn 1's breakpoint stays and a new one ends turn 2: turn 1's prefix is read, the rest written
    turn2[0]["content"][0]["cache_control"] = {"type": "ephemeral"}
    assert usage(ok(send(api, "claude-opus-5-5", messages=turn2)))[:3] == (0, 200, 2000)


def test_automatic_caching_and_breakpoint_validation(api: Api) -> None:
    body: Any = {"system": LONG, "cache_control": {"type": "ephemeral"}}
    assert usage(ok(send(api, "claude-opus-4-7", **body)))[1] == 0, "below opus-4-7's minimum of 4096"
    assert usage(ok(send(api, "claude-opus-5-5", **body)))[1] == 2000
    assert usage(ok(send(api, "claude-opus-5-5", **body)))[2] == 2000
    five = [{"type": "text", "text": "p", "cache_control": {"type": "ephemeral"}} for _ in range(5)]
    assert "A maximum of 4 blocks with cache_control" in rejected(send(api, "claude-opus-4-7", system=five))
    bad = [{"type": "text", "text": "p", "cache_control": {"type": "ephemeral", "ttl": "2h"}}]
    assert "Input should be '5m' or '1h'" in rejected(send(api, "claude-opus-4-7", system=bad))
    assert usage(ok(send(api, "claude-opus-4-7")))[1:] == (0, 0, 0, 0), "no breakpoint: no cache fields set"
