"""Load ``models.toml`` (from the installed package, wheel included) into frozen ``ModelInfo`` rows.

Each row carries the model's limits, the request rules the service enforces for it (thinking modes,
effort levels, sampling, prefill, thinking display), prompt-cache minimum, hosting options, list
prices, and where those facts were read. ``foundry_cli.catalog.rules`` turns a row plus the wanted
settings into the wire fields to send.
"""

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
#: accepted ``thinking.type`` values
THINKING_MODES = frozenset({"enabled", "adaptive", "disabled", "between_tools"})
#: ``output_config.effort`` levels, lowest first
EFFORT_LEVELS: tuple[str, ...] = ("low", "medium", "high", "xhigh", "max")
#: what a request without a ``thinking`` field gets
THINKING_DEFAULTS = frozenset({"off", "on", "always"})
THINKING_DISPLAYS = frozenset({"summarized", "omitted"})
HOSTING = frozenset({"azure", "anthropic"})
PRICE_KEYS: tuple[str, ...] = ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read")
DEPLOYMENT_TYPES = frozenset({"GlobalStandard", "DataZoneStandard"})
STATUSES = frozenset({"ga", "preview", "gated"})
#: regions offering Claude Global Standard deployments: ARM location -> display name (reference §7)
CLAUDE_REGIONS: dict[str, str] = {"eastus2": "East US 2", "swedencentral": "Sweden Central"}
_ID = re.compile(r"claude-[a-z0-9]+(?:-[a-z0-9]+)*")
_DATE_SUFFIX = re.compile(r"[-@]?(\d{8})$")


@dataclass(frozen=True)
class Price:
    """List prices in USD per million tokens."""

    input: float
    output: float
    cache_write_5m: float
    cache_write_1h: float
    cache_read: float
    #: for a second tier: the prompt size (input + cache writes + cache reads) above which it applies
    threshold: int | None = None

    def to_json(self) -> dict[str, object]:
        doc: dict[str, object] = {k: getattr(self, k) for k in PRICE_KEYS}
        if self.threshold is not None:
            doc["threshold"] = self.threshold
        return doc


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
    context_1m_beta: bool = False
    thinking_default: str = "off"
    thinking_off_max_effort: str | None = None
    thinking_display: str = "summarized"
    efforts: tuple[str, ...] = ()
    default_effort: str | None = None
    sampling: bool = True
    top_p_fixed: float | None = None
    prefill: bool = True
    min_cache_tokens: int = 1024
    hosting: tuple[str, ...] = ("anthropic",)
    price: Price | None = None
    price_long: Price | None = None
    source: tuple[str, ...] = ()
    checked: dt.date | None = None
    unconfirmed: tuple[str, ...] = ()

    @property
    def thinking_off(self) -> str:
        """How ``--thinking off`` is expressed on the wire.

        ``"omit"`` (thinking is off unless asked for: send nothing), ``"disabled"`` or
        ``"between_tools"`` (the ``thinking.type`` to send), ``"none"`` (thinking cannot be turned off).
        """
        if self.thinking_default == "off":
            return "omit"
        if self.thinking_default == "on":
            for mode in ("disabled", "between_tools"):
                if mode in self.thinking:
                    return mode
        return "none"

    def accepts(self, mode: str) -> bool:
        """Whether ``thinking.type = mode`` is accepted (``disabled`` is implied where thinking is off
        by default)."""
        return mode in self.thinking or (mode == "disabled" and self.thinking_default == "off")

    def retires_within(self, today: dt.date, days: int) -> bool:
        """True when the model retires on or before ``today + days`` (already retired included)."""
        return self.retires is not None and (self.retires - today).days <= days

    def cost_usd(
        self,
        input_tokens: int,
        output_tokens: int,
        cache_write_5m: int = 0,
        cache_write_1h: int = 0,
        cache_read: int = 0,
    ) -> float | None:
        """The list-price estimate of one request in USD; None when the price is unknown."""
        price = self.price
        if price is None:
            return None
        prompt = input_tokens + cache_write_5m + cache_write_1h + cache_read
        long = self.price_long
        if long is not None and long.threshold is not None and prompt > long.threshold:
            price = long
        total = (
            input_tokens * price.input
            + output_tokens * price.output
            + cache_write_5m * price.cache_write_5m
            + cache_write_1h * price.cache_write_1h
            + cache_read * price.cache_read
        )
        return total / 1_000_000

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
            "context_1m_beta": self.context_1m_beta,
            "thinking_default": self.thinking_default,
            "thinking_off_max_effort": self.thinking_off_max_effort,
            "thinking_display": self.thinking_display,
            "efforts": list(self.efforts),
            "default_effort": self.default_effort,
            "sampling": self.sampling,
            "top_p_fixed": self.top_p_fixed,
            "prefill": self.prefill,
            "min_cache_tokens": self.min_cache_tokens,
            "hosting": list(self.hosting),
            "price": self.price.to_json() if self.price else None,
            "price_long": self.price_long.to_json() if self.price_long else None,
            "source": list(self.source),
            "checked": self.checked.isoformat() if self.checked else None,
            "unconfirmed": list(self.unconfirmed),
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


def _bool(entry: dict[str, Any], key: str, where: str) -> bool:
    value = entry.get(key)
    if not isinstance(value, bool):
        raise _fail(where, f"`{key}` must be true or false")
    return value


def _choice(entry: dict[str, Any], key: str, where: str, allowed: frozenset[str] | tuple[str, ...]) -> str:
    value = entry.get(key)
    if value not in allowed:
        raise _fail(where, f"`{key}` must be one of {sorted(allowed)}")
    return str(value)


def _list(
    entry: dict[str, Any], key: str, where: str, allowed: frozenset[str] | None = None
) -> tuple[str, ...]:
    """A list of strings that may be empty (``efforts = []``, ``unconfirmed = []``)."""
    value = entry.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(where, f"`{key}` must be a list of strings")
    if allowed is not None and not set(value) <= allowed:
        raise _fail(where, f"`{key}` has {sorted(set(value) - allowed)}; allowed: {sorted(allowed)}")
    if len(set(value)) != len(value):
        raise _fail(where, f"`{key}` repeats a value")
    return tuple(value)


def _price(entry: dict[str, Any], key: str, where: str, tiered: bool) -> Price | None:
    value = entry.get(key)
    if value is None:
        return None
    wanted = set(PRICE_KEYS) | ({"threshold"} if tiered else set())
    if not isinstance(value, dict) or set(value) != wanted:
        raise _fail(where, f"`{key}` must be a table with exactly {sorted(wanted)} (USD per million tokens)")
    rates: dict[str, float] = {}
    for name in PRICE_KEYS:
        rate = value[name]
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate < 10_000:
            raise _fail(where, f"`{key}.{name}` must be a positive number (USD per million tokens)")
        rates[name] = float(rate)
    threshold = _int(value, "threshold", f"{where}, `{key}`") if tiered else None
    return Price(threshold=threshold, **rates)


KNOWN_FIELDS = frozenset(
    {
        "id", "context_window", "max_output_tokens", "thinking", "vision", "regions", "deployment_types",
        "status", "deprecated", "retires", "notes", "context_1m_beta", "thinking_default",
        "thinking_off_max_effort", "thinking_display", "efforts", "default_effort", "sampling", "top_p_fixed",
        "prefill", "min_cache_tokens", "hosting", "price", "price_long", "source", "checked", "unconfirmed",
    }
)  # fmt: skip


def _rules(entry: dict[str, Any], where: str) -> dict[str, Any]:
    """The request-rule fields of one row, checked against each other."""
    thinking = _strs(entry, "thinking", where, THINKING_MODES)
    default = _choice(entry, "thinking_default", where, THINKING_DEFAULTS)
    if default == "always" and {"disabled", "between_tools"} & set(thinking):
        raise _fail(where, "`thinking_default` is always but `thinking` lets it be turned off")
    if default == "on" and not {"adaptive", "enabled"} & set(thinking):
        raise _fail(where, "`thinking_default` is on but no thinking mode is accepted")
    off_max = entry.get("thinking_off_max_effort")
    if off_max is not None:
        off_max = _choice(entry, "thinking_off_max_effort", where, EFFORT_LEVELS)
        if default != "on":
            raise _fail(where, "`thinking_off_max_effort` needs thinking_default = on")
    efforts = _list(entry, "efforts", where, frozenset(EFFORT_LEVELS))
    efforts = tuple(e for e in EFFORT_LEVELS if e in efforts)  # lowest first, whatever the file's order
    default_effort = entry.get("default_effort")
    if efforts and default_effort not in efforts:
        raise _fail(where, "`default_effort` must be one of `efforts`")
    if not efforts and default_effort is not None:
        raise _fail(where, "`default_effort` given but `efforts` is empty")
    sampling = _bool(entry, "sampling", where)
    top_p = entry.get("top_p_fixed")
    if top_p is not None and (
        sampling or isinstance(top_p, bool) or not isinstance(top_p, (int, float)) or not 0 < top_p <= 1
    ):
        raise _fail(where, "`top_p_fixed` must be a number in (0, 1], only with sampling = false")
    return {
        "thinking": thinking,
        "thinking_default": default,
        "thinking_off_max_effort": off_max,
        "thinking_display": _choice(entry, "thinking_display", where, THINKING_DISPLAYS),
        "efforts": efforts,
        "default_effort": default_effort,
        "sampling": sampling,
        "top_p_fixed": None if top_p is None else float(top_p),
        "prefill": _bool(entry, "prefill", where),
    }


def parse_entry(entry: Any, index: int) -> ModelInfo:
    """One ``[[model]]`` table -> ModelInfo; raises ConfigError naming the entry and the field."""
    where = f"model #{index + 1}"
    if not isinstance(entry, dict):
        raise _fail(where, "not a table")
    model_id = entry.get("id")
    if not isinstance(model_id, str) or not _ID.fullmatch(model_id):
        raise _fail(where, "`id` must look like claude-NAME-VERSION (lower case)")
    where = f"model {model_id!r}"
    if unknown := set(entry) - KNOWN_FIELDS:
        raise _fail(where, f"unknown field(s) {sorted(unknown)}")
    status = entry.get("status", "ga")
    if status not in STATUSES:
        raise _fail(where, f"`status` must be one of {sorted(STATUSES)}")
    notes = entry.get("notes", "")
    if not isinstance(notes, str):
        raise _fail(where, "`notes` must be a string")
    regions = tuple(normalize_region(r) for r in _strs(entry, "regions", where))
    checked = _date(entry, "checked", where)
    if checked is None:
        raise _fail(where, "`checked` must be a date (YYYY-MM-DD): when the facts were read")
    facts = KNOWN_FIELDS - {"id", "source", "checked", "unconfirmed"}
    unconfirmed = _list(entry, "unconfirmed", where, facts)
    price = _price(entry, "price", where, tiered=False)
    price_long = _price(entry, "price_long", where, tiered=True)
    if price_long is not None and price is None:
        raise _fail(where, "`price_long` needs `price`")
    info = ModelInfo(
        id=model_id,
        context_window=_int(entry, "context_window", where),
        max_output_tokens=_int(entry, "max_output_tokens", where),
        vision=_bool(entry, "vision", where),
        regions=regions,
        deployment_types=_strs(entry, "deployment_types", where, DEPLOYMENT_TYPES),
        status=status,
        deprecated=_date(entry, "deprecated", where),
        retires=_date(entry, "retires", where),
        notes=notes,
        context_1m_beta=_bool(entry, "context_1m_beta", where),
        min_cache_tokens=_int(entry, "min_cache_tokens", where),
        hosting=_strs(entry, "hosting", where, HOSTING),
        price=price,
        price_long=price_long,
        source=_strs(entry, "source", where),
        checked=checked,
        unconfirmed=unconfirmed,
        **_rules(entry, where),
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
