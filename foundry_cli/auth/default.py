"""``auth = "default"``: azure-identity's ``DefaultAzureCredential`` chain, minus the browser.

Environment -> workload identity -> managed identity -> VS Code -> Azure CLI -> PowerShell ->
azd -> broker. When every link fails, the error lists each link's reason, one per line.
"""

from __future__ import annotations

from typing import Any

from foundry_cli.auth._azidentity import AzureIdentityProvider, authority_options


def default_provider(*, authority_host: str, client_id: str | None = None) -> AzureIdentityProvider:
    def make() -> Any:
        from azure.identity import DefaultAzureCredential

        options: dict[str, Any] = {"exclude_interactive_browser_credential": True}
        options.update(authority_options(authority_host))
        if client_id:  # a user-assigned managed / workload identity, as AZURE_CLIENT_ID would select
            options["managed_identity_client_id"] = client_id
        return DefaultAzureCredential(**options)

    return AzureIdentityProvider(
        "default (DefaultAzureCredential: environment, workload identity, managed identity, Azure CLI, ...)",
        make,
        summary="DefaultAzureCredential found no credential that works",
        row="sp-env-missing",
        chain=True,
    )
