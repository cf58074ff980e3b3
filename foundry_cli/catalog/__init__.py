"""The Claude model catalog: data in ``models.toml``, read by :mod:`foundry_cli.catalog.loader`.

Standard library only (plus ``foundry_cli.errors``), so api, doctor and cli can all use it.
"""

from __future__ import annotations

from foundry_cli.catalog.loader import (
    CLAUDE_REGIONS,
    DEPLOYMENT_TYPES,
    EFFORT_LEVELS,
    THINKING_MODES,
    ModelInfo,
    Price,
    find_model,
    is_claude_region,
    load_catalog,
    normalize_region,
    region_label,
)
from foundry_cli.catalog.rules import Plan, Refusal, Wanted, plan_request

__all__ = [
    "CLAUDE_REGIONS",
    "DEPLOYMENT_TYPES",
    "EFFORT_LEVELS",
    "THINKING_MODES",
    "ModelInfo",
    "Plan",
    "Price",
    "Refusal",
    "Wanted",
    "find_model",
    "is_claude_region",
    "load_catalog",
    "normalize_region",
    "plan_request",
    "region_label",
]
