"""catalog.rules: the wanted settings + a catalog row -> the exact wire fields, or a refusal.

Table-driven over every catalog model and every thinking / effort / sampling / prefill / display
combination, cross-checked against the emulator's enforcement of the same rules (its validator is
called in-process): a plan's body is always accepted, and the body a refused combination would
have sent "as asked" is always rejected with a 400. So fclaude never meets a 400 it could have
predicted, and never refuses what the service would take.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from foundry_cli.catalog import ModelInfo, find_model, load_catalog
from foundry_cli.catalog.rules import (
    Plan,
    Refusal,
    Wanted,
    effort_for_budget,
    nearest_effort,
    plan_request,
)
from foundry_cli.emulator.messages import parse_request
from foundry_cli.emulator.model_rules import rules_for
from foundry_cli.emulator.wire import InvalidRequest

THINKING: list[Any] = [None, "adaptive", "off", 2048, 8192, 20000]
EFFORTS: list[Any] = [None, "low", "medium", "high", "xhigh", "max"]
TEMPERATURES: list[Any] = [None, 0.3, 1.0]
TOP_PS: list[Any] = [None, 0.9, 0.97, 0.99]
MAX_TOKENS = 32000  # within every model's output limit


def _m(model_id: str) -> ModelInfo:
    found = find_model(model_id)
    assert found is not None
    return found


def _messages(prefill: bool) -> list[dict[str, Any]]:
    turns: list[dict[str, Any]] = [{"role": "user", "content": "hi"}]
    return [*turns, {"role": "assistant", "content": "Sure:"}] if prefill else turns


def _body(model: ModelInfo, fields: dict[str, object], prefill: bool, max_tokens: int) -> dict[str, object]:
    return {"model": model.id, "max_tokens": max_tokens, "messages": _messages(prefill), **fields}


def _as_asked(wanted: Wanted) -> dict[str, object]:
    """What a client without the rules sends (off = the 2025 way, an explicit disabled)."""
    fields: dict[str, object] = {}
    if wanted.thinking == "adaptive":
        fields["thinking"] = {"type": "adaptive"}
    elif wanted.thinking == "off":
        fields["thinking"] = {"type": "disabled"}
    elif isinstance(wanted.thinking, int):
        fields["thinking"] = {"type": "enabled", "budget_tokens": wanted.thinking}
    if wanted.effort is not None:
        fields["output_config"] = {"effort": wanted.effort}
    if wanted.temperature is not None:
        fields["temperature"] = wanted.temperature
    if wanted.top_p is not None:
        fields["top_p"] = wanted.top_p
    return fields


def _service_accepts(model: ModelInfo, body: dict[str, object]) -> tuple[bool, str]:
    try:
        parse_request(body, model.id, rules_for(model.id))
    except InvalidRequest as exc:
        return False, exc.message
    return True, ""


@pytest.mark.parametrize("model", load_catalog(), ids=lambda m: m.id)
def test_every_combination_is_sent_right_or_refused_before_sending(model: ModelInfo) -> None:
    assert rules_for(model.id) is not None, "the emulator reads the same catalog"
    combos = itertools.product(THINKING, EFFORTS, TEMPERATURES, TOP_PS, (False, True), (False, True))
    counts = {"plan": 0, "refusal": 0}
    for thinking, effort, temperature, top_p, prefill, show in combos:
        wanted = Wanted(thinking, effort, temperature, top_p, MAX_TOKENS, prefill, show)
        result = plan_request(model, wanted)
        if isinstance(result, Plan):
            counts["plan"] += 1
            accepted, message = _service_accepts(model, _body(model, result.fields, prefill, MAX_TOKENS))
            assert accepted, f"{wanted}: planned {result.fields} but the service says {message!r}"
            if thinking == "off" and model.thinking_off == "none":
                assert "thinking" not in result.fields or show, "off on an always-on model omits the field"
                assert result.notes, "and says so"
        else:
            counts["refusal"] += 1
            assert isinstance(result, Refusal) and result.model == model.id and result.instead
            assert result.row in {"thinking-mode", "sampling-unsupported", "max-tokens-range"}
            accepted, _ = _service_accepts(model, _body(model, _as_asked(wanted), prefill, MAX_TOKENS))
            assert not accepted, f"{wanted}: refused ({result}) but the service would have accepted it"
    assert counts["plan"] > 0 and counts["refusal"] > 0


@pytest.mark.parametrize("model", load_catalog(), ids=lambda m: m.id)
def test_the_output_limit(model: ModelInfo) -> None:
    over = plan_request(model, Wanted(max_tokens=model.max_output_tokens + 1))
    assert isinstance(over, Refusal) and over.rule == "max_tokens" and over.row == "max-tokens-range"
    assert over.instead == f"--max-tokens {model.max_output_tokens} (or lower)"
    assert isinstance(plan_request(model, Wanted(max_tokens=model.max_output_tokens)), Plan)


# --- the documented decisions, exactly -----------------------------------------------------------


def test_a_budget_on_an_adaptive_only_model_is_refused_with_the_exact_alternative() -> None:
    for model_id in ("claude-opus-4-7", "claude-opus-5-5", "claude-fable-5", "claude-mythos-preview"):
        for budget, effort in ((2048, "low"), (8192, "medium"), (20000, "high")):
            refused = plan_request(_m(model_id), Wanted(thinking=budget, max_tokens=32000))
            assert isinstance(refused, Refusal)
            assert refused.rule == "thinking.enabled" and refused.row == "thinking-mode"
            assert refused.instead == f"--thinking adaptive --effort {effort}"
            assert model_id in refused.message and "budget" in refused.message
            assert str(refused).endswith(f"Use --thinking adaptive --effort {effort}.")


def test_a_budget_where_enabled_is_accepted() -> None:
    for model_id in ("claude-sonnet-4-5", "claude-opus-4-6", "claude-sonnet-4-6"):
        plan = plan_request(_m(model_id), Wanted(thinking=2048))
        assert isinstance(plan, Plan) and plan.fields == {
            "thinking": {"type": "enabled", "budget_tokens": 2048}
        }
        assert plan.thinking_on is True
    low = plan_request(_m("claude-sonnet-4-5"), Wanted(thinking=1000))
    high = plan_request(_m("claude-sonnet-4-5"), Wanted(thinking=4096, max_tokens=4096))
    for refused in (low, high):
        assert isinstance(refused, Refusal) and refused.rule == "budget" and refused.row == "max-tokens-range"


@pytest.mark.parametrize(
    ("model_id", "fields", "thinking_on", "noted"),
    [
        ("claude-sonnet-4-5", {}, False, False),  # off by default: nothing to send
        ("claude-opus-4-7", {}, False, False),
        ("claude-opus-5-5", {}, True, True),  # always on: the field is omitted, never "disabled"
        ("claude-fable-5", {}, True, True),
        ("claude-opus-5", {"thinking": {"type": "disabled"}}, False, False),  # on by default: turned off
        ("claude-sonnet-5", {"thinking": {"type": "disabled"}}, False, False),
        ("claude-sonnet-5-5", {"thinking": {"type": "between_tools"}}, False, False),
    ],
)
def test_thinking_off(model_id: str, fields: dict[str, object], thinking_on: bool, noted: bool) -> None:
    plan = plan_request(_m(model_id), Wanted(thinking="off"))
    assert isinstance(plan, Plan) and plan.fields == fields and plan.thinking_on is thinking_on
    assert bool(plan.notes) is noted


def test_thinking_off_above_the_effort_limit() -> None:
    refused = plan_request(_m("claude-opus-5"), Wanted(thinking="off", effort="xhigh"))
    assert isinstance(refused, Refusal) and refused.rule == "thinking.disabled"
    assert refused.instead == "--thinking off --effort high, or drop --thinking off"
    plan = plan_request(_m("claude-opus-5"), Wanted(thinking="off", effort="medium"))
    assert isinstance(plan, Plan)
    assert plan.fields == {"thinking": {"type": "disabled"}, "output_config": {"effort": "medium"}}


def test_adaptive_and_effort_and_the_display() -> None:
    plan = plan_request(_m("claude-opus-4-7"), Wanted(thinking="adaptive", effort="xhigh"))
    assert isinstance(plan, Plan)
    assert plan.fields == {"thinking": {"type": "adaptive"}, "output_config": {"effort": "xhigh"}}
    shown = plan_request(_m("claude-opus-4-7"), Wanted(thinking="adaptive", show_thinking=True))
    assert isinstance(shown, Plan) and shown.fields == {
        "thinking": {"type": "adaptive", "display": "summarized"}
    }
    # always-on with the display omitted by default: --show-thinking alone asks for the summary
    fable = plan_request(_m("claude-fable-5"), Wanted(show_thinking=True))
    assert isinstance(fable, Plan) and fable.fields == {
        "thinking": {"type": "adaptive", "display": "summarized"}
    }
    # the display already defaults to summarized: nothing extra
    opus46 = plan_request(_m("claude-opus-4-6"), Wanted(thinking="adaptive", show_thinking=True))
    assert isinstance(opus46, Plan) and opus46.fields == {"thinking": {"type": "adaptive"}}
    # thinking off unless asked: --show-thinking alone turns nothing on
    quiet = plan_request(_m("claude-opus-4-7"), Wanted(show_thinking=True))
    assert isinstance(quiet, Plan) and quiet.fields == {} and quiet.thinking_on is False
    old = plan_request(_m("claude-sonnet-4-5"), Wanted(thinking="adaptive"))
    assert (
        isinstance(old, Refusal)
        and old.rule == "thinking.adaptive"
        and old.instead.startswith("--thinking N")
    )


def test_effort_levels() -> None:
    none = plan_request(_m("claude-sonnet-4-5"), Wanted(effort="high"))
    assert isinstance(none, Refusal) and none.rule == "effort" and none.instead.startswith("--thinking N")
    missing = plan_request(_m("claude-opus-4-6"), Wanted(effort="xhigh"))
    assert isinstance(missing, Refusal) and missing.instead == "--effort high"
    assert nearest_effort("xhigh", ("low", "medium", "high", "max")) == "high"
    assert nearest_effort("low", ("medium", "high")) == "medium"
    assert nearest_effort("max", ()) is None
    assert [effort_for_budget(b) for b in (1024, 4095, 4096, 16383, 16384)] == [
        "low",
        "low",
        "medium",
        "medium",
        "high",
    ]
    unknown = plan_request(_m("claude-opus-4-7"), Wanted(effort="turbo"))
    assert isinstance(unknown, Refusal) and unknown.rule == "effort"


def test_sampling() -> None:
    removed = plan_request(_m("claude-opus-4-7"), Wanted(temperature=0.3))
    assert (
        isinstance(removed, Refusal)
        and removed.rule == "temperature"
        and removed.row == "sampling-unsupported"
    )
    assert removed.instead == "no --temperature"
    top_p = plan_request(_m("claude-opus-4-7"), Wanted(top_p=0.9))
    assert isinstance(top_p, Refusal) and top_p.instead == "no --top-p (or --top-p 0.99, its default)"
    defaults = plan_request(_m("claude-opus-4-7"), Wanted(temperature=1.0, top_p=0.99))
    assert isinstance(defaults, Plan) and defaults.fields == {} and len(defaults.notes) == 2
    kept = plan_request(_m("claude-sonnet-4-5"), Wanted(temperature=0.3, top_p=0.9))
    assert isinstance(kept, Plan) and kept.fields == {"temperature": 0.3, "top_p": 0.9}
    with_thinking = plan_request(_m("claude-sonnet-4-5"), Wanted(thinking=2048, temperature=0.3))
    assert isinstance(with_thinking, Refusal) and "thinking is on" in with_thinking.message
    assert isinstance(plan_request(_m("claude-sonnet-4-5"), Wanted(thinking=2048, top_p=0.97)), Plan)
    out_of_range = plan_request(_m("claude-sonnet-4-5"), Wanted(temperature=1.5))
    assert isinstance(out_of_range, Refusal) and out_of_range.rule == "temperature"


def test_prefill() -> None:
    refused = plan_request(_m("claude-opus-4-6"), Wanted(prefill=True))
    assert (
        isinstance(refused, Refusal) and refused.rule == "prefill" and refused.row == "sampling-unsupported"
    )
    assert isinstance(plan_request(_m("claude-sonnet-4-5"), Wanted(prefill=True)), Plan)


def test_an_unknown_model_is_sent_as_asked() -> None:
    plan = plan_request(None, Wanted(thinking=2048, effort="max", temperature=0.3, top_p=0.5, prefill=True))
    assert isinstance(plan, Plan) and plan.fields == {
        "thinking": {"type": "enabled", "budget_tokens": 2048},
        "output_config": {"effort": "max"},
        "temperature": 0.3,
        "top_p": 0.5,
    }
    adaptive = plan_request(None, Wanted(thinking="adaptive", show_thinking=True))
    assert isinstance(adaptive, Plan) and adaptive.fields == {
        "thinking": {"type": "adaptive", "display": "summarized"}
    }
    off = plan_request(None, Wanted(thinking="off"))
    assert isinstance(off, Plan) and off.fields == {} and off.thinking_on is None
    bad = plan_request(None, Wanted(thinking=100))
    assert isinstance(bad, Refusal) and bad.model == "?"
