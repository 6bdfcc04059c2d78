"""The BigQuery adapter and the checks' SQL through the official client against a local server.

bqemulator (installed by `bash .ci/setup-bqemu`) runs on a free loopback port for the session;
each test creates its tables in a project of its own. What the emulator cannot serve (dry-run
bytes, the byte cap, 403s, retries, the jobs view) is in test_bigquery_contract.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from google.cloud import bigquery

from pipeval.adapters.bigquery_warehouse import BigQueryWarehouse
from pipeval.errors import BackendError, UnsafeStatementError
from pipeval.ports import Column
from pipeval.profile import Profile
from pipeval.query import Context, Query
from pipeval.results import SuiteResult
from pipeval.suites.daily import run_daily
from tests.bq_emulator import Emulator, create_tables
from tests.builders import CONTRACT, build_warehouse, season_rows

pytestmark = pytest.mark.emulator

DAYS = [date(2026, 1, 24), date(2026, 1, 25), date(2026, 1, 26)]
AS_OF = datetime(2026, 1, 27, 15, tzinfo=UTC)
PHASE_AND_SCHEDULE = [
    "nba_raw.nbac_schedule",
    "nba_raw.nbac_gamebook_player_stats",
    "nba_raw.odds_api_player_points_props",
    "nba_analytics.player_game_summary",
    "nba_analytics.upcoming_player_game_context",
    "nba_predictions.ml_feature_store_v2",
    "nba_predictions.player_prop_predictions",
]


@pytest.fixture
def emulator(bigquery_emulator: Emulator) -> Emulator:
    """The session's bqemulator (tests/conftest.py); each test uses a project of its own."""
    return bigquery_emulator


@pytest.fixture
def client(emulator: Emulator) -> Iterator[bigquery.Client]:
    made = emulator.client(emulator.new_project())
    yield made
    made.close()


@pytest.fixture
def warehouse(emulator: Emulator, client: bigquery.Client) -> Iterator[BigQueryWarehouse]:
    opened = BigQueryWarehouse(client.project, endpoint=emulator.endpoint, max_workers=4)
    yield opened
    opened.close()


def test_parameters_of_every_type_bind_and_come_back_as_plain_values(
    warehouse: BigQueryWarehouse,
) -> None:
    params = {
        "day": date(2026, 1, 26),
        "as_of": AS_OF,
        "naive": datetime(2026, 1, 27, 3),  # naive instants are UTC everywhere in pipeval
        "name": "herbjones",
        "limit": 1500,
        "pct": 95.5,
        "active": True,
        "names": ["garytrent", "garytrentjr"],
        "days": [date(2026, 1, 25), date(2026, 1, 26)],
    }
    sql = (
        "SELECT @day AS day, @as_of AS as_of, @naive AS naive, @name AS name, @limit AS lim, "
        "@pct AS pct, @active AS active, @names AS names, @days AS days, "
        "ARRAY_LENGTH(@names) AS n_names"
    )
    result = warehouse.query(sql, params, "types")
    assert result.rows == [
        {
            "day": date(2026, 1, 26),
            "as_of": AS_OF,
            "naive": datetime(2026, 1, 27, 3, tzinfo=UTC),
            "name": "herbjones",
            "lim": 1500,
            "pct": 95.5,
            "active": True,
            "names": ["garytrent", "garytrentjr"],
            "days": [date(2026, 1, 25), date(2026, 1, 26)],
            "n_names": 2,
        }
    ]
    assert result.rows[0]["as_of"].tzinfo is not None
    assert warehouse.stats.queries == 1 and warehouse.stats.sent == [sql]


def test_parameters_filter_a_partitioned_table(
    warehouse: BigQueryWarehouse, client: bigquery.Client
) -> None:
    rows = season_rows(DAYS, status={DAYS[-1]: 2})
    create_tables(client, {"nba_raw.nbac_schedule": rows["nba_raw.nbac_schedule"]})
    result = warehouse.query(
        "SELECT game_id, game_status FROM nba_raw.nbac_schedule "
        "WHERE game_date BETWEEN @range_start AND @range_end AND game_status IN UNNEST(@statuses) "
        "ORDER BY game_id",
        {"range_start": DAYS[1], "range_end": DAYS[2], "statuses": [2]},
    )
    assert [row["game_status"] for row in result.rows] == [2, 2]
    expected = [r["game_id"] for r in rows["nba_raw.nbac_schedule"] if r["game_date"] == DAYS[2]]
    assert [row["game_id"] for row in result.rows] == sorted(expected)


def test_rows_decode_numeric_struct_array_and_timestamp(
    warehouse: BigQueryWarehouse, client: bigquery.Client
) -> None:
    columns = (
        "n DECIMAL(38,9), s STRUCT(dataset_id VARCHAR, n BIGINT), arr DOUBLE[], "
        "ts TIMESTAMP, d DATE, ok BOOLEAN, missing VARCHAR"
    )
    row = {
        "n": "12.5",
        "s": {"dataset_id": "nba_raw", "n": 3},
        "arr": [1.5, 2.0],
        "ts": "2026-01-26T15:00:00Z",
        "d": "2026-01-26",
        "ok": False,
        "missing": None,
    }
    create_tables(client, {"misc.typed_values": [row]}, schemas={"misc.typed_values": columns})
    (decoded,) = warehouse.query("SELECT * FROM misc.typed_values").rows
    assert decoded == {
        "n": 12.5,
        "s": {"dataset_id": "nba_raw", "n": 3},
        "arr": [1.5, 2.0],
        "ts": datetime(2026, 1, 26, 15, tzinfo=UTC),
        "d": date(2026, 1, 26),
        "ok": False,
        "missing": None,
    }
    assert type(decoded["n"]) is float and type(decoded["s"]) is dict


def test_table_schema_has_modes_and_nested_fields(
    warehouse: BigQueryWarehouse, client: bigquery.Client
) -> None:
    client.create_dataset(f"{client.project}.nba_precompute")
    schema = [
        bigquery.SchemaField("game_id", "STRING", mode="REQUIRED"),
        bigquery.SchemaField("game_date", "DATE"),
        bigquery.SchemaField("features", "FLOAT", mode="REPEATED"),
        bigquery.SchemaField(
            "meta",
            "RECORD",
            fields=[
                bigquery.SchemaField("version", "INTEGER"),
                bigquery.SchemaField("tags", "STRING", mode="REPEATED"),
            ],
        ),
        bigquery.SchemaField("ok", "BOOLEAN"),
        bigquery.SchemaField("made_at", "DATETIME"),
        bigquery.SchemaField("created_at", "TIMESTAMP"),
    ]
    client.create_table(bigquery.Table(f"{client.project}.nba_precompute.feats", schema=schema))
    assert warehouse.table_schema("nba_precompute.feats") == [
        Column("game_id", "STRING", "REQUIRED"),
        Column("game_date", "DATE"),
        Column("features", "FLOAT64", "REPEATED"),
        Column(
            "meta",
            "STRUCT",
            "NULLABLE",
            (Column("version", "INT64"), Column("tags", "STRING", "REPEATED")),
        ),
        Column("ok", "BOOL"),
        Column("made_at", "DATETIME"),  # its own type, never folded into TIMESTAMP
        Column("created_at", "TIMESTAMP"),
    ]
    assert warehouse.table_schema("nba_precompute.absent") is None
    assert warehouse.table_schema("no_dataset.absent") is None


def test_list_tables_sorted_and_empty_for_a_missing_dataset(
    warehouse: BigQueryWarehouse, client: bigquery.Client
) -> None:
    create_tables(client, {}, tables=["nba_predictions.player_prop_predictions"])
    for name in ("_staging_batch_worker2", "_staging_batch_worker1"):
        client.create_table(f"{client.project}.nba_predictions.{name}")
    assert warehouse.list_tables("nba_predictions") == [
        "_staging_batch_worker1",
        "_staging_batch_worker2",
        "player_prop_predictions",
    ]
    assert warehouse.list_tables("nba_nothing_here") == []


def test_information_schema_tables_and_columns(
    warehouse: BigQueryWarehouse, client: bigquery.Client
) -> None:
    create_tables(
        client, {}, tables=["nba_raw.nbac_schedule", "nba_raw.nbac_gamebook_player_stats"]
    )
    tables = warehouse.query(
        "SELECT table_name FROM nba_raw.INFORMATION_SCHEMA.TABLES ORDER BY table_name"
    )
    assert [row["table_name"] for row in tables.rows] == [
        "nbac_gamebook_player_stats",
        "nbac_schedule",
    ]
    columns = warehouse.query(
        "SELECT column_name, data_type FROM nba_raw.INFORMATION_SCHEMA.COLUMNS "
        "WHERE table_name = @table ORDER BY ordinal_position",
        {"table": "nbac_schedule"},
    )
    assert [(r["column_name"], r["data_type"]) for r in columns.rows] == [
        ("game_id", "STRING"),
        ("game_date", "DATE"),
        ("home_team_tricode", "STRING"),
        ("away_team_tricode", "STRING"),
        ("game_status", "INT64"),
    ]


def _comparable(checks: list[Any]) -> list[tuple[str, str, str, str]]:
    return [
        (c.id, c.status.value, c.summary, json.dumps(c.metrics, default=str, sort_keys=True))
        for c in checks
    ]


def test_completeness_sql_gives_the_same_answers_as_embedded_mode(
    warehouse: BigQueryWarehouse, client: bigquery.Client, profile: Profile, tmp_path: Path
) -> None:
    rows = season_rows(
        DAYS,
        drop={
            ("nba_analytics.player_game_summary", DAYS[0]): 1,
            ("nba_raw.odds_api_player_points_props", DAYS[1]): 2,
        },
        status={DAYS[2]: 2},
    )
    create_tables(client, rows, tables=PHASE_AND_SCHEDULE)
    from pipeval.adapters.duckdb_warehouse import DuckDBWarehouse

    embedded = DuckDBWarehouse(build_warehouse(tmp_path / "same.duckdb", rows))
    try:
        for day in DAYS:
            on_bigquery = run_daily(
                Context(profile, AS_OF, day, day, warehouse), day, "completeness"
            )
            local = run_daily(Context(profile, AS_OF, day, day, embedded), day, "completeness")
            assert _comparable(on_bigquery.checks) == _comparable(local.checks), day
    finally:
        embedded.close()
    statuses = [c.status.value for c in on_bigquery.checks]
    assert statuses == ["OK", "OK", "OK", "OK"]  # the last day's games are pending, not missing
    # one statement per run for every phase table (the schedule read once), whatever the
    # number of checks: the emulator runs the combined statement itself
    assert warehouse.stats.queries == 3
    assert all("FULL OUTER JOIN held" in sql for sql in warehouse.stats.sent)


def test_first_day_gap_is_found_through_bigquery(
    warehouse: BigQueryWarehouse, client: bigquery.Client, profile: Profile
) -> None:
    rows = season_rows(DAYS[:1], drop={("nba_analytics.player_game_summary", DAYS[0]): 1})
    create_tables(client, rows, tables=PHASE_AND_SCHEDULE)
    result = run_daily(
        Context(profile, AS_OF, DAYS[0], DAYS[0], warehouse), DAYS[0], "completeness"
    )
    phase3 = next(check for check in result.checks if check.id == "completeness.phase3")
    assert phase3.status.value == "FAIL"
    missing = phase3.metrics["tables"]["nba_analytics.player_game_summary"]["missing"]
    assert missing == ["20260124_LAL_BOS"]


def _feature_store_without_game_id(client: bigquery.Client) -> None:
    """DAYS[0]'s phase tables and schedule, the feature store lacking its `game_id` column."""
    rows = season_rows(DAYS[:1])
    features = "nba_predictions.ml_feature_store_v2"
    rows[features] = [{k: v for k, v in row.items() if k != "game_id"} for row in rows[features]]
    without_game_id = CONTRACT[features].replace("game_id VARCHAR, ", "")
    create_tables(client, rows, tables=PHASE_AND_SCHEDULE, schemas={features: without_game_id})


def test_a_bad_column_is_a_clean_error_for_that_check_only(
    warehouse: BigQueryWarehouse, client: bigquery.Client, profile: Profile
) -> None:
    _feature_store_without_game_id(client)
    result = run_daily(
        Context(profile, AS_OF, DAYS[0], DAYS[0], warehouse), DAYS[0], "completeness"
    )
    statuses = {check.id: check.status.value for check in result.checks}
    assert statuses == {
        "completeness.phase2": "OK",
        "completeness.phase3": "OK",
        "completeness.phase4": "ERROR",
        "completeness.phase5": "OK",
    }
    phase4 = next(check for check in result.checks if check.id == "completeness.phase4")
    assert "game_id" in phase4.summary and "\n" not in phase4.summary
    assert "presence:nba_predictions.ml_feature_store_v2" in phase4.summary
    # the combined statement failed on the emulator first: counted, with the emulator's reason
    assert result.stats["fallbacks"] == 1
    (reason,) = result.stats["fallback_reasons"]
    assert reason.startswith("query failed (presence): ") and "game_id" in reason


# Every family whose SQL reads tables (not region-qualified metadata views, which the
# emulator does not serve: quota.* and hygiene.staging_tables are covered by recorded responses).
TABLE_CHECKS = "completeness,orchestration,coverage,hygiene.registry_duplicates"
# The contract's tables the emulator can hold (not the region-qualified metadata views).
DATA_TABLES = [name for name in CONTRACT if not name.startswith("bq_meta.")]


def _daily_on_both(
    warehouse: BigQueryWarehouse,
    client: bigquery.Client,
    profile: Profile,
    tmp_path: Path,
    dropped: str,
    checks: str,
) -> tuple[SuiteResult, SuiteResult]:
    """`daily` for DAYS[1] with one row of `dropped` missing that day, on the emulator and on
    an embedded warehouse holding the same rows (one empty state directory for both)."""
    from pipeval.adapters.dir_store import DirStore
    from pipeval.adapters.duckdb_warehouse import DuckDBWarehouse

    rows = season_rows(DAYS, drop={(dropped, DAYS[1]): 1})
    create_tables(client, rows, tables=DATA_TABLES)
    (tmp_path / "state").mkdir()
    state = DirStore(str(tmp_path / "state"))
    embedded = DuckDBWarehouse(build_warehouse(tmp_path / "all.duckdb", rows))
    day = DAYS[1]
    try:
        return tuple(  # type: ignore[return-value]
            run_daily(Context(profile, AS_OF, day, day, engine, state), day, checks)
            for engine in (warehouse, embedded)
        )
    finally:
        embedded.close()


def _sent_alone(warehouse: BigQueryWarehouse, profile: Profile, day: date) -> set[str]:
    """Statements of the schedule, the per-game list or a phase table sent on their own: none
    when the emulator answered their combined statement (its failure sends them alone)."""
    from pipeval.metrics.games import games_query, presence_query, schedule_query

    tables = [table for phase in profile.phases for table in phase.tables]
    own = [presence_query(profile, table, day, day) for table in tables]
    own += [schedule_query(profile, day, day), games_query(profile, day, day)]
    return {query.label for query in own if query.sql in warehouse.stats.sent}


def test_every_table_reading_check_agrees_with_embedded_mode(
    warehouse: BigQueryWarehouse, client: bigquery.Client, profile: Profile, tmp_path: Path
) -> None:
    on_bigquery, local = _daily_on_both(
        warehouse,
        client,
        profile,
        tmp_path,
        "nba_predictions.player_prop_predictions",
        TABLE_CHECKS,
    )
    assert _comparable(on_bigquery.checks) == _comparable(local.checks)
    assert {c.category for c in on_bigquery.checks} == {
        "completeness",
        "orchestration",
        "coverage",
        "hygiene",
    }
    assert "ERROR" not in {c.status.value for c in on_bigquery.checks}
    # the schedule and the phase tables came from their combined statement, run as written
    assert _sent_alone(warehouse, profile, DAYS[1]) == set()
    assert (on_bigquery.stats["fallbacks"], on_bigquery.stats["fallback_reasons"]) == (0, [])
    assert sum("FULL OUTER JOIN held" in sql for sql in warehouse.stats.sent) == 1
    coverage = next(c for c in on_bigquery.checks if c.category == "coverage")
    assert coverage.status.value != "OK"  # the dropped predictions are found through BigQuery


def test_quota_checks_fail_cleanly_where_the_jobs_view_is_not_served(
    warehouse: BigQueryWarehouse, profile: Profile
) -> None:
    result = run_daily(Context(profile, AS_OF, DAYS[0], DAYS[0], warehouse), DAYS[0], "quota")
    assert result.checks and {c.status.value for c in result.checks} == {"ERROR"}
    assert all("JOBS_BY_PROJECT" in c.summary and "\n" not in c.summary for c in result.checks)
    assert warehouse.stats.queries == 1  # one statement for all four checks, not retried


WRITES = [
    "DELETE FROM nba_raw.nbac_schedule WHERE TRUE",
    "UPDATE nba_raw.nbac_schedule SET game_status = 1 WHERE TRUE",
    "INSERT INTO nba_raw.nbac_schedule (game_id) VALUES ('x')",
    "DROP TABLE nba_raw.nbac_schedule",
    "CREATE OR REPLACE TABLE nba_raw.nbac_schedule AS SELECT 1 AS x",
    "SELECT 1; DELETE FROM nba_raw.nbac_schedule WHERE TRUE",
]


def test_writes_are_refused_and_the_table_is_untouched(
    warehouse: BigQueryWarehouse, client: bigquery.Client
) -> None:
    rows = season_rows(DAYS[:1])
    create_tables(client, {"nba_raw.nbac_schedule": rows["nba_raw.nbac_schedule"]})
    for statement in WRITES:
        with pytest.raises(UnsafeStatementError):
            warehouse.query(statement)
    # the emulator itself would run them: the guard is what kept the rows
    count = client.query_and_wait("SELECT COUNT(*) AS n FROM nba_raw.nbac_schedule")
    assert [row["n"] for row in count] == [2]
    assert warehouse.stats.queries == 0


def test_prefetch_returns_rows_and_failures_by_query(
    warehouse: BigQueryWarehouse, client: bigquery.Client
) -> None:
    rows = season_rows(DAYS)
    create_tables(client, {"nba_raw.nbac_schedule": rows["nba_raw.nbac_schedule"]})
    sql = (
        "SELECT game_id FROM nba_raw.nbac_schedule "
        "WHERE game_date BETWEEN @range_start AND @range_end"
    )
    good = [Query.of(sql, f"day{n}", range_start=day, range_end=day) for n, day in enumerate(DAYS)]
    bad = Query.of("SELECT no_such_column FROM nba_raw.nbac_schedule", "bad")
    outcomes = warehouse.prefetch([*good, bad])
    assert [len(outcomes[q.key()]) for q in good] == [2, 2, 2]
    assert isinstance(outcomes[bad.key()], BackendError)
    assert "no_such_column" in str(outcomes[bad.key()])
    assert warehouse.stats.queries == 4


def _cli_args(project: str, *extra: str) -> list[str]:
    return [
        "daily",
        "--warehouse",
        f"bigquery://{project}?location=US",
        "--date",
        DAYS[0].isoformat(),
        "--as-of",
        "2026-01-25T15:00:00Z",
        "--checks",
        "completeness",
        *extra,
    ]


def test_pipeval_daily_runs_against_bigquery(
    run_cli, emulator: Emulator, client: bigquery.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = season_rows(DAYS[:1], drop={("nba_predictions.player_prop_predictions", DAYS[0]): 2})
    create_tables(client, rows, tables=PHASE_AND_SCHEDULE)
    monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", emulator.endpoint)
    code, out, err = run_cli(*_cli_args(client.project, "--format", "json"))
    assert code == 2, err
    document = json.loads(out)
    assert document["warehouse"] == f"bigquery://{client.project}?location=US"
    assert document["stats"]["queries"] == 1  # the six phase tables in one statement
    # one per-date row per table, plus the two missing games: never a row per game or player
    assert document["stats"]["rows_fetched"] == 6 + 2
    assert (document["stats"]["fallbacks"], document["stats"]["fallback_reasons"]) == (0, [])
    phase5 = next(c for c in document["checks"] if c["id"] == "completeness.phase5")
    assert phase5["status"] == "FAIL"
    assert phase5["metrics"]["tables"]["nba_predictions.player_prop_predictions"]["missing"] == [
        "20260124_LAL_BOS",
        "20260124_NYK_MIA",
    ]


def test_dry_run_against_bigquery_lists_queries_and_runs_none(
    run_cli, emulator: Emulator, client: bigquery.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_tables(client, season_rows(DAYS[:1]), tables=PHASE_AND_SCHEDULE)
    monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", emulator.endpoint)
    code, out, err = run_cli(*_cli_args(client.project, "--dry-run", "--format", "json"))
    assert code == 0, err
    document = json.loads(out)
    # the statement a real run sends: the six phase tables' presence in one
    assert [q["label"] for q in document["queries"]] == ["presence"]
    combined = sorted(document["queries"][0]["combines"])
    assert combined == sorted(f"presence:{table}" for table in PHASE_AND_SCHEDULE[1:])
    assert document["estimated"] is True
    assert all(isinstance(q["estimated_bytes"], int) for q in document["queries"])
    assert document["total_estimated_bytes"] == sum(
        q["estimated_bytes"] for q in document["queries"]
    )
    assert document["fallbacks"] == 0 and document["errors"] == []


def test_dry_run_lists_the_fallback_of_a_combined_statement_the_emulator_refuses(
    run_cli, emulator: Emulator, client: bigquery.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    _feature_store_without_game_id(client)
    monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", emulator.endpoint)
    code, out, _ = run_cli(*_cli_args(client.project, "--dry-run", "--format", "json"))
    document = json.loads(out)
    # the combined statement is refused, each table's own is priced after it, and only the
    # feature store's is an error (what the real run reports as ERROR)
    assert code == 3 and document["fallbacks"] == 1
    assert [q["label"] for q in document["queries"][1:]] == document["queries"][0]["combines"]
    (error,) = document["errors"]
    assert error.startswith("presence:nba_predictions.ml_feature_store_v2: ") and "game_id" in error
    _, out, _ = run_cli(*_cli_args(client.project, "--dry-run"))
    (line,) = [line for line in out.splitlines() if line.startswith("**Fallback:**")]
    assert "The table whose own statement is refused too is the cause" in line


def test_declarative_checks_agree_with_embedded_mode(
    warehouse: BigQueryWarehouse, client: bigquery.Client, profile: Profile, tmp_path: Path
) -> None:
    """The profile's `checks:` statements (CTEs, UNION ALL, window listing, reconcile join) run
    as written on BigQuery and give the embedded mode's answers."""
    on_bigquery, local = _daily_on_both(
        warehouse, client, profile, tmp_path, "nba_analytics.player_game_summary", "declarative"
    )
    assert "ERROR" not in {c.status.value for c in on_bigquery.checks}, [
        c.summary for c in on_bigquery.checks if c.status.value == "ERROR"
    ]
    assert _comparable(on_bigquery.checks) == _comparable(local.checks)
    assert {c.id for c in on_bigquery.checks} == {c.id for c in profile.checks}
    # the per-game list and the phases' presence came from their combined statement
    assert _sent_alone(warehouse, profile, DAYS[1]) == set()
    assert (on_bigquery.stats["fallbacks"], on_bigquery.stats["fallback_reasons"]) == (0, [])
    assert sum("FULL OUTER JOIN held" in sql for sql in warehouse.stats.sent) == 1


def test_declarative_dates_judged_in_the_warehouse_agree_with_embedded_mode(
    warehouse: BigQueryWarehouse, client: bigquery.Client, profile: Profile, tmp_path: Path
) -> None:
    """Over a range, the dates before the last are judged in the statement (the passing ones
    come back as one row listing them): BigQuery and the embedded mode judge each date alike,
    and some dates do pass there."""
    from pipeval.adapters.duckdb_warehouse import DuckDBWarehouse
    from pipeval.checks.declarative import checks_for
    from pipeval.suites.runner import prefetch, run_check

    rows = season_rows(DAYS, drop={("nba_analytics.player_game_summary", DAYS[1]): 1})
    create_tables(client, rows, tables=DATA_TABLES)
    embedded = DuckDBWarehouse(build_warehouse(tmp_path / "range.duckdb", rows))
    results: dict[str, list[tuple[str, str, str]]] = {}
    try:
        for name, engine in (("bigquery", warehouse), ("embedded", embedded)):
            ctx = Context(profile, AS_OF, DAYS[0], DAYS[-1], engine)
            checks = checks_for(profile)
            prefetch(checks, ctx)
            results[name] = []
            for day in DAYS:
                ctx.day = day
                for check in checks:
                    result = run_check(check, ctx)
                    results[name].append((check.id, result.status.value, result.summary))
    finally:
        embedded.close()
    assert results["bigquery"] == results["embedded"]
    assert "ERROR" not in {status for _, status, _ in results["bigquery"]}
    assert any("judged in the warehouse" in summary for _, _, summary in results["bigquery"])
