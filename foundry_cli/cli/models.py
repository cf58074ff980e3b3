"""``fclaude models``: the Claude model catalog joined with what is deployed on the resource.

Two sources, best first:

- **control plane** (``source: "control-plane"``): when ``subscription_id`` is set and the auth
  mode yields an Entra ID token for the management endpoint, the account is found by its
  endpoint host and its deployments are listed (name, model, version, SKU, capacity, state);
- **probe** (``source: "probe"``): otherwise one 1-token request to the configured deployment
  tells whether it answers; ``notes`` say what could not be listed and why.

The management-plane credential and client come from :mod:`foundry_cli.connect`, shared with doctor.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

import typer

from foundry_cli.cli._options import DebugOpt, EmulatorOpt, ModelOpt, ProfileOpt, ScenarioOpt
from foundry_cli.cli._state import emulator_overrides, state
from foundry_cli.errors import ApiError, FclaudeError
from foundry_cli.render.output import Cell, Column, Output, Styled

if TYPE_CHECKING:
    from foundry_cli.api.arm import Account, Deployment
    from foundry_cli.catalog import ModelInfo
    from foundry_cli.config.settings import Settings

AllOpt = Annotated[bool, typer.Option("--all", help="Also list catalog models that are not deployed.")]
ModelsJsonOpt = Annotated[
    bool,
    typer.Option(
        "--json", help='Print one JSON object: {"deployed", "catalog" (with --all), "source", "notes"}.'
    ),
]

NO_SUBSCRIPTION = (
    "no subscription_id is set, so the control plane was not asked; set subscription_id (or "
    "FCLAUDE_SUBSCRIPTION_ID) to list every deployment"
)


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


def known_deployment_names(resolved: Settings, debug: bool = False) -> list[str]:
    """The resource's deployment names when they are known cheaply: the control plane's list when it
    is configured, else the names this profile has seen (``fclaude models`` and every answer write
    them to ``deployments.json`` in the cache folder). Empty when neither knows any."""
    from foundry_cli.config.paths import get_paths
    from foundry_cli.connect import management_unavailable_reason
    from foundry_cli.learned import known_deployments

    if resolved.subscription_id and management_unavailable_reason(resolved) is None:
        found = from_control_plane(resolved, debug)
        if isinstance(found, Listing):
            return found.names
    return known_deployments(get_paths(), resolved.profile)


def with_suggestion(error: FclaudeError, resolved: Settings, name: str, debug: bool = False) -> FclaudeError:
    """A deployment-not-found error for ``name`` that names the closest known deployments (as
    ``models -m`` does); any other error, or one with no known names to offer, as it is."""
    from foundry_cli.doctor.table import classify

    row = classify(error)
    if row is None or row.id != "deployment-not-found":
        return error
    names = [n for n in known_deployment_names(resolved, debug) if n != name]
    if not names:
        return error
    better = not_found_error(name, names, _host(resolved) or "the resource")
    better.request_id = getattr(error, "request_id", None)
    return better


def _remember(resolved: Settings, listing: Listing) -> None:
    """Keep the names ``models`` found in the cache folder, for suggestions (``ask -m``, ``/model``)
    and completions: the control plane's list replaces what was known; a probe adds its one name."""
    from foundry_cli.config.paths import get_paths
    from foundry_cli.learned import remember

    found = {d["deployment"]: d["model"] for d in listing.deployed}
    if listing.source == "control-plane":
        remember(get_paths(), resolved.profile, found, "control-plane", replace=True)
    elif found:
        remember(get_paths(), resolved.profile, found, "response")


def _host(resolved: Settings) -> str:
    endpoint = resolved.endpoint
    return (urlsplit(endpoint.root).hostname or "") if endpoint is not None else ""


def from_control_plane(resolved: Settings, debug: bool) -> Listing | str:
    """The deployments via ARM, or the reason (a note) they could not be listed."""
    from foundry_cli.cli._client import make_arm_client
    from foundry_cli.connect import management_unavailable_reason

    reason = management_unavailable_reason(resolved)
    if reason is not None:
        return reason
    if not resolved.subscription_id:
        return NO_SUBSCRIPTION
    try:
        client = make_arm_client(resolved, debug)
        if client is None:  # management_unavailable_reason said otherwise; keep the checker honest
            return reason or NO_SUBSCRIPTION
        with client as arm:
            account: Account | None = arm.find_account(
                subscription_id=str(resolved.subscription_id), host=_host(resolved)
            )
            if account is None:
                return (
                    f"no Cognitive Services account in subscription {resolved.subscription_id} has the "
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
    wanted = resolved.deployment
    if wanted and wanted not in listing.names:
        listing.missing = not_found_error(str(wanted), listing.names, f"account {account.name}")
    return listing


def by_probe(resolved: Settings, debug: bool, why: str) -> Listing:
    """One 1-token request to the configured deployment."""
    from foundry_cli.api.types import Message, Request
    from foundry_cli.catalog import load_catalog
    from foundry_cli.cli._client import make_client

    listing = Listing("probe", notes=[why])
    resolved.require_endpoint()
    name = resolved.deployment
    if not name:
        listing.notes.append(
            "no deployment is configured (-m, deployment, FCLAUDE_DEPLOYMENT): nothing to probe"
        )
        return listing
    req = Request(deployment=str(name), messages=(Message("user", "ping"),), max_tokens=1, stream=False)
    with make_client(resolved, debug, max_retries=0) as client:
        answer = client.send(req)
        try:
            result = answer.complete()
        except ApiError as exc:
            from foundry_cli.doctor.table import classify

            row = classify(exc)
            if row is not None and row.id == "deployment-not-found":
                ids = [m.id for m in load_catalog()]
                listing.missing = not_found_error(str(name), ids, _host(resolved) or "the resource")
                listing.missing.request_id = exc.request_id
                return listing
            raise
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


#: a retirement this close (or past) is shown in colour and warned about
RETIRE_WARN_DAYS = 60

DEPLOYED_COLUMNS = (
    Column("DEPLOYMENT", min_width=24),
    Column("MODEL", min_width=20, drop=2),
    Column("VERSION", drop=8),
    Column("SKU", drop=7),
    Column("CAPACITY", align="right", drop=6),
    Column("STATE", min_width=9, drop=1),
    Column("CONTEXT", align="right", drop=3),
    Column("MAX OUT", align="right", drop=5),
    Column("THINKING", drop=4),
    Column("RETIRES", min_width=10),
)
CATALOG_COLUMNS = (
    Column("MODEL", min_width=24),
    Column("CONTEXT", align="right", drop=3),
    Column("MAX OUT", align="right", drop=4),
    Column("THINKING", drop=5),
    Column("VISION", drop=6),
    Column("STATUS", drop=2),
    Column("RETIRES", min_width=10),
    Column("NOTES", min_width=12, drop=9),  # cut first, hidden first: the long tail of the row
)


def _retires(iso: str | None, today: dt.date) -> Cell:
    """The RETIRES cell: the date, yellow within RETIRE_WARN_DAYS, red once past."""
    if not iso:
        return None
    days = (dt.date.fromisoformat(iso) - today).days
    if days < 0:
        return Styled(iso, "red")
    return Styled(iso, "yellow") if days <= RETIRE_WARN_DAYS else iso


def _retire_warnings(listing: Listing, today: dt.date) -> list[str]:
    """One sentence per deployed model that retires within RETIRE_WARN_DAYS (or has retired)."""
    out = []
    for d in listing.deployed:
        iso = d["catalog"]["retires"] if d["catalog"] else None
        if not iso:
            continue
        days = (dt.date.fromisoformat(iso) - today).days
        if days > RETIRE_WARN_DAYS:
            continue
        when = "today" if days == 0 else f"in {days} days" if days > 0 else f"{-days} days ago"
        verb = "retired" if days < 0 else "retires"
        out.append(
            f"deployment {d['deployment']} runs {d['model']}, which {verb} on {iso} ({when}); "
            "move it to a newer model (fclaude models --all lists them)"
        )
    return out


def render(listing: Listing, all_: bool, out: Output, today: dt.date | None = None) -> None:
    """The deployed table (and with ``all_`` the catalog table) on stdout; notes and retirement
    warnings on stderr."""
    today = today or dt.date.today()
    rows: list[list[Cell]] = []
    for d in listing.deployed:
        cat = d["catalog"]
        rows.append(
            [
                d["deployment"],
                d["model"],
                d["version"],
                d["sku"],
                d["capacity"],
                d["state"],
                _k(cat["context_window"]) if cat else None,
                _k(cat["max_output_tokens"]) if cat else None,
                ",".join(cat["thinking"]) if cat else None,
                _retires(cat["retires"] if cat else None, today),
            ]
        )
    if rows:
        out.table(DEPLOYED_COLUMNS, rows)
    else:
        out.line("No deployments listed.")
    if all_:
        rest: list[list[Cell]] = [
            [
                m.id,
                _k(m.context_window),
                _k(m.max_output_tokens),
                ",".join(m.thinking),
                "yes" if m.vision else "no",
                m.status,
                _retires(m.retires.isoformat() if m.retires else None, today),
                m.notes or None,
            ]
            for m in _not_deployed(listing)
        ]
        out.line()
        out.line("Catalog models not deployed:")
        out.table(CATALOG_COLUMNS, rest)
    for note in listing.notes:
        out.note(f"{note}.")
    for warning in _retire_warnings(listing, today):
        out.warning(warning)


# --- the command ---------------------------------------------------------------------------------


def models(
    ctx: typer.Context,
    model: ModelOpt = None,
    json_out: ModelsJsonOpt = False,
    all_: AllOpt = False,
    profile: ProfileOpt = None,
    debug: DebugOpt = False,
    emulator_: EmulatorOpt = False,
    scenario: ScenarioOpt = None,
) -> None:
    """List the deployments, joined with the model catalog.

    Uses the control plane when subscription_id is set and the auth mode is Entra ID; otherwise
    probes the configured deployment.

    Examples:

    \b
      fclaude models
      fclaude models --all
      fclaude models --json -m claude-haiku-4-5
    """
    from foundry_cli.cli._errors import report
    from foundry_cli.config.settings import resolve

    s = state(ctx, profile, debug, emulator_, scenario)
    with emulator_overrides(s) as overrides:
        resolved = resolve({"deployment": model}, profile=s.profile, overrides=overrides)
        found = from_control_plane(resolved, s.debug)
        listing = found if isinstance(found, Listing) else by_probe(resolved, s.debug, found)
        _remember(resolved, listing)
    out = Output()
    if json_out:
        out.json(listing_json(listing, all_))
    else:
        render(listing, all_, out)
    out.flush()
    if listing.missing is not None:
        raise typer.Exit(int(report(listing.missing, out.stderr, what="Deployment not found")))
