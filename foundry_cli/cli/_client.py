"""The command line's side of wiring (``foundry_cli.connect`` does the wiring itself): where a
credential's prompts, warnings, the ``--debug`` trace and retry notices go — stderr, never stdout."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from foundry_cli.api.arm import ArmClient
    from foundry_cli.api.client import FoundryClient, OnRetry
    from foundry_cli.config.settings import Settings


def prompt(text: str) -> None:
    """Device-code instructions: stderr, flushed before the credential blocks on the sign-in."""
    sys.stderr.write(text.rstrip() + "\n")
    sys.stderr.flush()


def warn(text: str) -> None:
    sys.stderr.write(f"fclaude: warning: {text}\n")


def trace(text: str) -> None:
    sys.stderr.write("".join(f"[debug] {line}\n" for line in text.splitlines()))


def retry_notice(settings: Settings) -> OnRetry:
    def on_retry(err: Exception, delay: float, n: int) -> None:
        sys.stderr.write(f"fclaude: {err}; retrying in {delay:.1f} s (retry {n} of {settings.max_retries})\n")

    return on_retry


def make_client(
    settings: Settings, debug: bool, *, on_retry: OnRetry | None = None, max_retries: int | None = None
) -> FoundryClient:
    """The data-plane client for ``settings``, its credential's messages on stderr.

    Raises:
        ConfigError: no endpoint; AuthError: the auth mode's prerequisites are missing.
    """
    from foundry_cli import connect

    endpoint = settings.require_endpoint()
    credential = connect.credential(settings, prompt=prompt, warn=warn)
    if debug:
        trace(f"credential: {credential.description}; endpoint {endpoint.root} ({settings.api})")
    return connect.foundry_client(
        settings,
        credential,
        debug=trace if debug else None,
        on_retry=on_retry or retry_notice(settings),
        max_retries=max_retries,
    )


def make_arm_client(settings: Settings, debug: bool) -> ArmClient | None:
    """The control-plane client, or None when the auth mode has no management token."""
    from foundry_cli import connect

    credential = connect.management_credential(settings, prompt=prompt, warn=warn)
    if credential is None:
        return None
    return connect.arm_client(settings, credential, debug=trace if debug else None)
