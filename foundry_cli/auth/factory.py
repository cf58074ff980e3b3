"""Pick the credential for the resolved auth mode. Explicit per profile, never guessed.

Every Entra ID mode is a :class:`~foundry_cli.auth.base.TokenProvider` wrapped in
:class:`~foundry_cli.auth.cache.CachedProvider` (the persistent cache, one place) and then in
:class:`~foundry_cli.auth.base.BearerCredential` (what the API client calls).

A ready bearer token (``ad_token`` / ``AZURE_AD_TOKEN``) takes the place of every Entra ID
mode; with ``auth = "api-key"`` it is used only when no key is configured.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from foundry_cli.auth.api_key import ApiKeyCredential, run_key_command
from foundry_cli.auth.base import BearerCredential, Notify, TokenProvider, ignore
from foundry_cli.config.paths import get_paths
from foundry_cli.config.settings import Settings
from foundry_cli.errors import AuthError, ConfigError
from foundry_cli.redact import register_secret

#: what :func:`make_credential` returns: a key, or a bearer token from any Entra ID mode
Credential = ApiKeyCredential | BearerCredential

#: setting -> the environment variable named in "missing" messages (the one azure-identity reads)
ENV_NAME = {
    "tenant_id": "AZURE_TENANT_ID",
    "client_id": "AZURE_CLIENT_ID",
    "client_secret": "AZURE_CLIENT_SECRET",
    "client_certificate_path": "AZURE_CLIENT_CERTIFICATE_PATH",
    "federated_token_file": "AZURE_FEDERATED_TOKEN_FILE",
}


def make_credential(
    resolved: Settings,
    *,
    prompt: Notify | None = None,
    warn: Notify = ignore,
    env: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.time,
    cache_dir: Path | None = None,
) -> Credential:
    """The credential for ``resolved.auth`` (it satisfies ``api.types.Credential`` structurally).

    ``prompt`` receives the device-code instructions (the CLI passes a stderr writer; None
    means non-interactive), ``warn`` cache warnings. ``env`` is the environment for child
    processes (``az``, ``key_command``) and the cache folder; default: this process's.

    Raises:
        ConfigError: api-key mode without a key.
        AuthError: an Entra ID mode's prerequisites are missing (row ``sp-env-missing``).
    """
    env = os.environ if env is None else env  # the one fallback: callers normally inject it
    for secret in (resolved.api_key, resolved.client_secret, resolved.ad_token):
        register_secret(secret)  # from here on, no error text, trace or history row can show them
    mode = resolved.auth
    ad_token = resolved.ad_token
    if mode == "api-key":
        if resolved.api_key:
            return ApiKeyCredential(str(resolved.api_key), _where(resolved.source("api_key")))
        if resolved.key_command:
            command = str(resolved.key_command)
            return ApiKeyCredential(
                None,
                f"key_command ({_where(resolved.source('key_command'))})",
                fetch=lambda: run_key_command(command, env=env),
            )
        if not ad_token:
            raise ConfigError(
                "auth is api-key but no key is set: export FCLAUDE_API_KEY (or ANTHROPIC_FOUNDRY_API_KEY / "
                "AZURE_API_KEY), set key_command, or store one with `fclaude login`. Copy Key 1 from the "
                "resource's 'Keys and Endpoint' page.",
                row="credential-missing",
            )
    scope = str(resolved.scope)
    if ad_token:
        from foundry_cli.auth.ad_token import StaticTokenProvider

        static = StaticTokenProvider(str(ad_token), _where(resolved.source("ad_token")), clock=clock)
        return BearerCredential(static, scope, clock=clock)

    from foundry_cli.auth.cache import CachedProvider, TokenCache

    cache_dir = cache_dir or get_paths(env).cache_dir
    provider, key = _provider(
        mode, resolved, prompt=prompt, warn=warn, env=env, clock=clock, cache_dir=cache_dir
    )
    cached = CachedProvider(provider, TokenCache(cache_dir, warn=warn, clock=clock), key, warn=warn)
    return BearerCredential(cached, scope, clock=clock)


def _where(source: str) -> str:
    """``env AZURE_CLIENT_SECRET`` -> ``AZURE_CLIENT_SECRET``; other sources as they are."""
    return source.removeprefix("env ")


def require(
    resolved: Settings, mode: str, names: tuple[str, ...], alternatives: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The values of ``names`` that are set; raise ``sp-env-missing`` naming exactly the ones that are
    not (a name whose alternative in ``alternatives`` is set counts as present)."""
    alternatives = alternatives or {}
    have = {n: str(resolved.value_of(n)) for n in names if resolved.value_of(n)}
    missing = [
        n for n in names if n not in have and not (n in alternatives and resolved.value_of(alternatives[n]))
    ]
    if not missing:
        return have
    shown = [
        ENV_NAME.get(n, n) + (f" (or {ENV_NAME[alternatives[n]]})" if n in alternatives else "")
        for n in missing
    ]
    verb = "is" if len(missing) == 1 else "are"
    raise AuthError(
        f"auth = {mode} needs {', '.join(shown)}, which {verb} not set: export "
        f"{'it' if len(missing) == 1 else 'them'}, or store the ids in the profile (tenant_id, client_id) "
        "and the secret with `fclaude login`.",
        row="sp-env-missing",
    )


def _provider(
    mode: str,
    resolved: Settings,
    *,
    prompt: Notify | None,
    warn: Notify,
    env: Mapping[str, str],
    clock: Callable[[], float],
    cache_dir: Path,
) -> tuple[TokenProvider, Any]:
    from foundry_cli.auth.cache import CacheKey, MsalCache

    profile = resolved.profile
    host = str(resolved.authority_host)
    tenant, client = resolved.tenant_id, resolved.client_id
    if mode == "azure-cli":
        from foundry_cli.auth.azure_cli import AzureCliProvider, signed_in_account

        identity = f"tenant={tenant or '-'};account={signed_in_account(env)}"
        return AzureCliProvider(tenant_id=tenant, env=env), CacheKey(profile, mode, identity)
    if mode == "service-principal":
        from foundry_cli.auth.service_principal import ServicePrincipalProvider

        need = require(
            resolved,
            mode,
            ("tenant_id", "client_id", "client_secret"),
            {"client_secret": "client_certificate_path"},
        )
        cert = resolved.client_certificate_path
        sp = ServicePrincipalProvider(
            tenant_id=need["tenant_id"],
            client_id=need["client_id"],
            authority_host=host,
            msal_cache=MsalCache.path_for(cache_dir, profile),
            client_secret=resolved.client_secret,
            certificate_path=Path(cert).expanduser() if cert and not resolved.client_secret else None,
            source=_where(resolved.source("client_secret")),
            warn=warn,
            clock=clock,
        )
        return sp, CacheKey(profile, mode, f"{host}/{tenant}/{client}")
    if mode == "device-code":
        from foundry_cli.auth.device_code import DeviceCodeProvider

        dc = DeviceCodeProvider(
            authority_host=host,
            msal_cache=MsalCache.path_for(cache_dir, profile),
            client_id=client,
            tenant_id=tenant,
            prompt=prompt,
            warn=warn,
            clock=clock,
        )
        return dc, CacheKey(profile, mode, f"{host}/{dc.tenant_id}/{dc.client_id}")
    if mode == "managed-identity":
        from foundry_cli.auth.managed_identity import managed_identity_provider

        return managed_identity_provider(client), CacheKey(profile, mode, f"client={client or 'system'}")
    if mode == "workload-identity":
        from foundry_cli.auth.workload_identity import workload_identity_provider

        need = require(resolved, mode, ("tenant_id", "client_id", "federated_token_file"))
        wi = workload_identity_provider(
            tenant_id=need["tenant_id"],
            client_id=need["client_id"],
            token_file=str(Path(need["federated_token_file"]).expanduser()),
            authority_host=host,
        )
        return wi, CacheKey(profile, mode, f"{host}/{tenant}/{client}")
    if mode in ("github-oidc", "azure-pipelines"):
        return _ci_provider(mode, resolved, env=env, host=host)
    if mode == "default":
        from foundry_cli.auth.default import default_provider

        dp = default_provider(authority_host=host, client_id=client)
        return dp, CacheKey(profile, mode, f"{host}/{tenant or '-'}/{client or '-'}")
    raise ConfigError(f"Unknown auth mode {mode!r}.")


def _ci_provider(
    mode: str, resolved: Settings, *, env: Mapping[str, str], host: str
) -> tuple[TokenProvider, Any]:
    """github-oidc / azure-pipelines: the runner's OIDC token exchanged at Entra ID (``auth/ci_oidc.py``)."""
    from foundry_cli.auth.cache import CacheKey
    from foundry_cli.auth.ci_oidc import PIPELINES_ID_VARS, ci_source, federated_provider, pipelines_ids

    if mode == "azure-pipelines":
        ids = pipelines_ids(resolved, env)
        names = {n: f"{ENV_NAME[n]} (or {PIPELINES_ID_VARS[n]})" for n in ids}
    else:
        ids = {"tenant_id": resolved.tenant_id, "client_id": resolved.client_id}
        names = {n: ENV_NAME[n] for n in ids}
    tenant, client = ids["tenant_id"], ids["client_id"]
    if not tenant or not client:
        missing = [names[n] for n, v in ids.items() if not v]
        verb = "is" if len(missing) == 1 else "are"
        raise AuthError(
            f"auth = {mode} needs {', '.join(missing)}, which {verb} not set: export the app registration's "
            "ids (the app whose federated credential trusts this pipeline), or store them in the profile "
            "(tenant_id, client_id).",
            row="sp-env-missing",
        )
    source = ci_source(mode, resolved, env)
    provider = federated_provider(mode, source, tenant_id=tenant, client_id=client, authority_host=host)
    return provider, CacheKey(resolved.profile, mode, f"{host}/{tenant}/{client}")
