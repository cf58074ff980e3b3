"""The emulated managed identity endpoint (App Service style, ``GET /msi/token`` on the data-plane
port): a token for the host's system- or user-assigned identity, checked with ``X-IDENTITY-HEADER``."""

from __future__ import annotations

import hmac
import secrets
import time
import uuid

from foundry_cli.emulator.identity import errors as e
from foundry_cli.emulator.identity.directory import Directory
from foundry_cli.emulator.identity.issuer import Issuer
from foundry_cli.emulator.identity.oauth import resource_for
from foundry_cli.emulator.service import RecordedRequest, Reply

MSI_PATH = "/msi/token"
MSI_API_VERSION = "2019-08-01"


class ManagedIdentityEndpoint:
    """``GET /msi/token?resource=…&api-version=2019-08-01[&client_id=…]``."""

    def __init__(self, directory: Directory, issuer: Issuer) -> None:
        self.directory = directory
        self.issuer = issuer
        self.identity_header = secrets.token_hex(16)

    def handle(self, req: RecordedRequest) -> Reply:
        """Answered as App Service does (``expires_on`` as an epoch string)."""
        header = req.headers.get("x-identity-header", "")
        if req.method != "GET" or not hmac.compare_digest(header.encode(), self.identity_header.encode()):
            return self._error(401, "Unauthorized: the X-IDENTITY-HEADER header is missing or wrong.")
        resource = req.query.get("resource", "")
        if not resource:
            return self._error(400, "Required query parameter 'resource' is missing.")
        if req.query.get("api-version") != MSI_API_VERSION:
            return self._error(400, f"api-version must be {MSI_API_VERSION}.")
        identity = self.directory.find_identity(req.query)
        if identity is None:
            return self._error(400, "Unable to load the proper Managed Identity.")
        try:
            resource_for(
                resource.rstrip("/") + "/.default", self.directory.tenant_id, client_credentials=True
            )
        except e.OAuthError as exc:
            return self._error(400, f"AADSTS{exc.code}: {exc.description}")
        token, _ = self.issuer.access_token(
            resource, identity.object_id, identity.client_id, "2", xms_mirid=identity.resource_id
        )
        expires_on = int(time.time()) + self.issuer.token_lifetime
        body = {
            "access_token": token,
            "expires_on": str(expires_on),
            "resource": resource,
            "token_type": "Bearer",
            "client_id": identity.client_id,
        }
        return e.json_reply(200, body)

    @staticmethod
    def _error(status: int, message: str) -> Reply:
        body: dict[str, object] = {
            "statusCode": status,
            "message": message,
            "correlationId": str(uuid.uuid4()),
        }
        return e.json_reply(status, body)
