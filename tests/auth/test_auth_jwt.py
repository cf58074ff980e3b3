"""auth/jwt.py reads claims without verification (doctor's diagnosis and AZURE_AD_TOKEN expiry)."""

from __future__ import annotations

import pytest

from foundry_cli.auth.jwt import audience, decode_claims, expires_on
from foundry_cli.emulator import mint_jwt


def test_decode_claims_of_a_minted_token() -> None:
    token = mint_jwt(aud="https://ai.azure.com", exp=2_000_000_000, tid="t-1", oid="o-1", appid="a-1")
    claims = decode_claims(token)
    assert claims["aud"] == "https://ai.azure.com"
    assert (claims["exp"], claims["tid"], claims["oid"], claims["appid"]) == (
        2_000_000_000,
        "t-1",
        "o-1",
        "a-1",
    )
    assert expires_on(claims) == 2_000_000_000.0
    assert audience(claims) == "https://ai.azure.com"


def test_audience_list_and_missing_exp() -> None:
    assert (
        audience({"aud": ["https://cognitiveservices.azure.com", "x"]})
        == "https://cognitiveservices.azure.com"
    )
    assert audience({}) is None
    assert expires_on({}) is None
    assert expires_on({"exp": True}) is None
    assert expires_on({"exp": "1700000000"}) == 1_700_000_000.0


@pytest.mark.parametrize(
    "token",
    ["", "not-a-jwt", "a.b", "a.b.c.d", "eyJhbGciOiJub25lIn0.!!!.x", "eyJhbGciOiJub25lIn0.WzFd.x"],
)
def test_malformed_tokens_raise_value_error(token: str) -> None:
    with pytest.raises(ValueError, match="not a JWT"):
        decode_claims(token)


def test_unsigned_tokens_decode_too() -> None:
    # "alg": "none" with an empty signature: decoding never verifies
    assert decode_claims("eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0.")["aud"] == "x"
