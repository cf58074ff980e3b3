"""Routes, auth rules, api-version rules, validation, response headers and request recording."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import pytest

from foundry_cli.emulator import DEFAULT_API_KEY, mint_jwt

AUDIENCE_401 = {
    "statusCode": 401,
    "message": "Unauthorized. Access token is missing, invalid, audience is incorrect (https://ai.azure.com), "
    "or have expired.",
}
KEY_401_CODE = "401"
AI = "https://ai.azure.com"
COGNITIVE = "https://cognitiveservices.azure.com"


# --- routes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/anthropic/v1/messages/v1/messages",
        "/anthropic/anthropic/v1/messages",
        "/models/chat/completions",
        "/openai/v1/responses",
        "/api/projects/demo/openai/responses/responses",
        "/anthropic/v1/messages/",
    ],
)
def test_unknown_and_doubled_paths_are_api_not_supported(api: Any, path: str) -> None:
    response = api.post(path, api.messages_body(), headers=api.key_headers())
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "api_not_supported"


def test_wrong_method_is_api_not_supported(api: Any) -> None:
    response = api.http.get(api.emu.base_url + "/anthropic/v1/messages", headers=api.key_headers())
    assert response.status_code == 404 and response.json()["error"]["code"] == "api_not_supported"


def test_unknown_project(api: Any) -> None:
    response = api.responses(project="nope")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "NotFound", "message": "The project does not exist."}}


def test_count_tokens(api: Any) -> None:
    response = api.post("/anthropic/v1/messages/count_tokens", api.messages_body(), headers=api.key_headers())
    assert response.status_code == 200 and response.json() == {"input_tokens": 1}


def test_health_is_not_recorded(api: Any) -> None:
    response = api.http.get(api.emu.base_url + "/")
    assert response.status_code == 200 and "healthy" in response.text
    assert api.emu.requests == []


# --- api-version -------------------------------------------------------------------------------


def test_api_version_rules(api: Any) -> None:
    missing = api.responses(api_version=None)
    assert missing.status_code == 400
    assert missing.json() == {
        "error": {"code": "BadRequest", "message": "Missing required query parameter: api-version"}
    }
    wrong = api.responses(api_version="2024-10-21")
    assert wrong.status_code == 400
    assert wrong.json() == {"error": {"code": "BadRequest", "message": "API version not supported"}}
    path = "/api/projects/demo/openai/v1/responses"
    body = {"model": "claude-sonnet-4-5", "input": "hi"}
    for version in ("preview", "v1", "2025-11-15-preview"):
        with_query = api.post(
            path, body, headers={"api-key": DEFAULT_API_KEY}, params={"api-version": version}
        )
        assert with_query.status_code == 400
        assert (
            with_query.json()["error"]["message"]
            == "api-version query parameter is not allowed when using /v1 path"
        )
    assert api.responses(v1=True).status_code == 200


@pytest.mark.parametrize("version", ["2023-06-01", "2026-10-21", "anything"])
def test_anthropic_version_is_required_but_any_value_works(api: Any, version: str) -> None:
    assert (
        api.messages(headers={"x-api-key": DEFAULT_API_KEY, "anthropic-version": version}).status_code == 200
    )


def test_missing_anthropic_version(api: Any) -> None:
    response = api.messages(headers={"x-api-key": DEFAULT_API_KEY})
    body = response.json()
    assert response.status_code == 400
    assert body["type"] == "error"
    assert body["error"] == {
        "type": "invalid_request_error",
        "message": "anthropic-version: header is required",
    }
    assert body["request_id"] == response.headers["request-id"]


# --- auth --------------------------------------------------------------------------------------


def test_wrong_key(api: Any) -> None:
    for header in ("x-api-key", "api-key"):
        response = api.messages(headers={header: "wrong", "anthropic-version": "2023-06-01"})
        assert response.status_code == 401 and response.json()["error"]["code"] == KEY_401_CODE
    response = api.responses(headers={"api-key": "wrong"})
    assert response.status_code == 401 and response.json()["error"]["code"] == KEY_401_CODE


def test_api_key_header_wins_over_authorization(api: Any) -> None:
    garbage_bearer = {"authorization": "Bearer not-a-jwt"}
    assert api.messages(headers=api.key_headers(**garbage_bearer)).status_code == 200
    wrong_key_good_token = {**api.bearer(), "api-key": "wrong"}
    assert api.responses(headers=wrong_key_good_token).json()["error"]["code"] == KEY_401_CODE


def test_no_credentials(api: Any) -> None:
    anthropic = api.messages(headers={"anthropic-version": "2023-06-01"})
    assert anthropic.status_code == 401 and anthropic.json()["error"]["code"] == KEY_401_CODE
    project = api.responses(headers={"x-ms-client-request-id": "no-creds"})
    assert project.status_code == 401 and project.json() == AUDIENCE_401


@pytest.mark.parametrize(
    ("aud", "anthropic_ok", "project_ok"),
    [
        (AI, True, True),
        (AI + "/", True, True),
        (COGNITIVE, True, False),
        (COGNITIVE + "/", True, False),
        ("https://management.azure.com", False, False),
        ("https://ai.cognitiveservices.com", False, False),
    ],
)
def test_token_audience(api: Any, aud: str, anthropic_ok: bool, project_ok: bool) -> None:
    anthropic = api.messages(headers=api.bearer(aud=aud))
    project = api.responses(headers=api.bearer(aud=aud))
    v1 = api.responses(v1=True, headers=api.bearer(aud=aud))
    assert (anthropic.status_code == 200) is anthropic_ok
    assert (project.status_code == 200) is project_ok and (v1.status_code == 200) is project_ok
    for response in (anthropic, project, v1):
        if response.status_code != 200:
            assert response.status_code == 401 and response.json() == AUDIENCE_401


def test_audience_as_a_list(api: Any) -> None:
    token = mint_jwt(aud=["https://example.org", AI])  # type: ignore[arg-type]
    assert api.responses(headers={"authorization": f"Bearer {token}"}).status_code == 200


def test_expired_token(api: Any) -> None:
    expired = api.bearer(exp=int(time.time()) - 5)
    for response in (api.messages(headers=expired), api.responses(headers=expired)):
        assert response.status_code == 401 and response.json() == AUDIENCE_401


@pytest.mark.parametrize(
    "value", [f"Bearer {DEFAULT_API_KEY}", "Bearer a.b.c", "Basic dXNlcjpwYXNz", "Bearer"]
)
def test_bearer_that_is_not_a_jwt(api: Any, value: str) -> None:
    headers = {"authorization": value, "anthropic-version": "2023-06-01"}
    for response in (api.messages(headers=headers), api.responses(headers=headers)):
        assert response.status_code == 401 and response.json() == AUDIENCE_401


def test_token_without_a_numeric_exp(api: Any) -> None:
    def b64(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    for claims in ({"aud": AI}, {"aud": AI, "exp": "tomorrow"}):
        token = f"{b64({'alg': 'RS256'})}.{b64(claims)}.c2ln"
        assert api.responses(headers={"authorization": f"Bearer {token}"}).status_code == 401


# --- headers and recording ---------------------------------------------------------------------


def test_data_plane_headers(api: Any) -> None:
    response = api.messages(headers=api.key_headers(**{"x-ms-client-request-id": "abc-123"}))
    assert str(uuid.UUID(response.headers["apim-request-id"])) == response.headers["apim-request-id"]
    uuid.UUID(response.headers["x-request-id"])
    assert response.headers["x-ms-region"] == "East US 2"
    assert response.headers["x-ms-client-request-id"] == "abc-123"
    assert response.headers["request-id"].startswith("req_011C")
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    project = api.responses()
    assert "request-id" not in project.headers and "x-ms-client-request-id" not in project.headers
    assert project.headers["x-ms-region"] == "East US 2"
    error = api.responses(headers={"api-key": "wrong"})
    assert "apim-request-id" in error.headers and "x-request-id" in error.headers


def test_requests_are_recorded(api: Any) -> None:
    api.responses(headers={"api-key": DEFAULT_API_KEY, "X-Custom": "Value"})
    api.post("/anthropic/v1/messages", content=b"{not json", headers=api.key_headers())
    first, second = api.emu.requests
    assert first.method == "POST" and first.path == "/api/projects/demo/openai/responses"
    assert first.query == {"api-version": "2025-11-15-preview"}
    assert first.headers["x-custom"] == "Value"
    assert first.json == {"model": "claude-sonnet-4-5", "input": "hi"}
    assert second.body == b"{not json" and second.json is None


# --- validation --------------------------------------------------------------------------------


def anthropic_message(response: Any) -> str:
    body = response.json()
    assert response.status_code == 400 and body["type"] == "error"
    assert body["error"]["type"] == "invalid_request_error"
    assert body["request_id"].startswith("req_011C")
    return str(body["error"]["message"])


def test_messages_validation(api: Any) -> None:
    assert anthropic_message(api.messages(max_tokens=None)) == "max_tokens: Field required"
    assert "messages" in anthropic_message(api.messages(messages=[]))
    assistant_first = [{"role": "assistant", "content": "x"}, {"role": "user", "content": "y"}]
    assert "user" in anthropic_message(api.messages(messages=assistant_first))
    twice = [{"role": "user", "content": "x"}, {"role": "user", "content": "y"}]
    assert "alternate" in anthropic_message(api.messages(messages=twice))
    small = {"type": "enabled", "budget_tokens": 1000}
    assert anthropic_message(api.messages(thinking=small)) == (
        "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"
    )
    big = {"type": "enabled", "budget_tokens": 2048}
    assert anthropic_message(api.messages(max_tokens=2048, thinking=big)) == (
        "`max_tokens` must be greater than `thinking.budget_tokens`"
    )
    unsigned = [
        {"role": "user", "content": "x"},
        {
            "role": "assistant",
            "content": [{"type": "thinking", "thinking": "hmm"}, {"type": "text", "text": "a"}],
        },
        {"role": "user", "content": "y"},
    ]
    assert "signature" in anthropic_message(api.messages(messages=unsigned))
    not_json = api.post("/anthropic/v1/messages", content=b"{", headers=api.key_headers())
    anthropic_message(not_json)


def test_messages_accepts_block_content_and_system(api: Any) -> None:
    messages = [
        {"role": "user", "content": [{"type": "text", "text": "first"}, {"type": "text", "text": "more"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "hmm", "signature": "EqQBCgIYAh=="},
                {"type": "text", "text": "an answer"},
            ],
        },
        {"role": "user", "content": "second"},
    ]
    response = api.messages(messages=messages, system=[{"type": "text", "text": "Be brief."}])
    assert response.status_code == 200
    assert "This is turn 2." in response.json()["content"][0]["text"]


def test_responses_validation(api: Any) -> None:
    def error(**overrides: Any) -> dict[str, Any]:
        response = api.responses(**overrides)
        assert response.status_code == 400
        body: dict[str, Any] = response.json()["error"]
        assert body["type"] == "invalid_request_error"
        return body

    assert error(input=None)["param"] == "input"
    assert error(reasoning={"effort": "extreme"})["param"] == "reasoning.effort"
    assert error(max_output_tokens=5)["param"] == "max_output_tokens"
    assert error(temperature=3)["param"] == "temperature"
    not_json = api.post(
        "/api/projects/demo/openai/responses",
        content=b"nope",
        headers={"api-key": DEFAULT_API_KEY},
        params={"api-version": "2025-11-15-preview"},
    )
    assert not_json.status_code == 400
