"""quota.backfill (only in `pipeval quota --backfill START END`): does re-running a range fit?

OK when every table stays below the FAIL threshold of quota.table_operations after the
backfill, WARN when it fits only spread over several days, FAIL when not even one date per day
fits. The estimate itself (and its assumption) lives in pipeval.quota_estimate.
"""

from __future__ import annotations

from datetime import date

from pipeval.checks.quota_base import QuotaCheck
from pipeval.metrics.games import read_schedule, schedule_query
from pipeval.metrics.jobs import JobsWindow
from pipeval.query import Context, Query
from pipeval.quota_estimate import BackfillEstimate, estimate_backfill
from pipeval.results import CheckResult, Finding, Severity


class BackfillFit(QuotaCheck):
    def __init__(self, start: date, end: date) -> None:
        super().__init__("quota.backfill")
        self.start, self.end = start, end

    def queries(self, ctx: Context) -> list[Query]:
        return [*super().queries(ctx), schedule_query(ctx.profile, self.start, self.end)]

    def game_days(self, ctx: Context) -> int:
        """Dates of the range with scheduled games: the dates a backfill re-runs."""
        rows = ctx.fetch(schedule_query(ctx.profile, self.start, self.end))
        schedule = read_schedule(rows)
        return sum(1 for day in schedule.games if self.start <= day <= self.end)

    def evaluate(self, ctx: Context, window: JobsWindow) -> CheckResult:
        quota = ctx.profile.thresholds.quota
        estimate = estimate_backfill(window, quota, self.start, self.end, self.game_days(ctx))
        findings = [
            Finding(
                Severity.FAIL if not table.dates_per_day else Severity.WARN,
                f"re-running {estimate.dates} dates adds ~{table.adds:,} "
                f"(~{table.per_date:,} per date): {table.projected:,} of {table.limit:,} "
                f"({table.percent:.0f} %); {table.dates_now} dates fit now, "
                f"{table.dates_per_day} per day",
                subject=table.table,
                data=table.to_dict(),
            )
            for table in estimate.tables
            if not table.fits
        ]
        findings.append(Finding(estimate.severity, estimate.verdict, data={"fits": estimate.fits}))
        return CheckResult.from_findings(
            self.id, estimate.verdict, findings, estimate.to_dict(), _remediation(estimate)
        )


def _remediation(estimate: BackfillEstimate) -> list[str]:
    if estimate.fits or estimate.dates_per_day is None:
        return []
    if estimate.dates_per_day == 0:
        return ["Batch the writes of the tables named above first (see quota.table_operations)"]
    span = f"{estimate.start}..{estimate.end}"
    if estimate.fits_from is not None:
        # The whole range fits once the window has refilled: say when, not how to slice it.
        return [
            f"Wait until ~{estimate.fits_from:%Y-%m-%d %H:%MZ}, when the whole backfill fits, "
            f"then re-run {span}"
        ]
    if estimate.dates <= estimate.dates_per_day:
        return [f"Re-run {span} once the tables above are back under their limit"]
    return [
        f"Re-run {span} in slices of at most {estimate.dates_per_day} dates per day, "
        "checking the quota again between slices"
    ]
