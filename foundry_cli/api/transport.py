"""HTTP client construction, retry policy and the redacting ``--debug`` trace.

The trace shows secret headers only as their length, passes every line through
:func:`foundry_cli.redact.scrub` (a gateway may reflect the key in a response header), and makes
every server-sent value (reason phrase, header values) one terminal-safe line.

Retries: 408/429/500/502/503/504/529 and connection failures, exponential backoff with
jitter (0.5 s x 2^n, capped at 8 s), ``retry-after-ms`` then ``retry-after`` honoured, and
never once the answer has started streaming (the caller only retries before a 2xx).
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from foundry_cli.config.endpoint import is_loopback
from foundry_cli.errors import ApiError, ConfigError
from foundry_cli.redact import scrub
from foundry_cli.sanitize import one_line

if TYPE_CHECKING:
    import httpx2

#: characters of one header value shown in the --debug trace
MAX_TRACE_VALUE = 2000
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 529})
SECRET_HEADERS = frozenset({"api-key", "x-api-key", "authorization", "ocp-apim-subscription-key", "cookie"})
SECRET_QUERY = re.compile(r"(key|sig|token|secret|code|password|assertion)", re.I)
MAX_RETRY_AFTER = 60.0  # a longer wait is reported, not slept through


@dataclass
class RetryPolicy:
    max_retries: int = 2
    base: float = 0.5
    cap: float = 8.0
    sleep: Callable[[float], None] = time.sleep
    rand: Callable[[], float] = random.random

    def delay(self, attempt: int, err: ApiError | None) -> float | None:
        """Seconds before retry ``attempt`` (0-based), or None when no retry should happen."""
        if attempt >= self.max_retries:
            return None
        if err is not None and err.retry_after is not None:
            return err.retry_after if err.retry_after <= MAX_RETRY_AFTER else None
        backoff = min(self.cap, self.base * (2.0**attempt))
        return backoff * (1 - 0.25 * self.rand())  # jitter: 75-100 % of the backoff


def redact_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for name, value in headers:
        if name.lower() in SECRET_HEADERS:
            scheme = value.split(" ", 1)[0] + " " if name.lower() == "authorization" and " " in value else ""
            value = f"{scheme}[redacted {len(value) - len(scheme)} chars]"
        out.append((name, value))
    return out


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = [(k, "[redacted]" if SECRET_QUERY.search(k) else v) for k, v in parse_qsl(parts.query, True)]
    return urlunsplit(parts._replace(query=urlencode(query, safe="[]")))


def check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and is_loopback(parts.hostname or "")):
        raise ConfigError(
            f"Refusing to send credentials over {parts.scheme}: {redact_url(url)}", row="endpoint-shape"
        )


def make_client(
    *,
    connect_timeout: float,
    read_timeout: float,
    transport: httpx2.BaseTransport | None = None,
    debug: Callable[[str], None] | None = None,
) -> httpx2.Client:
    import httpx2

    hooks: dict[str, list[Callable[..., None]]] = {"request": [], "response": []}
    if debug is not None:

        def trace(lines: list[str]) -> None:
            debug(scrub("\n".join(lines)))

        def on_request(request: httpx2.Request) -> None:
            lines = [f"> {request.method} {redact_url(str(request.url))}"]
            lines += [f"> {k}: {_shown(v)}" for k, v in redact_headers(request.headers.items())]
            trace(lines)

        def on_response(response: httpx2.Response) -> None:
            lines = [f"< HTTP {response.status_code} {_shown(response.reason_phrase)}"]
            lines += [f"< {_shown(k)}: {_shown(v)}" for k, v in redact_headers(response.headers.items())]
            trace(lines)

        hooks["request"].append(on_request)
        hooks["response"].append(on_response)
    return httpx2.Client(
        timeout=httpx2.Timeout(
            connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout
        ),
        transport=transport,
        event_hooks=hooks,
        follow_redirects=False,
        headers={"user-agent": _user_agent()},
    )


def _shown(value: str) -> str:
    """A header name or value for the trace: scrubbed, then one terminal-safe bounded line."""
    return one_line(scrub(value), MAX_TRACE_VALUE)


def _user_agent() -> str:
    import platform

    from foundry_cli import __version__

    return f"fclaude/{__version__} python/{platform.python_version()}"
