"""doctor/report.py: the JSON schema, JUnit, scrubbing, and doctor explain on real bodies."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest

from foundry_cli.doctor.report import json_text, junit_text, scrub
from foundry_cli.doctor.runner import CheckResult, Report
from foundry_cli.doctor.table import classify_text

RESULTS = [
    CheckResult("profile", "Profile", "pass", "ok", duration_ms=1.23),
    CheckResult(
        "token", "Token", "fail", "AADSTS7000215 for s3cr3t-value", "secret-invalid", "new secret", 5
    ),
    CheckResult("probe", "Probe", "skip", "needs token", None, None, 0),
    CheckResult("settings", "Settings", "warn", "thinking", "thinking-tools", "send blocks back", 0),
]


def test_json_schema_and_scrub() -> None:
    doc = json.loads(json_text(Report("work", RESULTS), ["s3cr3t-value"]))
    assert list(doc) == ["profile", "ok", "checks"] and doc["profile"] == "work" and doc["ok"] is False
    assert list(doc["checks"][0]) == ["id", "title", "status", "detail", "row", "fix", "duration_ms"]
    assert doc["checks"][0]["duration_ms"] == 1.2
    assert "s3cr3t-value" not in json.dumps(doc) and "[redacted]" in doc["checks"][1]["detail"]


@pytest.mark.parametrize("strict", [False, True])
def test_junit(strict: bool) -> None:
    text = junit_text(Report("work", RESULTS, strict=strict), ["s3cr3t-value"])
    root = ET.fromstring(text)  # noqa: S314 - our own output
    assert root.get("tests") == "4" and root.get("skipped") == "1"
    assert root.get("failures") == ("2" if strict else "1")
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert cases["token"].find("failure") is not None
    assert cases["token"].find("failure").get("type") == "secret-invalid"  # type: ignore[union-attr]
    assert cases["probe"].find("skipped") is not None
    assert (cases["settings"].find("failure") is not None) == strict
    assert "s3cr3t-value" not in ET.tostring(root, encoding="unicode")


def test_scrub_longest_first() -> None:
    assert scrub("xy xyz", ["xy", "xyzw", "xyz"]) == "[redacted] [redacted]"
    assert scrub("d", ["d", "[redacted]"]) == "[redacted]"
    assert scrub("nothing", []) == "nothing"


# Real bodies from reference/foundry-wire.md §2-3 and the row they must explain first.
REFERENCE_BODIES = [
    (
        '{ "statusCode": 401, "message": "Unauthorized. Access token is missing, invalid, audience is '
        'incorrect (https://ai.azure.com), or have expired." }',
        "audience",
    ),
    (
        '{"error":{"code":"PermissionDenied","message":"The principal `abc` lacks the required data action '
        "`Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action` to perform "
        '`POST /openai/deployments/{deployment-id}/chat/completions` operation."}}',
        "role-missing",
    ),
    (
        '{"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API '
        "endpoint. Make sure to provide a valid key for an active subscription and use a correct regional "
        'API endpoint for your resource."}}',
        "key-invalid",
    ),
    (
        "403 AuthenticationTypeDisabled: Key based authentication is disabled for this resource.",
        "key-auth-disabled",
    ),
    (
        '{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not '
        'exist. If you created the deployment within the last 5 minutes, please wait a moment and try again."}}',
        "deployment-not-found",
    ),
    (
        '{"error":{"code":"api_not_supported","message":"Requested API is currently not supported",'
        '"details":"Requested API is currently not supported"}}',
        "endpoint-shape",
    ),
    ('404 "The project does not exist."', "project-not-found"),
    ("Missing required query parameter: api-version", "api-version"),
    (
        '400 {"error":{"code":"BadRequest","message":"api-version query parameter is not allowed when '
        'using /v1 path"}}',
        "api-version",
    ),
    (
        '{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. '
        "Ensure the secret being sent in the request is the client secret value, not the client secret ID, "
        'for a secret added to app \'832d86c8-x\'.\\r\\nTrace ID: 654ce9b2","error_codes":[7000215],'
        '"error_uri":"https://login.microsoftonline.com/error?code=7000215"}',
        "secret-invalid",
    ),
    ("AADSTS7000222", "secret-expired"),
    ("AADSTS700016: Application with identifier 'x' was not found in the directory 'y'.", "app-not-found"),
    ("AADSTS90002: Tenant 'nope' not found.", "tenant-not-found"),
    ("AADSTS700024: Client assertion is not within its valid time range.", "assertion-invalid"),
    ("AADSTS50076: you must use multi-factor authentication", "user-interaction"),
    (
        "EnvironmentCredential authentication unavailable. Environment variables are not fully configured.",
        "sp-env-missing",
    ),
    ("ERROR: Please run 'az login' to setup account.", "not-logged-in"),
    (
        "The resource principal named https://ai.azure.com/x was not found in the tenant named t.",
        "audience",
    ),
    ('{"error":{"code":"429","message":"Rate limit is exceeded. Try again in 1 seconds."}}', "rate-limit"),
    (
        'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}',
        "overloaded",
    ),
    ("max_tokens: Field required", "max-tokens"),
    (
        "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `text`.",
        "thinking-tools",
    ),
    (
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate",
        "network",
    ),
    ("Missing API base", "endpoint-missing"),
    (
        "The specified SKU 'GlobalStandard' for model 'claude-x 1' is not supported in this region 'westeurope'.",
        "region",
    ),
]


@pytest.mark.parametrize(
    ("text", "row"), REFERENCE_BODIES, ids=[f"{r}-{i}" for i, (_, r) in enumerate(REFERENCE_BODIES)]
)
def test_explain_reference_bodies(text: str, row: str) -> None:
    rows = classify_text(text)
    assert rows and rows[0].id == row, [r.id for r in rows]


def test_explain_unrelated() -> None:
    assert classify_text("the weather is lovely today") == []
