"""Where fclaude puts prompt-cache breakpoints in a chat: the system prompt, the previous user turn and
the last one, so each turn reads the conversation up to its previous prompt from the cache (checked at
the emulator's cache accounting) without relying on the service's 20-block look-back."""

from __future__ import annotations

from foundry_cli.api.messages import build_body
from foundry_cli.api.types import Message, Request
from foundry_cli.emulator.messages import breakpoints
from foundry_cli.emulator.service import Service

SYSTEM = "Rules of the house. " * 800  # ~4,000 tokens for the emulator


def conversation(turns: int) -> tuple[Message, ...]:
    out: list[Message] = []
    for i in range(1, turns + 1):
        out.append(Message("user", f"question {i} " * 50))
        if i < turns:
            out.append(Message("assistant", f"answer {i} " * 80))
    return tuple(out)


def marked(body: dict[str, object]) -> list[str]:
    where = []
    system = body["system"]
    assert isinstance(system, list)
    where += ["system" for b in system if "cache_control" in b]
    messages = body["messages"]
    assert isinstance(messages, list)
    for i, m in enumerate(messages):
        content = m["content"]
        if isinstance(content, list) and any("cache_control" in b for b in content):
            where.append(f"messages.{i}")
    return where


def test_a_chat_marks_the_system_the_previous_prompt_and_the_last() -> None:
    one = build_body(Request("d", conversation(1), system=SYSTEM, cache="5m"))
    assert marked(one) == ["system", "messages.0"]
    three = build_body(Request("d", conversation(3), system=SYSTEM, cache="5m"))
    assert marked(three) == ["system", "messages.2", "messages.4"]
    assert three["messages"][1]["content"] == "answer 1 " * 80  # type: ignore[index] - answers untouched


def test_each_turn_reads_the_conversation_up_to_its_previous_prompt() -> None:
    service = Service(
        api_key="k", deployments=("d",), projects=(), region="East US 2", long_deltas=10, scenario="healthy"
    )
    reads, writes = [], []
    for turns in (1, 2, 3):
        body = build_body(Request("d", conversation(turns), system=SYSTEM, cache="5m"))
        points = breakpoints(body)
        read, w5, _ = service.cache_usage("d", points, 1024)
        reads.append(read)
        writes.append(w5)
        if turns > 1:
            assert read == points[-2].tokens, "the previous turn's prefix is read"
            assert w5 == points[-1].tokens - points[-2].tokens, "only the newest exchange is written"
    assert reads[0] == 0 and writes[0] > 0 and reads[1] > 0 and reads[2] > reads[1]
