"""The model catalog: models.toml loads from the package, every entry is valid, lookups, regions."""

from __future__ import annotations

import datetime as dt
from importlib import resources

import pytest

from foundry_cli.catalog import (
    CLAUDE_REGIONS,
    DEPLOYMENT_TYPES,
    THINKING_MODES,
    find_model,
    is_claude_region,
    load_catalog,
    normalize_region,
    region_label,
)
from foundry_cli.catalog.loader import parse_catalog
from foundry_cli.errors import ConfigError

GOOD = """
[[model]]
id = "claude-test-1"
context_window = 200000
max_output_tokens = 64000
thinking = ["enabled"]
vision = true
regions = ["East US 2"]
deployment_types = ["GlobalStandard"]
"""


def test_the_packaged_file_loads() -> None:
    assert resources.files("foundry_cli.catalog").joinpath("models.toml").is_file()
    models = load_catalog()
    assert len(models) >= 10
    assert len({m.id for m in models}) == len(models)


@pytest.mark.parametrize("model", load_catalog(), ids=lambda m: m.id)
def test_every_entry_is_valid(model: object) -> None:
    from foundry_cli.catalog import ModelInfo

    assert isinstance(model, ModelInfo)
    assert model.id.startswith("claude-")
    assert 0 < model.max_output_tokens <= model.context_window
    assert model.thinking and set(model.thinking) <= THINKING_MODES
    assert model.deployment_types and set(model.deployment_types) <= DEPLOYMENT_TYPES
    assert model.regions and all(is_claude_region(r) for r in model.regions)
    assert isinstance(model.vision, bool)
    for when in (model.deprecated, model.retires):
        assert when is None or isinstance(when, dt.date)
    doc = model.to_json()
    assert set(doc) == {
        "id", "context_window", "max_output_tokens", "thinking", "vision", "regions", "deployment_types",
        "status", "deprecated", "retires", "notes",
    }  # fmt: skip


def test_known_facts_from_the_reference() -> None:
    sonnet = find_model("claude-sonnet-4-5")
    assert sonnet is not None and sonnet.context_window == 200_000 and sonnet.max_output_tokens == 64_000
    assert sonnet.retires == dt.date(2026, 11, 30)
    opus45 = find_model("claude-opus-4-5")
    assert opus45 is not None and opus45.retires == dt.date(2027, 1, 22)
    opus41 = find_model("claude-opus-4-1")
    assert opus41 is not None and opus41.max_output_tokens == 32_000
    big = find_model("claude-opus-4-6")
    assert big is not None and big.context_window == 1_000_000 and "adaptive" in big.thinking


@pytest.mark.parametrize(
    "name",
    ["claude-sonnet-4-5", "Claude-Sonnet-4-5", "claude-sonnet-4.5", "claude-sonnet-4-5-20250929",
     "claude-sonnet-4-5@20250929", "anthropic/claude-sonnet-4-5"],
)  # fmt: skip
def test_find_model_by_deployment_model_name(name: str) -> None:
    found = find_model(name)
    assert found is not None and found.id == "claude-sonnet-4-5"


def test_find_model_unknown() -> None:
    assert find_model("gpt-4o") is None
    assert find_model("claude-sonnet-9-9") is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [("East US 2", "eastus2"), ("eastus2", "eastus2"), ("EASTUS2", "eastus2"), ("Sweden Central", "swedencentral"),
     ("east-us-2", "eastus2"), ("West Europe", "westeurope")],
)  # fmt: skip
def test_region_normaliser(given: str, expected: str) -> None:
    assert normalize_region(given) == expected


def test_claude_regions() -> None:
    assert set(CLAUDE_REGIONS) == {"eastus2", "swedencentral"}
    assert is_claude_region("East US 2") and is_claude_region("swedencentral")
    assert not is_claude_region("westeurope") and not is_claude_region("West Europe")
    assert region_label("eastus2") == "East US 2" and region_label("westeurope") == "westeurope"


def test_adding_a_model_is_editing_the_toml() -> None:
    (model,) = parse_catalog(GOOD)
    assert model.id == "claude-test-1" and model.regions == ("eastus2",) and model.retires is None


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (('thinking = ["enabled"]', 'thinking = ["sometimes"]'), "thinking"),
        (("vision = true", 'vision = "yes"'), "vision"),
        (("context_window = 200000", "context_window = 0"), "context_window"),
        (("max_output_tokens = 64000", "max_output_tokens = 300000"), "max_output_tokens"),
        (('deployment_types = ["GlobalStandard"]', 'deployment_types = ["Standard"]'), "deployment_types"),
        (('id = "claude-test-1"', 'id = "Claude Test"'), "id"),
        (("vision = true", 'vision = true\nretires = "soon"'), "retires"),
        (("vision = true", "vision = true\ncolour = 1"), "unknown"),
    ],
)
def test_invalid_entries_are_named(edit: tuple[str, str], problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_catalog(GOOD.replace(*edit))
    assert problem in info.value.message and "models.toml" in info.value.message


def test_duplicates_and_bad_toml() -> None:
    with pytest.raises(ConfigError, match="duplicate"):
        parse_catalog(GOOD + GOOD)
    with pytest.raises(ConfigError):
        parse_catalog("[[model]\n")
    with pytest.raises(ConfigError, match="no"):
        parse_catalog("")
