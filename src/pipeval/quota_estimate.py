"""Backfill quota estimate: what re-running START..END adds to each table's rolling window.

The jobs view has no data-date column, so the estimate learns per day of jobs: with the
pipeline processing one date per day, a table's table operations in one 24-hour period stand
for one processed date. The typical (median) active day of the lookback is the cost of one
date; re-running N dates adds N times that on top of what the current window already holds.
A backfill "fits" when every table stays below the FAIL threshold of quota.table_operations.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pipeval.listing import count
from pipeval.metrics.jobs import JobsWindow, project, quota_usage
from pipeval.profile.model import QuotaThresholds
from pipeval.results import Severity, jsonable


@dataclass(frozen=True)
class TableEstimate:
    table: str
    per_date: int
    peak_day: int
    active_days: int
    used_now: int
    adds: int
    limit: int
    budget: int
    # When the whole backfill fits, as the window refills at the last hour's rate (None: now or
    # not within the window).
    fits_from: datetime | None = None

    @property
    def projected(self) -> int:
        return self.used_now + self.adds

    @property
    def percent(self) -> float:
        return 100.0 * self.projected / self.limit

    @property
    def fits(self) -> bool:
        return self.projected <= self.budget

    @property
    def dates_now(self) -> int:
        """Dates that fit in what the current window has left."""
        return max(0, (self.budget - self.used_now) // self.per_date)

    @property
    def dates_per_day(self) -> int:
        """Backfill dates per day on top of the pipeline's own date, once the window is steady."""
        return max(0, self.budget // self.per_date - 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "per_date": self.per_date,
            "peak_day": self.peak_day,
            "active_days": self.active_days,
            "used_now": self.used_now,
            "adds": self.adds,
            "projected": self.projected,
            "limit": self.limit,
            "budget": self.budget,
            "percent": round(self.percent, 1),
            "fits": self.fits,
            "dates_now": self.dates_now,
            "dates_per_day": self.dates_per_day,
            "fits_from": self.fits_from,
        }


@dataclass(frozen=True)
class BackfillEstimate:
    start: date
    end: date
    dates: int
    as_of: datetime
    lookback_days: int
    fail_pct: float
    tables: tuple[TableEstimate, ...]

    @property
    def fits(self) -> bool:
        return all(table.fits for table in self.tables)

    @property
    def tightest(self) -> TableEstimate | None:
        return max(self.tables, key=lambda t: (t.percent, t.table), default=None)

    @property
    def dates_per_day(self) -> int | None:
        return min((t.dates_per_day for t in self.tables), default=None)

    @property
    def fits_from(self) -> datetime | None:
        """When every table has room for the whole backfill, if that happens within the window."""
        waiting = [table.fits_from for table in self.tables if not table.fits]
        if not waiting or None in waiting:
            return None
        return max(when for when in waiting if when is not None)

    @property
    def severity(self) -> Severity:
        if self.fits:
            return Severity.INFO
        return Severity.WARN if self.dates_per_day else Severity.FAIL

    @property
    def assumption(self) -> str:
        return (
            f"One processed date costs what one day of normal running cost: per table, the "
            f"median of table operations (load + copy + query-append jobs, failed ones included, "
            f"DML excluded) per 24 h over the last {self.lookback_days} days with any, ending "
            f"{self.as_of:%Y-%m-%d %H:%MZ}. The jobs view has no data-date column, so days of "
            f"jobs stand in for processed dates. {count(self.dates, 'date')} to re-run (game "
            f"days in {self.start}..{self.end}). Fits = every table stays below "
            f"{self.fail_pct:g} % of its limit, the FAIL threshold of quota.table_operations."
        )

    @property
    def verdict(self) -> str:
        tight = self.tightest
        if self.dates == 0:
            return f"nothing to re-run: no game days in {self.start}..{self.end}"
        if tight is None:
            return (
                f"no table operations in the last {self.lookback_days} days to learn from: "
                "nothing to estimate"
            )
        where = f"{tight.table} {tight.projected:,} of {tight.limit:,} ({tight.percent:.0f} %)"
        if self.fits:
            return (
                f"fits: {count(self.dates, 'date')} add ~{tight.adds:,} table operations to the "
                f"tightest table, {where} after the backfill"
            )
        per_day = self.dates_per_day or 0
        if per_day == 0:
            worst = min(self.tables, key=lambda t: (t.dates_per_day, t.table))
            return (
                f"does not fit even one date per day: {worst.table} takes ~{worst.per_date:,} "
                f"table operations per date against {worst.budget:,}; batch its writes first"
            )
        if self.fits_from is not None:
            return (
                f"does not fit now: {where} after the backfill; it fits from "
                f"~{self.fits_from:%Y-%m-%d %H:%MZ} as the window refills (at the last hour's rate)"
            )
        days = math.ceil(self.dates / per_day)
        return (
            f"does not fit at once: {where} after the backfill; run at most "
            f"{count(per_day, 'date')} per day (~{count(days, 'day')})"
        )

    def to_dict(self) -> dict[str, Any]:
        return jsonable(
            {
                "start": self.start,
                "end": self.end,
                "dates": self.dates,
                "fits": self.fits,
                "dates_per_day": self.dates_per_day,
                "fits_from": self.fits_from,
                "verdict": self.verdict,
                "assumption": self.assumption,
                "tables": [table.to_dict() for table in self.tables],
            }
        )


def fail_budget(limit: int, fail_pct: float) -> int:
    """The largest count that stays below `fail_pct` of `limit`."""
    return max(0, math.ceil(limit * fail_pct / 100) - 1)


def estimate_backfill(
    window: JobsWindow, quota: QuotaThresholds, start: date, end: date, dates: int
) -> BackfillEstimate:
    """Re-running `dates` dates of START..END, per destination table, on top of the window."""
    limit = quota.table_operations_limit
    budget = fail_budget(limit, quota.fail_pct)
    tables = []
    for load in quota_usage(window, lambda group: group.jobs).values():
        active = [n for n in load.daily[-quota.backfill_lookback_days :] if n]
        if not active:
            continue
        per_date = statistics.median_low(active)
        adds = per_date * dates
        room = budget - adds + 1  # the window must drop below this for the backfill to fit
        refill = project(load.hourly, room, window.as_of) if room > 0 else None
        tables.append(
            TableEstimate(
                table=load.table,
                per_date=per_date,
                peak_day=max(active),
                active_days=len(active),
                used_now=load.used,
                adds=adds,
                limit=limit,
                budget=budget,
                fits_from=refill.back_under_at if refill is not None else None,
            )
        )
    return BackfillEstimate(
        start=start,
        end=end,
        dates=dates,
        as_of=window.as_of,
        lookback_days=quota.backfill_lookback_days,
        fail_pct=quota.fail_pct,
        tables=tuple(sorted(tables, key=lambda t: (-t.percent, t.table))),
    )
