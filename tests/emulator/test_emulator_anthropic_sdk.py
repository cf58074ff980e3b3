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
