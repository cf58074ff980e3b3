"""Which model is behind a deployment, remembered per profile.

Deployment names are arbitrary, and the model's request rules depend on the model. What fclaude
learns — from the control plane's deployment list (``fclaude models``) or from the ``model`` field of
an answer — is kept in ``deployments.json`` in the cache folder, with the time it was seen, so the
next request is checked against the right rules before it is sent. A deployment whose name is itself
a catalog model id (the portal's default name) is taken to run that model until learned otherwise.

The same file lists the deployment names a profile has seen, for suggestions and completions.
Everything here is best effort: a cache that cannot be read or written changes nothing but the
checks, never the request.
"""

from __future__ import annotations

import contextlib
import json
import time
from typing import TYPE_CHECKING, Any

from foundry_cli.config.fileio import atomic_write, locked, read_bounded

if TYPE_CHECKING:
    from foundry_cli.catalog import ModelInfo
    from foundry_cli.config.paths import Paths

FILE = "deployments.json"
MAX_BYTES = 1024 * 1024
#: the key for settings with no profile (zero-config, the emulator)
NO_PROFILE = "-"


def _load(paths: Paths) -> dict[str, Any]:
    try:
        doc = json.loads(read_bounded(paths.cache_dir / FILE, MAX_BYTES))
    except (OSError, ValueError, RecursionError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _entries(doc: dict[str, Any], profile: str | None) -> dict[str, Any]:
    entries = doc.get(profile or NO_PROFILE)
    return entries if isinstance(entries, dict) else {}


def remembered(paths: Paths, profile: str | None, deployment: str) -> str | None:
    """The model learned for ``deployment``, or None."""
    entry = _entries(_load(paths), profile).get(deployment)
    model = entry.get("model") if isinstance(entry, dict) else None
    return model if isinstance(model, str) and model else None


def known_deployments(paths: Paths, profile: str | None) -> list[str]:
    """Every deployment name seen for ``profile``, most recently seen first."""
    entries = _entries(_load(paths), profile)
    seen = [(e.get("seen", 0) if isinstance(e, dict) else 0, name) for name, e in entries.items()]
    return [name for _, name in sorted(seen, key=lambda pair: -float(pair[0] or 0))]


def remember(
    paths: Paths,
    profile: str | None,
    deployments: dict[str, str | None],
    source: str,
    *,
    replace: bool = False,
) -> None:
    """Record ``deployment -> model`` (None: the name alone) as seen now, from ``source``
    (``response`` or ``control-plane``). ``replace`` forgets names the source did not list."""
    path = paths.cache_dir / FILE
    with contextlib.suppress(Exception), locked(path, timeout=2):  # best effort (a busy lock too)
        doc = _load(paths)
        entries = {} if replace else dict(_entries(doc, profile))
        now = time.time()
        for name, model in deployments.items():
            prev = entries.get(name)
            old = prev if isinstance(prev, dict) else {}
            entries[name] = {"model": model or old.get("model"), "seen": now, "source": source}
        doc[profile or NO_PROFILE] = entries
        atomic_write(path, json.dumps(doc, indent=1, sort_keys=True).encode())


def model_for(paths: Paths, profile: str | None, deployment: str) -> ModelInfo | None:
    """The catalog model behind ``deployment``: learned, else the deployment's own name when it is a
    catalog id, else None (unknown: requests are sent as asked)."""
    from foundry_cli.catalog import find_model

    learned = remembered(paths, profile, deployment)
    if learned is not None:
        found = find_model(learned)
        if found is not None:
            return found
    return find_model(deployment)
