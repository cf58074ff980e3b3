"""Issue 9, finding 8 and the local lows: fclaude's own folder and files are not trusted blindly.

Refused (exit 3, with the chmod/chown to run): FCLAUDE_HOME or a file in it writable by others,
or owned by another account. Warned: secrets.toml readable by others; a key in config.toml.
Bounded and typed: FIFOs and devices in place of config/cache files, nesting bombs, ``~nouser``,
a UTF-8 BOM (accepted), disk full / permission denied while writing.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path

import pytest

from foundry_cli.auth.base import AccessToken
from foundry_cli.auth.cache import TokenCache
from foundry_cli.config import fileio, toml_io
from foundry_cli.config.paths import get_paths
from foundry_cli.config.store import save_profile
from foundry_cli.errors import ConfigError
from tests.support import CANARY_KEY, Fclaude

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX modes and owners")
NOBODY = 65534


def _home(home: Path) -> Path:
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    return home


def _profile(home: Path, endpoint: str, extra: str = "") -> None:
    (_home(home) / "config.toml").write_text(
        f'default_profile = "work"\n[profiles.work]\nendpoint = "{endpoint}"\n'
        f'deployment = "claude-sonnet-4-5"\n{extra}'
    )


# -- refused: writable by others, owned by another account -----------------------------------


@posix_only
def test_a_world_writable_home_is_refused_with_the_chmod(fclaude: Fclaude, hermetic_env: Path) -> None:
    _home(hermetic_env).chmod(0o777)
    r = fclaude("ask", "hi")
    assert r.exit_code == 3, r.stderr
    assert f"chmod go-w {hermetic_env}" in r.stderr and "writable by everyone" in r.stderr
    assert r.stdout == ""


@posix_only
def test_a_group_writable_config_is_refused(fclaude: Fclaude, hermetic_env: Path, emu: object) -> None:
    _profile(hermetic_env, "https://example.services.ai.azure.com")
    config = hermetic_env / "config.toml"
    os.chown(config, -1, NOBODY)  # a group that is not the user's own private group
    config.chmod(0o664)
    r = fclaude("profile", "list")
    assert r.exit_code == 3, r.stderr
    assert f"chmod go-w {config}" in r.stderr and "writable by its group" in r.stderr


@posix_only
@pytest.mark.skipif(os.name == "posix" and os.geteuid() != 0, reason="chown to another uid needs root")
def test_a_config_owned_by_another_account_is_refused_with_the_chown(
    fclaude: Fclaude, hermetic_env: Path
) -> None:
    _profile(hermetic_env, "https://example.services.ai.azure.com")
    config = hermetic_env / "config.toml"
    os.chown(config, NOBODY, -1)
    r = fclaude("profile", "list")
    assert r.exit_code == 3, r.stderr
    assert "owned by another account" in r.stderr and f"chown root {config}" in r.stderr


@posix_only
def test_writable_token_cache_is_refused(hermetic_env: Path) -> None:
    cache = TokenCache(hermetic_env / "cache")
    cache.put("k", AccessToken("tok", 9e9))
    cache.path.chmod(0o666)
    with pytest.raises(ConfigError, match="chmod go-w"):
        cache.get("k")


@posix_only
def test_writable_token_cache_stops_ask_with_exit_3(fclaude: Fclaude, hermetic_env: Path) -> None:
    cache = TokenCache(hermetic_env / "cache")
    cache.put("k", AccessToken("tok", 9e9))
    (hermetic_env / "cache").chmod(0o777)
    r = fclaude("ask", "hi", FCLAUDE_AUTH="azure-cli", FCLAUDE_API_KEY="")
    assert r.exit_code == 3, r.stderr
    assert f"chmod go-w {hermetic_env / 'cache'}" in r.stderr


@posix_only
def test_writable_history_is_refused_by_history_commands(fclaude: Fclaude, hermetic_env: Path) -> None:
    assert fclaude("ask", "hi").exit_code == 0
    (hermetic_env / "history.db").chmod(0o666)
    r = fclaude("history", "list")
    assert r.exit_code == 3, r.stderr
    assert "chmod go-w" in r.stderr and "history.db" in r.stderr


@posix_only
def test_user_private_group_is_accepted(hermetic_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = _home(hermetic_env)
    home.chmod(0o770)
    monkeypatch.setattr(fileio, "_private_group", lambda gid: True)  # umask 002 distributions
    assert fileio.trust_problem(home) is None
    monkeypatch.setattr(fileio, "_private_group", lambda gid: False)
    assert "writable by its group" in str(fileio.trust_problem(home))


# -- warnings: secrets readable by others, a key in config.toml ------------------------------


@posix_only
def test_readable_secrets_file_warns_and_still_works(
    fclaude: Fclaude, hermetic_env: Path, emu: object
) -> None:
    _profile(hermetic_env, emu.base_url)  # type: ignore[attr-defined]
    secrets = hermetic_env / "secrets.toml"
    secrets.write_text(f'[profiles.work]\napi_key = "{CANARY_KEY}"\n')
    secrets.chmod(0o644)
    r = fclaude("ask", "hi", FCLAUDE_ENDPOINT="", FCLAUDE_API_KEY="")
    assert r.exit_code == 0, r.stderr
    assert f"chmod 600 {secrets}" in r.stderr and "other users can read it" in r.stderr


def test_a_key_in_config_toml_gets_a_warning(fclaude: Fclaude, hermetic_env: Path, emu: object) -> None:
    _profile(hermetic_env, emu.base_url, f'api_key = "{CANARY_KEY}"\n')  # type: ignore[attr-defined]
    r = fclaude("ask", "hi", FCLAUDE_ENDPOINT="", FCLAUDE_API_KEY="")
    assert r.exit_code == 0, r.stderr
    assert "config.toml is meant to be shareable" in r.stderr and "fclaude login --profile work" in r.stderr


# -- folders are created private --------------------------------------------------------------


@posix_only
def test_home_is_0700_even_when_the_cache_folder_is_created_first(hermetic_env: Path) -> None:
    assert not hermetic_env.exists()
    TokenCache(get_paths().cache_dir).put("k", AccessToken("tok", 9e9))
    assert stat.S_IMODE(hermetic_env.stat().st_mode) == 0o700
    assert stat.S_IMODE((hermetic_env / "cache").stat().st_mode) == 0o700


# -- special files, bombs, odd names: typed errors, never a hang or a crash -------------------


def test_unknown_user_home_is_a_config_error(fclaude: Fclaude) -> None:
    r = fclaude("ask", "hi", FCLAUDE_HOME="~no-such-user-e1/fclaude")
    assert r.exit_code == 3, r.stderr
    assert "FCLAUDE_HOME" in r.stderr and "unexpected error" not in r.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX FIFOs")
def test_a_fifo_as_config_toml_is_refused_without_hanging(fclaude: Fclaude, hermetic_env: Path) -> None:
    os.mkfifo(_home(hermetic_env) / "config.toml", 0o600)
    r = fclaude("profile", "list", timeout=20)
    assert r.exit_code == 3, r.stderr
    assert "named pipe (FIFO)" in r.stderr


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_dev_zero_as_config_toml_is_refused(fclaude: Fclaude, hermetic_env: Path) -> None:
    (_home(hermetic_env) / "config.toml").symlink_to("/dev/zero")
    r = fclaude("profile", "list", timeout=20)
    assert r.exit_code == 3, r.stderr
    assert "a device" in r.stderr


def test_an_oversized_config_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "config.toml"
    big.write_bytes(b"# " + b"x" * toml_io.MAX_TOML_BYTES)
    with pytest.raises(ConfigError, match="larger than"):
        toml_io.read_toml(big)


def test_a_nesting_bomb_in_config_is_a_config_error(fclaude: Fclaude, hermetic_env: Path) -> None:
    (_home(hermetic_env) / "config.toml").write_text("x = " + "[" * 50_000 + "]" * 50_000 + "\n")
    r = fclaude("profile", "list")
    assert r.exit_code == 3, r.stderr
    assert "nests" in r.stderr and "RecursionError" not in r.stderr


@pytest.mark.parametrize(
    "text",
    ["a" + ".a" * 5_000 + " = 1\n", "[" + '"p".' * 5_000 + "x]\n", "x = {" + "a." * 5_000 + "b = 1}\n"],
    ids=["dotted-key", "table-header", "inline-table"],
)
def test_a_dotted_key_bomb_is_refused_before_parsing(tmp_path: Path, text: str) -> None:
    # tomllib's cost is quadratic in a dotted key's length: 10,000 parts took 3.8 s and 400 MB
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="dotted key of more than"):
        toml_io.read_toml(path)


def test_ordinary_dotted_keys_and_dotted_values_still_parse(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        'profiles.work.endpoint = "https://' + "a." * 40 + 'com"\n[profiles.home]\nmax_tokens = 1.5\n'
    )
    assert toml_io.read_toml(path)["profiles"]["work"]["endpoint"].count(".") == 40


@pytest.mark.parametrize(
    "content",
    [b"[" * 100_000 + b"]" * 100_000, None],
    ids=["nesting-bomb", "fifo"],
)
def test_a_bad_token_cache_is_set_aside_and_rebuilt(hermetic_env: Path, content: bytes | None) -> None:
    folder = hermetic_env / "cache"
    fileio.ensure_private_dir(folder)
    path = folder / "tokens.json"
    if content is None:
        if not hasattr(os, "mkfifo"):
            pytest.skip("POSIX FIFOs")
        os.mkfifo(path, 0o600)
    else:
        path.write_bytes(content)
    warnings: list[str] = []
    cache = TokenCache(folder, warn=warnings.append)
    assert cache.get("k") is None  # before the fix: RecursionError, or a hang on the FIFO
    assert warnings and "moved to" in warnings[0]
    cache.put("k", AccessToken("tok", 9e9))
    assert json.loads(path.read_text())["tokens"]["k"]["access_token"] == "tok"


def test_a_utf8_bom_in_config_is_accepted(fclaude: Fclaude, hermetic_env: Path) -> None:
    (_home(hermetic_env) / "config.toml").write_bytes(
        b'\xef\xbb\xbfdefault_profile = "work"\n[profiles.work]\nendpoint = "myres"\n'
    )
    r = fclaude("profile", "list", "--json")
    assert r.exit_code == 0, r.stderr
    assert [p["name"] for p in json.loads(r.stdout)] == ["work"]


@pytest.mark.parametrize(
    ("code", "label"),
    [(errno.ENOSPC, "the disk is full"), (errno.EACCES, "permission denied"), (errno.EROFS, "read-only")],
)
def test_write_failures_in_login_are_config_errors_with_the_cause(
    hermetic_env: Path, monkeypatch: pytest.MonkeyPatch, code: int, label: str
) -> None:
    def failing(path: Path, data: bytes, mode: int = 0o600) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(toml_io, "atomic_write", failing)
    with pytest.raises(ConfigError, match=label) as caught:
        save_profile(get_paths(), "work", {"endpoint": "myres"})
    assert "config.toml" in caught.value.message


def test_a_profile_that_is_not_a_table_is_a_config_error(fclaude: Fclaude, hermetic_env: Path) -> None:
    (_home(hermetic_env) / "config.toml").write_text('default_profile = "work"\nprofiles = { work = 5 }\n')
    r = fclaude("ask", "hi")
    assert r.exit_code == 3, r.stderr
    assert "[profiles.work]" in r.stderr


def test_logout_with_an_unwritable_cache_is_a_config_error(hermetic_env: Path) -> None:
    from foundry_cli.auth.cache import forget_profile

    _home(hermetic_env)
    (hermetic_env / "cache").write_text("a file where the cache folder belongs")
    with pytest.raises(ConfigError, match="Cannot write the token cache in"):
        forget_profile(get_paths(), "work")
