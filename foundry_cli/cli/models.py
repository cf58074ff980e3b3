"""``fclaude models``: the Claude model catalog joined with what is deployed on the resource.

Two sources, best first:

- **control plane** (``source: "control-plane"``): when ``subscription_id`` is set and the auth
  mode yields an Entra ID token for the management endpoint, the account is found by its
  endpoint host and its deployments are listed (name, model, version, SKU, capacity, state);
- **probe** (``source: "probe"``): otherwise one 1-token request to the configured deployment
  tells whether it answers; ``notes`` say what could not be listed and why.

For ``fclaude doctor``: :func:`management_credential` is the one way to get a management-plane
credential from resolved settings (None plus a reason when the auth mode has none).
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

import typer

from foundry_cli.cli._options import DebugOpt, EmulatorOpt, JsonOpt, ModelOpt, ProfileOpt, ScenarioOpt
from foundry_cli.cli._state import emulator_overrides, state
from foundry_cli.cli.exit_codes import ExitCode
from foundry_cli.errors import ApiError, ConfigError, FclaudeError

if TYPE_CHECKING:
    from foundry_cli.api.arm import Account, Deployment
    from foundry_cli.catalog import ModelInfo
    from foundry_cli.config.settings import Resolved

AllOpt = Annotated[bool, typer.Option("--all", help="Also list catalog models that are not deployed.")]

NO_CONTROL_PLANE_API_KEY = (
    "api-key auth has no control-plane access; set subscription_id and use an Entra ID auth mode to list "
    "deployments"
)
NO_CONTROL_PLANE_STATIC_BEARER = (
    "a ready bearer token (ad_token / AZURE_AD_TOKEN) is for the data plane only; use an Entra ID auth mode "
    "to list deployments"
)
NO_SUBSCRIPTION = (
    "no subscription_id is set, so the control plane was not asked; set subscription_id (or "
    "FCLAUDE_SUBSCRIPTION_ID) to list every deployment"
)


# --- the management-plane credential (shared with doctor) -----------------------------------------


def management_unavailable_reason(resolved: Resolved) -> str | None:
    """Why ``resolved`` cannot get a management-plane token, or None when it can."""
    if resolved["auth"] == "api-key":
        return NO_CONTROL_PLANE_API_KEY
    if resolved["ad_token"]:
        return NO_CONTROL_PLANE_STATIC_BEARER
    return None


PUBLIC_MANAGEMENT_SCOPE = "https://management.azure.com/.default"


def management_scope(management_endpoint: str) -> str:
    """The token scope for the control plane: ``{management_endpoint}/.default``, except for a
    loopback endpoint (the emulator standing in for public Azure), which takes the public
    ``https://management.azure.com/.default``: Entra ID knows no resource named ``http://127.0.0.1:…``.
    """
    from foundry_cli.config.endpoint import is_loopback

    host = urlsplit(management_endpoint).hostname or ""
    if is_loopback(host):
        return PUBLIC_MANAGEMENT_SCOPE
    return management_endpoint.rstrip("/") + "/.default"


def management_credential(resolved: Resolved, **kw: Any) -> Any | None:
    """A credential for the control plane: the profile's auth mode with scope
    :func:`management_scope` (``{management_endpoint}/.default``); None when the auth mode has no
    management token (see :func:`management_unavailable_reason`). ``kw`` goes to ``make_credential``
    (``prompt``, ``warn``, ``env``, ...). Its ``headers(api)`` gives ``authorization: Bearer ...``.

    Raises what ``make_credential`` raises (AuthError ``sp-env-missing``, ConfigError).
    """
    from foundry_cli.auth.factory import make_credential
    from foundry_cli.config.settings import Value

    if management_unavailable_reason(resolved) is not None:
        return None
    scope = management_scope(str(resolved["management_endpoint"]))
    values = {**resolved.values, "scope": Value(scope, "control plane (management_endpoint)")}
    return make_credential(dataclasses.replace(resolved, values=values), **kw)


# --- the listing ---------------------------------------------------------------------------------


@dataclass
class Listing:
    source: str  # "control-plane" | "probe"
    deployed: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: every deployment name known (control plane), for "did you mean"
    names: list[str] = field(default_factory=list)
    #: the configured deployment is missing (row deployment-not-found)
    missing: FclaudeError | None = None


def _catalog_json(info: ModelInfo | None) -> dict[str, Any] | None:
    return info.to_json() if info is not None else None


def _row(
    deployment: str,
    model: str | None,
    version: str | None,
    sku: str | None,
    capacity: int | None,
    state_: str,
) -> dict[str, Any]:
    from foundry_cli.catalog import find_model

    info = find_model(model) if model else None
    return {
        "deployment": deployment,
        "model": model,
        "version": version,
        "sku": sku,
        "capacity": capacity,
        "state": state_,
        "catalog": _catalog_json(info),
    }


def _deployment_row(d: Deployment) -> dict[str, Any]:
    return _row(d.name, d.model_name or None, d.model_version or None, d.sku or None, d.capacity, d.state)


def suggest(name: str, candidates: list[str]) -> str | None:
    """The closest candidate to ``name`` (difflib), or None when nothing is close."""
    lowered = {c.lower(): c for c in candidates}
    found = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[found[0]] if found else None


def not_found_error(name: str, candidates: list[str], where: str) -> ApiError:
    best = suggest(name, candidates)
    text = f"deployment '{name}' does not exist on {where}"
    if best is not None:
        text += f"; did you mean '{best}'?"
    elif candidates:
        text += f"; deployments: {', '.join(candidates)}."
    return ApiError(text, status=404, code="DeploymentNotFound", row="deployment-not-found")


def _host(resolved: Resolved) -> str:
    endpoint = resolved.endpoint
    return (urlsplit(endpoint.root).hostname or "") if endpoint is not None else ""


def from_control_plane(resolved: Resolved, debug: bool) -> Listing | str:
    """The deployments via ARM, or the reason (a note) they could not be listed."""
    from foundry_cli.api.arm import ArmClient

    reason = management_unavailable_reason(resolved)
    if reason is not None:
        return reason
    if not resolved["subscription_id"]:
        return NO_SUBSCRIPTION
    try:
        credential = management_credential(resolved, prompt=_stderr, warn=_warn)
        if credential is None:  # management_unavailable_reason said otherwise; keep the checker honest
            return NO_CONTROL_PLANE_API_KEY
        mgmt = str(resolved["management_endpoint"])
        with ArmClient(mgmt, credential, debug=_trace if debug else None) as arm:
            account: Account | None = arm.find_account(
                subscription_id=str(resolved["subscription_id"]), host=_host(resolved)
            )
            if account is None:
                return (
                    f"no Cognitive Services account in subscription {resolved['subscription_id']} has the "
                    f"endpoint host {_host(resolved)}; check subscription_id"
                )
            deployments = arm.deployments(account)
    except FclaudeError as exc:
        return f"the control plane could not list deployments ({exc})"
    from foundry_cli.catalog import is_claude_region, region_label

    listing = Listing("control-plane", [_deployment_row(d) for d in deployments])
    listing.names = [d.name for d in deployments]
    listing.notes.append(f"account {account.name} in {region_label(account.location)}")
    if not is_claude_region(account.location):
        listing.notes.append(
            f"region: {region_label(account.location)} does not offer Claude Global Standard deployments "
            "(East US 2, Sweden Central do)"
        )
    wanted = resolved["deployment"]
    if wanted and wanted not in listing.names:
        listing.missing = not_found_error(str(wanted), listing.names, f"account {account.name}")
    return listing


def by_probe(resolved: Resolved, debug: bool, why: str) -> Listing:
    """One 1-token request to the configured deployment."""
    from foundry_cli.api.client import ResultBuilder
    from foundry_cli.api.types import Message, Request
    from foundry_cli.catalog import load_catalog
    from foundry_cli.cli._client import make_client

    listing = Listing("probe", notes=[why])
    if resolved.endpoint is None:
        raise ConfigError(
            "No endpoint configured: set `endpoint` in a profile (fclaude login), or FCLAUDE_ENDPOINT / "
            "AZURE_API_BASE / ANTHROPIC_FOUNDRY_RESOURCE. Try it without Azure: fclaude --emulator models",
            row="endpoint-missing",
        )
    name = resolved["deployment"]
    if not name:
        listing.notes.append(
            "no deployment is configured (-m, deployment, FCLAUDE_DEPLOYMENT): nothing to probe"
        )
        return listing
    req = Request(deployment=str(name), messages=(Message("user", "ping"),), max_tokens=1, stream=False)
    with make_client(resolved, debug) as client:
        client.retry.max_retries = 0
        builder = ResultBuilder(api=str(resolved["api"]), deployment=str(name))
        try:
            for ev in client.events(req):
                builder.feed(ev)
        except ApiError as exc:
            from foundry_cli.doctor.table import classify

            row = classify(exc)
            if row is not None and row.id == "deployment-not-found":
                ids = [m.id for m in load_catalog()]
                listing.missing = not_found_error(str(name), ids, _host(resolved) or "the resource")
                listing.missing.request_id = exc.request_id
                return listing
            raise
    result = builder.finish(client.meta)
    model = _model_name(result.model) or str(name)
    listing.deployed.append(_row(str(name), model, None, None, None, "reachable"))
    region = result.region
    listing.notes.append(
        f"probed deployment {name}: it answers"
        + (f" (region {region})" if region else "")
        + "; other deployments are not visible without the control plane"
    )
    return listing


def _model_name(answered: str | None) -> str | None:
    """The catalog id for the ``model`` a response names, else that name as given."""
    from foundry_cli.catalog import find_model

    if not answered:
        return None
    info = find_model(answered)
    return info.id if info is not None else answered


def listing_json(listing: Listing, all_: bool) -> dict[str, Any]:
    """The stable ``--json`` document: deployed, catalog (only with --all), source, notes."""
    doc: dict[str, Any] = {"deployed": listing.deployed}
    if all_:
        doc["catalog"] = [m.to_json() for m in _not_deployed(listing)]
    doc["source"] = listing.source
    doc["notes"] = listing.notes
    return doc


def _not_deployed(listing: Listing) -> list[ModelInfo]:
    from foundry_cli.catalog import load_catalog

    used = {row["catalog"]["id"] for row in listing.deployed if row["catalog"] is not None}
    return [m for m in load_catalog() if m.id not in used]


# --- rendering -----------------------------------------------------------------------------------


def _k(tokens: int) -> str:
    return (
        f"{tokens // 1_000_000}M" if tokens >= 1_000_000 and tokens % 1_000_000 == 0 else f"{tokens // 1000}K"
    )


def _columns(rows: list[list[str]], tty: bool) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    if tty:
        lines.insert(1, "  ".join("─" * w for w in widths))
    return "\n".join(lines) + "\n"


def render_text(listing: Listing, all_: bool, tty: bool) -> str:
    out = []
    header = ["DEPLOYMENT", "MODEL", "VERSION", "SKU", "CAPACITY", "STATE", "CONTEXT", "MAX OUT", "THINKING"]
    rows = [header]
    for d in listing.deployed:
        cat = d["catalog"]
        rows.append(
            [
                d["deployment"],
                d["model"] or "-",
                d["version"] or "-",
                d["sku"] or "-",
                "-" if d["capacity"] is None else str(d["capacity"]),
                d["state"] or "-",
                _k(cat["context_window"]) if cat else "-",
                _k(cat["max_output_tokens"]) if cat else "-",
                ",".join(cat["thinking"]) if cat else "-",
            ]
        )
    if len(rows) > 1:
        out.append(_columns(rows, tty))
    else:
        out.append("No deployments listed.\n")
    if all_:
        rest = [["MODEL", "CONTEXT", "MAX OUT", "THINKING", "VISION", "STATUS", "RETIRES", "NOTES"]]
        for m in _not_deployed(listing):
            rest.append(
                [
                    m.id,
                    _k(m.context_window),
                    _k(m.max_output_tokens),
                    ",".join(m.thinking),
                    "yes" if m.vision else "no",
                    m.status,
                    m.retires.isoformat() if m.retires else "-",
                    m.notes or "-",
                ]
            )
        out.append("\nCatalog models not deployed:\n" + _columns(rest, tty))
    return "".join(out)


# --- the command ---------------------------------------------------------------------------------


def _stderr(text: str) -> None:
    sys.stderr.write(text.rstrip() + "\n")
    sys.stderr.flush()


def _warn(text: str) -> None:
    sys.stderr.write(f"fclaude: warning: {text}\n")


def _trace(text: str) -> None:
    sys.stderr.write("".join(f"[debug] {line}\n" for line in text.splitlines()))


def models(
    ctx: typer.Context,
    model: ModelOpt = None,
    json_out: JsonOpt = False,
    all_: AllOpt = False,
    profile: ProfileOpt = None,
    debug: DebugOpt = False,
    emulator_: EmulatorOpt = False,
    scenario: ScenarioOpt = None,
) -> None:
    """List Claude deployments on the resource, joined with the model catalog.

    Uses the control plane when subscription_id is set and the auth mode is Entra ID; otherwise
    probes the configured deployment. Examples: fclaude models; fclaude models --all --json
    """
    from foundry_cli.cli._errors import paragraph
    from foundry_cli.config.settings import resolve
    from foundry_cli.render.console import is_tty

    s = state(ctx, profile, debug, emulator_, scenario)
    with emulator_overrides(s) as overrides:
        resolved = resolve({"deployment": model}, profile=s.profile, overrides=overrides)
        found = from_control_plane(resolved, s.debug)
        listing = found if isinstance(found, Listing) else by_probe(resolved, s.debug, found)
    if json_out:
        sys.stdout.write(json.dumps(listing_json(listing, all_), ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(render_text(listing, all_, is_tty(sys.stdout)))
        for note in listing.notes:
            sys.stderr.write(f"fclaude: note: {note}.\n")
    sys.stdout.flush()
    if listing.missing is not None:
        sys.stderr.write(f"fclaude: {paragraph(listing.missing, what='Deployment not found')}\n")
        raise typer.Exit(int(ExitCode.FAILED))
