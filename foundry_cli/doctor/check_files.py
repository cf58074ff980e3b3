"""doctor's local-files check: fclaude's folders and files are private, and secrets sit where they belong.

Fails (with the chmod/chown to run) when a folder or file is writable by other users or owned by
another account, as every command refuses to use it then; warns when ``secrets.toml`` is readable
by others or a profile in ``config.toml`` holds a key. Offline, no prerequisite.

Registered in ``checks.py``'s ``CHECKS`` as
``Check("files", "Local files and permissions", check_files)``.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from foundry_cli.config.fileio import trust_problem
from foundry_cli.config.paths import Paths, get_paths
from foundry_cli.config.secrets import exposure_warnings
from foundry_cli.doctor.runner import Outcome, failed, passed, warned
from foundry_cli.errors import ConfigError


def _candidates(paths: Paths) -> list[Path]:
    """The folders, then every file fclaude reads from them (those that exist)."""
    folders = list(dict.fromkeys((paths.config_dir, paths.data_dir, paths.cache_dir)))
    files = [paths.config_file, paths.secrets_file, paths.history_db, paths.cache_dir / "tokens.json"]
    with contextlib.suppress(OSError):
        files += sorted(paths.cache_dir.glob("msal-*.json"))
    return [*folders, *(f for f in files if f.exists() or f.is_symlink())]


def check_files(ctx: Any) -> Outcome:
    """``ctx`` needs only ``env`` (the environment the paths come from)."""
    env = getattr(ctx, "env", None) or os.environ
    try:
        paths = get_paths(env)
    except ConfigError as exc:
        return failed(exc.message)
    problems = [p for p in (trust_problem(path) for path in _candidates(paths)) if p]
    if problems:
        return failed(problems[0] + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    warnings = exposure_warnings(paths)
    if warnings:
        return warned(warnings[0] + (f" (and {len(warnings) - 1} more)" if len(warnings) > 1 else ""))
    if os.name != "posix":
        return passed(f"{paths.config_dir}: permissions are not checked on this system (ACLs)")
    return passed(f"{paths.config_dir} and its files are private to you")
