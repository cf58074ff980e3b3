"""Secrets (API keys, client secrets): the OS keyring when one is usable, else ``secrets.toml``.

``secrets.toml`` is 0600 in a 0700 folder, written atomically under a lock, and never holds
anything but secrets. The keyring is used only when the optional ``keyring`` package is
installed and offers a real backend (``pip install 'fclaude[keyring]'``); on headless
machines (CI, containers) there usually is none, and the file is used. ``FCLAUDE_SECRET_STORE``
= ``file`` or ``keyring`` forces a choice. Secret values never appear in repr or messages.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from typing import Any, Literal

from foundry_cli.config.fileio import locked, readable_by_others, warn, writing
from foundry_cli.config.paths import Paths
from foundry_cli.config.toml_io import read_toml, write_toml
from foundry_cli.errors import ConfigError

Store = Literal["keyring", "secrets.toml"]
SERVICE = "fclaude"
SECRET_NAMES = ("api_key", "client_secret")


def _keyring(env: Mapping[str, str]) -> Any | None:
    """The keyring module when it is installed, usable and not forced off; else None."""
    choice = env.get("FCLAUDE_SECRET_STORE", "").strip().lower()
    if choice == "file":
        return None
    try:
        import keyring  # optional dependency
        from keyring.backends import fail
    except ImportError:
        if choice == "keyring":
            raise ConfigError(
                "FCLAUDE_SECRET_STORE=keyring but the keyring package is not installed."
            ) from None
        return None
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 0) < 1:
        if choice == "keyring":
            raise ConfigError("FCLAUDE_SECRET_STORE=keyring but no usable keyring backend is available.")
        return None
    return keyring


def _account(profile: str, name: str) -> str:
    return f"{profile}:{name}"


def exposure_warnings(paths: Paths, profile: str | None = None) -> list[str]:
    """What is wrong with where secrets are kept (doctor shows these; reads warn once each).

    ``secrets.toml`` readable by group or others; a secret setting (``api_key``,
    ``client_secret``) written into ``config.toml``, which is meant to be shareable, for
    ``profile`` (or any profile when None).
    """
    found: list[str] = []
    exposed = readable_by_others(paths.secrets_file)
    if exposed:
        found.append(exposed)
    try:
        profiles = read_toml(paths.config_file).get("profiles", {})
    except ConfigError:
        return found  # the config's own error is reported where it is used
    if not isinstance(profiles, dict):
        return found
    for name, section in sorted(profiles.items()):
        if (profile is not None and name != profile) or not isinstance(section, dict):
            continue
        for key in SECRET_NAMES:
            if key in section:
                found.append(
                    f"profile {name!r} in {paths.config_file} holds its {key.replace('_', ' ')}, but "
                    "config.toml is meant to be shareable; store it with `fclaude login --profile "
                    f"{name}` (secret store, 0600) and delete the {key} line from config.toml."
                )
    return found


def read_profile_secrets(paths: Paths, profile: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every secret stored for ``profile`` (file first, then keyring).

    Warns (once) when ``secrets.toml`` is readable by others or ``config.toml`` holds a secret.
    """
    for text in exposure_warnings(paths, profile):
        warn(text)
    doc = read_toml(paths.secrets_file)
    section = doc.get("profiles", {}).get(profile, {})
    found = {k: str(v) for k, v in section.items()} if isinstance(section, dict) else {}
    missing = [n for n in SECRET_NAMES if n not in found]
    if missing and (kr := _keyring(os.environ if env is None else env)) is not None:
        for name in missing:
            value = kr.get_password(SERVICE, _account(profile, name))
            if value:
                found[name] = value
    return found


def where(paths: Paths, profile: str, name: str, env: Mapping[str, str] | None = None) -> Store | None:
    """Where ``name`` is stored for ``profile``, without revealing it."""
    doc = read_toml(paths.secrets_file)
    if name in doc.get("profiles", {}).get(profile, {}):
        return "secrets.toml"
    kr = _keyring(os.environ if env is None else env)
    if kr is not None and kr.get_password(SERVICE, _account(profile, name)):
        return "keyring"
    return None


def set_profile_secret(
    paths: Paths, profile: str, name: str, value: str | None, env: Mapping[str, str] | None = None
) -> Store | None:
    """Store (or, with ``None``, delete everywhere) one secret; returns where it went."""
    kr = _keyring(os.environ if env is None else env)
    stored: Store | None = None
    if value is not None and kr is not None:
        kr.set_password(SERVICE, _account(profile, name), value)
        stored = "keyring"
    elif kr is not None:
        # nothing stored there is fine; keyring raises its own exception types for that
        with contextlib.suppress(Exception):
            kr.delete_password(SERVICE, _account(profile, name))
    with writing(paths.secrets_file), locked(paths.secrets_file):
        doc: dict[str, Any] = read_toml(paths.secrets_file)
        profiles = doc.setdefault("profiles", {})
        section = profiles.setdefault(profile, {})
        if value is None or stored == "keyring":
            section.pop(name, None)
        else:
            section[name] = value
            stored = "secrets.toml"
        if not section:
            profiles.pop(profile, None)
        if paths.secrets_file.exists() or section:
            write_toml(paths.secrets_file, doc, mode=0o600)
    return stored


def forget_profile(paths: Paths, profile: str, env: Mapping[str, str] | None = None) -> list[str]:
    """Delete every secret of ``profile``; returns the names that were stored."""
    removed = [n for n in SECRET_NAMES if where(paths, profile, n, env) is not None]
    for name in SECRET_NAMES:
        set_profile_secret(paths, profile, name, None, env)
    return removed
