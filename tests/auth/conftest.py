"""Helpers for the auth tests: resolved settings from an env dict, a fake `az`, a subprocess runner.

Everything runs through the real code paths: settings resolution, the factory, the on-disk
cache, msal and azure-identity (against the emulator's Entra ID endpoint where one is needed).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from foundry_cli.config.settings import Settings, resolve

ROOT = Path(__file__).resolve().parents[2]

#: a client secret canary: it must never appear in an error message or a cache file
SECRET_CANARY = "canary-SECRET-0a1b2c3d4e5f-never-print-me"


def resolved_from(env: Mapping[str, str]) -> Settings:
    return resolve(env=dict(env))


@pytest.fixture
def env(hermetic_env: Path) -> dict[str, str]:
    """The scrubbed test environment (FCLAUDE_HOME = a fresh folder) as a dict to extend."""
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def cache_files(home: Path) -> list[Path]:
    cache = home / "cache"
    return sorted(p for p in cache.iterdir() if p.is_file()) if cache.exists() else []


CHILD = textwrap.dedent(
    """
    import json, sys
    from foundry_cli.auth.factory import make_credential
    from foundry_cli.config.settings import resolve
    warnings = []
    cred = make_credential(resolve(), warn=warnings.append)
    try:
        headers = cred.headers("responses")
    except Exception as exc:  # report, do not crash: the parent asserts
        print(json.dumps({"error": type(exc).__name__, "message": str(exc), "row": getattr(exc, "row", None)}))
        sys.exit(0)
    token = headers["authorization"].removeprefix("Bearer ")
    print(json.dumps({"token": token, "description": cred.description, "warnings": warnings,
                      "heavy": sorted(m for m in ("msal", "azure.identity", "requests") if m in sys.modules)}))
    """
)


def run_child(env: Mapping[str, str]) -> dict[str, object]:
    """Get a token in a NEW process with the same FCLAUDE_HOME (the persistent cache's test)."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD], env=dict(env), capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@dataclass
class FakeAz:
    """A fake `az` on PATH that counts its runs and answers as told."""

    dir: Path
    env: dict[str, str]

    @property
    def calls(self) -> list[list[str]]:
        log = self.dir / "calls.log"
        if not log.exists():
            return []
        return [json.loads(line) for line in log.read_text().splitlines()]

    def answer(self, mode: str = "ok", *, expires_on: float | None = None, token: str = "az-token-1") -> None:  # noqa: S107
        state = {"mode": mode, "expires_on": expires_on, "token": token}
        (self.dir / "state.json").write_text(json.dumps(state))


FAKE_AZ = """#!{python}
import json, os, sys, time
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "calls.log"), "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
state = json.load(open(os.path.join(here, "state.json")))
assert os.environ.get("AZURE_CORE_NO_COLOR") == "true", "AZURE_CORE_NO_COLOR not set"
mode = state["mode"]
if mode == "ok":
    exp = state["expires_on"] or time.time() + 3600
    print(json.dumps({{"accessToken": state["token"], "expiresOn": "2099-01-01 00:00:00.000000",
                      "expires_on": int(exp), "subscription": "sub", "tenant": "t", "tokenType": "Bearer"}}))
elif mode == "old-az":
    print(json.dumps({{"accessToken": state["token"], "expiresOn": "2099-01-01 00:00:00.000000"}}))
elif mode == "garbage":
    print("accessToken " + state["token"] + " not json")
elif mode == "login":
    print("ERROR: Please run 'az login' to setup account.", file=sys.stderr)
    sys.exit(1)
elif mode == "aadsts":
    print("ERROR: AADSTS700082: The refresh token has expired due to inactivity. Trace ID: 1 Correlation ID: 2", file=sys.stderr)
    sys.exit(1)
elif mode == "leak":
    print('ERROR: unexpected {{"accessToken": "' + state["token"] + '"}}', file=sys.stderr)
    sys.exit(2)
"""


@pytest.fixture
def fake_az(tmp_path: Path, env: dict[str, str]) -> FakeAz:
    bin_dir = tmp_path / "az-bin"
    bin_dir.mkdir()
    script = bin_dir / "az"
    script.write_text(FAKE_AZ.format(python=sys.executable))
    script.chmod(0o755)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    env["FCLAUDE_AUTH"] = "azure-cli"
    az = FakeAz(bin_dir, env)
    az.answer()
    return az
