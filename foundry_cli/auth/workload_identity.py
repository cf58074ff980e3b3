"""``auth = "workload-identity"``: a federated token from a file (AKS, GitHub Actions, ...).

azure-identity's ``WorkloadIdentityCredential`` exchanges the file's token (re-read on every
request, since the platform rotates it) for an Entra ID token of ``client_id`` in ``tenant_id``.
"""

from __future__ import annotations

from typing import Any

from foundry_cli.auth._azidentity import AzureIdentityProvider, authority_options
from foundry_cli.auth.service_principal import short_id


def workload_identity_provider(
    *,
    tenant_id: str,
    client_id: str,
    token_file: str,
    authority_host: str,
) -> AzureIdentityProvider:
    def make() -> Any:
        from azure.identity import WorkloadIdentityCredential

        return WorkloadIdentityCredential(
            tenant_id=tenant_id,
            client_id=client_id,
            token_file_path=token_file,
            **authority_options(authority_host),
        )

    return AzureIdentityProvider(
        f"workload-identity {short_id(client_id)} (federated token from {token_file})",
        make,
        summary=f"Workload identity {client_id} could not get a token",
    )
