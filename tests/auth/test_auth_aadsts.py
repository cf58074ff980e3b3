"""auth/aadsts.py agrees with the error table, and scrubbing keeps secrets out of messages."""

from __future__ import annotations

import pytest

from foundry_cli.auth.aadsts import AADSTS_ROWS, OAUTH_ERROR_ROWS, auth_error, codes_in, row_for, scrub
from foundry_cli.doctor.table import ROW_BY_ID, classify_text


@pytest.mark.parametrize("code", sorted(AADSTS_ROWS))
def test_every_code_agrees_with_the_doctor_table(code: str) -> None:
    rows = classify_text("AADSTS" + code)
    assert rows, f"doctor does not know AADSTS{code}"
    assert rows[0].id == AADSTS_ROWS[code]


def test_every_row_id_exists() -> None:
    for row in {
        *AADSTS_ROWS.values(),
        *OAUTH_ERROR_ROWS.values(),
        "sp-env-missing",
        "not-logged-in",
        "network",
    }:
        assert row in ROW_BY_ID


def test_the_documented_codes_are_all_mapped() -> None:
    documented = {
        "7000215": "secret-invalid",
        "7000222": "secret-expired",
        "700016": "app-not-found",
        "90002": "tenant-not-found",
        "700024": "assertion-invalid",
        **dict.fromkeys(
            ["50076", "50079", "53003", "65001", "700082", "70008", "70043", "50173"], "user-interaction"
        ),
    }
    assert {c: AADSTS_ROWS[c] for c in documented} == documented


def test_row_for_prefers_error_codes_then_text_then_oauth_error() -> None:
    assert row_for([7000215], "AADSTS90002") == ("secret-invalid", "AADSTS7000215")
    assert row_for([], "x AADSTS90002: Tenant 'x' not found") == ("tenant-not-found", "AADSTS90002")
    assert row_for([], "AADSTS1234567: something new") == (None, "AADSTS1234567")
    assert row_for([], "", "interaction_required") == ("user-interaction", None)
    assert codes_in("AADSTS1 AADSTS50076 AADSTS50076 AADSTS65001") == ["50076", "65001"]


def test_scrub_removes_tokens_secrets_and_the_trace_trailer() -> None:
    jwt = "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJodHRwczovL2FpLmF6dXJlLmNvbSJ9.c2lnbmF0dXJl"
    text = (
        f"AADSTS7000215: Invalid client secret provided. secret=hunter2-value token {jwt} "
        '{"access_token": "opaque-token-value"}\r\nTrace ID: 654ce9b2\r\nCorrelation ID: 5be3\r\nTimestamp: 2022'
    )
    clean = scrub(text, ["hunter2-value"])
    for leaked in ("hunter2-value", jwt, "opaque-token-value", "Trace ID", "654ce9b2"):
        assert leaked not in clean
    assert clean.startswith("AADSTS7000215: Invalid client secret provided.")
    assert "\n" not in clean
    assert len(scrub("x" * 2000)) <= 320


def test_auth_error_builds_row_code_and_one_readable_message() -> None:
    err = auth_error(
        "Service principal abc could not get a token",
        "AADSTS7000222: The provided client secret keys for app 'abc' are expired.\r\nTrace ID: 1",
        codes=[7000222],
        secrets=["s3cr3t"],
    )
    assert (err.row, err.code) == ("secret-expired", "AADSTS7000222")
    assert err.message == (
        "Service principal abc could not get a token: AADSTS7000222: The provided client secret keys for app "
        "'abc' are expired."
    )
    assert auth_error("Nothing", "", row="not-logged-in").row == "not-logged-in"
