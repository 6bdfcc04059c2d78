"""quota.table_operations: load + copy + query-append jobs per destination table (failed ones
count, DML does not) vs 1,500 over the rolling window. WARN >= 80 %, FAIL >= 95 % or when the
last hour's rate would reach the limit within the window; remediation says what to batch."""

from __future__ import annotations

import math

from pipeval.checks.quota_base import QuotaCheck, stamp
from pipeval.checks.quota_usage import (
    Usage,
    kinds_text,
    outlook,
    usage_findings,
    usage_summary,
    usages,
    window_metrics,
)
from pipeval.metrics.jobs import DML, JobsWindow, QuotaUsage, quota_usage
from pipeval.profile.model import QuotaThresholds
from pipeval.query import Context
from pipeval.results import CheckResult


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
            window_metrics(window, quota.table_operations_limit, tables),
            remediation,
        )


def _used(loads: dict[str, QuotaUsage], table: str) -> int:
    return loads[table].used if table in loads else 0


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
            f"{head}{average}; batching {size} rows per load job would use ~{after:,} table "
            f"operations in 24 h: buffer rows and flush every {size} rows or at the end of a run "
            "instead of one load_table_from_json per record (the lint command finds single-row "
            "writes)"
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
