"""Rows of bq_meta.jobs_by_project: the pipeline's routine jobs plus the seeds' quota incidents.

Post-game tables load the morning after the games (05:00-08:00 US/Eastern), pre-game tables
during the game day (10:00-18:00 ET). Anonymous SELECT results and SCRIPT parents are included
because quota checks must learn to ignore them.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pipeval.sample import incidents, tables
from pipeval.sample.timing import between, eastern_to_utc, uuid4

PRE = (10.0, 18.0)  # Eastern hours on the game date
POST = (29.0, 32.0)  # 05:00-08:00 Eastern the next morning
ALL_DAY = (5.0, 23.0)
RUN_HISTORY = ".".join(incidents.RUN_HISTORY_TABLE)
CIRCUIT_BREAKER = "nba_orchestration.circuit_breaker_state"
ANALYTICS_RUNS = "nba_analytics.analytics_processor_runs"


@dataclass(frozen=True)
class JobSpec:
    table: str | None  # None: no destination (SCRIPT parents)
    job_type: str
    statement: str | None
    counts: tuple[int, int]  # inclusive range of jobs per game date
    window: tuple[float, float]  # Eastern hours relative to the game date


# Routine jobs per game date (GATED tables only on dates that wrote rows to them).
ROUTINE: tuple[JobSpec, ...] = (
    JobSpec(tables.SCHEDULE, "LOAD", None, (2, 3), PRE),
    JobSpec(tables.PROPS, "LOAD", None, (5, 8), PRE),
    JobSpec(tables.CONTEXT, "QUERY", "MERGE", (1, 2), PRE),
    # The feature store rewrites a date: delete its partition, insert it again.
    JobSpec(tables.FEATURES, "QUERY", "DELETE", (1, 1), PRE),
    JobSpec(tables.FEATURES, "QUERY", "INSERT", (1, 2), PRE),
    JobSpec(tables.PREDICTIONS, "QUERY", "MERGE", (3, 6), PRE),
    # Re-runs deactivate the predictions they supersede.
    JobSpec(tables.PREDICTIONS, "QUERY", "UPDATE", (1, 2), PRE),
    JobSpec(tables.REGISTRY, "QUERY", "MERGE", (1, 1), PRE),
    JobSpec(tables.REGISTRY, "COPY", None, (1, 1), PRE),
    JobSpec(tables.GAMEBOOK, "LOAD", None, (2, 4), POST),
    JobSpec(tables.SUMMARY, "QUERY", "MERGE", (1, 2), POST),
    JobSpec(ANALYTICS_RUNS, "LOAD", None, (2, 4), POST),
    JobSpec(CIRCUIT_BREAKER, "LOAD", None, (2, 4), ALL_DAY),
    JobSpec(RUN_HISTORY, "LOAD", None, (28, 34), ALL_DAY),
    JobSpec("_anonymous", "QUERY", "SELECT", (6, 12), ALL_DAY),
    JobSpec(None, "QUERY", "SCRIPT", (2, 3), ALL_DAY),
)
# Tables whose jobs only run on dates that actually wrote rows to them.
GATED = {tables.GAMEBOOK, tables.SUMMARY, tables.FEATURES, tables.PREDICTIONS}


@dataclass(frozen=True)
class DayJobs:
    """What a game date wrote, which decides the routine jobs it gets."""

    day: date
    tables: frozenset[str]  # phase tables that received rows for this date
    overnight: bool  # False when the next morning is after the end of the sample


@dataclass(frozen=True)
class Job:
    creation: datetime
    job_type: str
    statement: str | None
    table: str | None
    error: tuple[str, str] | None = None  # (reason, message)
    partitions: int = 1
    bytes_processed: int = 0


def job_rows(seed: int, days: list[DayJobs]) -> Iterator[tuple]:
    rng = random.Random(f"{seed}:jobs")
    jobs = [job for day in days for job in _routine(seed, day)]
    jobs += _incident_jobs(rng, {day.day for day in days}, jobs)
    jobs.sort(key=lambda job: (job.creation, job.table or "", job.job_type))
    for job in jobs:
        yield _row(rng, job)


def _routine(seed: int, day: DayJobs) -> Iterator[Job]:
    rng = random.Random(f"{seed}:jobs:{day.day}")
    for spec in ROUTINE:
        if not _applies(spec, day):
            continue
        for _ in range(rng.randint(*spec.counts)):
            creation = between(rng, *(eastern_to_utc(day.day, h) for h in spec.window))
            if spec.table == RUN_HISTORY and _quiet(creation):
                continue
            yield _routine_job(rng, spec, creation)


def _applies(spec: JobSpec, day: DayJobs) -> bool:
    if spec.window == POST and not day.overnight:
        return False
    if spec.table == tables.PREDICTIONS and day.day == incidents.DML_LOSS_DATE:
        return False  # replaced by the incident's per-player MERGEs
    return spec.table not in GATED or spec.table in day.tables


def _quiet(creation: datetime) -> bool:
    start, end = incidents.RUN_HISTORY_QUIET
    return start <= creation < end


def _routine_job(rng: random.Random, spec: JobSpec, creation: datetime) -> Job:
    if spec.statement == "SELECT":
        scanned = rng.randrange(10**6, 3 * 10**9)
        return Job(creation, "QUERY", "SELECT", None, partitions=0, bytes_processed=scanned)
    if spec.statement == "SCRIPT":
        scanned = rng.randrange(10**7, 5 * 10**9)
        return Job(creation, "QUERY", "SCRIPT", None, partitions=0, bytes_processed=scanned)
    scanned = rng.randrange(5 * 10**6, 8 * 10**8) if spec.job_type == "QUERY" else 0
    return Job(creation, spec.job_type, spec.statement, spec.table, bytes_processed=scanned)


def _incident_jobs(rng: random.Random, game_days: set[date], routine: list[Job]) -> list[Job]:
    jobs: list[Job] = []
    if incidents.DML_LOSS_DATE in game_days:
        jobs += _dml_loss(rng)
    if incidents.SUMMARY_GAP_DATE in game_days:
        jobs += _staging(rng)
        jobs += [
            Job(between(rng, *incidents.BURST_WINDOW), "LOAD", None, RUN_HISTORY)
            for _ in range(incidents.BURST_JOBS)
        ]
    if incidents.PHASE3_OUTAGE_DATE in game_days:
        jobs += _outage(rng, [job for job in routine + jobs if job.table == RUN_HISTORY])
    return jobs


def _dml_loss(rng: random.Random) -> list[Job]:
    """Seed 002: one MERGE per player, 68 landed and 90 bounced off the DML queue."""
    window = incidents.DML_LOSS_WINDOW
    error = (incidents.DML_LOSS_REASON, incidents.DML_LOSS_MESSAGE)
    landed = []
    for _ in range(incidents.DML_LOSS_PREDICTED_PLAYERS):
        creation, size = between(rng, *window), rng.randrange(10**7, 10**8)
        landed.append(Job(creation, "QUERY", "MERGE", tables.PREDICTIONS, bytes_processed=size))
    bounced = [
        Job(between(rng, *window), "QUERY", "MERGE", tables.PREDICTIONS, error, partitions=0)
        for _ in range(incidents.DML_LOSS_FAILED_MERGES)
    ]
    return landed + bounced


def _staging(rng: random.Random) -> list[Job]:
    """Seed 002: the batch workers' staging tables, created and then never consolidated."""
    created = incidents.STAGING_CREATED
    return [
        Job(
            creation=created + timedelta(seconds=5 + 11 * index),
            job_type="QUERY",
            statement="CREATE_TABLE_AS_SELECT",
            table=f"nba_predictions.{name}",
            bytes_processed=rng.randrange(10**6, 10**7),
        )
        for index, name in enumerate(incidents.STAGING_TABLES)
    ]


def _outage(rng: random.Random, earlier: list[Job]) -> list[Job]:
    """Seed 000: 2,466 single-row loads; past 1,500 in the rolling 24 h each one is refused."""
    times = sorted(between(rng, *incidents.OUTAGE_WINDOW) for _ in range(incidents.OUTAGE_JOBS))
    error = (incidents.LOAD_QUOTA_REASON, incidents.LOAD_QUOTA_MESSAGE)
    # Failed loads still count against the quota, so the window holds every attempt.
    window = deque(sorted(job.creation for job in earlier if job.creation < times[0]))
    jobs = []
    for creation in times:
        while window and window[0] <= creation - timedelta(hours=24):
            window.popleft()
        refused = len(window) >= incidents.LOAD_QUOTA
        jobs.append(Job(creation, "LOAD", None, RUN_HISTORY, error if refused else None))
        window.append(creation)
    return jobs


def _row(rng: random.Random, job: Job) -> tuple:
    prefix = "script_job_" if job.statement == "SCRIPT" else ""
    job_id = prefix + uuid4(rng)
    return (
        job_id,
        job.creation,
        job.job_type,
        job.statement,
        "DONE",
        _destination(rng, job),
        _error(job.error),
        job.partitions,
        job.bytes_processed,
    )


def _destination(rng: random.Random, job: Job) -> str | None:
    """STRUCT literal text; SELECT results land in a hidden anonymous dataset."""
    if job.statement == "SCRIPT":
        return None
    if job.statement == "SELECT":
        dataset, table = f"_{rng.getrandbits(160):040x}", f"anon{rng.getrandbits(160):040x}"
    else:
        dataset, table = tables.split(job.table or "")
    return _struct(project_id=incidents.PROJECT, dataset_id=dataset, table_id=table)


def _error(error: tuple[str, str] | None) -> str | None:
    if error is None:
        return None
    reason, message = error
    return _struct(reason=reason, location=None, message=message)


def _struct(**fields: str | None) -> str:
    """DuckDB STRUCT literal text, which COPY casts into the STRUCT column."""
    parts = []
    for name, value in fields.items():
        if value is not None and ("'" in value or "\\" in value):
            raise ValueError(f"cannot quote {value!r} in a STRUCT literal")
        parts.append(f"'{name}': " + ("NULL" if value is None else f"'{value}'"))
    return "{" + ", ".join(parts) + "}"
