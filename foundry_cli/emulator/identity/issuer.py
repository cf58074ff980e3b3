"""The tenant's token signer: v1.0 access tokens for the OAuth and managed identity endpoints, and
the check of those tokens for the data plane and ARM."""

from __future__ import annotations

import secrets
import threading
import time

from foundry_cli.emulator.jwt_sign import SigningKey, b64url

DEFAULT_TOKEN_LIFETIME = 3600


class Issuer:
    """Signs access tokens for one tenant; counts them; verifies its own."""

    def __init__(self, tenant_id: str, token_lifetime: int = DEFAULT_TOKEN_LIFETIME) -> None:
        self.tenant_id = tenant_id
        self.token_lifetime = token_lifetime
        self._lock = threading.Lock()
        self._key: SigningKey | None = None
        self._issued = 0

    @property
    def signing_key(self) -> SigningKey:
        with self._lock:
            if self._key is None:
                self._key = SigningKey()
            return self._key

    @property
    def tokens_issued(self) -> int:
        with self._lock:
            return self._issued

    @property
    def issuer_v1(self) -> str:
        return f"https://sts.windows.net/{self.tenant_id}/"

    def verify_access_token(self, token: str) -> dict[str, object] | None:
        """The claims of an access token this emulator signed for its tenant, else None."""
        claims = self.signing_key.verify(token)
        if claims is None or claims.get("iss") != self.issuer_v1:
            return None
        return claims

    def access_token(
        self, resource: str, object_id: str, client_id: str, appidacr: str, **extra: object
    ) -> tuple[str, int]:
        """A signed v1.0 access token and its ``expires_in``."""
        now = int(time.time())
        lifetime = self.token_lifetime
        claims: dict[str, object] = {
            "aud": resource,
            "iss": self.issuer_v1,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "aio": b64url(secrets.token_bytes(24)),
            "appid": client_id,
            "azp": client_id,
            "appidacr": appidacr,
            "idp": self.issuer_v1,
            "idtyp": "app",
            "oid": object_id,
            "sub": object_id,
            "tid": self.tenant_id,
            "uti": b64url(secrets.token_bytes(16)),
            "ver": "1.0",
        }
        claims.update(extra)
        token = self.signing_key.sign(claims)
        with self._lock:
            self._issued += 1
        return token, max(lifetime - 1, 0)
