"""Signed JSON Web Tokens (RS256 / PS256) for the emulator's Entra ID side.

``cryptography`` is imported inside the functions, on first use, so importing this module (and the
plain data-plane emulator) stays standard-library only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

FEDERATED_AUDIENCE = "api://AzureADTokenExchange"  # the default audience of a federated credential


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _compact(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


@dataclass(frozen=True)
class Jwt:
    """A JWS in compact form, split and decoded but not verified."""

    header: dict[str, object]
    claims: dict[str, object]
    signing_input: bytes
    signature: bytes


def parse_jwt(token: str) -> Jwt | None:
    """Split and decode ``token``; None when it is not a well-formed JWT with JSON object parts."""
    parts = token.strip().split(".")
    if len(parts) != 3 or not parts[0] or not parts[1]:
        return None
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except ValueError:
        return None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return None
    return Jwt(header, claims, f"{parts[0]}.{parts[1]}".encode(), signature)


def verify_signature(jwt: Jwt, public_key: RSAPublicKey) -> bool:
    """True when ``jwt`` is signed RS256 or PS256 by the private half of ``public_key``."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    alg = jwt.header.get("alg")
    if alg == "RS256":
        pad: padding.AsymmetricPadding = padding.PKCS1v15()
    elif alg == "PS256":
        pad = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.AUTO)
    else:
        return False
    try:
        public_key.verify(jwt.signature, jwt.signing_input, pad, hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def certificate_public_key(cert_pem: bytes) -> RSAPublicKey:
    """The RSA public key of a PEM certificate; ValueError for anything else."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

    key = x509.load_pem_x509_certificate(cert_pem).public_key()
    if not isinstance(key, RSAPublicKey):
        raise ValueError("the certificate's key is not an RSA key")
    return key


def load_private_key(key_pem: bytes) -> RSAPrivateKey:
    """An unencrypted PEM RSA private key (PKCS#8 or PKCS#1); ValueError for anything else."""
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    key = load_pem_private_key(key_pem, password=None)
    if not isinstance(key, RSAPrivateKey):
        raise ValueError("the private key is not an RSA key")
    return key


def sign_rs256(key: RSAPrivateKey, claims: Mapping[str, object], header: Mapping[str, object]) -> str:
    """A compact RS256 JWS of ``claims`` with ``header`` (``alg`` and ``typ`` are set here)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    head = {"typ": "JWT", "alg": "RS256", **header}
    signing_input = f"{b64url(_compact(head))}.{b64url(_compact(dict(claims)))}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64url(signature)}"


class SigningKey:
    """The emulator's token-signing key: an RSA key that signs RS256 tokens and publishes a JWK."""

    def __init__(self, private_key: RSAPrivateKey | None = None) -> None:
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        self._key = private_key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.public_key = self._key.public_key()
        der = self.public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        self.kid = b64url(hashlib.sha1(der, usedforsecurity=False).digest())  # Entra: kid == x5t

    def sign(self, claims: Mapping[str, object]) -> str:
        return sign_rs256(self._key, claims, {"x5t": self.kid, "kid": self.kid})

    def verify(self, token: str) -> dict[str, object] | None:
        """The claims of ``token`` when this key signed it (RS256, matching ``kid``), else None."""
        jwt = parse_jwt(token)
        if jwt is None or jwt.header.get("alg") != "RS256" or jwt.header.get("kid") != self.kid:
            return None
        return jwt.claims if verify_signature(jwt, self.public_key) else None

    def jwk(self) -> dict[str, object]:
        numbers = self.public_key.public_numbers()
        n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
        e = numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")
        return {"kty": "RSA", "use": "sig", "kid": self.kid, "x5t": self.kid, "n": b64url(n), "e": b64url(e)}


def make_assertion(key_pem: bytes, claims: Mapping[str, object], **header: object) -> str:
    """An RS256 JWT of ``claims`` signed with ``key_pem`` (for client assertions in tests)."""
    return sign_rs256(load_private_key(key_pem), claims, header)


_throwaway: list[RSAPrivateKey] = []


def make_federated_token(
    issuer: str,
    subject: str,
    *,
    audience: str = FEDERATED_AUDIENCE,
    lifetime: int = 3600,
    now: float | None = None,
) -> str:
    """A workload-identity style token (``iss``/``sub``/``aud``/``exp``), as a Kubernetes service
    account token or a GitHub OIDC token looks to Entra ID. Signed with a throwaway key: the
    emulator, like a registered federated credential, trusts ``iss`` + ``sub``, not the key."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    if not _throwaway:
        _throwaway.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    issued = int(time.time() if now is None else now)
    claims = {"aud": audience, "iss": issuer, "sub": subject, "iat": issued, "nbf": issued}
    claims["exp"] = issued + lifetime
    return sign_rs256(_throwaway[0], claims, {"kid": "federated"})
