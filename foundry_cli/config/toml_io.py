"""Read and write TOML files with errors that name the file and the line."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from foundry_cli.config.fileio import (
    NotRegular,
    TooLarge,
    atomic_write,
    check_trusted,
    os_error_label,
    read_bounded,
    writing,
)
from foundry_cli.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

#: config.toml and secrets.toml are a few kB; anything past this is not one of them
MAX_TOML_BYTES = 1024 * 1024
#: fclaude's keys have 3 parts (profiles.NAME.setting); 10,000 parts cost tomllib 400 MB
MAX_KEY_PARTS = 32
_PART = r"""(?:[A-Za-z0-9_-]+|"[^"\n]*"|'[^'\n]*')"""
#: a key starts a line (after ``[``/``[[`` for a header) or follows ``{``/``,`` in an inline table
_DEEP_KEY = re.compile(rf"(?:^|[{{,])[ \t\[]*(?:{_PART}[ \t]*\.[ \t]*){{{MAX_KEY_PARTS}}}", re.MULTILINE)


def read_toml(path: Path) -> dict[str, Any]:
    """Parse ``path``; a missing file is an empty document. A UTF-8 BOM (Notepad's) is accepted.

    The folder and the file must be trusted (:func:`~foundry_cli.config.fileio.check_trusted`),
    the file must be a regular file of at most :data:`MAX_TOML_BYTES`.

    Raises:
        ConfigError: the file is untrusted, unreadable, not a regular file, too large, or not
            valid TOML (the message names the file and the line).
    """
    check_trusted(path.parent, path)
    try:
        raw = read_bounded(path, MAX_TOML_BYTES)
    except FileNotFoundError:
        return {}
    except NotRegular as exc:
        raise ConfigError(f"{exc.strerror}; fclaude reads only regular files. Remove it.") from None
    except TooLarge:
        raise ConfigError(
            f"{path} is larger than {MAX_TOML_BYTES // 1024} kB, which no fclaude file is; "
            "check what it is, then move it aside."
        ) from None
    except OSError as exc:
        raise ConfigError(f"Cannot read {path}: {os_error_label(exc)}.") from None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text; fix or delete it.") from None
    if _DEEP_KEY.search(text):  # tomllib's cost grows with the square of a dotted key's length
        raise ConfigError(
            f"{path} has a dotted key of more than {MAX_KEY_PARTS} parts, which no fclaude file has; "
            "fix or delete it."
        )
    try:
        doc: dict[str, Any] = tomllib.loads(text)
        return doc
    except tomllib.TOMLDecodeError as exc:
        # the decoder's message ends with "(at line L, column C)"
        raise ConfigError(f"{path} is not valid TOML: {exc}. Fix that line or delete the file.") from None
    except RecursionError:
        raise ConfigError(
            f"{path} nests arrays or tables too deeply to be an fclaude file; fix or delete it."
        ) from None


def write_toml(path: Path, doc: dict[str, Any], mode: int = 0o600) -> None:
    """Write ``doc`` atomically (0600). Raises ConfigError naming the cause (disk full, ...)."""
    import tomli_w

    data = tomli_w.dumps(doc).encode("utf-8")
    with writing(path):
        atomic_write(path, data, mode=mode)
