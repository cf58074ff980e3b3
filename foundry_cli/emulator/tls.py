"""Certificates for the emulator's HTTPS side, made in memory with ``cryptography``.

* ``make_server_tls`` — a throwaway CA and a server certificate for ``127.0.0.1`` / ``localhost``
  (EC P-256: instant to generate, and strict enough for Python 3.13's X.509 checks).
* ``make_certificate`` — a self-signed RSA certificate and key, the kind an app registration's
  certificate credential uses (``CertificateCredential``, ``AZURE_CLIENT_CERTIFICATE_PATH``).
* ``CaBundle`` / ``server_context`` — the CA PEM as a temp file for clients, and the server's
  ``ssl.SSLContext``.

``cryptography`` is imported inside the functions, so importing this module costs nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import ssl
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes

DEFAULT_HOSTS = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class ServerTls:
    """PEM bytes: the CA clients trust, and the server's certificate and private key."""

    ca_pem: bytes
    cert_pem: bytes
    key_pem: bytes


def _name(common_name: str) -> x509.Name:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "fclaude emulator"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _validity(days: int) -> tuple[dt.datetime, dt.datetime]:
    now = dt.datetime.now(dt.timezone.utc)
    return now - dt.timedelta(minutes=5), now + dt.timedelta(days=days)


def _pem(cert: x509.Certificate) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding

    return cert.public_bytes(Encoding.PEM)


def _key_pem(key: CertificateIssuerPrivateKeyTypes) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def make_certificate(common_name: str = "fclaude-emulator-app", *, days: int = 365) -> tuple[bytes, bytes]:
    """A self-signed RSA-2048 certificate and its unencrypted PKCS#8 key: ``(cert_pem, key_pem)``.

    Register ``cert_pem`` with ``emu.add_app(client_id, certificate_pem=cert_pem)``; give the client
    ``key_pem + cert_pem`` (e.g. as the file named by ``AZURE_CLIENT_CERTIFICATE_PATH``).
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    not_before, not_after = _validity(days)
    name = _name(common_name)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return _pem(cert), _key_pem(key)


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    from cryptography import x509

    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=not ca,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _general_names(hosts: Sequence[str]) -> list[x509.GeneralName]:
    from cryptography import x509

    names: list[x509.GeneralName] = []
    for host in dict.fromkeys(hosts):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def make_server_tls(hosts: Sequence[str] = DEFAULT_HOSTS, *, days: int = 7) -> ServerTls:
    """A fresh CA and a server certificate it signed, valid for ``hosts`` (IP addresses or names)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID

    not_before, not_after = _validity(days)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("fclaude emulator test CA")
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(hosts[0] if hosts else "localhost"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(_general_names(hosts)), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return ServerTls(ca_pem=_pem(ca_cert), cert_pem=_pem(cert), key_pem=_key_pem(key))


def server_context(tls: ServerTls) -> ssl.SSLContext:
    """A server-side TLS context for ``tls`` (the key touches disk only for ``load_cert_chain``)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    fd, path = tempfile.mkstemp(prefix="foundry-emulator-", suffix=".pem")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(tls.cert_pem + tls.key_pem)
        context.load_cert_chain(path)
    finally:
        os.unlink(path)
    return context


class CaBundle:
    """The CA certificate as a PEM temp file (for REQUESTS_CA_BUNDLE / SSL_CERT_FILE); ``remove()``
    deletes it."""

    def __init__(self, ca_pem: bytes) -> None:
        fd, self.path = tempfile.mkstemp(prefix="foundry-emulator-ca-", suffix=".pem")
        with os.fdopen(fd, "wb") as handle:
            handle.write(ca_pem)

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
