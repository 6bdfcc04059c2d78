"""BigQuery job metadata per destination table: one statement over the jobs view per region.

BigQuery keeps job metadata per region, so the statement reads the region-qualified
`INFORMATION_SCHEMA.JOBS_BY_PROJECT` once for each of the profile's `warehouse.regions` (each
job runs in its own region; embedded: `bq_meta.jobs_by_project`, which stands for every region,
so an embedded profile lists one) for the span [as_of - lookback, as_of) and aggregates it per
table, job type, statement type, state and error reason into 24-hour slots aligned on `as_of`,
plus hourly slots inside the quota window. Every quota check and the backfill estimate share
these statements; the window also keeps how many jobs each region showed, because a region
where no job ran answers with zero rows, not an error.

What counts where (BigQuery's quotas page): table operations and partition modifications are
load, copy and query jobs that append to or overwrite a destination table, failed ones
included; DML statements do not count (they have their own per-table queue). Anonymous result
datasets (`_...`) and script parents (statement type SCRIPT, whose child jobs are listed
themselves) are left out so nothing is counted twice.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pipeval.ports import Row
from pipeval.profile.model import Profile
from pipeval.query import Context, Query
from pipeval.sqlcache import cached_sql
from pipeval.sqlkit import info_schema, render

# Half-open slots [start, end): a job created exactly `window_hours` before as_of has not
# refilled yet and counts; a job created at as_of itself belongs to the next window.
JOBS_SQL = """
SELECT
  CASE WHEN STARTS_WITH(destination_table.dataset_id, '_') THEN NULL
       ELSE destination_table.dataset_id END AS dataset_id,
  CASE WHEN STARTS_WITH(destination_table.dataset_id, '_') THEN NULL
       ELSE destination_table.table_id END AS table_id,
  job_type,
  statement_type,
  state,
  error_result.reason AS error_reason,
  DIV(TIMESTAMP_DIFF(creation_time, @since, MICROSECOND), 86400000000) AS day_slot,
  IF(creation_time >= @window_start,
     DIV(TIMESTAMP_DIFF(creation_time, @window_start, MICROSECOND), 3600000000),
     NULL) AS hour_slot,
  COUNT(*) AS jobs,
  SUM(COALESCE(total_modified_partitions, 0)) AS modified_partitions,
  SUM(COALESCE(total_bytes_processed, 0)) AS bytes_processed,
  MIN(error_result.message) AS error_message,
  MIN(creation_time) AS first_job,
  MAX(creation_time) AS last_job
FROM _t_jobs
WHERE creation_time >= @since AND creation_time < @as_of
  AND COALESCE(statement_type, '') != 'SCRIPT'
  AND (destination_table.dataset_id IS NULL
       OR NOT STARTS_WITH(destination_table.dataset_id, '_')
       OR error_result.reason IS NOT NULL)
GROUP BY dataset_id, table_id, job_type, statement_type, state, error_reason, day_slot, hour_slot
"""

# Query jobs that write a destination table (append or overwrite). DML and other DDL do not.
DESTINATION_WRITES = frozenset({"SELECT", "CREATE_TABLE_AS_SELECT"})
WRITE_JOB_TYPES = frozenset({"LOAD", "COPY"})
# The per-table queue (2 running + 20 queued) applies to mutating DML only; INSERT is not queued.
MUTATING_DML = frozenset({"UPDATE", "DELETE", "MERGE"})
DML = MUTATING_DML | {"INSERT"}
QUOTA_ERROR_REASONS = ("quotaExceeded", "rateLimitExceeded")
QUEUED_STATES = frozenset({"PENDING"})
RUNNING_STATES = frozenset({"RUNNING"})
VIEW = "JOBS_BY_PROJECT"


@dataclass(frozen=True)
class JobGroup:
    """Jobs of one kind on one table within one slot (a row of JOBS_SQL)."""

    table: str | None
    job_type: str
    statement_type: str | None
    state: str
    error_reason: str | None
    error_message: str | None
    day_slot: int
    hour_slot: int | None
    jobs: int
    modified_partitions: int
    bytes_processed: int
    first_job: datetime
    last_job: datetime

    @property
    def in_window(self) -> bool:
        return self.hour_slot is not None

    @property
    def kind(self) -> str:
        """LOAD, COPY, QUERY (a destination write) or the statement type (MERGE, INSERT, ...)."""
        if self.job_type == "QUERY" and self.statement_type not in DESTINATION_WRITES:
            return self.statement_type or "QUERY"
        return self.job_type

    @property
    def table_operation(self) -> bool:
        if self.table is None:
            return False
        if self.job_type in WRITE_JOB_TYPES:
            return True
        return self.job_type == "QUERY" and self.statement_type in DESTINATION_WRITES

    @property
    def mutating_dml(self) -> bool:
        return self.table is not None and self.statement_type in MUTATING_DML

    @property
    def failed(self) -> bool:
        return self.error_reason is not None

    @property
    def quota_error(self) -> bool:
        return self.error_reason in QUOTA_ERROR_REASONS


@dataclass(frozen=True)
class JobsWindow:
    """The parsed rows plus the geometry of their slots."""

    as_of: datetime
    window_hours: int
    days: int
    groups: tuple[JobGroup, ...]
    # (region, jobs it showed over the whole span), in the profile's order
    regions: tuple[tuple[str, int], ...] = ()

    @property
    def window_start(self) -> datetime:
        return self.as_of - timedelta(hours=self.window_hours)

    @property
    def since(self) -> datetime:
        return self.as_of - timedelta(days=self.days)

    def day_start(self, slot: int) -> datetime:
        return self.since + timedelta(days=slot)

    def select(self, keep: Callable[[JobGroup], bool]) -> list[JobGroup]:
        return [group for group in self.groups if keep(group)]


def span_days(profile: Profile) -> int:
    """Whole days read: the backfill lookback, and at least the quota window."""
    quota = profile.thresholds.quota
    return max(quota.backfill_lookback_days, math.ceil(quota.window_hours / 24))


def jobs_queries(profile: Profile, as_of: datetime) -> list[Query]:
    """One statement per region of `warehouse.regions`, in the profile's order."""
    return [jobs_query(profile, as_of, region) for region in profile.warehouse.regions]


def jobs_query(profile: Profile, as_of: datetime, region: str) -> Query:
    quota = profile.thresholds.quota
    return Query.of(
        _jobs_sql(region),
        label="jobs_by_project",
        since=as_of - timedelta(days=span_days(profile)),
        window_start=as_of - timedelta(hours=quota.window_hours),
        as_of=as_of,
    )


@cached_sql
def _jobs_sql(region: str) -> str:
    return render(JOBS_SQL, {"jobs": info_schema(region, VIEW)})


def _table(row: Row) -> str | None:
    if row["dataset_id"] is None or row["table_id"] is None:
        return None
    return f"{row['dataset_id']}.{row['table_id']}"


def read_jobs(
    rows: Iterable[Row],
    profile: Profile,
    as_of: datetime,
    regions: tuple[tuple[str, int], ...] = (),
) -> JobsWindow:
    groups = tuple(
        JobGroup(
            table=_table(row),
            job_type=str(row["job_type"] or ""),
            statement_type=row["statement_type"],
            state=str(row["state"] or ""),
            error_reason=row["error_reason"],
            error_message=row["error_message"],
            day_slot=int(row["day_slot"]),
            hour_slot=None if row["hour_slot"] is None else int(row["hour_slot"]),
            jobs=int(row["jobs"]),
            modified_partitions=int(row["modified_partitions"] or 0),
            bytes_processed=int(row["bytes_processed"] or 0),
            first_job=row["first_job"],
            last_job=row["last_job"],
        )
        for row in rows
    )
    quota = profile.thresholds.quota
    return JobsWindow(as_of, quota.window_hours, span_days(profile), groups, regions)


def jobs_window(ctx: Context) -> JobsWindow:
    """The jobs rows of every region, parsed once and shared by every check that reads them.
    A region whose statement fails fails the window: a partial count would under-report."""
    queries = jobs_queries(ctx.profile, ctx.as_of)
    key = ("jobs_window", tuple(query.key() for query in queries))

    def read() -> JobsWindow:
        rows: list[Row] = []
        shown: list[tuple[str, int]] = []
        for region, query in zip(ctx.profile.warehouse.regions, queries, strict=True):
            found = ctx.fetch(query)
            rows.extend(found)
            shown.append((region, sum(int(row["jobs"]) for row in found)))
        return read_jobs(rows, ctx.profile, ctx.as_of, tuple(shown))

    return ctx.memo_get(key, read)


@dataclass
class QuotaUsage:
    """One table's usage of one quota: hourly inside the window, per 24 h over the lookback,
    by job kind, failed ones, and the load jobs (and their bytes) among them."""

    table: str
    hourly: list[int]
    daily: list[int]
    kinds: Counter[str] = field(default_factory=Counter)
    failed: int = 0
    load_jobs: int = 0
    load_bytes: int = 0

    @property
    def used(self) -> int:
        return sum(self.hourly)

    @property
    def last_hour(self) -> int:
        return self.hourly[-1] if self.hourly else 0


def quota_usage(
    window: JobsWindow,
    measure: Callable[[JobGroup], int],
    counted: Callable[[JobGroup], bool] = lambda group: group.table_operation,
) -> dict[str, QuotaUsage]:
    """Per table: `measure` summed per slot over the groups that `counted` keeps."""
    usage: dict[str, QuotaUsage] = {}
    for group in window.select(counted):
        assert group.table is not None
        used = usage.setdefault(
            group.table,
            QuotaUsage(group.table, [0] * window.window_hours, [0] * window.days),
        )
        amount = measure(group)
        if 0 <= group.day_slot < window.days:
            used.daily[group.day_slot] += amount
        if group.hour_slot is None or not 0 <= group.hour_slot < window.window_hours:
            continue
        used.hourly[group.hour_slot] += amount
        used.kinds[group.kind] += amount
        used.failed += amount if group.failed else 0
        if group.job_type == "LOAD":
            used.load_jobs += group.jobs
            used.load_bytes += group.bytes_processed
    return usage


@dataclass(frozen=True)
class Projection:
    """Where a rolling-window quota goes if the last hour's rate continues.

    Each hour the oldest hour of the window refills and the last hour's rate is added again.
    """

    used: int
    limit: int
    last_hour: int
    exhausts_at: datetime | None
    back_under_at: datetime | None

    @property
    def percent(self) -> float:
        return 100.0 * self.used / self.limit

    @property
    def over(self) -> bool:
        return self.used >= self.limit


def project(hourly: list[int], limit: int, as_of: datetime) -> Projection:
    used = sum(hourly)
    rate = hourly[-1] if hourly else 0
    exhausts_at = back_under_at = None
    for hours in range(1, len(hourly) + 1):
        later = used - sum(hourly[:hours]) + rate * hours
        when = as_of + timedelta(hours=hours)
        if used < limit and later >= limit:
            exhausts_at = when
            break
        if used >= limit and later < limit:
            back_under_at = when
            break
    return Projection(used, limit, rate, exhausts_at, back_under_at)
