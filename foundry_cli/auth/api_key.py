"""``auth = "api-key"``: the resource key from secrets.toml, the environment, or a command.

``key_command`` (e.g. ``op read op://vault/foundry/key``) is split with :func:`shlex.split` and
run without a shell; its stripped stdout is the key, which must be a single line: output of
several lines (``pass show`` prints the password, then more lines) is refused rather than guessed
at. It runs at the first request and again once after a 401, so a rotated key is picked up.

Every key is registered with :mod:`foundry_cli.redact` as soon as it is read, and checked before
use (:func:`~foundry_cli.auth.base.checked_secret`): a key with a line break, a space, a control or
non-ASCII character is refused with the name of its source, never sent (an HTTP library would quote
the whole value in its error).
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from collections.abc import Callable, Mapping

from foundry_cli.auth.aadsts import scrub
from foundry_cli.auth.base import checked_secret
from foundry_cli.errors import AuthError, ConfigError
from foundry_cli.redact import register_secret

KEY_COMMAND_TIMEOUT = 30.0


class ApiKeyCredential:
    """``api.types.Credential`` for a resource key: ``x-api-key`` + ``api-key`` headers.

    Either ``key`` is given, or ``fetch`` (a callable returning the key, run lazily).
    """

    def __init__(self, key: str | None, source: str, *, fetch: Callable[[], str] | None = None) -> None:
        if key is None and fetch is None:
            raise ValueError("ApiKeyCredential needs a key or a fetch callable")
        register_secret(key)
        self._key = key
        self._fetch = fetch
        self._source = source
        self.description = f"api-key from {source}"

    def _current(self) -> str:
        """The key, fetched if needed and checked.

        Raises:
            ConfigError: the key cannot travel in a header (named by source, never shown).
        """
        if self._key is None and self._fetch is not None:
            self._key = self._fetch()
        return checked_secret(self._key or "", self._source)

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
        ConfigError: the command printed more than one line (never guessed at, never shown).
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
    for line in [stdout, *stdout.splitlines()]:
        register_secret(line)  # whatever it printed is secret, even when it is refused below
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
    lines = stdout.splitlines()
    if len(lines) > 1:
        raise ConfigError(
            f"key_command {name!r} printed {len(lines)} lines; it must print only the key, on one line "
            "(fclaude does not guess which line is the key). `pass show` prints the password and then "
            "more lines: set key_command to `sh -c 'pass show NAME | head -n 1'`."
        )
    return stdout
