"""Issue 9, finding 7: attachments from special files are refused, and reads are bounded.

``-a /dev/zero`` grew to 4.4 GB and ``-a FIFO`` hung: a non-regular file is now a usage error
(exit 2) before anything is read, and a regular file is read to at most its kind's limit + 1 bytes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from foundry_cli.api import attachments
from foundry_cli.errors import UsageError
from tests.support import Fclaude

PNG = b"\x89PNG\r\n\x1a\n"

#: runs one fclaude command in a child and reports the child's peak RSS (KiB on Linux)
MEASURE = """
import json, resource, subprocess, sys
done = subprocess.run([sys.executable, "-m", "foundry_cli", *sys.argv[1:]], capture_output=True,
                      text=True, timeout=60, stdin=subprocess.DEVNULL)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"code": done.returncode, "stderr": done.stderr, "peak_kib": peak}))
"""


def _measured(fclaude: Fclaude, *args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, *args],
        env=fclaude.env,
        capture_output=True,
        text=True,
        timeout=90,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout)
    fclaude.outputs.append(str(result["stderr"]))
    return result


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_dev_zero_is_refused_with_exit_2_under_100_mb(fclaude: Fclaude) -> None:
    got = _measured(fclaude, "ask", "-a", "/dev/zero", "describe")
    assert got["code"] == 2, got["stderr"]
    assert "a device, not a regular file" in str(got["stderr"])
    assert int(str(got["peak_kib"])) < 100 * 1024, f"peak RSS {got['peak_kib']} KiB"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_a_fifo_is_refused_without_waiting_for_a_writer(fclaude: Fclaude, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    r = fclaude("ask", "-a", str(fifo), "describe", timeout=30)  # before the fix: hangs until killed
    assert r.exit_code == 2, r.stderr
    assert "named pipe (FIFO)" in r.stderr and "-a -" in r.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_load_refuses_a_fifo_and_a_device(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="named pipe"):
        attachments.load([str(fifo)])
    if Path("/dev/null").exists():
        with pytest.raises(UsageError, match="a device"):
            attachments.load(["/dev/null"])


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    read = os.read
    seen: list[int] = []

    def counting(fd: int, n: int) -> bytes:
        data = read(fd, n)
        seen.append(len(data))
        return data

    monkeypatch.setattr(attachments.os, "read", counting)
    return seen


def test_an_oversized_image_is_read_only_to_its_limit_plus_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(PNG + b"\0" * (12 * attachments.MiB))  # under the 32 MiB total, over 5 MiB
    seen = _count_reads(monkeypatch)
    with pytest.raises(UsageError, match="limit for an image is 5 MiB"):
        attachments.load([str(big)])
    assert sum(seen) == attachments.LIMITS["image"] + 1


def test_the_total_budget_bounds_the_read_of_the_next_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf = b"%PDF-1.4\n" + b"0" * (20 * attachments.MiB)
    (tmp_path / "a.pdf").write_bytes(pdf)
    (tmp_path / "b.pdf").write_bytes(pdf)
    seen = _count_reads(monkeypatch)
    with pytest.raises(UsageError, match="add up to more than 32 MiB"):
        attachments.load([str(tmp_path / "a.pdf"), str(tmp_path / "b.pdf")])
    assert sum(seen) <= attachments.TOTAL_LIMIT + 1


def test_a_regular_file_within_limits_still_attaches(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("hello")
    [att] = attachments.load([str(tmp_path / "notes.md")])
    assert (att.kind, att.data) == ("text", b"hello")


def test_unknown_home_in_a_path_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="home folder does not exist"):
        attachments.load(["~no-such-user-e1/x.txt"])
