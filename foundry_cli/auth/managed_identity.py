"""``auth = "managed-identity"``: the Azure resource's own identity (VM, App Service, AKS, ...).

azure-identity's ``ManagedIdentityCredential`` finds the endpoint from the environment
(IMDS, or IDENTITY_ENDPOINT / IDENTITY_HEADER on App Service and Functions). A ``client_id``
selects a user-assigned identity; without one the system-assigned identity is used.
"""

from __future__ import annotations

from typing import Any

from foundry_cli.auth._azidentity import AzureIdentityProvider
from foundry_cli.auth.service_principal import short_id


def managed_identity_provider(client_id: str | None = None) -> AzureIdentityProvider:
    def make() -> Any:
        from azure.identity import ManagedIdentityCredential

        return ManagedIdentityCredential(client_id=client_id) if client_id else ManagedIdentityCredential()

    which = f"user-assigned {short_id(client_id)}" if client_id else "system-assigned"
    return AzureIdentityProvider(
        f"managed-identity ({which})",
        make,
        summary=f"The {which} managed identity could not get a token",
        # off Azure, or no identity assigned to the host: whatever wording azure-identity chose
        # (an App Service endpoint's 400 reads as "invalid_scope"), that is the row
        row="managed-identity-unavailable",
    )
