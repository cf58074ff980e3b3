"""Shared plumbing of the azure-identity modes (managed identity, workload identity, default).

azure-identity is imported inside methods only (about 200 ms). It reads its own environment
variables (IDENTITY_ENDPOINT, AZURE_FEDERATED_TOKEN_FILE, REQUESTS_CA_BUNDLE, ...) from the
process environment; fclaude passes everything it resolved itself explicitly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from foundry_cli.auth import _msal
from foundry_cli.auth.aadsts import auth_error, codes_in, row_for, scrub, summarise, text_row
from foundry_cli.auth.base import AccessToken, quiet_library_logs
from foundry_cli.errors import AuthError

MAX_CHAIN_DETAIL = 240  # per link of DefaultAzureCredential's chain
# azure-identity's "see the troubleshooting guide" sentences: a link per credential, no reason
_HELP_LINK = re.compile(
    r"(?:See the troubleshooting guide for more information:|Visit|To mitigate this issue, please refer "
    r"to the troubleshooting guidelines here at)\s*https://aka\.ms/\S+?"
    r"(?: to troubleshoot this issue)?\.?(?=\s|$)"
)


def authority_options(authority_host: str) -> dict[str, Any]:
    """``authority``, fewer connect retries and, off the Microsoft hosts, ``disable_instance_discovery``."""
    # One retry on connection errors instead of azure-core's three with back-off: a TLS failure
    # (the usual cause: a TLS-inspecting proxy) would otherwise keep fclaude silent for ~6 s.
    options: dict[str, Any] = {"authority": _msal.normalise_host(authority_host), "retry_connect": 1}
    if not _msal.is_microsoft_host(authority_host):
        options["disable_instance_discovery"] = True
    return options


class AzureIdentityProvider:
    """Any azure-identity ``TokenCredential``, built lazily by ``make``, behind TokenProvider.

    ``forget`` drops the credential object, whose in-memory token cache would otherwise hand
    the rejected token back.
    """

    def __init__(
        self,
        description: str,
        make: Callable[[], Any],
        *,
        summary: str,
        row: str | None = None,
        chain: bool = False,
    ) -> None:
        self.description = description
        self._make = make
        self._summary = summary
        self._row = row
        self._chain = chain
        self._credential: Any = None

    def get_token(self, scope: str) -> AccessToken:
        from azure.core.exceptions import AzureError, ClientAuthenticationError

        quiet_library_logs()
        try:
            if self._credential is None:
                self._credential = self._make()
            token = self._credential.get_token(scope)
        except ClientAuthenticationError as exc:  # CredentialUnavailableError is a subclass
            text = str(exc.message or exc)
            evidence = " ".join(_chain_texts(exc))  # e.g. msal's OIDC discovery answer with AADSTS90002
            if self._chain:
                raise chain_error(self._summary, text, row=self._row, evidence=evidence) from None
            row = self._row or text_row(evidence)
            raise auth_error(self._summary, text, codes=codes_in(evidence), row=row) from None
        except AzureError as exc:  # ServiceRequestError: DNS, connect, TLS (the transport's errors)
            raise AuthError(
                f"{self._summary}: the identity endpoint could not be reached "
                f"({scrub(str(exc), limit=200)}). "
                "Check the network and HTTPS_PROXY; behind a TLS-inspecting proxy set REQUESTS_CA_BUNDLE "
                "to your organisation's CA bundle.",
                row="network",
            ) from None
        except ValueError as exc:  # bad arguments, e.g. an authority that is not https
            raise AuthError(f"{self._summary}: {scrub(str(exc))}", row=self._row) from None
        return AccessToken(str(token.token), float(token.expires_on))

    def forget(self, scope: str) -> bool:
        credential, self._credential = self._credential, None
        if credential is not None and hasattr(credential, "close"):
            credential.close()
        return True


def chain_error(summary: str, text: str, *, row: str | None, evidence: str = "") -> AuthError:
    """DefaultAzureCredential's failure, keeping every link's reason (one per line).

    The row comes from an AADSTS number in any link, else from a link's text (a tenant that
    does not exist), else ``row`` (sp-env-missing: nothing is configured).
    """
    lines = text.splitlines()
    links = [line.strip() for line in lines if line.startswith("\t") and line.strip()]
    if not links:
        return auth_error(summary, text, codes=codes_in(evidence), row=row or text_row(text))
    reasons = [
        _shorten(summarise(scrub(_HELP_LINK.sub("", link), limit=None), MAX_CHAIN_DETAIL)) for link in links
    ]
    found_row, code = row_for(codes_in(evidence), text)
    message = f"{summary}; every credential in the chain failed:\n" + "\n".join(f"  {r}" for r in reasons)
    return AuthError(message, row=found_row or text_row(text) or row, code=code)


def _chain_texts(exc: BaseException) -> list[str]:
    """The messages of ``exc`` and the exceptions behind it (azure-identity wraps msal's)."""
    texts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(texts) < 6:
        texts.append(str(seen))
        seen = seen.__cause__ or seen.__context__
    return texts


def _shorten(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "…")) else text + "."
