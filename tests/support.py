"""The `fclaude` runner: the real CLI in a subprocess against an emulator on 127.0.0.1.

Fixtures built on it are registered in tests/conftest.py."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from foundry_cli.emulator import Emulator

#: a canary key: no output of any test may ever contain it
CANARY_KEY = "canary-KEY-9f8e7d6c5b4a-never-print-me"


@dataclass
class RunResult:
    exit_code: int
    stdout: str
    stderr: str

    def print(self) -> None:
        print(f"exit {self.exit_code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}")


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(api_key=CANARY_KEY) as e:
        yield e


@dataclass
class Fclaude:
    env: dict[str, str]
    outputs: list[str]

    def __call__(self, *args: str, input: str | None = None, timeout: float = 60, **env: str) -> RunResult:
        full_env = {**self.env, **env}
        done = subprocess.run(
            [sys.executable, "-m", "foundry_cli", *args],
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            env=full_env,
            timeout=timeout,
        )
        self.outputs += [done.stdout, done.stderr]
        return RunResult(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def base_env(hermetic_env: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}


@pytest.fixture
def fclaude(emu: Emulator, base_env: dict[str, str]) -> Iterator[Fclaude]:
    """`fclaude(...)` runs the CLI configured from the environment for the emulator."""
    env = {
        **base_env,
        "FCLAUDE_ENDPOINT": emu.base_url,
        "FCLAUDE_API_KEY": CANARY_KEY,
        "FCLAUDE_DEPLOYMENT": "claude-sonnet-4-5",
        "FCLAUDE_PROJECT": "demo",
    }
    runner = Fclaude(env, [])
    yield runner
    for text in runner.outputs:  # the secret-leak check runs after every CLI test
        assert CANARY_KEY not in text, "the API key leaked into output"
        assert SP_SECRET not in text, "the client secret leaked into output"


#: a client-secret canary for service-principal tests: no output may ever contain it
SP_SECRET = "canary-SP-SECRET-5e6f7a8b-never-print-me"
SP_CLIENT = "11111111-2222-4333-8444-555555555555"


@pytest.fixture
def idp() -> Iterator[Emulator]:
    """An emulator with its Entra ID side and one registered service principal."""
    with Emulator(identity=True) as e:
        e.add_app(SP_CLIENT, secret=SP_SECRET)
        yield e
    assert e.errors == []


def service_principal_env(idp: Emulator, *, control_plane: bool = False) -> dict[str, str]:
    """Environment for service-principal auth against ``idp`` (real msal over TLS)."""
    env = {
        "FCLAUDE_ENDPOINT": idp.base_url,
        "FCLAUDE_DEPLOYMENT": "claude-sonnet-4-5",
        "FCLAUDE_PROJECT": "demo",
        "FCLAUDE_AUTH": "service-principal",
        "FCLAUDE_API_KEY": "",
        "AZURE_TENANT_ID": idp.tenant_id,
        "AZURE_CLIENT_ID": SP_CLIENT,
        "AZURE_CLIENT_SECRET": SP_SECRET,
        "AZURE_AUTHORITY_HOST": idp.authority_host,
        "REQUESTS_CA_BUNDLE": idp.ca_bundle,
    }
    if control_plane:
        env |= {"FCLAUDE_SUBSCRIPTION_ID": idp.subscription_id, "FCLAUDE_MANAGEMENT_ENDPOINT": idp.base_url}
    return env


@pytest.fixture
def sp_env(idp: Emulator) -> dict[str, str]:
    return service_principal_env(idp)
