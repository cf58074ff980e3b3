"""``secrets.toml``: API keys and client secrets, 0600 in a 0700 folder, never in config.toml."""

from __future__ import annotations

from typing import Any

from foundry_cli.config.fileio import locked
from foundry_cli.config.paths import Paths
from foundry_cli.config.toml_io import read_toml, write_toml


def read_profile_secrets(paths: Paths, profile: str) -> dict[str, str]:
    doc = read_toml(paths.secrets_file)
    section = doc.get("profiles", {}).get(profile, {})
    return {k: str(v) for k, v in section.items()} if isinstance(section, dict) else {}


def set_profile_secret(paths: Paths, profile: str, name: str, value: str | None) -> None:
    """Store (or, with ``None``, delete) one secret under a lock, atomically, mode 0600."""
    with locked(paths.secrets_file):
        doc: dict[str, Any] = read_toml(paths.secrets_file)
        section = doc.setdefault("profiles", {}).setdefault(profile, {})
        if value is None:
            section.pop(name, None)
        else:
            section[name] = value
        write_toml(paths.secrets_file, doc, mode=0o600)
