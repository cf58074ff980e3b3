"""A hostile HTTP server on 127.0.0.1: it answers exactly the bytes a test scripts.

The emulator speaks Foundry's protocol correctly; this server does not have to. A test queues
:class:`Reply` objects and the server sends them in order (the last one again once the queue is
empty), byte for byte: any status and reason, header values with control characters or megabytes
long, raw bodies that are not JSON or not UTF-8, SSE chunks split anywhere, a pause before each
chunk, a connection held open until the test releases it, or a whole raw response. It can also act
as a gateway that echoes the request's headers into its error body or its response headers (the
way a misconfigured proxy leaks a key). Every request it receives is recorded.

Use the ``hostile`` fixture (registered in tests/conftest.py)::

    hostile.script(Reply(status=400, echo_headers=True))
    r = fclaude("ask", "hi", FCLAUDE_ENDPOINT=hostile.base_url)
"""

from __future__ import annotations

import contextlib
import json
import socket
import socketserver
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import pytest

__all__ = ["HostileServer", "Reply", "Seen", "hostile", "sse"]

_REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 400: "Bad Request", 401: "Unauthorized"}


def sse(*events: dict[str, object] | str) -> bytes:
    """Server-sent events: a dict becomes ``event: <type>`` + ``data: <json>``; a str is sent as is."""
    out = []
    for ev in events:
        if isinstance(ev, str):
            out.append(ev)
        else:
            out.append(f"event: {ev.get('type', 'message')}\ndata: {json.dumps(ev)}\n\n")
    return "".join(out).encode()


@dataclass
class Reply:
    """One scripted response. Header values are ``str`` (sent as UTF-8, unchecked) or raw bytes."""

    status: int = 200
    headers: Sequence[tuple[str, str | bytes]] = ()
    body: bytes = b""
    #: sent one by one after the headers (no content-length; the body ends when the connection
    #: closes); ``body`` is sent first if given
    chunks: Sequence[bytes] = ()
    #: seconds to wait before each chunk (a slow server); tests never wait on this themselves
    delay: float = 0.0
    #: a gateway's 400-style JSON error body quoting every request header (name: value)
    echo_headers: bool = False
    #: every request header reflected back as a response header ``x-echo-<name>``
    reflect_headers: bool = False
    #: keep the connection open after the last chunk until this is set (or the server stops)
    hold: threading.Event | None = None
    #: the whole response, status line included, sent as is (everything above is ignored)
    raw: bytes | None = None
    reason: str | None = None


@dataclass
class Seen:
    """A request the server received."""

    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


@dataclass
class _State:
    queue: list[Reply] = field(default_factory=list)
    last: Reply = field(default_factory=Reply)
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Condition = field(default_factory=threading.Condition)


def _echo_body(seen: Seen) -> bytes:
    quoted = "; ".join(f"{k}: {v}" for k, v in seen.headers)
    message = f"Request header validation failed. Received headers: {quoted}"
    return json.dumps({"error": {"code": "BadRequest", "message": message}}).encode()


def _encode(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "surrogateescape")


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        state = self.server.state
        seen = self._read_request()
        if seen is None:
            return
        with state.lock:
            state.seen.append(seen)
            reply = state.queue.pop(0) if state.queue else state.last
            state.last = reply
        with state.arrived:
            state.arrived.notify_all()
        with contextlib.suppress(OSError):  # the client went away: that is its right
            self._send(reply, seen, state)

    def _read_request(self) -> Seen | None:
        line = self.rfile.readline(65536)
        if not line:
            return None
        method, _, rest = line.decode("latin-1").partition(" ")
        path = rest.rsplit(" ", 1)[0]
        headers: list[tuple[str, str]] = []
        while True:
            raw = self.rfile.readline(65536)
            if raw in (b"\r\n", b"\n", b""):
                break
            name, _, value = raw.decode("utf-8", "replace").partition(":")
            headers.append((name.strip(), value.strip()))
        length = next((int(v) for k, v in headers if k.lower() == "content-length"), 0)
        body = self.rfile.read(length) if length else b""
        return Seen(method, path, headers, body)

    def _send(self, reply: Reply, seen: Seen, state: _State) -> None:
        out = self.wfile
        if reply.raw is not None:
            out.write(reply.raw)
            out.flush()
            return
        body = _echo_body(seen) if reply.echo_headers else reply.body
        status = 400 if reply.echo_headers and reply.status == 200 else reply.status
        reason = reply.reason if reply.reason is not None else _REASONS.get(status, "Status")
        head = [f"HTTP/1.1 {status} {reason}".encode()]
        names = {k.lower() for k, _ in reply.headers}
        head += [k.encode() + b": " + _encode(v) for k, v in reply.headers]
        if reply.reflect_headers:
            head += [f"x-echo-{k}: {v}".encode("utf-8", "replace") for k, v in seen.headers]
        if reply.echo_headers and "content-type" not in names:
            head.append(b"content-type: application/json")
        if not reply.chunks and "content-length" not in names:
            head.append(f"content-length: {len(body)}".encode())
        head.append(b"connection: close")
        out.write(b"\r\n".join(head) + b"\r\n\r\n" + body)
        out.flush()
        for chunk in reply.chunks:
            if reply.delay and state.stopping.wait(reply.delay):
                return
            out.write(chunk)
            out.flush()
        if reply.hold is not None:
            while not reply.hold.is_set() and not state.stopping.is_set():
                reply.hold.wait(0.05)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = _State()


class HostileServer:
    """Start with ``with HostileServer() as h:`` (or the ``hostile`` fixture)."""

    def __init__(self) -> None:
        self._server = _Server()
        # a short poll interval: shutdown() waits for the next poll (0.5 s by default, on every test)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="hostile", daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def requests(self) -> list[Seen]:
        with self._server.state.lock:
            return list(self._server.state.seen)

    def script(self, *replies: Reply) -> HostileServer:
        """Answer the next requests with ``replies`` in order; the last one repeats after that."""
        state = self._server.state
        with state.lock:
            state.queue = list(replies)
            if replies:
                state.last = replies[-1]
        return self

    def wait_for_requests(self, count: int, timeout: float = 10.0) -> list[Seen]:
        """Block until ``count`` requests have arrived (a condition, not a sleep)."""
        state = self._server.state
        deadline = time.monotonic() + timeout
        with state.arrived:
            while len(self.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} requests, got {len(self.requests)}")
                state.arrived.wait(left)
        return self.requests

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.state.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    with HostileServer() as server:
        yield server


def _selftest() -> None:  # pragma: no cover - a manual smoke check: python -m tests.hostile
    with HostileServer() as h:
        h.script(Reply(status=400, echo_headers=True))
        with socket.create_connection(("127.0.0.1", int(h.base_url.rsplit(":", 1)[1]))) as s:
            s.sendall(b"GET / HTTP/1.1\r\nhost: x\r\nx-api-key: abc\r\n\r\n")
            print(s.recv(65536).decode())


if __name__ == "__main__":  # pragma: no cover
    _selftest()
