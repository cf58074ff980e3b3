"""Tables that fit: `models --all`, `history list` and `profile list` at 60, 80 and 120 columns
(`COLUMNS`, in process): no line longer than the width, the header row present, an ellipsis where a
cell was cut; `models` colours a RETIRES date near or past only where colour is on."""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
from pathlib import Path

import pexpect
import pytest

from foundry_cli.catalog import load_catalog
from foundry_cli.cli.models import Listing, render
from foundry_cli.render.output import Output, cell_width
from tests.support import Fclaude

WIDTHS = [60, 80, 120]
LONG_TITLE = "please review this rather long question about deployments regions quotas and retirements"


def fits(text: str, width: int) -> None:
    lines = text.splitlines()
    assert lines, "something was printed"
    too_long = [line for line in lines if cell_width(line) > width]
    assert too_long == [], f"lines wider than {width}: {too_long}"


@pytest.mark.parametrize("width", WIDTHS)
def test_models_all_fits(fclaude: Fclaude, width: int) -> None:
    r = fclaude("models", "--all", COLUMNS=str(width))
    assert r.exit_code == 0, r.stderr
    fits(r.stdout, width)
    deployed_header, deployed_row, blank, title, catalog_header, *catalog = r.stdout.splitlines()
    assert deployed_header.split()[:2] == ["DEPLOYMENT", "MODEL"] and "RETIRES" in deployed_header
    assert deployed_row.split()[0] == "claude-sonnet-4-5"
    assert (blank, title) == ("", "Catalog models not deployed:")
    assert catalog_header.split()[0] == "MODEL" and "RETIRES" in catalog_header
    assert len(catalog) == len(load_catalog()) - 1
    notes = [m for m in load_catalog() if m.notes]
    if "NOTES" in catalog_header:  # a long note is cut with an ellipsis, never wrapped
        assert any(line.endswith("…") for line in catalog), "cut cells end in an ellipsis"
    else:
        assert notes, "the catalog has notes to hide"
        assert "hidden to fit" in r.stderr and "NOTES" in r.stderr, "a note names what was hidden"
    assert "\x1b[" not in r.stdout, "not a terminal: no colour"


@pytest.mark.parametrize("width", WIDTHS)
def test_history_list_fits(fclaude: Fclaude, width: int) -> None:
    for prompt in ("short one", LONG_TITLE):
        assert fclaude("ask", prompt).exit_code == 0
    r = fclaude("history", "list", COLUMNS=str(width))
    assert r.exit_code == 0, r.stderr
    fits(r.stdout, width)
    header, newest, oldest = r.stdout.splitlines()
    assert header.split()[:2] == ["ID", "UPDATED"] and header.split()[-1] == "TITLE"
    assert newest.endswith("…") and LONG_TITLE[:10] in newest, "the long title is cut with an ellipsis"
    assert oldest.endswith("short one")


@pytest.mark.parametrize("width", WIDTHS)
def test_models_all_on_a_real_terminal_fits_its_width(fclaude: Fclaude, width: int) -> None:
    """No COLUMNS: the width comes from the pty itself; colour and the rule are on; only SGR codes."""
    env = {k: v for k, v in fclaude.env.items() if k not in ("COLUMNS", "NO_COLOR")} | {"TERM": "xterm"}
    child = pexpect.spawn(
        "/bin/sh",
        ["-c", 'exec "$0" -m foundry_cli models --all 2>/dev/null', sys.executable],
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(60, width),
    )
    child.expect(pexpect.EOF)
    child.close()
    raw = child.before or ""
    assert child.exitstatus == 0, raw
    assert "\x1b[1mDEPLOYMENT\x1b[0m" in raw, "a bold header on a terminal"
    plain = re.sub(r"\x1b\[[0-9;]*m", "", raw)
    assert "\x1b" not in plain, "nothing but colour codes"
    lines = plain.replace("\r\n", "\n").splitlines()
    fits("\n".join(lines), width)
    assert lines[0].split()[0] == "DEPLOYMENT" and set(lines[1]) <= {"─", " "}
    assert "Catalog models not deployed:" in lines


def _write_profiles(home: Path, count: int) -> None:
    home.mkdir(mode=0o700, exist_ok=True)
    lines = ['default_profile = "p0"']
    for i in range(count):
        lines += [
            f"[profiles.p{i}]",
            f'endpoint = "https://resource-with-a-rather-long-name-{i}.services.ai.azure.com/anthropic"',
            'api = "messages"',
            'auth = "service-principal"',
            f'deployment = "claude-sonnet-4-5-team-{i}"',
        ]
    config = home / "config.toml"
    config.write_text("\n".join(lines) + "\n")
    config.chmod(0o600)


@pytest.mark.parametrize("width", WIDTHS)
def test_profile_list_fits(fclaude: Fclaude, hermetic_env: Path, width: int) -> None:
    _write_profiles(hermetic_env, 2)
    r = fclaude("profile", "list", COLUMNS=str(width))
    assert r.exit_code == 0, r.stderr
    fits(r.stdout, width)
    header, first, second = r.stdout.splitlines()
    assert header.split()[:2] == ["NAME", "ENDPOINT"]
    assert first.split()[:2] == ["*", "p0"] and second.split()[0] == "p1", "the default is marked"
    assert "https://res" in first
    assert first.split()[2].endswith("…"), "the long endpoint is cut with an ellipsis"


def test_profile_list_piped_without_columns_is_not_cut(fclaude: Fclaude, hermetic_env: Path) -> None:
    _write_profiles(hermetic_env, 1)
    r = fclaude("profile", "list", COLUMNS="")
    assert r.exit_code == 0, r.stderr
    assert "https://resource-with-a-rather-long-name-0.services.ai.azure.com/anthropic" in r.stdout
    assert "…" not in r.stdout and "─" not in r.stdout


# --- RETIRES: the date in colour when near or past ------------------------------------------------


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def _listing(model: str) -> Listing:
    [info] = [m for m in load_catalog() if m.id == model]
    row = {
        "deployment": "prod",
        "model": model,
        "version": None,
        "sku": None,
        "capacity": None,
        "state": "Succeeded",
        "catalog": info.to_json(),
    }
    return Listing("control-plane", [row])


@pytest.mark.parametrize(
    ("days_before", "colour", "warned"),
    [(90, None, False), (30, "33", True), (0, "33", True), (-5, "31", True)],
)
def test_retires_column_colour_and_warning(days_before: int, colour: str | None, warned: bool) -> None:
    dated = [m for m in load_catalog() if m.retires is not None]
    assert dated, "the catalog has retirement dates"
    model = dated[0]
    assert model.retires is not None
    today = model.retires - dt.timedelta(days=days_before)
    stdout, stderr = FakeTTY(), io.StringIO()
    render(_listing(model.id), False, Output(stdout=stdout, stderr=stderr, env={"TERM": "xterm"}), today)
    iso = model.retires.isoformat()
    if colour is None:
        assert f"{iso}" in stdout.getvalue() and f"m{iso}" not in stdout.getvalue()
    else:
        assert f"\x1b[{colour}m{iso}\x1b[0m" in stdout.getvalue()
    assert ("retire" in stderr.getvalue()) == warned
    if warned:
        assert "prod" in stderr.getvalue() and iso in stderr.getvalue()
    piped, err = io.StringIO(), io.StringIO()
    render(_listing(model.id), False, Output(stdout=piped, stderr=err, env={"TERM": "xterm"}), today)
    assert "\x1b[" not in piped.getvalue() + err.getvalue() and iso in piped.getvalue()


def test_control_plane_text_reaches_the_terminal_made_safe() -> None:
    listing = _listing("claude-sonnet-4-5")
    listing.deployed[0]["deployment"] = "evil\x1b]52;c;aGk=\x07name\x1b[2J"
    listing.deployed[0]["state"] = "Succ\x9b31meeded\r\nx"
    listing.notes.append("the control plane said \x1b]0;pwned\x07hello")
    stdout, stderr = FakeTTY(), FakeTTY()
    render(listing, False, Output(stdout=stdout, stderr=stderr, env={"TERM": "xterm", "NO_COLOR": "1"}))
    text = stdout.getvalue() + stderr.getvalue()
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text and "\r" not in text
    assert stdout.getvalue().splitlines()[2].split()[:2] == ["evilname", "claude-sonnet-4-5"]
    assert "Succeeded x" in stdout.getvalue() and "the control plane said hello." in stderr.getvalue()
