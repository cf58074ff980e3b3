"""``FoundryClient``: one request, both wire formats, as a stream of wire-neutral events."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from foundry_cli.api import messages, responses
from foundry_cli.api.error_body import parse_error, region_from, request_id_from
from foundry_cli.api.transport import RETRY_STATUSES, RetryPolicy, check_url, make_client, redact_url
from foundry_cli.api.types import (
    ApiFormat,
    Credential,
    Request,
    ResponseMeta,
    Result,
    Started,
    Stop,
    StreamEvent,
    TextDelta,
    ThinkingBlock,
    ThinkingDelta,
    ThinkingSignature,
    ThinkingStart,
    UsageUpdate,
)
from foundry_cli.config.endpoint import Endpoint
from foundry_cli.errors import ApiError, ConfigError, NetworkError, StreamInterrupted, UsageError
from foundry_cli.sanitize import one_line

if TYPE_CHECKING:
    import httpx2

MAX_ERROR_BODY = 1024 * 1024
#: characters of answer text (and thinking) per requested output token before a stream is cut off:
#: a token is a few characters; a server that never stops must not fill memory and history
CHARS_PER_TOKEN_BOUND = 32
#: the absolute bound on an answer's text, whatever max_tokens says
MAX_ANSWER_CHARS = 64 * 1024 * 1024

#: called before each retry sleep: (the error that caused it, seconds to wait, retry number)
OnRetry = Callable[[ApiError, float, int], None]


@dataclass
class ClientConfig:
    endpoint: Endpoint
    api: ApiFormat
    project: str | None = None
    api_version: str = "2025-11-15-preview"
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    #: seconds for one answer from sending to its last event, retries included; 0 = no limit
    total_timeout: float = 0.0


_USAGE_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_creation_input_tokens",
    "cache_creation_5m",
    "cache_creation_1h",
    "cache_read_input_tokens",
)


class Answer:
    """One request's answer (llm's ``Response`` is the model).

    Iterate it for the wire-neutral :data:`StreamEvent` s; each one is folded into :attr:`result` as
    it passes (text, thinking, model, usage, stop reason), and the HTTP response's request id, region
    and headers are in :attr:`meta` as soon as it opens. So after a cut stream, an error or Ctrl-C the
    caller still holds everything that arrived: nothing travels on exceptions or on the client.

    Iteration raises ``ApiError``/``NetworkError`` before the first event (nothing was shown yet) and
    ``StreamInterrupted`` after it (a cut, a stall, an error event, a malformed event, the answer
    passing its size bound, or the total timeout); ``result.incomplete`` stays True unless the
    terminal event arrived.
    """

    def __init__(
        self,
        request: Request,
        *,
        api: str,
        events: Callable[[Answer], Iterator[StreamEvent]],
        clock: Callable[[], float] = time.perf_counter,
        total_timeout: float = 0.0,
    ) -> None:
        self.request = request
        self.meta: ResponseMeta | None = None
        #: True once a text or thinking event arrived (output may have been shown)
        self.started = False
        self._events = events
        self._clock = clock
        self._start = clock()
        self._deadline = self._start + total_timeout if total_timeout > 0 else None
        self._limit = min(max(request.max_tokens, 1024) * CHARS_PER_TOKEN_BOUND, MAX_ANSWER_CHARS)
        self._chars = 0
        self._text: list[str] = []
        self._thinking: list[list[str]] = []
        self._signatures: list[str] = []
        self._result = Result(api=api, deployment=request.deployment, incomplete=True)
        self._iterated = False
        self._source: Iterator[StreamEvent] | None = None

    # -- the stream --------------------------------------------------------------------------

    def __iter__(self) -> Iterator[StreamEvent]:
        if self._iterated:
            raise RuntimeError("an Answer is iterated once")
        self._iterated = True
        self._source = self._events(self)
        try:
            for ev in self._source:
                self._fold(ev)
                yield ev
                self._check_bounds()
        finally:
            self.close()

    def close(self) -> None:
        """Stop reading: the HTTP response is closed (idempotent; iteration ends with it)."""
        source, self._source = self._source, None
        close = getattr(source, "close", None)
        if close is not None:
            close()  # a generator source closes its HTTP response in its ``finally``
        if self._result.total_ms is None and self._iterated:
            self._result.total_ms = (self._clock() - self._start) * 1000

    def complete(self) -> Result:
        """Read the whole answer (no rendering) and return :attr:`result`."""
        for _ in self:
            pass
        return self.result

    def opened(self, meta: ResponseMeta) -> None:
        """Called by the client when the HTTP response (2xx or not) arrives."""
        self.meta = meta
        self._result.request_id, self._result.region = meta.request_id, meta.region

    def check_deadline(self, what: str) -> None:
        """Raise when the total timeout has passed (called between attempts and events)."""
        if self._deadline is None or self._clock() < self._deadline:
            return
        limit = self._deadline - self._start
        message = f"no complete answer within {limit:g} s (FCLAUDE_TIMEOUT / `timeout`) while {what}."
        if self.started:
            raise StreamInterrupted(f"The answer was stopped: {message}")
        raise NetworkError(message[0].upper() + message[1:], status=0, code="Timeout")

    @property
    def result(self) -> Result:
        """Everything that arrived so far, assembled."""
        r = self._result
        r.text = "".join(self._text)
        r.thinking = [
            ThinkingBlock("".join(t), s) for t, s in zip(self._thinking, self._signatures, strict=True)
        ]
        if r.total_ms is None:  # still open: the time so far
            return dataclasses.replace(r, total_ms=(self._clock() - self._start) * 1000)
        return r

    # -- folding -------------------------------------------------------------------------------

    def _fold(self, ev: StreamEvent) -> None:
        if isinstance(ev, TextDelta | ThinkingDelta | ThinkingStart | ThinkingSignature):
            self._fold_content(ev)
            return
        r = self._result
        if isinstance(ev, Started):
            r.model = ev.model or r.model
        elif isinstance(ev, UsageUpdate):
            for name in _USAGE_FIELDS:  # cumulative: a field the event leaves None keeps its value
                value = getattr(ev, name)
                if value is not None:
                    setattr(r.usage, name, value)
        elif isinstance(ev, Stop):
            r.stop_reason = ev.reason
            r.incomplete = ev.incomplete

    def _fold_content(self, ev: TextDelta | ThinkingDelta | ThinkingStart | ThinkingSignature) -> None:
        if isinstance(ev, TextDelta | ThinkingDelta):
            if not self.started:
                self.started = True
                self._result.first_token_ms = (self._clock() - self._start) * 1000
            self._chars += len(ev.text)
        if isinstance(ev, TextDelta):
            self._text.append(ev.text)
        elif isinstance(ev, ThinkingStart):
            self._thinking.append([])
            self._signatures.append("")
        elif isinstance(ev, ThinkingDelta):
            if not self._thinking:
                self._fold_content(ThinkingStart())
            self._thinking[-1].append(ev.text)
        elif self._signatures:  # a ThinkingSignature
            self._signatures[-1] += ev.signature

    def _check_bounds(self) -> None:
        if self._chars > self._limit:
            raise StreamInterrupted(
                f"The answer passed {self._limit:,} characters, far beyond max_tokens "
                f"({self.request.max_tokens}); fclaude stopped reading (a server that does not stop)."
            )
        self.check_deadline("reading the answer")


class FoundryClient:
    """Sends requests to one endpoint with one credential; :meth:`send` returns an :class:`Answer`."""

    def __init__(
        self,
        config: ClientConfig,
        credential: Credential,
        *,
        retry: RetryPolicy | None = None,
        transport: httpx2.BaseTransport | None = None,
        debug: Callable[[str], None] | None = None,
        on_retry: OnRetry | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.config = config
        self.credential = credential
        self._clock = clock
        self.retry = retry or RetryPolicy()
        self.on_retry = on_retry
        self._debug = debug
        self._http = make_client(
            connect_timeout=config.connect_timeout,
            read_timeout=config.read_timeout,
            transport=transport,
            debug=debug,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> FoundryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- request construction ------------------------------------------------------------

    def url(self) -> tuple[str, dict[str, str]]:
        """Full URL and query for the configured wire format.

        Raises:
            ConfigError: Responses without a project.
        """
        root = self.config.endpoint.root
        if self.config.api == "messages":
            return root + messages.PATH, {}
        if not self.config.project:
            raise ConfigError(
                "The Responses API needs a project: set `project` in the profile, FCLAUDE_PROJECT, or use "
                "the project endpoint https://RES.services.ai.azure.com/api/projects/PROJECT.",
                row="endpoint-shape",
            )
        path, query = responses.path_and_query(self.config.project, self.config.api_version)
        return root + path, query

    def _build(self, req: Request, *, count: bool = False) -> httpx2.Request:
        url, query = self.url()
        check_url(url)
        body = messages.build_body(req) if self.config.api == "messages" else responses.build_body(req)
        if count:  # count_tokens takes the message body without what only generation uses
            url += "/count_tokens"
            for key in ("max_tokens", "stream", "temperature", "top_p", "top_k"):
                body.pop(key, None)
        headers = {
            "content-type": "application/json",
            "accept": "text/event-stream" if req.stream else "application/json",
        }
        if self.config.api == "messages":
            headers.update(messages.headers())
        headers.update(self.credential.headers(self.config.api))
        return self._http.build_request(
            "POST", url, params=query, headers=headers, content=json.dumps(body).encode()
        )

    # -- sending -------------------------------------------------------------------------

    def send(self, req: Request) -> Answer:
        """The answer to ``req``; nothing is sent until it is iterated.

        Raises (while iterating): see :class:`Answer`; also ConfigError when the endpoint cannot
        carry this request.
        """
        return Answer(
            req,
            api=self.config.api,
            events=self._stream,
            clock=self._clock,
            total_timeout=self.config.total_timeout,
        )

    def count_tokens(self, req: Request) -> int:
        """The prompt's size in tokens (``POST /anthropic/v1/messages/count_tokens``; Messages only).

        Raises:
            UsageError: a Responses profile (counting is a Messages API route; exit 2).
            ApiError/NetworkError: as for :meth:`send`, with the same retries.
        """
        if self.config.api != "messages":
            raise UsageError(
                "Counting tokens is a Messages API route (/anthropic/v1/messages/count_tokens); this "
                "profile uses the Responses API: pass --api messages."
            )
        answer = Answer(req, api="messages", events=lambda a: iter(()), clock=self._clock)
        response = self._open(req, answer, count=True)
        try:
            raw = _read_bounded(response)
        finally:
            response.close()
        try:
            doc = json.loads(raw)
        except (ValueError, RecursionError):
            doc = None
        tokens = doc.get("input_tokens") if isinstance(doc, dict) else None
        if not isinstance(tokens, int) or isinstance(tokens, bool) or tokens < 0:
            raise ApiError(
                "The token count response has no input_tokens number.", status=response.status_code
            )
        return tokens

    def _open(self, req: Request, answer: Answer, *, count: bool = False) -> httpx2.Response:
        """Send until a 2xx arrives; retry only here, before any output exists."""
        import httpx2

        attempt = 0
        reauthed = False
        while True:
            answer.check_deadline("waiting for the service")
            request = self._build(req, count=count)
            try:
                response = self._http.send(request, stream=True)
            except httpx2.TransportError as exc:
                net = _network_error(exc, str(request.url))
                delay = self.retry.delay(attempt, None) if _retryable_network(exc) else None
                if delay is None:
                    raise net from None
                self._wait(net, delay, attempt)
                attempt += 1
                continue
            headers = {k.lower(): v for k, v in response.headers.items()}
            answer.opened(
                ResponseMeta(
                    status=response.status_code,
                    request_id=request_id_from(headers),
                    region=region_from(headers),
                    headers=tuple(headers.items()),
                )
            )
            if response.status_code < 300:  # a 3xx is an error too: redirects are never followed
                return response
            try:
                body = _read_bounded(response)
            except httpx2.TransportError:
                body = b""
            finally:
                response.close()
            err = parse_error(response.status_code, headers, body)
            if response.status_code == 401 and not reauthed and self.credential.invalidate():
                reauthed = True  # a token expired under us: fetch a fresh one once
                continue
            retry_ok = response.status_code in RETRY_STATUSES and headers.get("x-should-retry") != "false"
            delay = self.retry.delay(attempt, err) if retry_ok else None
            if delay is None:
                raise err
            self._wait(err, delay, attempt)
            attempt += 1

    def _wait(self, err: ApiError, delay: float, attempt: int) -> None:
        if self.on_retry is not None:
            self.on_retry(err, delay, attempt + 1)
        self.retry.sleep(delay)

    def _stream(self, answer: Answer) -> Iterator[StreamEvent]:
        """The events of one answer; the producer behind :class:`Answer`."""
        import httpx2

        response = self._open(answer.request, answer)
        try:
            ctype = response.headers.get("content-type", "")
            if "text/event-stream" not in ctype:
                # non-streaming, or a gateway that buffered a streamed answer into JSON
                raw = _read_bounded(response, limit=64 * 1024 * 1024)
                yield from self._parse_json(raw, response.status_code)
                return
            yield from self._sse(response, answer)
        except ApiError as exc:  # an error event inside a 200 stream
            exc.request_id = exc.request_id or (answer.meta.request_id if answer.meta else None)
            if not answer.started:
                raise
            raise StreamInterrupted(f"The service sent an error mid-stream: {exc}", cause=exc) from None
        except httpx2.TransportError as exc:
            err = _network_error(exc, str(response.request.url))
            raise StreamInterrupted(f"The stream broke off: {err.message}", cause=err) from None
        except httpx2.SSEError as exc:
            raise StreamInterrupted(f"The event stream was malformed ({exc}).") from None
        finally:
            response.close()

    def _sse(self, response: httpx2.Response, answer: Answer) -> Iterator[StreamEvent]:
        import httpx2

        parser: messages.StreamParser | responses.StreamParser = (
            messages.StreamParser() if self.config.api == "messages" else responses.StreamParser()
        )
        stopped = False
        for sse in httpx2.EventSource(response):
            answer.check_deadline("reading the answer")
            if not sse.data or sse.data == "[DONE]":
                continue
            try:
                data = json.loads(sse.data)
            except (ValueError, RecursionError):
                if self._debug:
                    self._debug(f"! ignored a non-JSON event {one_line(sse.event, 40)!r}")
                continue
            if not isinstance(data, dict):
                continue
            for ev in parser.feed(sse.event, data):
                stopped = stopped or isinstance(ev, Stop)
                yield ev
        if not stopped:
            raise StreamInterrupted("The stream ended before the answer was complete (no terminal event).")

    def _parse_json(self, raw: bytes, status: int) -> Iterator[StreamEvent]:
        try:
            doc = json.loads(raw)
        except (ValueError, RecursionError):
            raise ApiError(
                f"Expected JSON or an event stream, got {len(raw)} bytes of something else.", status=status
            ) from None
        if not isinstance(doc, dict):
            raise ApiError("Expected a JSON object in the response.", status=status)
        yield from (messages.parse_body(doc) if self.config.api == "messages" else responses.parse_body(doc))


def _read_bounded(response: httpx2.Response, limit: int = MAX_ERROR_BODY) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)


#: RemoteProtocolError texts that mean the connection ended early (worth a retry), as opposed to a
#: response fclaude cannot read at all (oversized or malformed status line or headers)
_DISCONNECTS = ("disconnect", "closed", "incomplete", "without sending", "reset")


def _unreadable_response(exc: Exception) -> bool:
    import httpx2

    text = str(exc).lower()
    return isinstance(exc, httpx2.RemoteProtocolError) and not any(d in text for d in _DISCONNECTS)


#: the resolver's "no such name" (Linux, macOS, Windows): final, unlike "temporary failure in name
#: resolution", which a second attempt may cure
_NO_SUCH_HOST = ("name or service not known", "nodename nor servname", "getaddrinfo failed", "no such host")


def _retryable_network(exc: Exception) -> bool:
    """Whether a transport failure may heal on a second attempt.

    Not: TLS trust problems; a request the HTTP library refused to send (``LocalProtocolError``,
    e.g. a header value with a line break: it would fail the same way, and its text holds the value);
    a response fclaude cannot read (oversized or malformed headers: the server would send it again).
    """
    import httpx2

    if isinstance(exc, httpx2.LocalProtocolError) or _unreadable_response(exc):
        return False
    text = str(exc).lower()
    if any(word in text for word in _NO_SUCH_HOST):
        return False  # a name that does not exist will not exist in a second either
    return "certificate" not in text and "ssl" not in text  # TLS trust problems do not heal by retrying


def _network_error(exc: Exception, url: str) -> ApiError:
    """The error for a transport failure: a NetworkError, except for a response that arrived but
    cannot be read (oversized or malformed headers), which is the server's or a gateway's fault, not
    the network's (so no DNS/TLS/proxy advice). Its text never holds a request header value (a local
    protocol error quotes the offending value: it may be a key), and server bytes quoted by the HTTP
    library are made safe like any server text."""
    import httpx2

    from foundry_cli.api.error_body import server_text

    if isinstance(exc, httpx2.LocalProtocolError):
        return NetworkError(
            "the HTTP library refused to send the request (a header value with a line break, a control "
            f"or a non-ASCII character; the value is not shown) for {redact_url(url)}.",
            status=0,
            code=type(exc).__name__,
        )
    if _unreadable_response(exc):
        return ApiError(
            f"the server's response could not be read ({server_text(str(exc), 200)}: oversized or malformed "
            f"status line or headers, from a misbehaving server or gateway, not a network setup problem) "
            f"for {redact_url(url)}.",
            status=0,
            code="UnreadableResponse",
            row="service-error",
        )
    what = {
        httpx2.ConnectTimeout: "connecting timed out",
        httpx2.ReadTimeout: "no data arrived within the read timeout (a stalled connection)",
        httpx2.WriteTimeout: "sending the request timed out",
        httpx2.PoolTimeout: "no connection became free in time",
        httpx2.ConnectError: "could not connect",
        httpx2.RemoteProtocolError: "the server closed the connection mid-response",
        httpx2.ProxyError: "the proxy refused the connection",
    }
    label = next((v for k, v in what.items() if isinstance(exc, k)), "network error")
    detail = server_text(str(exc), 300) or type(exc).__name__
    return NetworkError(f"{label} ({detail}) for {redact_url(url)}.", status=0, code=type(exc).__name__)


def result_json(r: Result, *, cost_usd: float | None = None) -> dict[str, Any]:
    """The stable ``--json`` schema of ``ask`` (``usage`` carries the cache fields too; ``cost_usd`` is
    a list-price estimate, null when the price is unknown)."""
    return {
        "text": r.text,
        "thinking": "\n\n".join(t.text for t in r.thinking) or None,
        "model": r.model,
        "deployment": r.deployment,
        "api": r.api,
        "stop_reason": r.stop_reason,
        "usage": r.usage.as_json(),
        "cost_usd": None if cost_usd is None else round(cost_usd, 6),
        "request_id": r.request_id,
        "region": r.region,
        "latency_ms": {
            "first_token": None if r.first_token_ms is None else round(r.first_token_ms, 1),
            "total": None if r.total_ms is None else round(r.total_ms, 1),
        },
        "incomplete": r.incomplete,
    }
