"""The token-provider seam every Entra ID auth mode plugs into.

A :class:`TokenProvider` returns an :class:`AccessToken` for a scope. :class:`BearerCredential`
wraps any provider into what the API client needs (``headers()`` / ``invalidate()``),
reusing the token until five minutes before it expires.

Providers that can be asked to forget a token (after the service rejected it with a 401)
also implement :class:`Refreshable`; ``BearerCredential.invalidate()`` passes the request on,
so the persisted copy (``auth/cache.py``) is dropped too and the retry fetches a fresh one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from foundry_cli.errors import AuthError, ConfigError
from foundry_cli.redact import register_secret

REFRESH_SKEW = 300.0  # seconds before expiry at which a token counts as stale

#: receives one human-readable line (a warning, or the device-code instructions); the CLI
#: passes a stderr writer, tests a list's ``append``. Auth itself never prints.
Notify = Callable[[str], None]


def ignore(_text: str) -> None:
    """The default :data:`Notify`: drop the text."""


def quiet_library_logs() -> None:
    """Keep azure-identity's and msal's log warnings off stderr.

    Both log failures at WARNING (DefaultAzureCredential logs its whole chain report). With no
    handler configured, Python's last-resort handler would print them to stderr next to
    fclaude's own message; a NullHandler stops that, while records still propagate to any
    handler a ``--debug`` run installs on the root logger.
    """
    import logging

    for name in ("azure", "msal"):
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())


KEY_HINT = (
    "Copy it again (Key 1 on the resource's 'Keys and Endpoint' page) and set it as a single line, "
    "without quotes or spaces."
)
BEARER_HINT = (
    "Get a fresh one (`az account get-access-token --scope https://ai.azure.com/.default --query "
    "accessToken -o tsv`) and set it as a single line."
)


def header_problem(value: str) -> str | None:
    """What keeps ``value`` out of an HTTP header (None when it can go): credentials are printable
    ASCII without whitespace. Describes the problem, never the value."""
    if value.isascii() and value.isprintable() and " " not in value:
        return None if value else "nothing"
    if "\n" in value or "\r" in value:
        return "a line break"
    if any(c.isspace() for c in value):
        return "whitespace"
    if not value.isascii():
        return "a non-ASCII character (often a typographic quote or a no-break space from copying)"
    return "a control character"


def checked_secret(
    value: str, source: str, *, what: str = "key", fix: str = KEY_HINT, auth: bool = False
) -> str:
    """``value`` when it can be sent in a header; otherwise ConfigError (exit 3), or AuthError (exit 4)
    with ``auth`` for tokens a provider returned. The message names ``what`` and its ``source``
    (e.g. "the key from FCLAUDE_API_KEY contains a line break"), never the value, which is registered
    with :mod:`foundry_cli.redact` first so that no later message can show it either.

    Raises:
        ConfigError | AuthError: the value holds a line break, whitespace, a control or non-ASCII
            character (HTTP libraries would otherwise quote the whole value in their error).
    """
    register_secret(value)
    problem = header_problem(value)
    if problem is None:
        return value
    message = f"The {what} from {source} contains {problem}, so it cannot be sent in an HTTP header. {fix}"
    raise AuthError(message) if auth else ConfigError(message)


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_on: float  # epoch seconds

    def __repr__(self) -> str:  # never leak the token through a repr
        return f"AccessToken(expires_on={self.expires_on})"

    def fresh(self, now: float) -> bool:
        """True while the token has more than :data:`REFRESH_SKEW` seconds to live."""
        return self.expires_on - REFRESH_SKEW > now


class TokenProvider(Protocol):
    #: e.g. "azure-cli (az account get-access-token)"
    description: str

    def get_token(self, scope: str) -> AccessToken:
        """Raises AuthError (with the error-table row) when no token can be had."""
        ...


@runtime_checkable
class Refreshable(Protocol):
    def forget(self, scope: str) -> bool:
        """Drop every cached copy of the token for ``scope``; True when a new one can be fetched."""
        ...


class BearerCredential:
    """``api.types.Credential`` for every Entra ID mode: ``Authorization: Bearer <token>``."""

    def __init__(self, provider: TokenProvider, scope: str, clock: Callable[[], float] = time.time) -> None:
        self.provider = provider
        self.scope = scope
        self.description = provider.description
        self._clock = clock
        self._token: AccessToken | None = None

    def headers(self, api: str) -> dict[str, str]:
        """Raises AuthError when the provider's token cannot travel in a header (named, not shown)."""
        if self._token is None or not self._token.fresh(self._clock()):
            token = self.provider.get_token(self.scope)
            checked_secret(token.token, self.description, what="token", fix=BEARER_HINT, auth=True)
            self._token = token
        return {"authorization": f"Bearer {self._token.token}"}

    def invalidate(self) -> bool:
        """Forget the token (in memory and on disk) after a 401; True when a retry can help."""
        self._token = None
        if isinstance(self.provider, Refreshable):
            return self.provider.forget(self.scope)
        return True

    def __repr__(self) -> str:
        return f"BearerCredential({self.description!r})"
