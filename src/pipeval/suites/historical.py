"""The historical suite: daily logic over a date range, with the same number of queries.

Every check's queries cover the whole range (plus the longest cascade window after it, so the
impact of a gap near the end is known); each check's daily `run` then judges one date at a
time from the cached rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from pipeval.checks import select_checks
from pipeval.checks.base import Check, settled_dates
from pipeval.checks.completeness import Completeness
from pipeval.clock import date_range, local_date
from pipeval.errors import PipevalError
from pipeval.history.cascade import Gap, find_gaps, make_gap
from pipeval.history.matrix import PhaseDay, classify
from pipeval.history.plan import Step, build_plan
from pipeval.metrics.jobs import jobs_queries
from pipeval.profile.lineage import Lineage
from pipeval.query import Context
from pipeval.results import CheckResult, Finding, Severity, Status, SuiteResult, worst
from pipeval.suites.runner import prefetch, run_check, suite_result

HISTORICAL_FAMILIES = ("completeness", "coverage", "orchestration", "declarative")

# Wraps an iterable to report progress (rich.progress.track in a terminal); identity otherwise.
Track = Callable[[Iterable[Any], str, int], Iterable[Any]]


def _no_progress(items: Iterable[Any], _label: str, _total: int) -> Iterable[Any]:
    return items


def query_end(ctx: Context, end: date) -> date:
    longest = max(ctx.profile.historical.cascade_windows.values(), default=0)
    latest = local_date(ctx.as_of, ctx.profile.timezone)
    return max(end, min(end + timedelta(days=longest), latest))


def _completeness(checks: list[Check]) -> list[Completeness]:
    return [check for check in checks if isinstance(check, Completeness)]


def _assessed(ctx: Context, checks: list[Check]) -> list[tuple[Completeness, dict]]:
    """Each phase's per-date tables; a phase whose tables cannot be read is left out here (its
    check reports the reason as ERROR) so that the other phases are still judged."""
    assessed = []
    for check in _completeness(checks):
        try:
            assessed.append((check, check.assess_range(ctx)))
        except PipevalError:
            continue
    return assessed


def _matrix(ctx: Context, checks: list[Check], days: list[date]) -> list[PhaseDay]:
    cells = []
    for check, by_day in _assessed(ctx, checks):
        cells.extend(classify(check.phase.name, day, by_day[day]) for day in days)
    return cells


def _game_days_and_predictions(ctx: Context, checks: list[Check]) -> tuple[set[date], dict]:
    game_days: set[date] = set()
    predictions: dict[date, int] = {}
    target = ctx.profile.coverage[0].target.table if ctx.profile.coverage else None
    for _check, by_day in _assessed(ctx, checks):
        for day, tables in by_day.items():
            if any(t.expected or t.pending for t in tables):
                game_days.add(day)
            for table in tables:
                if table.table == target:
                    predictions[day] = table.rows
    return game_days, predictions


def _dated(day: date, message: str, subject: str = "") -> str:
    """The message with its date, unless the message or its subject (a document path such as
    `phase3_completion/2026-01-26`) already says it."""
    return message if str(day) in message or str(day) in subject else f"{day}: {message}"


@dataclass
class Judged:
    """One check over the range: each date's status, and the whole result of the dates that
    are not OK. Those are all the range result reports; an OK date's result is dropped as soon
    as it is judged (a season holds thousands: kept, they are memory and garbage-collector
    work for nothing)."""

    statuses: dict[date, Status] = field(default_factory=dict)
    bad: dict[date, CheckResult] = field(default_factory=dict)

    def add(self, day: date, result: CheckResult) -> None:
        self.statuses[day] = result.status
        if result.status is not Status.OK:
            self.bad[day] = result

    def settle(self, day: date) -> None:
        """A date the check settled without running (`Check.settled`): OK."""
        self.statuses[day] = Status.OK


def _over_range(check_id: str, judged: Judged, labels: dict[date, str]) -> CheckResult:
    """One result per check over the range: the worst date decides, findings carry their date.
    `labels` are the dates as the document writes them (`str(day)`), made once per run."""
    bad = judged.bad
    findings = [
        Finding(f.severity, _dated(day, f.message, f.subject), f.subject, {**f.data, "date": day})
        for day, result in sorted(bad.items())
        for f in result.findings
        if f.severity is not Severity.INFO
    ]
    errors = [r for r in bad.values() if r.status is Status.ERROR]
    if errors:
        findings.insert(0, Finding(Severity.FAIL, errors[0].summary, check_id))
    statuses = judged.statuses
    status = worst(list(statuses.values()))
    summary = (
        f"{len(bad)} of {len(statuses)} dates need attention: "
        + ", ".join(str(day) for day in sorted(bad)[:10])
        + (" …" if len(bad) > 10 else "")
        if bad
        else f"all {len(statuses)} dates OK"
    )
    remediation = list(dict.fromkeys(step for r in bad.values() for step in r.remediation))
    result = CheckResult.from_findings(
        check_id,
        summary,
        findings,
        {"dates": {labels[day]: status.value for day, status in statuses.items()}},
        remediation[:20],
    )
    result.status = status
    return result


def run_historical(
    ctx: Context, start: date, end: date, track: Track = _no_progress
) -> SuiteResult:
    started = time.perf_counter()
    ctx.start, ctx.end = start, query_end(ctx, end)
    checks = select_checks(ctx.profile, None, HISTORICAL_FAMILIES)
    # The plan's quota estimate reads the jobs view: declared up front whether or not the range
    # turns out to have gaps, so a week and a season send the same statements.
    prefetch(checks, ctx, jobs_queries(ctx.profile, ctx.as_of))
    days = date_range(start, end)
    per_check = {check.id: Judged() for check in checks}
    settled = {check.id: settled_dates(check, ctx, days) for check in checks}
    pairs = [(check, day) for check in checks for day in days]
    for check, day in track(pairs, "validating", len(pairs)):
        if day in settled[check.id]:
            per_check[check.id].settle(day)
            continue
        ctx.day = day
        per_check[check.id].add(day, run_check(check, ctx))
    labels = {day: str(day) for day in days}
    results = [_over_range(check_id, judged, labels) for check_id, judged in per_check.items()]
    cells = _matrix(ctx, checks, days)
    game_days, predictions = _game_days_and_predictions(ctx, checks)
    gaps = find_gaps(cells, game_days, predictions, ctx.profile.historical)
    gaps = _with_coverage_gaps(ctx, gaps, per_check, game_days, predictions)
    latest = local_date(ctx.as_of, ctx.profile.timezone)
    plan = build_plan(ctx.profile, gaps, game_days, latest, ctx.invocation)
    quota = _plan_quota(ctx, plan, game_days)
    target = {"start": start.isoformat(), "end": end.isoformat()}
    document = {**_document(days, labels, cells, gaps, plan, results, game_days), "quota": quota}
    return suite_result("historical", ctx, target, results, started, {"historical": document})


def _with_coverage_gaps(
    ctx: Context,
    gaps: list[Gap],
    per_check: dict[str, Judged],
    game_days: set[date],
    predictions: dict[date, int],
) -> list[Gap]:
    """A date whose coverage FAILs is a gap of the target's phase even when every phase holds
    its games (players lost to unresolved names or lost writes): re-run it, then verify."""
    lineage = Lineage.of(ctx.profile)
    known = {gap.day for gap in gaps}
    added: dict[date, Gap] = {}
    for spec in ctx.profile.coverage:
        phase = lineage.owner(spec.target.table)
        judged = per_check.get(f"coverage.{spec.name}", Judged())
        for day, result in judged.bad.items():
            if phase is None or result.status is not Status.FAIL or day in known | set(added):
                continue
            reason = f"coverage.{spec.name} {result.summary}"
            added[day] = make_gap(
                day, (phase,), 0, game_days, predictions, ctx.profile.historical, reason
            )
    return sorted([*gaps, *added.values()], key=lambda gap: gap.day)


def _plan_quota(ctx: Context, plan: list[Step], game_days: set[date]) -> dict[str, Any] | None:
    """What re-running every planned date adds to each table's rolling 24 h, and whether it fits.

    One statement on the jobs view; without it (no permission, no metadata) the plan still
    stands and says why the estimate is missing.
    """
    from pipeval.metrics.jobs import jobs_window
    from pipeval.quota_estimate import estimate_backfill

    dates = {
        day
        for step in plan
        if step.phase is not None
        for span in step.ranges
        for day in date_range(span.start, span.end)
        if day in game_days
    }
    if not dates:
        return None
    try:
        window = jobs_window(ctx)
    except PipevalError as err:
        return {"verdict": f"no estimate: {err}", "fits": None}
    estimate = estimate_backfill(
        window, ctx.profile.thresholds.quota, min(dates), max(dates), len(dates)
    )
    return estimate.to_dict()


def _document(
    days: list[date],
    labels: dict[date, str],
    cells: list[PhaseDay],
    gaps: list[Gap],
    plan: list[Step],
    results: list[CheckResult],
    game_days: set[date],
) -> dict[str, Any]:
    matrix: dict[str, list[dict[str, Any]]] = {}
    for cell in cells:
        matrix.setdefault(cell.phase, []).append(
            {
                "date": cell.day,
                "status": cell.cell.value,
                "present": cell.present,
                "expected": cell.expected,
                "missing": list(cell.missing),
            }
        )
    for result in results:
        if not result.id.startswith("completeness."):
            dates = result.metrics.get("dates", {})
            matrix[result.id] = [
                {"date": day, "status": _check_cell(dates.get(labels[day]), day in game_days)}
                for day in days
            ]
    return {
        "dates": days,
        "matrix": matrix,
        "gaps": [
            {
                "date": g.day,
                "phases": list(g.phases),
                "missing_games": g.missing_games,
                "windows": {
                    kind: {
                        "days": len(ds),
                        "first": ds[0] if ds else None,
                        "last": ds[-1] if ds else None,
                    }
                    for kind, ds in g.windows.items()
                },
                "cascade_days": list(g.cascade_days),
                "predictions_affected": g.predictions_affected,
                "severity": g.severity,
                "reason": g.reason,
            }
            for g in gaps
        ],
        "plan": [{**asdict(step), "ranges": [str(r) for r in step.ranges]} for step in plan],
    }


_CELLS = {"OK": "complete", "WARN": "partial", "FAIL": "missing", "ERROR": "error"}


def _check_cell(status: str | None, game_day: bool) -> str:
    if not game_day and status in {None, "OK"}:
        return "off-day"
    return _CELLS.get(status or "", "off-day")


def run_verify_backfill(ctx: Context, day: date) -> SuiteResult:
    """PASS/FAIL per item: D complete, its cascade window complete, coverage on D."""
    from pipeval.history.verify import verify_cascade, verify_coverage, verify_day

    started = time.perf_counter()
    ctx.start, ctx.end, ctx.day = day, query_end(ctx, day), day
    checks = select_checks(ctx.profile, None, ("completeness", "coverage"))
    prefetch(checks, ctx)
    completeness = _completeness(checks)
    game_days, _ = _game_days_and_predictions(ctx, checks)
    coverage = [check for check in checks if check.category == "coverage"]
    results = [
        verify_day(ctx, day, completeness),
        verify_cascade(ctx, day, completeness, game_days),
        verify_coverage(ctx, day, coverage),
    ]
    target = {"verify_backfill": day.isoformat(), "window_end": ctx.end.isoformat()}
    return suite_result("historical", ctx, target, results, started)
