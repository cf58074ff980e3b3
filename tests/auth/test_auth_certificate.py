"""The service principal's PEM file (key + certificate) and the authority checks before any request."""

from __future__ import annotations

from pathlib import Path

import pytest

from foundry_cli.auth.factory import make_credential
from foundry_cli.auth.service_principal import load_certificate
from foundry_cli.emulator import make_certificate
from foundry_cli.errors import AuthError
from tests.auth.conftest import SECRET_CANARY, resolved_from


def test_key_and_certificate_in_either_order(tmp_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    cert_pem, key_pem = make_certificate("order")
    expected = x509.load_pem_x509_certificate(cert_pem).fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303
    for name, data in (("a.pem", key_pem + cert_pem), ("b.pem", cert_pem + key_pem)):
        (tmp_path / name).write_bytes(data)
        cert = load_certificate(tmp_path / name)
        assert cert.thumbprint == expected
        assert "PRIVATE KEY" in cert.private_key_pem


@pytest.mark.parametrize(("part", "missing"), [("cert", "a private key"), ("key", "a certificate")])
def test_a_file_without_both_parts_is_explained(tmp_path: Path, part: str, missing: str) -> None:
    cert_pem, key_pem = make_certificate("half")
    path = tmp_path / "half.pem"
    path.write_bytes(cert_pem if part == "cert" else key_pem)
    with pytest.raises(AuthError, match=f"{missing} is missing"):
        load_certificate(path)


def test_a_missing_file_is_sp_env_missing(tmp_path: Path) -> None:
    with pytest.raises(AuthError) as info:
        load_certificate(tmp_path / "nope.pem")
    assert info.value.row == "sp-env-missing"
    assert "AZURE_CLIENT_CERTIFICATE_PATH" in info.value.message


def test_an_http_authority_is_refused_before_any_secret_is_sent(env: dict[str, str]) -> None:
    env.update(
        FCLAUDE_AUTH="service-principal",
        AZURE_TENANT_ID="t",
        AZURE_CLIENT_ID="c",
        AZURE_CLIENT_SECRET=SECRET_CANARY,
        AZURE_AUTHORITY_HOST="http://127.0.0.1:9",
    )
    cred = make_credential(resolved_from(env), env=env)
    with pytest.raises(AuthError, match="https") as info:
        cred.headers("messages")
    assert SECRET_CANARY not in info.value.message
