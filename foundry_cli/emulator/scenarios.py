"""Fault scenarios (named after the DESIGN §5 error-table rows) and the exact fault bodies.

The bodies are kept here as bytes, exactly as ``reference/foundry-wire.md`` quotes them, so the
emulator reproduces them byte for byte. Bodies that carry a fresh request id are built by the
small functions at the end.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

SCENARIOS: dict[str, str] = {
    "healthy": "every request succeeds with a deterministic markdown answer",
    "long": "a long answer of N text deltas (long:N, default: the emulator's long_deltas)",
    "key-invalid": "401 'Access denied due to invalid subscription key…' on every request",
    "key-auth-disabled": "403 AuthenticationTypeDisabled for API-key requests; Bearer tokens work",
    "deployment-not-found": "404 DeploymentNotFound on every request",
    "endpoint-shape": "404 api_not_supported on every path",
    "project-not-found": "404 'The project does not exist.' on project routes; /anthropic works",
    "api-version": "400 api-version errors on project routes; /anthropic works",
    "rate-limit": "the first N requests (rate-limit:N, default 1) get 429 with retry-after: 1",
    "overloaded": "the first N requests (overloaded:N, default all) get 529 overloaded_error",
    "overloaded-midstream": "HTTP 200 stream, ~20 text deltas, then an overloaded error event",
    "stream-cut": "HTTP 200 stream, N text deltas (stream-cut:N, default 30), then the connection drops",
    "stall": "HTTP 200 stream, ~10 text deltas, then silence for S seconds (stall:S, default 30)",
    "html-proxy": "502 with an nginx 'Bad Gateway' HTML page",
    "server-error": "500 with an empty body",
    "garbage": "500, content-type application/json, body of non-UTF-8 bytes",
    "region": (
        "the account is in westeurope (no Claude there): ARM location and x-ms-region: West Europe; "
        "data-plane requests get 404 DeploymentNotFound"
    ),
    "max-tokens": "400 'max_tokens: Field required' on every Messages request",
    "thinking-tools": "400 'Expected `thinking` or `redacted_thinking`' on Messages with thinking on",
    "refusal": "Messages answers HTTP 200 with stop_reason refusal (stop_details cyber) and no content",
    "network-restricted": "403 'Access denied due to Virtual Network/Firewall rules.' on every request",
    "prompt-too-long": "400 'prompt is too long: N tokens > M maximum' on every Messages request",
}

# Scenarios of the identity side (Emulator(identity=True)) and of Entra ID tokens on the data plane.
# Kept apart from SCENARIOS, which names the data-plane faults; parse_scenario accepts both.
IDENTITY_SCENARIOS: dict[str, str] = {
    "secret-invalid": "token requests with a client secret get 401 invalid_client AADSTS7000215",
    "secret-expired": "token requests with a client secret get 401 invalid_client AADSTS7000222",
    "app-not-found": "token and device-code requests get 400 unauthorized_client AADSTS700016",
    "tenant-not-found": "discovery and token requests get 400 AADSTS90002 (tenant not found)",
    "assertion-invalid": "token requests with a client assertion get 400 invalid_client AADSTS700024",
    "user-interaction": "refresh-token and device-code grants get 400 invalid_grant AADSTS50076 (MFA)",
    "audience": "every Bearer request gets the APIM 401 'audience is incorrect' body",
    "role-missing": "every Bearer request gets 401 PermissionDenied naming the token's oid",
    "tenant-mismatch": "every Bearer request gets 401 'Tenant provided in token does not match resource…'",
    "federation-mismatch": "federated client assertions get 400 AADSTS700213 (no matching federated record)",
}

# Scenarios that accept an integer parameter, with its default (None = unlimited / emulator default).
PARAM_DEFAULTS: dict[str, int | None] = {
    "long": None,
    "rate-limit": 1,
    "overloaded": None,
    "stream-cut": 30,
    "stall": 30,
}

MIDSTREAM_ERROR_AFTER = 20  # text deltas before the overloaded-midstream error event
STALL_AFTER = 10  # text deltas before a stall


@dataclass(frozen=True)
class Scenario:
    """A parsed scenario spec such as ``rate-limit:3``."""

    name: str
    param: int | None = None

    @property
    def spec(self) -> str:
        return self.name if self.param is None else f"{self.name}:{self.param}"


def parse_scenario(spec: str) -> Scenario:
    """Parse ``NAME`` or ``NAME:INT``; raise ValueError naming the valid scenarios."""
    name, sep, raw = spec.strip().partition(":")
    if name not in SCENARIOS and name not in IDENTITY_SCENARIOS:
        valid = ", ".join([*SCENARIOS, *IDENTITY_SCENARIOS])
        raise ValueError(f"unknown scenario {spec!r}; valid scenarios: {valid}")
    if not sep:
        return Scenario(name, PARAM_DEFAULTS.get(name))
    if name not in PARAM_DEFAULTS:
        raise ValueError(f"scenario {name!r} takes no parameter (got {spec!r})")
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"scenario parameter must be an integer: {spec!r}") from None
    if value < 0:
        raise ValueError(f"scenario parameter must be >= 0: {spec!r}")
    return Scenario(name, value)


# --- exact fault bodies (reference/foundry-wire.md §2) --------------------------------------

KEY_INVALID_BODY = (
    b'{"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API '
    b"endpoint. Make sure to provide a valid key for an active subscription and use a correct regional "
    b'API endpoint for your resource."}}'
)
KEY_AUTH_DISABLED_BODY = (
    b'{"error":{"code":"AuthenticationTypeDisabled","message":"Key based authentication is disabled '
    b'for this resource."}}'
)
DEPLOYMENT_NOT_FOUND_BODY = (
    b'{"error":{"code":"DeploymentNotFound","message":"The API deployment for this resource does not '
    b'exist. If you created the deployment within the last 5 minutes, please wait a moment and try again."}}'
)
API_NOT_SUPPORTED_BODY = (
    b'{"error":{"code":"api_not_supported","message":"Requested API is currently not supported",'
    b'"details":"Requested API is currently not supported"}}'
)
PROJECT_NOT_FOUND_BODY = b'{"error":{"code":"NotFound","message":"The project does not exist."}}'
API_VERSION_MISSING_BODY = (
    b'{"error":{"code":"BadRequest","message":"Missing required query parameter: api-version"}}'
)
API_VERSION_UNSUPPORTED_BODY = b'{"error":{"code":"BadRequest","message":"API version not supported"}}'
API_VERSION_NOT_ALLOWED_BODY = (
    b'{"error":{"code":"BadRequest","message":"api-version query parameter is not allowed when using '
    b'/v1 path"}}'
)
RATE_LIMIT_BODY = b'{"error":{"code":"429","message":"Rate limit is exceeded. Try again in 1 seconds."}}'
HTML_PROXY_BODY = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
    b"</center><hr><center>nginx</center></body></html>"
)
GARBAGE_BODY = b"\xff\xfe\x00{\x80\x81 not json \xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\xbc"

# reference §11; the JSON wrapping is Azure's usual {"error":{"code","message"}} (the wrapping is an
# approximation: only the message text was quoted)
NETWORK_RESTRICTED_BODY = (
    b'{"error":{"code":"403","message":"Access denied due to Virtual Network/Firewall rules."}}'
)
TENANT_MISMATCH_BODY = (
    b'{"error":{"code":"401","message":"Tenant provided in token does not match resource token."}}'
)
PROMPT_TOO_LONG_MESSAGE = "prompt is too long: 215304 tokens > 200000 maximum"

REGION_SCENARIO_REGION = "West Europe"
MAX_TOKENS_MESSAGE = "max_tokens: Field required"
THINKING_TOOLS_MESSAGE = (
    "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `text`. When "
    "`thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the "
    "lastmost set of `tool_use` and `tool_result` blocks). We recommend you include thinking blocks from "
    "previous turns. To avoid this requirement, disable `thinking`. Please consult our documentation at "
    "https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
)

RESPONSES_API_VERSION = "2025-11-15-preview"
AUDIENCE_AI = "https://ai.azure.com"
AUDIENCE_COGNITIVE = "https://cognitiveservices.azure.com"

# Messages mid-stream error data, spaced exactly as the Anthropic streaming docs show it.
MESSAGES_OVERLOADED_EVENT_DATA = (
    '{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}'
)


def audience_body(audience: str) -> bytes:
    """The APIM 401 body for a missing, invalid, wrong-audience or expired token."""
    return (
        '{"statusCode": 401, "message": "Unauthorized. Access token is missing, invalid, audience is '
        f'incorrect ({audience}), or have expired."}}'
    ).encode()


# The data action named by PermissionDenied. Observed wording (reference §2) is for OpenAI and agent
# routes; the actions for /anthropic and the project Responses route are UNCONFIRMED (plausible
# names under accounts/AIServices and the documented accounts/OpenAI/responses/write).
PERMISSION_DENIED_ACTIONS = {
    "messages": "Microsoft.CognitiveServices/accounts/AIServices/anthropic/messages/action",
    "count_tokens": "Microsoft.CognitiveServices/accounts/AIServices/anthropic/messages/count_tokens/action",
    "responses": "Microsoft.CognitiveServices/accounts/OpenAI/responses/write",
}
FOUNDRY_PERMISSIONS_HINT = (
    " For instructions on granting the necessary permissions, see https://aka.ms/FoundryPermissions."
)


def permission_denied_body(principal: str, data_action: str, operation: str, *, project: bool) -> bytes:
    """401 PermissionDenied: the principal (a token's ``oid``) has no data-plane role.

    ``operation`` is e.g. ``POST /anthropic/v1/messages``; project routes add the
    FoundryPermissions hint, as the observed project-endpoint bodies do.
    """
    message = (
        f"The principal `{principal}` lacks the required data action `{data_action}` to perform "
        f"`{operation}` operation."
    )
    if project:
        message += FOUNDRY_PERMISSIONS_HINT
    body = {"error": {"code": "PermissionDenied", "message": message}}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def anthropic_error_body(error_type: str, message: str, request_id: str) -> bytes:
    """An Anthropic-style error body: ``{"type":"error","error":{...},"request_id":"req_…"}``."""
    body = {"type": "error", "error": {"type": error_type, "message": message}, "request_id": request_id}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def overloaded_body(request_id: str) -> bytes:
    return anthropic_error_body("overloaded_error", "Overloaded", request_id)


def openai_error_body(message: str, param: str | None = None, code: str | None = None) -> bytes:
    """An OpenAI-style validation error body for the Responses routes."""
    body = {"error": {"message": message, "type": "invalid_request_error", "param": param, "code": code}}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
