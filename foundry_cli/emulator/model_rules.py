"""The request rules of the models the emulator serves, read from the catalog's data file.

The emulator imports nothing of the client: it reads ``foundry_cli/catalog/models.toml`` (the same
data the client checks requests against) with ``tomllib`` as a plain file, so both sides enforce
one set of rules, and a model added there is enforced here with no code change. A deployment whose
model is not in the file is served without model rules, as before.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CATALOG = Path(__file__).resolve().parent.parent / "catalog" / "models.toml"
EFFORTS = ("low", "medium", "high", "xhigh", "max")
#: the minimum cacheable prompt of a model without rules
DEFAULT_MIN_CACHE_TOKENS = 1024


@dataclass(frozen=True)
class ModelRules:
    """What the service enforces for one model (see the field notes at the top of models.toml)."""

    id: str
    context_window: int
    max_output_tokens: int
    thinking: frozenset[str]
    thinking_default: str  # "off" | "on" | "always"
    thinking_off_max_effort: str | None
    thinking_display: str  # "summarized" | "omitted"
    efforts: tuple[str, ...]
    default_effort: str | None
    sampling: bool
    top_p_fixed: float | None
    prefill: bool
    min_cache_tokens: int

    def accepts(self, mode: str) -> bool:
        """``thinking.type = mode`` is accepted (``disabled`` is implied where thinking is off by default)."""
        return mode in self.thinking or (mode == "disabled" and self.thinking_default == "off")


def _rules(row: dict[str, object]) -> ModelRules:
    def num(key: str, default: int) -> int:
        value = row.get(key, default)
        return value if isinstance(value, int) else default

    def strs(key: str) -> tuple[str, ...]:
        value = row.get(key, [])
        return tuple(str(v) for v in value) if isinstance(value, list) else ()

    top_p = row.get("top_p_fixed")
    off_max = row.get("thinking_off_max_effort")
    default_effort = row.get("default_effort")
    return ModelRules(
        id=str(row["id"]),
        context_window=num("context_window", 200_000),
        max_output_tokens=num("max_output_tokens", 64_000),
        thinking=frozenset(strs("thinking")),
        thinking_default=str(row.get("thinking_default", "off")),
        thinking_off_max_effort=str(off_max) if off_max is not None else None,
        thinking_display=str(row.get("thinking_display", "summarized")),
        efforts=strs("efforts"),
        default_effort=str(default_effort) if default_effort is not None else None,
        sampling=bool(row.get("sampling", True)),
        top_p_fixed=float(top_p) if isinstance(top_p, (int, float)) else None,
        prefill=bool(row.get("prefill", True)),
        min_cache_tokens=num("min_cache_tokens", DEFAULT_MIN_CACHE_TOKENS),
    )


@lru_cache(maxsize=4)
def load_rules(path: Path = CATALOG) -> dict[str, ModelRules]:
    """Model id -> rules; empty when the data file is missing or unreadable (no rules enforced)."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    rows = doc.get("model")
    if not isinstance(rows, list):
        return {}
    return {str(r["id"]): _rules(r) for r in rows if isinstance(r, dict) and isinstance(r.get("id"), str)}


def rules_for(model: str | None) -> ModelRules | None:
    """The rules of a catalog model id, else None."""
    return load_rules().get(model) if model else None
