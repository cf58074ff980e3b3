"""Issue 9, finding 8: doctor's local-files check (``foundry_cli/doctor/check_files.py``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from foundry_cli.config.fileio import ensure_private_dir
from foundry_cli.doctor.check_files import check_files
from tests.support import CANARY_KEY


@dataclass
class Ctx:
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))


posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX modes")


def test_a_fresh_private_home_passes(hermetic_env: Path) -> None:
    ensure_private_dir(hermetic_env)
    assert check_files(Ctx()).status == "pass"


@posix_only
def test_an_other_writable_file_fails_with_the_chmod(hermetic_env: Path) -> None:
    ensure_private_dir(hermetic_env)
    history = hermetic_env / "history.db"
    history.write_bytes(b"")
    history.chmod(0o646)
    out = check_files(Ctx())
    assert out.status == "fail" and f"chmod go-w {history}" in out.detail


@posix_only
def test_readable_secrets_warn_without_the_secret(hermetic_env: Path) -> None:
    ensure_private_dir(hermetic_env)
    secrets = hermetic_env / "secrets.toml"
    secrets.write_text(f'[profiles.work]\napi_key = "{CANARY_KEY}"\n')
    secrets.chmod(0o644)
    out = check_files(Ctx())
    assert out.status == "warn" and f"chmod 600 {secrets}" in out.detail
    assert CANARY_KEY not in out.detail


def test_a_key_in_config_toml_warns(hermetic_env: Path) -> None:
    ensure_private_dir(hermetic_env)
    (hermetic_env / "config.toml").write_text(f'[profiles.work]\napi_key = "{CANARY_KEY}"\n')
    out = check_files(Ctx())
    assert out.status == "warn" and "meant to be shareable" in out.detail and CANARY_KEY not in out.detail


def test_an_unknown_user_home_fails_cleanly() -> None:
    out = check_files(Ctx(env={"FCLAUDE_HOME": "~no-such-user-e1"}))
    assert out.status == "fail" and "FCLAUDE_HOME" in out.detail
