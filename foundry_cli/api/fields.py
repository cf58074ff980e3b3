"""Type-checked reads of decoded JSON for the adapters: valid JSON of the wrong shape is an error
the user can read, not an ``AttributeError`` reported as "a bug".

Every getter treats a missing key and ``null`` alike (the default), returns the value when it has
the expected type, and otherwise raises :class:`ApiError` naming the event and the field, never
quoting the value. Strings come back without lone surrogates (which cannot be printed or stored).
"""

from __future__ import annotations

from typing import Any

from foundry_cli.api.error_body import server_text, without_surrogates
from foundry_cli.errors import ApiError

__all__ = [
    "MALFORMED",
    "as_object",
    "get_int",
    "get_label",
    "get_list",
    "get_object",
    "get_opt_str",
    "get_str",
    "malformed",
]

#: the ApiError code of a well-formed JSON event or body whose fields have the wrong types
MALFORMED = "malformed_response"
#: characters kept of a metadata value (id, model, stop reason)
MAX_LABEL = 200

_TYPE_NAMES = {
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    list: "a list",
    dict: "an object",
}


def _kind(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


#: the places :func:`malformed` names as they are; any other ``where`` is an event type
_PLACES = frozenset(
    {"event", "message", "response", "content block", "output item", "summary part", "content part"}
)


def _place(where: str) -> str:
    if where in _PLACES:
        return where
    # an event type (server text): named only when it is short and printable
    return f"{where!r} event" if len(where) <= 60 and where.isprintable() else "event"


def malformed(where: str, detail: str) -> ApiError:
    """The error for a response that is JSON but not the shape the wire format documents.

    ``where`` is one of a few nouns ("message", "content block", ...) or the type of the event, so
    callers on the hot path pass the event type they already hold and nothing is formatted unless
    an error is raised."""
    return ApiError(
        f"The service sent a malformed {_place(where)}: {detail}. The answer cannot be read; run again, and "
        "if it repeats report it with the request id (an intermediate proxy may be rewriting responses).",
        status=200,
        code=MALFORMED,
    )


def as_object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise malformed(where, f"expected an object, got {_kind(value)}")
    return value


def get_object(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    """``data[key]`` as an object; ``{}`` when missing or null."""
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise malformed(where, f"`{key}` is {_kind(value)}, expected an object")
    return value


def get_list(data: dict[str, Any], key: str, where: str) -> list[Any]:
    """``data[key]`` as a list; ``[]`` when missing or null."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise malformed(where, f"`{key}` is {_kind(value)}, expected a list")
    return value


def get_str(data: dict[str, Any], key: str, where: str, default: str = "") -> str:
    """``data[key]`` as a string; ``default`` when missing or null (never the text "None")."""
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise malformed(where, f"`{key}` is {_kind(value)}, expected a string")
    return without_surrogates(value)


def get_opt_str(data: dict[str, Any], key: str, where: str) -> str | None:
    """``data[key]`` as a string, or None when missing or null."""
    value = data.get(key)
    return None if value is None else get_str(data, key, where)


def get_int(data: dict[str, Any], key: str) -> int | None:
    """``data[key]`` when it is a whole number (usage counters); None otherwise. Counters are
    informative, so a wrong type is ignored rather than fatal."""
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def get_label(data: dict[str, Any], key: str, where: str) -> str | None:
    """A metadata string (a response id, a model name, a stop reason) made safe like a header: one
    terminal-safe line of at most :data:`MAX_LABEL` characters, scrubbed; None when missing, null or
    empty. Unlike answer text, metadata is shown in status lines and tables, never piped as data."""
    value = get_opt_str(data, key, where)
    return (server_text(value, MAX_LABEL) or None) if value is not None else None
