"""A local Foundry data-plane emulator (Anthropic Messages + OpenAI Responses) with fault scenarios.

Standard library only, and independent of the rest of ``foundry_cli`` (the client and the
emulator check each other)::

    with Emulator(scenario="rate-limit:2") as emu:
        ...  # point a client at emu.base_url + "/anthropic" with DEFAULT_API_KEY
"""

from __future__ import annotations

from foundry_cli.emulator.content import answer_text
from foundry_cli.emulator.scenarios import SCENARIOS
from foundry_cli.emulator.server import Emulator
from foundry_cli.emulator.service import DEFAULT_API_KEY, DEFAULT_DEPLOYMENTS, RecordedRequest
from foundry_cli.emulator.tokens import mint_jwt

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_DEPLOYMENTS",
    "SCENARIOS",
    "Emulator",
    "RecordedRequest",
    "answer_text",
    "mint_jwt",
]
