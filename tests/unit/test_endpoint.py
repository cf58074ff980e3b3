"""Endpoint normalisation: every documented form, clear refusals, and fuzzing for anything else."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from foundry_cli.config.endpoint import Endpoint, normalise_endpoint
from foundry_cli.errors import ConfigError
from tests.support import Fclaude, row_named

ROOT = "https://myres.services.ai.azure.com"


@pytest.mark.parametrize(
    ("given", "root", "project", "api"),
    [
        ("myres", ROOT, None, None),
        ("MyRes", ROOT, None, None),
        (ROOT, ROOT, None, None),
        (ROOT + "/", ROOT, None, None),
        ("myres.services.ai.azure.com", ROOT, None, None),
        (ROOT + "/anthropic", ROOT, None, "messages"),
        (ROOT + "/anthropic/", ROOT, None, "messages"),
        (ROOT + "/anthropic/v1", ROOT, None, "messages"),
        (ROOT + "/anthropic/v1/messages", ROOT, None, "messages"),
        (ROOT + "/api/projects/proj", ROOT, "proj", "responses"),
        (ROOT + "/api/projects/proj/", ROOT, "proj", "responses"),
        (ROOT + "/api/projects/proj/openai", ROOT, "proj", "responses"),
        (ROOT + "/api/projects/proj/openai/v1", ROOT, "proj", "responses"),
        (ROOT + "/api/projects/proj/openai/responses", ROOT, "proj", "responses"),
        ("https://myres.openai.azure.com/", "https://myres.openai.azure.com", None, None),
        ("https://myres.openai.azure.com/anthropic", "https://myres.openai.azure.com", None, "messages"),
        ("https://myres.openai.azure.com/openai/v1", "https://myres.openai.azure.com", None, None),
        (
            "https://myres.cognitiveservices.azure.com",
            "https://myres.cognitiveservices.azure.com",
            None,
            None,
        ),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765", None, None),
        ("http://localhost:8765/anthropic", "http://localhost:8765", None, "messages"),
        ("https://gw.contoso.com/foundry/anthropic", "https://gw.contoso.com/foundry", None, "messages"),
    ],
)
def test_every_documented_form_normalises(
    given: str, root: str, project: str | None, api: str | None
) -> None:
    ep = normalise_endpoint(given)
    assert (ep.root, ep.project, ep.hinted_api) == (root, project, api)


def test_pasted_api_path_is_noted() -> None:
    ep = normalise_endpoint(ROOT + "/anthropic/v1/messages")
    assert ep.notes and "/v1/messages" in ep.notes[0]
    assert normalise_endpoint(ROOT + "/anthropic").notes == ()


PASSWORD = "pw-canary-4d3c2b1a"


@pytest.mark.parametrize(
    "given",
    [
        f"https://user:{PASSWORD}@myres.services.ai.azure.com",
        f"https://{PASSWORD}@myres.services.ai.azure.com/anthropic",
        f"https://user:{PASSWORD}@myres.services.ai.azure.com/no/such/path",
        f"https://user:{PASSWORD}@[::1",
        f"https://user:{PASSWORD}/x@myres.services.ai.azure.com",  # a "/" in the password
        f"https://user:{PASSWORD}?@myres.services.ai.azure.com",
        f"user:{PASSWORD}@myres.services.ai.azure.com",
        f"https://myres.services.ai.azure.com/anthropic?api-key={PASSWORD}",
    ],
)
def test_credentials_in_url_are_refused_and_never_echoed(given: str) -> None:
    with pytest.raises(ConfigError) as info:
        normalise_endpoint(given)
    assert PASSWORD not in info.value.message and info.value.row == "endpoint-shape"


def test_a_user_name_and_password_are_refused_with_the_reason() -> None:
    with pytest.raises(ConfigError) as info:
        normalise_endpoint(f"https://user:{PASSWORD}@myres.services.ai.azure.com")
    assert "user name or password" in info.value.message and "refuses" in info.value.message
    assert "'https://…@myres.services.ai.azure.com'" in info.value.message


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        ("https://[::1", "IPv6"),
        ("http://[::1/anthropic", "IPv6"),
        ("https://[not-an-address]", "IPv6"),
        ("https://myres.services.ai.azure.com:0", "port"),
        ("https://myres.services.ai.azure.com:65536", "port"),
        ("https://myres.services.ai.azure.com:99999999", "port"),
        ("https://myres.services.ai.azure.com:https", "port"),
        ("https://my res.services.ai.azure.com", "a space"),
        ("https://myres.services.ai.azure.com/anth\tropic", "U+0009"),
        ("https://myres\u200b.services.ai.azure.com", "ZERO WIDTH SPACE"),
        ("https://my_res!.services.ai.azure.com", "no valid host name"),
        ("https://a..b", "no valid host name"),
        ("https://myres.services.ai.azure.com?", "query"),
    ],
)
def test_malformed_urls_are_configuration_errors(given: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        normalise_endpoint(given)
    assert fragment in info.value.message and info.value.row == "endpoint-shape"


def test_ports_in_range_are_kept() -> None:
    assert normalise_endpoint("https://gw.contoso.com:8443/anthropic").root == "https://gw.contoso.com:8443"
    assert normalise_endpoint("http://[::1]:65535").root == "http://[::1]:65535"


@pytest.mark.parametrize(
    ("given", "punycode", "named"),
    [
        # Cyrillic "у" and "е" look exactly like the Latin letters
        ("https://mуres.services.ai.azure.com", "xn--mres-", "CYRILLIC SMALL LETTER U"),
        ("https://myres.sеrvices.ai.azure.com/anthropic", "xn--srvices-", "CYRILLIC SMALL LETTER IE"),
        ("rés.example.com", "xn--rs-", "LATIN SMALL LETTER E WITH ACUTE"),
    ],
)
def test_non_ascii_hosts_are_refused_showing_the_punycode_form(given: str, punycode: str, named: str) -> None:
    with pytest.raises(ConfigError) as info:
        normalise_endpoint(given)
    message = info.value.message
    assert punycode in message and named in message and "not plain ASCII" in message


def test_a_look_alike_resource_name_is_named() -> None:
    with pytest.raises(ConfigError) as info:
        normalise_endpoint("mуres")  # a Cyrillic "у"
    assert "U+0443" in info.value.message and "look-alike" in info.value.message


# -- fuzzing: any text is an Endpoint or a ConfigError, and an accepted root maps back to itself

URL_PIECES = st.sampled_from(
    ["https://", "http://", "://", "[", "]", "::1", "@", ":", "/", "?", "#", "%", ".", "..", "-",
     "localhost", "127.0.0.1", "myres", ".services.ai.azure.com", "/anthropic", "/v1", "/messages",
     "/api/projects/", "/openai", "/responses", "user:pw@", ":443", ":0", ":65536", " ", "\t",
     "é", "у", "\u200b", "\u3002", "ß", "xn--", "_"]
)  # fmt: skip
URLISH = st.lists(st.one_of(URL_PIECES, st.text(max_size=4)), max_size=10).map("".join)


def check_accepted(ep: Endpoint) -> None:
    """A root the client builds URLs from reads back as the same endpoint."""
    parts = urlsplit(ep.root)
    assert parts.scheme in ("http", "https") and parts.hostname and not parts.query
    assert "@" not in parts.netloc and not ep.root.endswith("/") and ep.root.isprintable()
    assert parts.hostname.isascii(), "a non-ASCII host is refused, never encoded"
    assert normalise_endpoint(ep.root + "/anthropic").root == ep.root
    if not parts.path:
        assert normalise_endpoint(ep.root) == Endpoint(root=ep.root)
    if ep.project is not None:
        again = normalise_endpoint(f"{ep.root}/api/projects/{ep.project}")
        assert (again.root, again.project) == (ep.root, ep.project)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), URLISH))
@example("https://[::1")
@example("https://myres.services.ai.azure.com:65536")
@example("http://[fe80::1%25eth0]:8080/anthropic")
@example("https://myres.services.ai.azure.com./api/projects/p/anthropic")
def test_any_text_is_an_endpoint_or_a_configuration_error(text: str) -> None:
    try:
        ep = normalise_endpoint(text)
    except ConfigError as exc:
        assert exc.row in ("endpoint-shape", "endpoint-missing")
        assert "pw@" not in exc.message, "what precedes an @ is never echoed"
        return
    check_accepted(ep)


def test_a_broken_endpoint_in_the_environment_is_a_configuration_error(fclaude: Fclaude) -> None:
    r = fclaude("ask", "hi", FCLAUDE_ENDPOINT="https://[::1")
    assert r.exit_code == 3, r.stderr
    assert row_named(r.stderr, "endpoint-shape") and "IPv6" in r.stderr
    assert "bug in fclaude" not in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("http://myres.services.ai.azure.com", "https only"),
        ("ftp://myres.services.ai.azure.com", "https://"),
        (ROOT + "/models/chat/completions", "Cannot place"),
        (ROOT + "/openai/deployments/x/chat/completions", "Cannot place"),
        (ROOT + "/anthropic?api-version=1", "query"),
        ("not-a-url/at-all", "Cannot read"),
        ("not a url at all", "a space"),
    ],
)
def test_unplaceable_forms_raise_clear_errors(given: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        normalise_endpoint(given)
    assert fragment in info.value.message
    assert info.value.row in ("endpoint-shape", "endpoint-missing")
