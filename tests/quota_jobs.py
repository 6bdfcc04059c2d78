"""Rows of bq_meta.jobs_by_project for the quota tests, and a profile with other quota limits."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from pipeval.profile import Profile

AS_OF = datetime(2026, 1, 27, 15, 0, tzinfo=UTC)
RUN_HISTORY = "nba_reference.processor_run_history"
PREDICTIONS = "nba_predictions.player_prop_predictions"
JOBS = "bq_meta.jobs_by_project"
_ids = count(1)


def job(
    at: datetime,
    job_type: str = "LOAD",
    statement: str | None = None,
    table: str | None = RUN_HISTORY,
    state: str = "DONE",
    reason: str | None = None,
    message: str = "",
    partitions: int = 1,
    scanned: int = 0,
) -> dict[str, Any]:
    """One job row; `table` None means no destination (e.g. a script parent)."""
    destination = None
    if table is not None:
        dataset, name = table.split(".")
        destination = {"project_id": "nba-props-platform", "dataset_id": dataset, "table_id": name}
    error = None if reason is None else {"reason": reason, "location": None, "message": message}
    return {
        "job_id": f"job_{next(_ids)}",
        "creation_time": at.astimezone(UTC).replace(tzinfo=None),
        "job_type": job_type,
        "statement_type": statement,
        "state": state,
        "destination_table": destination,
        "error_result": error,
        "total_modified_partitions": partitions,
        "total_bytes_processed": scanned,
    }


def jobs(n: int, at: datetime, **kwargs: Any) -> list[dict[str, Any]]:
    return [job(at, **kwargs) for _ in range(n)]


def spread(n: int, hours: int = 24, end: datetime = AS_OF, **kwargs: Any) -> list[dict[str, Any]]:
    """`n` jobs over the `hours` before `end`, one per hour round-robin, oldest hours first, so
    the last hour never runs faster than the hours that leave the window."""
    return [
        job(end - timedelta(hours=hours - index % hours, minutes=-30), **kwargs)
        for index in range(n)
    ]


def with_quota(profile: Profile, **changes: Any) -> Profile:
    quota = dataclasses.replace(profile.thresholds.quota, **changes)
    thresholds = dataclasses.replace(profile.thresholds, quota=quota)
    return dataclasses.replace(profile, thresholds=thresholds)
