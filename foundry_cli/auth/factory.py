"""Pick the credential for the resolved auth mode. Explicit per profile, never guessed."""

from __future__ import annotations

from typing import Any

from foundry_cli.auth.api_key import ApiKeyCredential
from foundry_cli.config.settings import Resolved
from foundry_cli.errors import ConfigError


def make_credential(resolved: Resolved) -> Any:
    """Return an object satisfying ``api.types.Credential`` for ``resolved['auth']``.

    Raises:
        ConfigError: the mode's prerequisites are missing or the mode is not available yet.
    """
    mode = resolved["auth"]
    if mode == "api-key":
        key = resolved["api_key"]
        if not key:
            raise ConfigError(
                "auth is api-key but no key is set: export FCLAUDE_API_KEY (or ANTHROPIC_FOUNDRY_API_KEY / "
                "AZURE_API_KEY), or store one with `fclaude login`. Copy Key 1 from the resource's "
                "'Keys and Endpoint' page."
            )
        return ApiKeyCredential(str(key), resolved.source("api_key"))
    raise ConfigError(
        f'auth mode {mode!r} is not available in this version of fclaude yet; use auth = "api-key" '
        "(FCLAUDE_AUTH=api-key with FCLAUDE_API_KEY)."
    )
