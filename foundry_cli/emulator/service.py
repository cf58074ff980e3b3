"""The emulated service's decisions: routing, auth, scenario faults, validation, answers.

``Service.handle`` turns one recorded request into a ``Reply`` (a complete response) or a
``StreamReply`` (an SSE stream, possibly with a mid-stream fault). It does no I/O, so the HTTP
layer in ``server.py`` stays mechanical.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Protocol

from foundry_cli.emulator import messages, responses
from foundry_cli.emulator import scenarios as sc
from foundry_cli.emulator.content import (
    answer_text,
    long_deltas,
    message_id,
    request_id,
    response_id,
    split_deltas,
    thinking_text,
)
from foundry_cli.emulator.files import FileCount, acknowledgement
from foundry_cli.emulator.model_rules import DEFAULT_MIN_CACHE_TOKENS, ModelRules, rules_for
from foundry_cli.emulator.sse import dumps
from foundry_cli.emulator.tokens import audience_ok, decode_claims, unexpired
from foundry_cli.emulator.wire import Answer, Breakpoint, EventStream, InvalidRequest, Prompt, as_dict

DEFAULT_API_KEY = "emulator-key-0123456789abcdef"  # fixed and obviously fake
#: deployments named after their model (the portal's default): a 2025 model first (the default that
#: most tests use), then models with the 2026 request rules (adaptive-only, always-on thinking)
DEFAULT_DEPLOYMENTS = (
    "claude-sonnet-4-5",
    "claude-haiku-4-5",
    "claude-opus-4-1",
    "claude-opus-4-7",
    "claude-opus-5-5",
    "claude-fable-5",
)
CACHE_TTL_SECONDS = {"5m": 300.0, "1h": 3600.0}

MESSAGES_PATH = "/anthropic/v1/messages"
COUNT_TOKENS_PATH = "/anthropic/v1/messages/count_tokens"
BATCH_ABOVE = 1000  # text deltas: longer streams are written in large chunks
_PROJECT_ROUTE = re.compile(r"/api/projects/([^/]+)/openai/(v1/)?responses")


Headers = tuple[tuple[str, str], ...]


class TokenIssuer(Protocol):
    """The identity side, as the data plane sees it (``identity.IdentityService``)."""

    def verify_access_token(self, token: str) -> dict[str, object] | None:
        """The claims of a token the emulator signed, else None."""
        ...

    def has_data_role(self, object_id: str) -> bool: ...


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the emulator received it (header names lower-cased)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    json: object | None


@dataclass(frozen=True)
class Reply:
    """A complete response. ``cut``: drop the connection mid-body; ``delay``: stall first."""

    status: int
    body: bytes = b""
    headers: Headers = ()
    content_type: str | None = "application/json"
    cut: bool = False
    delay: float = 0.0


@dataclass(frozen=True)
class StreamReply:
    """A 200 SSE stream; ``fault`` ("overloaded-midstream" | "stream-cut" | "stall") fires after
    ``after`` text deltas."""

    stream: EventStream
    headers: Headers
    fault: str | None = None
    after: int = 0
    stall_seconds: float = 0.0
    batch: bool = False


@dataclass(frozen=True)
class Route:
    kind: str  # "messages" | "count_tokens" | "responses" | "unknown"
    project: str | None = None
    v1: bool = False

    @property
    def anthropic(self) -> bool:
        return self.kind != "responses"


def match_route(method: str, path: str) -> Route | None:
    if method != "POST":
        return None
    if path == MESSAGES_PATH:
        return Route("messages")
    if path == COUNT_TOKENS_PATH:
        return Route("count_tokens")
    m = _PROJECT_ROUTE.fullmatch(path)
    if m:
        return Route("responses", project=m.group(1), v1=bool(m.group(2)))
    return None


@lru_cache(maxsize=8)
def _long(count: int) -> tuple[str, ...]:
    return tuple(long_deltas(count))


class Service:
    """Configuration plus the mutable scenario state (guarded by a lock)."""

    def __init__(
        self,
        *,
        api_key: str,
        deployments: tuple[str, ...],
        projects: tuple[str, ...],
        region: str,
        long_deltas: int,
        scenario: str,
    ) -> None:
        self.api_key = api_key
        self.deployments = tuple(deployments)
        self.projects = tuple(projects)
        self.region = region
        self.long_deltas = long_deltas
        self._lock = threading.Lock()
        self._scenario = sc.parse_scenario(scenario)
        self._counted = 0
        self.identity: TokenIssuer | None = None  # set by Emulator(identity=True): tokens must be signed
        #: deployment -> model name, where they differ (set by the Emulator; shared with its ARM side)
        self.deployment_models: Callable[[], dict[str, str]] = dict
        #: prompt cache: (deployment, prefix hash) -> (expires at, monotonic seconds; ttl)
        self._cache: dict[tuple[str, str], tuple[float, str]] = {}
        self.clock: Callable[[], float] = time.monotonic

    def model_of(self, deployment: str) -> str:
        """The model behind a deployment (its name, unless mapped)."""
        return self.deployment_models().get(deployment, deployment)

    def cache_usage(
        self, deployment: str, points: tuple[Breakpoint, ...], minimum: int
    ) -> tuple[int, int, int]:
        """Prompt-cache accounting for one request: (read, written 5m, written 1h) tokens.

        The longest breakpoint prefix already cached is read (and refreshed); every longer
        breakpoint prefix of at least ``minimum`` tokens is written, each segment with the TTL of
        the breakpoint that ends it. The cache lives as long as this emulator instance.
        """
        now = self.clock()
        with self._lock:
            hit = -1
            for i, point in enumerate(points):
                entry = self._cache.get((deployment, point.key))
                if point.tokens >= minimum and entry is not None and entry[0] > now:
                    hit = i
            read = points[hit].tokens if hit >= 0 else 0
            if hit >= 0:
                ttl = self._cache[(deployment, points[hit].key)][1]
                self._cache[(deployment, points[hit].key)] = (now + CACHE_TTL_SECONDS[ttl], ttl)
            written = {"5m": 0, "1h": 0}
            done = read
            for point in points[hit + 1 :]:
                if point.tokens < minimum or point.tokens <= done:
                    continue
                written[point.ttl] += point.tokens - done
                done = point.tokens
                self._cache[(deployment, point.key)] = (now + CACHE_TTL_SECONDS[point.ttl], point.ttl)
        return read, written["5m"], written["1h"]

    @property
    def scenario(self) -> sc.Scenario:
        with self._lock:
            return self._scenario

    def set_scenario(self, spec: str) -> None:
        parsed = sc.parse_scenario(spec)
        with self._lock:
            self._scenario = parsed
            self._counted = 0

    def _count(self) -> int:
        """Number this data-plane request (1-based) for rate-limit / overloaded."""
        with self._lock:
            self._counted += 1
            return self._counted

    # --- entry point ---------------------------------------------------------------------

    def handle(self, req: RecordedRequest) -> Reply | StreamReply:
        scenario = self.scenario
        rid = request_id()
        route = match_route(req.method, req.path)
        call = _Call(req, route or Route("unknown"), scenario, rid, self._headers(req, rid, scenario))
        if route is None or scenario.name == "endpoint-shape":
            return call.error(404, sc.API_NOT_SUPPORTED_BODY)
        if scenario.name == "html-proxy":  # a proxy in front of Azure: no Azure headers
            return Reply(502, sc.HTML_PROXY_BODY, content_type="text/html")
        return self._gate(call) or self._serve(call)

    def _headers(self, req: RecordedRequest, rid: str, scenario: sc.Scenario) -> Headers:
        out = [("apim-request-id", str(uuid.uuid4())), ("x-request-id", str(uuid.uuid4()))]
        out.append(("x-ms-region", sc.REGION_SCENARIO_REGION if scenario.name == "region" else self.region))
        client_id = req.headers.get("x-ms-client-request-id")
        if client_id is not None:
            out.append(("x-ms-client-request-id", client_id))
        if req.path.startswith("/anthropic"):
            out.append(("request-id", rid))
        return tuple(out)

    # --- auth, route parameters and fault scenarios, in the service's order ----------------

    def _gate(self, call: _Call) -> Reply | None:
        refused = self._auth(call)
        if refused is not None:
            return refused
        route = call.route
        if route.project is not None:
            if route.project not in self.projects or call.scenario.name == "project-not-found":
                return call.error(404, sc.PROJECT_NOT_FOUND_BODY)
            bad_version = _api_version(call)
            if bad_version is not None:
                return call.error(400, bad_version)
        elif "anthropic-version" not in call.req.headers:
            return call.invalid("anthropic-version: header is required")
        return self._counted_faults(call)

    def _auth(self, call: _Call) -> Reply | None:
        name, headers = call.scenario.name, call.req.headers
        if name == "key-invalid":
            return call.error(401, sc.KEY_INVALID_BODY)
        if name == "network-restricted":  # the firewall answers before any credential is looked at
            return call.error(403, sc.NETWORK_RESTRICTED_BODY)
        keys = [headers[h] for h in ("x-api-key", "api-key") if h in headers]
        if keys:
            if name == "key-auth-disabled":
                return call.error(403, sc.KEY_AUTH_DISABLED_BODY)
            if all(secrets.compare_digest(k.encode(), self.api_key.encode()) for k in keys):
                return None
            return call.error(401, sc.KEY_INVALID_BODY)
        authorization = headers.get("authorization", "").strip()
        anthropic = call.route.anthropic
        if not authorization and anthropic:
            return call.error(401, sc.KEY_INVALID_BODY)
        scheme, _, token = authorization.partition(" ")
        return self._bearer(call, token.strip() if scheme.lower() == "bearer" else None)

    def _bearer(self, call: _Call, token: str | None) -> Reply | None:
        """Entra ID tokens: signature (identity on), audience, expiry, then the data-plane role."""
        name = call.scenario.name
        if token is None:
            claims = None
        elif self.identity is not None:
            claims = self.identity.verify_access_token(token)
        else:
            claims = decode_claims(token)
        accepted = (sc.AUDIENCE_AI, sc.AUDIENCE_COGNITIVE) if call.route.anthropic else (sc.AUDIENCE_AI,)
        if name == "audience" or claims is None or not audience_ok(claims, accepted) or not unexpired(claims):
            return call.error(401, sc.audience_body(sc.AUDIENCE_AI))
        if name == "tenant-mismatch":
            return call.error(401, sc.TENANT_MISMATCH_BODY)
        oid = claims.get("oid")
        principal = oid if isinstance(oid, str) else ""
        lacks_role = self.identity is not None and not self.identity.has_data_role(principal)
        if name == "role-missing" or lacks_role:
            return call.error(401, _permission_denied(call, principal))
        return None

    def _counted_faults(self, call: _Call) -> Reply | None:
        name, param = call.scenario.name, call.scenario.param
        if name in ("rate-limit", "overloaded"):
            n = self._count()
            if param is not None and n > param:
                return None
            if name == "rate-limit":
                extra = (("retry-after", "1"), ("x-ratelimit-remaining-requests", "0"))
                return call.error(429, sc.RATE_LIMIT_BODY, extra)
            return call.error(529, sc.overloaded_body(call.rid))
        if name == "server-error":
            return Reply(500, b"", call.headers, content_type=None)
        if name == "garbage":
            return call.error(500, sc.GARBAGE_BODY)
        if name in ("deployment-not-found", "region"):  # no Claude deployment exists outside its regions
            return call.error(404, sc.DEPLOYMENT_NOT_FOUND_BODY)
        return None

    # --- body, validation and the answer -----------------------------------------------------

    def _serve(self, call: _Call) -> Reply | StreamReply:
        body = as_dict(call.req.json)
        anthropic = call.route.anthropic
        if body is None:
            return call.invalid(
                "There was an error parsing the body of your request: it must be a JSON object."
            )
        model = self._deployment(call, body)
        if isinstance(model, Reply):
            return model
        served = self.model_of(model)
        rules = rules_for(served)
        prompt = self._parse(call, body, model, served, rules)
        if isinstance(prompt, Reply):
            return prompt
        if call.scenario.name == "thinking-tools" and call.route.kind == "messages" and prompt.thinking:
            return call.invalid(sc.THINKING_TOOLS_MESSAGE)
        if prompt.breakpoints:
            prompt = self._cached(model, prompt, rules)
        if call.scenario.name == "refusal" and anthropic:  # HTTP 200, stop_reason refusal, no content
            answer = Answer((), (), stop_reason="refusal")
        else:
            answer = self.plan(prompt, call.scenario)
        return _stream_reply(call, prompt, answer) if prompt.stream else _json_reply(call, prompt, answer)

    def _deployment(self, call: _Call, body: dict[str, object]) -> str | Reply:
        """The body's model (a deployment here), or the 400/404 for a missing or unknown one and for
        the scenarios that refuse the request's size."""
        model = body.get("model")
        if not isinstance(model, str):
            return call.invalid(
                "model: Field required" if call.route.anthropic else "Missing required parameter: 'model'."
            )
        if model not in self.deployments:
            return call.error(404, sc.DEPLOYMENT_NOT_FOUND_BODY)
        if call.scenario.name == "max-tokens" and call.route.kind == "messages":
            return call.invalid(sc.MAX_TOKENS_MESSAGE)
        if call.scenario.name == "prompt-too-long" and call.route.kind == "messages":
            return call.invalid(sc.PROMPT_TOO_LONG_MESSAGE)
        return model

    def _parse(
        self, call: _Call, body: dict[str, object], model: str, served: str, rules: ModelRules | None
    ) -> Prompt | Reply:
        """The request as a Prompt in the route's format (for deployment ``model`` serving model
        ``served``), or the reply itself: the count for count_tokens, a 400 for an invalid request."""
        try:
            if call.route.kind == "count_tokens":
                return Reply(200, dumps(messages.count_tokens_body(body, rules)).encode(), call.headers)
            if call.route.anthropic:
                return messages.parse_request(body, served, rules)
            return responses.parse_request(body, model)
        except InvalidRequest as exc:
            return call.invalid(exc.message, exc.param)

    def _cached(self, deployment: str, prompt: Prompt, rules: ModelRules | None) -> Prompt:
        minimum = rules.min_cache_tokens if rules is not None else DEFAULT_MIN_CACHE_TOKENS
        read, w5, w1 = self.cache_usage(deployment, prompt.breakpoints, minimum)
        return replace(prompt, cache_read=read, cache_write_5m=w5, cache_write_1h=w1)

    def plan(self, prompt: Prompt, scenario: sc.Scenario) -> Answer:
        """The deltas for this prompt: thinking (when asked for) and the scenario's text."""
        thinking = split_deltas(thinking_text(prompt.last_user_text, prompt.turn)) if prompt.thinking else []
        if scenario.name == "long":
            text = _long(self.long_deltas if scenario.param is None else scenario.param)
        else:
            seen = acknowledgement(FileCount(prompt.images, prompt.documents))
            text = tuple(split_deltas(answer_text(prompt.last_user_text, prompt.turn, seen)))
        return Answer(tuple(thinking), text)


@dataclass(frozen=True)
class _Call:
    """One request in flight, with what every reply needs."""

    req: RecordedRequest
    route: Route
    scenario: sc.Scenario
    rid: str
    headers: Headers

    def error(self, status: int, body: bytes, extra: Headers = ()) -> Reply:
        return Reply(status, body, self.headers + extra)

    def invalid(self, message: str, param: str | None = None) -> Reply:
        """400 in the route's own style (Anthropic on /anthropic, OpenAI on Responses)."""
        if self.route.anthropic:
            return self.error(400, sc.anthropic_error_body("invalid_request_error", message, self.rid))
        return self.error(400, sc.openai_error_body(message, param))


def _permission_denied(call: _Call, principal: str) -> bytes:
    route = call.route
    path = call.req.path
    if route.project is not None:
        path = f"/api/projects/{{projectName}}/openai/{'v1/' if route.v1 else ''}responses"
    operation = f"{call.req.method} {path}"
    action = sc.PERMISSION_DENIED_ACTIONS[route.kind]
    return sc.permission_denied_body(principal, action, operation, project=route.project is not None)


def _api_version(call: _Call) -> bytes | None:
    version = call.req.query.get("api-version")
    forced = call.scenario.name == "api-version"
    if call.route.v1:
        return sc.API_VERSION_NOT_ALLOWED_BODY if version is not None or forced else None
    if version is None:
        return sc.API_VERSION_MISSING_BODY
    if version != sc.RESPONSES_API_VERSION or forced:
        return sc.API_VERSION_UNSUPPORTED_BODY
    return None


def _json_reply(call: _Call, prompt: Prompt, answer: Answer) -> Reply:
    name, param = call.scenario.name, call.scenario.param
    if name == "overloaded-midstream":
        return call.error(529, sc.overloaded_body(call.rid))
    if call.route.anthropic:
        payload = messages.message_body(prompt, answer, message_id())
    else:
        payload = responses.ResponseBuilder(prompt, answer, response_id()).response(True)
    stall = float(param or 0) if name == "stall" else 0.0
    return Reply(200, dumps(payload).encode(), call.headers, cut=name == "stream-cut", delay=stall)


def _stream_reply(call: _Call, prompt: Prompt, answer: Answer) -> StreamReply:
    stream: EventStream
    if call.route.anthropic:
        stream = messages.MessagesStream(prompt, answer, message_id())
    else:
        stream = responses.ResponseBuilder(prompt, answer, response_id())
    name, param = call.scenario.name, call.scenario.param
    total = len(answer.text)
    batch = total > BATCH_ABOVE
    if name == "overloaded-midstream":
        return StreamReply(stream, call.headers, name, min(sc.MIDSTREAM_ERROR_AFTER, total), batch=batch)
    if name == "stream-cut":
        return StreamReply(stream, call.headers, name, min(param or 0, total), batch=batch)
    if name == "stall":
        return StreamReply(stream, call.headers, name, min(sc.STALL_AFTER, total), float(param or 0), batch)
    return StreamReply(stream, call.headers, batch=batch)
