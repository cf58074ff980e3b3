"""The persistent token cache: expiry, corrupt files, concurrent writers, permissions, msal merge."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from foundry_cli.auth.base import AccessToken, BearerCredential
from foundry_cli.auth.cache import CachedProvider, CacheKey, MsalCache, TokenCache, forget_profile
from foundry_cli.config.paths import get_paths
from tests.auth.conftest import ROOT

SCOPE = "https://ai.azure.com/.default"


class CountingProvider:
    """A stand-in TokenProvider (the real modes are tested against az / the emulator)."""

    description = "counting"

    def __init__(self, lifetime: float = 3600) -> None:
        self.calls = 0
        self.lifetime = lifetime

    def get_token(self, scope: str) -> AccessToken:
        self.calls += 1
        return AccessToken(f"token-{self.calls}", time.time() + self.lifetime)


@pytest.fixture
def cache_dir(hermetic_env: Path) -> Path:
    return get_paths({"FCLAUDE_HOME": str(hermetic_env)}).cache_dir


def test_put_get_and_the_five_minute_rule(cache_dir: Path) -> None:
    now = [1_000_000.0]
    cache = TokenCache(cache_dir, clock=lambda: now[0])
    cache.put("k", AccessToken("t", 1_000_000.0 + 3600))
    assert cache.get("k") == AccessToken("t", 1_000_000.0 + 3600)
    now[0] += 3600 - 301
    assert cache.get("k") is not None
    now[0] += 2
    assert cache.get("k") is None
    assert cache.get("other") is None


def test_expired_entries_are_pruned_on_write(cache_dir: Path) -> None:
    now = [1_000_000.0]
    cache = TokenCache(cache_dir, clock=lambda: now[0])
    cache.put("old", AccessToken("t", now[0] + 10))
    now[0] += 20
    cache.put("new", AccessToken("t", now[0] + 3600))
    assert cache.names() == ["new"]


def test_files_are_0600(cache_dir: Path) -> None:
    TokenCache(cache_dir).put("k", AccessToken("t", time.time() + 3600))
    mc = MsalCache.open(MsalCache.path_for(cache_dir, "work"))
    mc.cache.add(_msal_event("cid", "at"))
    mc.save()
    files = sorted(p.name for p in cache_dir.iterdir() if not p.name.endswith(".lock"))
    assert files == ["msal-work.json", "tokens.json"]
    if os.name == "posix":
        for name in files:
            assert (cache_dir / name).stat().st_mode & 0o777 == 0o600
        assert cache_dir.stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize("garbage", [b"{not json", b"[1, 2]", b"\xff\xfe\x00", b""])
def test_a_corrupt_token_cache_is_set_aside_with_a_warning_and_rebuilt(
    cache_dir: Path, garbage: bytes
) -> None:
    cache_dir.mkdir(parents=True)
    (cache_dir / "tokens.json").write_bytes(garbage)
    warnings: list[str] = []
    provider = CountingProvider()
    cred = BearerCredential(
        CachedProvider(provider, TokenCache(cache_dir, warn=warnings.append), CacheKey("p", "m", "i")), SCOPE
    )
    assert cred.headers("messages") == {"authorization": "Bearer token-1"}
    assert provider.calls == 1
    assert len(warnings) == 1
    assert "tokens.json" in warnings[0]
    assert "moved to tokens.json.corrupt-" in warnings[0]
    aside = list(cache_dir.glob("tokens.json.corrupt-*"))
    assert len(aside) == 1
    assert aside[0].read_bytes() == garbage
    doc = json.loads((cache_dir / "tokens.json").read_text())  # rebuilt, valid
    assert list(doc["tokens"]) == [f"p|m|i|{SCOPE}"]
    # and the next credential uses it without warnings
    again = CachedProvider(
        CountingProvider(), TokenCache(cache_dir, warn=warnings.append), CacheKey("p", "m", "i")
    )
    assert again.get_token(SCOPE).token == "token-1"
    assert len(warnings) == 1


def test_a_corrupt_msal_cache_is_set_aside_with_a_warning(cache_dir: Path) -> None:
    path = MsalCache.path_for(cache_dir, "work")
    cache_dir.mkdir(parents=True)
    path.write_text('{"AccessToken": ')
    warnings: list[str] = []
    mc = MsalCache.open(path, warnings.append)
    assert len(warnings) == 1
    assert "msal-work.json" in warnings[0]
    assert list(cache_dir.glob("msal-work.json.corrupt-*"))
    mc.cache.add(_msal_event("cid", "at"))
    mc.save()
    assert "AccessToken" in json.loads(path.read_text())


def test_invalidate_drops_the_persisted_token(cache_dir: Path) -> None:
    provider = CountingProvider()
    key = CacheKey("p", "m", "i")
    cred = BearerCredential(CachedProvider(provider, TokenCache(cache_dir), key), SCOPE)
    cred.headers("messages")
    assert cred.invalidate() is True
    assert TokenCache(cache_dir).get(key.for_scope(SCOPE)) is None
    assert cred.headers("messages")["authorization"] == "Bearer token-2"
    assert provider.calls == 2


def test_keys_separate_profiles_modes_identities_and_scopes(cache_dir: Path) -> None:
    provider = CountingProvider()
    cache = TokenCache(cache_dir)
    for key, scope in [
        (CacheKey("a", "azure-cli", "x"), SCOPE),
        (CacheKey("b", "azure-cli", "x"), SCOPE),
        (CacheKey("a", "default", "x"), SCOPE),
        (CacheKey("a", "azure-cli", "y"), SCOPE),
        (CacheKey("a", "azure-cli", "x"), "https://cognitiveservices.azure.com/.default"),
    ]:
        CachedProvider(provider, cache, key).get_token(scope)
    assert provider.calls == 5
    assert len(cache.names()) == 5


def test_an_unwritable_cache_warns_but_still_returns_the_token(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    warnings: list[str] = []
    cached = CachedProvider(
        CountingProvider(), TokenCache(blocker / "cache"), CacheKey("p", "m", "i"), warn=warnings.append
    )
    assert cached.get_token(SCOPE).token == "token-1"
    assert [w.split(" the token cache")[0] for w in warnings] == ["Could not read", "Could not save"]


WRITER = """
import sys, time
from pathlib import Path
from foundry_cli.auth.base import AccessToken
from foundry_cli.auth.cache import TokenCache, MsalCache
cache_dir, name, start = Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
while time.time() < start:
    time.sleep(0.001)
cache = TokenCache(cache_dir)
for i in range(50):
    cache.put(f"{name}-{i}", AccessToken(f"t-{name}-{i}", time.time() + 3600))
path = MsalCache.path_for(cache_dir, "shared")
for i in range(10):
    mc = MsalCache.open(path)
    mc.cache.add({"client_id": f"{name}-{i}", "scope": ["s/.default"],
                  "token_endpoint": "https://login.example/t/oauth2/v2.0/token",
                  "response": {"access_token": "x", "expires_in": 3600, "token_type": "Bearer"}})
    mc.save()
"""


def test_two_processes_writing_at_once_keep_every_key(cache_dir: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = str(time.time() + 1.0)  # both start writing at the same instant
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(cache_dir), name, start], env=env, stderr=subprocess.PIPE
        )
        for name in ("a", "b")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()
    keys = TokenCache(cache_dir).names()
    assert len(keys) == 100
    assert set(keys) == {f"{n}-{i}" for n in "ab" for i in range(50)}
    msal_doc = json.loads(MsalCache.path_for(cache_dir, "shared").read_text())
    clients = {entry["client_id"] for entry in msal_doc["AccessToken"].values()}
    assert clients == {f"{n}-{i}" for n in "ab" for i in range(10)}
    assert not list(cache_dir.glob("*.corrupt-*"))
    assert not list(cache_dir.glob(".*.tmp"))


def test_msal_save_merges_with_what_another_process_wrote(cache_dir: Path) -> None:
    path = MsalCache.path_for(cache_dir, "p")
    one, two = MsalCache.open(path), MsalCache.open(path)  # both loaded the same (empty) state
    one.cache.add(_msal_event("one", "at-1"))
    two.cache.add(_msal_event("two", "at-2"))
    one.save()
    two.save()
    clients = {e["client_id"] for e in json.loads(path.read_text())["AccessToken"].values()}
    assert clients == {"one", "two"}
    # a removal by one process is applied without resurrecting or dropping the other's entries
    three = MsalCache.open(path)
    for entry in list(
        three.cache.search(three.cache.CredentialType.ACCESS_TOKEN, query={"client_id": "one"})
    ):
        three.cache.remove_at(entry)
    three.save()
    clients = {e["client_id"] for e in json.loads(path.read_text())["AccessToken"].values()}
    assert clients == {"two"}


def test_save_writes_only_when_msal_changed_something(cache_dir: Path) -> None:
    path = MsalCache.path_for(cache_dir, "p")
    MsalCache.open(path).save()
    assert not path.exists()


def test_forget_profile_removes_only_that_profiles_tokens(hermetic_env: Path, cache_dir: Path) -> None:
    paths = get_paths({"FCLAUDE_HOME": str(hermetic_env)})
    cache = TokenCache(cache_dir)
    cache.put(CacheKey("work", "azure-cli", "x").for_scope(SCOPE), AccessToken("t", time.time() + 3600))
    cache.put(CacheKey("home", "azure-cli", "x").for_scope(SCOPE), AccessToken("t", time.time() + 3600))
    mc = MsalCache.open(MsalCache.path_for(cache_dir, "work"))
    mc.cache.add(_msal_event("cid", "at"))
    mc.save()
    assert forget_profile(paths, "work") == 2
    assert [k.split("|")[0] for k in cache.names()] == ["home"]
    assert not MsalCache.path_for(cache_dir, "work").exists()
    assert forget_profile(paths, "work") == 0


def _msal_event(client_id: str, token: str) -> dict[str, object]:
    return {
        "client_id": client_id,
        "scope": [SCOPE],
        "token_endpoint": "https://login.example/tenant/oauth2/v2.0/token",
        "response": {"access_token": token, "expires_in": 3600, "token_type": "Bearer"},
    }
