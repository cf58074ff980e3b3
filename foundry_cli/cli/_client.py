"""Build the API client for resolved settings (shared by ask, login's probe and later commands)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from foundry_cli.errors import ConfigError

if TYPE_CHECKING:
    from foundry_cli.api.client import FoundryClient
    from foundry_cli.config.settings import Resolved


def make_client(resolved: Resolved, debug: bool) -> FoundryClient:
    from foundry_cli.api.client import ClientConfig, FoundryClient
    from foundry_cli.api.transport import RetryPolicy
    from foundry_cli.auth.factory import make_credential

    if resolved.endpoint is None:  # build_request checked this; keep the type checker honest
        raise ConfigError("No endpoint configured.", row="endpoint-missing")

    def warn(text: str) -> None:
        sys.stderr.write(f"fclaude: warning: {text}\n")

    def prompt(text: str) -> None:  # device-code instructions: stderr, never stdout
        sys.stderr.write(text.rstrip() + "\n")
        sys.stderr.flush()

    credential = make_credential(resolved, prompt=prompt, warn=warn)

    def trace(text: str) -> None:
        sys.stderr.write("".join(f"[debug] {line}\n" for line in text.splitlines()))

    def on_retry(err: Exception, delay: float, n: int) -> None:
        sys.stderr.write(
            f"fclaude: {err}; retrying in {delay:.1f} s (retry {n} of {resolved['max_retries']})\n"
        )

    if debug:
        trace(f"credential: {credential.description}; endpoint {resolved.endpoint.root} ({resolved['api']})")
    return FoundryClient(
        ClientConfig(
            endpoint=resolved.endpoint,
            api=resolved["api"],
            project=resolved["project"],
            api_version=resolved["api_version"],
            connect_timeout=resolved["connect_timeout"],
            read_timeout=resolved["read_timeout"],
        ),
        credential,
        retry=RetryPolicy(max_retries=resolved["max_retries"]),
        debug=trace if debug else None,
        on_retry=on_retry,
    )
