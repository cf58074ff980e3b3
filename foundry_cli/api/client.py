"""``FoundryClient``: one request, both wire formats, as a stream of wire-neutral events."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from foundry_cli.api import messages, responses
from foundry_cli.api.error_body import parse_error, request_id_from
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
from foundry_cli.errors import ApiError, ConfigError, NetworkError, StreamInterrupted

if TYPE_CHECKING:
    import httpx2

MAX_ERROR_BODY = 1024 * 1024

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


class FoundryClient:
    def __init__(
        self,
        config: ClientConfig,
        credential: Credential,
        *,
        retry: RetryPolicy | None = None,
        transport: httpx2.BaseTransport | None = None,
        debug: Callable[[str], None] | None = None,
        on_retry: OnRetry | None = None,
    ) -> None:
        self.config = config
        self.credential = credential
        self.retry = retry or RetryPolicy()
        self.on_retry = on_retry
        self.meta: ResponseMeta | None = None
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

    def _build(self, req: Request) -> httpx2.Request:
        url, query = self.url()
        check_url(url)
        body = messages.build_body(req) if self.config.api == "messages" else responses.build_body(req)
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

    def _open(self, req: Request) -> httpx2.Response:
        """Send until a 2xx arrives; retry only here, before any output exists."""
        import httpx2

        attempt = 0
        reauthed = False
        while True:
            request = self._build(req)
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
            self.meta = ResponseMeta(
                status=response.status_code,
                request_id=request_id_from(headers),
                region=headers.get("x-ms-region"),
                headers=tuple(headers.items()),
            )
            if response.status_code < 400:
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

    def events(self, req: Request) -> Iterator[StreamEvent]:
        """Send ``req`` and yield its events (streamed or not).

        Raises:
            ApiError / NetworkError: before the first event (nothing was shown yet).
            StreamInterrupted: after events began: a cut, a stall, or an error event.
            ConfigError: the endpoint cannot carry this request.
        """
        import httpx2

        response = self._open(req)
        started = False
        try:
            ctype = response.headers.get("content-type", "")
            if "text/event-stream" not in ctype:
                # non-streaming, or a gateway that buffered a streamed answer into JSON
                raw = _read_bounded(response, limit=64 * 1024 * 1024)
                yield from self._parse_json(raw)
                return
            parser: messages.StreamParser | responses.StreamParser = (
                messages.StreamParser() if self.config.api == "messages" else responses.StreamParser()
            )
            stopped = False
            for sse in httpx2.EventSource(response):
                if not sse.data or sse.data == "[DONE]":
                    continue
                try:
                    data = json.loads(sse.data)
                except ValueError:
                    if self._debug:
                        self._debug(f"! ignored a non-JSON event {sse.event!r}")
                    continue
                if not isinstance(data, dict):
                    continue
                for ev in parser.feed(sse.event, data):
                    started = True
                    stopped = stopped or isinstance(ev, Stop)
                    yield ev
            if not stopped:
                raise StreamInterrupted(
                    "The stream ended before the answer was complete (no terminal event)."
                )
        except ApiError as exc:  # an error event inside a 200 stream
            exc.request_id = exc.request_id or (self.meta.request_id if self.meta else None)
            if not started:
                raise
            raise StreamInterrupted(f"The service sent an error mid-stream: {exc}", cause=exc) from None
        except httpx2.TransportError as exc:
            err = _network_error(exc, str(response.request.url))
            raise StreamInterrupted(f"The stream broke off: {err.message}", cause=err) from None
        finally:
            response.close()

    def _parse_json(self, raw: bytes) -> Iterator[StreamEvent]:
        try:
            doc = json.loads(raw)
        except ValueError:
            status = self.meta.status if self.meta else 200
            raise ApiError(
                f"Expected JSON or an event stream, got {len(raw)} bytes of something else.", status=status
            ) from None
        if not isinstance(doc, dict):
            raise ApiError(
                "Expected a JSON object in the response.", status=self.meta.status if self.meta else 200
            )
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


def _retryable_network(exc: Exception) -> bool:
    text = str(exc).lower()
    return "certificate" not in text and "ssl" not in text  # TLS trust problems do not heal by retrying


def _network_error(exc: Exception, url: str) -> NetworkError:
    import httpx2

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
    detail = str(exc) or type(exc).__name__
    return NetworkError(f"{label} ({detail}) for {redact_url(url)}.", status=0, code=type(exc).__name__)


class ResultBuilder:
    """Folds events into a :class:`Result`, timing first token and total from ``start``."""

    def __init__(self, *, api: str, deployment: str, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        self._start = clock()
        self._text: list[str] = []
        self._thinking: list[list[str]] = []
        self._signatures: list[str] = []
        self.result = Result(api=api, deployment=deployment, incomplete=True)

    def feed(self, ev: StreamEvent) -> None:
        r = self.result
        if isinstance(ev, TextDelta | ThinkingDelta) and r.first_token_ms is None:
            r.first_token_ms = (self._clock() - self._start) * 1000
        if isinstance(ev, TextDelta):
            self._text.append(ev.text)
        elif isinstance(ev, ThinkingStart):
            self._thinking.append([])
            self._signatures.append("")
        elif isinstance(ev, ThinkingDelta):
            if not self._thinking:
                self.feed(ThinkingStart())
            self._thinking[-1].append(ev.text)
        elif isinstance(ev, ThinkingSignature) and self._signatures:
            self._signatures[-1] += ev.signature
        elif isinstance(ev, Started):
            r.model = ev.model or r.model
        elif isinstance(ev, UsageUpdate):
            r.usage.input_tokens = ev.input_tokens if ev.input_tokens is not None else r.usage.input_tokens
            r.usage.output_tokens = (
                ev.output_tokens if ev.output_tokens is not None else r.usage.output_tokens
            )
        elif isinstance(ev, Stop):
            r.stop_reason = ev.reason
            r.incomplete = ev.incomplete

    def finish(self, meta: ResponseMeta | None) -> Result:
        r = self.result
        r.text = "".join(self._text)
        r.thinking = [
            ThinkingBlock("".join(t), s) for t, s in zip(self._thinking, self._signatures, strict=True)
        ]
        r.total_ms = (self._clock() - self._start) * 1000
        if meta is not None:
            r.request_id, r.region = meta.request_id, meta.region
        return r


def result_json(r: Result) -> dict[str, Any]:
    """The stable ``--json`` schema of ``ask``."""
    return {
        "text": r.text,
        "thinking": "\n\n".join(t.text for t in r.thinking) or None,
        "model": r.model,
        "deployment": r.deployment,
        "api": r.api,
        "stop_reason": r.stop_reason,
        "usage": {"input_tokens": r.usage.input_tokens, "output_tokens": r.usage.output_tokens},
        "request_id": r.request_id,
        "region": r.region,
        "latency_ms": {
            "first_token": None if r.first_token_ms is None else round(r.first_token_ms, 1),
            "total": None if r.total_ms is None else round(r.total_ms, 1),
        },
        "incomplete": r.incomplete,
    }
