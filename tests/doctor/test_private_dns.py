"""doctor's DNS check names `network-restricted` when the endpoint resolves to a private address or a
privatelink alias (a resource behind a private endpoint), with the cognitiveservices host as the hint."""

from __future__ import annotations

import os
import socket

import pytest

from foundry_cli.config.settings import resolve
from foundry_cli.doctor.checks import Context, check_dns


def dns(
    addrs: list[str], aliases: list[str], endpoint: str = "https://myres.services.ai.azure.com"
) -> tuple[str, str, str | None, str | None]:
    env = {"FCLAUDE_ENDPOINT": endpoint, "FCLAUDE_API_KEY": "k", "FCLAUDE_HOME": os.environ["FCLAUDE_HOME"]}
    ctx = Context(resolve=lambda: resolve(env=env), env=env, lookup=lambda host, port: (addrs, aliases))
    ctx.resolved = ctx.resolve()
    out = check_dns(ctx)
    return out.status, out.detail, out.row, out.fix


@pytest.mark.parametrize("addr", ["10.1.2.3", "172.20.0.9", "192.168.4.4", "fd00::7"])
def test_a_private_address_is_network_restricted(addr: str) -> None:
    status, detail, row, fix = dns([addr], [])
    assert status == "warn" and row == "network-restricted"
    assert f"private address {addr}" in detail
    assert fix is not None and "https://myres.cognitiveservices.azure.com/anthropic" in fix


def test_a_privatelink_alias_is_network_restricted() -> None:
    status, detail, row, _ = dns(["20.1.2.3"], ["myres.privatelink.services.ai.azure.com"])
    assert status == "warn" and row == "network-restricted" and "privatelink" in detail


def test_a_public_address_passes_and_loopback_is_never_restricted() -> None:
    assert dns(["20.1.2.3"], [])[0] == "pass"
    assert dns(["127.0.0.1"], [], endpoint="http://127.0.0.1:8765")[0] == "pass"


def test_a_name_that_does_not_resolve_fails_as_network() -> None:
    def gone(host: str, port: int) -> tuple[list[str], list[str]]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    env = {
        "FCLAUDE_ENDPOINT": "https://nope.services.ai.azure.com",
        "FCLAUDE_API_KEY": "k",
        "FCLAUDE_HOME": os.environ["FCLAUDE_HOME"],
    }
    ctx = Context(resolve=lambda: resolve(env=env), env=env, lookup=gone)
    ctx.resolved = ctx.resolve()
    out = check_dns(ctx)
    assert out.status == "fail" and out.row == "network"
