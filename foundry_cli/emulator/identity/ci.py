"""The CI runners' OIDC token endpoints, on the identity (HTTPS) port: GitHub Actions and Azure Pipelines.

GitHub Actions (``permissions: id-token: write``)::

    GET {ACTIONS_ID_TOKEN_REQUEST_URL}&audience=api://AzureADTokenExchange
    Authorization: bearer {ACTIONS_ID_TOKEN_REQUEST_TOKEN}
    -> 200 {"count": N, "value": "<JWT>"}

The URL has the runner service's shape (``/<id>/<guid>/_apis/distributedtask/hubs/Actions/plans/<plan>/
jobs/<job>/idtoken?api-version=2.0``); the token is RS256, issued by
``https://token.actions.githubusercontent.com``, with ``sub`` ``repo:OWNER/REPO:ref:refs/heads/main``
(``...:environment:NAME`` for a job with an environment; ``repo:OWNER@ID/REPO@ID:...`` with GitHub's
immutable subject claims), ``aud`` the requested audience (default ``https://github.com/OWNER``) and a
short life (``exp`` = ``iat`` + 5 minutes, ``nbf`` = ``iat`` - 10 minutes, as GitHub's documented example).

Azure Pipelines (a task with a workload identity federation service connection)::

    POST {SYSTEM_OIDCREQUESTURI}?api-version=7.1&serviceConnectionId=ID
    Authorization: Bearer {SYSTEM_ACCESSTOKEN}
    -> 200 {"oidcToken": "<JWT>"}

issued by ``https://vstoken.dev.azure.com/<organization id>`` with ``sub`` ``sc://ORG/PROJECT/CONNECTION``
and ``aud`` ``api://AzureADTokenExchange``.

Both endpoints check the bearer token (401 otherwise), count what they issue, and sign with a key of
their own (Entra ID, like a federated credential, trusts ``iss`` + ``sub`` + ``aud``).
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field

from foundry_cli.emulator.identity.directory import FEDERATED_AUDIENCE
from foundry_cli.emulator.jwt_sign import SigningKey
from foundry_cli.emulator.service import RecordedRequest, Reply

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
GITHUB_TOKEN_LIFETIME = 300  # seconds from iat to exp
GITHUB_NOT_BEFORE = 600  # seconds before iat (GitHub's documented example token)
PIPELINES_TOKEN_LIFETIME = 900
_GITHUB_PATH = re.compile(r"/_apis/distributedtask/hubs/Actions/plans/[^/]+/jobs/[^/]+/idtoken$")
_PIPELINES_PATH = re.compile(r"/_apis/distributedtask/hubs/build/plans/[^/]+/jobs/[^/]+/oidctoken$")
_JSON = "application/json; charset=utf-8"


def _json(status: int, payload: dict[str, object]) -> Reply:
    return Reply(status, json.dumps(payload, separators=(",", ":")).encode(), content_type=_JSON)


def _not_allowed(method: str) -> Reply:
    return _json(405, {"message": f"The requested resource does not support http method '{method}'."})


def _bearer(req: RecordedRequest) -> str | None:
    scheme, _, value = req.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


@dataclass
class GitHubJob:
    """What the job's ID token says: the repository, the ref or environment, and the lifetime."""

    repository: str = "octo-org/octo-repo"
    ref: str = "refs/heads/main"
    environment: str | None = None
    #: GitHub's immutable subject claims (default for repositories created after 2026-07-15)
    immutable: bool = False
    owner_id: str = "123456"
    repository_id: str = "456789"
    lifetime: int = GITHUB_TOKEN_LIFETIME
    #: a ``sub`` to use as it is (otherwise built from the fields above)
    subject_override: str | None = None

    @property
    def subject(self) -> str:
        if self.subject_override is not None:
            return self.subject_override
        owner, _, name = self.repository.partition("/")
        repo = f"{owner}@{self.owner_id}/{name}@{self.repository_id}" if self.immutable else self.repository
        context = f"environment:{self.environment}" if self.environment else f"ref:{self.ref}"
        return f"repo:{repo}:{context}"


@dataclass
class PipelinesJob:
    organization: str = "fabrikam"
    project: str = "ci"
    organization_id: str = "4c2d1b9e-0d8a-4f7e-9b0c-5a6e7f809112"
    #: service connection id -> its name (the last part of the subject)
    connections: dict[str, str] = field(
        default_factory=lambda: {"5b1e2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d": "foundry-ci"}
    )
    lifetime: int = PIPELINES_TOKEN_LIFETIME

    @property
    def issuer(self) -> str:
        return f"https://vstoken.dev.azure.com/{self.organization_id}"

    def subject(self, connection_id: str) -> str:
        return f"sc://{self.organization}/{self.project}/{self.connections[connection_id]}"


class CiOidc:
    """The GitHub Actions and Azure Pipelines OIDC endpoints of one emulator; thread-safe."""

    def __init__(self) -> None:
        self.github = GitHubJob()
        self.pipelines = PipelinesJob()
        self.github_request_token = "ghrt-" + secrets.token_urlsafe(24)
        self.pipelines_access_token = "adopat-" + secrets.token_urlsafe(24)
        self._plan, self._job = str(uuid.uuid4()), str(uuid.uuid4())
        self._lock = threading.Lock()
        self._key: SigningKey | None = None
        #: the ``jti`` of every token issued, oldest first (GitHub and Azure Pipelines)
        self.issued: list[str] = []

    @property
    def signing_key(self) -> SigningKey:
        with self._lock:
            if self._key is None:
                self._key = SigningKey()
            return self._key

    # --- what a runner puts in the job's environment -----------------------------------------------

    def github_env(self, base: str) -> dict[str, str]:
        """``ACTIONS_ID_TOKEN_REQUEST_URL`` / ``_TOKEN`` (and ``GITHUB_ACTIONS``) for ``base`` (https)."""
        url = (
            f"{base}/emulator0000/00000000-0000-0000-0000-000000000000/_apis/distributedtask/hubs/Actions"
            f"/plans/{self._plan}/jobs/{self._job}/idtoken?api-version=2.0"
        )
        return {
            "ACTIONS_ID_TOKEN_REQUEST_URL": url,
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": self.github_request_token,
            "GITHUB_ACTIONS": "true",
        }

    def pipelines_env(self, base: str) -> dict[str, str]:
        """``SYSTEM_OIDCREQUESTURI``, ``SYSTEM_ACCESSTOKEN``, ``AZURESUBSCRIPTION_SERVICE_CONNECTION_ID``
        (as an AzureCLI@2 task sets them) and ``TF_BUILD``."""
        job = self.pipelines
        uri = (
            f"{base}/{job.organization}/{uuid.uuid5(uuid.NAMESPACE_URL, job.project)}/_apis/distributedtask"
            f"/hubs/build/plans/{self._plan}/jobs/{self._job}/oidctoken"
        )
        return {
            "SYSTEM_OIDCREQUESTURI": uri,
            "SYSTEM_ACCESSTOKEN": self.pipelines_access_token,
            "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID": next(iter(job.connections)),
            "TF_BUILD": "True",
        }

    # --- requests ---------------------------------------------------------------------------------

    @staticmethod
    def matches(path: str) -> bool:
        return bool(_GITHUB_PATH.search(path) or _PIPELINES_PATH.search(path))

    def handle(self, req: RecordedRequest) -> Reply:
        if _GITHUB_PATH.search(req.path):
            return self._github(req)
        return self._pipelines(req)

    def _github(self, req: RecordedRequest) -> Reply:
        if req.method != "GET":
            return _not_allowed(req.method)
        if _bearer(req) != self.github_request_token:
            return _json(401, {"message": "Unauthorized: the ID token request token is not valid."})
        job = self.github
        owner = job.repository.partition("/")[0]
        now = int(time.time())
        claims: dict[str, object] = {
            "jti": str(uuid.uuid4()),
            "sub": job.subject,
            "aud": req.query.get("audience") or f"https://github.com/{owner}",
            "ref": job.ref,
            "sha": "d6cd1e2bd19e03a81132a23b2025920577f84e37",
            "repository": job.repository,
            "repository_owner": owner,
            "repository_owner_id": job.owner_id,
            "repository_id": job.repository_id,
            "repository_visibility": "private",
            "run_id": "6140927218",
            "run_number": "42",
            "run_attempt": "1",
            "actor": "octocat",
            "actor_id": "583231",
            "workflow": "CI",
            "event_name": "push",
            "ref_type": "branch",
            "job_workflow_ref": f"{job.repository}/.github/workflows/ci.yml@{job.ref}",
            "runner_environment": "github-hosted",
            "iss": GITHUB_ISSUER,
            "nbf": min(now - GITHUB_NOT_BEFORE, now + job.lifetime - GITHUB_TOKEN_LIFETIME),
            "iat": now,
            "exp": now + job.lifetime,
        }
        if job.environment:
            claims["environment"] = job.environment
        token = self._sign(claims)
        return _json(200, {"count": len(token), "value": token})

    def _pipelines(self, req: RecordedRequest) -> Reply:
        if req.method != "POST":
            return _not_allowed(req.method)
        if _bearer(req) != self.pipelines_access_token:
            return _json(401, {"message": "TF400813: The user is not authorized to access this resource."})
        job = self.pipelines
        connection = req.query.get("serviceConnectionId", "")
        if connection not in job.connections:
            return _json(
                404,
                {"message": f"Service connection {connection or '(none)'} was not found in {job.project}."},
            )
        now = int(time.time())
        claims: dict[str, object] = {
            "jti": str(uuid.uuid4()),
            "sub": job.subject(connection),
            "aud": FEDERATED_AUDIENCE,
            "iss": job.issuer,
            "nbf": now,
            "iat": now,
            "exp": now + job.lifetime,
        }
        return _json(200, {"oidcToken": self._sign(claims)})

    def _sign(self, claims: dict[str, object]) -> str:
        token = self.signing_key.sign(claims)
        with self._lock:
            self.issued.append(str(claims["jti"]))
        return token
