"""Attachments: kinds by magic bytes, limits, and the request shapes of both wire formats."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx2
import pytest

from foundry_cli.api import attachments
from foundry_cli.api.client import ClientConfig, FoundryClient
from foundry_cli.api.transport import RetryPolicy
from foundry_cli.api.types import Message, Request
from foundry_cli.auth.api_key import ApiKeyCredential
from foundry_cli.config.endpoint import normalise_endpoint
from foundry_cli.errors import UsageError

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
GIF = b"GIF89a" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


@pytest.mark.parametrize(
    ("data", "kind", "media"),
    [
        (PNG, "image", "image/png"),
        (JPEG, "image", "image/jpeg"),
        (GIF, "image", "image/gif"),
        (WEBP, "image", "image/webp"),
        (PDF, "document", "application/pdf"),
        (b"print('hi')\n", "text", "text/plain"),
    ],
)
def test_kinds_come_from_the_bytes_not_the_name(data: bytes, kind: str, media: str) -> None:
    att = attachments.sniff("misleading.txt", data)
    assert (att.kind, att.media_type) == (kind, media)


def test_binary_of_another_type_is_refused() -> None:
    with pytest.raises(UsageError, match="not an image"):
        attachments.sniff("x.bin", b"\x00\x01\xfe\xff" * 10)


def test_load_files_and_stdin(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(PNG)
    (tmp_path / "notes.md").write_text("# notes\n")
    got = attachments.load([str(tmp_path / "a.png"), str(tmp_path / "notes.md"), "-"], stdin=PDF)
    assert [(a.name, a.kind) for a in got] == [
        ("a.png", "image"),
        ("notes.md", "text"),
        ("stdin", "document"),
    ]


@pytest.mark.parametrize(
    ("setup", "fragment"),
    [
        (lambda p: None, "no such file"),
        (lambda p: p.mkdir(), "folder"),
        (lambda p: p.write_bytes(PNG + b"\x00" * (5 * 1024 * 1024)), "limit for an image is 5 MiB"),
        (lambda p: p.write_bytes(b"x" * (3 * 1024 * 1024)), "limit for a text file is 2 MiB"),
    ],
)
def test_bad_files_are_clear_usage_errors(tmp_path: Path, setup, fragment: str) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "f"
    setup(target)
    with pytest.raises(UsageError, match=fragment):
        attachments.load([str(target)])


def _sent(api: str, msg: Message) -> dict[str, object]:
    seen: list[httpx2.Request] = []
    ok = {
        "id": "x",
        "model": "d",
        "content": [],
        "stop_reason": "end_turn",
        "output": [],
        "status": "completed",
    }

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json=ok)

    client = FoundryClient(
        ClientConfig(endpoint=normalise_endpoint("myres"), api=api, project="p"),  # type: ignore[arg-type]
        ApiKeyCredential("k", "test"),
        transport=httpx2.MockTransport(handler),
        retry=RetryPolicy(max_retries=0),
    )
    list(client.send(Request(deployment="d", messages=(msg,), stream=False)))
    return json.loads(seen[0].content)  # type: ignore[no-any-return]


MSG = Message(
    "user",
    "describe these",
    attachments=(
        attachments.sniff("a.png", PNG),
        attachments.sniff("doc.pdf", PDF),
        attachments.sniff("code.py", b"x = 1\n"),
    ),
)


def test_messages_shapes() -> None:
    body = _sent("messages", MSG)
    content = body["messages"][0]["content"]  # type: ignore[index]
    assert content[0] == {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": base64.b64encode(PNG).decode()},
    }
    assert content[1]["type"] == "document" and content[1]["source"]["media_type"] == "application/pdf"
    assert content[2] == {"type": "text", "text": '<file name="code.py">\nx = 1\n\n</file>'}
    assert content[3] == {"type": "text", "text": "describe these"}


def test_responses_shapes() -> None:
    body = _sent("responses", MSG)
    parts = body["input"][0]["content"]  # type: ignore[index]
    assert parts[0] == {
        "type": "input_image",
        "detail": "auto",
        "image_url": "data:image/png;base64," + base64.b64encode(PNG).decode(),
    }
    assert parts[1]["type"] == "input_file" and parts[1]["filename"] == "doc.pdf"
    assert parts[1]["file_data"].startswith("data:application/pdf;base64,")
    assert parts[2]["type"] == "input_text" and 'name="code.py"' in parts[2]["text"]
    assert parts[3] == {"type": "input_text", "text": "describe these"}


def test_attachment_repr_has_no_bytes() -> None:
    assert "\\x89PNG" not in repr(attachments.sniff("a.png", PNG))
