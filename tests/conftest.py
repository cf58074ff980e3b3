"""Hermetic test environment: every test gets its own FCLAUDE_HOME and a scrubbed environment.

No test may reach the network beyond 127.0.0.1, read the developer's config, or run a real
`az`: every AZURE_*/ANTHROPIC_*/FCLAUDE_*/OPENAI_* variable is removed, and PATH gets a
folder whose `az` fails loudly.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the property tests with a fixed derivation of examples, so a run never fails on a case that
# the one before it did not meet (run locally, or set HYPOTHESIS_PROFILE=explore, to look further)
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("explore", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default"))

SCRUB_PREFIXES = ("AZURE_", "ANTHROPIC_", "FCLAUDE_", "OPENAI_", "IDENTITY_", "MSI_", "IMDS_")
#: a CI runner's OIDC variables (GitHub Actions, Azure Pipelines): with them fclaude may log in keylessly
RUNNER_OIDC = ("ACTIONS_ID_TOKEN_", "SYSTEM_OIDCREQUESTURI", "SYSTEM_ACCESSTOKEN", "AZURESUBSCRIPTION_")


@pytest.fixture(autouse=True)
def hermetic_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith(SCRUB_PREFIXES + RUNNER_OIDC) or name in (
            "NO_COLOR",
            "FORCE_COLOR",
            "HTTPS_PROXY",
            "HTTP_PROXY",
            # a CI runner's: doctor would annotate and write the runner's job summary (--format)
            "GITHUB_ACTIONS",
            "GITHUB_STEP_SUMMARY",
            "GITHUB_OUTPUT",
            "TF_BUILD",
        ):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "fclaude-home"
    monkeypatch.setenv("FCLAUDE_HOME", str(home))
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    # no test may touch the developer's real keyring: the null backend makes fclaude use secrets.toml
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    az = bin_dir / "az"
    az.write_text("#!/bin/sh\necho 'tests must not run the real az' >&2\nexit 97\n")
    az.chmod(az.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    return home


@pytest.fixture(autouse=True)
def doctor_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """doctor's settings check compares the model's retirement date with a fixed day, never the real
    one: the emulator's default deployment (claude-sonnet-4-5) retires on 2026-11-30, and a suite must
    pass whatever day it runs. Tests of the retirement rule set ``Context.today`` themselves."""
    import datetime as dt

    monkeypatch.setattr("foundry_cli.doctor.checks.today", lambda: dt.date(2026, 6, 1))


# the CLI runner fixtures (tests/cli, tests/fidelity) and the hostile server (a server that answers
# exactly what a test scripts)
from tests.hostile import hostile  # noqa: E402, F401
from tests.support import base_env, emu, fclaude, fclaude_proc, idp, module_emu, sp_env  # noqa: E402, F401
