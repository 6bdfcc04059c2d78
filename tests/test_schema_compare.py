"""Type normalisation across DDL, DuckDB and BigQuery, and the three-way comparison."""

from __future__ import annotations

import duckdb
import pytest
from google.cloud.bigquery import SchemaField

from pipeval.adapters.bigquery_types import column_from_field
from pipeval.adapters.duckdb_warehouse import DuckDBWarehouse
from pipeval.ports import Column
from pipeval.sample.pipeline_repo import DRIFT_FIELDS
from pipeval.schema.compare import canonical, compare
from pipeval.schema.ddl import parse_statements, table_ddl
from pipeval.types import column_from_type, normalize_type, type_signature


@pytest.mark.parametrize(
    ("spellings", "normal"),
    [
        (["INT64", "INTEGER", "BIGINT", "int", "SMALLINT", "HUGEINT"], "INT64"),
        (["FLOAT64", "FLOAT", "DOUBLE", "REAL"], "FLOAT64"),
        (["BOOL", "BOOLEAN", "boolean"], "BOOL"),
        (["STRING", "VARCHAR", "TEXT", "STRING(36)", "VARCHAR(10)"], "STRING"),
        (["NUMERIC", "DECIMAL", "NUMERIC(10, 2)", "DECIMAL(38,9)"], "NUMERIC"),
        (["BIGNUMERIC", "BIGDECIMAL"], "BIGNUMERIC"),
        (["RECORD", "STRUCT"], "STRUCT"),
        (["BYTES", "BLOB"], "BYTES"),
        (["TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"], "TIMESTAMP"),
        (["DATETIME", "datetime"], "DATETIME"),
    ],
)
def test_type_names_normalise_to_bigquery(spellings: list[str], normal: str) -> None:
    assert {normalize_type(name) for name in spellings} == {normal}


def ddl_column(type_text: str) -> Column:
    text = f"CREATE TABLE d.t (c {type_text})"
    return table_ddl(parse_statements(text), "d.t").columns[0]


# (BigQuery DDL type, the same column in DuckDB, its signature)
EQUIVALENT = [
    ("INT64", "BIGINT", "INT64"),
    ("FLOAT64", "DOUBLE", "FLOAT64"),
    ("BOOL", "BOOLEAN", "BOOL"),
    ("STRING", "VARCHAR", "STRING"),
    ("NUMERIC(18, 3)", "DECIMAL(18, 3)", "NUMERIC"),
    ("DATE", "DATE", "DATE"),
    ("TIMESTAMP", "TIMESTAMP", "TIMESTAMP"),
    ("TIMESTAMP", "TIMESTAMPTZ", "TIMESTAMP"),
    ("BYTES", "BLOB", "BYTES"),
    ("ARRAY<FLOAT64>", "DOUBLE[]", "ARRAY<FLOAT64>"),
    ("STRING NOT NULL", "VARCHAR NOT NULL", "STRING NOT NULL"),
    ("STRUCT<a INT64, b STRING>", "STRUCT(a BIGINT, b VARCHAR)", "STRUCT<a INT64, b STRING>"),
    (
        "ARRAY<STRUCT<a INT64, b ARRAY<STRING>>>",
        "STRUCT(a BIGINT, b VARCHAR[])[]",
        "ARRAY<STRUCT<a INT64, b ARRAY<STRING>>>",
    ),
]


@pytest.fixture(scope="module")
def duckdb_live(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Column]:
    """One real DuckDB table with a column per case, read back through the adapter."""
    path = tmp_path_factory.mktemp("types") / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA d")
    columns = ", ".join(f"c{i} {duck}" for i, (_, duck, _) in enumerate(EQUIVALENT))
    con.execute(f"CREATE TABLE d.t ({columns})")
    con.close()
    warehouse = DuckDBWarehouse(path)
    try:
        schema = warehouse.table_schema("d.t")
    finally:
        warehouse.close()
    assert schema is not None
    return {column.name: column for column in schema}


@pytest.mark.parametrize(
    ("index", "case"), list(enumerate(EQUIVALENT)), ids=[c[1] for c in EQUIVALENT]
)
def test_ddl_and_duckdb_live_columns_agree(
    duckdb_live: dict[str, Column], index: int, case: tuple[str, str, str]
) -> None:
    ddl_type, _, signature = case
    declared, live = ddl_column(ddl_type), duckdb_live[f"c{index}"]
    assert type_signature(declared) == signature
    assert canonical(declared) == canonical(live)


def test_bigquery_record_repeated_is_array_of_struct() -> None:
    field = SchemaField(
        "s",
        "RECORD",
        mode="REPEATED",
        fields=[SchemaField("b", "STRING"), SchemaField("a", "INTEGER", mode="REQUIRED")],
    )
    live = column_from_field(field)
    declared = ddl_column("ARRAY<STRUCT<a INT64 NOT NULL, b STRING>>")
    assert canonical(live) == canonical(declared)  # nested field order does not matter
    assert type_signature(live) == "ARRAY<STRUCT<b STRING, a INT64 NOT NULL>>"


def test_column_from_duckdb_type_text() -> None:
    assert column_from_type("f", "DOUBLE[]") == Column("f", "FLOAT64", "REPEATED")
    nested = column_from_type("s", "STRUCT(a VARCHAR, b BIGINT[])")
    assert nested.type == "STRUCT"
    assert nested.fields == (Column("a", "STRING"), Column("b", "INT64", "REPEATED"))


def cols(*specs: str) -> list[Column]:
    """Columns from DDL column definitions, e.g. cols("a INT64", "b STRING NOT NULL")."""
    text = "CREATE TABLE d.t (" + ", ".join(specs) + ")"
    return table_ddl(parse_statements(text), "d.t").columns


SEED_003 = list(DRIFT_FIELDS)


def test_fields_in_code_and_live_but_not_ddl_are_code_only_and_live_only() -> None:
    ddl = cols("prediction_id STRING", "game_date DATE")
    live = ddl + cols(*(f"{name} STRING" for name in SEED_003))
    drift = compare(ddl, live, ["prediction_id", "game_date", *SEED_003])
    assert drift.code_only == SEED_003
    assert drift.live_only == SEED_003
    assert drift.ddl_only == [] and drift.type_mismatches == []
    assert all(drift.missing_from[name] == ["ddl"] for name in SEED_003)
    fixed = compare(live, live, ["prediction_id", "game_date", *SEED_003])
    assert fixed.clean


def test_ddl_column_not_applied_is_ddl_only_and_writing_it_fails() -> None:
    ddl = cols("a INT64", "b STRING", "c BOOL")
    live = cols("a INT64", "b STRING")
    drift = compare(ddl, live, ["a", "c", "x"])
    assert drift.ddl_only == ["c"] and drift.ddl_only_against == "live"
    assert drift.code_only == ["c", "x"]
    assert drift.missing_from == {"c": ["live"], "x": ["ddl", "live"]}


@pytest.mark.parametrize(
    ("declared", "live", "mismatch"),
    [
        ("n INT64", "n FLOAT64", ("INT64", "FLOAT64")),
        ("n INT64 NOT NULL", "n INT64", ("INT64 NOT NULL", "INT64")),
        ("f ARRAY<FLOAT64>", "f FLOAT64", ("ARRAY<FLOAT64>", "FLOAT64")),
        (
            "s STRUCT<a INT64>",
            "s STRUCT<a INT64, b STRING>",
            ("STRUCT<a INT64>", "STRUCT<a INT64, b STRING>"),
        ),
        ("s STRUCT<a INT64>", "s STRUCT<a STRING>", ("STRUCT<a INT64>", "STRUCT<a STRING>")),
    ],
)
def test_type_and_mode_mismatches(declared: str, live: str, mismatch: tuple[str, str]) -> None:
    drift = compare(cols(declared), cols(live), None)
    assert [(m.ddl, m.live) for m in drift.type_mismatches] == [mismatch]
    assert drift.code_only == drift.live_only == drift.ddl_only == []


def test_names_compare_case_insensitively_and_equal_types_in_other_spellings_match() -> None:
    ddl = cols("Game_Date DATE", "s STRUCT<B STRING, a INT64>")
    live = cols("game_date DATE", "S STRUCT<a INT64, b STRING>")
    assert compare(ddl, live, ["GAME_DATE", "s"]).clean


def test_without_a_live_table_ddl_only_means_never_written_unless_keys_are_unknown() -> None:
    ddl = cols("a INT64", "b STRING", "c BOOL")
    drift = compare(ddl, None, ["a", "z"])
    assert drift.code_only == ["z"] and drift.missing_from == {"z": ["ddl"]}
    assert drift.ddl_only == ["b", "c"] and drift.ddl_only_against == "code"
    assert drift.live_only == [] and drift.type_mismatches == []
    uncertain = compare(ddl, None, ["a", "z"], code_complete=False)
    assert uncertain.ddl_only == [] and uncertain.ddl_only_against is None


def test_code_against_the_live_table_only() -> None:
    drift = compare(None, cols("a INT64"), ["a", "b"])
    assert drift.code_only == ["b"] and drift.missing_from == {"b": ["live"]}
    assert drift.live_only == [] and drift.ddl_only == []


def test_datetime_is_its_own_type_in_ddl_and_in_bigquery_live_schemas() -> None:
    assert type_signature(ddl_column("DATETIME")) == "DATETIME"
    assert type_signature(ddl_column("TIMESTAMP")) == "TIMESTAMP"
    assert type_signature(ddl_column("ARRAY<STRUCT<at DATETIME>>")) == "ARRAY<STRUCT<at DATETIME>>"
    assert column_from_field(SchemaField("made_at", "DATETIME")) == Column("made_at", "DATETIME")
    assert column_from_field(SchemaField("made_at", "TIMESTAMP")) == Column("made_at", "TIMESTAMP")


def test_ddl_datetime_against_a_live_timestamp_is_a_type_mismatch() -> None:
    ddl = cols("prediction_id STRING", "made_at DATETIME", "created_at TIMESTAMP")
    live = [
        Column("prediction_id", "STRING"),
        column_from_field(SchemaField("made_at", "TIMESTAMP")),
        column_from_field(SchemaField("created_at", "DATETIME")),
    ]
    drift = compare(ddl, live, None)
    assert [(m.column, m.ddl, m.live) for m in drift.type_mismatches] == [
        ("made_at", "DATETIME", "TIMESTAMP"),
        ("created_at", "TIMESTAMP", "DATETIME"),
    ]
