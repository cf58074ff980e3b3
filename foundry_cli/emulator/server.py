"""The HTTP layer: a quiet ThreadingHTTPServer on 127.0.0.1 that records requests and writes the
``Service``'s replies (JSON with Content-Length, streams with chunked transfer encoding)."""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit

from foundry_cli.emulator.scenarios import parse_scenario
from foundry_cli.emulator.service import (
    DEFAULT_API_KEY,
    DEFAULT_DEPLOYMENTS,
    RecordedRequest,
    Reply,
    Service,
    StreamReply,
)
from foundry_cli.emulator.sse import ChunkedWriter

BATCH_BYTES = 64 * 1024
POLL_INTERVAL = 0.05
HEALTH_PATH = "/"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        self.emulator = emulator
        super().__init__(address, _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """Quiet: a client that hangs up is normal; anything else is kept in ``emulator.errors``."""
        if not isinstance(sys.exc_info()[1], OSError):
            self.emulator._note_error(traceback.format_exc())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "foundry-emulator"
    sys_version = ""
    timeout = 120
    disable_nagle_algorithm = True  # no 40 ms Nagle/delayed-ACK stalls between header and body writes
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: nothing is printed per request."""

    def setup(self) -> None:
        super().setup()
        self.server.emulator._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.emulator._track(self.connection, add=False)

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    # --- request ---------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _record(self) -> RecordedRequest:
        url = urlsplit(self.path)
        body = self._read_body()
        parsed: object | None = None
        if body:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
        return RecordedRequest(
            method=self.command,
            path=url.path,
            query=dict(parse_qsl(url.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            json=parsed,
        )

    def _dispatch(self) -> None:
        emu = self.server.emulator
        try:
            req = self._record()
            if req.method == "GET" and req.path == HEALTH_PATH:
                text = f"Foundry emulator: scenario {emu.scenario}\n".encode()
                self._send(Reply(200, text, content_type="text/plain; charset=utf-8"))
                return
            emu._append(req)
            reply = emu._service.handle(req)
            if isinstance(reply, StreamReply):
                self._stream(reply)
            else:
                self._send(reply)
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception:
            emu._note_error(traceback.format_exc())
            self.close_connection = True

    # --- responses -------------------------------------------------------------------------

    def _start(self, status: int, headers: tuple[tuple[str, str], ...], content_type: str | None) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if content_type is not None:
            self.send_header("Content-Type", content_type)

    def _send(self, reply: Reply) -> None:
        if reply.delay and self.server.emulator._stopping.wait(reply.delay):
            self.close_connection = True
            return
        self._start(reply.status, reply.headers, reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if reply.cut:
            self.wfile.write(reply.body[: len(reply.body) // 2])
            self.close_connection = True
            return
        self.wfile.write(reply.body)

    def _stream(self, reply: StreamReply) -> None:
        self._start(200, reply.headers, "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        delay = self.server.emulator.delta_delay
        out = ChunkedWriter(self.wfile, BATCH_BYTES if reply.batch and not delay else 0)
        if self._pump(reply, out, delay):
            out.finish()
        else:  # drop the connection without the terminal chunk: a visible protocol error
            out.flush()
            self.close_connection = True

    def _pump(self, reply: StreamReply, out: ChunkedWriter, delay: float) -> bool:
        """Write the events; apply ``reply.fault`` once ``reply.after`` text deltas are out.

        Returns True when the stream should end cleanly, False to drop the connection.
        """
        stopping = self.server.emulator._stopping
        sent = 0
        pending = reply.fault
        for encoded, is_text in reply.stream.events():
            if pending is not None and sent == reply.after and (is_text or sent > 0):
                if pending == "stream-cut":
                    return False
                if pending == "overloaded-midstream":
                    out.write(reply.stream.error_event())
                    return True
                out.flush()  # stall: everything so far is on the wire, then silence
                if stopping.wait(reply.stall_seconds):
                    return False
                pending = None
            out.write(encoded)
            if is_text:
                sent += 1
                if delay and stopping.wait(delay):
                    return False
        return True


class Emulator:
    """A local Foundry data-plane emulator (Messages + Responses) with fault scenarios."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        scenario: str = "healthy",
        api_key: str = DEFAULT_API_KEY,
        deployments: tuple[str, ...] = DEFAULT_DEPLOYMENTS,
        projects: tuple[str, ...] = ("demo",),
        region: str = "East US 2",
        long_deltas: int = 20000,
        delta_delay: float = 0.0,
    ) -> None:
        parse_scenario(scenario)  # ValueError early, before any socket exists
        self.host = host
        self.port = port
        self.delta_delay = delta_delay
        self._service = Service(
            api_key=api_key,
            deployments=deployments,
            projects=projects,
            region=region,
            long_deltas=long_deltas,
            scenario=scenario,
        )
        self.requests: list[RecordedRequest] = []
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- public API --------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        port = self._server.server_address[1]
        return f"http://{self.host}:{port}"

    @property
    def api_key(self) -> str:
        return self._service.api_key

    @property
    def scenario(self) -> str:
        return self._service.scenario.spec

    def set_scenario(self, scenario: str) -> None:
        """Switch the scenario at runtime; resets the per-scenario request counters."""
        self._service.set_scenario(scenario)

    def start(self) -> Emulator:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server((self.host, self.port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            name=f"foundry-emulator:{self._server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; wakes stalled responses and closes open connections."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        # shutdown() waits for the serve loop's next poll; a connection wakes it at once.
        waiter = threading.Thread(target=server.shutdown, daemon=True)
        waiter.start()
        while waiter.is_alive():
            with (
                contextlib.suppress(OSError),
                socket.create_connection((self.host, server.server_address[1]), timeout=0.1),
            ):
                pass
            waiter.join(0.005)
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if thread is not None:
            thread.join(timeout=2)
        self._server = self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- used by the handler -----------------------------------------------------------------

    def _append(self, req: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(req)

    def _note_error(self, text: str) -> None:
        with self._lock:
            self.errors.append(text)

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)
