"""The model catalog: models.toml loads from the package, every entry is valid, lookups, regions."""

from __future__ import annotations

import datetime as dt
import json
import sys
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
context_1m_beta = false
thinking = ["enabled"]
thinking_default = "off"
thinking_display = "summarized"
efforts = []
sampling = true
prefill = true
min_cache_tokens = 1024
hosting = ["anthropic"]
vision = true
regions = ["East US 2"]
deployment_types = ["GlobalStandard"]
source = ["https://example.invalid/models"]
checked = 2026-11-30
unconfirmed = []
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
        "status", "deprecated", "retires", "notes", "context_1m_beta", "thinking_default",
        "thinking_off_max_effort", "thinking_display", "efforts", "default_effort", "sampling", "top_p_fixed",
        "prefill", "min_cache_tokens", "hosting", "price", "price_long", "source", "checked", "unconfirmed",
    }  # fmt: skip
    json.dumps(doc)  # JSON-ready


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


# --- request rules, prices and provenance (issue 10) ------------------------------------------

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from foundry_cli.catalog import EFFORT_LEVELS, ModelInfo  # noqa: E402
from foundry_cli.catalog.loader import KNOWN_FIELDS, PRICE_KEYS  # noqa: E402

#: fields every row must spell out (no silent defaults); optional ones are checked for consistency below
REQUIRED = {
    "id", "context_window", "max_output_tokens", "context_1m_beta", "thinking", "thinking_default",
    "thinking_display", "efforts", "sampling", "prefill", "min_cache_tokens", "hosting", "vision", "regions",
    "deployment_types", "status", "source", "checked", "unconfirmed",
}  # fmt: skip
RAW = tomllib.loads(resources.files("foundry_cli.catalog").joinpath("models.toml").read_text("utf-8"))[
    "model"
]


@pytest.mark.parametrize("row", RAW, ids=lambda r: r["id"])
def test_every_row_spells_out_every_field(row: dict[str, object]) -> None:
    assert set(row) >= REQUIRED, f"missing: {sorted(REQUIRED - set(row))}"
    assert set(row) <= KNOWN_FIELDS
    assert ("default_effort" in row) == bool(row["efforts"]), "a default effort exactly when efforts exist"
    assert ("top_p_fixed" in row) == (row["sampling"] is False), (
        "a removed top_p names its one accepted value"
    )


@pytest.mark.parametrize("model", load_catalog(), ids=lambda m: m.id)
def test_every_rule_is_valid(model: ModelInfo) -> None:
    assert model.thinking_default in {"off", "on", "always"}
    assert model.thinking_display in {"summarized", "omitted"}
    assert list(model.efforts) == [e for e in EFFORT_LEVELS if e in model.efforts]
    assert model.default_effort is None or model.default_effort in model.efforts
    assert model.thinking_off in {"omit", "disabled", "between_tools", "none"}
    if model.thinking_default == "always":
        assert model.thinking_off == "none" and not {"disabled", "between_tools"} & set(model.thinking)
    if model.thinking_default == "off":
        assert model.thinking_off == "omit"
    if "adaptive" in model.thinking:
        assert model.efforts, "adaptive thinking is steered by effort"
    assert model.sampling or model.top_p_fixed == 0.99
    assert 256 <= model.min_cache_tokens <= 8192
    assert model.hosting and set(model.hosting) <= {"azure", "anthropic"}
    assert isinstance(model.context_1m_beta, bool) and isinstance(model.prefill, bool)
    assert model.source and all(s.startswith(("https://", "MS: ", "pkg: ")) for s in model.source)
    assert model.checked == dt.date(2026, 11, 30)
    assert set(model.unconfirmed) <= KNOWN_FIELDS
    if model.price is not None:
        p = model.price
        assert all(0 < getattr(p, k) < 1000 for k in PRICE_KEYS)
        assert p.cache_read < p.input < p.cache_write_5m < p.cache_write_1h, "cache prices relative to input"
        assert p.output > p.input
    else:
        assert model.price_long is None


def test_models_the_reference_lists_are_all_there() -> None:
    ids = {m.id for m in load_catalog()}
    assert {
        "claude-opus-4-6", "claude-opus-4-7", "claude-opus-4-8", "claude-sonnet-4-6", "claude-sonnet-5",
        "claude-sonnet-5-5", "claude-opus-5", "claude-opus-5-5", "claude-haiku-5-5", "claude-fable-5",
        "claude-fable-5-1", "claude-fable-5-2", "claude-mythos-preview", "claude-mythos-5", "claude-mythos-5-1",
        "claude-mythos-5-2",
    } <= ids  # fmt: skip


def _m(model_id: str) -> ModelInfo:
    found = find_model(model_id)
    assert found is not None
    return found


def test_rule_facts_from_the_sources() -> None:
    # Opus 4.7: enabled rejected, sampling removed with top_p fixed at 0.99, display omitted, xhigh added
    o47 = _m("claude-opus-4-7")
    assert "enabled" not in o47.thinking and not o47.sampling and o47.top_p_fixed == 0.99
    assert o47.thinking_display == "omitted" and "xhigh" in o47.efforts and not o47.prefill
    # Opus 4.6 / Sonnet 4.6: enabled deprecated but accepted; no xhigh; prefill removed
    for mid in ("claude-opus-4-6", "claude-sonnet-4-6"):
        m = _m(mid)
        assert {"adaptive", "enabled"} <= set(m.thinking) and "xhigh" not in m.efforts and not m.prefill
    # the 2025 models: budget thinking only, sampling and prefill accepted, no effort (Opus 4.5: low..high)
    for mid in ("claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1"):
        m = _m(mid)
        assert "adaptive" not in m.thinking and m.sampling and m.prefill and m.efforts == ()
    assert _m("claude-opus-4-5").efforts == ("low", "medium", "high")
    # thinking always on: Opus 5.5, Fable, Mythos; Opus 5.5 defaults to medium effort
    for mid in ("claude-opus-5-5", "claude-fable-5", "claude-fable-5-1", "claude-mythos-5"):
        assert _m(mid).thinking_default == "always" and _m(mid).thinking == ("adaptive",)
    assert (
        _m("claude-opus-5-5").default_effort == "medium" and _m("claude-haiku-5-5").default_effort == "medium"
    )
    # Opus 5: on by default, disabled only at effort high or lower; Sonnet 5.5: between_tools instead
    assert (
        _m("claude-opus-5").thinking_off == "disabled"
        and _m("claude-opus-5").thinking_off_max_effort == "high"
    )
    assert _m("claude-sonnet-5-5").thinking_off == "between_tools"
    assert not _m("claude-sonnet-5-5").accepts("disabled") and not _m("claude-opus-5-5").accepts("disabled")
    assert _m("claude-sonnet-4-5").accepts("disabled"), "implied where thinking is off by default"
    # prompt cache minimums
    assert _m("claude-opus-4-8").min_cache_tokens == 1024 and _m("claude-fable-5").min_cache_tokens == 512
    assert _m("claude-opus-4-7").min_cache_tokens == 4096 and _m("claude-sonnet-4-6").min_cache_tokens == 2048
    # hosting: Fable only on Anthropic infrastructure; Opus 5.5 on both
    assert _m("claude-fable-5").hosting == ("anthropic",) and set(_m("claude-opus-5-5").hosting) == {
        "azure",
        "anthropic",
    }


def test_prices_and_cost_estimate() -> None:
    opus = _m("claude-opus-5-5")
    assert opus.price is not None and (opus.price.input, opus.price.output) == (4.0, 20.0)
    assert (
        opus.price.cache_read == 0.2 and opus.price.cache_write_5m == 5.0 and opus.price.cache_write_1h == 8.0
    )
    # 1M input + 100k output + 200k 5m writes + 50k 1h writes + 2M cache reads
    cost = opus.cost_usd(1_000_000, 100_000, 200_000, 50_000, 2_000_000)
    assert cost == pytest.approx(4.0 + 2.0 + 1.0 + 0.4 + 0.4)
    assert _m("claude-fable-5-2").price is None and _m("claude-fable-5-2").cost_usd(10, 10) is None, (
        "unknown, not 0"
    )
    haiku = _m(
        "claude-haiku-5-5"
    )  # two tiers: the whole request bills at the long tier past 100k prompt tokens
    assert haiku.cost_usd(100_000, 1_000_000) == pytest.approx(0.01 + 0.5)
    assert haiku.cost_usd(100_001, 1_000_000) == pytest.approx(100_001 * 0.5 / 1e6 + 2.5)


def test_retirement_is_relative_to_a_given_day() -> None:
    sonnet = _m("claude-sonnet-4-5")
    assert sonnet.retires_within(dt.date(2026, 10, 1), 60) and not sonnet.retires_within(
        dt.date(2026, 9, 1), 60
    )
    assert sonnet.retires_within(dt.date(2027, 1, 1), 0), "already retired counts"
    assert not _m("claude-opus-5-5").retires_within(dt.date(2026, 11, 30), 60)


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (('thinking_default = "off"', 'thinking_default = "sometimes"'), "thinking_default"),
        (('thinking_display = "summarized"', 'thinking_display = "full"'), "thinking_display"),
        (("efforts = []", 'efforts = ["turbo"]'), "efforts"),
        (("efforts = []", 'efforts = ["low"]'), "default_effort"),
        (("sampling = true", "sampling = true\ntop_p_fixed = 0.99"), "top_p_fixed"),
        (("prefill = true", 'prefill = "no"'), "prefill"),
        (("min_cache_tokens = 1024", "min_cache_tokens = -1"), "min_cache_tokens"),
        (('hosting = ["anthropic"]', 'hosting = ["aws"]'), "hosting"),
        (("checked = 2026-11-30", 'checked = "recently"'), "checked"),
        (("unconfirmed = []", 'unconfirmed = ["colour"]'), "unconfirmed"),
        (("vision = true", "vision = true\nprice = { input = 1.0 }"), "price"),
        (
            ("vision = true", "vision = true\nprice = { input = 0, output = 1, cache_write_5m = 1, "
             "cache_write_1h = 1, cache_read = 1 }"),
            "price.input",
        ),
        (('thinking_default = "off"', 'thinking_default = "always"\nthinking = ["adaptive", "disabled"]'), "always"),
        (("context_1m_beta = false", ""), "context_1m_beta"),
    ],
)  # fmt: skip
def test_invalid_rules_are_named(edit: tuple[str, str], problem: str) -> None:
    text = GOOD.replace(*edit)
    if edit[1].startswith('thinking_default = "always"'):
        text = text.replace('thinking = ["enabled"]\n', "", 1)
    with pytest.raises(ConfigError) as info:
        parse_catalog(text)
    assert problem in info.value.message and "models.toml" in info.value.message
