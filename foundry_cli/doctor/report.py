"""Doctor's machine outputs: the ``--json`` document, the ``--junit`` XML and the ``--bundle``.

Standard library only. The TTY table is drawn by ``cli/doctor.py``. Every writer passes its text
through :func:`scrub`, which replaces each known secret value, whatever happened upstream.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from foundry_cli.doctor.checks import Context
from foundry_cli.doctor.rows import ROW_BY_ID
from foundry_cli.doctor.runner import CheckResult, Report

SCHEMA_KEYS = ("id", "title", "status", "detail", "row", "fix", "duration_ms")
LIBRARIES = ("httpx2", "msal", "azure-identity", "truststore", "cryptography", "typer", "rich")
SECRET_SETTINGS = ("api_key", "client_secret", "ad_token")
#: response headers worth keeping for a support ticket (request ids, region, rate limits)
KEPT_HEADERS = (
    "request-id",
    "x-request-id",
    "apim-request-id",
    "x-ms-client-request-id",
    "x-ms-region",
    "retry-after",
    "retry-after-ms",
    "x-ratelimit-remaining-requests",
    "x-ratelimit-remaining-tokens",
    "azureml-model-session",
    "content-type",
)
REDACTED = "[redacted]"


def secrets_of(ctx: Context) -> list[str]:
    """Every secret value doctor may have seen: keys, client secrets, tokens."""
    found: list[str] = []
    if ctx.resolved is not None:
        for name in SECRET_SETTINGS:
            value = ctx.resolved.values[name].value if name in ctx.resolved.values else None
            if value:
                found.append(str(value))
    if ctx.token:
        found.append(ctx.token)
    return [s for s in found if len(s) >= 4]


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Replace every secret in one pass (longest first, so no secret hides inside another), after
    every secret the process registered (:mod:`foundry_cli.redact`: keys, tokens, client secrets)."""
    import re

    from foundry_cli.redact import scrub as scrub_registered

    text = scrub_registered(text)
    ordered = sorted({s for s in secrets if s}, key=len, reverse=True)
    if not ordered:
        return text
    return re.sub("|".join(re.escape(s) for s in ordered), REDACTED, text)


def to_json(report: Report) -> dict[str, Any]:
    """``{"profile","ok","checks":[{"id","title","status","detail","row","fix","duration_ms"}]}``."""
    return {
        "profile": report.profile,
        "ok": report.ok,
        "checks": [r.as_json() for r in report.results],
    }


def json_text(report: Report, secrets: Iterable[str] = ()) -> str:
    return scrub(json.dumps(to_json(report), indent=2, ensure_ascii=False), secrets) + "\n"


def junit_text(report: Report, secrets: Iterable[str] = ()) -> str:
    """One ``<testcase>`` per check: fail -> ``<failure>``, skip -> ``<skipped>``, warn -> a
    ``<failure>`` under ``--strict``, else passing with the warning in ``<system-out>``."""
    failures = sum(1 for r in report.results if _fails(r, report.strict))
    skipped = sum(1 for r in report.results if r.status == "skip")
    total_s = sum(r.duration_ms for r in report.results) / 1000
    suite = ET.Element(
        "testsuite",
        {
            "name": "fclaude doctor" + (f" ({report.profile})" if report.profile else ""),
            "tests": str(len(report.results)),
            "failures": str(failures),
            "errors": "0",
            "skipped": str(skipped),
            "time": f"{total_s:.3f}",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()),
        },
    )
    for r in report.results:
        case = ET.SubElement(
            suite,
            "testcase",
            {"classname": "fclaude.doctor", "name": r.id, "time": f"{r.duration_ms / 1000:.3f}"},
        )
        message = f"{r.status}: {r.detail}"
        if _fails(r, report.strict):
            failure = ET.SubElement(case, "failure", {"message": message, "type": r.row or r.status})
            failure.text = _explain(r)
        elif r.status == "skip":
            ET.SubElement(case, "skipped", {"message": r.detail})
        elif r.status == "warn":
            ET.SubElement(case, "system-out").text = f"{message}\n{_explain(r)}"
        ET.SubElement(case, "properties")
        props = case.find("properties")
        assert props is not None  # noqa: S101 - just created
        ET.SubElement(props, "property", {"name": "status", "value": r.status})
        if r.row:
            ET.SubElement(props, "property", {"name": "row", "value": r.row})
    ET.indent(suite)
    body = ET.tostring(suite, encoding="unicode")
    return scrub('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n", secrets)


def _fails(r: CheckResult, strict: bool) -> bool:
    return r.status == "fail" or (strict and r.status == "warn")


def _explain(r: CheckResult) -> str:
    parts = [r.detail]
    if r.row:
        parts.append(f"row: {r.row}")
    if r.fix:
        parts.append(f"fix: {r.fix}")
    return "\n".join(parts)


def versions() -> dict[str, str | None]:
    from importlib import metadata

    from foundry_cli import __version__

    out: dict[str, str | None] = {
        "fclaude": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "executable": sys.executable,
    }
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def settings_with_sources(ctx: Context) -> dict[str, Any]:
    """Every setting with where it came from; secrets only as "set" / "not set"."""
    if ctx.resolved is None:
        return {}
    out: dict[str, Any] = {}
    for name, v in ctx.resolved.values.items():
        value = v.value
        if name in SECRET_SETTINGS or name == "key_command":
            value = f"set ({REDACTED})" if value else None
        elif value is not None and not isinstance(value, (str, int, float, bool)):
            value = str(value)
        out[name] = {"value": value, "source": v.source}
    return out


def bundle(report: Report, ctx: Context, env: Mapping[str, str]) -> dict[str, Any]:
    """A support bundle: settings with sources, results, request ids, headers, versions; no secret."""
    probe = ctx.probe
    headers: dict[str, str] = {}
    if probe is not None:
        headers = {k: v for k, v in probe.headers if k.lower() in KEPT_HEADERS}
    claims = {}
    if ctx.claims:
        claims = {k: ctx.claims[k] for k in ("aud", "iss", "tid", "oid", "appid", "azp", "exp", "iat")}
        claims = {k: v for k, v in claims.items() if v is not None}
    endpoint = ctx.resolved.endpoint if ctx.resolved is not None else None
    return {
        "kind": "fclaude-doctor-bundle",
        "version": 1,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **to_json(report),
        "settings": settings_with_sources(ctx),
        "endpoint": None
        if endpoint is None
        else {"root": endpoint.root, "project": endpoint.project, "notes": list(endpoint.notes)},
        "credential": getattr(ctx.credential, "description", None),
        "token_claims": claims,
        "probe": None
        if probe is None
        else {
            "ok": probe.ok,
            "status": probe.status,
            "row": probe.row,
            "request_id": probe.request_id,
            "region": probe.region,
            "model": probe.model,
            "first_token_ms": _round(probe.first_token_ms),
            "total_ms": _round(probe.total_ms),
            "retries": probe.retries,
            "response_headers": headers,
        },
        "account": None
        if ctx.account is None
        else {k: getattr(ctx.account, k, None) for k in ("id", "name", "location", "kind")},
        "environment": sorted(
            name
            for name in env
            if name.startswith(("FCLAUDE_", "AZURE_", "ANTHROPIC_", "IDENTITY_", "MSI_"))
            or name.upper()
            in ("HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")
        ),
        "versions": versions(),
    }


def bundle_text(report: Report, ctx: Context, env: Mapping[str, str]) -> str:
    secrets = [*secrets_of(ctx), *env_secrets(env)]
    return (
        scrub(json.dumps(bundle(report, ctx, env), indent=2, ensure_ascii=False, default=str), secrets) + "\n"
    )


def env_secrets(env: Mapping[str, str]) -> list[str]:
    """Values of environment variables whose names say they hold a secret (not file paths)."""
    names = ("API_KEY", "SECRET", "TOKEN", "PASSWORD")
    return [
        v
        for k, v in env.items()
        if any(n in k.upper() for n in names) and not k.upper().endswith(("_FILE", "_PATH")) and len(v) >= 8
    ]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def write_private(path: Path, text: str) -> None:
    """Write a report to ``path`` as the bundle needs: mode 0600 from the first byte, atomically,
    and never through a symlink (``config.fileio.atomic_write``). The folder must exist; its mode is
    left alone (it is the user's, e.g. the working directory)."""
    from foundry_cli.config.fileio import atomic_write

    if path.is_dir():
        raise IsADirectoryError(21, "Is a directory", str(path))
    if not path.parent.is_dir():
        raise FileNotFoundError(2, "No such directory", str(path.parent))
    atomic_write(path, text.encode("utf-8"), mode=0o600)


# --- CI formats: GitHub Actions workflow commands, Azure Pipelines logging commands ------------

#: ``--format`` values; ``table`` is the default outside CI
FORMATS = ("table", "github", "azure-pipelines")
#: the longest annotation message (GitHub shows about this much; the step summary has the rest)
ANNOTATION_LIMIT = 900


def detect_format(env: Mapping[str, str]) -> str:
    """The CI format the environment asks for: ``github`` inside GitHub Actions
    (``GITHUB_ACTIONS=true``), ``azure-pipelines`` inside Azure Pipelines (``TF_BUILD=True``),
    else ``table``."""
    if env.get("GITHUB_ACTIONS", "").lower() == "true":
        return "github"
    if env.get("TF_BUILD", "").lower() == "true":
        return "azure-pipelines"
    return "table"


def _plain(text: str, secrets: Iterable[str], limit: int | None = None) -> str:
    """Untrusted text for a CI log: secrets scrubbed, controls removed, folded onto one line."""
    from foundry_cli.sanitize import one_line

    return one_line(scrub(text, secrets), limit)


def gh_data(text: str) -> str:
    """A GitHub workflow command's message, escaped as the runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def gh_property(text: str) -> str:
    """A GitHub workflow command's property value (``title=...``): ``:`` and ``,`` too."""
    return gh_data(text).replace(":", "%3A").replace(",", "%2C")


def azp_data(text: str) -> str:
    """An Azure Pipelines logging command's message (the agent decodes ``%AZP25`` to ``%``)."""
    return text.replace("%", "%AZP25").replace("\r", "%0D").replace("\n", "%0A")


def azp_property(text: str) -> str:
    """An Azure Pipelines logging command's property value: ``]`` and ``;`` too."""
    return azp_data(text).replace("]", "%5D").replace(";", "%3B")


def _issue_level(r: CheckResult, strict: bool) -> str | None:
    """``error`` for a check that fails the run (a warning under --strict too), ``warning`` for a
    warning, None for the rest."""
    if _fails(r, strict):
        return "error"
    return "warning" if r.status == "warn" else None


def _message(r: CheckResult, secrets: Iterable[str]) -> str:
    parts = [r.detail]
    if r.row and r.row in ROW_BY_ID:
        parts.append(f"Row {r.row}: {ROW_BY_ID[r.row].cause}")
    elif r.row:
        parts.append(f"Row {r.row}.")
    fix = r.fix or (ROW_BY_ID[r.row].fix if r.row and r.row in ROW_BY_ID else None)
    if fix:
        parts.append(f"Fix: {fix}")
    return _plain(" ".join(p.rstrip() for p in parts), secrets, ANNOTATION_LIMIT)


def _title(r: CheckResult, secrets: Iterable[str]) -> str:
    row = f" ({r.row})" if r.row else ""
    return _plain(f"fclaude doctor: {r.id}{row}", secrets, 200)


def github_annotations(report: Report, secrets: Iterable[str] = ()) -> str:
    """One ``::error title=...::message`` per failed check and ``::warning`` per warning (an error
    under --strict), escaped per GitHub's workflow-command rules; "" when all passed."""
    secrets = list(secrets)
    lines = []
    for r in report.results:
        level = _issue_level(r, report.strict)
        if level is not None:
            title, message = gh_property(_title(r, secrets)), gh_data(_message(r, secrets))
            lines.append(f"::{level} title={title}::{message}")
    return "".join(f"{line}\n" for line in lines)


def azure_issues(report: Report, secrets: Iterable[str] = ()) -> str:
    """One ``##vso[task.logissue type=error;code=ROW]message`` per failed check, ``type=warning``
    per warning, escaped per Azure Pipelines' logging-command rules; "" when all passed."""
    secrets = list(secrets)
    lines = []
    for r in report.results:
        level = _issue_level(r, report.strict)
        if level is None:
            continue
        props = f"type={level};"
        if r.row:
            props += f"code={azp_property(_plain(r.row, secrets, 80))};"
        message = f"{_title(r, secrets)}: {_message(r, secrets)}"
        lines.append(f"##vso[task.logissue {props}]{azp_data(message)}")
    return "".join(f"{line}\n" for line in lines)


_MD_SPECIAL = frozenset("\\`*_{}[]<>|~&")


def md_cell(text: str) -> str:
    """Untrusted text as one markdown table cell: every markdown/HTML character backslash-escaped
    (CommonMark lets any ASCII punctuation be escaped), so it renders as the text it is."""
    return "".join(f"\\{c}" if c in _MD_SPECIAL else c for c in text)


def step_summary(report: Report, secrets: Iterable[str] = ()) -> str:
    """The markdown appended to ``$GITHUB_STEP_SUMMARY``: a verdict line and one table row per
    check (status, check, detail, row, fix)."""
    secrets = list(secrets)
    icon = {"pass": "✅", "warn": "⚠️", "fail": "❌", "skip": "⏭️"}
    counts = {k: sum(1 for r in report.results if r.status == k) for k in icon}
    summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    verdict = "OK" if report.ok else "FAILED"
    strict = " (--strict: warnings fail)" if report.strict else ""
    profile = md_cell(_plain(report.profile or "(none)", secrets, 100))
    lines = [
        f"### fclaude doctor: {verdict}",
        "",
        f"Profile {profile}: {summary}{strict}.",
        "",
        "| | Check | Detail | Row | Fix |",
        "|---|---|---|---|---|",
    ]
    for r in report.results:
        fix = r.fix
        if fix is None and r.row and r.status in ("warn", "fail"):
            fix = ROW_BY_ID[r.row].fix if r.row in ROW_BY_ID else None
        cells = [
            f"{icon[r.status]} {r.status}",
            md_cell(r.id),
            md_cell(_plain(r.detail, secrets, 400)),
            md_cell(_plain(r.row, secrets, 80)) if r.row else "",
            md_cell(_plain(fix, secrets, 400)) if fix else "",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n\n"


def append_summary(path: Path, text: str) -> None:
    """Append to the step-summary file the runner gave (it exists; it is the runner's, not private)."""
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text)
