"""Fixtures for the emulator tests: a fresh emulator per test (real sockets on 127.0.0.1) and a
small raw-HTTP helper. Every test also checks that the server itself raised nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from foundry_cli.emulator import DEFAULT_API_KEY, Emulator, mint_jwt

MODEL = "claude-sonnet-4-5"
PREVIEW = "2025-11-15-preview"


class Api:
    """Raw requests against one emulator, with sensible defaults that each test overrides."""

    def __init__(self, emu: Emulator, http: httpx2.Client) -> None:
        self.emu = emu
        self.http = http

    def post(
        self,
        path: str,
        body: object = None,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> httpx2.Response:
        data = content if content is not None else json.dumps(body).encode()
        return self.http.post(self.emu.base_url + path, content=data, headers=headers or {}, params=params)

    @staticmethod
    def key_headers(**extra: str) -> dict[str, str]:
        return {"x-api-key": DEFAULT_API_KEY, "anthropic-version": "2023-06-01", **extra}

    @staticmethod
    def bearer(aud: str = "https://ai.azure.com", exp: int | None = None, **extra: str) -> dict[str, str]:
        token = mint_jwt(aud=aud, exp=int(time.time()) + 3600 if exp is None else exp)
        return {"authorization": f"Bearer {token}", "anthropic-version": "2023-06-01", **extra}

    @staticmethod
    def messages_body(**overrides: Any) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": MODEL,
            "max_tokens": 1024,
            "messages": [{"role": "user", "content": "hi"}],
        }
        body.update(overrides)
        return {k: v for k, v in body.items() if v is not None}

    def messages(self, headers: dict[str, str] | None = None, **overrides: Any) -> httpx2.Response:
        return self.post(
            "/anthropic/v1/messages", self.messages_body(**overrides), headers=headers or self.key_headers()
        )

    def responses(
        self,
        *,
        v1: bool = False,
        project: str = "demo",
        api_version: str | None = PREVIEW,
        headers: dict[str, str] | None = None,
        **overrides: Any,
    ) -> httpx2.Response:
        body: dict[str, Any] = {"model": MODEL, "input": "hi", **overrides}
        path = f"/api/projects/{project}/openai/{'v1/' if v1 else ''}responses"
        params = {"api-version": api_version} if api_version is not None and not v1 else None
        return self.post(path, body, headers=headers or {"api-key": DEFAULT_API_KEY}, params=params)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator() as running:
        yield running
    assert running.errors == [], running.errors[0] if running.errors else ""


@pytest.fixture
def http() -> Iterator[httpx2.Client]:
    with httpx2.Client(timeout=10) as client:
        yield client


@pytest.fixture
def api(emu: Emulator, http: httpx2.Client) -> Api:
    return Api(emu, http)


def parse_sse(raw: str) -> list[tuple[str, Any]]:
    """Minimal SSE parser for assertions: [(event name, decoded data)]."""
    events = []
    for block in raw.split("\n\n"):
        if not block.strip():
            continue
        fields = dict(line.split(": ", 1) for line in block.split("\n"))
        events.append((fields["event"], json.loads(fields["data"])))
    return events


@pytest.fixture
def sse() -> Any:
    return parse_sse
