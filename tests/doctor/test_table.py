"""The error table (DESIGN §5) as data: ids, recognisers, precedence, exact reference bodies, docs."""

from __future__ import annotations

import re
import ssl
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foundry_cli.doctor.table import (
    ROW_BY_ID,
    ROWS,
    Row,
    classify,
    classify_http,
    classify_text,
    render_markdown_table,
    row,
)
from foundry_cli.errors import (
    ApiError,
    AuthError,
    ConfigError,
    FclaudeError,
    NetworkError,
    StreamInterrupted,
    UsageError,
)

# The contract: DESIGN §5's ids, in table order. Hard-coded on purpose (CI does not always
# have ../shared/DESIGN.md); a row added to the design must be added here and to the table.
EXPECTED_IDS = (
    "endpoint-missing",
    "endpoint-shape",
    "project-not-found",
    "sp-env-missing",
    "secret-invalid",
    "secret-expired",
    "app-not-found",
    "tenant-not-found",
    "assertion-invalid",
    "user-interaction",
    "not-logged-in",
    "audience",
    "role-missing",
    "key-invalid",
    "key-auth-disabled",
    "deployment-not-found",
    "region",
    "api-version",
    "max-tokens",
    "thinking-tools",
    "rate-limit",
    "overloaded",
    "network",
    # the failure families of reference/foundry-wire.md §11 (issue 11)
    "network-restricted",
    "credential-missing",
    "prompt-too-long",
    "max-tokens-range",
    "managed-identity-unavailable",
    "tenant-mismatch",
    "federation-mismatch",
    "service-error",
    "deployment-provisioning",
    # the 2026 models' request rules (issue 10)
    "thinking-mode",
    "sampling-unsupported",
    "feature-unsupported",
)

AUTH_ROWS = {
    "sp-env-missing",
    "secret-invalid",
    "secret-expired",
    "app-not-found",
    "tenant-not-found",
    "assertion-invalid",
    "user-interaction",
    "not-logged-in",
    "audience",
    "role-missing",
    "key-invalid",
    "key-auth-disabled",
    "managed-identity-unavailable",
    "tenant-mismatch",
    "federation-mismatch",
}

# ---- exact bodies from reference/foundry-wire.md §2-3 (copied verbatim) -------------------------
AUDIENCE_BODY = (
    '{ "statusCode": 401, "message": "Unauthorized. Access token is missing, invalid, audience is '
    'incorrect (https://ai.azure.com), or have expired." }'
)
AUDIENCE_MSG = (
    "Unauthorized. Access token is missing, invalid, audience is incorrect (https://ai.azure.com), "
    "or have expired."
)
AUDIENCE_RESOURCE_BODY = (
    '{"statusCode":401,"message":"Unauthorized. Access token is missing, invalid, audience is incorrect '
    '(https://cognitiveservices.azure.com), or have expired."}'
)
PERMISSION_BODY = (
    '{"error":{"code":"PermissionDenied","message":"The principal `<objectId>` lacks the required data action '
    "`Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action` to perform "
    '`POST /openai/deployments/{deployment-id}/chat/completions` operation."}}'
)
PERMISSION_MSG = (
    "The principal `<objectId>` lacks the required data action "
    "`Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action` to perform "
    "`POST /openai/deployments/{deployment-id}/chat/completions` operation."
)
ACCESS_DENIED_BODY = (
    '{"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint. '
    "Make sure to provide a valid key for an active subscription and use a correct regional API endpoint "
    'for your resource."}}'
)
ACCESS_DENIED_MSG = (
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key "
    "for an active subscription and use a correct regional API endpoint for your resource."
)
KEY_DISABLED_TEXT = "403 AuthenticationTypeDisabled: Key based authentication is disabled for this resource."
KEY_DISABLED_MSG = "Key based authentication is disabled for this resource."
DEPLOYMENT_BODY = (
    '{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not exist. '
    'If you created the deployment within the last 5 minutes, please wait a moment and try again."}}'
)
DEPLOYMENT_MSG = (
    "The API deployment for this resource does not exist. If you created the deployment within the last "
    "5 minutes, please wait a moment and try again."
)
API_NOT_SUPPORTED_BODY = (
    '{"error":{"code":"api_not_supported","message":"Requested API is currently not supported",'
    '"details":"Requested API is currently not supported"}}'
)
PROJECT_TEXT = '404 "The project does not exist."'
AADSTS_BODY = (
    '{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure '
    "the secret being sent in the request is the client secret value, not the client secret ID, for a "
    "secret added to app '832d86c8-…'.\\r\\nTrace ID: 654ce9b2-…\\r\\nCorrelation ID: 5be327fc-…\\r\\n"
    'Timestamp: 2022-10-31 09:03:41Z","error_codes":[7000215],"timestamp":"2022-10-31 09:03:41Z",'
    '"trace_id":"654ce9b2-…","correlation_id":"5be327fc-…",'
    '"error_uri":"https://login.microsoftonline.com/error?code=7000215"}'
)
API_VERSION_MISSING = "Missing required query parameter: api-version"
API_VERSION_V1_BODY = (
    '{"error":{"code":"BadRequest",'
    '"message":"api-version query parameter is not allowed when using /v1 path"}}'
)
API_VERSION_UNSUPPORTED = "API version not supported"
OVERLOADED_EVENT = (
    'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}'
)
OVERLOADED_BODY = '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'
AUTH_ERROR_BODY = (
    '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"},'
    '"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}'
)
REGION_TEXT = (
    "InvalidResourceProperties: The specified SKU 'GlobalStandard' for model 'claude-sonnet-4-5 1' is not "
    "supported in this region 'westus'."
)
RATE_LIMIT_BODY = '{"error":{"code":"429","message":"Rate limit is exceeded. Try again in 1 seconds."}}'
ENV_CREDENTIAL_TEXT = (
    "EnvironmentCredential authentication unavailable. Environment variables are not fully configured."
)

# ---- at least one recogniser sample per row; the test iterates over ROWS, not over this dict ----
SAMPLES: dict[str, list[str]] = {
    "endpoint-missing": [
        "litellm.BadRequestError: AzureException - Missing API Base",
        "The endpoint is empty. Give a resource name or URL.",
        "no endpoint configured for profile 'work'",
    ],
    "endpoint-shape": [
        API_NOT_SUPPORTED_BODY,
        "HTTP 404 api_not_supported",
        "POST https://res.services.ai.azure.com/anthropic/v1/messages/v1/messages -> 404",
        '{"error":{"code":"404","message": "Resource not found"}}',
        "HTTP 404",
    ],
    "project-not-found": [PROJECT_TEXT, "The project does not exist.", "project 'my-proj' not found"],
    "sp-env-missing": [
        ENV_CREDENTIAL_TEXT,
        "litellm.AuthenticationError: Failed to obtain Azure AD token",
        "AZURE_CLIENT_SECRET is not set",
    ],
    "secret-invalid": [AADSTS_BODY, "AADSTS7000215", "7000215", "Invalid client secret provided."],
    "secret-expired": [
        "AADSTS7000222: The provided client secret keys for app 'abc' are expired. Visit the Azure portal "
        "to create new keys for your app.",
        "aadsts7000222",
        "The provided client secret keys for app '11111111-2222' are expired.",
    ],
    "app-not-found": [
        "AADSTS700016: Application with identifier 'abc' was not found in the directory 'contoso'.",
        "Application with identifier 'abc' was not found in the directory 'contoso'.",
    ],
    "tenant-not-found": [
        "AADSTS90002: Tenant 'contoso.onmicrosoft.co' not found. Check to make sure you have the correct "
        "tenant ID and are signing into the correct cloud.",
        "Tenant 'nope' not found.",
    ],
    "assertion-invalid": [
        "AADSTS700024: Client assertion is not within its valid time range. Current time: 2026-01-01T00:00Z",
        "Client assertion is not within its valid time range.",
    ],
    "user-interaction": [
        "AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a "
        "new location, you must use multi-factor authentication to access 'https://ai.azure.com'.",
        "AADSTS50079",
        "AADSTS53003: Access has been blocked by Conditional Access policies.",
        "AADSTS65001: The user or administrator has not consented to use the application with ID 'x'.",
        "AADSTS700082: The refresh token has expired due to inactivity.",
        '{"error":"interaction_required","error_description":"needs MFA"}',
    ],
    "not-logged-in": [
        "AzureCliCredential: Please run 'az login' to set up an account",
        "Azure CLI not found on path",
        "ERROR: Please run 'az login' to setup account.",
        "bash: az: command not found",
    ],
    "audience": [
        AUDIENCE_BODY,
        AUDIENCE_RESOURCE_BODY,
        "401 Unauthorized. Access token is missing, invalid, audience is incorrect, or have expired.",
        "AADSTS500011: The resource principal named https://ai.azure.net was not found in the tenant named x.",
    ],
    "role-missing": [
        PERMISSION_BODY,
        "Status: 401 (PermissionDenied)",
        "401 Principal does not have access to API/Operation.",
        "HTTP 403",
    ],
    "key-invalid": [ACCESS_DENIED_BODY, AUTH_ERROR_BODY, "invalid x-api-key"],
    "key-auth-disabled": [KEY_DISABLED_TEXT, KEY_DISABLED_MSG, "AuthenticationTypeDisabled"],
    "deployment-not-found": [
        DEPLOYMENT_BODY,
        '{"type":"error","error":{"type":"not_found_error","message":"model: claude-sonet-4-5"}}',
        "model not found",
        "DeploymentNotFound",
    ],
    "region": [
        REGION_TEXT,
        "The model 'claude-opus-4-1' cannot be deployed in region 'westeurope'.",
        "model not found in this region",
    ],
    "api-version": [
        API_VERSION_MISSING,
        API_VERSION_V1_BODY,
        API_VERSION_UNSUPPORTED,
        "HTTP 400: Missing required query parameter: api-version",
    ],
    "max-tokens": [
        '{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}}',
        "max_tokens: field required",
    ],
    "thinking-tools": [
        '{"type":"error","error":{"type":"invalid_request_error","message":"messages.1.content.0.type: '
        "Expected `thinking` or `redacted_thinking`, but found `text`. When `thinking` is enabled, a final "
        '`assistant` message must start with a thinking block."}}',
        "expected thinking or redacted_thinking",
    ],
    "rate-limit": [
        RATE_LIMIT_BODY,
        '{"type":"error","error":{"type":"rate_limit_error","message":"Number of requests exceeded"}}',
        "429",
        "HTTP/1.1 429 Too Many Requests",
        "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have "
        "exceeded token rate limit of your current pricing tier. Please retry after 6 seconds.",
    ],
    "overloaded": [OVERLOADED_EVENT, OVERLOADED_BODY, "529", "HTTP 529", "overloaded_error"],
    "network": [
        "[Errno -2] Name or service not known",
        "[Errno 8] nodename nor servname provided, or not known",
        "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate",
        "httpx2.ProxyError: 407 Proxy Authentication Required",
        "[Errno 111] Connection refused",
        "ConnectError",
    ],
    # one short sample each; tests/doctor/test_new_rows.py checks real wordings from the corpus
    "network-restricted": [
        '{"error":{"code":"403","message": "Access denied due to Virtual Network/Firewall rules."}}'
    ],
    "credential-missing": [
        "Could not resolve authentication method. Expected either apiKey or authToken to be set."
    ],
    "prompt-too-long": ["prompt is too long: 200251 tokens > 200000 maximum"],
    "max-tokens-range": ["max_tokens: 128000 > 64000, which is the maximum allowed number of output tokens"],
    "managed-identity-unavailable": [
        "ManagedIdentityCredential authentication unavailable, no response from the IMDS endpoint."
    ],
    "tenant-mismatch": [
        "(Tenant provided in token does not match resource token) Token tenant x does not match resource tenant."
    ],
    "federation-mismatch": [
        "AADSTS700213: No matching federated identity record found for presented assertion subject 'x'."
    ],
    "service-error": [
        "HTTP 500 Internal Server Error",
        "HTTP 502 Bad Gateway",
        "The server had an error while processing your request.",
    ],
    "deployment-provisioning": [
        "InvalidModelProviderData: ModelProviderData is required for Anthropic model deployments"
    ],
    # one short sample each; tests/doctor/test_rule_rows.py checks the service's and the emulator's wordings
    "thinking-mode": [
        '"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and '
        '"output_config.effort" to control thinking behavior.'
    ],
    "sampling-unsupported": ["`temperature` is deprecated for this model."],
    "feature-unsupported": ["structured_outputs not supported in your workspace."],
}


# ---- the table itself ---------------------------------------------------------------------------
def test_ids_are_the_design_ids_in_table_order() -> None:
    assert tuple(r.id for r in ROWS) == EXPECTED_IDS
    assert len(EXPECTED_IDS) == 35


def test_ids_are_unique_and_indexed() -> None:
    ids = [r.id for r in ROWS]
    assert len(ids) == len(set(ids))
    assert list(ROW_BY_ID) == ids
    assert all(ROW_BY_ID[i] is r for i, r in zip(ids, ROWS, strict=True))


def test_row_lookup() -> None:
    assert row("audience").title
    with pytest.raises(KeyError):
        row("no-such-row")
    with pytest.raises(TypeError):
        ROW_BY_ID["x"] = ROWS[0]  # type: ignore[index]


@pytest.mark.parametrize("r", ROWS, ids=lambda r: r.id)
def test_row_fields(r: Row) -> None:
    assert re.fullmatch(r"[a-z]+(?:-[a-z]+)*", r.id)
    for text in (r.title, r.symptom, r.cause, r.fix):
        assert text.strip() == text and text
    assert r.fix.endswith((".", ")"))
    config = ("endpoint-missing", "credential-missing")  # DESIGN §6: nothing configured is exit 3
    expected_exit = 4 if r.id in AUTH_ROWS else 3 if r.id in config else 1
    assert r.exit_code == expected_exit
    for p in r.patterns:
        re.compile(p)
    assert all(n.isdigit() for n in r.aadsts)
    assert all(100 <= s <= 599 for s in r.statuses)
    assert r.fix_command is None or r.fix_command.strip()


@pytest.mark.parametrize(
    ("rid", "needles"),
    [
        ("endpoint-missing", ["FCLAUDE_ENDPOINT", "AZURE_API_BASE", "`endpoint`"]),
        (
            "endpoint-shape",
            ["https://RES.services.ai.azure.com/anthropic", "/api/projects/PROJ/openai"],
        ),
        ("sp-env-missing", ["AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "AZURE_TENANT_ID"]),
        ("secret-invalid", ["AZURE_CLIENT_SECRET", "Value", "Secret ID"]),
        ("secret-expired", ["AZURE_CLIENT_SECRET", "6-12 months"]),
        ("app-not-found", ["AZURE_CLIENT_ID", "AZURE_TENANT_ID"]),
        ("tenant-not-found", ["AZURE_TENANT_ID"]),
        ("assertion-invalid", ["AZURE_FEDERATED_TOKEN_FILE", "clock"]),
        ("user-interaction", ["fclaude login", "device code"]),
        ("not-logged-in", ["az login"]),
        ("audience", ["https://ai.azure.com/.default", "aud"]),
        (
            "role-missing",
            ["Cognitive Services User", "Azure AI User", "Owner", "Contributor", "5 minutes"],
        ),
        ("key-invalid", ["Key 1", "Keys and Endpoint"]),
        ("key-auth-disabled", ["Entra ID", "auth"]),
        ("deployment-not-found", ["fclaude models", "5 minutes"]),
        ("region", ["East US 2", "Sweden Central"]),
        ("api-version", ["2025-11-15-preview", "/openai/v1/"]),
        ("max-tokens", ["max_tokens"]),
        ("thinking-tools", ['api = "responses"', "verbatim"]),
        ("rate-limit", ["retry-after", "capacity"]),
        ("network", ["HTTPS_PROXY", "SSL_CERT_FILE"]),
    ],
)
def test_fix_names_the_concrete_settings(rid: str, needles: list[str]) -> None:
    fix = row(rid).fix
    for needle in needles:
        assert needle in fix, (rid, needle)


def test_fix_commands_where_the_design_names_one() -> None:
    assert row("deployment-not-found").fix_command == "fclaude models"
    assert row("not-logged-in").fix_command == "az login"
    assert row("user-interaction").fix_command == "fclaude login"
    assert row("endpoint-missing").fix_command == "fclaude login"


# ---- recognisers --------------------------------------------------------------------------------
@pytest.mark.parametrize("r", ROWS, ids=lambda r: r.id)
def test_every_row_has_samples_that_rank_it_first(r: Row) -> None:
    samples = SAMPLES.get(r.id)
    assert samples, f"row {r.id} has no recogniser sample in SAMPLES"
    for sample in samples:
        found = classify_text(sample)
        assert found, (r.id, sample)
        assert found[0] is r, (r.id, sample, [x.id for x in found])


def test_samples_only_name_real_rows() -> None:
    assert set(SAMPLES) <= set(ROW_BY_ID)


@pytest.mark.parametrize("r", ROWS, ids=lambda r: r.id)
def test_every_aadsts_number_and_code_maps_to_its_row(r: Row) -> None:
    for num in r.aadsts:
        assert classify_text(f"AADSTS{num}")[0] is r
        assert classify_text(f"Authentication failed: AADSTS{num}: something")[0] is r
        assert classify(AuthError("failed", code=f"AADSTS{num}")) is r
        assert classify(AuthError("failed", code=num)) is r
    for code in r.codes:
        assert classify_http(0, code, "") is r, code
        assert classify_http(0, code.upper(), "") is r, code  # codes compare case-insensitively


@pytest.mark.parametrize("r", ROWS, ids=lambda r: r.id)
def test_row_id_itself_is_explained(r: Row) -> None:
    assert classify_text(r.id) == [r]
    assert classify_text(f"  `{r.id}`\n") == [r]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n",
        "hello world",
        "The quick brown fox jumps over the lazy dog.",
        "Traceback (most recent call last):\n  File \"x.py\", line 1\nKeyError: 'foo'",
        "200 OK",
        "12345",
        "all checks passed in 0.3 s",
        "the function is overloaded in C++",
        "a project about deployment pipelines",
    ],
)
def test_unrelated_text_matches_nothing(text: str) -> None:
    assert classify_text(text) == []


def test_results_have_no_duplicates_and_keep_order() -> None:
    text = (
        "DefaultAzureCredential failed to retrieve a token from the included credentials.\n"
        "Attempted credentials:\n\tEnvironmentCredential: " + ENV_CREDENTIAL_TEXT + "\n"
        "\tAzureCliCredential: Please run 'az login' to set up an account\n"
        "AADSTS7000215 ... AADSTS7000215 ... AADSTS50076"
    )
    ids = [r.id for r in classify_text(text)]
    assert len(ids) == len(set(ids))
    # AADSTS numbers (Entra's verdict) outrank the chain's wrapper phrases, in order of appearance;
    # the Azure CLI link that failed outranks the EnvironmentCredential link that is only not set up
    assert ids == ["secret-invalid", "user-interaction", "not-logged-in", "sp-env-missing"]


def test_401_alone_is_ambiguous() -> None:
    assert classify_http(401, None, "Unauthorized") is None
    assert classify_http(401, "401", "") is None
    assert [r.id for r in classify_text("HTTP 401")] == ["key-invalid", "audience", "role-missing"]


# ---- exact reference bodies: classify_http(status, code, message) and classify_text(body) ---------
@pytest.mark.parametrize(
    ("rid", "status", "code", "message", "body"),
    [
        ("audience", 401, "401", AUDIENCE_MSG, AUDIENCE_BODY),
        ("role-missing", 401, "PermissionDenied", PERMISSION_MSG, PERMISSION_BODY),
        ("role-missing", 403, "PermissionDenied", PERMISSION_MSG, PERMISSION_BODY),
        ("key-invalid", 401, "401", ACCESS_DENIED_MSG, ACCESS_DENIED_BODY),
        ("key-invalid", 401, "authentication_error", "invalid x-api-key", AUTH_ERROR_BODY),
        ("key-auth-disabled", 403, "AuthenticationTypeDisabled", KEY_DISABLED_MSG, KEY_DISABLED_TEXT),
        ("deployment-not-found", 404, "DeploymentNotFound", DEPLOYMENT_MSG, DEPLOYMENT_BODY),
        (
            "endpoint-shape",
            404,
            "api_not_supported",
            "Requested API is currently not supported",
            API_NOT_SUPPORTED_BODY,
        ),
        ("project-not-found", 404, None, "The project does not exist.", PROJECT_TEXT),
        ("secret-invalid", 401, "invalid_client", AADSTS_BODY, AADSTS_BODY),
        ("api-version", 400, None, API_VERSION_MISSING, API_VERSION_MISSING),
        (
            "api-version",
            400,
            "BadRequest",
            "api-version query parameter is not allowed when using /v1 path",
            API_VERSION_V1_BODY,
        ),
        ("api-version", 404, None, API_VERSION_UNSUPPORTED, API_VERSION_UNSUPPORTED),
        ("overloaded", 529, "overloaded_error", "Overloaded", OVERLOADED_BODY),
        ("overloaded", 200, "overloaded_error", "Overloaded", OVERLOADED_EVENT),
        ("overloaded", 0, "overloaded_error", "Overloaded", OVERLOADED_EVENT),
        ("rate-limit", 429, "429", "Rate limit is exceeded. Try again in 1 seconds.", RATE_LIMIT_BODY),
        ("region", 400, "InvalidResourceProperties", REGION_TEXT, REGION_TEXT),
    ],
)
def test_reference_bodies(rid: str, status: int, code: str | None, message: str, body: str) -> None:
    assert classify_http(status, code, message) is row(rid)
    assert classify_text(body)[0] is row(rid)


@pytest.mark.parametrize(
    ("status", "body", "rid"),
    [
        (401, AUDIENCE_BODY, "audience"),
        (401, PERMISSION_BODY, "role-missing"),
        (401, ACCESS_DENIED_BODY, "key-invalid"),
        (401, AUTH_ERROR_BODY, "key-invalid"),
        (404, DEPLOYMENT_BODY, "deployment-not-found"),
        (404, API_NOT_SUPPORTED_BODY, "endpoint-shape"),
        (404, b'"The project does not exist."'.decode(), "project-not-found"),
        (400, API_VERSION_V1_BODY, "api-version"),
        (529, OVERLOADED_BODY, "overloaded"),
        (429, RATE_LIMIT_BODY, "rate-limit"),
        (404, "", "endpoint-shape"),
        (
            403,
            "<html><head><title>Access Denied</title></head><body>Blocked by policy</body></html>",
            "network",
        ),
    ],
)
def test_parsed_bodies_classify_end_to_end(status: int, body: str, rid: str) -> None:
    """The path ask/chat take: api.error_body.parse_error -> ApiError -> classify."""
    from foundry_cli.api.error_body import parse_error

    ctype = "text/html" if body.startswith("<") else "application/json"
    exc = parse_error(status, {"content-type": ctype}, body.encode())
    assert classify(exc) is row(rid)


# ---- precedence ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "code", "message", "rid"),
    [
        # the service's specific code beats what the status alone would say
        (401, "PermissionDenied", "anything", "role-missing"),
        (401, "PermissionDenied", "invalid subscription key", "role-missing"),
        (404, "DeploymentNotFound", "not supported in this region", "deployment-not-found"),
        # wording beats the generic Anthropic category
        (401, "authentication_error", "audience is incorrect (https://ai.azure.com)", "audience"),
        (404, "not_found_error", "The project does not exist.", "project-not-found"),
        (404, "not_found_error", "model: claude-x", "deployment-not-found"),
        # an API key sent as Bearer to a project endpoint gets the audience body: audience, not key
        (401, None, "audience is incorrect; invalid api key", "audience"),
        (403, None, "Key based authentication is disabled for this resource.", "key-auth-disabled"),
        # region names the cause that "model not found" would blame on the deployment name
        (404, None, "The model 'claude-opus-4-1' was not found in this region.", "region"),
        (404, None, "model not found", "deployment-not-found"),
        # 404 with no known code, or an unknown one: the path is not served
        (404, None, "", "endpoint-shape"),
        (404, "NotFound", "Not Found", "endpoint-shape"),
        (404, "404", "Resource not found", "endpoint-shape"),
        (403, None, "Forbidden", "role-missing"),
        (407, None, "", "network"),
        (429, None, "", "rate-limit"),
        (529, None, "", "overloaded"),
        (429, "rate_limit_error", "Number of requests has exceeded your rate limit", "rate-limit"),
        (400, None, "max_tokens: Field required", "max-tokens"),
        (400, "invalid_request_error", "Expected `thinking` or `redacted_thinking`", "thinking-tools"),
        (0, "ConnectError", "could not connect ([Errno 111] Connection refused)", "network"),
        (0, None, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed", "network"),
        (0, "429", "", "rate-limit"),  # a numeric code stands in for a missing status
        (200, "overloaded_error", "Overloaded", "overloaded"),
    ],
)
def test_classify_http_precedence(status: int, code: str | None, message: str, rid: str) -> None:
    assert classify_http(status, code, message) is row(rid)


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (400, None, ""),
        (401, None, "Unauthorized"),
        (0, None, ""),
    ],
)
def test_classify_http_without_a_row(status: int, code: str | None, message: str) -> None:
    """Nothing names a cause: None, not a guess."""
    assert classify_http(status, code, message) is None


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (500, "api_error", "Internal server error"),
        (502, None, "HTML page from a proxy or gateway: 502 Bad Gateway"),
        (503, None, "Service Unavailable"),
        (504, None, "<html><body><h1>504 Gateway Time-out</h1></body></html>"),
        (200, "server_error", "The model failed to generate a response."),
    ],
)
def test_5xx_and_gateway_pages_are_the_service_side(status: int, code: str | None, message: str) -> None:
    """5xx other than 529, server_error/api_error and HTML gateway pages: the service failed."""
    assert classify_http(status, code, message) is row("service-error")


def test_html_block_pages_on_401_403_are_network_and_html_404_is_endpoint_shape() -> None:
    page = "HTML page from a proxy or gateway: Access Denied"
    assert classify_http(403, None, page) is row("network")
    assert classify_http(401, None, page) is row("network")
    assert classify_http(404, None, "HTML page from a proxy or gateway: 404 Not Found") is row(
        "endpoint-shape"
    )
    assert classify_http(429, None, "<html>Too Many Requests</html>") is row("rate-limit")


# ---- classify(exception) ------------------------------------------------------------------------
def test_classify_uses_the_raisers_row() -> None:
    assert classify(ConfigError("The endpoint is empty.", row="endpoint-missing")) is row("endpoint-missing")
    assert classify(ApiError("whatever", status=500, row="overloaded")) is row("overloaded")
    # an unknown id is ignored and the evidence decides
    assert classify(ApiError("x", status=404, code="DeploymentNotFound", row="no-such")) is row(
        "deployment-not-found"
    )


@pytest.mark.parametrize(
    ("exc", "rid"),
    [
        (ApiError(PERMISSION_MSG, status=401, code="PermissionDenied"), "role-missing"),
        (ApiError(AUDIENCE_MSG, status=401, code="401"), "audience"),
        (ApiError(ACCESS_DENIED_MSG, status=401, code="401"), "key-invalid"),
        (ApiError("invalid x-api-key", status=401, code="authentication_error"), "key-invalid"),
        (ApiError("Not Found", status=404), "endpoint-shape"),
        (ApiError("(empty response body)", status=404), "endpoint-shape"),
        (ApiError("The project does not exist.", status=404), "project-not-found"),
        (ApiError(DEPLOYMENT_MSG, status=404, code="DeploymentNotFound"), "deployment-not-found"),
        (ApiError(KEY_DISABLED_MSG, status=403, code="AuthenticationTypeDisabled"), "key-auth-disabled"),
        (ApiError("Overloaded", status=529, code="overloaded_error"), "overloaded"),
        (ApiError("Overloaded", status=200, code="overloaded_error"), "overloaded"),
        (ApiError("slow down", status=429, retry_after=3.0), "rate-limit"),
        (NetworkError("could not connect (boom) for https://x", status=0, code="ConnectError"), "network"),
        (NetworkError("anything at all"), "network"),
        (AuthError("Authentication failed: AADSTS7000222: expired", code="AADSTS7000222"), "secret-expired"),
        (AuthError("AADSTS700016: Application with identifier 'x' was not found"), "app-not-found"),
        (AuthError(ENV_CREDENTIAL_TEXT), "sp-env-missing"),
        (AuthError("Azure CLI not found on path"), "not-logged-in"),
        (AuthError("Please run 'az login' to set up an account"), "not-logged-in"),
        (AuthError("failed", code="7000215"), "secret-invalid"),
        (ConfigError("Missing API base"), "endpoint-missing"),
        (FclaudeError("AADSTS90002: Tenant 'x' not found."), "tenant-not-found"),
    ],
)
def test_classify_exceptions(exc: BaseException, rid: str) -> None:
    assert classify(exc) is row(rid)


def test_classify_exceptions_without_a_row() -> None:
    assert classify(ApiError("Internal server error", status=500, code="api_error")) is row("service-error")
    assert classify(ApiError("Unauthorized", status=401)) is None
    assert classify(AuthError("something odd happened")) is None
    assert classify(ConfigError("/x/config.toml is not valid TOML: line 3")) is None
    assert classify(UsageError("--thinking must be >= 1024")) is None
    assert classify(UsageError("max_tokens: field required")) is None  # usage errors never get a row
    assert classify(ValueError("nope")) is None
    assert classify(KeyboardInterrupt()) is None


def test_stream_interrupted_takes_its_causes_row() -> None:
    cause = ApiError("Overloaded", status=200, code="overloaded_error")
    assert classify(StreamInterrupted("mid-stream", cause=cause)) is row("overloaded")
    net = NetworkError("the server closed the connection mid-response", code="RemoteProtocolError")
    # the stream had begun, so the route worked: not `network`, but the service side (once the row exists)
    cut = classify(StreamInterrupted("broke off", cause=net))
    assert cut is ROW_BY_ID.get("service-error") and cut is not row("network")
    assert classify(StreamInterrupted("The stream ended before the answer was complete")) is None
    unknown = ApiError("Internal server error", status=200, code="api_error")
    assert classify(StreamInterrupted("mid-stream", cause=unknown)) is row("service-error")


def test_stdlib_network_errors_and_foreign_exceptions() -> None:
    import socket

    assert classify(ConnectionRefusedError(111, "Connection refused")) is row("network")
    assert classify(socket.gaierror(-2, "Name or service not known")) is row("network")
    assert classify(ssl.SSLCertVerificationError("certificate verify failed")) is row("network")
    assert classify(TimeoutError("timed out")) is row("network")

    class ClientAuthenticationError(Exception):  # stands in for azure.core's
        pass

    assert classify(ClientAuthenticationError("Authentication failed: AADSTS700024: ...")) is row(
        "assertion-invalid"
    )


def test_classify_follows_the_cause_chain_but_not_suppressed_context() -> None:
    def wrapped() -> AuthError:
        try:
            raise OSError("AADSTS53003: Access has been blocked by Conditional Access policies.")
        except OSError as inner:
            try:
                raise AuthError("Could not get a token.") from inner
            except AuthError as exc:
                return exc

    assert classify(wrapped()) is row("user-interaction")

    def suppressed() -> ConfigError:
        try:
            raise ConnectionRefusedError("Connection refused")
        except OSError:
            try:
                raise ConfigError("Cannot read the file.") from None
            except ConfigError as exc:
                return exc

    assert classify(suppressed()) is None


def test_every_row_id_raised_in_the_code_exists() -> None:
    """`row="..."` anywhere in foundry_cli must name a row of this table."""
    root = Path(__file__).resolve().parents[2] / "foundry_cli"
    used = {
        m.group(1)
        for path in root.rglob("*.py")
        for m in re.finditer(r"\brow=\"([a-z-]+)\"", path.read_text(encoding="utf-8"))
    }
    assert used <= set(ROW_BY_ID), used - set(ROW_BY_ID)


# ---- docs ---------------------------------------------------------------------------------------
def test_markdown_table_lists_every_row() -> None:
    md = render_markdown_table()
    lines = md.splitlines()
    assert lines[0] == "| id | what you see | cause | fix |"
    assert lines[1] == "|---|---|---|---|"
    assert len(lines) == 2 + len(ROWS)
    for r, line in zip(ROWS, lines[2:], strict=True):
        assert line.startswith(f"| `{r.id}` | ")
        # exactly four cells: every '|' inside a cell is escaped
        assert len(re.findall(r"(?<!\\)\|", line)) == 5
    assert md.endswith("\n")
    assert render_markdown_table() == md  # deterministic, so CI can compare it


def test_markdown_table_escapes_pipes_and_newlines() -> None:
    r = Row(
        id="demo-row",
        title="t",
        symptom="`git diff | fclaude ask`",
        cause="a | b\nc",
        fix="do x | y.",
        fix_command="fclaude x | y",
        exit_code=1,
    )
    md = render_markdown_table([r])
    line = md.splitlines()[2]
    assert "git diff \\| fclaude ask" in line
    assert "a \\| b c" in line
    assert "Run: `fclaude x \\| y`." in line
    assert len(re.findall(r"(?<!\\)\|", line)) == 5


# ---- robustness ---------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=400))
def test_classify_text_never_fails_and_never_repeats(text: str) -> None:
    rows = classify_text(text)
    assert all(isinstance(r, Row) for r in rows)
    assert len({r.id for r in rows}) == len(rows)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.integers(min_value=0, max_value=999),
    st.one_of(st.none(), st.text(max_size=30), st.sampled_from([c for r in ROWS for c in r.codes])),
    st.text(max_size=300),
)
def test_classify_http_never_fails(status: int, code: str | None, message: str) -> None:
    result = classify_http(status, code, message)
    assert result is None or result in ROWS
    assert classify(ApiError(message, status=status, code=code)) is result


def test_a_whole_log_is_classified() -> None:
    """A row is found inside ~300 kB of log noise (speed is for bench/, not a timed assertion)."""
    noise = "2026-01-01T00:00:00Z INFO request id=abc status=ok tokens=123 path=/anthropic/v1/messages\n"
    log = noise * 3000 + "ERROR " + DEPLOYMENT_BODY + "\n" + noise * 300
    found = classify_text(log)
    assert found[0] is row("deployment-not-found")
