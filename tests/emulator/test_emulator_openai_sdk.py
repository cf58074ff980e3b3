"""The official ``openai`` SDK parses everything the emulator sends on the Responses routes."""

from __future__ import annotations

import time
from typing import Any

import openai
import pytest

from foundry_cli.emulator import DEFAULT_API_KEY, Emulator, answer_text, mint_jwt

MODEL = "claude-sonnet-4-5"
PREVIEW = "2025-11-15-preview"
REASONING: Any = {"effort": "low", "summary": "auto"}


def azure(emu: Emulator, **kwargs: Any) -> openai.AzureOpenAI:
    kwargs.setdefault("max_retries", 0)
    return openai.AzureOpenAI(
        api_key=DEFAULT_API_KEY,
        api_version=PREVIEW,
        azure_endpoint=emu.base_url + "/api/projects/demo",
        **kwargs,
    )


def v1(emu: Emulator, aud: str = "https://ai.azure.com") -> openai.OpenAI:
    token = mint_jwt(aud=aud, exp=int(time.time()) + 3600)
    return openai.OpenAI(base_url=emu.base_url + "/api/projects/demo/openai/v1", api_key=token, max_retries=0)


def test_create_returns_the_deterministic_answer(emu: Emulator) -> None:
    with azure(emu) as client:
        response = client.responses.create(model=MODEL, input="hi")
    assert response.output_text == answer_text("hi", 1)
    assert response.status == "completed" and response.model == MODEL
    assert response.id.startswith("resp_") and len(response.id) == 5 + 48
    assert response.usage is not None and response.usage.output_tokens > 50
    assert response.usage.total_tokens == response.usage.input_tokens + response.usage.output_tokens
    sent = emu.requests[-1]
    assert sent.path == "/api/projects/demo/openai/responses"
    assert sent.query == {"api-version": PREVIEW}
    assert sent.headers["api-key"] == DEFAULT_API_KEY


def test_stream_deltas_and_completed_usage(emu: Emulator) -> None:
    with azure(emu) as client:
        events = list(client.responses.create(model=MODEL, input="hi", stream=True))
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert "".join(deltas) == answer_text("hi", 1)
    assert events[0].type == "response.created" and events[-1].type == "response.completed"
    completed = events[-1]
    assert completed.type == "response.completed"
    assert completed.response.usage is not None
    assert completed.response.usage.output_tokens == len(deltas)
    assert completed.response.output_text == answer_text("hi", 1)
    assert [e.sequence_number for e in events] == list(range(len(events)))


def test_bearer_on_the_v1_route(emu: Emulator) -> None:
    with v1(emu) as client:
        response = client.responses.create(model=MODEL, input=[{"role": "user", "content": "hello v1"}])
    assert response.output_text == answer_text("hello v1", 1)
    sent = emu.requests[-1]
    assert sent.path == "/api/projects/demo/openai/v1/responses" and sent.query == {}
    assert sent.headers["authorization"].startswith("Bearer ")


def test_v1_route_rejects_a_cognitive_services_token(emu: Emulator) -> None:
    with (
        v1(emu, aud="https://cognitiveservices.azure.com") as client,
        pytest.raises(openai.AuthenticationError),
    ):
        client.responses.create(model=MODEL, input="hi")


def test_reasoning_summary_stream(emu: Emulator) -> None:
    with azure(emu) as client:
        with client.responses.stream(model=MODEL, input="think first", reasoning=REASONING) as stream:
            events = list(stream)
            final = stream.get_final_response()
        plain = client.responses.create(model=MODEL, input="think first", reasoning=REASONING)
    summary = "".join(e.delta for e in events if e.type == "response.reasoning_summary_text.delta")
    assert summary.startswith('The user wrote "think first"')
    done = [e for e in events if e.type == "response.reasoning_summary_text.done"]
    assert len(done) == 1 and done[0].text == summary
    for response in (final, plain):
        reasoning, message = response.output
        assert reasoning.type == "reasoning" and reasoning.summary[0].text == summary
        assert message.type == "message"
        assert response.output_text == answer_text("think first", 1)
        assert response.usage is not None and response.usage.output_tokens_details.reasoning_tokens > 10


def test_multi_turn_input_items(emu: Emulator) -> None:
    items: Any = [
        {"role": "user", "content": [{"type": "input_text", "text": "first question"}]},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "an answer"}]},
        {"role": "user", "content": "second question"},
    ]
    with azure(emu) as client:
        response = client.responses.create(
            model=MODEL, input=items, instructions="Be brief.", max_output_tokens=500
        )
    assert response.output_text == answer_text("second question", 2)
    assert response.instructions == "Be brief." and response.max_output_tokens == 500


def test_error_mapping(emu: Emulator) -> None:
    with azure(emu) as client:
        with pytest.raises(openai.NotFoundError):
            client.responses.create(model="claude-nope", input="hi")
        emu.set_scenario("key-invalid")
        with pytest.raises(openai.AuthenticationError) as info:
            client.responses.create(model=MODEL, input="hi")
    assert info.value.request_id is not None  # from x-request-id


def test_overloaded_midstream_is_an_error_event(emu: Emulator) -> None:
    emu.set_scenario("overloaded-midstream")
    with azure(emu) as client:
        events = list(client.responses.create(model=MODEL, input="hi", stream=True))
    assert sum(e.type == "response.output_text.delta" for e in events) == 20
    last = events[-1]
    assert last.type == "error" and last.code == "overloaded_error" and last.message == "Overloaded"
    assert last.sequence_number == events[-2].sequence_number + 1
