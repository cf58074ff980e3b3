"""Error bodies of every style -> ApiError; retries; redaction; request shapes."""

from __future__ import annotations

import json

import httpx2
import pytest

from foundry_cli.api.client import ClientConfig, FoundryClient
from foundry_cli.api.error_body import parse_error, retry_after_seconds
from foundry_cli.api.transport import RetryPolicy, redact_headers, redact_url
from foundry_cli.api.types import Message, Request, TextDelta
from foundry_cli.auth.api_key import ApiKeyCredential
from foundry_cli.config.endpoint import normalise_endpoint
from foundry_cli.errors import ApiError, ConfigError, NetworkError

H = {"content-type": "application/json", "apim-request-id": "apim-1", "x-ms-region": "Sweden Central"}


@pytest.mark.parametrize(
    ("status", "body", "code", "fragment"),
    [
        (
            401,
            b'{ "statusCode": 401, "message": "Unauthorized. Access token is missing, invalid, audience is '
            b'incorrect (https://ai.azure.com), or have expired." }',
            "401",
            "audience is incorrect",
        ),
        (
            404,
            b'{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist."}}',
            "DeploymentNotFound",
            "does not exist",
        ),
        (
            400,
            b'{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}}',
            "invalid_request_error",
            "max_tokens",
        ),
        (
            404,
            b'{"error":{"code":"api_not_supported","message":"Requested API is currently not supported",'
            b'"details":"Requested API is currently not supported"}}',
            "api_not_supported",
            "not supported",
        ),
        (
            401,
            b'{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}',
            "invalid_client",
            "AADSTS7000215",
        ),
    ],
)
def test_json_styles(status: int, body: bytes, code: str, fragment: str) -> None:
    err = parse_error(status, H, body)
    assert (err.status, err.code, err.request_id, err.region) == (status, code, "apim-1", "Sweden Central")
    assert fragment in err.message


def test_html_empty_binary_and_huge_bodies() -> None:
    html = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>"
    err = parse_error(502, {"content-type": "text/html"}, html)
    assert "502 Bad Gateway" in err.message and "HTML" in err.message and err.code is None
    assert parse_error(500, {}, b"").message == "(empty response body)"
    assert "undecodable" in parse_error(500, H, b"\xff\xfe\xfa" * 100).message
    huge = parse_error(500, H, json.dumps({"error": {"code": "x", "message": "y" * 10_000_000}}).encode())
    assert len(huge.message) <= 500
    assert len(parse_error(500, {}, b"z" * 5_000_000).message) <= 500
    assert parse_error(500, H, b"{not json").message.startswith("{not json")


def test_retry_after_forms() -> None:
    assert retry_after_seconds({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after_seconds({"retry-after": "3"}) == 3.0
    assert retry_after_seconds({"retry-after": "Wed, 21 Oct 2015 07:28:10 GMT"}, now=1445412480.0) == 10.0
    assert retry_after_seconds({"retry-after": "soon"}) is None
    assert retry_after_seconds({}) is None


class Script:
    """A MockTransport handler that answers from a list and records requests."""

    def __init__(self, *answers: httpx2.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        a = self.answers.pop(0)
        if isinstance(a, Exception):
            raise a
        return a


OK = b'{"id":"m","type":"message","model":"d","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}'


def client_for(script: Script, sleeps: list[float], api: str = "messages", retries: int = 2) -> FoundryClient:
    return FoundryClient(
        ClientConfig(endpoint=normalise_endpoint("myres"), api=api, project="proj"),  # type: ignore[arg-type]
        ApiKeyCredential("SECRET-KEY-123", "test"),
        transport=httpx2.MockTransport(script),
        retry=RetryPolicy(max_retries=retries, sleep=sleeps.append, rand=lambda: 0.0),
    )


REQ = Request(deployment="d", messages=(Message("user", "hi"),), stream=False)


def test_429_with_retry_after_then_success_takes_one_retry_and_waits_as_told() -> None:
    script = Script(
        httpx2.Response(
            429, headers={"retry-after": "7"}, json={"error": {"code": "429", "message": "slow"}}
        ),
        httpx2.Response(200, headers={"content-type": "application/json"}, content=OK),
    )
    sleeps: list[float] = []
    evs = list(client_for(script, sleeps).send(REQ))
    assert sleeps == [7.0] and len(script.requests) == 2
    assert [e.text for e in evs if isinstance(e, TextDelta)] == ["ok"]


def test_backoff_without_retry_after_is_exponential_and_bounded() -> None:
    script = Script(*[httpx2.Response(503, text="busy") for _ in range(3)])
    sleeps: list[float] = []
    with pytest.raises(ApiError) as info:
        list(client_for(script, sleeps).send(REQ))
    assert sleeps == [0.5, 1.0] and info.value.status == 503 and len(script.requests) == 3


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_client_errors_are_not_retried(status: int) -> None:
    script = Script(httpx2.Response(status, json={"error": {"code": "x", "message": "no"}}))
    sleeps: list[float] = []
    with pytest.raises(ApiError):
        list(client_for(script, sleeps).send(REQ))
    assert sleeps == [] and len(script.requests) == 1


def test_connection_errors_retry_then_become_network_errors() -> None:
    script = Script(
        httpx2.ConnectError("refused"), httpx2.ConnectError("refused"), httpx2.ConnectError("refused")
    )
    sleeps: list[float] = []
    with pytest.raises(NetworkError) as info:
        list(client_for(script, sleeps).send(REQ))
    assert len(sleeps) == 2 and "could not connect" in info.value.message


def test_x_should_retry_false_is_obeyed() -> None:
    script = Script(httpx2.Response(529, headers={"x-should-retry": "false"}, json={"type": "error"}))
    with pytest.raises(ApiError):
        list(client_for(script, []).send(REQ))
    assert len(script.requests) == 1


def test_request_shapes_for_both_formats() -> None:
    script = Script(httpx2.Response(200, headers={"content-type": "application/json"}, content=OK))
    req = Request(
        deployment="dep",
        messages=(Message("user", "hi"),),
        system="be brief",
        thinking_budget=2048,
        max_tokens=4096,
        stream=False,
    )
    list(client_for(script, []).send(req))
    r = script.requests[0]
    assert str(r.url) == "https://myres.services.ai.azure.com/anthropic/v1/messages"
    assert r.headers["x-api-key"] == "SECRET-KEY-123" and r.headers["anthropic-version"] == "2023-06-01"
    body = json.loads(r.content)
    assert body == {
        "model": "dep",
        "max_tokens": 4096,
        "messages": [{"role": "user", "content": "hi"}],
        "system": "be brief",
        "thinking": {"type": "enabled", "budget_tokens": 2048},
    }

    resp = {
        "id": "r",
        "model": "dep",
        "status": "completed",
        "output": [],
        "usage": {"input_tokens": 1, "output_tokens": 0},
    }
    for version, url in [
        (
            "2025-11-15-preview",
            "https://myres.services.ai.azure.com/api/projects/proj/openai/responses?api-version=2025-11-15-preview",
        ),
        ("v1", "https://myres.services.ai.azure.com/api/projects/proj/openai/v1/responses"),
    ]:
        script = Script(httpx2.Response(200, json=resp))
        c = client_for(script, [], api="responses")
        c.config.api_version = version
        list(c.send(req))
        r = script.requests[0]
        assert str(r.url) == url and r.headers["api-key"] == "SECRET-KEY-123" and "x-api-key" not in r.headers
        body = json.loads(r.content)
        assert body["input"] == [{"role": "user", "content": [{"type": "input_text", "text": "hi"}]}]
        assert body["max_output_tokens"] == 4096 and body["instructions"] == "be brief"
        assert body["reasoning"] == {"effort": "low", "summary": "auto"}


def test_responses_without_project_is_a_config_error() -> None:
    c = client_for(Script(), [], api="responses")
    c.config.project = None
    with pytest.raises(ConfigError, match="project"):
        list(c.send(REQ))


def test_plain_http_to_a_remote_host_is_refused() -> None:
    c = client_for(Script(), [])
    c.config.endpoint = normalise_endpoint("http://127.0.0.1:1")
    c.config.endpoint = type(c.config.endpoint)(root="http://example.com")
    with pytest.raises(ConfigError, match="Refusing"):
        list(c.send(REQ))


def test_redaction() -> None:
    red = dict(
        redact_headers(
            [
                ("api-key", "SECRET"),
                ("X-Api-Key", "SECRET"),
                ("Authorization", "Bearer SECRET"),
                ("content-type", "json"),
            ]
        )
    )
    assert "SECRET" not in json.dumps(red)
    assert red["Authorization"].startswith("Bearer [redacted") and red["content-type"] == "json"
    url = redact_url("https://h/x?api-version=1&sig=SECRET&code=SECRET&subscription-key=SECRET")
    assert "SECRET" not in url and "api-version=1" in url


def test_debug_trace_redacts_secrets() -> None:
    lines: list[str] = []
    script = Script(httpx2.Response(200, headers={"content-type": "application/json"}, content=OK))
    c = FoundryClient(
        ClientConfig(endpoint=normalise_endpoint("myres"), api="messages"),
        ApiKeyCredential("SECRET-KEY-123", "test"),
        transport=httpx2.MockTransport(script),
        debug=lines.append,
    )
    list(c.send(REQ))
    trace = "\n".join(lines)
    assert (
        "> POST https://myres.services.ai.azure.com/anthropic/v1/messages" in trace and "< HTTP 200" in trace
    )
    assert "SECRET-KEY-123" not in trace and "x-api-key: [redacted" in trace
