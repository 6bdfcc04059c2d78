"""quota.partition_modifications: `total_modified_partitions` of the write jobs per table vs
30,000 (column-partitioned) / 11,000 (ingestion-time) over the rolling window; graded like
quota.table_operations."""

from __future__ import annotations

from pipeval.checks.quota_base import QuotaCheck
from pipeval.checks.quota_usage import (
    kinds_text,
    outlook,
    usage_findings,
    usage_summary,
    usages,
    window_metrics,
)
from pipeval.metrics.jobs import JobsWindow
from pipeval.query import Context
from pipeval.results import CheckResult


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
            window_metrics(window, limits, {u.load.table: u.metrics() for u in found}),
            remediation,
        )
