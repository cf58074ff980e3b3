"""A local Foundry data-plane emulator (Anthropic Messages + OpenAI Responses) with fault scenarios.

Standard library only at import, and independent of the rest of ``foundry_cli`` (the client and
the emulator check each other)::

    with Emulator(scenario="rate-limit:2") as emu:
        ...  # point a client at emu.base_url + "/anthropic" with DEFAULT_API_KEY

``Emulator(identity=True)`` adds an Entra ID token service over HTTPS (``cryptography``, imported
only then) and a managed identity endpoint::

    with Emulator(identity=True) as emu:
        emu.add_app("11111111-…", secret="s3cret")
        # msal / azure-identity: authority emu.authority_host, tenant emu.tenant_id,
        # trust emu.ca_bundle, no instance discovery
"""

from __future__ import annotations

from foundry_cli.emulator.arm import DEFAULT_SUBSCRIPTION_ID
from foundry_cli.emulator.content import answer_text
from foundry_cli.emulator.identity import DEFAULT_TENANT_ID, IdentityRequest
from foundry_cli.emulator.jwt_sign import make_assertion, make_federated_token
from foundry_cli.emulator.scenarios import IDENTITY_SCENARIOS, SCENARIOS
from foundry_cli.emulator.server import Emulator
from foundry_cli.emulator.service import DEFAULT_API_KEY, DEFAULT_DEPLOYMENTS, RecordedRequest
from foundry_cli.emulator.tls import make_certificate
from foundry_cli.emulator.tokens import mint_jwt

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_DEPLOYMENTS",
    "DEFAULT_SUBSCRIPTION_ID",
    "DEFAULT_TENANT_ID",
    "IDENTITY_SCENARIOS",
    "SCENARIOS",
    "Emulator",
    "IdentityRequest",
    "RecordedRequest",
    "answer_text",
    "make_assertion",
    "make_certificate",
    "make_federated_token",
    "mint_jwt",
]
