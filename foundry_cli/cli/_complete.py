"""Shell completion values from fclaude's own data, and the fast path that answers them.

The values: profile names (``config.toml``), deployment names (the profile's ``deployments.json``
cache, then the catalog's model ids), ``--scenario`` names, doctor check ids, the ``--api``/``--auth``/
``--thinking``/``--effort``/``--cache`` choices and recent conversation ids (``history.db``, read-only,
at most :data:`HISTORY_LIMIT`, titles as descriptions).

Two ways in, one set of sources:

* Typer's: the ``complete_*`` callbacks below are the options' ``autocompletion=``; Typer calls them
  when the whole app answers a completion request.
* the fast path: :func:`fast_complete`, called by ``main()`` before Typer is imported, answers the
  requests for these values from ``completion_table.json`` (the command tree, which options take a
  value, which source each completes, and the values that need heavy imports to compute: scenarios,
  check ids, catalog ids), written by ``scripts/gen_completions.py`` from the app itself and checked
  by ``--check`` in CI. Anything it does not recognise (an unknown option, a subcommand name, option
  names) falls through to Typer, so a stale table costs time, never a wrong answer.

Nothing here raises: a completion that cannot be computed is an empty list, never a traceback in the
user's shell. Values that are not plain names are left out (they go through the shell's ``eval``), and
descriptions are one short line without quotes, backslashes, ``$``, backticks or brackets.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

Item = tuple[str, str]  # (value, description)

#: the generated table the fast path reads (``scripts/gen_completions.py`` writes it)
TABLE_FILE = Path(__file__).with_name("completion_table.json")
#: the incomplete value that makes a callback name its source (how the generator maps options to sources)
PROBE = "\x00source:"
#: conversation ids offered at most (the most recently updated first)
HISTORY_LIMIT = 50
#: how long a completion waits for a busy history.db
HISTORY_TIMEOUT = 0.2
DESCRIPTION_LIMIT = 60
#: the static sources the table carries (their live values need heavy imports)
STATIC_SOURCES = ("scenarios", "checks", "catalog", "emulator-deployments")

_SAFE_VALUE = re.compile(r"^\w[\w.@+-]{0,127}$")
_UNSAFE_IN_DESCRIPTION = re.compile(r"[\\$`\"'\[\]]+")
_WHITESPACE = re.compile(r"\s")


@dataclass(frozen=True)
class Where:
    """What the command line says so far that changes the values: the profile and ``--emulator``."""

    profile: str | None = None
    emulator: bool = False


def describe(text: object, limit: int = DESCRIPTION_LIMIT) -> str:
    """A description fit for every shell: terminal-safe, one line, printable, and without the
    characters that end a shell's quoting (``\\ " ' $ ` ``) or that rich reads as markup (``[ ]``)."""
    from foundry_cli.sanitize import one_line

    flat = one_line(text if isinstance(text, str) else "")
    printable = "".join(ch if ch.isprintable() else " " for ch in flat)
    line = " ".join(_UNSAFE_IN_DESCRIPTION.sub(" ", printable).split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _safe(items: Iterable[Item]) -> list[Item]:
    seen: set[str] = set()
    out: list[Item] = []
    for value, help_ in items:
        if isinstance(value, str) and _SAFE_VALUE.match(value) and value not in seen:
            seen.add(value)
            out.append((value, describe(help_)))
    return out


# --- the sources -----------------------------------------------------------------------------------


def _config(env: Mapping[str, str]) -> tuple[Any, dict[str, Any]]:
    from foundry_cli.config.paths import get_paths
    from foundry_cli.config.settings import load_config

    paths = get_paths(env)
    return paths, load_config(paths)


def _host(endpoint: str) -> str:
    from urllib.parse import urlsplit

    try:
        return urlsplit(endpoint).hostname or endpoint
    except ValueError:
        return endpoint


def profiles(where: Where, env: Mapping[str, str]) -> list[Item]:
    """Profile names from ``config.toml``; the default one says so."""
    _, doc = _config(env)
    sections = doc.get("profiles", {})
    default = doc.get("default_profile")
    items = []
    for name in sorted(sections):
        section = sections[name] if isinstance(sections[name], dict) else {}
        endpoint = section.get("endpoint") or section.get("resource") or ""
        where_to = _host(endpoint) if isinstance(endpoint, str) else ""
        items.append((name, f"default profile · {where_to}" if name == default else where_to))
    return items


def deployments(where: Where, env: Mapping[str, str], static: Mapping[str, list[Item]]) -> list[Item]:
    """Deployments this profile has seen (``fclaude models`` and every answer write them), most recent
    first; then the catalog's model ids (the portal's default deployment names). With --emulator:
    the emulator's deployments."""
    items: list[Item] = []
    if where.emulator:
        items += [(name, "emulator deployment") for name, _ in static["emulator-deployments"]]
    else:
        from foundry_cli.config.settings import select_profile
        from foundry_cli.learned import known_deployments

        paths, doc = _config(env)
        profile, _ = select_profile(where.profile, env, doc)
        seen = f"deployed (profile {profile})" if profile else "deployed"
        items += [(name, seen) for name in known_deployments(paths, profile)]
    return items + [(name, f"catalog model {help_}".strip()) for name, help_ in static["catalog"]]


def history_ids(where: Where, env: Mapping[str, str], incomplete: str) -> list[Item]:
    """Recent conversation ids starting with ``incomplete``, titles as descriptions; read-only."""
    import sqlite3
    from urllib.parse import quote

    from foundry_cli.config.paths import get_paths

    if incomplete and not incomplete.isdigit():
        return []
    path = get_paths(env).history_db
    if not path.is_file():
        return []
    db = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=HISTORY_TIMEOUT)
    try:
        rows = db.execute(
            "SELECT id, title FROM conversations WHERE CAST(id AS TEXT) LIKE ? "
            "ORDER BY updated_at DESC, id DESC LIMIT ?",
            (f"{incomplete}%", HISTORY_LIMIT),
        ).fetchall()
    finally:
        db.close()
    return [(str(cid), title if isinstance(title, str) else "") for cid, title in rows]


def _choices(name: str) -> list[Item]:
    from foundry_cli.config import settings

    if name == "api":
        return [("messages", "Anthropic Messages API"), ("responses", "OpenAI Responses API (project)")]
    if name == "auth":
        return [(mode, "") for mode in settings.AUTH_MODES]
    if name == "effort":
        return [(level, "") for level in settings.EFFORTS]
    if name == "cache":
        return [(mode, "") for mode in settings.CACHE_MODES]
    return [("adaptive", "the model decides"), ("off", "no thinking"), ("1024", "a budget of N tokens")]


CHOICE_SOURCES = ("api", "auth", "effort", "cache", "thinking")


def live_static(name: str) -> list[Item]:
    """The static sources computed from the modules themselves (the generator and Typer's path)."""
    if name == "scenarios":
        from foundry_cli.cli._state import scenarios
        from foundry_cli.emulator.scenarios import PARAM_DEFAULTS

        return [
            (spec, f"{spec}:N, {text}" if spec in PARAM_DEFAULTS else text)
            for spec, text in scenarios().items()
        ]
    if name == "checks":
        from foundry_cli.doctor.checks import CHECKS

        return [(check.id, check.title) for check in CHECKS]
    if name == "catalog":
        from foundry_cli.catalog import load_catalog

        return [(model.id, "" if model.status == "ga" else model.status) for model in load_catalog()]
    from foundry_cli.emulator import DEFAULT_DEPLOYMENTS

    return [(name, "") for name in DEFAULT_DEPLOYMENTS]


def values(
    source: str,
    where: Where,
    incomplete: str,
    env: Mapping[str, str],
    static: Mapping[str, list[Item]] | Callable[[str], list[Item]],
) -> list[Item]:
    """The completions of ``source`` that start with ``incomplete``; [] when anything goes wrong."""

    def table(name: str) -> list[Item]:
        return static(name) if callable(static) else [(str(v), str(h)) for v, h in static[name]]

    try:
        if source == "profiles":
            items = profiles(where, env)
        elif source == "deployments":
            items = deployments(
                where, env, {name: table(name) for name in ("catalog", "emulator-deployments")}
            )
        elif source == "history":
            items = history_ids(where, env, incomplete)
        elif source in CHOICE_SOURCES:
            items = _choices(source)
        elif source == "scenarios" and ":" in incomplete:
            items = []  # rate-limit:N: the number is the user's
        else:
            items = table(source)
    except Exception:  # a completion never shows a traceback
        return []
    return [item for item in _safe(items) if item[0].startswith(incomplete)]


# --- Typer's path: the options' autocompletion= callbacks -------------------------------------------


def where_from(ctx: Any) -> Where:
    """The profile and --emulator given so far, from the contexts Typer parsed (command, then root)."""
    profile, emulator = None, False
    while ctx is not None:
        params = getattr(ctx, "params", None) or {}
        profile = profile or params.get("profile")
        emulator = emulator or bool(params.get("emulator_")) or params.get("scenario") is not None
        ctx = getattr(ctx, "parent", None)
    return Where(profile=profile if isinstance(profile, str) else None, emulator=emulator)


def _callback(source: str) -> Callable[[Any, str], list[Item]]:
    def complete(ctx: Any, incomplete: str) -> list[Item]:
        if incomplete == PROBE:
            return [(PROBE + source, "")]
        return values(source, where_from(ctx), incomplete or "", os.environ, live_static)

    complete.__name__ = f"complete_{source.replace('-', '_')}"
    return complete


complete_profiles = _callback("profiles")
complete_deployments = _callback("deployments")
complete_scenarios = _callback("scenarios")
complete_checks = _callback("checks")
complete_history = _callback("history")
complete_api = _callback("api")
complete_auth = _callback("auth")
complete_thinking = _callback("thinking")
complete_effort = _callback("effort")
complete_cache = _callback("cache")


# --- the fast path ----------------------------------------------------------------------------------


def split_words(text: str) -> list[str]:
    """Split like the shell (Typer's ``split_arg_string``): an unclosed quote keeps its partial word."""
    import shlex

    lex = shlex.shlex(text, posix=True)
    lex.whitespace_split = True
    lex.commenters = ""
    out: list[str] = []
    try:
        out.extend(lex)
    except ValueError:
        out.append(lex.token)
    return out


def request(shell: str, env: Mapping[str, str]) -> tuple[list[str], str] | None:
    """The words before the cursor (without the program name) and the word being completed, as
    Typer's completion classes read them from the environment."""
    if shell == "bash":
        words = split_words(env.get("COMP_WORDS", ""))
        try:
            cword = int(env.get("COMP_CWORD", ""))
        except ValueError:
            return None
        return words[1:cword], (words[cword] if cword < len(words) else "")
    text = env.get("_TYPER_COMPLETE_ARGS", "")
    words = split_words(text)[1:]
    if shell in ("powershell", "pwsh"):
        incomplete = env.get("_TYPER_COMPLETE_WORD_TO_COMPLETE", "")
        return (words[:-1] if incomplete else words), incomplete
    if words and not text.endswith(" "):
        return words[:-1], words[-1]
    return words, ""


@dataclass
class _Walk:
    """How far :func:`resolve` got through the words before the cursor."""

    path: str = ""
    pending: str = ""  # an option that still waits for its value
    positionals: int = 0
    profile: str | None = None
    emulator: bool = False

    def take_value(self, word: str) -> None:
        """``word`` is the value of the pending option."""
        if self.pending in ("-p", "--profile"):
            self.profile = word
        self.emulator = self.emulator or self.pending == "--scenario"
        self.pending = ""

    def take_option(self, entry: Mapping[str, Any], word: str) -> bool:
        """``word`` is an option name; False when the table does not know it (Typer's)."""
        if word in entry["values"]:
            self.pending = word
        elif word in entry["flags"]:
            self.emulator = self.emulator or word == "--emulator"
        else:
            return False
        return True

    def step(self, commands: Mapping[str, Any], word: str) -> bool:
        """Walk over one word; False when the table cannot tell for certain what follows."""
        entry = commands[self.path]
        if self.pending:
            self.take_value(word)
        elif word == "--" or "=" in word:
            return False
        elif word.startswith("-") and len(word) > 1:
            return self.take_option(entry, word)
        elif entry["subcommands"] and self.positionals == 0 and not entry["args"]:
            child = f"{self.path} {word}".strip()
            if child not in commands:
                return False
            self.path = child
        else:
            self.positionals += 1
        return True

    def source(self, entry: Mapping[str, Any]) -> str | None:
        """The source of the word at the cursor, when the table names one."""
        if self.pending:
            dynamic: Mapping[str, str] = entry["dynamic"]
            return dynamic.get(self.pending)
        if entry["subcommands"]:
            return None
        args: Sequence[str] = entry["args"]
        return args[self.positionals] if self.positionals < len(args) else None


def resolve(table: Mapping[str, Any], args: Sequence[str], incomplete: str) -> tuple[str, Where] | None:
    """Which source completes ``incomplete`` after ``args``, or None when the table cannot tell for
    certain (Typer answers those)."""
    if incomplete.startswith("-") or "=" in incomplete:
        return None  # option names, --opt=value: Typer's
    commands = table["commands"]
    walk = _Walk()
    for word in args:
        if not walk.step(commands, word):
            return None
    source = walk.source(commands[walk.path])
    return (source, Where(profile=walk.profile, emulator=walk.emulator)) if source else None


def render(shell: str, items: Sequence[Item], env: Mapping[str, str]) -> tuple[str | None, int]:
    """What Typer's completion class for ``shell`` prints for ``items`` (text, exit code)."""
    if shell == "bash":
        return "\n".join(value for value, _ in items), 0
    if shell == "zsh":
        if not items:
            return "_files", 0

        def esc(s: str) -> str:
            return (
                s.replace('"', '""')
                .replace("'", "''")
                .replace("$", "\\$")
                .replace("`", "\\`")
                .replace(":", r"\\:")
            )

        lines = [f'"{esc(v)}":"{esc(h)}"' if h else f'"{esc(v)}"' for v, h in items]
        return "_arguments '*: :((" + "\n".join(lines) + "))'", 0
    if shell == "fish":
        action = env.get("_TYPER_COMPLETE_FISH_ACTION", "")
        if action == "is-args":
            return None, 0 if items else 1
        shown = [f"{v}\t{_WHITESPACE.sub(' ', h)}" if h else v for v, h in items]
        return ("\n".join(shown) if action == "get-args" and shown else ""), 0
    return "\n".join(f"{v}:::{h or ' '}" for v, h in items), 0


def fast_complete(env: Mapping[str, str], out: IO[str]) -> int | None:
    """Answer a completion request for one of the dynamic values without Typer: the exit code, or
    None when Typer must answer (not a request for these values, or no usable table)."""
    instruction = env.get("_FCLAUDE_COMPLETE", "")
    action, _, shell = instruction.partition("_")
    if action != "complete" or shell not in ("bash", "zsh", "fish", "powershell", "pwsh"):
        return None
    try:
        table = json.loads(TABLE_FILE.read_text(encoding="utf-8"))
        asked = request(shell, env)
        found = resolve(table, *asked) if asked is not None else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if found is None or asked is None:
        return None
    source, where = found
    items = values(source, where, asked[1], env, table["static"])
    text, code = render(shell, items, env)
    if text is not None:
        out.write(text + "\n")
        out.flush()
    return code


def main_hook() -> None:
    """``main()``'s entry: exits with the answer when the fast path has one, else returns."""
    if not os.environ.get("_FCLAUDE_COMPLETE", "").startswith("complete_"):
        return
    code = fast_complete(os.environ, sys.stdout)
    if code is not None:
        raise SystemExit(code)
