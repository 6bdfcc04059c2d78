"""quota.errors: jobs that failed with quotaExceeded / rateLimitExceeded inside the window, by
table and reason. FAIL if any: their rows were never written, so remediation says what to
re-run and how to stop it recurring."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from pipeval.checks.quota_base import QuotaCheck, stamp
from pipeval.checks.quota_usage import NO_TABLE, kinds_text
from pipeval.metrics.jobs import DML, JobGroup, JobsWindow
from pipeval.profile.model import QuotaThresholds
from pipeval.query import Context
from pipeval.results import CheckResult, Finding, Severity


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
