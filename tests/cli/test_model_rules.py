"""Table-driven over the catalog: for every model and every combination of ``--thinking`` (none,
adaptive, off, 2048), ``--effort`` (none, low, xhigh, max) and ``--temperature`` (none, 0.3),
``fclaude ask -m MODEL`` either exits 0 with the emulator accepting the body (the emulator enforces
the same catalog rules with the service's 400s), or exits 2 before sending anything — never a 400.

Each model has its own deployment named after it (the portal's default name), so fclaude takes the
deployment to run that model and checks the request against its rules before sending.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from foundry_cli.catalog import load_catalog
from foundry_cli.emulator import Emulator
from tests.support import CANARY_KEY, Fclaude

MODELS = tuple(m.id for m in load_catalog())
THINKING = (None, "adaptive", "off", "2048")
EFFORT = (None, "low", "xhigh", "max")
TEMPERATURE = (None, "0.3")
COMBINATIONS = tuple(itertools.product(THINKING, EFFORT, TEMPERATURE))


@pytest.fixture(scope="module")
def module_emu() -> Iterator[Emulator]:
    """This module's emulator serves one deployment per catalog model, named after it."""
    with Emulator(api_key=CANARY_KEY, deployments=MODELS) as e:
        yield e


def _flags(thinking: str | None, effort: str | None, temperature: str | None) -> list[str]:
    flags = []
    if thinking is not None:
        flags += ["--thinking", thinking]
    if effort is not None:
        flags += ["--effort", effort]
    if temperature is not None:
        flags += ["--temperature", temperature]
    return flags


def test_the_catalog_is_covered() -> None:
    assert len(MODELS) >= 10 and len(COMBINATIONS) == 32


@pytest.mark.parametrize("model", MODELS)
def test_every_combination_is_sent_and_accepted_or_refused_before_sending(
    fclaude: Fclaude, emu: Emulator, model: str
) -> None:
    outcomes: dict[str, list[str]] = {"sent": [], "refused": []}
    wrong: list[str] = []
    for combination in COMBINATIONS:
        flags = _flags(*combination)
        emu.requests.clear()
        r = fclaude("ask", "--no-history", "--no-stream", "-m", model, *flags, "hi")
        label = " ".join(flags) or "(no flags)"
        if r.exit_code == 0 and len(emu.requests) == 1:
            outcomes["sent"].append(label)
        elif r.exit_code == 2 and not emu.requests:
            outcomes["refused"].append(label)
            # the refusal names the model's rule and what to use instead, on one error block
            if "--" not in r.stderr:
                wrong.append(f"{label}: a refusal that names no flag to use: {r.stderr.strip()}")
        else:
            wrong.append(f"{label}: exit {r.exit_code}, {len(emu.requests)} request(s): {r.stderr.strip()}")
    assert not wrong, f"{model}:\n" + "\n".join(wrong)
    # the plain request is always sendable: refusing everything would pass the loop above
    assert "(no flags)" in outcomes["sent"]
