"""What quota.table_operations and quota.partition_modifications share: one table's use of a
rolling quota (jobs view rows measured per table), projected at the last hour's rate and graded
against the profile's warn/fail percentages, and how it reads in a finding or a summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from pipeval.checks.quota_base import stamp
from pipeval.listing import count
from pipeval.metrics.jobs import JobGroup, JobsWindow, Projection, QuotaUsage, project, quota_usage
from pipeval.profile.model import QuotaThresholds
from pipeval.results import Finding, Severity

# The subject of jobs without a destination table (quota.dml_queue, quota.errors).
NO_TABLE = "(no destination table)"


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


def window_metrics(
    window: JobsWindow, limit: int | dict[str, int], tables: dict
) -> dict[str, object]:
    return {
        "window": {"start": window.window_start, "end": window.as_of, "hours": window.window_hours},
        # per_day in each table: consecutive 24 h periods from `since`, the last ending at as_of
        "lookback": {"since": window.since, "days": window.days},
        "limit": limit,
        "tables": tables,
    }
