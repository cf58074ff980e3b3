"""``auth = "device-code"``: a person signs in once in a browser; the refresh token is cached.

msal's ``PublicClientApplication`` (client id: the Azure CLI's public client unless
``client_id`` is set). Every call tries ``acquire_token_silent`` first, using the accounts and
refresh tokens in ``msal-<profile>.json``; only when that fails, and a ``prompt`` was given,
does it start a device flow and hand the instructions (``flow["message"]``) to ``prompt``.
Without a prompt (non-interactive use) it raises ``user-interaction`` instead of waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from foundry_cli.auth import _msal
from foundry_cli.auth.aadsts import auth_error
from foundry_cli.auth.base import AccessToken, Notify, ignore
from foundry_cli.auth.cache import MsalCache
from foundry_cli.auth.service_principal import short_id
from foundry_cli.errors import AuthError

#: the Azure CLI's public client id: pre-consented in every tenant, allowed the device flow
AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
DEFAULT_TENANT = "organizations"


class DeviceCodeProvider:
    def __init__(
        self,
        *,
        authority_host: str,
        msal_cache: Path,
        client_id: str | None = None,
        tenant_id: str | None = None,
        prompt: Notify | None = None,
        warn: Notify = ignore,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client_id = client_id or AZURE_CLI_CLIENT_ID
        self.tenant_id = tenant_id or DEFAULT_TENANT
        self.authority = _msal.authority_url(authority_host, self.tenant_id)
        self._options = _msal.app_options(authority_host, self.tenant_id)
        self._msal_cache = msal_cache
        self._prompt = prompt
        self._warn = warn
        self._clock = clock
        client = "Azure CLI client" if client_id is None else f"client {short_id(self.client_id)}"
        self.description = f"device-code ({client}, tenant {self.tenant_id})"
        self._summary = f"Device-code sign-in at {self.authority} failed"

    def get_token(self, scope: str) -> AccessToken:
        import msal

        mc = MsalCache.open(self._msal_cache, self._warn)
        app = _msal.build(
            self._summary,
            lambda: msal.PublicClientApplication(self.client_id, token_cache=mc.cache, **self._options),
            authority=self.authority,
        )
        try:
            result = self._silent(app, scope)
            if not (result and result.get("access_token")):
                result = self._interactive(app, scope, result)
        finally:
            mc.save()  # also keeps a refresh token rotated by a silent call that then failed
        return _msal.token_from(result, self._summary, clock=self._clock, row="user-interaction")

    def _silent(self, app: Any, scope: str) -> dict[str, Any] | None:
        last: dict[str, Any] | None = None
        for account in app.get_accounts():

            def silent(account: Any = account) -> Any:
                return app.acquire_token_silent_with_error([scope], account=account)

            result = _msal.call(self._summary, silent, authority=self.authority)
            if result and result.get("access_token"):
                return dict(result)
            last = result or last
        return last

    def _interactive(self, app: Any, scope: str, silent: dict[str, Any] | None) -> dict[str, Any]:
        if self._prompt is None:
            if silent:  # the refresh token was refused: say why (AADSTS700082, 50076, ...)
                _msal.token_from(
                    silent, self._summary + "; sign in again with `fclaude login`", row="user-interaction"
                )
            raise AuthError(
                f"Not signed in for device-code auth (tenant {self.tenant_id}); run `fclaude login` to sign "
                "in, or choose another auth mode.",
                row="user-interaction",
            )
        flow = _msal.call(
            self._summary, lambda: app.initiate_device_flow(scopes=[scope]), authority=self.authority
        )
        if "user_code" not in flow:
            raise auth_error(
                "Could not start a device-code sign-in at " + self.authority,
                str(flow.get("error_description") or flow.get("error") or "no user code in the answer"),
                codes=[str(c) for c in flow.get("error_codes") or []],
                error=flow.get("error"),
                row="user-interaction",
            )
        self._prompt(str(flow["message"]))
        result = _msal.call(
            self._summary, lambda: app.acquire_token_by_device_flow(flow), authority=self.authority
        )
        return dict(result)

    def forget(self, scope: str) -> bool:
        _msal.forget_access_tokens(self._msal_cache, self._warn, self.client_id, scope)
        return True
