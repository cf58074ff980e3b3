"""``config.toml``: profiles (no secrets). Writes are atomic and locked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from foundry_cli.config.fileio import locked, writing
from foundry_cli.config.paths import Paths
from foundry_cli.config.settings import SETTING_BY_NAME, load_config
from foundry_cli.config.toml_io import write_toml
from foundry_cli.errors import ConfigError


def save_profile(paths: Paths, name: str, values: Mapping[str, Any], *, make_default: bool = False) -> None:
    """Create or update profile ``name`` with ``values`` (None removes a key).

    Raises:
        ConfigError: a secret setting was passed (those belong in secrets.toml).
    """
    for key in values:
        setting = SETTING_BY_NAME.get(key)
        if setting is None:
            raise ConfigError(f"Unknown setting {key!r}.")
        if setting.secret:
            raise ConfigError(f"{key} is a secret and is never written to config.toml.")
    with writing(paths.config_file), locked(paths.config_file):
        doc = load_config(paths)
        section = doc.setdefault("profiles", {}).setdefault(name, {})
        for key, value in values.items():
            if value is None:
                section.pop(key, None)
            else:
                section[key] = value
        if make_default or not doc.get("default_profile"):
            doc["default_profile"] = name
        write_toml(paths.config_file, doc, mode=0o600)


def set_default(paths: Paths, name: str) -> None:
    """Make ``name`` the default profile. Raises ConfigError if it does not exist."""
    with writing(paths.config_file), locked(paths.config_file):
        doc = load_config(paths)
        if name not in doc.get("profiles", {}):
            raise ConfigError(f"No profile named {name!r} in {paths.config_file}.")
        doc["default_profile"] = name
        write_toml(paths.config_file, doc, mode=0o600)


def remove_profile(paths: Paths, name: str) -> None:
    """Delete profile ``name``; the default moves to another profile or is cleared."""
    with writing(paths.config_file), locked(paths.config_file):
        doc = load_config(paths)
        profiles = doc.get("profiles", {})
        if name not in profiles:
            raise ConfigError(f"No profile named {name!r} in {paths.config_file}.")
        del profiles[name]
        if doc.get("default_profile") == name:
            doc.pop("default_profile")
            if profiles:
                doc["default_profile"] = sorted(profiles)[0]
        write_toml(paths.config_file, doc, mode=0o600)
