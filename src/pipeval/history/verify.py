"""`--verify-backfill D`: is D whole again, and is every date its gap tainted whole too?

Three items, each PASS (OK) or FAIL: D complete in every phase; every game day in D's cascade
window complete in every phase; coverage on D within the profile's thresholds.
"""

from __future__ import annotations

from datetime import date

from pipeval.checks.base import Check, run_check
from pipeval.checks.completeness import Completeness
from pipeval.errors import PipevalError
from pipeval.history.cascade import window_days
from pipeval.metrics.games import TableDay
from pipeval.query import Context
from pipeval.results import CheckResult, Finding, Severity, Status


def _incomplete(tables: list[TableDay]) -> list[str]:
    return [f"{t.table} ({len(t.missing)} of {t.expected} missing)" for t in tables if t.missing]


def _item(
    check_id: str, passed: bool, summary: str, findings: list[Finding], warned: bool = False
) -> CheckResult:
    status = Status.OK if passed else Status.FAIL
    if passed and warned:
        status = Status.WARN
    label = {Status.OK: "PASS", Status.WARN: "PASS with warnings", Status.FAIL: "FAIL"}[status]
    return CheckResult(check_id, "backfill", status, f"{label}: {summary}", findings=findings)


def _own_gap(tables: list[TableDay]) -> bool:
    """A day missing post-game data has a gap of its own: its games' results never arrived,
    whatever happened before. D's cascade shows only in pre-game tables (features and
    predictions read D's rows), so only those can be D's to fix."""
    return any(t.missing and t.expects == "final" for t in tables)


def _could_not_run(check_id: str, err: PipevalError) -> CheckResult:
    return CheckResult.error(check_id, " ".join(str(err).split()))


def verify_day(ctx: Context, day: date, completeness: list[Completeness]) -> CheckResult:
    try:
        findings = [
            Finding(Severity.FAIL, problem, check.phase.name, {"date": day})
            for check in completeness
            for problem in _incomplete(check.assess_range(ctx)[day])
        ]
    except PipevalError as err:  # a phase table that cannot be read: this item cannot say
        return _could_not_run("backfill.day", err)
    phases = ", ".join(check.phase.name for check in completeness)
    summary = f"{day} complete in {phases}" if not findings else f"{day} incomplete"
    return _item("backfill.day", not findings, summary, findings)


def verify_cascade(
    ctx: Context, day: date, completeness: list[Completeness], game_days: set[date]
) -> CheckResult:
    longest = max(ctx.profile.historical.cascade_windows.values(), default=0)
    window = [d for d in window_days(day, longest, game_days) if d <= ctx.end]
    findings: list[Finding] = []
    try:
        for d in window:
            tables = {check.phase.name: check.assess_range(ctx)[d] for check in completeness}
            own = _own_gap([t for day_tables in tables.values() for t in day_tables])
            for phase, day_tables in tables.items():
                for problem in _incomplete(day_tables):
                    if own:  # another gap inside the window: listed, not D's failure
                        message = f"{d}: {problem} (a gap of its own, not from {day})"
                        findings.append(Finding(Severity.WARN, message, phase, {"date": d}))
                    else:
                        message = f"{d}: {problem}"
                        findings.append(Finding(Severity.FAIL, message, phase, {"date": d}))
    except PipevalError as err:
        return _could_not_run("backfill.cascade", err)
    span = f"{window[0]}..{window[-1]}" if window else "no later game days yet"
    broken = sorted({f.data["date"] for f in findings if f.severity is Severity.FAIL})
    others = sorted({f.data["date"] for f in findings if f.severity is Severity.WARN})
    summary = (
        f"{len(broken)} of {len(window)} cascade days incomplete: "
        + ", ".join(str(d) for d in broken[:10])
        if broken
        else f"{len(window)} game day{'' if len(window) == 1 else 's'} of the cascade window "
        f"({span}) complete"
        if not others
        else f"{day}'s cascade ({span}) complete; other gaps in the window: "
        + ", ".join(str(d) for d in others[:10])
    )
    return _item("backfill.cascade", not broken, summary, findings, warned=bool(others))


def verify_coverage(ctx: Context, day: date, coverage: list[Check]) -> CheckResult:
    if not coverage:
        return _item("backfill.coverage", True, "no coverage pairs in the profile", [])
    ctx.day = day
    results = [run_check(check, ctx) for check in coverage]
    failing = [r for r in results if r.status is not Status.OK]
    # The subject names the check; the report prints "subject: message".
    findings = [Finding(Severity.FAIL, r.summary, r.id) for r in failing]
    summary = "; ".join(f"{r.id} {r.summary}" for r in results)
    return _item("backfill.coverage", not failing, summary, findings)
