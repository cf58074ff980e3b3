"""``auth = "api-key"``: the resource key from secrets.toml, the environment, or a command.

``key_command`` (e.g. ``op read op://vault/foundry/key`` or ``pass show foundry``) is split
with :func:`shlex.split` and run without a shell; its stripped stdout is the key. It runs at
the first request and again once after a 401, so a rotated key is picked up.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from collections.abc import Callable, Mapping

from foundry_cli.auth.aadsts import scrub
from foundry_cli.errors import AuthError

KEY_COMMAND_TIMEOUT = 30.0


class ApiKeyCredential:
    """``api.types.Credential`` for a resource key: ``x-api-key`` + ``api-key`` headers.

    Either ``key`` is given, or ``fetch`` (a callable returning the key, run lazily).
    """

    def __init__(self, key: str | None, source: str, *, fetch: Callable[[], str] | None = None) -> None:
        if key is None and fetch is None:
            raise ValueError("ApiKeyCredential needs a key or a fetch callable")
        self._key = key
        self._fetch = fetch
        self.description = f"api-key from {source}"

    def _current(self) -> str:
        if self._key is None and self._fetch is not None:
            self._key = self._fetch()
        return self._key or ""

    def headers(self, api: str) -> dict[str, str]:
        key = self._current()
        if api == "messages":
            # x-api-key is the documented header; api-key is also sent, as the official SDK does
            return {"x-api-key": key, "api-key": key}
        return {"api-key": key}

    def invalidate(self) -> bool:
        if self._fetch is None:
            return False  # a fixed key does not refresh: a 401 is final
        self._key = None  # run the command again: the key may have been rotated
        return True

    def __repr__(self) -> str:
        return f"ApiKeyCredential({self.description!r})"


def split_command(command: str) -> list[str]:
    """POSIX shell-like splitting; on Windows only quotes group words (no escapes)."""
    return shlex.split(command, posix=not sys.platform.startswith("win"))


def run_key_command(
    command: str, *, env: Mapping[str, str] | None = None, timeout: float = KEY_COMMAND_TIMEOUT
) -> str:
    """Run ``key_command`` (no shell) and return its stripped stdout.

    Raises:
        AuthError: the command is empty, missing, times out, fails, or prints nothing. The
            message carries the exit code and a scrubbed excerpt of stderr, never stdout.
    """
    try:
        argv = split_command(command)
    except ValueError as exc:
        raise AuthError(f"key_command could not be parsed ({exc}); check its quoting.") from None
    if not argv:
        raise AuthError("key_command is empty; set it to a command that prints the API key.")
    name = argv[0]
    try:
        done = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            env=dict(env) if env is not None else None,
            check=False,
        )
    except FileNotFoundError:
        raise AuthError(f"key_command: {name!r} was not found; check the command and PATH.") from None
    except subprocess.TimeoutExpired:
        raise AuthError(
            f"key_command {name!r} did not finish within {timeout:g} s (is it waiting for input?)."
        ) from None
    except OSError as exc:
        raise AuthError(f"key_command {name!r} could not be started: {exc.strerror or exc}.") from None
    stdout = done.stdout.decode("utf-8", "replace").strip()
    if done.returncode != 0:
        # stderr may echo the key back in odd tools: scrub it of the key and of tokens
        err = scrub(done.stderr.decode("utf-8", "replace"), [stdout])
        raise AuthError(
            f"key_command {name!r} failed with exit code {done.returncode}"
            + (f": {err}" if err else "")
            + ("" if err.endswith(".") else ".")
        )
    if not stdout:
        raise AuthError(f"key_command {name!r} printed nothing; it must print the API key on stdout.")
    return stdout
