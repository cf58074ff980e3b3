"""The HTTP layer: a quiet ThreadingHTTPServer on 127.0.0.1 that records requests and writes the
``Service``'s replies (JSON with Content-Length, streams with chunked transfer encoding).

With ``identity=True`` a second, HTTPS server (a throwaway CA, see ``tls.py``) answers as Entra ID
(the ``identity`` package), and the data-plane port also serves the managed identity endpoint."""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import ssl
import sys
import threading
import traceback
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from foundry_cli.emulator.arm import (
    DEFAULT_ACCOUNT_NAME,
    DEFAULT_LOCATION,
    DEFAULT_RESOURCE_GROUP,
    DEFAULT_SUBSCRIPTION_ID,
    ArmConfig,
    ArmService,
)
from foundry_cli.emulator.identity import (
    DEFAULT_TENANT_ID,
    DEFAULT_TOKEN_LIFETIME,
    FEDERATED_AUDIENCE,
    MSI_PATH,
    App,
    GitHubJob,
    IdentityRequest,
    IdentityService,
    ManagedIdentity,
    PipelinesJob,
    User,
)
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
from foundry_cli.emulator.tls import CaBundle, make_server_tls, server_context

BATCH_BYTES = 64 * 1024
POLL_INTERVAL = 0.05
HEALTH_PATH = "/"


def _leave_signals_to_main() -> None:
    """Block Ctrl-C & co. in the emulator's threads: run in-process (``--emulator``), a signal that
    landed on one of them would wait for the CLI's main thread to leave a blocking read."""
    if hasattr(signal, "pthread_sigmask") and threading.current_thread() is not threading.main_thread():
        wanted = [getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n)]
        signal.pthread_sigmask(signal.SIG_BLOCK, wanted)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        _leave_signals_to_main()
        super().process_request_thread(request, client_address)

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        _leave_signals_to_main()
        super().serve_forever(poll_interval)

    def __init__(
        self, address: tuple[str, int], emulator: Emulator, context: ssl.SSLContext | None = None
    ) -> None:
        self.emulator = emulator
        self.context = context  # set: the HTTPS identity port
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, object]:
        """Wrap for TLS without the handshake: it runs in the handler's thread, not the accept loop."""
        conn, address = super().get_request()
        if self.context is not None:
            conn = self.context.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        return conn, address

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
        """Quiet: nothing is printed per request (see ``log_request``)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """One line per answered request to ``emulator.request_log``, if set: method, path (no query:
        it may carry ids), status and which side (data plane, or ``identity`` on the HTTPS port)."""
        log = self.server.emulator.request_log
        if log is None:
            return
        status = code.value if isinstance(code, HTTPStatus) else code
        side = "identity " if self.server.context is not None else ""
        log(f"{side}{self.command} {urlsplit(self.path).path} {status}")

    def setup(self) -> None:
        super().setup()
        self.server.emulator._track(self.connection, add=True)
        if isinstance(self.connection, ssl.SSLSocket):
            try:
                self.connection.do_handshake()
            except BaseException:
                self.server.emulator._track(self.connection, add=False)
                raise

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
            if emu.latency > 0 and emu._stopping.wait(emu.latency):
                self.close_connection = True
                return
            identity = emu._identity
            if identity is not None and self.server.context is not None:
                self._send(identity.handle_login(req))
                return
            if identity is not None and req.path == MSI_PATH:
                self._send(identity.handle_msi(req))
                return
            if req.method == "GET" and req.path == HEALTH_PATH:
                text = f"Foundry emulator: scenario {emu.scenario}\n".encode()
                self._send(Reply(200, text, content_type="text/plain; charset=utf-8"))
                return
            if ArmService.matches(req.path):
                emu._append_arm(req)
                self._send(emu._arm.handle(req))
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
    """A local Foundry data-plane emulator (Messages + Responses) with fault scenarios.

    The same port serves the management-plane subset (``arm.py``) for ``management_endpoint =
    base_url``: account ``account_name`` in ``resource_group`` of ``subscription_id`` at ``location``;
    requests in ``arm_requests``. ``latency`` (seconds) delays every response.

    ``identity=True`` adds the Entra ID side: a token service over HTTPS on a second port
    (``authority_host``, trusted through ``ca_bundle``) for tenant ``tenant_id``, a managed identity
    endpoint on the data-plane port, and data-plane checks of the tokens it signed.
    """

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
        *,
        identity: bool = False,
        tenant_id: str = DEFAULT_TENANT_ID,
        identity_port: int = 0,
        token_lifetime: int = DEFAULT_TOKEN_LIFETIME,
        device_code_polls: int | None = 1,
        device_code_interval: int = 1,
        subscription_id: str = DEFAULT_SUBSCRIPTION_ID,
        resource_group: str = DEFAULT_RESOURCE_GROUP,
        account_name: str = DEFAULT_ACCOUNT_NAME,
        location: str = DEFAULT_LOCATION,
        deployment_models: dict[str, str] | None = None,
        latency: float = 0.0,
    ) -> None:
        parse_scenario(scenario)  # ValueError early, before any socket exists
        self.host = host
        self.port = port
        self.identity_port = identity_port
        self.delta_delay = delta_delay
        self.latency = latency  # seconds added before every response (data plane, ARM, identity)
        self.request_log: Callable[[str], None] | None = None  # one line per request (serve.py --log)
        # the management plane (ARM): where the emulated account lives, and each deployment's model
        self.subscription_id = subscription_id
        self.resource_group = resource_group
        self.account_name = account_name
        self.location = location
        self.deployment_models: dict[str, str] = dict(deployment_models or {})
        self.arm_requests: list[RecordedRequest] = []
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
        self._tls_server: _Server | None = None
        self._tls_thread: threading.Thread | None = None
        self._ca: CaBundle | None = None
        self._identity: IdentityService | None = None
        if identity:
            self._identity = IdentityService(
                tenant_id=tenant_id,
                scenario=lambda: self._service.scenario,
                authority_host=lambda: self.authority_host,
                hosts=self._tls_hosts(),
                token_lifetime=token_lifetime,
                device_code_polls=device_code_polls,
                device_code_interval=device_code_interval,
            )
        self._service.identity = self._identity
        self._service.deployment_models = lambda: self.deployment_models  # the model behind each deployment
        self._arm = ArmService(
            lambda: ArmConfig(self.subscription_id, self.resource_group, self.account_name, self.location),
            base_url=lambda: self.base_url,
            deployments=lambda: self._service.deployments,
            deployment_models=lambda: self.deployment_models,
            projects=lambda: self._service.projects,
            scenario=lambda: self._service.scenario,
            identity=lambda: self._identity,
        )

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
        server = _Server((self.host, self.port), self)
        if self._identity is not None:
            try:
                self._start_identity()
            except BaseException:
                server.server_close()
                raise
        self._server, self._thread = server, self._serve(server)
        return self

    def _serve(self, server: _Server) -> threading.Thread:
        thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": POLL_INTERVAL},
            name=f"foundry-emulator:{server.server_address[1]}",
            daemon=True,
        )
        thread.start()
        return thread

    def _tls_hosts(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(("127.0.0.1", "localhost", self.host)))

    def _start_identity(self) -> None:
        """The CA, the server certificate and the signing key (all in memory), then the HTTPS port."""
        identity = self._require_identity()
        tls = make_server_tls(self._tls_hosts())
        server = _Server((self.host, self.identity_port), self, server_context(tls))
        self._ca = CaBundle(tls.ca_pem)
        self._tls_server, self._tls_thread = server, self._serve(server)
        identity.signing_key  # noqa: B018 - made now rather than on the first token request

    def stop(self) -> None:
        """Stop serving (both ports); wakes stalled responses, closes open connections and deletes
        the CA file."""
        servers = [
            (server, thread)
            for server, thread in ((self._server, self._thread), (self._tls_server, self._tls_thread))
            if server is not None
        ]
        if not servers:
            return
        self._stopping.set()
        for server, _ in servers:
            self._shutdown(server)
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for server, thread in servers:
            server.server_close()
            if thread is not None:
                thread.join(timeout=2)
        if self._ca is not None:
            self._ca.remove()
        self._server = self._thread = self._tls_server = self._tls_thread = None
        self._ca = None

    def _shutdown(self, server: _Server) -> None:
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

    # --- the identity side (Emulator(identity=True)) ----------------------------------------------

    def _require_identity(self) -> IdentityService:
        if self._identity is None:
            raise RuntimeError("the identity side is off; use Emulator(identity=True)")
        return self._identity

    @property
    def authority_host(self) -> str:
        """``https://127.0.0.1:PORT``: the Entra ID authority host (AZURE_AUTHORITY_HOST)."""
        self._require_identity()
        if self._tls_server is None:
            raise RuntimeError("the emulator is not running; call start() first")
        return f"https://{self.host}:{self._tls_server.server_address[1]}"

    @property
    def ca_bundle(self) -> str:
        """Path of the CA certificate (PEM) that signed the HTTPS port's certificate; deleted by stop()."""
        self._require_identity()
        if self._ca is None:
            raise RuntimeError("the emulator is not running; call start() first")
        return self._ca.path

    @property
    def tenant_id(self) -> str:
        return self._require_identity().tenant_id

    @property
    def identity_requests(self) -> list[IdentityRequest]:
        """Requests to the identity side (HTTPS port and /msi/token), secrets redacted."""
        return self._require_identity().requests

    @property
    def tokens_issued(self) -> int:
        """Access tokens issued (token endpoint and managed identity endpoint)."""
        return self._require_identity().tokens_issued

    @property
    def token_lifetime(self) -> int:
        """Seconds from issue to ``exp`` of new access tokens (default 3600)."""
        return self._require_identity().token_lifetime

    @token_lifetime.setter
    def token_lifetime(self, seconds: int) -> None:
        self._require_identity().token_lifetime = seconds

    @property
    def managed_identity_endpoint(self) -> str:
        """The URL for IDENTITY_ENDPOINT (App Service style, on the data-plane port)."""
        self._require_identity()
        return self.base_url + MSI_PATH

    @property
    def identity_header(self) -> str:
        """The value for IDENTITY_HEADER (sent back as X-IDENTITY-HEADER)."""
        return self._require_identity().identity_header

    def add_app(
        self,
        client_id: str,
        *,
        secret: str | None = None,
        certificate_pem: bytes | str | None = None,
        federated_subject: str | None = None,
        federated_issuer: str | None = None,
        roles: bool = True,
        secret_expired: bool = False,
    ) -> App:
        """Register an app (service principal). ``roles=False``: no data-plane role (PermissionDenied)."""
        return self._require_identity().add_app(
            client_id,
            secret=secret,
            certificate_pem=certificate_pem,
            federated_subject=federated_subject,
            federated_issuer=federated_issuer,
            roles=roles,
            secret_expired=secret_expired,
        )

    def add_federated_credential(
        self, client_id: str, issuer: str, subject: str, audience: str = FEDERATED_AUDIENCE
    ) -> App:
        """Add a federated identity credential to app ``client_id`` (registering the app if needed):
        a client assertion is accepted only when its ``iss``, ``sub`` and ``aud`` match one exactly."""
        return self._require_identity().add_federated_credential(client_id, issuer, subject, audience)

    @property
    def github_job(self) -> GitHubJob:
        """What the emulated GitHub Actions job's ID tokens say (repository, ref, environment, lifetime);
        change its fields to change the next token."""
        return self._require_identity().ci.github

    @property
    def pipelines_job(self) -> PipelinesJob:
        """The emulated Azure Pipelines organization, project and service connections."""
        return self._require_identity().ci.pipelines

    def github_actions_env(self) -> dict[str, str]:
        """The variables a GitHub runner sets for a job with ``id-token: write``, pointing here."""
        return self._require_identity().ci.github_env(self.authority_host)

    def azure_pipelines_env(self) -> dict[str, str]:
        """The variables an Azure Pipelines AzureCLI@2 task sets for a federated service connection."""
        return self._require_identity().ci.pipelines_env(self.authority_host)

    @property
    def ci_tokens_issued(self) -> list[str]:
        """The ``jti`` of every CI OIDC token issued (GitHub and Azure Pipelines), oldest first."""
        return list(self._require_identity().ci.issued)

    def add_user(self, upn: str, *, roles: bool = True) -> User:
        """Register a user; device codes sign in the newest user unless approved for another."""
        return self._require_identity().add_user(upn, roles=roles)

    def add_managed_identity(self, client_id: str | None = None, *, roles: bool = True) -> ManagedIdentity:
        """Register a user-assigned managed identity, or (``client_id=None``) the system-assigned one."""
        return self._require_identity().add_managed_identity(client_id, roles=roles)

    def approve_device_code(self, user_code: str, upn: str | None = None) -> None:
        """Complete a pending device-code sign-in now (as ``upn``, default the newest user)."""
        self._require_identity().approve_device_code(user_code, upn)

    def expire_device_codes(self) -> None:
        """Every pending device code answers ``expired_token`` from now on."""
        self._require_identity().expire_device_codes()

    def revoke_refresh_tokens(self) -> None:
        """Every refresh token issued so far answers AADSTS700082 from now on."""
        self._require_identity().revoke_refresh_tokens()

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

    def _append_arm(self, req: RecordedRequest) -> None:
        with self._lock:
            self.arm_requests.append(req)

    def _note_error(self, text: str) -> None:
        with self._lock:
            self.errors.append(text)

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)
