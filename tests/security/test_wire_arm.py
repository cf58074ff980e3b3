"""Issue 9 on the control-plane client: a redirect is reported (never followed with the token), a
nesting bomb is an ApiError (not RecursionError), and a refused header value is never quoted."""

from __future__ import annotations

import httpx2
import pytest

from foundry_cli.api.arm import ArmClient
from foundry_cli.errors import ApiError, NetworkError
from tests.hostile import HostileServer, Reply

JSON = [("content-type", "application/json")]


class Token:
    def __init__(self, token: str) -> None:
        self.token = token

    def headers(self, api: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}


def test_a_redirect_is_an_error_naming_it_and_the_token_is_not_sent_on(hostile: HostileServer) -> None:
    hostile.script(Reply(status=307, headers=[("location", "http://127.0.0.1:9/steal\x1b]0;t\x07")]))
    with ArmClient(hostile.base_url, Token("tok-123456789")) as arm, pytest.raises(ApiError) as info:
        arm.accounts("sub")
    assert "does not follow redirects" in info.value.message and "\x1b" not in info.value.message
    assert len(hostile.requests) == 1


def test_a_nesting_bomb_is_an_api_error(hostile: HostileServer) -> None:
    hostile.script(Reply(headers=JSON, body=b"[" * 100_000))
    with (
        ArmClient(hostile.base_url, Token("tok-123456789")) as arm,
        pytest.raises(ApiError, match="not JSON"),
    ):
        arm.accounts("sub")


def test_a_header_value_the_http_library_refuses_is_not_quoted() -> None:
    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.LocalProtocolError("Illegal header value b'Bearer secret-token-987\\n'")

    arm = ArmClient("https://management.example", Token("x" * 20), transport=httpx2.MockTransport(refuse))
    with arm, pytest.raises(NetworkError) as info:
        arm.accounts("sub")
    assert "secret-token-987" not in info.value.message and "LocalProtocolError" in info.value.message
