"""quota.*: BigQuery per-table quotas over the rolling window that ends at --as-of.

- quota.table_operations: load + copy + query-append jobs per destination table (failed ones
  count, DML does not) vs 1,500. WARN >= 80 %, FAIL >= 95 % or when the last hour's rate
  would reach the limit within the window.
- quota.partition_modifications: `total_modified_partitions` of the same jobs per table vs
  30,000 (column-partitioned) / 11,000 (ingestion-time). Same grading.
- quota.dml_queue: running + pending UPDATE/DELETE/MERGE per table vs 2 running + 20 queued.
- quota.errors: jobs that failed with quotaExceeded / rateLimitExceeded, by table. FAIL if any.
- quota.regions (checks/quota_regions.py): the regions read hold the pipeline's jobs.

All read one batched statement per region over the jobs view (metrics/jobs.py). These quotas refill
continuously over 24 h, not at midnight Pacific, so the report says when a table is back under.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from pipeval.checks.base import Check
from pipeval.checks.quota_base import QuotaCheck, stamp
from pipeval.checks.quota_regions import JobRegions
from pipeval.listing import count
from pipeval.metrics.jobs import (
    DML,
    QUEUED_STATES,
    RUNNING_STATES,
    JobGroup,
    JobsWindow,
    Projection,
    QuotaUsage,
    project,
    quota_usage,
)
from pipeval.profile.model import Profile, QuotaThresholds
from pipeval.query import Context
from pipeval.results import CheckResult, Finding, Severity

NO_TABLE = "(no destination table)"


def checks_for(profile: Profile) -> list[Check]:
    return [TableOperations(), PartitionModifications(), DmlQueue(), QuotaErrors(), JobRegions()]


def grade(projection: Projection, quota: QuotaThresholds) -> Severity:
    if projection.percent >= quota.fail_pct or projection.exhausts_at is not None:
        return Severity.FAIL
    if projection.percent >= quota.warn_pct:
        return Severity.WARN
    return Severity.INFO


def kinds_text(kinds: Counter[str], shares: bool = True) -> str:
    total = sum(kinds.values()) or 1
    return ", ".join(
        f"{kind} {n:,}" + (f" ({100 * n / total:.0f} %)" if shares else "")
        for kind, n in kinds.most_common()
    )


def outlook(projection: Projection) -> str:
    """What the rolling window does next if the last hour's rate continues."""
    rate = f"last hour {projection.last_hour:,}"
    if projection.over:
        if projection.back_under_at is None:
            return f"{rate}; stays over the limit at this rate"
        return (
            f"{rate}; back under the limit ~{stamp(projection.back_under_at)} at this rate "
            "(the window refills hour by hour, not at midnight Pacific)"
        )
    if projection.exhausts_at is not None:
        return f"{rate}; at this rate the limit is reached ~{stamp(projection.exhausts_at)}"
    return rate


@dataclass(frozen=True)
class Usage:
    """One table's use of one rolling quota, graded."""

    load: QuotaUsage
    projection: Projection
    severity: Severity

    @property
    def flagged(self) -> bool:
        return self.severity is not Severity.INFO

    def metrics(self) -> dict[str, object]:
        p = self.projection
        return {
            "used": p.used,
            "limit": p.limit,
            "percent": round(p.percent, 1),
            "last_hour": p.last_hour,
            "exhausts_at": p.exhausts_at,
            "back_under_at": p.back_under_at,
            "job_types": dict(self.load.kinds.most_common()),
            "failed": self.load.failed,
            "per_day": self.load.daily,
        }


def usages(
    window: JobsWindow,
    quota: QuotaThresholds,
    measure: Callable[[JobGroup], int],
    limit_for: Callable[[str], int],
) -> list[Usage]:
    found = []
    for load in quota_usage(window, measure).values():
        if load.used == 0:
            continue
        projection = project(load.hourly, limit_for(load.table), window.as_of)
        found.append(Usage(load, projection, grade(projection, quota)))
    return sorted(found, key=lambda u: (-u.projection.percent, u.load.table))


def usage_findings(found: list[Usage], describe: Callable[[Usage], str]) -> list[Finding]:
    return [
        Finding(u.severity, describe(u), subject=u.load.table, data=u.metrics())
        for u in found
        if u.flagged
    ]


def usage_summary(found: list[Usage], what: str, period: str) -> str:
    flagged = [u for u in found if u.flagged]
    shown = flagged or found[:1]
    if not shown:
        return f"no {what} in {period}"
    text = "; ".join(
        f"{u.load.table} {u.projection.used:,} of {u.projection.limit:,} "
        f"({u.projection.percent:.0f} %)"
        for u in shown
    )
    tables = count(len(found), "table")
    return text if flagged else f"busiest table {text}; {tables} written"


class TableOperations(QuotaCheck):
    def __init__(self) -> None:
        super().__init__("quota.table_operations")

    def evaluate(self, ctx: Context, window: JobsWindow) -> CheckResult:
        quota = ctx.profile.thresholds.quota
        found = usages(window, quota, lambda g: g.jobs, lambda _: quota.table_operations_limit)
        dml = quota_usage(window, lambda g: g.jobs, lambda g: g.statement_type in DML)
        findings = usage_findings(
            found,
            lambda u: (
                f"{u.projection.used:,} of {u.projection.limit:,} table operations in "
                f"{self.period(window)} ({u.projection.percent:.0f} %): "
                f"{kinds_text(u.load.kinds)}; {u.load.failed:,} failed (they count too); "
                f"{outlook(u.projection)}"
            ),
        )
        tables = {
            u.load.table: u.metrics() | {"dml_not_counted": _used(dml, u.load.table)} for u in found
        }
        # The run's own dates: D..D for `daily` and `quota`, START..END for `quota --backfill`.
        cost = ctx.command("quota", "--backfill", ctx.start, ctx.end)
        remediation = [step for u in found if u.flagged for step in _batching(u, quota, cost)]
        return CheckResult.from_findings(
            self.id,
            usage_summary(found, "table operations", self.period(window)),
            findings,
            _metrics(window, quota.table_operations_limit, tables),
            remediation,
        )


def _used(loads: dict[str, QuotaUsage], table: str) -> int:
    return loads[table].used if table in loads else 0


def _metrics(window: JobsWindow, limit: int | dict[str, int], tables: dict) -> dict[str, object]:
    return {
        "window": {"start": window.window_start, "end": window.as_of, "hours": window.window_hours},
        # per_day in each table: consecutive 24 h periods from `since`, the last ending at as_of
        "lookback": {"since": window.since, "days": window.days},
        "limit": limit,
        "tables": tables,
    }


def _batching(usage: Usage, quota: QuotaThresholds, cost: str) -> list[str]:
    """What to change, with the number it would come down to."""
    load, p = usage.load, usage.projection
    kind, jobs = load.kinds.most_common(1)[0]
    share = 100 * jobs / p.used
    head = f"{load.table}: {p.used:,} of {p.limit:,} ({p.percent:.0f} %), {share:.0f} % {kind} jobs"
    size = quota.remediation_batch_size
    if kind == "LOAD":
        average = (
            f" averaging {load.load_bytes // load.load_jobs:,} bytes"
            if (load.load_bytes and load.load_jobs)
            else ""
        )
        after = math.ceil(jobs / size) + (p.used - jobs)
        step = (
            f"{head}{average}; batching {size} rows per load job would use ~{after:,}: buffer "
            f"rows and flush every {size} rows or at the end of a run instead of one "
            "load_table_from_json per record (the lint command finds single-row writes)"
        )
    elif kind == "QUERY":
        step = (
            f"{head}; write one query result per run instead of appending per item, or stage "
            "rows and apply them with one INSERT ... SELECT (DML does not count toward this quota)"
        )
    else:
        step = f"{head}; combine these jobs: one job per run, not one per item"
    steps = [step]
    if p.over:
        when = f" ~{stamp(p.back_under_at)}" if p.back_under_at else " once the rate drops"
        steps.append(
            f"{load.table}: writes fail with quotaExceeded until the rolling window "
            f"refills (back under{when}); then re-run what failed, checking the cost first: "
            f"`{cost}`"
        )
    return steps


class PartitionModifications(QuotaCheck):
    def __init__(self) -> None:
        super().__init__("quota.partition_modifications")

    def evaluate(self, ctx: Context, window: JobsWindow) -> CheckResult:
        quota = ctx.profile.thresholds.quota
        ingestion = set(quota.ingestion_time_partitioned_tables)

        def limit_for(table: str) -> int:
            if table in ingestion:
                return quota.ingestion_time_partition_modifications_limit
            return quota.partition_modifications_limit

        found = usages(window, quota, lambda g: g.modified_partitions, limit_for)
        findings = usage_findings(
            found,
            lambda u: (
                f"{u.projection.used:,} of {u.projection.limit:,} partition modifications in "
                f"{self.period(window)} ({u.projection.percent:.0f} %, "
                f"{'ingestion-time' if u.load.table in ingestion else 'column'}-partitioned "
                f"limit): {kinds_text(u.load.kinds)}; {outlook(u.projection)}"
            ),
        )
        remediation = [
            f"{u.load.table}: each write job modifies its partitions once; buffer rows and "
            f"write each partition once per run (e.g. {quota.remediation_batch_size} rows per "
            "load job) instead of one job per event"
            for u in found
            if u.flagged
        ]
        limits = {
            "column_partitioned": quota.partition_modifications_limit,
            "ingestion_time": quota.ingestion_time_partition_modifications_limit,
        }
        return CheckResult.from_findings(
            self.id,
            usage_summary(found, "partition modifications", self.period(window)),
            findings,
            _metrics(window, limits, {u.load.table: u.metrics() for u in found}),
            remediation,
        )


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


@dataclass
class ErrorGroup:
    """Jobs on one table that failed for one quota reason inside the window."""

    table: str
    reason: str
    first: datetime
    last: datetime
    jobs: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    message: str | None = None

    def add(self, group: JobGroup) -> None:
        self.jobs += group.jobs
        self.kinds[group.kind] += group.jobs
        self.first = min(self.first, group.first_job)
        self.last = max(self.last, group.last_job)
        self.message = self.message or group.error_message

    @property
    def dml(self) -> bool:
        return any(kind in DML for kind in self.kinds)

    @property
    def span(self) -> str:
        return f"between {stamp(self.first)} and {stamp(self.last)}"


class QuotaErrors(QuotaCheck):
    def __init__(self) -> None:
        super().__init__("quota.errors")

    def evaluate(self, ctx: Context, window: JobsWindow) -> CheckResult:
        quota = ctx.profile.thresholds.quota
        groups: dict[tuple[str, str], ErrorGroup] = {}
        for group in window.select(lambda g: g.quota_error and g.in_window):
            key = (group.table or NO_TABLE, str(group.error_reason))
            if key not in groups:
                groups[key] = ErrorGroup(*key, first=group.first_job, last=group.last_job)
            groups[key].add(group)
        found = sorted(groups.values(), key=lambda e: (-e.jobs, e.table, e.reason))
        findings = [
            Finding(
                Severity.FAIL,
                f"{e.jobs:,} jobs failed with {e.reason} {e.span} "
                f"({kinds_text(e.kinds, shares=False)})" + (f": {e.message}" if e.message else ""),
                subject=e.table,
                data={
                    "reason": e.reason,
                    "jobs": e.jobs,
                    "job_types": dict(e.kinds.most_common()),
                    "first": e.first,
                    "last": e.last,
                    "message": e.message,
                },
            )
            for e in found
        ]
        summary = (
            "; ".join(f"{e.table}: {e.jobs:,} {e.reason}" for e in found)
            if found
            else f"no quotaExceeded or rateLimitExceeded errors in {self.period(window)}"
        )
        return CheckResult.from_findings(
            self.id,
            summary,
            findings,
            {"errors": [finding.data | {"table": finding.subject} for finding in findings]},
            [_error_step(e, quota) for e in found],
        )


def _error_step(error: ErrorGroup, quota: QuotaThresholds) -> str:
    if error.reason == "rateLimitExceeded":
        return (
            f"{error.table}: {error.jobs:,} jobs hit a short-term rate limit: retry with "
            "exponential backoff and write less often (batch rows per job)"
        )
    if error.dml:
        return (
            f"{error.table}: {error.jobs:,} DML statements were rejected (per-table queue: "
            f"{quota.dml_running_limit} running + {quota.dml_queue_limit} queued), so their "
            f"rows were never written: re-run the work of the jobs {error.span}, then "
            "serialize writes (per-worker staging tables + one MERGE per batch)"
        )
    return (
        f"{error.table}: {error.jobs:,} writes failed with quotaExceeded and their data is "
        f"missing: once quota.table_operations is back under the limit, re-run the dates "
        f"processed by the jobs {error.span} and batch the writes (see quota.table_operations)"
    )
