"""Each scenario's status code and exact body, as documented in reference/foundry-wire.md."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from foundry_cli.emulator import SCENARIOS, Emulator

KEY_INVALID = (
    b'{"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint. '
    b"Make sure to provide a valid key for an active subscription and use a correct regional API endpoint "
    b'for your resource."}}'
)
AUTH_DISABLED = {
    "error": {
        "code": "AuthenticationTypeDisabled",
        "message": "Key based authentication is disabled for this resource.",
    }
}
DEPLOYMENT_NOT_FOUND = (
    b'{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist. '
    b'If you created the deployment within the last 5 minutes, please wait a moment and try again."}}'
)
API_NOT_SUPPORTED = (
    b'{"error":{"code":"api_not_supported","message":"Requested API is currently not supported",'
    b'"details":"Requested API is currently not supported"}}'
)
PROJECT_NOT_FOUND = {"error": {"code": "NotFound", "message": "The project does not exist."}}
VERSION_UNSUPPORTED = {"error": {"code": "BadRequest", "message": "API version not supported"}}
VERSION_NOT_ALLOWED = {
    "error": {
        "code": "BadRequest",
        "message": "api-version query parameter is not allowed when using /v1 path",
    }
}
RATE_LIMIT = {"error": {"code": "429", "message": "Rate limit is exceeded. Try again in 1 seconds."}}
HTML_502 = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>"
    b"<hr><center>nginx</center></body></html>"
)


def test_scenario_names_cover_the_error_table() -> None:
    expected = {
        "healthy", "long", "key-invalid", "key-auth-disabled", "deployment-not-found", "endpoint-shape",
        "project-not-found", "api-version", "rate-limit", "overloaded", "overloaded-midstream", "stream-cut",
        "stall", "html-proxy", "server-error", "garbage", "region", "max-tokens", "thinking-tools", "refusal",
        "network-restricted", "prompt-too-long",
    }  # fmt: skip
    assert set(SCENARIOS) == expected
    assert all(isinstance(d, str) and d and "\n" not in d for d in SCENARIOS.values())


def test_key_invalid(api: Any) -> None:
    api.emu.set_scenario("key-invalid")
    for response in (api.messages(), api.responses(), api.responses(v1=True, headers=api.bearer())):
        assert response.status_code == 401
        assert response.content == KEY_INVALID
        assert response.headers["content-type"] == "application/json"


def test_key_auth_disabled_refuses_keys_only(api: Any) -> None:
    api.emu.set_scenario("key-auth-disabled")
    for response in (api.messages(), api.responses()):
        assert response.status_code == 403 and response.json() == AUTH_DISABLED
    assert api.messages(headers=api.bearer()).status_code == 200
    assert api.responses(headers=api.bearer()).status_code == 200


def test_deployment_not_found(api: Any) -> None:
    api.emu.set_scenario("deployment-not-found")
    for response in (api.messages(), api.responses()):
        assert response.status_code == 404 and response.content == DEPLOYMENT_NOT_FOUND


def test_unknown_deployment_in_healthy(api: Any) -> None:
    assert api.messages(model="claude-sonnet-9").content == DEPLOYMENT_NOT_FOUND
    response = api.responses(model="gpt-4o")
    assert response.status_code == 404 and response.content == DEPLOYMENT_NOT_FOUND


def test_endpoint_shape_on_every_path(api: Any) -> None:
    api.emu.set_scenario("endpoint-shape")
    for response in (api.messages(), api.responses(), api.post("/anything", {})):
        assert response.status_code == 404 and response.content == API_NOT_SUPPORTED


def test_project_not_found(api: Any) -> None:
    api.emu.set_scenario("project-not-found")
    assert api.responses().json() == PROJECT_NOT_FOUND
    assert api.responses(v1=True).status_code == 404
    assert api.messages().status_code == 200


def test_api_version_scenario(api: Any) -> None:
    api.emu.set_scenario("api-version")
    preview = api.responses()
    assert preview.status_code == 400 and preview.json() == VERSION_UNSUPPORTED
    v1 = api.responses(v1=True)
    assert v1.status_code == 400 and v1.json() == VERSION_NOT_ALLOWED
    assert api.messages().status_code == 200


def test_rate_limit_then_success(api: Any) -> None:
    api.emu.set_scenario("rate-limit:2")
    first, second, third = api.messages(), api.responses(), api.messages()
    for response in (first, second):
        assert response.status_code == 429 and response.json() == RATE_LIMIT
        assert response.headers["retry-after"] == "1"
        assert response.headers["x-ratelimit-remaining-requests"] == "0"
    assert third.status_code == 200
    api.emu.set_scenario("rate-limit")  # resets the counter; default N = 1
    assert [api.messages().status_code for _ in range(2)] == [429, 200]


def test_overloaded(api: Any) -> None:
    api.emu.set_scenario("overloaded")
    for _ in range(3):
        response = api.messages()
        body = response.json()
        assert response.status_code == 529
        assert body == {
            "type": "error",
            "error": {"type": "overloaded_error", "message": "Overloaded"},
            "request_id": response.headers["request-id"],
        }
        assert body["request_id"].startswith("req_011C") and len(body["request_id"]) == 28
    api.emu.set_scenario("overloaded:1")
    assert [api.responses().status_code for _ in range(2)] == [529, 200]


def test_overloaded_midstream_without_streaming_is_529(api: Any) -> None:
    api.emu.set_scenario("overloaded-midstream")
    assert api.messages().status_code == 529
    assert api.responses().json()["error"]["type"] == "overloaded_error"


def test_html_proxy(api: Any) -> None:
    api.emu.set_scenario("html-proxy")
    response = api.messages()
    assert response.status_code == 502
    assert response.headers["content-type"] == "text/html"
    assert response.content == HTML_502


def test_server_error_has_an_empty_body(api: Any) -> None:
    api.emu.set_scenario("server-error")
    response = api.responses()
    assert response.status_code == 500 and response.content == b""


def test_garbage_is_not_utf8(api: Any) -> None:
    api.emu.set_scenario("garbage")
    response = api.messages()
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(UnicodeDecodeError):
        response.content.decode("utf-8")


def test_stream_cut_without_streaming_truncates_the_body(api: Any) -> None:
    api.emu.set_scenario("stream-cut")
    with pytest.raises(httpx2.RemoteProtocolError):
        api.messages()


def test_stall_without_streaming_delays_the_reply(emu: Emulator) -> None:
    emu.set_scenario("stall:1")
    body = {"model": "claude-sonnet-4-5", "max_tokens": 64, "messages": [{"role": "user", "content": "hi"}]}
    headers = {"x-api-key": emu.api_key, "anthropic-version": "2023-06-01"}
    with httpx2.Client(timeout=httpx2.Timeout(5, read=0.3)) as client, pytest.raises(httpx2.ReadTimeout):
        client.post(emu.base_url + "/anthropic/v1/messages", json=body, headers=headers)


def test_set_scenario_rejects_unknown_names(emu: Emulator) -> None:
    with pytest.raises(ValueError, match="valid scenarios: healthy, long"):
        emu.set_scenario("chaos-monkey")
    assert emu.scenario == "healthy"


def test_bodies_are_compact_json(api: Any) -> None:
    api.emu.set_scenario("rate-limit")
    raw = api.responses().content
    assert raw == json.dumps(RATE_LIMIT, separators=(",", ":")).encode()
