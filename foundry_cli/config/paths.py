"""Where fclaude keeps its files. ``FCLAUDE_HOME`` puts everything in one folder."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from foundry_cli.errors import ConfigError


@dataclass(frozen=True)
class Paths:
    config_dir: Path
    data_dir: Path
    cache_dir: Path

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def secrets_file(self) -> Path:
        return self.config_dir / "secrets.toml"

    @property
    def history_db(self) -> Path:
        return self.data_dir / "history.db"

    @property
    def token_cache_dir(self) -> Path:
        return self.cache_dir


def get_paths(env: Mapping[str, str] | None = None) -> Paths:
    """Resolve the three folders: ``FCLAUDE_HOME`` if set, else platformdirs for ``fclaude``."""
    env = os.environ if env is None else env
    home = env.get("FCLAUDE_HOME")
    if home:
        try:
            root = Path(home).expanduser()
        except RuntimeError:  # "~nouser": no such account, or no home folder to expand ~ to
            raise ConfigError(
                f"FCLAUDE_HOME={home!r} starts with ~ but that home folder cannot be found; "
                "set FCLAUDE_HOME to an absolute path."
            ) from None
        return Paths(config_dir=root, data_dir=root, cache_dir=root / "cache")
    import platformdirs  # lazy: only needed without FCLAUDE_HOME

    return Paths(
        config_dir=Path(platformdirs.user_config_dir("fclaude", appauthor=False)),
        data_dir=Path(platformdirs.user_data_dir("fclaude", appauthor=False)),
        cache_dir=Path(platformdirs.user_cache_dir("fclaude", appauthor=False)),
    )
