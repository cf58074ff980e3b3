"""The rows of the 2026 request rules (issue 10): thinking-mode, sampling-unsupported, feature-unsupported.

Each is recognised from the service's own 400 wordings (quoted in public issue threads, each with its
source) and from every 400 the emulator gives for a broken rule (produced here by the emulator's own
validation, so a changed emulator wording is caught), ranked first, with a fix that names the flag.
"""

from __future__ import annotations

import json

import pytest

from foundry_cli.doctor.classify import classify, classify_http, classify_text
from foundry_cli.doctor.rows import row
from foundry_cli.emulator.messages import check_rules
from foundry_cli.emulator.model_rules import rules_for
from foundry_cli.emulator.wire import InvalidRequest
from foundry_cli.errors import ApiError, UsageError

#: the service's wordings, as users pasted them (source in the comment)
SERVICE_WORDINGS = [
    # anomalyco/opencode#22863, microsoft/vscode#320605 (Opus 4.7 / 4.8)
    (
        '"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and '
        '"output_config.effort" to control thinking behavior.',
        "thinking-mode",
    ),
    # freecodexyz/free-code#32: Claude Code's line, the body JSON-escaped and wrapped by the terminal
    (
        'API Error: 400 {"type":"error","request_id":"req_b7jesh7znqogylzc7fgoqj37vx3f",'
        '"error":{"type":"invalid_request_error","message":"\n     \\"thinking.type.enabled\\" is not '
        'supported for this model. Use               \n     \\"thinking.type.adaptive\\" and '
        '\\"output_config.effort\\" to control thinking  \n     behavior."}}',
        "thinking-mode",
    ),
    # NanmiCoder/cc-haha#437: the quotes lost on the way
    ("thinking.type.enabled`is not supported for this model.", "thinking-mode"),
    # Kilo-Org/kilocode#10732: Bedrock quotes the same rule (a model's rule wherever it is hosted)
    (
        'The model returned the following errors: "thinking.type.enabled" is not supported for this '
        'model. Use "thinking.type.adaptive" and "output_config.effort" to control thinking behavior. '
        "x-amzn-errortype: ValidationException bedrock-runtime.us-east-1.amazonaws.com",
        "thinking-mode",
    ),
    # Comfy-Org/ComfyUI#13923, sipeed/picoclaw#2939 (Opus 4.7 removed the sampling parameters)
    (
        "API Error: `temperature` is deprecated for this model. (Type: invalid_request_error)",
        "sampling-unsupported",
    ),
    (
        '{"error":{"code":"invalid_request_error","message":"temperature is deprecated for this model.",'
        '"type":"invalid_request_error"}}',
        "sampling-unsupported",
    ),
    # reference §10 (a third-party report of Azure-hosted deployments)
    ("400 structured_outputs not supported in your workspace.", "feature-unsupported"),
]


@pytest.mark.parametrize(("text", "rid"), SERVICE_WORDINGS)
def test_the_services_wordings_name_the_row(text: str, rid: str) -> None:
    found = classify_text(text)
    assert found and found[0].id == rid, [r.id for r in found]


def _emulator_400(model: str, **body: object) -> str:
    """The message of the 400 the emulator answers ``body`` with on a deployment of ``model``."""
    rules = rules_for(model)
    assert rules is not None, model
    request: dict[str, object] = {"messages": [{"role": "user", "content": "hi"}], **body}
    with pytest.raises(InvalidRequest) as caught:
        check_rules(request, rules, int(str(body.get("max_tokens", 1024))))
    return caught.value.message


#: every rule the emulator enforces for thinking, effort, sampling and prefill: (model, body, row)
EMULATOR_CASES = [
    (
        "claude-opus-4-7",
        {"thinking": {"type": "enabled", "budget_tokens": 2048}, "max_tokens": 4096},
        "thinking-mode",
    ),
    ("claude-sonnet-4-5", {"thinking": {"type": "adaptive"}}, "thinking-mode"),
    ("claude-fable-5", {"thinking": {"type": "disabled"}}, "thinking-mode"),
    ("claude-sonnet-4-5", {"output_config": {"effort": "high"}}, "thinking-mode"),
    ("claude-opus-4-7", {"output_config": {"effort": "turbo"}}, "thinking-mode"),
    ("claude-opus-4-7", {"temperature": 0.3}, "sampling-unsupported"),
    ("claude-opus-4-7", {"top_p": 0.5}, "sampling-unsupported"),
    ("claude-opus-4-7", {"temperature": 0.5, "top_p": 0.99}, "sampling-unsupported"),
    (
        "claude-sonnet-4-5",
        {"thinking": {"type": "enabled", "budget_tokens": 1024}, "max_tokens": 4096, "temperature": 0.3},
        "sampling-unsupported",
    ),
    (
        "claude-sonnet-4-5",
        {"thinking": {"type": "enabled", "budget_tokens": 1024}, "max_tokens": 4096, "top_k": 5},
        "sampling-unsupported",
    ),
    (
        "claude-sonnet-4-5",
        {"thinking": {"type": "enabled", "budget_tokens": 1024}, "max_tokens": 4096, "top_p": 0.5},
        "sampling-unsupported",
    ),
    (
        "claude-opus-4-7",
        {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "Sure"}]},
        "sampling-unsupported",
    ),
]


@pytest.mark.parametrize(("model", "body", "rid"), EMULATOR_CASES)
def test_every_emulator_rule_400_names_the_row(model: str, body: dict[str, object], rid: str) -> None:
    message = _emulator_400(model, **body)
    assert classify_http(400, "invalid_request_error", message) is row(rid), message
    # as ask and chat meet it: an ApiError carrying the 400
    assert classify(ApiError(message, status=400, code="invalid_request_error")) is row(rid)
    # and as pasted whole: the service's invalid_request_error body
    pasted = json.dumps({"type": "error", "error": {"type": "invalid_request_error", "message": message}})
    assert classify_text(pasted)[0] is row(rid), pasted


def test_the_turn_off_limit_of_a_model_names_thinking_mode() -> None:
    """Thinking off above the model's effort limit (reference §10: disabled + xhigh is a 400)."""
    rules = [r for m in ("claude-opus-5", "claude-opus-5-5", "claude-sonnet-5") if (r := rules_for(m))]
    limited = [r for r in rules if r.thinking_off_max_effort and "disabled" in r.thinking]
    assert limited, "the catalog has a model that turns thinking off only up to an effort"
    model = limited[0]
    message = _emulator_400(model.id, thinking={"type": "disabled"}, output_config={"effort": "max"})
    assert classify_http(400, "invalid_request_error", message) is row("thinking-mode"), message


def test_rows_are_request_failures_with_a_fix_naming_the_flag() -> None:
    """A 400 from the service is a failed request (exit 1); the same rule refused before sending is a
    usage error (exit 2) that names the same row."""
    for rid in ("thinking-mode", "sampling-unsupported", "feature-unsupported"):
        r = row(rid)
        assert r.exit_code == 1 and r.cause and r.statuses == (400,)
    assert "--thinking adaptive --effort" in row("thinking-mode").fix
    assert "FCLAUDE_THINKING" in row("thinking-mode").fix and "FCLAUDE_EFFORT" in row("thinking-mode").fix
    assert "--temperature" in row("sampling-unsupported").fix
    assert "--thinking off" in row("sampling-unsupported").fix
    assert "hosting" in row("feature-unsupported").fix
    refused = UsageError("claude-opus-4-7 does not accept a thinking budget", row="thinking-mode")
    assert classify(refused) is row("thinking-mode")


@pytest.mark.parametrize(
    "text",
    [
        "`max_tokens` must be greater than `thinking.budget_tokens`",  # max-tokens-range
        "Expected `thinking` or `redacted_thinking`, but found `text`.",  # thinking-tools
        "prompt is too long: 210000 tokens > 200000 maximum",  # prompt-too-long
    ],
)
def test_neighbouring_rows_keep_their_wordings(text: str) -> None:
    found = classify_text(text)
    assert found and found[0].id not in ("thinking-mode", "sampling-unsupported", "feature-unsupported")
