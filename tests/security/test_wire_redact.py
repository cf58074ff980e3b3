"""The one secret scrubber (``foundry_cli.redact``): every form a registered secret can take."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from foundry_cli import redact

KEY = "k3y/with+odd=chars-0123456789"


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    redact.clear()
    yield
    redact.clear()


def test_plain_url_json_and_base64_forms_are_replaced() -> None:
    redact.register_secret(KEY)
    for form in (KEY, quote(KEY, safe=""), quote(KEY, safe="").lower(), quote_plus(KEY), json.dumps(KEY)):
        out = redact.scrub(f"before {form} after")
        assert KEY not in out and "***" in out and out.startswith("before ") and out.endswith(" after")
    # base64 of the key alone, and inside a longer encoded value (Basic auth) at every alignment
    for prefix in ("", "u:", "us:", "use:", "user:"):
        blob = base64.b64encode(f"{prefix}{KEY}tail".encode()).decode()
        for text in (blob, blob.replace("+", "-").replace("/", "_")):
            assert "***" in redact.scrub(text), prefix


def test_short_and_empty_values_are_ignored_and_nothing_registered_is_a_no_op() -> None:
    assert redact.scrub("nothing registered") == "nothing registered"
    redact.register_secret("short")
    redact.register_secret("")
    redact.register_secret(None)
    assert redact.scrub("a short text") == "a short text"


def test_surrounding_whitespace_is_ignored_and_longest_value_wins() -> None:
    redact.register_secret(f"  {KEY}\n")
    redact.register_secret(KEY + "-longer-variant")
    assert redact.scrub(f"x {KEY}-longer-variant y") == "x *** y"
    assert redact.scrub(f"x {KEY} y") == "x *** y"


_NO_STAR = st.characters(blacklist_characters="*")  # the mask itself could re-form a secret of stars


@given(
    st.text(_NO_STAR, min_size=8, max_size=40).filter(lambda s: s.strip() == s),
    st.text(max_size=30),
    st.text(max_size=30),
)
def test_a_registered_secret_never_survives_scrub(secret: str, left: str, right: str) -> None:
    redact.clear()  # each example starts like a process: the registry of earlier examples would overlap
    redact.register_secret(secret)
    assert secret not in redact.scrub(left + secret + right)


def test_auth_error_text_from_a_tool_is_scrubbed_and_terminal_safe() -> None:
    import shlex
    import sys

    from foundry_cli.auth.api_key import run_key_command
    from foundry_cli.errors import AuthError

    redact.register_secret(KEY)
    script = f"import sys; sys.stderr.write('vault says \\x1b]0;owned\\x07\\x1b[2J{KEY}'); sys.exit(2)"
    with pytest.raises(AuthError) as info:
        run_key_command(f"{shlex.quote(sys.executable)} -c {shlex.quote(script)}")
    message = info.value.message
    assert "vault says" in message and KEY not in message
    assert "\x1b" not in message and "\x07" not in message


def test_a_secret_with_a_lone_surrogate_is_registered_and_scrubbed() -> None:
    """Found by the property test: a value read with surrogateescape (bytes that are not UTF-8)
    crashed the URL-encoding of its forms and left a half-registered secret behind."""
    secret = "key-\ud9f9-with-a-lone-surrogate"
    redact.register_secret(secret)
    assert secret not in redact.scrub(f"before {secret} after")
