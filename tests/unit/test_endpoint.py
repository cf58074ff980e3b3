from __future__ import annotations

import pytest

from foundry_cli.config.endpoint import normalise_endpoint
from foundry_cli.errors import ConfigError

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


def test_credentials_in_url_are_dropped() -> None:
    assert normalise_endpoint("https://user:pw@myres.services.ai.azure.com").root == ROOT


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
        ("not a url at all", "Cannot read"),
    ],
)
def test_unplaceable_forms_raise_clear_errors(given: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        normalise_endpoint(given)
    assert fragment in info.value.message
    assert info.value.row in ("endpoint-shape", "endpoint-missing")
