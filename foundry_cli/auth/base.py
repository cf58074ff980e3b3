"""The token-provider seam every Entra ID auth mode plugs into.

A :class:`TokenProvider` returns an :class:`AccessToken` for a scope. :class:`BearerCredential`
wraps any provider into what the API client needs (``headers()`` / ``invalidate()``),
reusing the token until five minutes before it expires.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

REFRESH_SKEW = 300.0  # seconds before expiry at which a token counts as stale


@dataclass(frozen=True)
class AccessToken:
    token: str
    expires_on: float  # epoch seconds

    def __repr__(self) -> str:  # never leak the token through a repr
        return f"AccessToken(expires_on={self.expires_on})"


class TokenProvider(Protocol):
    #: e.g. "azure-cli (az account get-access-token)"
    description: str

    def get_token(self, scope: str) -> AccessToken:
        """Raises AuthError (with the error-table row) when no token can be had."""
        ...


class BearerCredential:
    def __init__(self, provider: TokenProvider, scope: str, clock: Callable[[], float] = time.time) -> None:
        self.provider = provider
        self.scope = scope
        self.description = provider.description
        self._clock = clock
        self._token: AccessToken | None = None

    def headers(self, api: str) -> dict[str, str]:
        if self._token is None or self._token.expires_on - REFRESH_SKEW <= self._clock():
            self._token = self.provider.get_token(self.scope)
        return {"authorization": f"Bearer {self._token.token}"}

    def invalidate(self) -> bool:
        self._token = None
        return True
