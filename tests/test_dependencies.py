"""Every third-party module that foundry_cli imports is installed by a declared runtime dependency.

A test-only tool once pulled ``click`` into the dev venv, so ``import click`` in chat's ``/edit``
passed every test and crashed on a clean install. This reads every import in ``foundry_cli/`` with
``ast`` (module level and inside functions), maps it to the distribution that provides it with
``importlib.metadata.packages_distributions()``, and requires that distribution in
``[project].dependencies`` -- directly, not through another package's requirements, which can change
under us. Optional extras (``keyring``) may be imported only inside a function, under a ``try``
that catches ImportError. Dynamic imports (``importlib.import_module``) are not seen.
"""

from __future__ import annotations

import ast
import importlib.metadata as md
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "foundry_cli"
#: extras that are tooling, not features a user installs: never importable by foundry_cli
TOOLING_EXTRAS = frozenset({"test", "dev", "docs"})
IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError"})
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")


def normalise(name: str) -> str:
    """PEP 503 name normalisation (``Markdown_It.py`` and ``markdown-it-py`` are the same)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(requirements: Sequence[str]) -> frozenset[str]:
    """The distribution names of PEP 508 requirement strings (markers and versions ignored)."""
    names = set()
    for requirement in requirements:
        m = _REQUIREMENT_NAME.match(requirement)
        assert m, f"cannot read a distribution name from {requirement!r}"
        names.add(normalise(m[1]))
    return frozenset(names)


@dataclass(frozen=True)
class Declared:
    runtime: frozenset[str]
    optional: frozenset[str]  # from user-facing extras such as [keyring]


def declared(pyproject: Path = ROOT / "pyproject.toml") -> Declared:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    extras = project.get("optional-dependencies", {})
    optional = [req for name, reqs in extras.items() if name not in TOOLING_EXTRAS for req in reqs]
    runtime = requirement_names(project["dependencies"])
    return Declared(runtime, requirement_names(optional) - runtime)


@dataclass(frozen=True)
class Import:
    module: str
    line: int
    #: inside a function and inside the body of a ``try`` that catches ImportError
    guarded: bool


class _ImportReader(ast.NodeVisitor):
    def __init__(self) -> None:
        self.found: list[Import] = []
        self._functions = 0
        self._guards = 0

    def _add(self, module: str, node: ast.stmt) -> None:
        self.found.append(Import(module, node.lineno, self._functions > 0 and self._guards > 0))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level == 0 and node.module:  # relative imports are first-party
            self._add(node.module, node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        self._functions += 1
        self.generic_visit(node)
        self._functions -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_Try(self, node: ast.Try) -> None:
        catches = any(_catches_import_error(h.type) for h in node.handlers)
        self._guards += catches
        for stmt in node.body:
            self.visit(stmt)
        self._guards -= catches
        for stmt in [*node.handlers, *node.orelse, *node.finalbody]:
            self.visit(stmt)

    visit_TryStar = visit_Try


def _catches_import_error(handler_type: ast.expr | None) -> bool:
    names = handler_type.elts if isinstance(handler_type, ast.Tuple) else [handler_type]
    return any(isinstance(n, ast.Name) and n.id in IMPORT_ERRORS for n in names)


def imports_of(source: str, filename: str = "<string>") -> list[Import]:
    reader = _ImportReader()
    reader.visit(ast.parse(source, filename))
    return reader.found


def distribution_of(module: str, providers: Mapping[str, Sequence[str]]) -> str | None:
    """The (normalised) distribution that installs ``module``, or None if nothing installed does.

    For a namespace package shared by several distributions (``azure``), the one whose files hold
    the deepest matching package (``azure/identity/``) wins.
    """
    parts = module.split(".")
    candidates = sorted({normalise(d) for d in providers.get(parts[0], ())})
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    for depth in range(len(parts), 1, -1):
        prefix = "/".join(parts[:depth])
        owners = [
            d
            for d in candidates
            if any(f.as_posix().startswith((prefix + "/", prefix + ".")) for f in md.files(d) or ())
        ]
        if len(owners) == 1:
            return owners[0]
    return None


def problems(
    source: str,
    filename: str,
    deps: Declared,
    providers: Mapping[str, Sequence[str]],
) -> list[str]:
    """Why each third-party import in ``source`` is not covered by ``deps`` (empty when all are)."""
    found = []
    for imp in imports_of(source, filename):
        top = imp.module.split(".")[0]
        if top == PACKAGE or top in sys.stdlib_module_names:
            continue
        where = f"{filename}:{imp.line}: import {imp.module}"
        dist = distribution_of(imp.module, providers)
        if dist is None and normalise(top) in deps.runtime | deps.optional:
            dist = normalise(top)  # declared but not installed here, e.g. tomli behind python < 3.11
        if dist is None:
            found.append(f"{where}: no installed distribution provides it and none is declared")
        elif dist in deps.runtime:
            continue
        elif dist in deps.optional:
            if not imp.guarded:
                found.append(
                    f"{where}: {dist} is an optional extra; import it only inside a function, "
                    "in a try that catches ImportError"
                )
        else:
            found.append(f"{where}: {dist} is not in [project].dependencies (pyproject.toml)")
    return found


def package_sources() -> Iterator[tuple[str, str]]:
    for path in sorted((ROOT / PACKAGE).rglob("*.py")):
        yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def deps() -> Declared:
    return declared()


@pytest.fixture(scope="module")
def providers() -> Mapping[str, Sequence[str]]:
    return md.packages_distributions()


def test_every_third_party_import_is_a_declared_runtime_dependency(
    deps: Declared, providers: Mapping[str, Sequence[str]]
) -> None:
    sources = list(package_sources())
    assert len(sources) > 50, "the package's modules were found"
    found = [p for filename, source in sources for p in problems(source, filename, deps, providers)]
    assert found == [], "\n".join(found)


def test_pyproject_is_read(deps: Declared) -> None:
    assert {"typer", "rich", "httpx2", "prompt-toolkit", "tomli"} <= deps.runtime
    assert "keyring" in deps.optional and "pytest" not in deps.runtime | deps.optional


PLANTED = """\
import os
import click  # typer 0.28 vendors click: not installed by fclaude's dependencies
from typer import Exit

def later():
    from pytest import fixture  # a test tool, imported inside a function
    import keyring  # an optional extra without a guard

def guarded():
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None

import keyring  # module level: a plain install would crash at import time
"""


def test_the_check_catches_a_planted_click_and_unguarded_extras(
    deps: Declared, providers: Mapping[str, Sequence[str]]
) -> None:
    found = problems(PLANTED, "planted.py", deps, providers)
    lines = sorted(int(p.split(":")[1]) for p in found)
    assert lines == [2, 6, 7, 16], "\n".join(found)
    assert "planted.py:2: import click" in found[0] and "not in [project].dependencies" in found[0]
    assert "optional extra" in found[2]


def test_imports_are_read_everywhere() -> None:
    found = imports_of(PLANTED)
    assert [i.module for i in found] == [
        "os",
        "click",
        "typer",
        "pytest",
        "keyring",
        "keyring",
        "keyring.backends",
        "keyring",
    ]
    assert [i.guarded for i in found] == [False] * 5 + [True, True, False]


def test_namespace_packages_map_to_the_distribution_that_holds_the_module(
    providers: Mapping[str, Sequence[str]],
) -> None:
    assert distribution_of("azure.identity", providers) == "azure-identity"
    assert distribution_of("azure.core.exceptions", providers) == "azure-core"
    assert distribution_of("no_such_module_anywhere", providers) is None
