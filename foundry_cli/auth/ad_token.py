"""A ready bearer token (``AZURE_AD_TOKEN`` / ``ad_token``), as LiteLLM accepts one.

fclaude cannot refresh it: it only reads its ``exp`` claim (no verification) to refuse an
expired token with a clear message instead of a 401 from the service. The token is registered with
:mod:`foundry_cli.redact` as soon as it is read, and one that cannot travel in a header (a line
break, a space, a control or non-ASCII character) is refused naming its source (exit 3).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone

from foundry_cli.auth.base import BEARER_HINT, AccessToken, checked_secret
from foundry_cli.auth.jwt import decode_claims, expires_on
from foundry_cli.errors import AuthError
from foundry_cli.redact import register_secret

#: expiry assumed for a token whose claims cannot be read (opaque tokens): use it as is
UNKNOWN_EXPIRY = float("inf")


class StaticTokenProvider:
    def __init__(self, token: str, source: str, *, clock: Callable[[], float] = time.time) -> None:
        register_secret(token)
        self._token = token.strip().removeprefix("Bearer ").strip()
        self._source = source
        self._clock = clock
        try:
            exp = expires_on(decode_claims(self._token))
        except ValueError:
            exp = None
        self._expires = UNKNOWN_EXPIRY if exp is None else exp
        when = "" if exp is None else f", expires {_utc(exp)}"
        self.description = f"bearer token from {source}{when}"

    def get_token(self, scope: str) -> AccessToken:
        """Raises ConfigError for a token that cannot be sent, AuthError for an expired one."""
        checked_secret(self._token, self._source, what="bearer token", fix=BEARER_HINT)
        if self._expires <= self._clock():
            raise AuthError(
                f"The bearer token from {self._source} expired at {_utc(self._expires)}; get a fresh one "
                f"(`az account get-access-token --scope {scope}`) or unset it and choose an auth mode "
                "that refreshes tokens (e.g. azure-cli)."
            )
        return AccessToken(self._token, self._expires)

    def forget(self, scope: str) -> bool:
        return False  # a given token cannot be refreshed: a 401 is final


def _utc(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
