"""The emulator's Entra ID side, driven through the real msal and azure-identity (no mocks): OIDC
discovery and the token endpoint over HTTPS with a throwaway CA, secrets, certificates, federated
(workload identity) assertions, device code and refresh tokens, App Service managed identity, the
exact OAuth error bodies and scenarios, and the data plane's checks of the tokens it signed."""

from __future__ import annotations

import base64
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import msal
import pytest
import requests
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import (
    CertificateCredential,
    ClientSecretCredential,
    CredentialUnavailableError,
    DeviceCodeCredential,
    ManagedIdentityCredential,
    WorkloadIdentityCredential,
)

from foundry_cli.emulator import (
    DEFAULT_API_KEY,
    IDENTITY_SCENARIOS,
    Emulator,
    make_assertion,
    make_certificate,
    make_federated_token,
    mint_jwt,
)
from foundry_cli.emulator.jwt_sign import b64url, parse_jwt

CLIENT_ID = "11111111-1111-4111-8111-111111111111"
SECRET = "s3cret-value-~abc"
AI_SCOPE = "https://ai.azure.com/.default"
COGNITIVE_SCOPE = "https://cognitiveservices.azure.com/.default"
ISSUER = "https://oidc.cluster.emulator.test/"
SUBJECT = "system:serviceaccount:default:fclaude"
UPN = "ada@contoso.test"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
TRAILER = re.compile(
    rf"\r\nTrace ID: ({UUID})\r\nCorrelation ID: ({UUID})\r\nTimestamp: \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\dZ$"
)
AUDIENCE_401 = {
    "statusCode": 401,
    "message": "Unauthorized. Access token is missing, invalid, audience is incorrect (https://ai.azure.com), "
    "or have expired.",
}


# --- helpers -----------------------------------------------------------------------------------


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(identity=True, device_code_interval=0) as running:
        running.add_app(CLIENT_ID, secret=SECRET)
        yield running
    assert running.errors == [], running.errors[0] if running.errors else ""


def session(emu: Emulator) -> requests.Session:
    """A requests session that trusts the emulator's CA. ``trust_env = False``: otherwise a
    REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE in the environment silently overrides ``verify``."""
    http = requests.Session()
    http.verify = emu.ca_bundle
    http.trust_env = False
    return http


def authority(emu: Emulator, tenant: str | None = None) -> str:
    return f"{emu.authority_host}/{tenant or emu.tenant_id}"


def cca(emu: Emulator, credential: Any, client_id: str = CLIENT_ID) -> msal.ConfidentialClientApplication:
    return msal.ConfidentialClientApplication(
        client_id,
        client_credential=credential,
        authority=authority(emu),
        instance_discovery=False,
        http_client=session(emu),
    )


def pca(emu: Emulator, client_id: str = CLIENT_ID) -> msal.PublicClientApplication:
    return msal.PublicClientApplication(
        client_id, authority=authority(emu), instance_discovery=False, http_client=session(emu)
    )


def az(emu: Emulator) -> dict[str, Any]:
    """azure-identity keyword arguments for the emulator's authority."""
    return {
        "authority": emu.authority_host,
        "disable_instance_discovery": True,
        "connection_verify": emu.ca_bundle,
    }


def claims(token: str) -> dict[str, object]:
    jwt = parse_jwt(token)
    assert jwt is not None
    return jwt.claims


def messages(emu: Emulator, token: str) -> httpx2.Response:
    body = {"model": "claude-sonnet-4-5", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
    headers = {"authorization": f"Bearer {token}", "anthropic-version": "2023-06-01"}
    return httpx2.post(emu.base_url + "/anthropic/v1/messages", json=body, headers=headers, timeout=10)


def responses(emu: Emulator, token: str) -> httpx2.Response:
    return httpx2.post(
        emu.base_url + "/api/projects/demo/openai/responses",
        params={"api-version": "2025-11-15-preview"},
        json={"model": "claude-sonnet-4-5", "input": "hi"},
        headers={"authorization": f"Bearer {token}"},
        timeout=10,
    )


def tls_client(emu: Emulator) -> httpx2.Client:
    return httpx2.Client(verify=ssl.create_default_context(cafile=emu.ca_bundle), timeout=10)


def token_post(
    emu: Emulator, form: dict[str, str], tenant: str | None = None, **headers: str
) -> httpx2.Response:
    with tls_client(emu) as http:
        response: httpx2.Response = http.post(
            f"{authority(emu, tenant)}/oauth2/v2.0/token", data=form, headers=headers
        )
    return response


def token_requests(emu: Emulator) -> list[Any]:
    return [r for r in emu.identity_requests if r.path.endswith("/oauth2/v2.0/token")]


def chain_text(exc: BaseException) -> str:
    """The messages of ``exc`` and of every exception it was raised from / during."""
    texts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts.append(str(current))
        current = current.__cause__ or current.__context__
    return "\n".join(texts)


def federated_file(tmp_path: Path, **kwargs: Any) -> str:
    path = tmp_path / "federated-token"
    path.write_text(make_federated_token(ISSUER, kwargs.pop("subject", SUBJECT), **kwargs))
    return str(path)


# --- discovery and the exact error bodies ---------------------------------------------------------


def test_discovery_document_and_keys(emu: Emulator) -> None:
    with tls_client(emu) as http:
        doc = http.get(f"{authority(emu)}/v2.0/.well-known/openid-configuration").json()
        base = authority(emu)
        assert doc["issuer"] == f"{base}/v2.0"
        assert doc["token_endpoint"] == f"{base}/oauth2/v2.0/token"
        assert doc["device_authorization_endpoint"] == f"{base}/oauth2/v2.0/devicecode"
        assert doc["authorization_endpoint"] == f"{base}/oauth2/v2.0/authorize"
        keys = http.get(doc["jwks_uri"]).json()["keys"]
        assert keys[0]["kty"] == "RSA" and keys[0]["use"] == "sig" and keys[0]["kid"]
        v1 = http.get(f"{base}/.well-known/openid-configuration").json()
        assert v1["issuer"] == f"https://sts.windows.net/{emu.tenant_id}/"
        localhost = http.get(
            f"https://localhost:{emu.authority_host.rsplit(':', 1)[1]}/organizations/v2.0/.well-known/openid-configuration"
        ).json()
        assert localhost["token_endpoint"].startswith("https://localhost:")
        assert localhost["issuer"].endswith("/{tenantid}/v2.0")


def test_unknown_tenant_discovery_is_aadsts90002(emu: Emulator) -> None:
    with tls_client(emu) as http:
        response = http.get(f"{emu.authority_host}/not-a-tenant/v2.0/.well-known/openid-configuration")
    assert response.status_code == 400
    body = response.json()
    assert list(body) == [
        "error", "error_description", "error_codes", "timestamp", "trace_id", "correlation_id", "error_uri",
    ]  # fmt: skip
    assert body["error"] == "invalid_tenant" and body["error_codes"] == [90002]
    assert body["error_description"].startswith(
        "AADSTS90002: Tenant 'not-a-tenant' not found. Check to make sure you have the correct tenant ID and "
        "are signing into the correct cloud."
    )
    assert body["error_uri"] == "https://login.microsoftonline.com/error?code=90002"
    trailer = TRAILER.search(body["error_description"])
    assert trailer is not None and trailer.groups() == (body["trace_id"], body["correlation_id"])


def test_wrong_secret_has_the_exact_oauth_error_json(emu: Emulator) -> None:
    correlation = "5be327fc-0000-4000-8000-000000000001"
    form = {
        "client_id": CLIENT_ID,
        "client_secret": "wrong",
        "grant_type": "client_credentials",
        "scope": AI_SCOPE,
    }
    response = token_post(emu, form, **{"client-request-id": correlation})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["error"] == "invalid_client" and body["error_codes"] == [7000215]
    description = body["error_description"]
    assert description.startswith(
        "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the "
        f"client secret value, not the client secret ID, for a secret added to app '{CLIENT_ID}'.\r\nTrace ID: "
    )
    assert body["correlation_id"] == correlation and TRAILER.search(description)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ", body["timestamp"])
    assert description.endswith(f"Timestamp: {body['timestamp']}")
    assert body["error_uri"] == "https://login.microsoftonline.com/error?code=7000215"


@pytest.mark.parametrize(
    ("form", "status", "error", "code", "text"),
    [
        (
            {"client_id": "22222222-2222-4222-8222-222222222222", "client_secret": "x"},
            400,
            "unauthorized_client",
            700016,
            "AADSTS700016: Application with identifier '22222222-2222-4222-8222-222222222222' was not found in "
            "the directory '00000000-0000-4000-8000-0000000000aa'. This can happen",
        ),
        (
            {
                "client_id": CLIENT_ID,
                "client_secret": SECRET,
                "scope": "https://ai.azure.com/user_impersonation",
            },
            400,
            "invalid_scope",
            1002012,
            "AADSTS1002012: The provided value for scope https://ai.azure.com/user_impersonation is not valid.",
        ),
        (
            {
                "client_id": CLIENT_ID,
                "client_secret": SECRET,
                "scope": "https://ai.cognitiveservices.com/.default",
            },
            400,
            "invalid_resource",
            500011,
            "AADSTS500011: The resource principal named https://ai.cognitiveservices.com was not found",
        ),
        ({"client_id": CLIENT_ID}, 401, "invalid_client", 7000218, "AADSTS7000218: The request body must"),
    ],
    ids=["app-not-found", "scope-without-default", "unknown-resource", "no-credential"],
)
def test_token_endpoint_errors(
    emu: Emulator, form: dict[str, str], status: int, error: str, code: int, text: str
) -> None:
    response = token_post(emu, {"grant_type": "client_credentials", "scope": AI_SCOPE, **form})
    body = response.json()
    assert (response.status_code, body["error"], body["error_codes"]) == (status, error, [code])
    assert body["error_description"].startswith(text) and TRAILER.search(body["error_description"])


def test_expired_secret_is_aadsts7000222(emu: Emulator) -> None:
    emu.add_app("33333333-3333-4333-8333-333333333333", secret="old", secret_expired=True)
    form = {"client_id": "33333333-3333-4333-8333-333333333333", "client_secret": "old"}
    response = token_post(emu, {"grant_type": "client_credentials", "scope": AI_SCOPE, **form})
    assert response.status_code == 401
    assert response.json()["error_description"].startswith(
        "AADSTS7000222: The provided client secret keys for app '33333333-3333-4333-8333-333333333333' are "
        "expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or "
        "consider using certificate credentials for added security: https://aka.ms/certCreds.\r\n"
    )


def test_secrets_are_redacted_in_the_recorded_requests(emu: Emulator) -> None:
    assert "access_token" in cca(emu, SECRET).acquire_token_for_client([AI_SCOPE])
    (request,) = token_requests(emu)
    assert request.method == "POST" and request.form["client_secret"] == "[redacted]"
    assert request.form["grant_type"] == "client_credentials" and request.form["scope"] == AI_SCOPE
    assert SECRET not in repr(emu.identity_requests)


# --- msal and azure-identity: every way to get a token ----------------------------------------------


def test_msal_client_credentials_and_its_cache(emu: Emulator) -> None:
    app = cca(emu, SECRET)
    first = app.acquire_token_for_client([AI_SCOPE])
    assert first["token_source"] == "identity_provider" and first["expires_in"] == 3599
    token = claims(first["access_token"])
    assert token["aud"] == "https://ai.azure.com" and token["appid"] == CLIENT_ID == token["azp"]
    assert token["iss"] == f"https://sts.windows.net/{emu.tenant_id}/" and token["tid"] == emu.tenant_id
    assert token["exp"] == token["iat"] + 3600  # type: ignore[operator]
    assert emu.tokens_issued == 1
    second = app.acquire_token_for_client([AI_SCOPE])
    assert second["token_source"] == "cache" and second["access_token"] == first["access_token"]
    assert emu.tokens_issued == 1 and len(token_requests(emu)) == 1
    assert messages(emu, first["access_token"]).status_code == 200
    assert responses(emu, first["access_token"]).status_code == 200


def test_token_lifetime_is_settable(emu: Emulator) -> None:
    emu.token_lifetime = 120
    result = cca(emu, SECRET).acquire_token_for_client([AI_SCOPE])
    token = claims(result["access_token"])
    assert result["expires_in"] == 119 and token["exp"] == token["iat"] + 120  # type: ignore[operator]
    emu.token_lifetime = -60  # already expired when issued: the data plane refuses it
    form = {
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "grant_type": "client_credentials",
        "scope": AI_SCOPE,
    }
    expired = token_post(emu, form).json()["access_token"]
    response = messages(emu, expired)
    assert response.status_code == 401 and response.json() == AUDIENCE_401


def test_client_secret_credential(emu: Emulator) -> None:
    credential = ClientSecretCredential(emu.tenant_id, CLIENT_ID, SECRET, **az(emu))
    token = credential.get_token(AI_SCOPE).token
    assert claims(token)["aud"] == "https://ai.azure.com"
    assert messages(emu, token).status_code == 200 and responses(emu, token).status_code == 200


@pytest.mark.parametrize("send_chain", [False, True], ids=["RS256-x5t", "PS256-x5t#S256"])
def test_certificate_credential(emu: Emulator, tmp_path: Path, send_chain: bool) -> None:
    cert_pem, key_pem = make_certificate("fclaude-ci")
    emu.add_app("44444444-4444-4444-8444-444444444444", certificate_pem=cert_pem)
    path = tmp_path / "sp.pem"  # the AZURE_CLIENT_CERTIFICATE_PATH shape: key and certificate
    path.write_bytes(key_pem + cert_pem)
    credential = CertificateCredential(
        emu.tenant_id,
        "44444444-4444-4444-8444-444444444444",
        certificate_path=str(path),
        send_certificate_chain=send_chain,
        **az(emu),
    )
    token = credential.get_token(AI_SCOPE).token
    assert claims(token)["appidacr"] == "2" and messages(emu, token).status_code == 200
    assertion = token_requests(emu)[0].form
    assert assertion["client_assertion"] == "[redacted]"
    assert assertion["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def test_certificate_of_another_key_fails_signature_validation(emu: Emulator) -> None:
    registered, _ = make_certificate("registered")
    other_cert, other_key = make_certificate("other")
    emu.add_app("55555555-5555-4555-8555-555555555555", certificate_pem=registered)
    credential = CertificateCredential(
        emu.tenant_id,
        "55555555-5555-4555-8555-555555555555",
        certificate_data=other_key + other_cert,
        **az(emu),
    )
    with pytest.raises(ClientAuthenticationError, match="AADSTS700027"):
        credential.get_token(AI_SCOPE)


def test_msal_client_assertion_with_a_certificate_key(emu: Emulator) -> None:
    cert_pem, key_pem = make_certificate()
    emu.add_app("66666666-6666-4666-8666-666666666666", certificate_pem=cert_pem)
    endpoint = f"{authority(emu)}/oauth2/v2.0/token"
    now = int(time.time())

    def assertion(exp: int) -> str:
        payload = {"aud": endpoint, "iss": "66666666-6666-4666-8666-666666666666", "exp": exp, "nbf": now}
        payload["sub"], payload["jti"] = payload["iss"], str(now)
        return make_assertion(key_pem, payload)

    good = cca(
        emu, {"client_assertion": lambda: assertion(now + 600)}, "66666666-6666-4666-8666-666666666666"
    )
    assert "access_token" in good.acquire_token_for_client([AI_SCOPE])
    stale = cca(
        emu, {"client_assertion": lambda: assertion(now - 3600)}, "66666666-6666-4666-8666-666666666666"
    )
    result = stale.acquire_token_for_client([AI_SCOPE])
    assert result["error"] == "invalid_client" and result["error_codes"] == [700024]
    assert result["error_description"].startswith(
        "AADSTS700024: Client assertion is not within its valid time range. Current time: "
    )


def test_workload_identity_credential(emu: Emulator, tmp_path: Path) -> None:
    emu.add_app("77777777-7777-4777-8777-777777777777", federated_issuer=ISSUER, federated_subject=SUBJECT)
    credential = WorkloadIdentityCredential(
        tenant_id=emu.tenant_id,
        client_id="77777777-7777-4777-8777-777777777777",
        token_file_path=federated_file(tmp_path),
        authority=emu.authority_host,
        connection_verify=emu.ca_bundle,
    )
    token = credential.get_token(AI_SCOPE).token
    assert claims(token)["appid"] == "77777777-7777-4777-8777-777777777777"
    assert messages(emu, token).status_code == 200 and responses(emu, token).status_code == 200


@pytest.mark.parametrize(
    ("token_kwargs", "code"),
    [
        ({"lifetime": -3600}, 700024),
        ({"subject": "system:serviceaccount:other:sa"}, 700213),
        ({"audience": "x"}, 700212),
    ],
    ids=["expired", "wrong-subject", "wrong-audience"],
)
def test_federated_assertion_errors(
    emu: Emulator, tmp_path: Path, token_kwargs: dict[str, Any], code: int
) -> None:
    emu.add_app("77777777-7777-4777-8777-777777777777", federated_issuer=ISSUER, federated_subject=SUBJECT)
    credential = WorkloadIdentityCredential(
        tenant_id=emu.tenant_id,
        client_id="77777777-7777-4777-8777-777777777777",
        token_file_path=federated_file(tmp_path, **token_kwargs),
        authority=emu.authority_host,
        connection_verify=emu.ca_bundle,
    )
    with pytest.raises(ClientAuthenticationError, match=f"AADSTS{code}:"):
        credential.get_token(AI_SCOPE)


def test_device_code_flow_then_silent_and_refresh_token() -> None:
    with Emulator(identity=True) as emu:  # the defaults: interval 1, one authorization_pending
        emu.add_app(CLIENT_ID)
        emu.add_user(UPN)
        app = pca(emu)
        flow = app.initiate_device_flow([AI_SCOPE])
        assert flow["interval"] == 1 and len(flow["user_code"]) == 9
        assert flow["verification_uri"] == f"{emu.authority_host}/devicelogin"
        assert flow["user_code"] in flow["message"] and flow["expires_in"] == 900
        started = time.monotonic()
        result = app.acquire_token_by_device_flow(flow)
        assert time.monotonic() - started < 5
        assert result["token_source"] == "identity_provider" and result["refresh_token"]
        assert result["id_token_claims"]["preferred_username"] == UPN
        polls = [r.form["grant_type"] for r in token_requests(emu)]
        assert polls == ["urn:ietf:params:oauth:grant-type:device_code"] * 2  # pending, then the token
        token = claims(result["access_token"])
        assert token["upn"] == UPN and token["scp"] == "user_impersonation" and token["appid"] == CLIENT_ID
        assert messages(emu, result["access_token"]).status_code == 200

        (account,) = app.get_accounts()
        assert account["username"] == UPN and account["home_account_id"] == f"{token['oid']}.{emu.tenant_id}"
        cached = app.acquire_token_silent([AI_SCOPE], account)
        assert cached is not None and cached["token_source"] == "cache"
        refreshed = app.acquire_token_silent([AI_SCOPE], account, force_refresh=True)
        assert refreshed is not None and refreshed["token_source"] == "identity_provider"
        assert token_requests(emu)[-1].form["grant_type"] == "refresh_token"
        assert token_requests(emu)[-1].form["refresh_token"] == "[redacted]"
        by_rt = app.acquire_token_by_refresh_token(result["refresh_token"], [AI_SCOPE])
        assert claims(by_rt["access_token"])["upn"] == UPN
        assert emu.tokens_issued == 3


def test_device_code_approved_explicitly_for_a_user_without_a_role() -> None:
    with Emulator(identity=True, device_code_polls=None, device_code_interval=0) as manual:
        manual.add_app(CLIENT_ID)
        manual.add_user("nobody@contoso.test", roles=False)
        manual.add_user(UPN)
        app = pca(manual)
        flow = app.initiate_device_flow([AI_SCOPE])
        manual.approve_device_code(flow["user_code"], "nobody@contoso.test")
        result = app.acquire_token_by_device_flow(flow)
        assert len(token_requests(manual)) == 1  # approved before the first poll
        token = result["access_token"]
        assert claims(token)["upn"] == "nobody@contoso.test"
        response = messages(manual, token)
        assert response.status_code == 401 and response.json()["error"]["code"] == "PermissionDenied"


def test_device_code_expiry_and_revoked_refresh_tokens(emu: Emulator) -> None:
    with Emulator(identity=True, device_code_polls=None, device_code_interval=0) as manual:
        manual.add_app(CLIENT_ID)
        app = pca(manual)
        flow = app.initiate_device_flow([AI_SCOPE])
        manual.expire_device_codes()
        result = app.acquire_token_by_device_flow(flow)
        assert result["error"] == "expired_token" and result["error_codes"] == [70019]
    app = pca(emu)
    result = app.acquire_token_by_device_flow(app.initiate_device_flow([AI_SCOPE]))
    emu.revoke_refresh_tokens()
    again = app.acquire_token_by_refresh_token(result["refresh_token"], [AI_SCOPE])
    assert again["error"] == "invalid_grant" and again["error_codes"] == [700082]


def test_device_code_credential_with_the_azure_cli_client_id(emu: Emulator) -> None:
    prompts: list[tuple[str, str]] = []
    credential = DeviceCodeCredential(
        tenant_id=emu.tenant_id, prompt_callback=lambda uri, code, _: prompts.append((uri, code)), **az(emu)
    )
    token = claims(credential.get_token(AI_SCOPE).token)
    assert token["appid"] == "04b07795-8ddb-461a-bbee-02f9e1bf7b46"  # azure-identity's default client id
    assert token["upn"] == "developer@emulator.test"  # the built-in user, when no other was added
    assert prompts and prompts[0][0] == f"{emu.authority_host}/devicelogin"


def test_the_verification_page_approves_a_code() -> None:
    with Emulator(identity=True, device_code_polls=None, device_code_interval=0) as emu:
        emu.add_app(CLIENT_ID)
        app = pca(emu)
        flow = app.initiate_device_flow([AI_SCOPE])
        with tls_client(emu) as http:
            page = http.get(flow["verification_uri"], params={"code": flow["user_code"]})
        assert page.status_code == 200 and "approved" in page.text
        assert "access_token" in app.acquire_token_by_device_flow(flow)
        with pytest.raises(KeyError, match="no device code"):
            emu.approve_device_code("NOPE")


def test_device_flow_pending_body_is_the_oauth_error(emu: Emulator) -> None:
    with tls_client(emu) as http:
        flow = http.post(
            f"{authority(emu)}/oauth2/v2.0/devicecode", data={"client_id": CLIENT_ID, "scope": AI_SCOPE}
        ).json()
    form = {"client_id": CLIENT_ID, "grant_type": "urn:ietf:params:oauth:grant-type:device_code"}
    pending = token_post(emu, {**form, "device_code": flow["device_code"]})
    body = pending.json()
    assert pending.status_code == 400 and body["error"] == "authorization_pending"
    assert body["error_codes"] == [70016]
    assert body["error_description"].startswith(
        "AADSTS70016: OAuth 2.0 device flow error. Authorization is pending. Continue polling.\r\nTrace ID: "
    )
    done = token_post(emu, {**form, "device_code": flow["device_code"]}).json()
    assert set(done) >= {"access_token", "refresh_token", "id_token", "client_info", "expires_in", "scope"}
    assert json.loads(base64.urlsafe_b64decode(done["client_info"] + "=="))["utid"] == emu.tenant_id


# --- managed identity -------------------------------------------------------------------------------


@pytest.fixture
def msi_env(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> Emulator:
    for name in (
        "IDENTITY_SERVER_THUMBPRINT",
        "IMDS_ENDPOINT",
        "MSI_ENDPOINT",
        "MSI_SECRET",
        "AZURE_CLIENT_ID",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("IDENTITY_ENDPOINT", emu.managed_identity_endpoint)
    monkeypatch.setenv("IDENTITY_HEADER", emu.identity_header)
    return emu


def test_managed_identity_system_and_user_assigned(msi_env: Emulator) -> None:
    emu = msi_env
    system = emu.add_managed_identity()
    user = emu.add_managed_identity("88888888-8888-4888-8888-888888888888")
    assert emu.managed_identity_endpoint == emu.base_url + "/msi/token"
    token = ManagedIdentityCredential().get_token(AI_SCOPE).token
    assert claims(token)["appid"] == system.client_id and claims(token)["oid"] == system.object_id
    assert messages(emu, token).status_code == 200
    token = ManagedIdentityCredential(client_id=user.client_id).get_token(AI_SCOPE).token
    assert claims(token)["appid"] == user.client_id and claims(token)["aud"] == "https://ai.azure.com"
    assert responses(emu, token).status_code == 200
    msi = [r for r in emu.identity_requests if r.path == "/msi/token"]
    assert [r.query.get("client_id") for r in msi] == [None, user.client_id]
    assert msi[0].query["resource"] == "https://ai.azure.com" and msi[0].query["api-version"] == "2019-08-01"
    assert all(r.path != "/msi/token" for r in emu.requests)  # the data-plane record: data plane only
    with pytest.raises(CredentialUnavailableError, match="Unable to load the proper Managed Identity"):
        ManagedIdentityCredential(client_id="99999999-9999-4999-8999-999999999999").get_token(AI_SCOPE)


def test_managed_identity_wire_format_and_header_check(msi_env: Emulator) -> None:
    emu = msi_env
    emu.add_managed_identity(roles=False)
    params = {"resource": "https://ai.azure.com", "api-version": "2019-08-01"}
    ok = httpx2.get(
        emu.managed_identity_endpoint, params=params, headers={"X-IDENTITY-HEADER": emu.identity_header}
    )
    body = ok.json()
    assert ok.status_code == 200 and set(body) == {
        "access_token",
        "expires_on",
        "resource",
        "token_type",
        "client_id",
    }
    assert body["expires_on"].isdigit() and abs(int(body["expires_on"]) - time.time() - 3600) < 60
    denied = messages(emu, body["access_token"])
    oid = claims(body["access_token"])["oid"]
    assert denied.status_code == 401 and f"The principal `{oid}` lacks" in denied.json()["error"]["message"]
    wrong = httpx2.get(emu.managed_identity_endpoint, params=params, headers={"X-IDENTITY-HEADER": "nope"})
    assert wrong.status_code == 401 and wrong.json()["statusCode"] == 401


# --- the AADSTS scenarios, as each library surfaces them -----------------------------------------------


def _azure_identity_attempt(emu: Emulator, scenario: str, tmp_path: Path) -> None:
    if scenario in ("assertion-invalid", "tenant-not-found"):
        emu.add_app(
            "77777777-7777-4777-8777-777777777777", federated_issuer=ISSUER, federated_subject=SUBJECT
        )
        WorkloadIdentityCredential(
            tenant_id=emu.tenant_id,
            client_id="77777777-7777-4777-8777-777777777777",
            token_file_path=federated_file(tmp_path),
            authority=emu.authority_host,
            connection_verify=emu.ca_bundle,
        ).get_token(AI_SCOPE)
    elif scenario == "user-interaction":
        DeviceCodeCredential(
            client_id=CLIENT_ID, tenant_id=emu.tenant_id, prompt_callback=lambda *_: None, **az(emu)
        ).get_token(AI_SCOPE)
    else:
        ClientSecretCredential(emu.tenant_id, CLIENT_ID, SECRET, **az(emu)).get_token(AI_SCOPE)


SCENARIO_CODES = {
    "secret-invalid": 7000215,
    "secret-expired": 7000222,
    "app-not-found": 700016,
    "tenant-not-found": 90002,
    "assertion-invalid": 700024,
    "user-interaction": 50076,
}


@pytest.mark.parametrize("scenario", list(SCENARIO_CODES))
def test_scenarios_through_azure_identity(emu: Emulator, tmp_path: Path, scenario: str) -> None:
    emu.set_scenario(scenario)
    with pytest.raises(ClientAuthenticationError) as caught:
        _azure_identity_attempt(emu, scenario, tmp_path)
    assert f"AADSTS{SCENARIO_CODES[scenario]}:" in caught.value.message


@pytest.mark.parametrize("scenario", list(SCENARIO_CODES))
def test_scenarios_through_msal(emu: Emulator, scenario: str) -> None:
    if scenario == "user-interaction":
        app: Any = pca(emu)
        emu.set_scenario(scenario)
        result = app.acquire_token_by_device_flow(app.initiate_device_flow([AI_SCOPE]))
    else:
        cert_pem, key_pem = make_certificate()
        emu.add_app(CLIENT_ID, secret=SECRET, certificate_pem=cert_pem)
        credential: Any = SECRET
        if scenario == "assertion-invalid":
            credential = {"private_key": key_pem.decode(), "public_certificate": cert_pem.decode()}
        app = cca(emu, credential)  # built (discovery done) before the scenario starts
        emu.set_scenario(scenario)
        result = app.acquire_token_for_client([AI_SCOPE])
    assert "access_token" not in result and result["error_codes"] == [SCENARIO_CODES[scenario]]
    assert result["error_description"].startswith(f"AADSTS{SCENARIO_CODES[scenario]}: ")


def test_unknown_tenant_hides_aadsts90002_behind_msal_discovery(emu: Emulator) -> None:
    """msal 1.39 turns the 400 from OIDC discovery into a generic ValueError; the AADSTS90002 body is
    only in the exception chain (azure-identity wraps that in ClientAuthenticationError)."""
    with pytest.raises(ValueError, match="double check your tenant name") as caught:
        msal.ConfidentialClientApplication(
            CLIENT_ID,
            client_credential=SECRET,
            authority=f"{emu.authority_host}/contoso-typo",
            instance_discovery=False,
            http_client=session(emu),
        )
    assert "AADSTS90002: Tenant 'contoso-typo' not found." in chain_text(caught.value)
    credential = ClientSecretCredential("contoso-typo", CLIENT_ID, SECRET, **az(emu))
    with pytest.raises(ClientAuthenticationError) as wrapped:
        credential.get_token(AI_SCOPE)
    assert "AADSTS90002" not in wrapped.value.message
    assert "AADSTS90002: Tenant 'contoso-typo' not found." in chain_text(wrapped.value)


# --- the data plane with real tokens --------------------------------------------------------------------


def test_cognitive_services_audience_on_a_project_route(emu: Emulator) -> None:
    token = (
        ClientSecretCredential(emu.tenant_id, CLIENT_ID, SECRET, **az(emu)).get_token(COGNITIVE_SCOPE).token
    )
    assert claims(token)["aud"] == "https://cognitiveservices.azure.com"
    response = responses(emu, token)
    assert response.status_code == 401 and response.json() == AUDIENCE_401
    assert messages(emu, token).status_code == 200  # the resource endpoint accepts either audience


def test_audience_scenario_refuses_every_bearer_token(emu: Emulator) -> None:
    token = cca(emu, SECRET).acquire_token_for_client([AI_SCOPE])["access_token"]
    emu.set_scenario("audience")
    for response in (messages(emu, token), responses(emu, token)):
        assert response.status_code == 401 and response.json() == AUDIENCE_401


def test_principal_without_a_role_gets_permission_denied(emu: Emulator) -> None:
    app = emu.add_app("99999999-0000-4000-8000-000000000001", secret="x", roles=False)
    token = cca(emu, "x", app.client_id).acquire_token_for_client([AI_SCOPE])["access_token"]
    assert claims(token)["oid"] == app.object_id
    response = messages(emu, token)
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "PermissionDenied",
            "message": f"The principal `{app.object_id}` lacks the required data action "
            "`Microsoft.CognitiveServices/accounts/AIServices/anthropic/messages/action` to perform "
            "`POST /anthropic/v1/messages` operation.",
        }
    }
    project = responses(emu, token).json()["error"]["message"]
    assert project.startswith(f"The principal `{app.object_id}` lacks the required data action ")
    assert "`POST /api/projects/{projectName}/openai/responses` operation." in project
    assert project.endswith("see https://aka.ms/FoundryPermissions.")


def test_role_missing_scenario_names_the_tokens_oid(emu: Emulator) -> None:
    token = cca(emu, SECRET).acquire_token_for_client([AI_SCOPE])["access_token"]
    emu.set_scenario("role-missing")
    response = messages(emu, token)
    assert response.status_code == 401 and response.json()["error"]["code"] == "PermissionDenied"
    assert f"The principal `{claims(token)['oid']}` lacks" in response.json()["error"]["message"]
    headers = {"x-api-key": DEFAULT_API_KEY, "anthropic-version": "2023-06-01"}
    body = {"model": "claude-sonnet-4-5", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]}
    keyed = httpx2.post(emu.base_url + "/anthropic/v1/messages", json=body, headers=headers, timeout=10)
    assert keyed.status_code == 200  # keys bypass RBAC


def test_tokens_the_emulator_did_not_sign_are_refused(emu: Emulator) -> None:
    real = cca(emu, SECRET).acquire_token_for_client([AI_SCOPE])["access_token"]
    _, key_pem = make_certificate()
    foreign = make_assertion(key_pem, claims(real), kid=parse_jwt(real).header["kid"])  # type: ignore[union-attr]
    head, _, signature = real.split(".")
    forged_body = b64url(json.dumps({**claims(real), "oid": "00000000-0000-4000-8000-0000000e0b1d"}).encode())
    for token in (mint_jwt(), foreign, f"{head}.{forged_body}.{signature}", "not-a-jwt"):
        response = messages(emu, token)
        assert response.status_code == 401 and response.json() == AUDIENCE_401
    with Emulator(identity=True) as other:  # another emulator's key
        other.add_app(CLIENT_ID, secret=SECRET)
        elsewhere = cca(other, SECRET).acquire_token_for_client([AI_SCOPE])["access_token"]
    assert messages(emu, elsewhere).status_code == 401
    assert messages(emu, real).status_code == 200


# --- lifecycle, configuration, scenarios ---------------------------------------------------------------


def test_stop_removes_the_ca_file_and_closes_both_ports() -> None:
    emu = Emulator(identity=True).start()
    ca, tls_port, port = (
        emu.ca_bundle,
        int(emu.authority_host.rsplit(":", 1)[1]),
        emu.base_url.rsplit(":", 1)[1],
    )
    assert Path(ca).read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    keep_alive = session(emu)
    assert keep_alive.get(f"{authority(emu)}/v2.0/.well-known/openid-configuration").status_code == 200
    started = time.monotonic()
    emu.stop()
    assert time.monotonic() - started < 2
    assert not os.path.exists(ca)
    for number in (tls_port, int(port)):
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", number), timeout=1).close()
    assert emu.errors == []


def test_identity_off_costs_nothing_and_says_so() -> None:
    script = (
        "import sys\n"
        "from foundry_cli.emulator import Emulator\n"
        "emu = Emulator().start()\n"
        "emu.stop()\n"
        "assert not [m for m in sys.modules if m.startswith('cryptography')], 'cryptography imported'\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=30)
    with Emulator() as plain:
        with pytest.raises(RuntimeError, match=r"Emulator\(identity=True\)"):
            plain.authority_host  # noqa: B018
        response = httpx2.get(plain.base_url + "/msi/token?resource=x")
    assert response.status_code == 404  # no managed identity endpoint without identity=True


def test_identity_scenarios_parse_and_configure() -> None:
    assert set(IDENTITY_SCENARIOS) == {
        "secret-invalid", "secret-expired", "app-not-found", "tenant-not-found", "assertion-invalid",
        "user-interaction", "audience", "role-missing", "tenant-mismatch", "federation-mismatch",
    }  # fmt: skip
    with Emulator(
        scenario="secret-expired", identity=True, tenant_id="72f988bf-86f1-41af-91ab-2d7cd011db47"
    ) as emu:
        assert emu.scenario == "secret-expired" and emu.tenant_id == "72f988bf-86f1-41af-91ab-2d7cd011db47"
        emu.add_app(CLIENT_ID, secret=SECRET)
        result = cca(emu, SECRET).acquire_token_for_client([AI_SCOPE])
        assert result["error_codes"] == [7000222]
    with pytest.raises(ValueError, match="role-missing"):
        Emulator(scenario="role-missing:3")
    with pytest.raises(ValueError, match="go together"), Emulator(identity=True) as emu:
        emu.add_app(CLIENT_ID, federated_subject=SUBJECT)


def test_main_with_identity_prints_how_to_use_it() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "foundry_cli.emulator", "--port", "0", "--identity"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        lines = dict(line.split(":", 1) for line in (proc.stdout.readline() for _ in range(8)))
        assert lines["scenario"].startswith(" healthy"), lines
        ca = lines["CA bundle"].split()[0]
        app = dict(part.split("=", 1) for part in lines["demo app"].split())
        with httpx2.Client(verify=ssl.create_default_context(cafile=ca), timeout=10) as http:
            form = {
                "client_id": app["AZURE_CLIENT_ID"],
                "client_secret": app["AZURE_CLIENT_SECRET"],
                "grant_type": "client_credentials",
                "scope": AI_SCOPE,
            }
            url = f"{lines['authority host'].strip()}/{lines['tenant id'].strip()}/oauth2/v2.0/token"
            assert "access_token" in http.post(url, data=form).json()
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=10)
    assert proc.returncode == 0 and stderr == ""
    assert not os.path.exists(ca)
