"""The official SDKs parse the emulator, and see exactly the text fclaude shows."""

from __future__ import annotations

import json

import anthropic
import openai
import pytest

from foundry_cli.emulator import Emulator
from tests.support import CANARY_KEY, Fclaude

PROMPT = "Compare the SDK with fclaude"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the SDK warns about claude-sonnet-4-5's EOL
@pytest.mark.parametrize("stream", [True, False])
def test_anthropic_sdk_text_equals_fclaude(fclaude: Fclaude, emu: Emulator, stream: bool) -> None:
    # AnthropicFoundry sends x-api-key + api-key, as Foundry wants (plain Anthropic sends a Bearer)
    client = anthropic.AnthropicFoundry(
        base_url=emu.base_url + "/anthropic/", api_key=CANARY_KEY, max_retries=0
    )
    kwargs = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": PROMPT}],
    }
    if stream:
        with client.messages.stream(**kwargs) as s:  # type: ignore[arg-type]
            sdk_text = "".join(s.text_stream)
    else:
        msg = client.messages.create(**kwargs)  # type: ignore[call-overload]
        sdk_text = "".join(b.text for b in msg.content if b.type == "text")
    r = fclaude("ask", "--json", "--api", "messages", PROMPT, *([] if stream else ["--no-stream"]))
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["text"] == sdk_text


@pytest.mark.parametrize("stream", [True, False])
def test_openai_sdk_text_equals_fclaude(fclaude: Fclaude, emu: Emulator, stream: bool) -> None:
    client = openai.AzureOpenAI(
        api_key=CANARY_KEY,
        api_version="2025-11-15-preview",
        azure_endpoint=emu.base_url + "/api/projects/demo",
        max_retries=0,
    )
    if stream:
        events = client.responses.create(model="claude-sonnet-4-5", input=PROMPT, stream=True)
        sdk_text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    else:
        sdk_text = client.responses.create(model="claude-sonnet-4-5", input=PROMPT).output_text
    r = fclaude("ask", "--json", "--api", "responses", PROMPT, *([] if stream else ["--no-stream"]))
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["text"] == sdk_text
