"""Which model is behind a deployment, remembered per profile.

Deployment names are arbitrary, and the model's request rules depend on the model. What fclaude
learns — from the control plane's deployment list (``fclaude models``) or from the ``model`` field of
an answer — is kept in ``deployments.json`` in the cache folder, with the time it was seen, so the
next request is checked against the right rules before it is sent. A deployment whose name is itself
a catalog model id (the portal's default name) is taken to run that model until learned otherwise.

The same file lists the deployment names a profile has seen, for suggestions and completions, and
the request rules a deployment's 400s showed it breaks (``rejected``): a model the catalog does not
know is sent as asked, and when the service answers that a rule was broken (a thinking mode, an
effort level, a sampling parameter, prefill) the rule is remembered, so the next request with the
same combination is refused before sending, naming the same row and the flag to use instead.
Everything here is best effort: a cache that cannot be read or written changes nothing but the
checks, never the request.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from typing import TYPE_CHECKING, Any

from foundry_cli.config.fileio import atomic_write, locked, read_bounded

if TYPE_CHECKING:
    from foundry_cli.catalog import ModelInfo, Refusal, Wanted
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
        previous = _entries(doc, profile)
        entries = {} if replace else dict(previous)
        now = time.time()
        for name, model in deployments.items():
            prev = previous.get(name)
            old = prev if isinstance(prev, dict) else {}
            entries[name] = {"model": model or old.get("model"), "seen": now, "source": source}
            if "rejected" in old and entries[name]["model"] == old.get("model"):
                entries[name]["rejected"] = old["rejected"]  # the same model breaks the same rules
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


# --- rules a deployment's 400s showed it breaks ----------------------------------------------------

#: the service's wordings (and the emulator's) -> the rule broken, in ``catalog.Refusal.rule`` terms;
#: the first match wins. ``.thinking``: the parameter is rejected only while thinking is on.
_RULE_WORDINGS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), rule)
    for p, rule in (
        (r"thinking\.type\.enabled\W{0,3}\s*is not supported", "thinking.enabled"),
        (r"thinking\.type\.adaptive\W{0,3}\s*is not supported", "thinking.adaptive"),
        (r"thinking\.type\.(?:disabled|between_tools)\W{0,3}\s*is not supported", "thinking.disabled"),
        (r"output_config\.effort\W{0,3}\s*value\s*\W{0,2}(low|medium|high|xhigh|max)\b", "effort:{0}"),
        (r"output_config\.effort\W{0,3}\s*is not supported", "effort"),
        (r"temperature`? may only be set to 1 when thinking", "temperature.thinking"),
        (r"top_k`? must be unset when thinking", "top_k.thinking"),
        (r"top_p`? must be greater than or equal to [\d.]+ or unset when thinking", "top_p.thinking"),
        (r"temperature`? and `?top_p`? cannot both be specified", "temperature"),
        (r"\b(temperature|top_p|top_k)`? is (?:deprecated|not supported) for this model", "{0}"),
        (
            r"assistant message prefill|prefill(?:ing)?(?: assistant messages?)? (?:is )?not supported",
            "prefill",
        ),
    )
)


def rule_of(message: str) -> str | None:
    """The rule a 400's message says was broken (``thinking.enabled``, ``effort:xhigh``,
    ``temperature``, ``prefill``, ...), or None when it names none of them."""
    for pattern, rule in _RULE_WORDINGS:
        m = pattern.search(message)
        if m:
            return rule.format(*m.groups())
    return None


def remember_rejection(paths: Paths, profile: str | None, deployment: str, rule: str) -> None:
    """Record that ``deployment`` answered 400 to a request breaking ``rule`` (seen now)."""
    path = paths.cache_dir / FILE
    with contextlib.suppress(Exception), locked(path, timeout=2):  # best effort (a busy lock too)
        doc = _load(paths)
        entries = dict(_entries(doc, profile))
        prev = entries.get(deployment)
        entry = (
            dict(prev) if isinstance(prev, dict) else {"model": None, "seen": time.time(), "source": "400"}
        )
        rejected = entry.get("rejected")
        entry["rejected"] = {**(rejected if isinstance(rejected, dict) else {}), rule: time.time()}
        entries[deployment] = entry
        doc[profile or NO_PROFILE] = entries
        atomic_write(path, json.dumps(doc, indent=1, sort_keys=True).encode())


def rejections(paths: Paths, profile: str | None, deployment: str) -> frozenset[str]:
    """The rules ``deployment`` is known to reject (see :func:`remember_rejection`)."""
    entry = _entries(_load(paths), profile).get(deployment)
    rejected = entry.get("rejected") if isinstance(entry, dict) else None
    return frozenset(k for k in rejected if isinstance(k, str)) if isinstance(rejected, dict) else frozenset()


def refused_before(
    rejected: frozenset[str], deployment: str, fields: dict[str, object], wanted: Wanted, thinking_on: bool
) -> Refusal | None:
    """A :class:`~foundry_cli.catalog.Refusal` when the planned request (``fields``, the body fields
    ``plan_request`` chose) breaks a rule ``deployment`` rejected before; None otherwise."""
    from foundry_cli.catalog import Refusal

    if not rejected:
        return None
    seen = f"deployment {deployment} rejected this before (HTTP 400)"
    thinking = fields.get("thinking")
    mode = thinking.get("type") if isinstance(thinking, dict) else None
    config = fields.get("output_config")
    effort = config.get("effort") if isinstance(config, dict) else None
    checks: list[tuple[bool, str, str, str, str]] = [  # (broken, rule, row, what, instead)
        (
            mode == "enabled" and "thinking.enabled" in rejected,
            "thinking.enabled",
            "thinking-mode",
            "a thinking budget (thinking.type=enabled)",
            "--thinking adaptive --effort LEVEL",
        ),
        (
            mode == "adaptive" and "thinking.adaptive" in rejected,
            "thinking.adaptive",
            "thinking-mode",
            "adaptive thinking (thinking.type=adaptive)",
            "--thinking N, a budget with 1024 <= N < --max-tokens",
        ),
        (
            mode in ("disabled", "between_tools") and "thinking.disabled" in rejected,
            "thinking.disabled",
            "thinking-mode",
            "turning thinking off",
            "no --thinking off (the model's default)",
        ),
        (
            effort is not None and ("effort" in rejected or f"effort:{effort}" in rejected),
            "effort",
            "thinking-mode",
            f"effort {effort}",
            "no --effort" if "effort" in rejected else "another --effort level",
        ),
        (
            "temperature" in fields
            and ("temperature" in rejected or (thinking_on and "temperature.thinking" in rejected)),
            "temperature",
            "sampling-unsupported",
            "temperature" + (" while thinking" if "temperature" not in rejected else ""),
            "no --temperature" + (", or --thinking off" if "temperature" not in rejected else ""),
        ),
        (
            "top_p" in fields and ("top_p" in rejected or (thinking_on and "top_p.thinking" in rejected)),
            "top_p",
            "sampling-unsupported",
            "top_p",
            "no --top-p",
        ),
        (
            wanted.prefill and "prefill" in rejected,
            "prefill",
            "sampling-unsupported",
            "assistant prefill",
            "a user turn last (put the answer's start into the prompt)",
        ),
    ]
    for broken, rule, row, what, instead in checks:
        if broken:
            return Refusal(deployment, rule, row, f"{seen}: {what} is not accepted there", instead)
    return None
