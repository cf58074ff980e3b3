"""The doctor checks, in order. Each is a small function ``(ctx) -> Outcome``.

Checks share evidence through :class:`Context` (the resolved settings, the credential, the token,
the control-plane answers, the probe's result); :data:`CHECKS` declares their order and which
earlier checks each one needs. Nothing here prints: ``cli/doctor.py`` draws the table.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from foundry_cli.auth.factory import ENV_NAME
from foundry_cli.config.endpoint import Endpoint
from foundry_cli.config.settings import DEFAULT_API_VERSION, Settings
from foundry_cli.doctor.classify import classify
from foundry_cli.doctor.federation import check_federation
from foundry_cli.doctor.rows import ROW_BY_ID
from foundry_cli.doctor.runner import Check, Outcome, failed, passed, skipped, warned
from foundry_cli.errors import ApiError, ConfigError, FclaudeError

if TYPE_CHECKING:
    from foundry_cli.api.types import Request

AUD_AI = "https://ai.azure.com"
AUD_COGNITIVE = "https://cognitiveservices.azure.com"
PROBE_MAX_TOKENS = 16
PROBE_PROMPT = "Reply with one word: ok"
MIN_THINKING = 1024
#: a stream whose deltas all arrive within this many ms, after a first-byte wait of at least
#: BURST_MIN_WAIT_MS, was buffered on the way (a proxy that does not pass events through)
BURST_SPREAD_MS = 20.0
BURST_MIN_WAIT_MS = 300.0
#: a silence mid-stream this long (or half the read timeout, if shorter) makes the probe warn
STALL_WARN_S = 5.0
PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
NO_PROXY_VARS = ("NO_PROXY", "no_proxy")
#: auth mode -> the settings it needs (setting -> alternative that also satisfies it)
AUTH_NEEDS: Mapping[str, tuple[tuple[str, str | None], ...]] = {
    "service-principal": (
        ("tenant_id", None),
        ("client_id", None),
        ("client_secret", "client_certificate_path"),
    ),
    "workload-identity": (("tenant_id", None), ("client_id", None), ("federated_token_file", None)),
}


@dataclass
class ProbeEvidence:
    ok: bool = False
    error: FclaudeError | None = None
    row: str | None = None
    status: int = 0
    request_id: str | None = None
    region: str | None = None
    model: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    first_event_ms: float | None = None
    first_token_ms: float | None = None
    total_ms: float | None = None
    deltas: int = 0
    spread_ms: float | None = None
    #: the longest silence between two events once the stream had begun
    max_gap_ms: float = 0.0
    retries: int = 0
    #: the row of the last error that was retried (rate-limit, overloaded, ...)
    retry_row: str | None = None


@dataclass
class Context:
    """Inputs and the evidence checks leave for later ones."""

    resolve: Callable[[], Settings]
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    debug: Callable[[str], None] | None = None
    transport: Any = None  # httpx2 transport for tests; None = the network
    resolved: Settings | None = None
    credential: Any = None
    token: str | None = None
    claims: dict[str, Any] | None = None
    address: tuple[str, int] | None = None
    account: Any = None
    deployments: list[Any] | None = None
    permissions: list[Any] | None = None
    probe: ProbeEvidence | None = None
    #: the day retirement dates are compared with (None: today; tests set it)
    today: dt.date | None = None
    #: name resolution (addresses, aliases) for the DNS check; tests replace it
    lookup: Callable[[str, int], tuple[list[str], list[str]]] = field(default=lambda h, p: lookup(h, p))

    @property
    def r(self) -> Settings:
        if self.resolved is None:
            raise ConfigError("The settings did not resolve.")
        return self.resolved

    def endpoint(self) -> Endpoint:
        ep = self.r.endpoint
        if ep is None:
            raise ConfigError("No endpoint configured.", row="endpoint-missing")
        return ep

    def entra(self) -> bool:
        """True when requests carry an Entra ID token (not an API key)."""
        r = self.r
        if r.auth == "api-key":
            return not (r.api_key or r.key_command) and bool(r.ad_token)
        return True


# --- configuration ---------------------------------------------------------------------------


def check_profile(ctx: Context) -> Outcome:
    try:
        ctx.resolved = ctx.resolve()
    except ConfigError as exc:
        return failed(exc.message, exc.row)
    r = ctx.resolved
    where = f"profile {r.profile!r}" if r.profile else "no profile (environment and defaults)"
    shadow = "; ".join(f"{name} from {var} overrides the profile" for name, var in r.shadowed)
    detail = f"{where}; auth {r.auth} ({r.source('auth')}), api {r.api} ({r.source('api')})"
    if shadow:
        return warned(f"{detail}; {shadow}", fix="Unset the variable or update the profile.")
    return passed(detail)


def check_endpoint(ctx: Context) -> Outcome:
    r = ctx.r
    ep = r.endpoint
    if ep is None:
        return failed("no endpoint is configured (profile or FCLAUDE_ENDPOINT)", "endpoint-missing")
    api, project = r.api, r.project
    notes = "; ".join(ep.notes)
    src = r.source("endpoint")
    if ep.hinted_api and ep.hinted_api != api:
        form = "/anthropic" if ep.hinted_api == "messages" else "a project path"
        return failed(
            f"the endpoint ({src}) has {form}, which is the {ep.hinted_api} format, but api = {api} "
            f"({r.source('api')})",
            "endpoint-shape",
        )
    if api == "responses" and not project:
        return failed(
            "api = responses needs a project: use the project endpoint .../api/projects/PROJ or set "
            "`project` / FCLAUDE_PROJECT",
            "endpoint-shape",
        )
    host = ep.host
    known = host.endswith((".services.ai.azure.com", ".openai.azure.com", ".cognitiveservices.azure.com"))
    route = "/anthropic/v1/messages" if api == "messages" else f"/api/projects/{project}/openai/responses"
    detail = f"{ep.root}{route} ({src})" + (f"; {notes}" if notes else "")
    if not known and not _loopback(host):
        return warned(
            f"{detail}; {host} is not a Foundry host (a gateway or custom domain?)",
            fix="Foundry endpoints look like https://RES.services.ai.azure.com; check the URL.",
        )
    return passed(detail)


def check_api_version(ctx: Context) -> Outcome:
    r = ctx.r
    if r.api == "messages":
        return passed("the Messages route (/anthropic) takes no api-version; anthropic-version 2023-06-01")
    version = str(r.api_version)
    if version == "v1":
        return passed("api_version v1: /openai/v1/responses with no api-version query")
    if version == DEFAULT_API_VERSION:
        return passed(f"api-version={version} for the project Responses route")
    if version in ("preview", "latest"):
        return failed(
            f"api_version {version!r} ({r.source('api_version')}) is not valid for the project route",
            "api-version",
        )
    return warned(
        f"api_version {version!r} ({r.source('api_version')}) is not the documented {DEFAULT_API_VERSION}",
        "api-version",
    )


def check_auth_prereqs(ctx: Context) -> Outcome:
    r = ctx.r
    mode = r.auth
    if mode == "api-key":
        return _api_key_prereqs(r)
    if r.ad_token:
        return passed(f"a ready token from {_where(r.source('ad_token'))} replaces auth {mode}")
    if mode == "azure-cli":
        return _azure_cli_prereqs(ctx)
    if mode in AUTH_NEEDS:
        return _named_settings_prereqs(r, mode)
    if mode == "managed-identity":
        have = [v for v in ("IDENTITY_ENDPOINT", "MSI_ENDPOINT", "IMDS_ENDPOINT") if ctx.env.get(v)]
        return passed(
            f"auth = managed-identity ({', '.join(have) if have else 'the instance metadata service'})"
        )
    return passed(f"auth = {mode}: nothing to check before signing in")


def _api_key_prereqs(r: Settings) -> Outcome:
    """auth = api-key: a key, a key command, or a ready token must be set."""
    if r.api_key:
        return passed(f"api-key from {_where(r.source('api_key'))}")
    if r.key_command:
        return passed(f"api-key from key_command ({_where(r.source('key_command'))})")
    if r.ad_token:
        return passed(f"no key; a ready token from {_where(r.source('ad_token'))}")
    return failed(
        "auth = api-key but no key is set",
        "credential-missing",
        fix="Export FCLAUDE_API_KEY (or ANTHROPIC_FOUNDRY_API_KEY / AZURE_API_KEY), set key_command, "
        "or store the key with `fclaude login`.",
    )


def _azure_cli_prereqs(ctx: Context) -> Outcome:
    """auth = azure-cli: ``az`` must be on PATH."""
    az = shutil.which("az", path=ctx.env.get("PATH"))
    if az is None:
        return failed("`az` is not on PATH", "not-logged-in")
    return passed(f"az found at {az}")


def _named_settings_prereqs(r: Settings, mode: str) -> Outcome:
    """A mode in :data:`AUTH_NEEDS`: each setting it needs (or its alternative) must be set, and a
    workload identity's federated token file must exist."""
    missing = [
        ENV_NAME[name] + (f" (or {ENV_NAME[alt]})" if alt else "")
        for name, alt in AUTH_NEEDS[mode]
        if not r.value_of(name) and not (alt and r.value_of(alt))
    ]
    if missing:
        return failed(
            f"auth = {mode} needs {', '.join(missing)}: not set",
            "sp-env-missing",
            fix=f"Set {', '.join(missing)} (or store the ids in the profile with `fclaude login`).",
        )
    if mode == "workload-identity":
        path = os.path.expanduser(str(r.federated_token_file))
        if not os.path.isfile(path):
            return failed(f"the federated token file {path} does not exist", "assertion-invalid")
    present = [ENV_NAME[n] for n, _ in AUTH_NEEDS[mode] if r.value_of(n)]
    return passed(f"auth = {mode}: {', '.join(present)} set")


def check_proxy(ctx: Context) -> Outcome:
    ep = ctx.endpoint()
    proxies = [f"{v}={_redact_url(ctx.env[v])}" for v in PROXY_VARS if ctx.env.get(v)]
    no_proxy = next((ctx.env[v] for v in NO_PROXY_VARS if ctx.env.get(v)), "")
    bypass = _bypassed(ep.host, no_proxy)
    ca = [f"{v}={ctx.env[v]}" for v in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE") if ctx.env.get(v)]
    extra = f"; CA bundle {', '.join(ca)}" if ca else "; system trust store"
    if not proxies:
        return passed("no proxy variables set: direct connection" + extra)
    if bypass:
        return passed(f"{', '.join(proxies)}, but NO_PROXY covers {ep.host}" + extra)
    return passed(f"via {', '.join(proxies)}" + extra)


# --- network ------------------------------------------------------------------------------


def _host_port(ctx: Context) -> tuple[str, int, bool]:
    ep = ctx.endpoint()
    parts = urlsplit(ep.root)
    tls = parts.scheme == "https"
    return parts.hostname or "", parts.port or (443 if tls else 80), tls


def lookup(host: str, port: int) -> tuple[list[str], list[str]]:
    """The addresses ``host`` resolves to, and the names on the way (CNAMEs, where the resolver says).

    Raises:
        socket.gaierror: the name does not resolve.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addrs = list(dict.fromkeys(str(i[4][0]) for i in infos))
    try:
        _, aliases, _ = socket.gethostbyname_ex(host)
    except OSError:  # IPv6-only names, or a resolver without alias data
        aliases = []
    return addrs, aliases


def check_dns(ctx: Context) -> Outcome:
    host, port, _ = _host_port(ctx)
    try:
        addrs, aliases = ctx.lookup(host, port)
    except socket.gaierror as exc:
        return failed(f"{host} does not resolve ({exc.strerror or exc})", "network")
    ctx.address = (addrs[0], port)
    shown = f"{host} -> {', '.join(addrs[:3])}"
    restricted = _private_endpoint(host, addrs, aliases)
    if restricted is not None:
        resource = host.split(".")[0]
        return warned(
            f"{shown}: {restricted}, so the resource is reached through a private endpoint; from outside "
            "that network requests are refused (403 'Virtual Network/Firewall rules', or a misleading 401)",
            "network-restricted",
            fix="Run from a network that can reach the private endpoint, or use the host the private DNS "
            f"zone maps (https://{resource}.cognitiveservices.azure.com/anthropic).",
        )
    return passed(shown)


def _private_endpoint(host: str, addrs: list[str], aliases: list[str]) -> str | None:
    """Why ``host`` looks like a private endpoint (a private address, a privatelink CNAME), or None."""
    import ipaddress

    from foundry_cli.config.endpoint import is_loopback

    if is_loopback(host):
        return None  # the emulator, a local gateway
    link = next((a for a in aliases if "privatelink" in a.lower()), None)
    if link is not None:
        return f"its name is an alias of {link}"
    for addr in addrs:
        try:
            ip = ipaddress.ip_address(addr.split("%")[0])
        except ValueError:
            continue
        if ip.is_private and not ip.is_loopback:
            return f"it resolves to the private address {addr}"
    return None


def check_tcp(ctx: Context) -> Outcome:
    host, port, _ = _host_port(ctx)
    if _proxied(ctx, host):
        return skipped("a proxy is in effect: the connection goes to the proxy, checked by the probe")
    started = time.perf_counter()
    try:
        with socket.create_connection((host, port), timeout=float(ctx.r.connect_timeout)):
            pass
    except OSError as exc:
        return failed(f"cannot connect to {host}:{port} ({exc.strerror or exc})", "network")
    return passed(f"connected to {host}:{port} in {(time.perf_counter() - started) * 1000:.0f} ms")


def check_tls(ctx: Context) -> Outcome:
    host, port, tls = _host_port(ctx)
    if not tls:
        return skipped("http endpoint (loopback): no TLS")
    if _proxied(ctx, host):
        return skipped("a proxy is in effect: TLS is checked by the probe")
    timeout = float(ctx.r.connect_timeout)
    context = _trust_context(ctx.env)
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as sock,
            context.wrap_socket(sock, server_hostname=host) as tls_sock,
        ):
            version = tls_sock.version()
            issuer = _name(tls_sock.getpeercert() or {}, "issuer")
    except ssl.SSLCertVerificationError as exc:
        presented = _presented_issuer(host, port, timeout)
        return failed(
            f"the certificate presented by {host} is not trusted ({exc.verify_message}); issued by "
            f"{presented or 'an unknown issuer'} (a TLS-inspecting proxy shows up here)",
            "network",
        )
    except (ssl.SSLError, OSError) as exc:
        return failed(f"TLS handshake with {host}:{port} failed ({exc})", "network")
    return passed(f"{version}, certificate issued by {issuer or 'unknown'}")


def _trust_context(env: Mapping[str, str]) -> ssl.SSLContext:
    """What the client trusts: the system store, plus SSL_CERT_FILE when set."""
    context = ssl.create_default_context()
    cafile = env.get("SSL_CERT_FILE")
    if cafile and os.path.isfile(cafile):
        context.load_verify_locations(cafile)
    return context


def _presented_issuer(host: str, port: int, timeout: float) -> str | None:
    """The issuer of the certificate the server presents, read with verification OFF.

    Only for the report: the handshake completes, the certificate is read and the socket closed;
    nothing is ever sent over this connection.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as sock,
            context.wrap_socket(sock, server_hostname=host) as tls_sock,
        ):
            der = tls_sock.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError):
        return None
    return _der_issuer(der) if der else None


def _der_issuer(der: bytes) -> str | None:
    try:
        from cryptography import x509
    except ImportError:  # pragma: no cover - cryptography ships with msal
        return None
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return None
    return cert.issuer.rfc4514_string() or None


def _name(cert: Mapping[str, Any], key: str) -> str:
    parts = [f"{k}={v}" for rdn in cert.get(key, ()) for k, v in rdn]
    return ", ".join(parts)


# --- identity -----------------------------------------------------------------------------


def check_token(ctx: Context) -> Outcome:
    r = ctx.r
    if not ctx.entra():
        return skipped("api-key auth: requests carry the key, no Entra ID token")
    from foundry_cli import connect

    ctx.credential = connect.credential(r, env=ctx.env)
    started = time.perf_counter()
    headers = ctx.credential.headers(r.api)
    ctx.token = headers.get("authorization", "").partition(" ")[2] or None
    took = (time.perf_counter() - started) * 1000
    return passed(f"{ctx.credential.description} gave a token for {r.scope} in {took:.0f} ms")


def expected_audiences(ctx: Context) -> tuple[str, ...]:
    """Project routes accept only ai.azure.com; /anthropic also cognitiveservices."""
    return (AUD_AI,) if ctx.r.api == "responses" else (AUD_AI, AUD_COGNITIVE)


def check_claims(ctx: Context) -> Outcome:
    from foundry_cli.auth.jwt import audience, decode_claims, expires_on

    if not ctx.token:
        return skipped("api-key auth: no token to decode" if not ctx.entra() else "no token to decode")
    try:
        claims = decode_claims(ctx.token)
    except ValueError as exc:
        return warned(f"the token is opaque ({exc}); its audience cannot be checked here")
    ctx.claims = claims
    aud = audience(claims) or "(none)"
    wanted = expected_audiences(ctx)
    who = ", ".join(
        f"{k} {claims[k]}" for k in ("tid", "oid", "appid", "azp", "upn") if isinstance(claims.get(k), str)
    )
    exp = expires_on(claims)
    left = None if exp is None else exp - time.time()
    expiry = "no exp" if left is None else f"expires in {int(left // 60)} min"
    detail = f"aud {aud}; {who}; {expiry}"
    if aud.rstrip("/") not in {w.rstrip("/") for w in wanted}:
        return failed(
            f"aud {aud} but the {ctx.r.api} endpoint wants {' or '.join(wanted)}",
            "audience",
            fix=f"Ask for the scope {wanted[0]}/.default (FCLAUDE_SCOPE, now {ctx.r.scope!r}).",
        )
    if left is not None and left <= 0:
        return failed(f"the token expired {int(-left // 60)} min ago ({detail})", "audience")
    tenant = ctx.r.tenant_id
    if tenant and isinstance(claims.get("tid"), str) and claims["tid"] != tenant:
        return warned(f"{detail}; tid differs from tenant_id {tenant}")
    return passed(detail)


# --- control plane ------------------------------------------------------------------------


def check_control_plane(ctx: Context) -> Outcome:
    r = ctx.r
    if not r.subscription_id:
        return skipped("no subscription_id: control-plane checks off (region and role come from the probe)")
    if not ctx.entra() or r.ad_token:
        return skipped("api-key or ready-token auth: no control-plane token")
    from foundry_cli import connect

    credential = connect.management_credential(r, env=ctx.env)
    if credential is None:  # the checks above rule this out; keep the type checker honest
        return skipped("no control-plane token for this auth mode")
    client = connect.arm_client(r, credential, transport=ctx.transport, debug=ctx.debug)
    try:
        ep = ctx.endpoint()
        account = client.find_account(subscription_id=str(r.subscription_id), host=ep.host)
        if account is None:
            return warned(f"no Foundry account serves {ep.host} in subscription {r.subscription_id}")
        ctx.account = account
        # the deployment list and the effective permissions are independent: fetch both at once
        from concurrent.futures import ThreadPoolExecutor

        from foundry_cli.threads import leave_signals_to_main

        with ThreadPoolExecutor(
            max_workers=2, thread_name_prefix="doctor-arm", initializer=leave_signals_to_main
        ) as pool:
            listing = pool.submit(client.deployments, account)
            perms = pool.submit(client.permissions, account.id)
            ctx.deployments = listing.result()
            try:
                ctx.permissions = perms.result()
            except ApiError as exc:
                ctx.permissions = None
                return warned(f"account {account.name} ({account.location}); permissions not readable: {exc}")
    except ApiError as exc:
        row = classify(exc)
        return warned(f"the control plane answered {exc}", row.id if row else None)
    finally:
        client.close()
    return passed(
        f"account {account.name} ({account.kind}, {account.location}), "
        f"{len(ctx.deployments or [])} deployments"
    )


# --- the live probe -----------------------------------------------------------------------


def check_probe(ctx: Context) -> Outcome:
    from foundry_cli import connect

    r = ctx.r
    if not r.deployment:
        return skipped("no deployment configured")
    if ctx.credential is None:
        ctx.credential = connect.credential(r, env=ctx.env)
    ev = ProbeEvidence()
    ctx.probe = ev

    attempt = [0.0]  # when the last attempt began (after the retry waits), for the burst check

    def on_retry(err: ApiError, delay: float, n: int) -> None:
        attempt[0] = time.perf_counter() + delay
        ev.retries = n
        row = classify(err)
        ev.retry_row = row.id if row else None

    client = connect.foundry_client(
        r, ctx.credential, debug=ctx.debug, on_retry=on_retry, transport=ctx.transport
    )
    req = _probe_request(r)
    start = attempt[0] = time.perf_counter()
    times: list[float] = []
    wait_ms = 0.0  # from the start of the attempt that answered to its first text delta
    answer = client.send(req)
    try:
        wait_ms = _read_probe_stream(answer, ev, start, attempt, times)
        ev.ok = True
    except FclaudeError as exc:
        ev.error = exc
        row = classify(exc)
        ev.row = row.id if row else None
    finally:
        client.close()
        ev.total_ms = (time.perf_counter() - start) * 1000
        meta = answer.meta
        if meta is not None:
            ev.status, ev.request_id, ev.region, ev.headers = (
                meta.status,
                meta.request_id,
                meta.region,
                meta.headers,
            )
    if times:
        ev.first_token_ms, ev.deltas, ev.spread_ms = times[0], len(times), times[-1] - times[0]
    return _probe_verdict(ev, float(r.read_timeout), wait_ms)


def _probe_request(r: Settings) -> Request:
    """The smallest streamed request; with thinking configured, one that exercises it (the minimum
    budget)."""
    from foundry_cli.api.types import Message, Request

    budget = MIN_THINKING if isinstance(r.thinking, int) else 0
    return Request(
        deployment=str(r.deployment),
        messages=(Message("user", PROBE_PROMPT),),
        max_tokens=budget + PROBE_MAX_TOKENS,
        thinking_budget=budget,
        stream=True,
    )


def _read_probe_stream(
    events: Iterable[object], ev: ProbeEvidence, start: float, attempt: list[float], times: list[float]
) -> float:
    """Read the probe's events, recording their timing in ``ev`` and each text delta's arrival (ms
    since ``start``) in ``times``; return the wait from the start of the attempt that answered
    (``attempt[0]``) to its first text delta, in ms (0 without one).

    Raises:
        FclaudeError: the stream failed (``ev`` and ``times`` keep what arrived before).
    """
    from foundry_cli.api.types import TextDelta

    wait_ms = 0.0
    last = 0.0  # when the previous event arrived (ms since start)
    for event in events:
        now = (time.perf_counter() - start) * 1000
        if ev.first_event_ms is None:
            ev.first_event_ms = now
        else:
            ev.max_gap_ms = max(ev.max_gap_ms, now - last)
        last = now
        if isinstance(event, TextDelta):
            times.append(now)
            if len(times) == 1:
                wait_ms = (time.perf_counter() - attempt[0]) * 1000
        model = getattr(event, "model", None)
        if isinstance(model, str) and model:
            ev.model = model
    return wait_ms


def _probe_verdict(ev: ProbeEvidence, read_timeout: float, wait_ms: float) -> Outcome:
    """The probe's outcome: its error when it failed, else :func:`_answered` on its timing."""
    rid = f"request id {ev.request_id}" if ev.request_id else "no request id"
    retried = f", after {ev.retries} retries" if ev.retries else ""
    if not ev.ok:
        first = str(ev.error).splitlines()[0][:300]
        return failed(f"{first} ({rid}{retried})", ev.row)
    first = "-" if ev.first_token_ms is None else f"{ev.first_token_ms:.0f} ms"
    detail = f"HTTP {ev.status}, first token {first}, total {ev.total_ms:.0f} ms, {rid}{retried}"
    return _answered(ev, detail, read_timeout, wait_ms)


def _answered(ev: ProbeEvidence, detail: str, read_timeout: float, wait_ms: float) -> Outcome:
    """The verdict on a probe that answered: retried, stalled, buffered, or fine."""
    if ev.retries:
        return warned(f"{detail}: it answered, but only after retrying", ev.retry_row)
    if ev.max_gap_ms >= min(STALL_WARN_S, read_timeout / 2) * 1000:
        return warned(
            f"{detail}; the stream went silent for {ev.max_gap_ms / 1000:.1f} s mid-answer "
            f"(read timeout {read_timeout:g} s): a stalled stream",
            "service-error" if "service-error" in ROW_BY_ID else None,
            fix="Run doctor again; if the silence repeats, a proxy or gateway between you and Foundry "
            "holds the stream (exempt the host from buffering, or NO_PROXY), or the service is "
            "degraded (report the request id).",
        )
    if (
        ev.deltas >= 3
        and ev.spread_ms is not None
        and ev.spread_ms < BURST_SPREAD_MS
        and wait_ms >= BURST_MIN_WAIT_MS
    ):
        return warned(
            f"{detail}; the {ev.deltas} deltas arrived in one burst (a buffering proxy?)",
            "network",
            fix="A proxy between you and Foundry buffers event streams; exempt the host from buffering "
            "(or NO_PROXY) so answers stream as they are written.",
        )
    return passed(detail)


# --- what the evidence says -----------------------------------------------------------------


def check_region(ctx: Context) -> Outcome:
    from foundry_cli import catalog

    location, source = None, ""
    if ctx.account is not None and getattr(ctx.account, "location", None):
        location, source = str(ctx.account.location), "control plane (account location)"
    elif ctx.probe is not None and ctx.probe.region:
        location, source = ctx.probe.region, "x-ms-region response header"
    if location is None:
        if ctx.probe is None:
            return skipped("no control plane, and the probe did not run to show x-ms-region")
        return warned("region unknown: no control plane, and no x-ms-region header in the answer")
    if not catalog.is_claude_region(location):
        offered = ", ".join(catalog.CLAUDE_REGIONS.values())
        return failed(f"{location} (from {source}) does not offer Claude (offered: {offered})", "region")
    return passed(f"{location} (from {source})")


def check_role(ctx: Context) -> Outcome:
    if not ctx.entra():
        return skipped("api-key auth: data-plane roles apply to Entra ID tokens only")
    note = "Owner/Contributor grant no data access; new assignments take up to 5 minutes"
    if ctx.permissions is not None:
        from foundry_cli.api import arm

        if arm.covers_claude_inference(ctx.permissions):
            return passed("the effective permissions include data actions covering Claude inference")
        if ctx.probe is not None and ctx.probe.ok:
            return warned(
                "the effective permissions show no data action covering Claude inference, yet the probe "
                "succeeded (a role on the project, or a custom role?)"
            )
        return failed(f"no data action covering Claude inference on the account ({note})", "role-missing")
    p = ctx.probe
    if p is None:
        return skipped("no control plane and no probe to infer the role from")
    if p.ok:
        return passed("inferred from the probe: the principal may call the deployment")
    if p.row == "role-missing":
        return failed(f"the probe got HTTP {p.status} PermissionDenied ({note})", "role-missing")
    return skipped(f"the probe failed before the role could be seen ({p.row or 'see probe'})")


def check_deployment(ctx: Context) -> Outcome:
    r = ctx.r
    name = r.deployment
    if not name:
        return failed(
            "no deployment configured (-m, `deployment`, FCLAUDE_DEPLOYMENT)",
            "deployment-not-found",
        )
    if ctx.deployments is not None:
        found = next((d for d in ctx.deployments if d.name == name), None)
        if found is None:
            names = ", ".join(d.name for d in ctx.deployments) or "none"
            return failed(f"{name!r} is not on the account (deployments: {names})", "deployment-not-found")
        claude = str(found.model_format).lower() == "anthropic" or str(found.model_name).startswith("claude")
        what = f"{found.model_name} {found.model_version} ({found.sku}, {found.state})"
        if not claude:
            return failed(f"{name!r} serves {what}, not a Claude model", "deployment-not-found")
        if ctx.probe is not None and ctx.probe.row == "deployment-not-found":
            return failed(
                f"{name!r} is listed by the control plane ({what}) but the data plane answered 404: "
                "created less than 5 minutes ago, or not yet succeeded?",
                "deployment-not-found",
            )
        return passed(f"{name!r}: {what}")
    p = ctx.probe
    if p is None:
        return skipped("no control plane and no probe to check the deployment with")
    if p.ok:
        model = p.model or "?"
        if p.model and "claude" not in p.model.lower():
            return failed(f"{name!r} answered as {model}, not a Claude model", "deployment-not-found")
        return passed(f"{name!r} answered (model {model})")
    if p.row == "deployment-not-found":
        return failed(f"the probe got HTTP {p.status} for {name!r}", "deployment-not-found")
    return skipped(f"the probe failed before the deployment could be seen ({p.row or 'see probe'})")


def _model_name(ctx: Context) -> tuple[str, str]:
    """The model behind the deployment and where that came from; ``("", why)`` when unknown."""
    r = ctx.r
    if ctx.deployments is not None:
        found = next((d for d in ctx.deployments if d.name == r.deployment), None)
        if found is not None:
            return str(found.model_name), "control plane"
    if ctx.probe is not None and ctx.probe.model:
        return ctx.probe.model, "probe"
    if not r.deployment:
        return "", "no deployment configured"
    from foundry_cli.config.paths import get_paths
    from foundry_cli.learned import remembered

    learned = remembered(get_paths(ctx.env), r.profile, r.deployment)
    if learned:  # what an earlier answer (or `fclaude models`) showed runs there
        return learned, "remembered deployment list"
    return str(r.deployment), "deployment name"  # the usual case: named after its model


def today() -> dt.date:
    """The local date (a function, so tests can pin the day doctor compares retirement dates with)."""
    return dt.date.today()


#: a model retiring within this many days makes the settings check warn (after retirement: fail)
RETIRE_WARN_DAYS = 60
#: a refused rule -> the setting behind it (for saying where the value came from)
_RULE_SETTING = {"effort": "effort", "temperature": "temperature", "top_p": "temperature"}


#: a warning the settings check collects: (detail, row, fix)
_Warning = tuple[str, str | None, str | None]


def check_settings(ctx: Context) -> Outcome:
    from foundry_cli import catalog

    r = ctx.r
    max_tokens, budget = int(r.max_tokens), r.thinking if isinstance(r.thinking, int) else 0
    model, source = _model_name(ctx)
    info = catalog.find_model(model) if model else None
    limits = _output_limit(r, max_tokens, model, source, info)
    if isinstance(limits, Outcome):
        return limits
    parts = limits
    if budget and not 1024 <= budget < max_tokens:
        return failed(
            f"thinking budget {budget} must be >= 1024 and < max_tokens ({max_tokens})",
            "max-tokens-range",
            fix="Set a thinking budget between 1024 and max_tokens - 1, or adaptive "
            "(--thinking, FCLAUDE_THINKING).",
        )
    refused = _rules_refusal(ctx, info)
    if refused is not None:
        return refused
    parts += _asked(r)
    warnings: list[_Warning] = []
    retirement = _retirement(ctx, info, parts)
    if isinstance(retirement, Outcome):
        return retirement
    if retirement is not None:
        warnings.append(retirement)
    if budget and r.api == "messages":
        warnings.append(
            (
                "thinking with tools on the Messages format needs thinking blocks sent back in tool-use "
                "turns",
                "thinking-tools",
                None,
            )
        )
    if warnings:
        row = next((w[1] for w in warnings if w[1] is not None), None)
        fixes = " ".join(w[2] for w in warnings if w[2] is not None) or None
        return warned("; ".join(parts + [w[0] for w in warnings]), row, fixes)
    return passed("; ".join(parts))


def _output_limit(r: Settings, max_tokens: int, model: str, source: str, info: Any) -> Outcome | list[str]:
    """max_tokens against the model's output limit: a failure when it exceeds it, else the detail's
    first parts (the limit it is within, or why it was not checked)."""
    parts = [f"max_tokens {max_tokens}"]
    if info is not None:
        limit = int(info.max_output_tokens)
        if max_tokens > limit:
            return failed(
                f"max_tokens {max_tokens} ({r.source('max_tokens')}) exceeds {model}'s limit of {limit}",
                "max-tokens-range",
                fix=f"Set max_tokens to at most {limit} (--max-tokens, FCLAUDE_MAX_TOKENS).",
            )
        parts[0] += f" <= {limit} for {model}"
    elif not model:
        parts.append(f"{source}: the model's limits not checked")
    elif source == "deployment name":
        parts.append(
            f"the model behind deployment {model!r} is unknown (no control plane, no probe answer): "
            "limits not checked"
        )
    else:
        parts.append(f"model {model} (from the {source}) is not in the catalog: limits not checked")
    return parts


def _retirement(ctx: Context, info: Any, parts: list[str]) -> Outcome | _Warning | None:
    """The model's retirement date: a failure once it has passed (its detail led by ``parts``), a
    warning within :data:`RETIRE_WARN_DAYS` of it, else None."""
    if info is None or info.retires is None:
        return None
    day = ctx.today or today()
    days = (info.retires - day).days
    move = "Move the deployment to a newer model (`fclaude models --all` lists them and their dates)."
    if days < 0:
        return failed(
            "; ".join(parts) + f"; {info.id} retired on {info.retires.isoformat()} ({_days(-days)} ago)",
            fix=move,
        )
    if days <= RETIRE_WARN_DAYS:
        when = "today" if days == 0 else f"in {_days(days)}"
        return (f"{info.id} retires on {info.retires.isoformat()} ({when})", None, move)
    return None


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _asked(r: Settings) -> list[str]:
    """The request settings worth naming in the detail (thinking, effort, temperature), when set."""
    out = []
    if r.thinking is not None:
        out.append(f"thinking {r.thinking}")
    if r.effort is not None:
        out.append(f"effort {r.effort}")
    if r.temperature is not None:
        out.append(f"temperature {r.temperature:g}")
    return out


def _rules_refusal(ctx: Context, info: Any) -> Outcome | None:
    """The model's request rules (the same ``plan_request`` ask and chat apply before sending) on the
    profile's thinking, effort, temperature and max_tokens: a refusal fails, naming its row and the
    flag to use instead."""
    from foundry_cli.catalog import Refusal, Wanted, plan_request
    from foundry_cli.config.paths import get_paths
    from foundry_cli.learned import refused_before, rejections

    r = ctx.r
    wanted = Wanted(
        thinking=r.thinking if isinstance(r.thinking, str | int) else None,
        effort=r.effort,
        temperature=r.temperature,
        max_tokens=int(r.max_tokens),
    )
    plan = plan_request(info, wanted)
    if not isinstance(plan, Refusal) and r.deployment:  # a rule a 400 showed the deployment breaks
        rejected = rejections(get_paths(ctx.env), r.profile, r.deployment)
        plan = refused_before(rejected, r.deployment, plan.fields, wanted, bool(plan.thinking_on)) or plan
    if not isinstance(plan, Refusal):
        return None
    name = _RULE_SETTING.get(plan.rule, "max_tokens" if plan.rule == "max_tokens" else "thinking")
    return failed(
        f"{plan.message} ({name} from {r.source(name)})",
        plan.row,
        fix=f"Use {plan.instead} (`{name}` in the profile, FCLAUDE_{name.upper()}).",
    )


# --- helpers --------------------------------------------------------------------------------


def _where(source: str) -> str:
    return source.removeprefix("env ")


def _loopback(host: str) -> bool:
    from foundry_cli.config.endpoint import is_loopback

    return is_loopback(host)


def _redact_url(url: str) -> str:
    parts = urlsplit(url)
    if "@" in parts.netloc:
        return url.replace(parts.netloc, "[credentials]@" + parts.netloc.rsplit("@", 1)[1])
    return url


def _bypassed(host: str, no_proxy: str) -> bool:
    for item in (x.strip().lower() for x in no_proxy.split(",")):
        if not item:
            continue
        if item == "*" or host == item or host.endswith("." + item.lstrip(".")):
            return True
    return False


def _proxied(ctx: Context, host: str) -> bool:
    has_proxy = any(ctx.env.get(v) for v in PROXY_VARS)
    no_proxy = next((ctx.env[v] for v in NO_PROXY_VARS if ctx.env.get(v)), "")
    return has_proxy and not _bypassed(host, no_proxy)


NET_TIMEOUT = 20.0


def _probe_timeout(ctx: Context) -> float:
    """The probe waits as long as a request may: connect and read timeouts, and slack for retries."""
    r = ctx.r
    return float(r.connect_timeout) + float(r.read_timeout) + 10.0


CHECKS: tuple[Check, ...] = (
    Check("profile", "Profile and settings", check_profile),
    Check("endpoint", "Endpoint form and API format", check_endpoint, needs=("profile",)),
    Check("api-version", "api-version for the route", check_api_version, needs=("endpoint",)),
    Check("auth", "Auth prerequisites", check_auth_prereqs, needs=("profile",)),
    Check("proxy", "Proxy and trust settings", check_proxy, needs=("endpoint",)),
    Check("dns", "DNS resolution", check_dns, needs=("endpoint",), network=True, timeout=NET_TIMEOUT),
    Check("tcp", "TCP connect", check_tcp, needs=("dns",), network=True, timeout=NET_TIMEOUT),
    Check("tls", "TLS handshake", check_tls, needs=("tcp",), network=True, timeout=NET_TIMEOUT),
    Check("token", "Token acquisition", check_token, needs=("auth",), network=True, timeout=60.0),
    Check("token-claims", "Token claims", check_claims, needs=("auth",), gated_by=("token",)),
    Check(
        "federation",
        "Federated (OIDC) login",
        check_federation,
        needs=("auth",),
        after=("token",),
        network=True,
        timeout=60.0,
    ),
    Check(
        "control-plane",
        "Control plane (ARM)",
        check_control_plane,
        needs=("endpoint", "auth"),
        network=True,
        timeout=60.0,
    ),
    Check(
        "probe",
        "Live probe (streaming)",
        check_probe,
        needs=("endpoint", "api-version", "auth"),
        gated_by=("tcp", "tls", "token", "token-claims"),
        network=True,
        timeout=120.0,
        timeout_for=_probe_timeout,
    ),
    Check(
        "region", "Region offers Claude", check_region, needs=("endpoint",), after=("control-plane", "probe")
    ),
    Check("role", "Data-plane role", check_role, needs=("auth",), after=("control-plane", "probe")),
    Check("deployment", "Deployment", check_deployment, needs=("profile",), after=("control-plane", "probe")),
    Check("settings", "Settings sanity", check_settings, needs=("profile",), after=("deployment",)),
)
CHECK_IDS: tuple[str, ...] = tuple(c.id for c in CHECKS)
