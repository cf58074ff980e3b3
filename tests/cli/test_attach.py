"""-a/--attach end to end: request shapes at the emulator on both formats, limits, history."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import httpx2
import pytest

from foundry_cli.emulator import Emulator, answer_text
from tests.support import CANARY_KEY, Fclaude

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture
def files(tmp_path: Path) -> list[str]:
    (tmp_path / "shot.png").write_bytes(PNG)
    (tmp_path / "spec.pdf").write_bytes(PDF)
    (tmp_path / "code.py").write_text("x = 1\n")
    return [str(tmp_path / n) for n in ("shot.png", "spec.pdf", "code.py")]


@pytest.mark.parametrize("api", ["messages", "responses"])
def test_image_pdf_and_text_reach_the_service(
    fclaude: Fclaude, emu: Emulator, files: list[str], api: str
) -> None:
    args = [a for f in files for a in ("-a", f)]
    r = fclaude("ask", "--api", api, *args, "what are these?")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith(answer_text("what are these?", 1, " I see 1 image and 1 document.")[:40])
    assert "I see 1 image and 1 document." in r.stdout
    body = emu.requests[-1].json
    assert isinstance(body, dict)
    if api == "messages":
        content = body["messages"][0]["content"]
        assert [b["type"] for b in content] == ["image", "document", "text", "text"]
        assert base64.b64decode(content[0]["source"]["data"]) == PNG
        assert content[2]["text"].startswith('<file name="code.py">')
    else:
        parts = body["input"][0]["content"]
        assert [p["type"] for p in parts] == ["input_image", "input_file", "input_text", "input_text"]
        assert parts[1]["filename"] == "spec.pdf"


def test_stdin_as_an_attachment(fclaude: Fclaude, emu: Emulator) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "foundry_cli", "ask", "-a", "-", "describe"],
        input=PNG,
        capture_output=True,
        env=fclaude.env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert b"I see 1 image." in done.stdout


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda d: str(d / "missing.png"), "no such file"),
        (lambda d: str(d), "folder"),
        (lambda d: (d / "big.png").write_bytes(PNG + bytes(6 * 1024 * 1024)) and str(d / "big.png"), "5 MiB"),
        (lambda d: (d / "x.bin").write_bytes(b"\x00\xff\x10" * 50) and str(d / "x.bin"), "cannot attach"),
    ],
)
def test_bad_attachments_exit_2_before_any_request(
    fclaude: Fclaude,
    emu: Emulator,
    tmp_path: Path,
    make,
    fragment: str,  # type: ignore[no-untyped-def]
) -> None:
    r = fclaude("ask", "-a", make(tmp_path), "hi")
    assert r.exit_code == 2 and fragment in r.stderr and emu.requests == []


def test_history_keeps_names_and_hashes_not_bytes(
    fclaude: Fclaude, files: list[str], hermetic_env: Path
) -> None:
    assert fclaude("ask", "-a", files[0], "look").exit_code == 0
    [row] = json.loads(fclaude("history", "list", "--json").stdout)
    turn = json.loads(fclaude("history", "show", str(row["id"]), "--json").stdout)["turns"][0]
    assert turn["attachments"] == [
        {
            "name": "shot.png",
            "media_type": "image/png",
            "sha256": hashlib.sha256(PNG).hexdigest(),
            "bytes": str(len(PNG)),
        }
    ]
    assert base64.b64encode(PNG) not in (hermetic_env / "history.db").read_bytes()


@pytest.mark.parametrize(
    ("block", "fragment"),
    [
        (
            {"type": "image", "source": {"type": "base64", "media_type": "image/bmp", "data": "AAAA"}},
            "image/bmp",
        ),
        ({"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "%%%"}}, "base64"),
        (
            {
                "type": "image",
                "source": {
                    "type": "base64",
                    "media_type": "image/png",
                    "data": base64.b64encode(bytes(6 * 1024 * 1024)).decode(),
                },
            },
            "5 MB",
        ),
    ],
)
def test_emulator_rejects_what_the_service_rejects(
    emu: Emulator, block: dict[str, object], fragment: str
) -> None:
    body = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": [block, {"type": "text", "text": "x"}]}],
    }
    r = httpx2.post(
        emu.base_url + "/anthropic/v1/messages",
        json=body,
        headers={"x-api-key": CANARY_KEY, "anthropic-version": "2023-06-01"},
    )
    assert r.status_code == 400 and fragment in r.json()["error"]["message"]
