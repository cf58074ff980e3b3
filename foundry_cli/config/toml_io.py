"""Read and write TOML files with errors that name the file and the line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from foundry_cli.config.fileio import atomic_write
from foundry_cli.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


def read_toml(path: Path) -> dict[str, Any]:
    """Parse ``path``; a missing file is an empty document.

    Raises:
        ConfigError: the file is unreadable or not valid TOML (message names file and line).
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    try:
        doc: dict[str, Any] = tomllib.loads(raw.decode("utf-8"))
        return doc
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text; fix or delete it.") from None
    except tomllib.TOMLDecodeError as exc:
        # the decoder's message ends with "(at line L, column C)"
        raise ConfigError(f"{path} is not valid TOML: {exc}. Fix that line or delete the file.") from None


def write_toml(path: Path, doc: dict[str, Any], mode: int = 0o600) -> None:
    import tomli_w

    atomic_write(path, tomli_w.dumps(doc).encode("utf-8"), mode=mode)
