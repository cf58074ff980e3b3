"""Issue 9, findings 2, 4 and 9 at the parser: error bodies and headers are untrusted server text.

Whatever a server sends (escape sequences, a nesting bomb, the wrong JSON shape, a lone surrogate, the
request's own key echoed back), ``parse_error`` returns an ApiError whose every text field is one safe,
bounded line with no secret in it: so the error paragraph, history and doctor are safe downstream.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from foundry_cli import redact
from foundry_cli.api.error_body import parse_error
from foundry_cli.errors import ApiError

KEY = "canary-KEY-9f8e7d6c5b4a-never-print-me"
ESC = "\x1b]52;c;cm0gLXJmIH4=\x07\x1b]0;owned\x07\x1b[2J\r\x9b31m\x85"
#: what a terminal must never receive: C0 controls (all of them, in a one-line field), DEL, C1
FORBIDDEN = {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]}


@pytest.fixture(autouse=True)
def fresh_secrets() -> Iterator[None]:
    redact.clear()
    yield
    redact.clear()


def texts(err: ApiError) -> list[str]:
    return [t for t in (err.message, err.code, err.request_id, err.region, str(err)) if t is not None]


def assert_safe(err: ApiError) -> None:
    for text in texts(err):
        assert not FORBIDDEN & set(text), repr(text)
        text.encode("utf-8")  # no lone surrogate: printable and storable
        assert KEY not in text


@pytest.mark.parametrize(
    ("ctype", "body"),
    [
        ("application/json", json.dumps({"error": {"code": f"Bad{ESC}Code", "message": f"bad {ESC}thing"}})),
        ("application/json", json.dumps({"type": "error", "error": {"type": "x", "message": f"a{ESC}b"}})),
        ("application/json", json.dumps({"statusCode": 401, "message": f"a{ESC}b"})),
        ("application/json", json.dumps({"error": "invalid_client", "error_description": f"a{ESC}b"})),
        ("text/html", f"<html><title>Blocked{ESC} page</title></html>"),
        ("text/html", f"<html><body>no title {ESC}</body></html>"),
        ("text/plain", f"plain {ESC} text\nsecond line"),
    ],
)
def test_escape_sequences_in_bodies_and_headers_never_survive(ctype: str, body: str) -> None:
    headers = {"content-type": ctype, "apim-request-id": f"req{ESC}-1", "x-ms-region": f"East{ESC} US"}
    err = parse_error(500, headers, body.encode())
    assert_safe(err)
    assert err.request_id == "req-1" and err.region == "East US"
    assert "\n" not in err.message and ("b" in err.message or "page" in err.message or "text" in err.message)


def test_a_gateway_echoing_the_key_in_any_form_is_scrubbed_before_it_is_cut() -> None:
    redact.register_secret(KEY)
    from urllib.parse import quote

    echo = f"headers: x-api-key: {KEY}; api-key={quote(KEY)}"
    for body in (json.dumps({"error": {"code": KEY, "message": echo}}), echo, "x" * 480 + KEY):
        err = parse_error(400, {"request-id": KEY, "x-ms-region": KEY}, body.encode())
        assert_safe(err)
        # cut at 500 characters: the scrub ran first, so no prefix of the key is left either
        assert KEY[:12] not in err.message


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000,
        b'{"error":' * 50_000,
        b'{"error": {"code": {"nested": [1, 2]}, "message": 12345}}',
        b'{"error": {"code": null, "message": null}}',
        b'{"error": [1, 2, 3]}',
        b'{"error": true, "message": ["a", {"b": null}]}',
        b'"just a string"',
        b"[1, 2, 3]",
        b"null",
        b'{"message": "lone \\ud800 surrogate", "code": "\\udfff"}',
        b'{"error": {"message": "' + b"\\u001b[2J" * 1000 + b'"}}',
    ],
)
def test_valid_json_of_any_shape_or_depth_gives_an_api_error(body: bytes) -> None:
    err = parse_error(400, {"content-type": "application/json"}, body)
    assert isinstance(err, ApiError) and err.status == 400 and err.message
    assert_safe(err)


def test_a_nesting_bomb_is_named_as_such() -> None:
    err = parse_error(400, {"content-type": "application/json"}, b"[" * 100_000)
    assert "nested too deeply" in err.message and "[[[" not in err.message


def test_a_redirect_is_reported_as_one_with_its_location_made_safe() -> None:
    err = parse_error(302, {"location": f"https://elsewhere.example/path{ESC}"}, b"")
    assert "does not follow redirects" in err.message and "https://elsewhere.example/path" in err.message
    assert "Expected JSON" not in err.message
    assert_safe(err)
    assert "no Location" in parse_error(301, {}, b"<html>moved</html>").message


def test_retry_after_that_is_not_a_number_or_date_is_ignored() -> None:
    for value in ("nan", "Wed, 21 Oct 99999 07:28:10 GMT", "\x00", "1e999999"):
        err = parse_error(429, {"retry-after": value, "retry-after-ms": value}, b"")
        assert err.retry_after is None or err.retry_after >= 0


_HEADER_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)


@settings(max_examples=300, deadline=None)
@given(
    status=st.integers(300, 599),
    body=st.one_of(
        st.binary(max_size=300),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=40),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(
                    st.sampled_from(
                        ["error", "code", "type", "message", "details", "statusCode", "error_description"]
                    ),
                    inner,
                    max_size=4,
                )
            ),
            max_leaves=12,
        ).map(lambda v: json.dumps(v).encode()),
    ),
    headers=st.dictionaries(
        st.sampled_from(["content-type", "request-id", "x-ms-region", "location", "retry-after"]),
        _HEADER_TEXT,
    ),
)
def test_no_body_or_header_makes_parse_error_crash_or_leak_controls(
    status: int, body: bytes, headers: dict[str, str]
) -> None:
    assert_safe(parse_error(status, headers, body))
