"""Load ``models.toml`` (from the installed package, wheel included) into frozen ``ModelInfo`` rows."""

from __future__ import annotations

import datetime as dt
import re
import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from foundry_cli.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CATALOG_FILE = "models.toml"
THINKING_MODES = frozenset({"enabled", "adaptive"})
DEPLOYMENT_TYPES = frozenset({"GlobalStandard", "DataZoneStandard"})
STATUSES = frozenset({"ga", "preview", "gated"})
#: regions offering Claude Global Standard deployments: ARM location -> display name (reference §7)
CLAUDE_REGIONS: dict[str, str] = {"eastus2": "East US 2", "swedencentral": "Sweden Central"}
_ID = re.compile(r"claude-[a-z0-9]+(?:-[a-z0-9]+)*")
_DATE_SUFFIX = re.compile(r"[-@]?(\d{8})$")


@dataclass(frozen=True)
class ModelInfo:
    id: str
    context_window: int
    max_output_tokens: int
    thinking: tuple[str, ...]
    vision: bool
    regions: tuple[str, ...]
    deployment_types: tuple[str, ...]
    status: str = "ga"
    deprecated: dt.date | None = None
    retires: dt.date | None = None
    notes: str = ""

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict with a stable key set (dates as ISO strings)."""
        return {
            "id": self.id,
            "context_window": self.context_window,
            "max_output_tokens": self.max_output_tokens,
            "thinking": list(self.thinking),
            "vision": self.vision,
            "regions": list(self.regions),
            "deployment_types": list(self.deployment_types),
            "status": self.status,
            "deprecated": self.deprecated.isoformat() if self.deprecated else None,
            "retires": self.retires.isoformat() if self.retires else None,
            "notes": self.notes,
        }


def normalize_region(name: str) -> str:
    """``"East US 2"``, ``"eastus2"``, ``"east-us-2"`` -> ``"eastus2"`` (the ARM location form)."""
    return re.sub(r"[\s_\-]+", "", name).lower()


def is_claude_region(name: str) -> bool:
    return normalize_region(name) in CLAUDE_REGIONS


def region_label(name: str) -> str:
    """The display name of a region (``"eastus2"`` -> ``"East US 2"``); unknown ones as given."""
    return CLAUDE_REGIONS.get(normalize_region(name), name)


def _fail(where: str, problem: str) -> ConfigError:
    return ConfigError(f"Invalid model catalog ({CATALOG_FILE}), {where}: {problem}.")


def _strs(
    entry: dict[str, Any], key: str, where: str, allowed: frozenset[str] | None = None
) -> tuple[str, ...]:
    value = entry.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise _fail(where, f"`{key}` must be a non-empty list of strings")
    if allowed is not None and not set(value) <= allowed:
        raise _fail(where, f"`{key}` has {sorted(set(value) - allowed)}; allowed: {sorted(allowed)}")
    return tuple(value)


def _int(entry: dict[str, Any], key: str, where: str) -> int:
    value = entry.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise _fail(where, f"`{key}` must be a positive integer")
    return value


def _date(entry: dict[str, Any], key: str, where: str) -> dt.date | None:
    value = entry.get(key)
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise _fail(where, f"`{key}` must be a date (YYYY-MM-DD)")


def parse_entry(entry: Any, index: int) -> ModelInfo:
    """One ``[[model]]`` table -> ModelInfo; raises ConfigError naming the entry and the field."""
    where = f"model #{index + 1}"
    if not isinstance(entry, dict):
        raise _fail(where, "not a table")
    model_id = entry.get("id")
    if not isinstance(model_id, str) or not _ID.fullmatch(model_id):
        raise _fail(where, "`id` must look like claude-NAME-VERSION (lower case)")
    where = f"model {model_id!r}"
    known = {
        "id", "context_window", "max_output_tokens", "thinking", "vision", "regions",
        "deployment_types", "status", "deprecated", "retires", "notes",
    }  # fmt: skip
    if unknown := set(entry) - known:
        raise _fail(where, f"unknown field(s) {sorted(unknown)}")
    vision = entry.get("vision")
    if not isinstance(vision, bool):
        raise _fail(where, "`vision` must be true or false")
    status = entry.get("status", "ga")
    if status not in STATUSES:
        raise _fail(where, f"`status` must be one of {sorted(STATUSES)}")
    notes = entry.get("notes", "")
    if not isinstance(notes, str):
        raise _fail(where, "`notes` must be a string")
    regions = tuple(normalize_region(r) for r in _strs(entry, "regions", where))
    info = ModelInfo(
        id=model_id,
        context_window=_int(entry, "context_window", where),
        max_output_tokens=_int(entry, "max_output_tokens", where),
        thinking=_strs(entry, "thinking", where, THINKING_MODES),
        vision=vision,
        regions=regions,
        deployment_types=_strs(entry, "deployment_types", where, DEPLOYMENT_TYPES),
        status=status,
        deprecated=_date(entry, "deprecated", where),
        retires=_date(entry, "retires", where),
        notes=notes,
    )
    if info.max_output_tokens > info.context_window:
        raise _fail(where, "`max_output_tokens` exceeds `context_window`")
    return info


def parse_catalog(text: str) -> tuple[ModelInfo, ...]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Invalid model catalog ({CATALOG_FILE}): {exc}.") from None
    entries = doc.get("model")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"Invalid model catalog ({CATALOG_FILE}): no [[model]] entries.")
    models = tuple(parse_entry(e, i) for i, e in enumerate(entries))
    ids = [m.id for m in models]
    if dupes := sorted({i for i in ids if ids.count(i) > 1}):
        raise ConfigError(f"Invalid model catalog ({CATALOG_FILE}): duplicate id(s) {dupes}.")
    return models


@cache
def load_catalog() -> tuple[ModelInfo, ...]:
    """Every model in the packaged ``models.toml``, in file order."""
    text = resources.files("foundry_cli.catalog").joinpath(CATALOG_FILE).read_text(encoding="utf-8")
    return parse_catalog(text)


def _canonical(name: str) -> str:
    name = name.strip().lower().replace(".", "-").replace("_", "-")
    name = name.split("/")[-1]  # "anthropic/claude-…" or a registry path
    return _DATE_SUFFIX.sub("", name)


def find_model(name: str) -> ModelInfo | None:
    """The catalog entry for a model id or the model name a deployment carries.

    Tolerates case, a ``-YYYYMMDD`` / ``@YYYYMMDD`` version suffix, dots for dashes
    (``claude-sonnet-4.5``) and a publisher prefix (``anthropic/…``).
    """
    models = load_catalog()
    for model in models:
        if model.id == name:
            return model
    wanted = _canonical(name)
    return next((m for m in models if m.id == wanted), None)
