from __future__ import annotations

from pathlib import Path

import pytest

from foundry_cli.config.paths import get_paths
from foundry_cli.config.secrets import set_profile_secret
from foundry_cli.config.settings import SETTINGS, Value, resolve
from foundry_cli.config.store import save_profile
from foundry_cli.errors import ConfigError


def _paths(home: Path):  # type: ignore[no-untyped-def]
    return get_paths({"FCLAUDE_HOME": str(home)})


def test_fclaude_home_holds_every_file(tmp_path: Path) -> None:
    p = _paths(tmp_path)
    assert p.config_file == tmp_path / "config.toml"
    assert p.secrets_file == tmp_path / "secrets.toml"
    assert p.history_db == tmp_path / "history.db"
    assert p.cache_dir == tmp_path / "cache"


def test_defaults_with_nothing_configured(tmp_path: Path) -> None:
    r = resolve(env={"FCLAUDE_HOME": str(tmp_path)})
    assert r.profile is None and r.endpoint is None
    assert r.api == "messages" and r.source("api") == "default"
    assert r.max_tokens == 4096 and r.api_version == "2025-11-15-preview"
    assert r.scope == "https://ai.azure.com/.default"


def test_precedence_flag_over_env_over_profile_over_default(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    save_profile(paths, "work", {"endpoint": "myres", "deployment": "from-profile", "max_tokens": 1000})
    env = {"FCLAUDE_HOME": str(tmp_path), "FCLAUDE_DEPLOYMENT": "from-env"}
    r = resolve({"deployment": None}, env=env)
    assert r.profile == "work"  # default_profile set by the first save
    assert (r.deployment, r.source("deployment")) == ("from-env", "env FCLAUDE_DEPLOYMENT")
    assert (r.max_tokens, r.source("max_tokens")) == (1000, "profile work")
    assert r.source("temperature") == "default"
    assert ("deployment", "FCLAUDE_DEPLOYMENT") in r.shadowed
    r = resolve({"deployment": "from-flag"}, env=env)
    assert (r.deployment, r.source("deployment")) == ("from-flag", "flag")


def test_overrides_sit_between_flags_and_env(tmp_path: Path) -> None:
    env = {"FCLAUDE_HOME": str(tmp_path), "FCLAUDE_ENDPOINT": "envres"}
    r = resolve(env=env, overrides={"endpoint": Value("http://127.0.0.1:9", "emulator")})
    assert r.endpoint is not None and r.endpoint.root == "http://127.0.0.1:9"
    r = resolve(
        {"endpoint": "flagres"}, env=env, overrides={"endpoint": Value("http://127.0.0.1:9", "emulator")}
    )
    assert r.endpoint is not None and r.endpoint.root == "https://flagres.services.ai.azure.com"


@pytest.mark.parametrize(
    ("var", "value", "root"),
    [
        ("FCLAUDE_ENDPOINT", "a1", "https://a1.services.ai.azure.com"),
        ("ANTHROPIC_FOUNDRY_RESOURCE", "a2", "https://a2.services.ai.azure.com"),
        (
            "ANTHROPIC_FOUNDRY_BASE_URL",
            "https://a3.services.ai.azure.com/anthropic/",
            "https://a3.services.ai.azure.com",
        ),
        ("AZURE_API_BASE", "https://a4.services.ai.azure.com", "https://a4.services.ai.azure.com"),
    ],
)
def test_zero_config_endpoint_names(tmp_path: Path, var: str, value: str, root: str) -> None:
    r = resolve(env={"FCLAUDE_HOME": str(tmp_path), var: value})
    assert r.endpoint is not None and r.endpoint.root == root
    assert r.source("endpoint") == f"env {var}"


@pytest.mark.parametrize("var", ["FCLAUDE_API_KEY", "ANTHROPIC_FOUNDRY_API_KEY", "AZURE_API_KEY"])
def test_zero_config_key_names(tmp_path: Path, var: str) -> None:
    r = resolve(env={"FCLAUDE_HOME": str(tmp_path), var: "k-123"})
    assert (r.api_key, r.source("api_key")) == ("k-123", f"env {var}")


def test_endpoint_form_derives_project_and_api(tmp_path: Path) -> None:
    env = {
        "FCLAUDE_HOME": str(tmp_path),
        "FCLAUDE_ENDPOINT": "https://r.services.ai.azure.com/api/projects/p1",
    }
    r = resolve(env=env)
    assert r.project == "p1" and r.source("project").startswith("derived")
    assert r.api == "responses" and r.source("api") == "derived from endpoint form"
    r = resolve({"api": "messages"}, env=env)
    assert r.api == "messages"  # an explicit choice beats the hint


def test_secret_from_secrets_file_and_env_wins(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    save_profile(paths, "work", {"endpoint": "myres"})
    set_profile_secret(paths, "work", "api_key", "from-file")
    r = resolve(env={"FCLAUDE_HOME": str(tmp_path)})
    assert (r.api_key, r.source("api_key")) == ("from-file", "secrets.toml")
    assert (paths.secrets_file.stat().st_mode & 0o777) == 0o600
    assert "from-file" not in paths.config_file.read_text()
    r = resolve(env={"FCLAUDE_HOME": str(tmp_path), "FCLAUDE_API_KEY": "from-env"})
    assert r.api_key == "from-env"


def test_secret_is_never_saved_in_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="secret"):
        save_profile(_paths(tmp_path), "w", {"api_key": "x"})


def test_unknown_profile_names_known_ones(tmp_path: Path) -> None:
    save_profile(_paths(tmp_path), "work", {"endpoint": "myres"})
    with pytest.raises(ConfigError, match=r"'nope'.*work"):
        resolve(profile="nope", env={"FCLAUDE_HOME": str(tmp_path)})
    with pytest.raises(ConfigError, match="FCLAUDE_PROFILE"):
        resolve(env={"FCLAUDE_HOME": str(tmp_path), "FCLAUDE_PROFILE": "nope"})


@pytest.mark.parametrize(
    ("var", "value", "fragment"),
    [
        ("FCLAUDE_MAX_TOKENS", "lots", "whole number"),
        ("FCLAUDE_API", "graphql", "messages, responses"),
        ("FCLAUDE_AUTH", "password", "api-key"),
        ("FCLAUDE_TEMPERATURE", "9", "between"),
    ],
)
def test_bad_values_name_their_source(tmp_path: Path, var: str, value: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        resolve(env={"FCLAUDE_HOME": str(tmp_path), var: value})
    assert f"${var}" in info.value.message and fragment in info.value.message


def test_corrupt_config_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('default_profile = "a"\n[profiles.a]\nendpoint = \n')
    with pytest.raises(ConfigError) as info:
        resolve(env={"FCLAUDE_HOME": str(tmp_path)})
    assert "config.toml" in info.value.message and "line 3" in info.value.message


def test_every_setting_has_an_fclaude_env_var() -> None:
    for s in SETTINGS:
        assert any(v.startswith("FCLAUDE_") for v in s.env), s.name


def test_config_writes_are_atomic_and_private(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    save_profile(paths, "a", {"endpoint": "x"})
    save_profile(paths, "b", {"endpoint": "y"})
    assert (paths.config_file.stat().st_mode & 0o777) == 0o600
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    r = resolve(profile="b", env={"FCLAUDE_HOME": str(tmp_path)})
    assert r.endpoint is not None and r.endpoint.root == "https://y.services.ai.azure.com"


def test_every_registry_entry_is_a_typed_attribute(tmp_path: Path) -> None:
    import dataclasses
    import typing

    from foundry_cli.config.settings import SETTINGS, Settings

    meta = {"profile", "endpoint", "values", "shadowed", "conflicts"}
    fields = {f.name for f in dataclasses.fields(Settings)} - meta
    assert fields == {s.name for s in SETTINGS} - {"endpoint"}
    hints = typing.get_type_hints(Settings)
    r = resolve(env={"FCLAUDE_HOME": str(tmp_path), "FCLAUDE_MAX_TOKENS": "77", "FCLAUDE_ENDPOINT": "myres"})
    for name in fields:  # the attribute is the resolved value, of the declared type
        assert getattr(r, name) == r.values[name].value
    assert r.max_tokens == 77 and isinstance(r.max_tokens, int) and hints["max_tokens"] is int
    assert r.require_endpoint().root == "https://myres.services.ai.azure.com"
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.max_tokens = 1  # type: ignore[misc]
    scoped = r.replace(scope=Value("https://management.azure.com/.default", "control plane"))
    assert scoped.scope.startswith("https://management") and scoped.source("scope") == "control plane"
    assert r.scope != scoped.scope  # the original is untouched


def test_a_missing_endpoint_is_the_endpoint_missing_row(tmp_path: Path) -> None:
    r = resolve(env={"FCLAUDE_HOME": str(tmp_path)})
    with pytest.raises(ConfigError) as info:
        r.require_endpoint()
    assert info.value.row == "endpoint-missing"
