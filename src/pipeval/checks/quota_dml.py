"""quota.dml_queue: running + pending UPDATE/DELETE/MERGE per table vs 2 running + 20 queued;
mutating DML that failed on quota in the window is listed (quota.errors says what it lost)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from pipeval.checks.quota_base import QuotaCheck
from pipeval.checks.quota_usage import NO_TABLE
from pipeval.metrics.jobs import QUEUED_STATES, RUNNING_STATES, JobGroup, JobsWindow
from pipeval.profile.model import QuotaThresholds
from pipeval.query import Context
from pipeval.results import CheckResult, Finding, Severity


class DmlQueue(QuotaCheck):
    def __init__(self) -> None:
        super().__init__("quota.dml_queue")

    def evaluate(self, ctx: Context, window: JobsWindow) -> CheckResult:
        quota = ctx.profile.thresholds.quota
        running = _count(window, lambda g: g.mutating_dml and g.state in RUNNING_STATES)
        queued = _count(window, lambda g: g.mutating_dml and g.state in QUEUED_STATES)
        overflowed = _count(window, lambda g: g.mutating_dml and g.quota_error and g.in_window)
        tables = sorted(set(running) | set(queued))
        findings = [_queue_finding(t, queued.get(t, 0), running.get(t, 0), quota) for t in tables]
        remediation = [
            _serialize_dml(f.subject, f.data["queued"])
            for f in findings
            if f.severity is not Severity.INFO
        ]
        findings += [
            Finding(
                Severity.INFO,
                f"{failed:,} mutating DML statements failed on quota in "
                f"{QuotaCheck.period(window)}: the queue overflowed (see quota.errors)",
                subject=table,
                data={"failed": failed},
            )
            for table, failed in sorted(overflowed.items())
        ]
        metrics = {
            "limits": {"running": quota.dml_running_limit, "queued": quota.dml_queue_limit},
            "tables": {
                t: {"queued": queued.get(t, 0), "running": running.get(t, 0)} for t in tables
            },
            "failed_on_quota": dict(sorted(overflowed.items())),
        }
        return CheckResult.from_findings(
            self.id, _queue_summary(queued, running, overflowed), findings, metrics, remediation
        )


def _queue_finding(table: str, waiting: int, active: int, quota: QuotaThresholds) -> Finding:
    severity = Severity.INFO
    if waiting >= quota.dml_queue_limit:
        severity = Severity.FAIL
    elif waiting >= quota.dml_queue_warn:
        severity = Severity.WARN
    return Finding(
        severity,
        f"{waiting} UPDATE/DELETE/MERGE queued and {active} running (limits "
        f"{quota.dml_queue_limit} queued, {quota.dml_running_limit} running; more fail with "
        "'Too many DML statements outstanding')",
        subject=table,
        data={"queued": waiting, "running": active},
    )


def _count(window: JobsWindow, keep: Callable[[JobGroup], bool]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for group in window.select(keep):
        counts[group.table or NO_TABLE] += group.jobs
    return dict(counts)


def _queue_summary(queued: dict, running: dict, overflowed: dict) -> str:
    busiest = sorted(set(queued) | set(running), key=lambda t: (-queued.get(t, 0), t))
    text = (
        "; ".join(f"{t}: {queued.get(t, 0)} queued, {running.get(t, 0)} running" for t in busiest)
        or "no UPDATE/DELETE/MERGE queued or running"
    )
    if overflowed:
        text += f"; {sum(overflowed.values()):,} failed on quota earlier (see quota.errors)"
    return text


def _serialize_dml(table: str, waiting: int) -> str:
    return (
        f"{table}: {waiting} DML statements waiting. Lower the writers' concurrency now (fewer "
        "worker instances); then have workers write per-worker staging tables and apply them "
        "with one MERGE per batch, so one DML statement runs per table at a time"
    )
