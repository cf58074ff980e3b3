"""Entra ID's reply shape and the AADSTS error catalogue the emulator answers with.

Error bodies follow Entra ID's OAuth shape (``error``, ``error_description`` ending in ``Trace ID`` /
``Correlation ID`` / ``Timestamp``, ``error_codes``, ``timestamp``, ``trace_id``, ``correlation_id``,
``error_uri``); the AADSTS texts are the observed ones (reference §3), a few rarer ones (700027,
50027, 9002313, 70000) are close approximations.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Mapping

from foundry_cli.emulator.service import Reply

JSON_TYPE = "application/json; charset=utf-8"


class OAuthError(Exception):
    """An Entra ID OAuth error reply: HTTP status, ``error``, AADSTS code and description."""

    def __init__(self, status: int, error: str, code: int, description: str) -> None:
        super().__init__(f"AADSTS{code}: {description}")
        self.status = status
        self.error = error
        self.code = code
        self.description = description


# --- the reply shape ----------------------------------------------------------------------------


def stamp(now: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(now))


def iso(epoch: float) -> str:
    """Entra ID's time format in AADSTS700024: ``2024-10-02T22:05:03.6755165Z``."""
    moment = dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"


def oauth_error_body(error: str, code: int, description: str, correlation_id: str, now: float) -> bytes:
    trace_id = str(uuid.uuid4())
    when = stamp(now)
    body = {
        "error": error,
        "error_description": (
            f"AADSTS{code}: {description}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}"
            f"\r\nTimestamp: {when}"
        ),
        "error_codes": [code],
        "timestamp": when,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def entra_headers(correlation_id: str) -> tuple[tuple[str, str], ...]:
    return (
        ("Cache-Control", "no-store, no-cache"),
        ("Pragma", "no-cache"),
        ("x-ms-request-id", str(uuid.uuid4())),
        ("x-ms-ests-server", "2.1.emulator"),
        ("client-request-id", correlation_id),
    )


def json_reply(status: int, payload: Mapping[str, object]) -> Reply:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return Reply(status, body, entra_headers(str(uuid.uuid4())), JSON_TYPE)


def error_reply(exc: OAuthError, correlation_id: str) -> Reply:
    body = oauth_error_body(exc.error, exc.code, exc.description, correlation_id, time.time())
    return Reply(exc.status, body, entra_headers(correlation_id), JSON_TYPE)


# --- the observed AADSTS errors -----------------------------------------------------------------


def tenant_not_found(tenant: str, error: str = "invalid_request") -> OAuthError:
    """AADSTS90002; discovery says ``invalid_tenant``, the token endpoint ``invalid_request``."""
    return OAuthError(
        400,
        error,
        90002,
        f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing "
        "into the correct cloud. Check with your subscription administrator, this may happen if there are "
        "no active subscriptions for the tenant.",
    )


def secret_invalid(client_id: str) -> OAuthError:
    return OAuthError(
        401,
        "invalid_client",
        7000215,
        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret "
        f"value, not the client secret ID, for a secret added to app '{client_id}'.",
    )


def secret_expired(client_id: str) -> OAuthError:
    return OAuthError(
        401,
        "invalid_client",
        7000222,
        f"The provided client secret keys for app '{client_id}' are expired. Visit the Azure portal to "
        "create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate "
        "credentials for added security: https://aka.ms/certCreds.",
    )


def app_not_found(client_id: str, tenant: str) -> OAuthError:
    return OAuthError(
        400,
        "unauthorized_client",
        700016,
        f"Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can "
        "happen if the application has not been installed by the administrator of the tenant or consented "
        "to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
    )


def assertion_out_of_range(now: float, claims: dict[str, object]) -> OAuthError:
    nbf, exp = claims.get("nbf"), claims.get("exp")
    valid_from = nbf if isinstance(nbf, (int, float)) and not isinstance(nbf, bool) else 0
    expiry = exp if isinstance(exp, (int, float)) and not isinstance(exp, bool) else 0
    return OAuthError(
        400,
        "invalid_client",
        700024,
        f"Client assertion is not within its valid time range. Current time: {iso(now)}, assertion valid "
        f"from {iso(valid_from)}, expiry time of assertion {iso(expiry)}. {CERT_DOCS}",
    )


def mfa_required(resource: str) -> OAuthError:
    return OAuthError(
        400,
        "invalid_grant",
        50076,
        "Due to a configuration change made by your administrator, or because you moved to a new location, "
        f"you must use multi-factor authentication to access '{resource}'.",
    )


def missing(name: str) -> OAuthError:
    return OAuthError(
        400, "invalid_request", 900144, f"The request body must contain the following parameter: '{name}'."
    )


FEDERATION_DOCS = "https://learn.microsoft.com/entra/workload-id/workload-identity-federation"
#: AADSTS code per presented-assertion claim that matched no federated identity credential
FEDERATED_MISMATCH_CODES = {"issuer": 700211, "audience": 700212, "subject": 700213}


def federated_mismatch(what: str, value: str) -> OAuthError:
    """AADSTS700211/700212/700213: no federated credential has the assertion's issuer, audience or subject."""
    code = FEDERATED_MISMATCH_CODES[what]
    return OAuthError(
        400,
        "invalid_client",
        code,
        f"No matching federated identity record found for presented assertion {what} '{value}'. Check your "
        "federated identity credential Subject, Audience and Issuer against the presented assertion. "
        f"{FEDERATION_DOCS}",
    )


def federated_case_mismatch(subject: str) -> OAuthError:
    """AADSTS7002138: the subject matches a federated credential only when case is ignored (observed
    wording, Azure/login#515)."""
    return OAuthError(
        400,
        "invalid_client",
        7002138,
        f"No matching federated identity record found for presented assertion subject '{subject}'. The "
        "subject matches with case-insensitive comparison, but not with case-sensitive comparison. Check "
        "your federated identity credential Subject, Audience and Issuer against the presented assertion. "
        f"See documentation at: {FEDERATION_DOCS}. See breaking change notification and remediation at: "
        "https://learn.microsoft.com/en-us/entra/identity-platform/reference-breaking-changes#august-2024.",
    )


def resource_not_found(resource: str, tenant_id: str) -> OAuthError:
    return OAuthError(
        400,
        "invalid_resource",
        500011,
        f"The resource principal named {resource} was not found in the tenant named "
        f"{tenant_id}. This can happen if the application has not been installed by the "
        "administrator of the tenant or consented to by any user in the tenant. You might have sent "
        "your authentication request to the wrong tenant.",
    )


def scope_without_default(scope: str) -> OAuthError:
    return OAuthError(
        400,
        "invalid_scope",
        1002012,
        f"The provided value for scope {scope} is not valid. Client credential flows must have a "
        "scope value with /.default suffixed to the resource identifier (application ID URI).",
    )


def refresh_token_inactive(issued_at: float) -> OAuthError:
    return OAuthError(
        400,
        "invalid_grant",
        700082,
        f"The refresh token has expired due to inactivity. The token was issued on "
        f"{iso(issued_at)} and was inactive for 90.00:00:00.",
    )


def post_only(method: str) -> OAuthError:
    return OAuthError(
        400,
        "invalid_request",
        900561,
        f"The endpoint only accepts POST, OPTIONS requests. Received a {method} request.",
    )


def unsupported_grant(grant: str) -> OAuthError:
    return OAuthError(
        400, "unsupported_grant_type", 70003, f"The app requested an unsupported grant type '{grant}'."
    )


CERT_DOCS_URL = "https://learn.microsoft.com/entra/identity-platform/certificate-credentials"
CERT_DOCS = f"Review the documentation at {CERT_DOCS_URL} ."
AUTHORIZATION_PENDING = (
    400,
    "authorization_pending",
    70016,
    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
)
DEVICE_CODE_EXPIRED = (400, "expired_token", 70019, "Verification code expired.")
BAD_DEVICE_CODE = (
    400,
    "invalid_grant",
    70000,
    "The provided value for the input parameter 'device_code' is not valid.",
)
BAD_REFRESH_TOKEN = (400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.")
MALFORMED_ASSERTION = (401, "invalid_client", 50027, "JWT token is invalid or malformed.")
BAD_SIGNATURE = (401, "invalid_client", 700027, "Client assertion failed signature validation.")
ASSERTION_CLIENT_MISMATCH = (
    401,
    "invalid_client",
    700021,
    f"Client assertion application identifier doesn't match 'client_id' parameter. {CERT_DOCS}",
)
NO_CREDENTIAL = (
    401,
    "invalid_client",
    7000218,
    "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
)


def err(spec: tuple[int, str, int, str]) -> OAuthError:
    return OAuthError(*spec)
