"""Doctor's federation check: what the federated (OIDC) token says, and why Entra ID refused it.

For ``github-oidc``, ``azure-pipelines`` and ``workload-identity``: fetch the token the exchange
presents (a fresh one from the CI runner, or the token file), decode ``iss``, ``sub``, ``aud`` and
``exp`` (no signature check, and never the token itself), and say which federated credential Entra ID
looks for. When the token check failed, the exchange is tried once more to read Entra ID's answer:
AADSTS700213 / 7002138 (and 700211 / 700212) become ``federation-mismatch`` with the subject seen and
the usual causes; AADSTS700024 (or an ``exp`` in the past) becomes ``assertion-invalid``.
"""

from __future__ import annotations

import json
import re
import time
from typing import TYPE_CHECKING, Any

from foundry_cli.doctor.runner import Outcome, failed, passed, skipped, warned
from foundry_cli.errors import FclaudeError

if TYPE_CHECKING:
    from foundry_cli.doctor.checks import Context

FEDERATED_MODES = ("github-oidc", "azure-pipelines", "workload-identity")
MISMATCH_CODES = ("AADSTS700213", "AADSTS7002138", "AADSTS700211", "AADSTS700212")
EXPIRED_CODE = "AADSTS700024"
_IMMUTABLE = re.compile(r"^repo:[^/:]+@\d+/[^/:]+@\d+:")


def check_federation(ctx: Context) -> Outcome:
    from foundry_cli.auth.ci_oidc import federated_source, pipelines_ids
    from foundry_cli.auth.jwt import decode_claims

    r = ctx.r
    mode = r.auth
    if mode not in FEDERATED_MODES or r.ad_token:
        return skipped(f"auth = {mode}: no federated token is exchanged")
    try:
        source = federated_source(mode, r, ctx.env)
        token = source.fetch()
    except FclaudeError as exc:
        return failed(exc.message, exc.row)
    try:
        claims = decode_claims(token)
    except ValueError as exc:
        return failed(f"the {source.description} is not a JWT ({exc})", "assertion-invalid")
    client = pipelines_ids(r, ctx.env)["client_id"] if mode == "azure-pipelines" else r.client_id
    seen = Seen.of(claims, str(client or "(no client id)"))
    if ctx.token:  # the exchange worked (the token check got an Entra ID token)
        return passed(f"{source.description}: {seen.claims()}; {seen.looks_for()}, and found one")
    left = seen.seconds_left()
    if left is not None and left <= 0:
        return _expired(mode, seen, f"{source.description}: ")
    error = _exchange_error(ctx)
    if error is None:
        return passed(f"{source.description}: {seen.claims()}; {seen.looks_for()}, and found one")
    code = getattr(error, "code", None)
    if code in MISMATCH_CODES:
        return failed(
            f"Entra ID refused the {source.description} ({code}): app {seen.client} has no federated "
            f"credential with the token's issuer {seen.iss}, subject {seen.sub} and audience {seen.aud} "
            f"(the token {seen.expiry()}). Common causes: {'; '.join(mismatch_causes(seen.sub, code))}.",
            "federation-mismatch",
            fix=seen.fix(),
        )
    if code == EXPIRED_CODE:
        return _expired(mode, seen, f"Entra ID refused the {source.description} ({code}): ")
    return warned(f"{seen.claims()}; the exchange failed for another reason (see the token check)")


class Seen:
    """The claims of the federated token that Entra ID matches on."""

    def __init__(self, iss: str, sub: str, aud: str, exp: float | None, client: str) -> None:
        self.iss, self.sub, self.aud, self.exp, self.client = iss, sub, aud, exp, client

    @classmethod
    def of(cls, claims: dict[str, Any], client: str) -> Seen:
        from foundry_cli.auth.jwt import audience, expires_on
        from foundry_cli.sanitize import one_line

        def text(value: object) -> str:  # token claims are someone else's text: one safe line each
            return one_line(str(value), 200) if value is not None else "(none)"

        return cls(
            text(claims.get("iss")),
            text(claims.get("sub")),
            text(audience(claims)),
            expires_on(claims),
            client,
        )

    def seconds_left(self) -> float | None:
        return None if self.exp is None else self.exp - time.time()

    def expiry(self) -> str:
        left = self.seconds_left()
        if left is None:
            return "has no exp"
        if left > 0:
            return f"expires in {int(left // 60)} min {int(left % 60)} s"
        return f"expired {int(-left // 60)} min ago ({_utc(self.exp)})"

    def claims(self) -> str:
        return f"iss {self.iss}, sub {self.sub}, aud {self.aud}, {self.expiry()}"

    def looks_for(self) -> str:
        return (
            f"Entra ID looks for a federated credential on app {self.client} with issuer {self.iss} and "
            f"subject {self.sub} (audience {self.aud})"
        )

    def fix(self) -> str:
        params = json.dumps(
            {"name": "fclaude-ci", "issuer": self.iss, "subject": self.sub, "audiences": [self.aud]},
            separators=(",", ":"),
        )
        return (
            f"Add a federated credential to app {self.client} with exactly this issuer, subject and audience "
            f"(subjects are case-sensitive), or run the job so that its token has the subject of an existing "
            f"one. Try: az ad app federated-credential create --id {self.client} --parameters '{params}'"
        )


def mismatch_causes(sub: str, code: str | None) -> list[str]:
    """The usual reasons a federated subject matches no credential, most likely first."""
    causes: list[str] = []
    case = (
        "the credential's subject differs in case: Entra ID compares subjects case-sensitively (since 2025), "
        "so owner, repository, environment and branch names must be spelt exactly as in the token"
    )
    if code == "AADSTS7002138":
        causes.append(case + " (AADSTS7002138 says only the case differs)")
    if sub.startswith("repo:"):
        env = re.search(r":environment:(.+)$", sub)
        if env:
            causes.append(
                f"the job runs in environment '{env.group(1)}', so the subject names the environment, not "
                "the branch: a credential for 'ref:refs/heads/...' does not match"
            )
        elif ":ref:" in sub:
            causes.append(
                "the job has no environment, so the subject names the branch or tag: a credential for an "
                "environment ('environment:NAME'), a pull request or another branch does not match"
            )
        if _IMMUTABLE.match(sub):
            causes.append(
                "the subject carries GitHub's immutable owner and repository ids "
                "(repo:OWNER@ID/REPO@ID:...): a credential written with names only does not match"
            )
        else:
            causes.append(
                "a credential created in the Azure portal since mid-2026 carries the owner and repository "
                "ids (repo:OWNER@ID/REPO@ID:...) while this token has names only: opt the repository in "
                "to immutable subject claims, or drop the ids from the credential"
            )
    elif sub.startswith("sc://"):
        causes.append(
            "the subject is sc://ORGANIZATION/PROJECT/SERVICE-CONNECTION: a renamed service connection, "
            "organization or project changes it"
        )
    if code != "AADSTS7002138":
        causes.append(case)
    if code == "AADSTS700211":
        causes.insert(0, "no federated credential of the app has this issuer")
    if code == "AADSTS700212":
        causes.insert(0, "the credential has another audience (the default is api://AzureADTokenExchange)")
    return causes


def _expired(mode: str, seen: Seen, prefix: str) -> Outcome:
    if mode == "workload-identity":
        fix = (
            "The token file is stale: the platform that writes it must refresh it (a GitHub token written "
            "to a file at the start of a job lives minutes). Inside GitHub Actions use auth = github-oidc, "
            "which fetches a fresh token for every exchange."
        )
    else:
        fix = (
            f"auth = {mode} fetches a fresh token for every exchange, so an expired one points to the "
            "runner's clock: check that it is synchronised (Entra ID allows five minutes of skew)."
        )
    return failed(
        f"{prefix}the federated token is outside its valid time range ({seen.claims()})",
        "assertion-invalid",
        fix=fix,
    )


def _exchange_error(ctx: Context) -> FclaudeError | None:
    """Entra ID's answer to the exchange (the token check failed; its error is not kept)."""
    from foundry_cli import connect

    try:
        connect.credential(ctx.r, env=ctx.env).headers(ctx.r.api)
    except FclaudeError as exc:
        return exc
    return None


def _utc(epoch: float | None) -> str:
    return "?" if epoch is None else time.strftime("%H:%M:%SZ", time.gmtime(epoch))
