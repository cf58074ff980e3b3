"""``auth = "service-principal"``: an app registration with a client secret or a certificate.

msal's ``ConfidentialClientApplication`` against ``{authority_host}/{tenant_id}``, with msal's
token cache persisted in ``msal-<profile>.json``. The certificate is one PEM file holding the
private key and the certificate (what ``AZURE_CLIENT_CERTIFICATE_PATH`` points at for
azure-identity too); its SHA-1 thumbprint goes into the client assertion's ``x5t`` header.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foundry_cli.auth import _msal
from foundry_cli.auth.base import AccessToken, Notify, ignore
from foundry_cli.auth.cache import MsalCache
from foundry_cli.errors import AuthError

_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----\r?\n.*?\r?\n-----END \1-----", re.DOTALL)


@dataclass(frozen=True)
class Certificate:
    private_key_pem: str
    thumbprint: str  # SHA-1, upper-case hex: what msal puts in the assertion's x5t header
    certificate_pem: str


def load_certificate(path: Path) -> Certificate:
    """Read a PEM file with a private key and a certificate (in any order).

    Raises:
        AuthError: the file is missing or lacks either part, or the key is encrypted.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    where = f"client certificate {path} (AZURE_CLIENT_CERTIFICATE_PATH)"
    try:
        text = path.read_text(encoding="ascii", errors="replace")
    except OSError as exc:
        raise AuthError(f"Cannot read the {where}: {exc.strerror or exc}.", row="sp-env-missing") from None
    blocks = {m.group(1): m.group(0) for m in reversed(list(_PEM_BLOCK.finditer(text)))}  # first wins
    if "ENCRYPTED PRIVATE KEY" in blocks:
        raise AuthError(
            f"The private key in the {where} is encrypted; export it without a password "
            "(`openssl pkcs8 -nocrypt`) and keep the file readable only by you."
        )
    key = next((blocks[k] for k in ("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY") if k in blocks), None)
    cert_pem = blocks.get("CERTIFICATE")
    missing = [name for name, part in (("a private key", key), ("a certificate", cert_pem)) if part is None]
    if key is None or cert_pem is None:
        raise AuthError(
            f"The {where} must hold both the private key and the certificate in PEM form; "
            f"{' and '.join(missing)} is missing."
        )
    try:
        cert = x509.load_pem_x509_certificate(cert_pem.encode("ascii"))
    except ValueError:
        raise AuthError(f"The certificate in the {where} is not a valid PEM certificate.") from None
    # SHA-1 here is an identifier (the x5t header Entra matches against), not a security digest.
    thumbprint = cert.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303
    return Certificate(private_key_pem=key, thumbprint=thumbprint, certificate_pem=cert_pem)


class ServicePrincipalProvider:
    def __init__(
        self,
        *,
        tenant_id: str,
        client_id: str,
        authority_host: str,
        msal_cache: Path,
        client_secret: str | None = None,
        certificate_path: Path | None = None,
        source: str = "",
        warn: Notify = ignore,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not client_secret and certificate_path is None:
            raise ValueError("a client secret or a certificate path is required")
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.authority = _msal.authority_url(authority_host, tenant_id)
        self._options = _msal.app_options(authority_host, tenant_id)
        self._secret = client_secret
        self._certificate_path = certificate_path
        self._msal_cache = msal_cache
        self._warn = warn
        self._clock = clock
        what = f"client secret from {source}" if client_secret else f"certificate {certificate_path}"
        self.description = f"service-principal {short_id(client_id)} ({what})"
        self._summary = f"Service principal {client_id} could not get a token from {self.authority}"

    def _credential(self) -> Any:
        if self._secret or self._certificate_path is None:
            return self._secret
        cert = load_certificate(self._certificate_path)
        return {"private_key": cert.private_key_pem, "thumbprint": cert.thumbprint}

    def get_token(self, scope: str) -> AccessToken:
        import msal

        credential = self._credential()
        mc = MsalCache.open(self._msal_cache, self._warn)
        app = _msal.build(
            self._summary,
            lambda: msal.ConfidentialClientApplication(
                self.client_id, client_credential=credential, token_cache=mc.cache, **self._options
            ),
            authority=self.authority,
        )
        result = _msal.call(
            self._summary, lambda: app.acquire_token_for_client([scope]), authority=self.authority
        )
        mc.save()
        return _msal.token_from(result, self._summary, clock=self._clock, secrets=[self._secret])

    def forget(self, scope: str) -> bool:
        _msal.forget_access_tokens(self._msal_cache, self._warn, self.client_id, scope)
        return True


def short_id(value: str) -> str:
    """The first 8 characters of an id, for descriptions (``1234abcd…``)."""
    return value if len(value) <= 8 else value[:8] + "…"
