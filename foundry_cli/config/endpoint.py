"""Endpoint forms users paste, normalised to one resource root (+ project).

Accepted (DESIGN §3): a bare resource name ``myres``; ``https://myres.services.ai.azure.com``;
``.../anthropic`` (also with ``/v1`` or ``/v1/messages`` pasted after it);
``.../api/projects/PROJ`` and ``.../api/projects/PROJ/openai`` (also ``/v1``, ``/responses``);
``*.openai.azure.com`` and ``*.cognitiveservices.azure.com`` hosts; any other https host at
its root (a gateway or custom domain). ``http`` only for loopback hosts (the emulator).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from foundry_cli.errors import ConfigError

ApiFormat = Literal["messages", "responses"]

_RESOURCE_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}$")
_PROJECT_PATH = re.compile(
    r"^(?P<prefix>.*?)/api/projects/(?P<project>[^/]+)(?P<rest>/openai(?:/v1)?(?:/responses)?)?/?$"
)
_ANTHROPIC_PATH = re.compile(r"^(?P<prefix>.*?)/anthropic(?P<rest>/v1(?:/messages)?)?/?$")

FORM_HELP = (
    "Use the resource name (myres), https://myres.services.ai.azure.com, "
    "https://myres.services.ai.azure.com/anthropic for the Messages API, or "
    "https://myres.services.ai.azure.com/api/projects/PROJECT for the Responses API."
)


@dataclass(frozen=True)
class Endpoint:
    """A normalised endpoint: ``root`` has no trailing slash and no API path."""

    root: str
    project: str | None = None
    #: the API format the pasted form points at, if it points at one
    hinted_api: ApiFormat | None = None
    #: things normalisation changed that the user may want to know (shown by doctor / --debug)
    notes: tuple[str, ...] = field(default=())

    @property
    def host(self) -> str:
        return urlsplit(self.root).hostname or ""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def normalise_endpoint(value: str) -> Endpoint:
    """Turn any accepted endpoint form into an :class:`Endpoint`.

    Raises:
        ConfigError: the value is empty, not https (outside loopback), or has a path that is
            neither a resource root, ``/anthropic`` nor ``/api/projects/NAME``.
    """
    text = value.strip()
    if not text:
        raise ConfigError("The endpoint is empty. " + FORM_HELP, row="endpoint-missing")
    if "://" not in text:
        if _RESOURCE_NAME.match(text):
            return Endpoint(root=f"https://{text.lower()}.services.ai.azure.com")
        if "/" not in text and "." in text:
            text = "https://" + text  # a host pasted without scheme
        else:
            raise ConfigError(f"Cannot read {value!r} as an endpoint. " + FORM_HELP, row="endpoint-shape")
    parts = urlsplit(text)
    host = parts.hostname or ""
    if not host:
        raise ConfigError(f"The endpoint {value!r} has no host name. " + FORM_HELP, row="endpoint-shape")
    if parts.scheme == "http" and not is_loopback(host):
        raise ConfigError(
            f"The endpoint {value!r} uses http; Foundry endpoints are https only (http is allowed "
            "for loopback addresses such as the emulator).",
            row="endpoint-shape",
        )
    if parts.scheme not in ("http", "https"):
        raise ConfigError(
            f"The endpoint {value!r} must start with https://. " + FORM_HELP, row="endpoint-shape"
        )
    if parts.query or parts.fragment:
        raise ConfigError(
            f"The endpoint {value!r} carries a query or fragment; paste the endpoint only "
            "(api-version is a separate setting).",
            row="endpoint-shape",
        )
    netloc = parts.netloc.rsplit("@", 1)[-1].lower()  # never keep credentials from a URL
    base = f"{parts.scheme}://{netloc}"
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/")
    notes: list[str] = []
    if m := _PROJECT_PATH.match(path):
        if m["rest"] and m["rest"] not in ("/openai",):
            notes.append(f"dropped {m['rest']!r} after the project path; fclaude adds the API path itself")
        return Endpoint(
            root=base + m["prefix"], project=m["project"], hinted_api="responses", notes=tuple(notes)
        )
    if m := _ANTHROPIC_PATH.match(path):
        if m["rest"]:
            notes.append(f"dropped {m['rest']!r} after /anthropic; fclaude adds /v1/messages itself")
        return Endpoint(root=base + m["prefix"], hinted_api="messages", notes=tuple(notes))
    if path in ("", "/openai", "/openai/v1"):
        if path:
            notes.append(f"dropped {path!r}; fclaude adds the API path itself")
        return Endpoint(root=base, notes=tuple(notes))
    raise ConfigError(
        f"Cannot place the endpoint path {path!r} in {value!r}: it is neither a resource root, "
        "/anthropic nor /api/projects/NAME (paths like /models/chat/completions or "
        "/openai/deployments/... are not Claude routes). " + FORM_HELP,
        row="endpoint-shape",
    )
