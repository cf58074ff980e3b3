"""The official ``anthropic`` SDK parses everything the emulator sends on /anthropic."""

from __future__ import annotations

import time
from typing import Any

import anthropic
import pytest

from foundry_cli.emulator import DEFAULT_API_KEY, Emulator, answer_text, mint_jwt

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # SDK: claude-sonnet-4-5 EOL notice

MODEL = "claude-sonnet-4-5"
PROMPT = "Explain Foundry endpoints\nand a second line that is not quoted"
MESSAGES: Any = [{"role": "user", "content": PROMPT}]
THINKING: Any = {"type": "enabled", "budget_tokens": 2048}


def foundry(emu: Emulator, **kwargs: Any) -> anthropic.AnthropicFoundry:
    kwargs.setdefault("api_key", DEFAULT_API_KEY)
    kwargs.setdefault("max_retries", 0)
    return anthropic.AnthropicFoundry(base_url=emu.base_url + "/anthropic/", **kwargs)


def test_create_returns_the_deterministic_answer(emu: Emulator) -> None:
    with foundry(emu) as client:
        message = client.messages.create(model=MODEL, max_tokens=1024, messages=MESSAGES)
    assert message.content[0].type == "text"
    assert message.content[0].text == answer_text(PROMPT, 1)
    assert message.model == MODEL
    assert message.stop_reason == "end_turn"
    assert message.id.startswith("msg_01") and len(message.id) == 28
    assert message.usage.input_tokens == len(PROMPT) // 4
    assert message.usage.output_tokens > 50
    sent = emu.requests[-1]
    assert sent.headers["x-api-key"] == DEFAULT_API_KEY and sent.headers["api-key"] == DEFAULT_API_KEY
    assert sent.json == {"model": MODEL, "max_tokens": 1024, "messages": MESSAGES}


def test_stream_text_and_final_message(emu: Emulator) -> None:
    with (
        foundry(emu) as client,
        client.messages.stream(model=MODEL, max_tokens=1024, messages=MESSAGES) as stream,
    ):
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == answer_text(PROMPT, 1)
    assert final.content[0].type == "text" and final.content[0].text == text
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens > 50


def test_thinking_stream_has_a_signed_thinking_block(emu: Emulator) -> None:
    with foundry(emu) as client:
        with client.messages.stream(
            model=MODEL, max_tokens=4096, thinking=THINKING, messages=MESSAGES
        ) as stream:
            kinds = [event.type for event in stream]
            final = stream.get_final_message()
        plain = client.messages.create(model=MODEL, max_tokens=4096, thinking=THINKING, messages=MESSAGES)
    for message in (final, plain):
        thinking, text = message.content
        assert thinking.type == "thinking" and thinking.thinking.startswith("The user wrote")
        assert len(thinking.signature) > 100
        assert text.type == "text" and text.text == answer_text(PROMPT, 1)
    assert "thinking" in kinds and "signature" in kinds and "text" in kinds


def test_second_turn_with_thinking_blocks_sent_back(emu: Emulator) -> None:
    with foundry(emu) as client:
        first = client.messages.create(model=MODEL, max_tokens=4096, thinking=THINKING, messages=MESSAGES)
        history: Any = [
            *MESSAGES,
            {"role": "assistant", "content": [block.to_dict() for block in first.content]},
            {"role": "user", "content": [{"type": "text", "text": "and now?"}]},
        ]
        second = client.messages.create(model=MODEL, max_tokens=4096, thinking=THINKING, messages=history)
    assert second.content[1].type == "text"
    assert second.content[1].text == answer_text("and now?", 2)
    assert "This is turn 2." in second.content[1].text


def test_bearer_token_from_an_azure_ad_provider(emu: Emulator) -> None:
    def provider() -> str:
        return mint_jwt(aud="https://cognitiveservices.azure.com", exp=int(time.time()) + 600)

    with anthropic.AnthropicFoundry(
        base_url=emu.base_url + "/anthropic/", azure_ad_token_provider=provider, max_retries=0
    ) as client:
        message = client.messages.create(model=MODEL, max_tokens=64, messages=MESSAGES)
    assert message.content[0].type == "text"
    assert emu.requests[-1].headers["authorization"].startswith("Bearer ey")


def test_plain_client_needs_the_key_in_x_api_key(emu: Emulator) -> None:
    # anthropic 2.14's plain client sends api_key as "Authorization: Bearer <key>", which
    # Foundry rejects like any non-JWT bearer value; an explicit x-api-key header works.
    base = emu.base_url + "/anthropic"
    with (
        anthropic.Anthropic(base_url=base, api_key=DEFAULT_API_KEY, max_retries=0) as client,
        pytest.raises(anthropic.AuthenticationError) as info,
    ):
        client.messages.create(model=MODEL, max_tokens=64, messages=MESSAGES)
    assert info.value.status_code == 401
    assert isinstance(info.value.body, dict) and info.value.body["statusCode"] == 401
    headers = {"x-api-key": DEFAULT_API_KEY}
    with anthropic.Anthropic(
        base_url=base, api_key=DEFAULT_API_KEY, max_retries=0, default_headers=headers
    ) as client:
        message = client.messages.create(model=MODEL, max_tokens=64, messages=MESSAGES)
    assert message.content[0].type == "text" and message.content[0].text == answer_text(PROMPT, 1)


def test_key_invalid_is_an_authentication_error(emu: Emulator) -> None:
    emu.set_scenario("key-invalid")
    with foundry(emu) as client, pytest.raises(anthropic.AuthenticationError) as info:
        client.messages.create(model=MODEL, max_tokens=64, messages=MESSAGES)
    assert info.value.status_code == 401
    assert info.value.request_id is not None and info.value.request_id.startswith("req_011C")


def test_deployment_not_found_is_a_not_found_error(emu: Emulator) -> None:
    with foundry(emu) as client, pytest.raises(anthropic.NotFoundError) as info:
        client.messages.create(model="claude-nope", max_tokens=64, messages=MESSAGES)
    body: Any = info.value.body
    assert body["error"]["code"] == "DeploymentNotFound"


def test_rate_limit_is_retried_after_retry_after(emu: Emulator) -> None:
    emu.set_scenario("rate-limit:1")
    start = time.monotonic()
    with foundry(emu, max_retries=1) as client:
        message = client.messages.create(model=MODEL, max_tokens=64, messages=MESSAGES)
    assert message.content[0].type == "text"
    assert len(emu.requests) == 2
    assert emu.requests[1].headers["x-stainless-retry-count"] == "1"
    assert time.monotonic() - start >= 0.9  # honoured retry-after: 1


def test_overloaded_is_an_overloaded_error(emu: Emulator) -> None:
    emu.set_scenario("overloaded")
    with foundry(emu) as client, pytest.raises(anthropic.InternalServerError) as info:
        client.messages.create(model=MODEL, max_tokens=64, messages=MESSAGES)
    assert info.value.status_code == 529


def test_overloaded_midstream_raises_during_iteration(emu: Emulator) -> None:
    emu.set_scenario("overloaded-midstream")
    received: list[str] = []
    with (
        foundry(emu) as client,
        client.messages.stream(model=MODEL, max_tokens=64, messages=MESSAGES) as stream,
        pytest.raises(anthropic.APIStatusError) as info,
    ):
        received.extend(stream.text_stream)
    assert len(received) == 20
    assert "overloaded_error" in str(info.value)


# --- the 2026 protocol: count_tokens, prompt-cache usage, refusal, adaptive thinking, model rules ----

LONG = "Reference material. " * 400  # 8000 characters: 2000 tokens in the emulator's estimate
CACHED_SYSTEM: Any = [{"type": "text", "text": LONG, "cache_control": {"type": "ephemeral", "ttl": "1h"}}]


def test_count_tokens(emu: Emulator) -> None:
    with foundry(emu) as client:
        counted = client.messages.count_tokens(model=MODEL, system="s" * 400, messages=MESSAGES)
        message = client.messages.create(model=MODEL, max_tokens=64, system="s" * 400, messages=MESSAGES)
    assert counted.input_tokens == (400 + len(PROMPT)) // 4 == message.usage.input_tokens
    sent = emu.requests[0]
    assert sent.path == "/anthropic/v1/messages/count_tokens" and "max_tokens" not in sent.json  # type: ignore[operator]


def test_prompt_cache_usage_fields(emu: Emulator) -> None:
    with foundry(emu) as client:
        first = client.messages.create(model=MODEL, max_tokens=64, system=CACHED_SYSTEM, messages=MESSAGES)
        with client.messages.stream(model=MODEL, max_tokens=64, system=CACHED_SYSTEM, messages=MESSAGES) as s:
            second = s.get_final_message()
    assert first.usage.cache_creation_input_tokens == 2000 and first.usage.cache_read_input_tokens == 0
    assert first.usage.cache_creation is not None
    assert first.usage.cache_creation.ephemeral_1h_input_tokens == 2000
    assert first.usage.cache_creation.ephemeral_5m_input_tokens == 0
    assert first.usage.input_tokens == (len(LONG) + len(PROMPT)) // 4 - 2000
    assert second.usage.cache_read_input_tokens == 2000 and second.usage.cache_creation_input_tokens == 0
    assert second.usage.input_tokens == first.usage.input_tokens and second.usage.output_tokens > 50


def test_refusal_is_a_200_with_stop_reason_refusal(emu: Emulator) -> None:
    emu.set_scenario("refusal")
    with foundry(emu) as client:
        message = client.messages.create(model="claude-fable-5", max_tokens=1024, messages=MESSAGES)
        with client.messages.stream(model="claude-fable-5", max_tokens=1024, messages=MESSAGES) as stream:
            text = "".join(stream.text_stream)
            final = stream.get_final_message()
    for answer in (message, final):
        assert answer.stop_reason == "refusal" and answer.content == []
        assert answer.stop_details is not None and answer.stop_details.category == "cyber"
    assert text == ""


def test_adaptive_thinking_and_its_display(emu: Emulator) -> None:
    with foundry(emu) as client:
        default = client.messages.create(model="claude-opus-5-5", max_tokens=4096, messages=MESSAGES)
        with client.messages.stream(
            model="claude-opus-5-5",
            max_tokens=4096,
            thinking={"type": "adaptive", "display": "summarized"},
            output_config={"effort": "high"},
            messages=MESSAGES,
        ) as stream:
            shown = stream.get_final_message()
    thinking, text = default.content
    assert thinking.type == "thinking" and thinking.thinking == "" and len(thinking.signature) > 100
    assert text.type == "text" and text.text == answer_text(PROMPT, 1)
    shown_thinking = shown.content[0]
    assert shown_thinking.type == "thinking" and shown_thinking.thinking.startswith("The user wrote")
    assert shown_thinking.signature == thinking.signature
    assert emu.requests[-1].json["output_config"] == {"effort": "high"}  # type: ignore[index]


@pytest.mark.parametrize(
    ("model", "kwargs", "message"),
    [
        (
            "claude-opus-4-7",
            {"thinking": THINKING},
            '"thinking.type.enabled" is not supported for this model',
        ),
        ("claude-opus-5-5", {"thinking": {"type": "disabled"}}, '"thinking.type.disabled" is not supported'),
        (MODEL, {"thinking": {"type": "adaptive"}}, '"thinking.type.adaptive" is not supported'),
        # anthropic 2.14 no longer has sampling parameters in create(): sent as extra body fields
        (
            "claude-opus-4-7",
            {"extra_body": {"temperature": 0.2}},
            "`temperature` is not supported for this model",
        ),
        ("claude-fable-5", {"extra_body": {"top_k": 5}}, "`top_k` is not supported for this model"),
        (MODEL, {"output_config": {"effort": "high"}}, '"output_config.effort" is not supported'),
        (
            MODEL,
            {"thinking": THINKING, "extra_body": {"temperature": 0.2}},
            "`temperature` may only be set to 1",
        ),
        # an explicit timeout lifts the SDK's own refusal of large non-streaming max_tokens
        ("claude-opus-4-7", {"max_tokens": 128001, "timeout": 30}, "128001 > 128000, which is the maximum"),
        (
            "claude-opus-5-5",
            {"messages": [*MESSAGES, {"role": "assistant", "content": "Sure:"}]},
            "does not support assistant message prefill",
        ),
    ],
)
def test_each_rule_is_a_bad_request_error(
    emu: Emulator, model: str, kwargs: dict[str, Any], message: str
) -> None:
    kwargs = {"max_tokens": 4096, "messages": MESSAGES, **kwargs}
    with foundry(emu) as client, pytest.raises(anthropic.BadRequestError) as info:
        client.messages.create(model=model, **kwargs)
    assert info.value.status_code == 400 and message in info.value.message
    body: Any = info.value.body
    assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error"
    assert info.value.request_id is not None and info.value.request_id.startswith("req_011C")
