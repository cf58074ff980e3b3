"""Endpoint forms users paste, normalised to one resource root (+ project).

Accepted (DESIGN §3): a bare resource name ``myres``; ``https://myres.services.ai.azure.com``;
``.../anthropic`` (also with ``/v1`` or ``/v1/messages`` pasted after it);
``.../api/projects/PROJ`` and ``.../api/projects/PROJ/openai`` (also ``/v1``, ``/responses``);
``*.openai.azure.com`` and ``*.cognitiveservices.azure.com`` hosts; any other https host at
its root (a gateway or custom domain). ``http`` only for loopback hosts (the emulator).

Every other string is a :class:`ConfigError` (never another exception), and nothing is changed
silently: whitespace, control characters, non-ASCII hosts (look-alike letters; the message shows the
punycode form), ports outside 1-65535 and ``user:password@`` are refused, and messages never show
what came before an ``@`` or after a ``?``.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import SplitResult, urlsplit

from foundry_cli.errors import ConfigError

ApiFormat = Literal["messages", "responses"]

_RESOURCE_NAME = re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$")
_HOST_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")
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


def _shown(value: str, limit: int = 160) -> str:
    """``value`` as a message may show it: never the user info before an ``@`` (a password), nor a
    query (it may hold a key); control characters escaped by repr; long values cut."""
    scheme = m[0] if (m := re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", value)) else ""
    rest = value[len(scheme) :]
    if "@" in rest:  # anywhere: a "/" or "?" in a password also ends the authority
        rest = "…@" + rest.rsplit("@", 1)[1]
    rest = re.sub(r"([?#]).*", r"\1…", rest, flags=re.DOTALL)
    shown = scheme + rest
    return repr(shown if len(shown) <= limit else shown[: limit - 1] + "…")


def _lookalikes(text: str) -> str:
    """Name the first non-ASCII characters: a pasted look-alike letter is invisible otherwise."""
    odd = list(dict.fromkeys(c for c in text if ord(c) > 127))[:3]
    if not odd:
        return ""
    names = ", ".join(f"{c!r} U+{ord(c):04X} {unicodedata.name(c, 'unnamed character')}" for c in odd)
    return f" It contains non-ASCII characters ({names}), perhaps a look-alike pasted from a document."


def _shape_error(message: str) -> ConfigError:
    return ConfigError(message, row="endpoint-shape")


def _check_text(text: str, value: str) -> None:
    """Refuse what URL parsing would silently drop or mangle: whitespace and control characters."""
    for c in text:
        if c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp"):
            what = (
                "a space" if c == " " else f"the character U+{ord(c):04X} ({unicodedata.name(c, 'control')})"
            )
            raise _shape_error(
                f"The endpoint {_shown(value)} contains {what}; paste the URL alone. " + FORM_HELP
            )


def _punycode(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return ""


def _check_host(host: str, value: str) -> None:
    """An IP address, or dot-separated ASCII labels; a non-ASCII host is refused, never encoded."""
    if not host.isascii():
        code = _punycode(host)
        as_ascii = f"its ASCII (punycode) form is {code}; " if code else ""
        raise _shape_error(
            f"The endpoint host {_shown(host)} is not plain ASCII ({as_ascii}Foundry hosts are ASCII)."
            + _lookalikes(host)
            + " Type the host name again, or paste the punycode form if that host is really meant."
        )
    with contextlib.suppress(ValueError):
        ipaddress.ip_address(host)
        return
    labels = host.removesuffix(".").split(".")
    if len(host) > 253 or not all(_HOST_LABEL.match(label) for label in labels):
        raise _shape_error(f"The endpoint {_shown(value)} has no valid host name. " + FORM_HELP)


def _url_problem(python_message: str) -> str:
    if "IPv6" in python_message:
        return "an unclosed or invalid [IPv6] address"
    if "Port" in python_message or "port" in python_message:
        return "the port must be a number from 1 to 65535"
    if "NFKC" in python_message:
        return "the host has characters that change under Unicode normalisation"
    return "not a URL"


def _base(value: str, text: str) -> tuple[SplitResult, str]:
    """Split ``text`` into parts and the normalised ``scheme://host[:port]``, or raise ConfigError."""
    try:
        parts = urlsplit(text)
        host, port = parts.hostname or "", parts.port
    except ValueError as exc:  # never shown as is: Python's text may quote the netloc, password and all
        raise _shape_error(
            f"Cannot read {_shown(value)} as a URL ({_url_problem(str(exc))})."
            + _lookalikes(text)
            + " "
            + FORM_HELP
        ) from None
    if parts.scheme not in ("http", "https"):
        raise _shape_error(f"The endpoint {_shown(value)} must start with https://. " + FORM_HELP)
    if "@" in parts.netloc:
        raise _shape_error(
            f"The endpoint {_shown(value)} carries a user name or password before '@'; fclaude refuses "
            "it (they are never sent, and would be stored in config.toml). Remove it: authentication is "
            "the API key or the auth mode."
        )
    if not host:
        raise _shape_error(f"The endpoint {_shown(value)} has no host name. " + FORM_HELP)
    _check_host(host, value)
    if port is not None and not 1 <= port <= 65535:
        raise _shape_error(f"The endpoint {_shown(value)} has no valid port (1-65535). " + FORM_HELP)
    if parts.scheme == "http" and not is_loopback(host):
        raise _shape_error(
            f"The endpoint {_shown(value)} uses http; Foundry endpoints are https only (http is allowed "
            "for loopback addresses such as the emulator)."
        )
    if parts.query or parts.fragment or text.endswith(("?", "#")):
        raise _shape_error(
            f"The endpoint {_shown(value)} carries a query or fragment; paste the endpoint only "
            "(api-version is a separate setting)."
        )
    netloc = f"[{host}]" if ":" in host else host
    return parts, f"{parts.scheme}://{netloc}" + (f":{port}" if port is not None else "")


def normalise_endpoint(value: str) -> Endpoint:
    """Turn any accepted endpoint form into an :class:`Endpoint`.

    Raises:
        ConfigError: for every string that is not an accepted form (row ``endpoint-missing`` when
            empty, else ``endpoint-shape``), never another exception: empty, not https (outside
            loopback), whitespace or control characters, a non-ASCII host (shown in punycode), a
            port outside 1-65535, a user name or password (refused, never echoed), a query, or a
            path that is neither a resource root, ``/anthropic`` nor ``/api/projects/NAME``.
    """
    text = value.strip()
    if not text:
        raise ConfigError("The endpoint is empty. " + FORM_HELP, row="endpoint-missing")
    _check_text(text, value)
    if "://" not in text:
        if _RESOURCE_NAME.match(text):
            return Endpoint(root=f"https://{text.lower()}.services.ai.azure.com")
        if "/" not in text and "." in text:
            text = "https://" + text  # a host pasted without scheme
        else:
            raise _shape_error(
                f"Cannot read {_shown(value)} as an endpoint." + _lookalikes(text) + " " + FORM_HELP
            )
    parts, base = _base(value, text)
    return _place(base, re.sub(r"/{2,}", "/", parts.path).rstrip("/"), value)


def _place(base: str, path: str, value: str) -> Endpoint:
    """The endpoint that ``base`` + ``path`` points at: a project, ``/anthropic`` or the root."""
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
    raise _shape_error(
        f"Cannot place the endpoint path {_shown(path, 100)} in {_shown(value)}: it is neither a resource "
        "root, /anthropic nor /api/projects/NAME (paths like /models/chat/completions or "
        "/openai/deployments/... are not Claude routes). " + FORM_HELP
    )
