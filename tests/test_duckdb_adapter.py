"""The embedded warehouse: BigQuery SQL transpiled, parameters bound, writes refused."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
import sqlglot

from pipeval.adapters import open_state, open_warehouse
from pipeval.adapters.bq_to_duckdb import to_duckdb
from pipeval.errors import BackendError, InputError, UnsafeStatementError
from tests.builders import build_warehouse


def test_dataset_tables_map_to_schemas_and_params_bind(make_warehouse) -> None:
    warehouse = make_warehouse(
        {
            "nba_raw.nbac_schedule": [
                {
                    "game_id": "1",
                    "game_date": date(2026, 1, 25),
                    "home_team_tricode": "BOS",
                    "away_team_tricode": "LAL",
                    "game_status": 3,
                },
            ]
        }
    )
    rows = warehouse.query(
        "SELECT FORMAT_DATE('%Y%m%d', game_date) || '_' || away_team_tricode AS k "
        "FROM `nba-props-platform.nba_raw.nbac_schedule` WHERE game_date = @d",
        {"d": date(2026, 1, 25)},
    ).rows
    assert rows == [{"k": "20260125_LAL"}]
    assert warehouse.stats.queries == 1


def test_jobs_view_is_read_from_bq_meta_with_utc_instants(make_warehouse) -> None:
    warehouse = make_warehouse(
        {
            "bq_meta.jobs_by_project": [
                {
                    "job_id": "a",
                    "creation_time": datetime(2026, 1, 26, 23, 0),
                    "job_type": "LOAD",
                    "state": "DONE",
                    "total_modified_partitions": 1,
                },
                {
                    "job_id": "b",
                    "creation_time": datetime(2026, 1, 25, 1, 0),
                    "job_type": "LOAD",
                    "state": "DONE",
                    "total_modified_partitions": 1,
                },
            ]
        }
    )
    rows = warehouse.query(
        "SELECT job_id, creation_time FROM `region-us-west2`.INFORMATION_SCHEMA.JOBS_BY_PROJECT "
        "WHERE creation_time >= TIMESTAMP_SUB(@as_of, INTERVAL 24 HOUR)",
        {"as_of": datetime(2026, 1, 27, 3, 0, tzinfo=UTC)},
    ).rows
    assert rows == [{"job_id": "a", "creation_time": datetime(2026, 1, 26, 23, 0, tzinfo=UTC)}]


def test_tables_view_maps_to_bq_meta_tables(make_warehouse) -> None:
    warehouse = make_warehouse(
        {
            "bq_meta.tables": [
                {
                    "dataset_id": "nba_predictions",
                    "table_id": "_staging_w1",
                    "creation_time": datetime(2026, 1, 25, 22, 0),
                },
                {"dataset_id": "nba_raw", "table_id": "x", "creation_time": datetime(2025, 1, 1)},
            ]
        }
    )
    region = warehouse.query(
        "SELECT table_name FROM `region-us`.INFORMATION_SCHEMA.TABLES WHERE table_schema = @ds",
        {"ds": "nba_predictions"},
    ).rows
    dataset = warehouse.query("SELECT table_name FROM nba_raw.INFORMATION_SCHEMA.TABLES").rows
    assert region == [{"table_name": "_staging_w1"}]
    assert dataset == [{"table_name": "x"}]


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM nba_raw.nbac_schedule WHERE TRUE",
        "CREATE TABLE nba_raw.t AS SELECT 1",
        "SELECT 1; DROP TABLE nba_raw.nbac_schedule",
    ],
)
def test_writes_are_refused_before_reaching_duckdb(make_warehouse, sql: str) -> None:
    warehouse = make_warehouse()
    with pytest.raises(UnsafeStatementError):
        warehouse.query(sql)
    assert warehouse.stats.queries == 0


def test_file_is_opened_read_only(tmp_path: Path) -> None:
    path = build_warehouse(tmp_path / "w.duckdb")
    warehouse = open_warehouse(f"duckdb://{path}")
    # Even a statement that slipped past the guard could not write: the connection is read-only.
    with pytest.raises(duckdb.Error, match="read-only"):
        warehouse._con.execute("CREATE TABLE nba_raw.x (a INT)")
    warehouse.close()


def test_query_errors_are_one_line_backend_errors(make_warehouse) -> None:
    warehouse = make_warehouse()
    with pytest.raises(BackendError, match="no_such_column"):
        warehouse.query("SELECT no_such_column FROM nba_raw.nbac_schedule")


def test_missing_parameter_is_reported(make_warehouse) -> None:
    with pytest.raises(BackendError, match="parameters"):
        make_warehouse().query("SELECT @x AS x")


def test_table_schema_and_listing(make_warehouse) -> None:
    warehouse = make_warehouse()
    schema = {
        column.name: column
        for column in warehouse.table_schema("nba_predictions.ml_feature_store_v2")
    }
    assert schema["features"].type == "FLOAT64" and schema["features"].mode == "REPEATED"
    assert schema["feature_count"].type == "INT64"
    assert warehouse.table_schema("nba_raw.no_such_table") is None
    assert "nbac_schedule" in warehouse.list_tables("nba_raw")


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("duckdb:///no/such/file.duckdb", BackendError),
        ("postgres://x", InputError),
        ("duckdb://", InputError),
        ("warehouse.duckdb", InputError),
        ("bigquery://", InputError),
    ],
)
def test_bad_warehouse_urls(url: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        open_warehouse(url)


def test_directory_is_not_a_warehouse(tmp_path: Path) -> None:
    with pytest.raises(BackendError, match="directory"):
        open_warehouse(f"duckdb://{tmp_path}")


@pytest.mark.parametrize("url", ["dir:///no/such/dir", "s3://bucket", "firestore://"])
def test_bad_state_urls(url: str) -> None:
    with pytest.raises((BackendError, InputError)):
        open_state(url)


def test_transpile_traps_are_real_and_avoided() -> None:
    """BigQuery functions whose DuckDB transpile changes meaning; check SQL must not use them."""
    con = duckdb.connect()
    duck, _ = to_duckdb("SELECT DATE_SUB(CURRENT_DATE(), INTERVAL 1 DAY) AS d")
    value = con.execute(duck).fetchone()[0]
    assert isinstance(value, datetime)  # a TIMESTAMP where BigQuery returns a DATE
    duck, _ = to_duckdb("SELECT EXTRACT(DAYOFWEEK FROM DATE '2026-01-25') AS d")
    assert con.execute(duck).fetchone()[0] == 0  # BigQuery says 1 for that Sunday
    assert sqlglot.parse_one(duck, read="duckdb") is not None


def test_countif_counts_zero_as_bigquery_does(make_warehouse) -> None:
    """DuckDB's COUNT_IF is NULL when every condition is NULL; BigQuery's COUNTIF is 0."""
    warehouse = make_warehouse(
        {
            "nba_predictions.prediction_accuracy": [
                {"game_id": "g", "game_date": date(2026, 1, 25), "prediction_correct": None}
            ]
        }
    )
    grouped = warehouse.query(
        "SELECT COUNTIF(prediction_correct) AS n FROM nba_predictions.prediction_accuracy", {}
    )
    assert grouped.rows == [{"n": 0}]
    window = warehouse.query(
        "SELECT COUNTIF(prediction_correct) OVER (PARTITION BY game_id) AS w "
        "FROM nba_predictions.prediction_accuracy",
        {},
    )
    assert window.rows == [{"w": 0}]


def test_the_embedded_warehouse_runs_on_one_thread_in_utc(make_warehouse) -> None:
    """One worker thread (its statements scan a row group or a few: a second thread only adds
    buffers) and UTC, whatever the machine's defaults."""
    warehouse = make_warehouse({})
    settings = warehouse._con.execute(
        "SELECT current_setting('threads'), current_setting('TimeZone')"
    ).fetchone()
    assert settings == (1, "UTC")
