"""The check runner: dependency order, skips with reasons, concurrency, per-check timeouts."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from foundry_cli.doctor.checks import CHECK_IDS, CHECKS
from foundry_cli.doctor.runner import Check, Outcome, Report, closure, failed, passed, run_checks
from foundry_cli.errors import AuthError


def _sleep(seconds: float, out: Outcome) -> Callable[[object], Outcome]:
    def run(_ctx: object) -> Outcome:
        time.sleep(seconds)
        return out

    return run


def test_independent_network_checks_run_concurrently() -> None:
    checks = [
        Check("a", "A", _sleep(0.3, passed("a")), network=True),
        Check("b", "B", _sleep(0.3, passed("b")), network=True),
        Check("c", "C", _sleep(0.3, passed("c")), network=True),
        Check("d", "D", lambda _c: passed("after all"), after=("a", "b", "c")),
    ]
    started = time.perf_counter()
    results = run_checks(checks, None)
    took = time.perf_counter() - started
    assert [r.id for r in results] == ["a", "b", "c", "d"]
    assert all(r.status == "pass" for r in results)
    assert took < 0.6, f"three 0.3 s checks took {took:.2f} s: not concurrent"
    assert sum(r.duration_ms for r in results[:3]) >= 850


def test_a_failed_prerequisite_skips_dependants_with_the_reason() -> None:
    checks = [
        Check("a", "A", lambda _c: failed("broken", "network")),
        Check("b", "B", lambda _c: passed("never"), needs=("a",)),
        Check("c", "C", lambda _c: passed("never"), gated_by=("a",)),
        Check("d", "D", lambda _c: passed("runs"), after=("a",)),
    ]
    r = {x.id: x for x in run_checks(checks, None)}
    assert r["b"].status == "skip" and "needs a, which failed (network)" in r["b"].detail
    assert r["c"].status == "skip" and "a failed (network)" in r["c"].detail
    assert r["d"].status == "pass"
    assert r["a"].fix and "HTTPS_PROXY" in r["a"].fix  # the row's fix is filled in


def test_a_hung_check_times_out_alone() -> None:
    release = threading.Event()
    checks = [
        Check("slow", "Slow", lambda _c: (release.wait(5), passed("late"))[1], network=True, timeout=0.2),
        Check("fast", "Fast", _sleep(0.05, passed("ok")), network=True),
    ]
    started = time.perf_counter()
    r = {x.id: x for x in run_checks(checks, None)}
    release.set()
    assert time.perf_counter() - started < 1.0
    assert r["slow"].status == "fail" and "0.2 s" in r["slow"].detail and r["slow"].row == "network"
    assert r["fast"].status == "pass"


def test_exceptions_become_classified_failures() -> None:
    def boom(_ctx: object) -> Outcome:
        raise AuthError("AADSTS7000215: Invalid client secret provided.", code="AADSTS7000215")

    (r,) = run_checks([Check("t", "T", boom)], None)
    assert r.status == "fail" and r.row == "secret-invalid"


def test_offline_skips_network_checks() -> None:
    checks = [Check("n", "N", lambda _c: passed("x"), network=True), Check("l", "L", lambda _c: passed("y"))]
    r = {x.id: x for x in run_checks(checks, None, offline=True)}
    assert r["n"].status == "skip" and "--offline" in r["n"].detail and r["l"].status == "pass"


def test_strict_report() -> None:
    res = run_checks([Check("w", "W", lambda _c: Outcome("warn", "hm"))], None)
    assert Report(None, res).ok and not Report(None, res, strict=True).ok


def test_declared_checks() -> None:
    assert len(set(CHECK_IDS)) == len(CHECK_IDS)
    ids = set(CHECK_IDS)
    for i, c in enumerate(CHECKS):
        for dep in (*c.needs, *c.after, *c.gated_by):
            assert (dep in ids and CHECK_IDS.index(dep) < i) or dep in ("control-plane", "probe")
    assert [c.id for c in closure(CHECKS, ["probe"])][-1] == "probe"
    assert "settings" not in [c.id for c in closure(CHECKS, ["probe"])]
