"""quota.* on tiny real warehouses: window edges, what counts, grading, projection, errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlglot
from hypothesis import given
from hypothesis import strategies as st
from sqlglot import exp

from pipeval.adapters.bq_to_duckdb import to_duckdb
from pipeval.checks import checks_for
from pipeval.checks.quota_base import missing_permission
from pipeval.errors import PermissionDeniedError
from pipeval.metrics.jobs import jobs_queries, project
from pipeval.query import Context
from pipeval.results import CheckResult, Severity, Status
from pipeval.sqlkit import ensure_query, parameter_names
from pipeval.suites.runner import run_suite
from tests.quota_jobs import AS_OF, JOBS, PREDICTIONS, RUN_HISTORY, job, jobs, spread, with_quota
from tests.recorded_bq import JobFails, Rows, recorded, recorded_bigquery, replay

HOUR = timedelta(hours=1)
MS = timedelta(milliseconds=1)


def run_all(profile, warehouse) -> dict[str, CheckResult]:
    ctx = Context(
        profile=profile, as_of=AS_OF, start=AS_OF.date(), end=AS_OF.date(), warehouse=warehouse
    )
    result = run_suite("quota", checks_for(profile, "quota"), ctx, {})
    return {check.id: check for check in result.checks}


def run(profile, make_warehouse, rows, check_id: str) -> CheckResult:
    return run_all(profile, make_warehouse({JOBS: rows}))[check_id]


def ops(profile, make_warehouse, rows) -> CheckResult:
    return run(profile, make_warehouse, rows, "quota.table_operations")


# -- the statement ----------------------------------------------------------------------------


def test_one_bigquery_statement_over_the_region_qualified_jobs_view(profile) -> None:
    (query,) = jobs_queries(profile, AS_OF)
    tree = ensure_query(query.sql)  # parses as BigQuery, one read-only SELECT
    assert "`region-us`.`INFORMATION_SCHEMA.JOBS_BY_PROJECT`" in query.sql
    assert "CURRENT_" not in query.sql.upper() and "DAYOFWEEK" not in query.sql.upper()
    assert parameter_names(tree) == ["as_of", "since", "window_start"]
    bound = query.bound()
    assert bound["as_of"] == AS_OF
    assert bound["window_start"] == AS_OF - 24 * HOUR
    assert bound["since"] == AS_OF - timedelta(days=7)
    # creation_time is bounded on both sides (the view is partitioned by it)
    where = tree.args["where"]
    bounds = {
        type(node).__name__
        for node in where.find_all(exp.GTE, exp.LT)
        if isinstance(node.this, exp.Column) and node.this.name == "creation_time"
    }
    assert bounds == {"GTE", "LT"}
    assert "bq_meta.jobs_by_project" in to_duckdb(query.sql)[0]
    assert sqlglot.transpile(query.sql, read="bigquery", write="bigquery")


def test_the_quota_checks_send_one_query_per_region(profile, make_warehouse) -> None:
    warehouse = make_warehouse({JOBS: spread(30)})
    results = run_all(profile, warehouse)
    assert len(results) == 5 and all(r.status is Status.OK for r in results.values())
    assert warehouse.stats.queries == 1  # the shipped profile reads one region


# -- what counts --------------------------------------------------------------------------------


def test_rolling_window_is_the_24_hours_before_as_of(profile, make_warehouse) -> None:
    rows = [
        job(AS_OF - 24 * HOUR),  # exactly 24 h old: not refilled yet, counts
        job(AS_OF - 24 * HOUR - MS),  # just outside
        job(AS_OF - MS),  # just inside, the last hour
        job(AS_OF),  # at as-of: the next window
    ]
    result = ops(profile, make_warehouse, rows)
    table = result.metrics["tables"][RUN_HISTORY]
    assert table["used"] == 2
    assert table["last_hour"] == 1
    assert table["per_day"][-2:] == [1, 2]  # the old one is history, not usage


def test_failed_jobs_count(profile, make_warehouse) -> None:
    rows = jobs(3, AS_OF - 5 * HOUR) + jobs(2, AS_OF - 4 * HOUR, reason="invalid", message="bad")
    table = ops(profile, make_warehouse, rows).metrics["tables"][RUN_HISTORY]
    assert table["used"] == 5
    assert table["failed"] == 2


@pytest.mark.parametrize(
    ("job_type", "statement", "counted"),
    [
        ("LOAD", None, True),
        ("COPY", None, True),
        ("QUERY", "SELECT", True),  # a query appending to / overwriting a destination table
        ("QUERY", "CREATE_TABLE_AS_SELECT", True),
        ("QUERY", "INSERT", False),
        ("QUERY", "UPDATE", False),
        ("QUERY", "DELETE", False),
        ("QUERY", "MERGE", False),
    ],
)
def test_writes_count_and_dml_does_not(
    profile, make_warehouse, job_type: str, statement: str | None, counted: bool
) -> None:
    rows = [job(AS_OF - 3 * HOUR), job(AS_OF - 2 * HOUR, job_type, statement)]
    table = ops(profile, make_warehouse, rows).metrics["tables"][RUN_HISTORY]
    assert table["used"] == (2 if counted else 1)
    assert table["dml_not_counted"] == (0 if counted else 1)


def test_anonymous_results_and_script_parents_are_not_counted(profile, make_warehouse) -> None:
    rows = [
        job(AS_OF - 2 * HOUR),  # the script's child load
        job(AS_OF - 2 * HOUR, "QUERY", "SCRIPT"),  # its parent names the same destination
        job(AS_OF - 2 * HOUR, "QUERY", "SELECT", table="_5f3a9c.anon1234"),
    ]
    result = ops(profile, make_warehouse, rows)
    assert list(result.metrics["tables"]) == [RUN_HISTORY]
    assert result.metrics["tables"][RUN_HISTORY]["used"] == 1


# -- grading and projection -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("used", "status"),
    [(79, Status.OK), (80, Status.WARN), (94, Status.WARN), (95, Status.FAIL), (164, Status.FAIL)],
)
def test_thresholds_come_from_the_profile(profile, make_warehouse, used, status) -> None:
    small = with_quota(profile, table_operations_limit=100)
    result = ops(small, make_warehouse, spread(used))
    assert result.status is status
    assert result.metrics["tables"][RUN_HISTORY]["exhausts_at"] is None  # steady, no projection
    if status is not Status.OK:
        assert result.findings[0].subject == RUN_HISTORY
        assert f"{used} of 100 table operations" in result.findings[0].message


def test_last_hour_rate_that_would_exhaust_the_quota_fails_early(profile, make_warehouse) -> None:
    small = with_quota(profile, table_operations_limit=100)
    result = ops(small, make_warehouse, jobs(60, AS_OF - 10 * timedelta(minutes=1)))
    table = result.metrics["tables"][RUN_HISTORY]
    assert table["percent"] == 60.0 and table["last_hour"] == 60
    assert table["exhausts_at"] == AS_OF + HOUR
    assert result.status is Status.FAIL
    assert "limit is reached ~2026-01-27 16:00Z" in result.findings[0].message


def test_over_the_limit_says_when_the_window_refills(profile, make_warehouse) -> None:
    small = with_quota(profile, table_operations_limit=100)
    rows = jobs(70, AS_OF - 23.5 * HOUR) + jobs(50, AS_OF - 20.5 * HOUR)
    result = ops(small, make_warehouse, rows)
    table = result.metrics["tables"][RUN_HISTORY]
    assert table["used"] == 120 and result.status is Status.FAIL
    assert table["back_under_at"] == AS_OF + HOUR  # the 70 leave the window first
    assert any("re-run what failed" in step for step in result.remediation)
    batching = result.remediation[0]
    assert "100 % LOAD jobs" in batching and "would use ~2" in batching


def test_remediation_counts_what_batching_would_leave(profile, make_warehouse) -> None:
    small = with_quota(profile, table_operations_limit=100, remediation_batch_size=10)
    rows = spread(97) + spread(3, job_type="QUERY", statement="SELECT")
    step = ops(small, make_warehouse, rows).remediation[0]
    assert "100 of 100 (100 %), 97 % LOAD jobs" in step
    assert "batching 10 rows per load job would use ~13" in step  # 10 loads + 3 queries


@given(
    hourly=st.lists(st.integers(0, 50), min_size=24, max_size=24),
    limit=st.integers(1, 600),
)
def test_projection_is_consistent(hourly: list[int], limit: int) -> None:
    p = project(hourly, limit, AS_OF)
    assert p.used == sum(hourly) and p.last_hour == hourly[-1]
    assert p.exhausts_at is None or (not p.over and p.exhausts_at > AS_OF)
    assert p.back_under_at is None or (p.over and p.back_under_at > AS_OF)
    if hourly[-1] == 0 and not p.over:
        assert p.exhausts_at is None  # nothing new arrives: the window only refills
    if p.over and hourly[-1] * 24 < limit:
        assert p.back_under_at is not None  # the old jobs leave within the window


# -- partition modifications ------------------------------------------------------------------

INGESTION = "nba_raw.ingest_log"


def test_partition_modifications_use_the_limit_of_the_partitioning(profile, make_warehouse) -> None:
    small = with_quota(
        profile,
        partition_modifications_limit=100,
        ingestion_time_partition_modifications_limit=50,
        ingestion_time_partitioned_tables=[INGESTION],
    )
    rows = [
        job(AS_OF - 12 * HOUR, partitions=60),  # column-partitioned: 60 of 100
        job(AS_OF - 12 * HOUR, table=INGESTION, partitions=60),  # ingestion-time: 60 of 50
        job(AS_OF - 11 * HOUR, "QUERY", "MERGE", partitions=500),  # DML does not count
    ]
    result = run(small, make_warehouse, rows, "quota.partition_modifications")
    tables = result.metrics["tables"]
    assert (tables[RUN_HISTORY]["used"], tables[RUN_HISTORY]["limit"]) == (60, 100)
    assert (tables[INGESTION]["used"], tables[INGESTION]["limit"]) == (60, 50)
    assert result.status is Status.FAIL
    assert [f.subject for f in result.findings] == [INGESTION]
    assert "ingestion-time-partitioned limit" in result.findings[0].message


# -- DML queue ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("queued", "status"), [(14, Status.OK), (15, Status.WARN), (19, Status.WARN), (20, Status.FAIL)]
)
def test_dml_queue_thresholds(profile, make_warehouse, queued: int, status: Status) -> None:
    at = AS_OF - timedelta(minutes=3)
    rows = (
        jobs(queued, at, job_type="QUERY", statement="MERGE", table=PREDICTIONS, state="PENDING")
        + jobs(2, at, job_type="QUERY", statement="UPDATE", table=PREDICTIONS, state="RUNNING")
        + jobs(9, at, job_type="QUERY", statement="INSERT", table=PREDICTIONS, state="PENDING")
        + jobs(30, at, job_type="QUERY", statement="MERGE", table=PREDICTIONS)  # done
    )
    result = run(profile, make_warehouse, rows, "quota.dml_queue")
    assert result.metrics["tables"][PREDICTIONS] == {"queued": queued, "running": 2}
    assert result.status is status
    assert f"{queued} queued, 2 running" in result.summary
    assert bool(result.remediation) is (status is not Status.OK)


# -- quota errors -------------------------------------------------------------------------------


def test_quota_errors_by_table_and_reason(profile, make_warehouse) -> None:
    full = "Quota exceeded: Your table exceeded quota for imports or query appends per table"
    rows = (
        jobs(3, AS_OF - 2 * HOUR, reason="quotaExceeded", message=full)
        + jobs(
            1,
            AS_OF - HOUR,
            job_type="COPY",
            table=PREDICTIONS,
            reason="rateLimitExceeded",
            message="Exceeded rate limits: too many table update operations",
        )
        + jobs(
            1,
            AS_OF - HOUR,
            job_type="QUERY",
            statement="SELECT",
            table="_anon.t",
            reason="quotaExceeded",
            message="too many concurrent queries",
        )
        # the script parent of that query fails with it: one failure, not two
        + jobs(
            1,
            AS_OF - HOUR,
            job_type="QUERY",
            statement="SCRIPT",
            table=None,
            reason="quotaExceeded",
            message="too many concurrent queries",
        )
        + jobs(4, AS_OF - HOUR, reason="invalid", message="not a quota error")
        + jobs(5, AS_OF - 25 * HOUR, reason="quotaExceeded", message=full)  # before the window
    )
    result = run(profile, make_warehouse, rows, "quota.errors")
    assert result.status is Status.FAIL
    found = {(f.subject, f.data["reason"]): f for f in result.findings}
    assert set(found) == {
        (RUN_HISTORY, "quotaExceeded"),
        (PREDICTIONS, "rateLimitExceeded"),
        ("(no destination table)", "quotaExceeded"),
    }
    assert found[("(no destination table)", "quotaExceeded")].data["jobs"] == 1
    load = found[(RUN_HISTORY, "quotaExceeded")]
    assert load.data["jobs"] == 3 and full in load.message
    assert "2026-01-27 13:00Z" in load.message
    assert any("exponential backoff" in step for step in result.remediation)
    assert any(step.startswith(f"{RUN_HISTORY}: 3 writes failed") for step in result.remediation)


def test_rejected_dml_points_at_the_staging_pattern(profile, make_warehouse) -> None:
    message = "Too many DML statements outstanding against table x, limit is 20"
    rows = jobs(
        7,
        AS_OF - 4 * HOUR,
        job_type="QUERY",
        statement="MERGE",
        table=PREDICTIONS,
        reason="quotaExceeded",
        message=message,
    )
    results = run_all(profile, make_warehouse({JOBS: rows}))
    errors, queue = results["quota.errors"], results["quota.dml_queue"]
    assert errors.status is Status.FAIL and message in errors.findings[0].message
    assert "staging tables + one MERGE per batch" in errors.remediation[0]
    assert "2 running + 20 queued" in errors.remediation[0]
    assert queue.status is Status.OK  # nothing is queued now ...
    assert queue.metrics["failed_on_quota"] == {PREDICTIONS: 7}  # ... but it overflowed
    assert "7 failed on quota earlier" in queue.summary


def test_no_quota_errors_is_ok(profile, make_warehouse) -> None:
    result = run(profile, make_warehouse, spread(10), "quota.errors")
    assert result.status is Status.OK
    assert result.summary.startswith("no quotaExceeded or rateLimitExceeded errors")


# -- could not read the jobs view -------------------------------------------------------------


def test_missing_jobs_view_is_error_naming_the_view(profile, make_warehouse) -> None:
    results = run_all(profile, make_warehouse(skip=[JOBS]))
    assert {r.status for r in results.values()} == {Status.ERROR}
    reason = results["quota.errors"].findings[0].message
    assert "cannot read job metadata (region-us.INFORMATION_SCHEMA.JOBS_BY_PROJECT)" in reason
    assert "\n" not in reason


@pytest.mark.parametrize(
    ("permission", "role"),
    [
        ("", ""),
        ("bigquery.jobs.listAll", "roles/bigquery.resourceViewer"),
        ("bigquery.jobs.listAll", ""),
        ("", "roles/bigquery.resourceViewer"),
    ],
)
def test_missing_permission_names_permission_and_role(permission: str, role: str) -> None:
    err = PermissionDeniedError("403 Access Denied", permission=permission, role=role)
    text = missing_permission(err, "region-us.INFORMATION_SCHEMA.JOBS_BY_PROJECT")
    assert "bigquery.jobs.listAll" in text
    assert "BigQuery Resource Viewer (roles/bigquery.resourceViewer)" in text
    assert "region-us.INFORMATION_SCHEMA.JOBS_BY_PROJECT" in text


def test_permission_denied_through_the_bigquery_client_is_error(profile) -> None:
    """BigQuery's recorded 403 for a caller without bigquery.jobs.listAll, through the client."""
    denied = JobFails(recorded("error_403_access_denied_jobs"))
    with recorded_bigquery(replay(denied)) as server:
        results = run_all(profile, server.warehouse())
        assert len(server.query_jobs()) == 1  # one statement, not retried
    assert {r.status for r in results.values()} == {Status.ERROR}
    reason = results["quota.table_operations"].summary
    assert "bigquery.jobs.listAll" in reason
    assert "BigQuery Resource Viewer (roles/bigquery.resourceViewer)" in reason
    assert "region-us.INFORMATION_SCHEMA.JOBS_BY_PROJECT" in reason
    assert results["quota.table_operations"].findings[0].severity is Severity.FAIL


def _field(name: str, kind: str) -> dict[str, str]:
    return {"name": name, "type": kind, "mode": "NULLABLE"}


def _micros(at) -> str:
    return str(int(at.timestamp() * 1_000_000))


def test_rows_as_bigquery_returns_them(profile) -> None:
    """The statement's result in BigQuery's REST types (INT64 as strings, TIMESTAMP as micros)."""
    first, last = AS_OF - 10 * HOUR, AS_OF - 9 * HOUR
    schema = [
        *(
            _field(name, "STRING")
            for name in (
                "dataset_id",
                "table_id",
                "job_type",
                "statement_type",
                "state",
                "error_reason",
            )
        ),
        *(
            _field(name, "INTEGER")
            for name in ("day_slot", "hour_slot", "jobs", "modified_partitions", "bytes_processed")
        ),
        _field("error_message", "STRING"),
        _field("first_job", "TIMESTAMP"),
        _field("last_job", "TIMESTAMP"),
    ]
    values = [
        [
            "nba_reference",
            "processor_run_history",
            "LOAD",
            None,
            "DONE",
            None,
            "6",
            "14",
            "1400",
            "1400",
            "0",
            None,
            _micros(first),
            _micros(last),
        ],
        [
            "nba_reference",
            "processor_run_history",
            "LOAD",
            None,
            "DONE",
            "quotaExceeded",
            "6",
            "15",
            "200",
            "0",
            "0",
            "Quota exceeded",
            _micros(first),
            _micros(last),
        ],
        [
            "nba_reference",
            "processor_run_history",
            "LOAD",
            None,
            "DONE",
            None,
            "2",
            None,
            "30",
            "30",
            "0",
            None,
            _micros(first),
            _micros(last),
        ],
    ]
    result = {
        "schema": {"fields": schema},
        "totalRows": str(len(values)),
        "totalBytesProcessed": "10485760",
        "jobComplete": True,
        "rows": [{"f": [{"v": value} for value in row]} for row in values],
    }
    with recorded_bigquery(replay(Rows(result))) as server:
        results = run_all(profile, server.warehouse())
        (sent,) = server.query_jobs()
    assert "`region-us`.`INFORMATION_SCHEMA.JOBS_BY_PROJECT`" in sent.sql
    table = results["quota.table_operations"].metrics["tables"][RUN_HISTORY]
    assert (table["used"], table["failed"], table["per_day"][2]) == (1600, 200, 30)
    assert results["quota.table_operations"].status is Status.FAIL
    errors = results["quota.errors"]
    assert errors.status is Status.FAIL and errors.metrics["errors"][0]["first"] == first
