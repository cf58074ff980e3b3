"""Run doctor checks: in dependency order, independent network checks concurrently, each with its
own timeout; a check whose prerequisite did not pass is skipped with the reason.

Stdlib only. A check is a small function ``(ctx) -> Outcome``; :data:`CHECKS` in ``checks.py``
declares them in display order with their dependencies.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from foundry_cli.doctor.classify import classify
from foundry_cli.doctor.rows import ROW_BY_ID
from foundry_cli.errors import FclaudeError
from foundry_cli.threads import start_helper

Status = Literal["pass", "warn", "fail", "skip"]
STATUSES: tuple[Status, ...] = ("pass", "warn", "fail", "skip")


@dataclass(frozen=True)
class Outcome:
    """What a check function returns."""

    status: Status
    detail: str
    row: str | None = None
    #: a fix when the row's own fix does not say it (e.g. the names of the missing variables)
    fix: str | None = None


def passed(detail: str) -> Outcome:
    return Outcome("pass", detail)


def warned(detail: str, row: str | None = None, fix: str | None = None) -> Outcome:
    return Outcome("warn", detail, row, fix)


def failed(detail: str, row: str | None = None, fix: str | None = None) -> Outcome:
    return Outcome("fail", detail, row, fix)


def skipped(detail: str) -> Outcome:
    return Outcome("skip", detail)


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    run: Callable[[Any], Outcome]
    #: hard prerequisites: when one of them does not pass (or warn), this check is skipped
    needs: tuple[str, ...] = ()
    #: ordering only: run after these (to read their evidence), whatever their status
    after: tuple[str, ...] = ()
    #: run after these; skipped when one of them failed (a skip is fine: it did not apply)
    gated_by: tuple[str, ...] = ()
    #: True when the check talks to the network (skipped by --offline, run concurrently)
    network: bool = False
    #: seconds before the check is abandoned and reported as failed
    timeout: float = 30.0
    #: the timeout from the context instead (e.g. from the configured read timeout); ``timeout``
    #: when it raises or returns less
    timeout_for: Callable[[Any], float] | None = None


@dataclass
class CheckResult:
    id: str
    title: str
    status: Status
    detail: str
    row: str | None = None
    fix: str | None = None
    duration_ms: float = 0.0
    network: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "row": self.row,
            "fix": self.fix,
            "duration_ms": round(self.duration_ms, 1),
        }


def _result(check: Check, out: Outcome, duration_ms: float) -> CheckResult:
    fix = out.fix
    if out.status in ("warn", "fail") and out.row is not None and out.row in ROW_BY_ID:
        row = ROW_BY_ID[out.row]
        fix = fix or (row.fix + (f" Try: {row.fix_command}" if row.fix_command else ""))
    return CheckResult(
        check.id, check.title, out.status, out.detail, out.row, fix, duration_ms, network=check.network
    )


def _call(check: Check, ctx: Any) -> Outcome:
    """Run one check; an exception becomes a failure classified against the error table."""
    try:
        return check.run(ctx)
    except FclaudeError as exc:
        row = classify(exc)
        return failed(exc.message.splitlines()[0] if exc.message else str(exc), row.id if row else None)
    except Exception as exc:  # a check must never take doctor down
        row = classify(exc)
        return failed(f"{type(exc).__name__}: {exc}", row.id if row else None)


def closure(checks: Sequence[Check], wanted: Iterable[str]) -> list[Check]:
    """``wanted`` and everything they need or run after, in declared order."""
    by_id = {c.id: c for c in checks}
    keep: set[str] = set()
    todo = list(wanted)
    while todo:
        cid = todo.pop()
        if cid in keep:
            continue
        keep.add(cid)
        todo += [*by_id[cid].needs, *by_id[cid].after, *by_id[cid].gated_by]
    return [c for c in checks if c.id in keep]


def run_checks(
    checks: Sequence[Check],
    ctx: Any,
    *,
    offline: bool = False,
    on_result: Callable[[CheckResult], None] | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> list[CheckResult]:
    """Run ``checks`` (already in display order); return their results in the same order.

    A check starts as soon as everything in its ``needs``, ``after`` and ``gated_by`` has finished.
    Local checks run inline; network checks each get a daemon thread, so independent ones overlap
    and a hung one is abandoned after its own ``timeout``.
    """
    return _Runner(checks, ctx, offline, on_result, clock).run()


class _Runner:
    def __init__(
        self,
        checks: Sequence[Check],
        ctx: Any,
        offline: bool,
        on_result: Callable[[CheckResult], None] | None,
        clock: Callable[[], float],
    ) -> None:
        self.checks = list(checks)
        self.by_id = {c.id: c for c in checks}
        self.ctx = ctx
        self.offline = offline
        self.on_result = on_result
        self.clock = clock
        self.results: dict[str, CheckResult] = {}
        self.running: dict[str, tuple[float, list[Outcome]]] = {}
        self.limits: dict[str, float] = {}  # each running check's timeout
        self.lock = threading.Condition()

    def run(self) -> list[CheckResult]:
        pending = list(self.checks)
        while pending or self.running:
            pending = self._start_ready(pending)
            done = self._wait()
            for cid in done:
                t0, box = self.running.pop(cid)
                self._finish(self.by_id[cid], box[0], t0)
            if pending and not self.running and not done and not self._ready(pending):
                for check in pending:  # an ordering cycle: run what is left in order, never hang
                    self._start(check)
                pending = []
        return [self.results[c.id] for c in self.checks if c.id in self.results]

    def _ready(self, pending: list[Check]) -> list[Check]:
        return [
            c
            for c in pending
            if all(d in self.results for d in (*c.needs, *c.after, *c.gated_by) if d in self.by_id)
        ]

    def _start_ready(self, pending: list[Check]) -> list[Check]:
        while ready := self._ready(pending):
            for check in ready:
                pending.remove(check)
                self._start(check)
        return pending

    def _wait(self) -> list[str]:
        """Ids of finished network checks; expired ones are reported here as failures."""
        with self.lock:
            while self.running:
                done = [cid for cid, (_, box) in self.running.items() if box]
                if done:
                    return done
                now = self.clock()
                left = {cid: self.limits[cid] - (now - t0) for cid, (t0, _) in self.running.items()}
                expired = [cid for cid, t in left.items() if t <= 0]
                for cid in expired:
                    t0, _ = self.running.pop(cid)
                    check = self.by_id[cid]
                    self._finish(check, failed(f"no answer within {self.limits[cid]:g} s", "network"), t0)
                if expired:
                    return []
                self.lock.wait(timeout=max(0.001, min(min(left.values()), 0.25)))
        return []

    def _finish(self, check: Check, out: Outcome, started: float) -> None:
        res = _result(check, out, (self.clock() - started) * 1000)
        self.results[check.id] = res
        if self.on_result is not None:
            self.on_result(res)

    def _blocker(self, check: Check) -> str | None:
        for dep in check.needs:
            r = self.results.get(dep)
            if r is not None and r.status in ("fail", "skip"):
                why = r.row or r.status
                return f"needs {dep}, which {'failed' if r.status == 'fail' else 'was skipped'} ({why})"
        for dep in check.gated_by:
            r = self.results.get(dep)
            if r is not None and r.status == "fail":
                return f"{dep} failed ({r.row or 'see above'})"
        return None

    def _start(self, check: Check) -> None:
        started = self.clock()
        if self.offline and check.network:
            self._finish(check, skipped("--offline: this check needs the network"), started)
            return
        reason = self._blocker(check)
        if reason is not None:
            self._finish(check, skipped(reason), started)
            return
        if not check.network:
            self._finish(check, _call(check, self.ctx), started)
            return
        box: list[Outcome] = []

        def work() -> None:
            out = _call(check, self.ctx)
            with self.lock:
                box.append(out)
                self.lock.notify_all()

        self.limits[check.id] = _limit(check, self.ctx)
        self.running[check.id] = (started, box)
        start_helper(work, name=f"doctor:{check.id}")


def _limit(check: Check, ctx: Any) -> float:
    if check.timeout_for is None:
        return check.timeout
    try:
        return max(check.timeout, float(check.timeout_for(ctx)))
    except Exception:  # settings that did not resolve: the check itself will say so
        return check.timeout


@dataclass
class Report:
    profile: str | None
    results: list[CheckResult]
    strict: bool = False
    #: redacted evidence for --bundle (settings, request ids, headers, versions)
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        bad: tuple[str, ...] = ("fail", "warn") if self.strict else ("fail",)
        return not any(r.status in bad for r in self.results)
