"""The one place that wires connections from settings: a credential for a scope, the Foundry client,
the control-plane (ARM) client. Used by every command and by doctor alike, so the management-scope
rule and the client's timeouts and retries are decided once.

It sits between the command layers (cli, doctor) and the independent ``api`` and ``auth`` packages,
which it joins: ``api`` takes any object with the ``Credential`` shape, ``auth`` makes one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from foundry_cli.config.endpoint import is_loopback

if TYPE_CHECKING:
    import httpx2

    from foundry_cli.api.arm import ArmClient
    from foundry_cli.api.client import FoundryClient, OnRetry
    from foundry_cli.auth.factory import Credential
    from foundry_cli.config.settings import Settings

Notify = Callable[[str], None]

PUBLIC_MANAGEMENT_SCOPE = "https://management.azure.com/.default"
NO_CONTROL_PLANE_API_KEY = (
    "api-key auth has no control-plane access; set subscription_id and use an Entra ID auth mode to list "
    "deployments"
)
NO_CONTROL_PLANE_STATIC_BEARER = (
    "a ready bearer token (ad_token / AZURE_AD_TOKEN) is for the data plane only; use an Entra ID auth mode "
    "to list deployments"
)


def credential(
    settings: Settings,
    *,
    scope: str | None = None,
    prompt: Notify | None = None,
    warn: Notify | None = None,
    env: Mapping[str, str] | None = None,
) -> Credential:
    """The credential of ``settings``' auth mode, for ``scope`` (default: the ``scope`` setting).

    Raises what ``auth.factory.make_credential`` raises (AuthError, ConfigError).
    """
    from foundry_cli.auth.factory import make_credential
    from foundry_cli.config.settings import Value

    if scope is not None and scope != settings.scope:
        settings = settings.replace(scope=Value(scope, "control plane (management_endpoint)"))
    if warn is None:
        return make_credential(settings, prompt=prompt, env=env)
    return make_credential(settings, prompt=prompt, warn=warn, env=env)


def foundry_client(
    settings: Settings,
    cred: Credential,
    *,
    debug: Notify | None = None,
    on_retry: OnRetry | None = None,
    transport: httpx2.BaseTransport | None = None,
    max_retries: int | None = None,
) -> FoundryClient:
    """The data-plane client for ``settings`` (endpoint, wire format, timeouts, retries).

    Raises:
        ConfigError: no endpoint is configured.
    """
    from foundry_cli.api.client import ClientConfig, FoundryClient
    from foundry_cli.api.transport import RetryPolicy

    return FoundryClient(
        ClientConfig(
            endpoint=settings.require_endpoint(),
            api=settings.api,
            project=settings.project,
            api_version=settings.api_version,
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            total_timeout=settings.timeout,
        ),
        cred,
        retry=RetryPolicy(max_retries=settings.max_retries if max_retries is None else max_retries),
        transport=transport,
        debug=debug,
        on_retry=on_retry,
    )


def management_unavailable_reason(settings: Settings) -> str | None:
    """Why ``settings`` cannot get a management-plane token, or None when it can."""
    if settings.auth == "api-key":
        return NO_CONTROL_PLANE_API_KEY
    if settings.ad_token:
        return NO_CONTROL_PLANE_STATIC_BEARER
    return None


def management_scope(management_endpoint: str) -> str:
    """The token scope for the control plane: ``{management_endpoint}/.default``, except for a
    loopback endpoint (the emulator standing in for public Azure), which takes the public
    ``https://management.azure.com/.default``: Entra ID knows no resource named ``http://127.0.0.1:…``.
    """
    host = urlsplit(management_endpoint).hostname or ""
    if is_loopback(host):
        return PUBLIC_MANAGEMENT_SCOPE
    return management_endpoint.rstrip("/") + "/.default"


def management_credential(
    settings: Settings,
    *,
    prompt: Notify | None = None,
    warn: Notify | None = None,
    env: Mapping[str, str] | None = None,
) -> Credential | None:
    """The profile's auth mode with the control-plane scope; None when the mode has no management
    token (see :func:`management_unavailable_reason`)."""
    if management_unavailable_reason(settings) is not None:
        return None
    return credential(
        settings, scope=management_scope(settings.management_endpoint), prompt=prompt, warn=warn, env=env
    )


def arm_client(
    settings: Settings,
    cred: Credential,
    *,
    transport: httpx2.BaseTransport | None = None,
    debug: Notify | None = None,
) -> ArmClient:
    """The control-plane client for ``settings``' management endpoint."""
    from foundry_cli.api.arm import ArmClient

    return ArmClient(settings.management_endpoint.rstrip("/"), cred, transport=transport, debug=debug)
