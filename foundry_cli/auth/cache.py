"""The persistent token cache, shared by concurrent fclaude processes.

Two kinds of file live in the cache folder (``config.paths.get_paths().cache_dir``):

``tokens.json``
    Access tokens of every Entra ID mode, keyed ``profile|mode|identity|scope``::

        {"version": 1, "tokens": {"work|azure-cli|tenant=-;account=me@x|https://ai.azure.com/.default":
                                  {"access_token": "eyJ...", "expires_on": 1767225600}}}

    :class:`CachedProvider` consults it before any provider runs, so a valid entry means no
    ``az`` process, no msal / azure-identity import and no request to the authority.

``msal-<profile>.json``
    msal's ``SerializableTokenCache`` for the msal-based modes (service-principal,
    device-code): refresh tokens and accounts, so a device-code login survives the process.

Both files are written with :func:`~foundry_cli.config.fileio.atomic_write` (0600) inside a
read-modify-write under :func:`~foundry_cli.config.fileio.locked`; readers never lock (a rename
is atomic). A file that does not parse (or is a FIFO, a device, or larger than any cache) is set
aside with a warning and rebuilt. A cache folder or file that other users can write, or that
another account owns, is refused (ConfigError, exit 3): a swapped token would send requests as
someone else.

Single flight: on a miss, :class:`CachedProvider` takes a per-key fetch lock, reads the cache
again, and only then runs the provider; so 24 concurrent cold ``ask`` processes start one ``az``,
and the other 23 use the token it stored.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foundry_cli.auth.base import AccessToken, Notify, Refreshable, TokenProvider, ignore
from foundry_cli.config.fileio import (
    NotRegular,
    TooLarge,
    atomic_write,
    check_trusted,
    locked,
    read_bounded,
    set_aside,
    writing,
)
from foundry_cli.config.paths import Paths

TOKENS_FILE = "tokens.json"
VERSION = 1
#: no token cache is anywhere near this; a bigger "cache" is set aside, not read into memory
MAX_CACHE_BYTES = 16 * 1024 * 1024
#: how long a cold process waits for another one fetching the same token before fetching itself
#: (longer than the Azure CLI's 10 s timeout; a device-code login that waits for a person may take more)
FETCH_WAIT = 30.0


#: the profile part of keys and file names in zero-config use (no profile). Sharing it with a
#: profile really named "default" is harmless: keys also hold the mode and the identity.
NO_PROFILE = "default"


def profile_slug(profile: str | None) -> str:
    """A file-name-safe rendering of a profile name."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", profile or NO_PROFILE)[:64]


@dataclass(frozen=True)
class CacheKey:
    """Which token: whose profile, which mode, which identity (tenant/client/account)."""

    profile: str | None
    mode: str
    identity: str

    def for_scope(self, scope: str) -> str:
        return "|".join((self.profile or NO_PROFILE, self.mode, self.identity, scope))


class _Corrupt(Exception):
    """The file exists but is not a cache this version understands."""


class _JsonFile:
    """A JSON object file with corrupt-file recovery: the shared part of both caches."""

    def __init__(self, path: Path, warn: Notify) -> None:
        self.path = path
        self.warn = warn

    def _parse(self, raw: bytes) -> dict[str, Any]:
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: a nesting bomb
            raise _Corrupt from None
        if not isinstance(doc, dict):
            raise _Corrupt
        return doc

    def read(self) -> dict[str, Any] | None:
        """The parsed file, ``{}`` when missing, None when corrupt (left for :meth:`repair`).

        Raises:
            ConfigError: the folder or the file is writable by others or owned by another account.
            OSError: the file cannot be read (permissions, I/O).
        """
        check_trusted(self.path.parent)
        try:
            raw = read_bounded(self.path, MAX_CACHE_BYTES)
        except FileNotFoundError:
            return {}
        except (NotRegular, TooLarge):  # a FIFO, a device, a runaway file: set aside and rebuilt
            return None
        check_trusted(self.path)
        try:
            return self._parse(raw)
        except _Corrupt:
            return None

    def read_locked(self) -> dict[str, Any]:
        """Like :meth:`read`, but sets a corrupt file aside (caller holds the lock)."""
        doc = self.read()
        if doc is None:
            moved = set_aside(self.path)
            self.warn(
                f"The token cache {self.path} could not be read; it was moved to {moved.name} "
                "and will be rebuilt (you may be asked to sign in again)."
            )
            return {}
        return doc

    def repair(self) -> None:
        with locked(self.path):
            self.read_locked()

    @contextmanager
    def update(self) -> Iterator[dict[str, Any]]:
        """Read-modify-write under the lock; the yielded dict is written back atomically."""
        with locked(self.path):
            doc = self.read_locked()
            yield doc
            atomic_write(self.path, json.dumps(doc, indent=1, sort_keys=True).encode("utf-8"))


class TokenCache:
    """``tokens.json``: access tokens with expiry for every mode (see the module docstring)."""

    def __init__(
        self, cache_dir: Path, *, warn: Notify = ignore, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = cache_dir / TOKENS_FILE
        self._file = _JsonFile(self.path, warn)
        self._clock = clock

    def _tokens(self, doc: dict[str, Any]) -> dict[str, Any]:
        tokens = doc.get("tokens")
        if doc.get("version") != VERSION or not isinstance(tokens, dict):
            return {}
        return tokens

    def get(self, key: str) -> AccessToken | None:
        """The cached token for ``key`` while it is fresh (more than REFRESH_SKEW to live)."""
        doc = self._file.read()
        if doc is None:
            self._file.repair()
            return None
        entry = self._tokens(doc).get(key)
        if not isinstance(entry, dict):
            return None
        token, expires = entry.get("access_token"), entry.get("expires_on")
        if not isinstance(token, str) or not isinstance(expires, (int, float)) or isinstance(expires, bool):
            return None
        found = AccessToken(token, float(expires))
        return found if found.fresh(self._clock()) else None

    def fetch_lock(self, key: str) -> Path:
        """The lock a process holds while it fetches the token for ``key`` (single flight)."""
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
        return self.path.with_name(f".fetch-{digest}")

    def put(self, key: str, token: AccessToken) -> None:
        now = self._clock()
        with self._file.update() as doc:
            tokens = {
                k: v
                for k, v in self._tokens(doc).items()
                if isinstance(v, dict)
                and isinstance(v.get("expires_on"), (int, float))
                and v["expires_on"] > now
            }  # expired entries are pruned on every write
            tokens[key] = {"access_token": token.token, "expires_on": token.expires_on}
            doc.clear()
            doc.update(version=VERSION, tokens=tokens)

    def drop(self, key: str) -> None:
        if not self.path.exists():
            return
        with self._file.update() as doc:
            tokens = self._tokens(doc)
            tokens.pop(key, None)
            doc.clear()
            doc.update(version=VERSION, tokens=tokens)

    def names(self) -> list[str]:
        doc = self._file.read() or {}
        return sorted(self._tokens(doc))

    def drop_profile(self, profile: str | None) -> int:
        """Remove every token of ``profile``; returns how many were removed."""
        if not self.path.exists():
            return 0
        prefix = (profile or NO_PROFILE) + "|"
        with self._file.update() as doc:
            tokens = self._tokens(doc)
            gone = [k for k in tokens if k.startswith(prefix)]
            for k in gone:
                del tokens[k]
            doc.clear()
            doc.update(version=VERSION, tokens=tokens)
        return len(gone)


class CachedProvider:
    """Put the persistent cache in front of any provider: the one place tokens are looked up."""

    def __init__(
        self, provider: TokenProvider, cache: TokenCache, key: CacheKey, *, warn: Notify = ignore
    ) -> None:
        self.provider = provider
        self.cache = cache
        self.key = key
        self.description = provider.description
        self._warn = warn

    def _cached(self, name: str) -> AccessToken | None:
        try:
            return self.cache.get(name)
        except OSError as exc:  # an unreadable cache is a miss, not a failure
            self._warn(f"Could not read the token cache {self.cache.path}: {exc}.")
            return None

    def get_token(self, scope: str) -> AccessToken:
        name = self.key.for_scope(scope)
        hit = self._cached(name)
        if hit is not None:
            return hit
        with ExitStack() as held:
            try:  # single flight: one process fetches, the others wait and then read its token
                held.enter_context(locked(self.cache.fetch_lock(name), timeout=FETCH_WAIT))
            except OSError:  # lock not available (read-only folder, a stuck holder): fetch anyway
                pass
            else:
                hit = self._cached(name)
                if hit is not None:
                    return hit
            return self._fetch(scope, name)
        raise AssertionError("unreachable")  # pragma: no cover - mypy: ExitStack may swallow

    def _fetch(self, scope: str, name: str) -> AccessToken:
        token = self.provider.get_token(scope)
        try:
            self.cache.put(name, token)
        except OSError as exc:  # a read-only or locked cache must not stop the request
            self._warn(f"Could not save the token cache {self.cache.path}: {exc}.")
        return token

    def forget(self, scope: str) -> bool:
        try:
            self.cache.drop(self.key.for_scope(scope))
        except OSError as exc:
            self._warn(f"Could not update the token cache {self.cache.path}: {exc}.")
        if isinstance(self.provider, Refreshable):
            return self.provider.forget(scope)
        return True


class MsalCache:
    """One load/acquire/save cycle of msal's token cache file ``msal-<profile>.json``.

    Use::

        mc = MsalCache.open(path, warn)
        app = msal.ConfidentialClientApplication(..., token_cache=mc.cache)
        ...
        mc.save()  # writes only if msal changed something

    ``save`` merges under the lock: entries this process added, changed or removed since
    :meth:`open` are applied to what is on disk *now*, so a concurrent process's new refresh
    token is not lost.
    """

    def __init__(self, path: Path, cache: Any, baseline: dict[str, Any], file: _JsonFile) -> None:
        self.path = path
        self.cache = cache  # msal.SerializableTokenCache
        self._baseline = baseline
        self._file = file

    @classmethod
    def open(cls, path: Path, warn: Notify = ignore) -> MsalCache:
        import msal  # lazy: ~120 ms, only for the msal modes

        file = _JsonFile(path, warn)
        try:
            doc = file.read()
            if doc is None:
                file.repair()
                doc = {}
        except OSError as exc:  # unreadable: work without it (a device-code login may be asked again)
            warn(f"Could not read the token cache {path}: {exc}.")
            doc = {}
        cache = msal.SerializableTokenCache()
        if doc:
            cache.deserialize(json.dumps(doc))
        return cls(path, cache, _sections(doc), file)

    @staticmethod
    def path_for(cache_dir: Path, profile: str | None) -> Path:
        return cache_dir / f"msal-{profile_slug(profile)}.json"

    def save(self) -> None:
        if not self.cache.has_state_changed:
            return
        ours = _sections(json.loads(self.cache.serialize()))
        try:
            with self._file.update() as doc:
                merged = _merge(_sections(doc), self._baseline, ours)
                doc.clear()
                doc.update(merged)
        except OSError as exc:  # the token was obtained; failing to keep it must not fail the request
            self._file.warn(f"Could not save the token cache {self.path}: {exc}.")
            return
        self._baseline = ours
        self.cache.has_state_changed = False


def forget_profile(paths: Paths, profile: str | None, *, warn: Notify = ignore) -> int:
    """``fclaude logout``: drop a profile's cached tokens; returns the number of files changed.

    Deletes ``msal-<profile>.json`` (device-code accounts and refresh tokens included) and the
    profile's entries in ``tokens.json``.

    Raises:
        ConfigError: the cache folder cannot be written (the message names the cause).
    """
    changed = 0
    msal_file = MsalCache.path_for(paths.cache_dir, profile)
    with writing(msal_file, f"the token cache in {paths.cache_dir}"):
        with locked(msal_file):
            if msal_file.exists():
                msal_file.unlink()
                changed += 1
        if TokenCache(paths.cache_dir, warn=warn).drop_profile(profile):
            changed += 1
    return changed


def _sections(doc: dict[str, Any]) -> dict[str, Any]:
    """msal's layout: ``{"AccessToken": {key: entry}, "RefreshToken": {...}, ...}``."""
    return {k: dict(v) for k, v in doc.items() if isinstance(v, dict)}


def _merge(disk: dict[str, Any], baseline: dict[str, Any], ours: dict[str, Any]) -> dict[str, Any]:
    out = {section: dict(entries) for section, entries in disk.items()}
    for section in set(baseline) | set(ours):
        before, after = baseline.get(section, {}), ours.get(section, {})
        target = out.setdefault(section, {})
        for gone in before.keys() - after.keys():
            target.pop(gone, None)
        for key, entry in after.items():
            if before.get(key) != entry:
                target[key] = entry
    return out
