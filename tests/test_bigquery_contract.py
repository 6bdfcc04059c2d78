"""The BigQuery adapter's guards, proven on the exact requests the official client sends.

No emulator prices queries, enforces maximum_bytes_billed or answers 403/429/500, so these
tests run the real `google.cloud.bigquery.Client` over real HTTP against a loopback server
that records each request and answers with BigQuery API response bodies (tests/data/bigquery).
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeval.adapters.bigquery_types import job_labels, label_value
from pipeval.adapters.bigquery_warehouse import BigQueryWarehouse
from pipeval.checks import DAILY_FAMILIES, select_checks
from pipeval.errors import BackendError, PermissionDeniedError, UnsafeStatementError
from pipeval.permissions import describe_grant
from pipeval.profile import Profile
from pipeval.query import Context, Query
from pipeval.suites.daily import run_daily
from pipeval.suites.dry_run import declared_queries
from tests.recorded_bq import (
    PROJECT,
    Answer,
    JobFails,
    Request,
    Rows,
    Running,
    http_error,
    recorded,
    recorded_bigquery,
    replay,
)

DAY = date(2026, 1, 26)
AS_OF = datetime(2026, 1, 27, 15, tzinfo=UTC)
DRY_RUN_BYTES = int(recorded("dry_run_job")["statistics"]["query"]["totalBytesProcessed"])
SCHEDULE_SQL = "SELECT game_date, game_id FROM nba_raw.nbac_schedule WHERE game_date = @day"
JOBS_SQL = (
    "SELECT job_id FROM `region-us-west2`.INFORMATION_SCHEMA.JOBS_BY_PROJECT "
    "WHERE creation_time BETWEEN @range_start AND @range_end"
)


SCHEDULE_ROWS = Rows(recorded("results_schedule"))


def only_query_job(server: Any) -> Request:
    (job,) = server.query_jobs()
    return job


def test_every_job_carries_cap_labels_timeout_and_typed_parameters() -> None:
    params = {
        "day": DAY,
        "as_of": AS_OF,
        "name": "herbjones",
        "limit": 1500,
        "pct": 95.5,
        "active": True,
        "tables": ["nba_raw.nbac_schedule", "nba_reference.processor_run_history"],
    }
    sql = (
        "SELECT game_id FROM nba_raw.nbac_schedule WHERE game_date = @day AND @as_of > @as_of "
        "AND @name <> '' AND @limit > 0 AND @pct > 0 AND @active AND game_id IN UNNEST(@tables)"
    )
    with recorded_bigquery() as server:
        warehouse = server.warehouse(maximum_bytes_billed=123_456_789, query_timeout_s=45)
        warehouse.query(sql, params, "presence:nba_raw.nbac_schedule", "completeness.phase2")
        job = only_query_job(server)
    config, query = job.config, job.config["query"]
    assert query["query"] == sql
    assert query["maximumBytesBilled"] == "123456789"
    assert config["jobTimeoutMs"] == "45000"
    assert config["labels"] == {
        "tool": "pipeval",
        "check": "completeness_phase2",
        "query": "presence_nba_raw_nbac_schedule",
    }
    assert query["useLegacySql"] is False
    assert job.body["jobReference"]["location"] == "us-west2"
    assert query["parameterMode"] == "NAMED"
    sent = {p["name"]: p for p in query["queryParameters"]}
    assert {name: p["parameterType"]["type"] for name, p in sent.items()} == {
        "day": "DATE",
        "as_of": "TIMESTAMP",
        "name": "STRING",
        "limit": "INT64",
        "pct": "FLOAT64",
        "active": "BOOL",
        "tables": "ARRAY",
    }
    assert sent["day"]["parameterValue"] == {"value": "2026-01-26"}
    assert sent["as_of"]["parameterValue"]["value"].startswith("2026-01-27 15:00:00")
    assert sent["tables"]["parameterType"]["arrayType"] == {"type": "STRING"}
    assert [v["value"] for v in sent["tables"]["parameterValue"]["arrayValues"]] == params["tables"]


def test_rows_decode_to_plain_python_values_and_bytes_are_counted() -> None:
    with recorded_bigquery(replay(Rows(recorded("results_typed_values")))) as server:
        warehouse = server.warehouse()
        result = warehouse.query("SELECT 1 AS x")
    (row,) = result.rows
    assert row == {
        "d": date(2026, 1, 26),
        "ts": datetime.fromtimestamp(1769446800, UTC),
        "n": 12.5,
        "f": 0.25,
        "b": True,
        "i": 2466,
        "s": "herbjones",
        "features": [1.5, 2.0],
        "destination_table": {
            "dataset_id": "nba_orchestration",
            "table_id": "processor_run_history",
        },
        "missing": None,
    }
    assert type(row["n"]) is float and row["ts"].tzinfo is not None
    assert type(row["destination_table"]) is dict
    assert result.bytes_processed == 2048
    assert (warehouse.stats.queries, warehouse.stats.bytes_processed) == (1, 2048)


WRITES = [
    "DELETE FROM nba_raw.nbac_schedule WHERE TRUE",
    "UPDATE nba_raw.nbac_schedule SET game_status = 3 WHERE TRUE",
    "INSERT INTO nba_raw.nbac_schedule (game_id) VALUES ('x')",
    "MERGE nba_raw.nbac_schedule t USING nba_raw.nbac_schedule s ON FALSE "
    "WHEN NOT MATCHED THEN INSERT ROW",
    "DROP TABLE nba_raw.nbac_schedule",
    "CREATE TABLE nba_raw.copy AS SELECT * FROM nba_raw.nbac_schedule",
    "TRUNCATE TABLE nba_raw.nbac_schedule",
    "SELECT 1; DROP TABLE nba_raw.nbac_schedule",
    "ALTER TABLE nba_raw.nbac_schedule ADD COLUMN x INT64",
]


@pytest.mark.parametrize("statement", WRITES)
def test_write_statements_are_refused_before_anything_is_sent(statement: str) -> None:
    with recorded_bigquery() as server:
        warehouse = server.warehouse()
        with pytest.raises(UnsafeStatementError):
            warehouse.query(statement)
        with pytest.raises(UnsafeStatementError):
            warehouse.estimate(statement)
        outcomes = warehouse.prefetch([Query.of(statement, "write")])
        assert isinstance(outcomes[(statement, ())], UnsafeStatementError)
        assert server.requests == []
    assert warehouse.stats.queries == 0


@pytest.mark.parametrize(
    "transient",
    ["error_429_rate_limit", "error_500_internal", "error_503_backend", "error_403_rate_limit"],
)
def test_transient_api_errors_are_retried_with_backoff(transient: str) -> None:
    answers = replay(http_error(transient), http_error(transient), SCHEDULE_ROWS)
    with recorded_bigquery(answers) as server:
        result = server.warehouse().query(SCHEDULE_SQL, {"day": DAY}, "schedule")
        attempts = server.query_jobs()
    assert len(attempts) == 3
    assert [row["game_key"] for row in result.rows] == ["20260126_LAL_BOS", "20260126_NYK_MIA"]
    # the same job each time, guards included
    assert len({json.dumps(attempt.body, sort_keys=True) for attempt in attempts}) == 1


@pytest.mark.parametrize("transient", ["error_403_rate_limit", "error_500_internal"])
def test_a_job_that_failed_for_a_transient_reason_is_run_again(transient: str) -> None:
    answers = replay(JobFails(recorded(transient)), SCHEDULE_ROWS)
    with recorded_bigquery(answers) as server:
        result = server.warehouse().query(SCHEDULE_SQL, {"day": DAY}, "schedule")
        attempts = server.query_jobs()
    assert len(attempts) == 2 and attempts[0].job_id != attempts[1].job_id
    assert len(result.rows) == 2


NOT_TRANSIENT = ["error_400_invalid_query", "error_400_bytes_billed", "error_403_quota_exceeded"]


@pytest.mark.parametrize("client_error", NOT_TRANSIENT)
@pytest.mark.parametrize("where", ["job", "api"])
def test_400s_and_quota_errors_are_never_retried(client_error: str, where: str) -> None:
    first: Answer = JobFails(recorded(client_error)) if where == "job" else http_error(client_error)
    with recorded_bigquery(replay(first, SCHEDULE_ROWS)) as server:
        with pytest.raises(BackendError):
            server.warehouse().query(SCHEDULE_SQL, {"day": DAY}, "schedule")
        assert len(server.query_jobs()) == 1


def test_a_bad_column_is_one_clear_line() -> None:
    with (
        recorded_bigquery(replay(JobFails(recorded("error_400_invalid_query")))) as server,
        pytest.raises(BackendError) as raised,
    ):
        server.warehouse().query(SCHEDULE_SQL, {"day": DAY}, "schedule")
    message = str(raised.value)
    assert "\n" not in message
    assert "(schedule)" in message and "invalidQuery" in message
    assert "Unrecognized name: game_idd" in message


def test_over_the_byte_cap_fails_with_the_estimate() -> None:
    with (
        recorded_bigquery(replay(JobFails(recorded("error_400_bytes_billed")))) as server,
        pytest.raises(BackendError) as raised,
    ):
        server.warehouse().query(SCHEDULE_SQL, {"day": DAY}, "schedule")
    message = str(raised.value)
    assert "at least 21,474,836,480 bytes" in message
    assert "maximum_bytes_billed 10,000,000,000" in message


def test_over_the_byte_cap_is_error_for_that_check_only(profile: Profile) -> None:
    def responder(request: Request) -> Answer:
        if request.is_query_job and "ml_feature_store_v2" in request.sql:
            return JobFails(recorded("error_400_bytes_billed"))
        return None

    with recorded_bigquery(responder) as server:
        ctx = Context(profile, AS_OF, DAY, DAY, warehouse=server.warehouse())
        result = run_daily(ctx, DAY, "completeness")
        configs = [request.config for request in server.query_jobs()]
    statuses = {check.id: check.status.value for check in result.checks}
    assert statuses.pop("completeness.phase4") == "ERROR"
    assert set(statuses.values()) == {"OK"} and len(statuses) == 3
    phase4 = next(check for check in result.checks if check.id == "completeness.phase4")
    assert "21,474,836,480" in phase4.summary
    # every job carried the profile's cap and labels naming the check that asked
    # the phase tables' combined statement (over the cap: it reads the feature store too),
    # then one per phase table, each joining the schedule, so only phase 4 fails
    assert len(configs) == 1 + 6
    assert configs[0]["labels"]["query"] == "presence"
    assert {config["query"]["maximumBytesBilled"] for config in configs} == {"10000000000"}
    labels = {config["labels"]["query"]: config["labels"]["check"] for config in configs}
    assert labels["presence_nba_predictions_ml_feature_store_v2"] == "completeness_phase4"
    assert labels["presence_nba_raw_nbac_gamebook_player_stats"] == "completeness_phase2"
    assert all(config["labels"]["tool"] == "pipeval" for config in configs)


@pytest.mark.parametrize(
    ("answer", "sql", "permission", "role"),
    [
        (
            JobFails(recorded("error_403_access_denied_jobs")),
            JOBS_SQL,
            "bigquery.jobs.listAll",
            "roles/bigquery.resourceViewer",
        ),
        (
            http_error("error_403_access_denied_jobs_create"),
            SCHEDULE_SQL,
            "bigquery.jobs.create",
            "roles/bigquery.jobUser",
        ),
    ],
)
def test_access_denied_names_the_permission_and_role(
    answer: Answer, sql: str, permission: str, role: str
) -> None:
    params = {"day": DAY, "range_start": AS_OF, "range_end": AS_OF}
    with recorded_bigquery(replay(answer, SCHEDULE_ROWS)) as server:
        with pytest.raises(PermissionDeniedError) as raised:
            server.warehouse().query(sql, params, "jobs")
        assert len(server.query_jobs()) == 1  # a 403 accessDenied is not retried
    assert (raised.value.permission, raised.value.role) == (permission, role)
    assert permission in str(raised.value) and describe_grant(role) in str(raised.value)


def test_a_query_that_does_not_finish_in_time_is_cancelled() -> None:
    with recorded_bigquery(replay(Running())) as server:
        with pytest.raises(BackendError, match="did not finish"):
            server.warehouse(query_timeout_s=0.5).query(SCHEDULE_SQL, {"day": DAY}, "schedule")
        (job,) = server.query_jobs()
        assert job.config["jobTimeoutMs"] == "500"  # BigQuery stops it too
        (cancel,) = server.sent("jobs.cancel")
        assert cancel.job_id == job.job_id


def test_dry_run_estimates_bytes_and_runs_nothing() -> None:
    with recorded_bigquery() as server:
        warehouse = server.warehouse(maximum_bytes_billed=5000)
        estimate = warehouse.estimate(SCHEDULE_SQL, {"day": DAY}, "schedule", "completeness.x")
        (insert,) = server.sent("jobs.insert")
        assert server.query_jobs() == []
    config = insert.body["configuration"]
    assert estimate == DRY_RUN_BYTES
    assert config["dryRun"] is True
    assert config["query"]["useQueryCache"] is False
    assert config["query"]["maximumBytesBilled"] == "5000"
    assert config["labels"]["tool"] == "pipeval" and config["labels"]["check"] == "completeness_x"
    assert warehouse.stats.queries == 0


def test_prefetch_runs_independent_queries_concurrently() -> None:
    # Each answer waits until three queries are in flight at once: sequential sending
    # would break the barrier and fail the queries.
    barrier = threading.Barrier(3, timeout=30)

    def responder(request: Request) -> Answer:
        if not request.is_query_job:
            return None
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return http_error("error_400_invalid_query")
        return SCHEDULE_ROWS

    queries = [Query.of(SCHEDULE_SQL, f"q{n}", day=date(2026, 1, n)) for n in (24, 25, 26)]
    with recorded_bigquery(responder) as server:
        warehouse = server.warehouse(max_workers=4)
        outcomes = warehouse.prefetch(queries)
    assert set(outcomes) == {query.key() for query in queries}
    assert all(isinstance(rows, list) and len(rows) == 2 for rows in outcomes.values())
    assert warehouse.stats.queries == 3
    assert warehouse.stats.bytes_processed == 3 * 1048576


def test_prefetch_keeps_each_failure_with_its_query() -> None:
    def responder(request: Request) -> Answer:
        if not request.is_query_job:
            return None
        if request.config["labels"]["query"] == "bad":
            return JobFails(recorded("error_400_invalid_query"))
        return SCHEDULE_ROWS

    good = Query.of(SCHEDULE_SQL, "good", day=DAY)
    bad = Query.of(SCHEDULE_SQL, "bad", day=date(2026, 1, 25))
    with recorded_bigquery(responder) as server:
        outcomes = server.warehouse().prefetch([good, bad])
    assert len(outcomes[good.key()]) == 2
    assert isinstance(outcomes[bad.key()], BackendError)


@given(st.text(max_size=200))
def test_label_values_follow_bigquery_rules(text: str) -> None:
    value = label_value(text)
    assert len(value) <= 63
    assert all(char in "abcdefghijklmnopqrstuvwxyz0123456789_-" for char in value)


def test_labels_always_name_the_tool() -> None:
    assert job_labels() == {"tool": "pipeval"}
    assert job_labels("Presence:NBA_raw.X", "quota.table_operations") == {
        "tool": "pipeval",
        "check": "quota_table_operations",
        "query": "presence_nba_raw_x",
    }


# -- the CLI over the recorded server -------------------------------------------------------


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    path = tmp_path / "state"
    path.mkdir()
    return path


def dry_run(run_cli, server, state_dir: Path, *extra: str) -> tuple[int, str, str]:
    return run_cli(
        "daily",
        "--dry-run",
        "--warehouse",
        f"bigquery://{PROJECT}",
        "--state",
        f"dir://{state_dir}",
        "--date",
        DAY.isoformat(),
        "--as-of",
        "2026-01-27T15:00:00Z",
        *extra,
    )


def test_dry_run_lists_every_daily_query_with_its_estimate(
    run_cli, profile: Profile, state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = Context(profile, AS_OF, DAY, DAY)
    expected, undeclared = declared_queries(select_checks(profile, None, DAILY_FAMILIES), ctx)
    assert expected and not undeclared
    with recorded_bigquery() as server:
        monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", server.endpoint)
        code, out, err = dry_run(run_cli, server, state_dir, "--format", "json")
        inserts = server.sent("jobs.insert")
        assert server.query_jobs() == []
    assert code == 0, err
    document = json.loads(out)
    assert document["dry_run"] is True and document["estimated"] is True
    assert sorted(q["sql"] for q in document["queries"]) == sorted(p.query.sql for p in expected)
    assert all(q["estimated_bytes"] == DRY_RUN_BYTES for q in document["queries"])
    assert document["total_estimated_bytes"] == DRY_RUN_BYTES * len(expected)
    # one free dry-run job per query, each with the profile's guards
    assert len(inserts) == len(expected)
    for insert in inserts:
        config = insert.body["configuration"]
        assert config["dryRun"] is True
        assert config["query"]["maximumBytesBilled"] == "10000000000"
        assert insert.body["jobReference"]["location"] == "us"  # the profile's region


def test_dry_run_markdown_shows_queries_and_total(
    run_cli, state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with recorded_bigquery() as server:
        monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", server.endpoint)
        code, out, _ = dry_run(run_cli, server, state_dir, "--checks", "completeness")
    assert code == 0
    # one statement for the six phase tables, priced as it would be sent
    assert "Nothing was run. 1 query would be sent" in out
    assert f"Estimated total: **{DRY_RUN_BYTES:,} bytes**" in out
    assert "presence:nba\\_precompute.ml\\_feature\\_store\\_v2" in out or (
        "presence:nba_predictions.ml_feature_store_v2" in out
    )
    assert out.count("```sql") == 1


def test_a_combined_statement_bigquery_will_not_price_lists_its_parts_priced(
    run_cli, state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real run would send the combined statement, see it fail, then send each phase
    table's own statement: the dry run shows and prices that, so only phase 4's is refused."""

    def responder(request: Request) -> Answer:
        if request.dry_run and "ml_feature_store_v2" in request.sql:
            return http_error("error_400_invalid_query")
        return None

    with recorded_bigquery(responder) as server:
        monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", server.endpoint)
        code, out, _ = dry_run(
            run_cli, server, state_dir, "--checks", "completeness", "--format", "json"
        )
        assert server.query_jobs() == []
    assert code == 3  # as the real run, whose phase 4 check would be ERROR
    document = json.loads(out)
    queries = document["queries"]
    assert queries[0]["label"] == "presence" and "Unrecognized name" in queries[0]["error"]
    assert [q["label"] for q in queries[1:]] == queries[0]["combines"]
    assert len(queries) == 1 + 6
    refused = [q["label"] for q in queries[1:] if q["error"]]
    assert refused == ["presence:nba_predictions.ml_feature_store_v2"]
    assert document["total_estimated_bytes"] == 5 * DRY_RUN_BYTES
    assert document["fallbacks"] == 1


def test_profile_guards_reach_every_job(
    run_cli, tmp_path: Path, state_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    custom = tmp_path / "small.yaml"
    custom.write_text(
        "extends: nba-props\nname: small\n"
        "warehouse: {region: eu, maximum_bytes_billed: 5000, query_timeout_s: 30}\n",
        "utf-8",
    )
    with recorded_bigquery() as server:
        monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", server.endpoint)
        code, _, err = run_cli(
            "daily",
            "--warehouse",
            f"bigquery://{PROJECT}",
            "--profile",
            str(custom),
            "--date",
            DAY.isoformat(),
            "--as-of",
            "2026-01-27T15:00:00Z",
            "--checks",
            "completeness",
        )
        jobs = server.query_jobs()
    assert code == 0, err  # an empty warehouse: an off-day
    assert len(jobs) == 1  # the six phase tables' presence, in one statement
    assert {job.config["query"]["maximumBytesBilled"] for job in jobs} == {"5000"}
    assert {job.config["jobTimeoutMs"] for job in jobs} == {"30000"}
    assert {job.body["jobReference"]["location"] for job in jobs} == {"eu"}


def test_unreadable_credentials_never_echo_path_or_content(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "s3cr3t-folder" / "key-n0tme.json"
    secret.parent.mkdir()
    secret.write_text('{"type": "service_account", "private_key": "TOPSECRETVALUE"}', "utf-8")
    for path in (secret, tmp_path / "absent-s3cr3t.json"):
        code, out, err = run_cli(
            "daily", "--warehouse", f"bigquery://{PROJECT}", "--credentials", str(path)
        )
        assert code == 3 and out == ""
        assert err.count("\n") == 1 and "--credentials" in err
        assert "s3cr3t" not in err and "TOPSECRET" not in err and "n0tme" not in err
    monkeypatch.setenv("PIPEVAL_CREDENTIALS", str(tmp_path / "absent-s3cr3t.json"))
    code, _, err = run_cli("daily", "--warehouse", f"bigquery://{PROJECT}")
    assert code == 3 and "--credentials: no such file" in err


def test_credentials_file_is_what_the_client_uses(tmp_path: Path) -> None:
    from google.oauth2.credentials import Credentials

    key = tmp_path / "user.json"
    key.write_text(
        json.dumps(
            {
                "type": "authorized_user",
                "client_id": "pipeval-test-client",
                "client_secret": "not-a-secret",
                "refresh_token": "not-a-token",
            }
        ),
        "utf-8",
    )
    with recorded_bigquery() as server:
        warehouse = BigQueryWarehouse(PROJECT, credentials_file=key, endpoint=server.endpoint)
    credentials = warehouse.client._credentials
    assert isinstance(credentials, Credentials)
    assert credentials.client_id == "pipeval-test-client"


def test_quota_checks_turn_a_403_on_the_jobs_view_into_error_naming_the_grant(
    profile: Profile,
) -> None:
    def responder(request: Request) -> Answer:
        if request.is_query_job and "JOBS_BY_PROJECT" in request.sql:
            return JobFails(recorded("error_403_access_denied_jobs"))
        return None

    with recorded_bigquery(responder) as server:
        ctx = Context(profile, AS_OF, DAY, DAY, warehouse=server.warehouse())
        result = run_daily(ctx, DAY, "quota")
        jobs_requests = server.query_jobs()
    assert len(jobs_requests) == 1  # one batched statement for every quota check, not retried
    assert "`region-us`" in jobs_requests[0].sql and "JOBS_BY_PROJECT" in jobs_requests[0].sql
    assert result.checks and {check.category for check in result.checks} == {"quota"}
    for check in result.checks:
        assert check.status.value == "ERROR", check.id
        assert "bigquery.jobs.listAll" in check.summary
        assert "BigQuery Resource Viewer" in check.summary
