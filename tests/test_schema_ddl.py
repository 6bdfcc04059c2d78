"""The DDL side: BigQuery DDL snippets → the columns (type signature and mode) they declare."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeval.errors import ConfigError, InputError
from pipeval.schema.ddl import parse_statements, read_table_ddl, table_ddl, table_from_ddl
from pipeval.types import type_signature

TABLE = "nba_predictions.player_prop_predictions"


def columns(text: str, table: str = TABLE) -> list[tuple[str, str]]:
    ddl = table_ddl(parse_statements(text, "t.sql"), table)
    return [(column.name, type_signature(column)) for column in ddl.columns]


def warnings(text: str, table: str = TABLE) -> list[str]:
    return table_ddl(parse_statements(text, "t.sql"), table).warnings


CASES: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "plain",
        "CREATE TABLE nba_predictions.player_prop_predictions (a INT64, b STRING)",
        [("a", "INT64"), ("b", "STRING")],
    ),
    (
        "or replace, backticked project.dataset.table",
        "CREATE OR REPLACE TABLE `nba-props-platform.nba_predictions.player_prop_predictions` "
        "(prediction_id STRING, game_date DATE);",
        [("prediction_id", "STRING"), ("game_date", "DATE")],
    ),
    (
        "if not exists, backticked parts",
        "CREATE TABLE IF NOT EXISTS `nba-props-platform`.`nba_predictions`."
        "`player_prop_predictions` (is_active BOOL)",
        [("is_active", "BOOL")],
    ),
    (
        "partition, cluster and table options with a semicolon in a string",
        """CREATE TABLE nba_predictions.player_prop_predictions (
             game_date DATE, system_id STRING, created_at TIMESTAMP)
           PARTITION BY game_date
           CLUSTER BY system_id
           OPTIONS (description = "phase 5; predictions", require_partition_filter = TRUE);""",
        [("game_date", "DATE"), ("system_id", "STRING"), ("created_at", "TIMESTAMP")],
    ),
    (
        "partition by an expression",
        "CREATE TABLE nba_predictions.player_prop_predictions (created_at TIMESTAMP, n INT64) "
        "PARTITION BY DATE(created_at) OPTIONS(partition_expiration_days = 90)",
        [("created_at", "TIMESTAMP"), ("n", "INT64")],
    ),
    (
        "column OPTIONS(description) and NOT NULL",
        """CREATE TABLE nba_predictions.player_prop_predictions (
             prediction_id STRING NOT NULL OPTIONS(description = "uuid, never null"),
             line FLOAT64 OPTIONS(description = 'points line'))""",
        [("prediction_id", "STRING NOT NULL"), ("line", "FLOAT64")],
    ),
    (
        "DEFAULT values",
        "CREATE TABLE nba_predictions.player_prop_predictions ("
        "created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP(), n INT64 DEFAULT 0 NOT NULL, "
        "s STRING DEFAULT 'x;y')",
        [("created_at", "TIMESTAMP"), ("n", "INT64 NOT NULL"), ("s", "STRING")],
    ),
    (
        "parameterised types lose their parameters",
        "CREATE TABLE nba_predictions.player_prop_predictions ("
        "amount NUMERIC(10, 2), big BIGNUMERIC(40, 2), code STRING(36), raw BYTES(16))",
        [("amount", "NUMERIC"), ("big", "BIGNUMERIC"), ("code", "STRING"), ("raw", "BYTES")],
    ),
    (
        "type aliases are normalised",
        "CREATE TABLE nba_predictions.player_prop_predictions ("
        "a INTEGER, b FLOAT64, c BOOLEAN, d DECIMAL, e BIGDECIMAL, f JSON, g GEOGRAPHY, h TIME)",
        [
            ("a", "INT64"),
            ("b", "FLOAT64"),
            ("c", "BOOL"),
            ("d", "NUMERIC"),
            ("e", "BIGNUMERIC"),
            ("f", "JSON"),
            ("g", "GEOGRAPHY"),
            ("h", "TIME"),
        ],
    ),
    (
        "arrays",
        "CREATE TABLE nba_predictions.player_prop_predictions ("
        "features ARRAY<FLOAT64>, tags ARRAY<STRING>)",
        [("features", "ARRAY<FLOAT64>"), ("tags", "ARRAY<STRING>")],
    ),
    (
        "nested STRUCT with an ARRAY of STRUCT and a required leaf",
        "CREATE TABLE nba_predictions.player_prop_predictions ("
        "s STRUCT<a INT64, b ARRAY<STRUCT<c FLOAT64 NOT NULL, d STRING>>>)",
        [("s", "STRUCT<a INT64, b ARRAY<STRUCT<c FLOAT64 NOT NULL, d STRING>>>")],
    ),
    (
        "comments of every kind, with semicolons inside",
        """-- header; not a statement end
           # hash comment; also not
           CREATE TABLE nba_predictions.player_prop_predictions (
             a INT64, -- trailing; comment
             /* block; comment */ b STRING # another
           );""",
        [("a", "INT64"), ("b", "STRING")],
    ),
    (
        "lower-case keywords and a table constraint",
        "create table nba_predictions.player_prop_predictions "
        "(a int64, b string, primary key (a) not enforced)",
        [("a", "INT64"), ("b", "STRING")],
    ),
    (
        "ALTER TABLE ADD COLUMN [IF NOT EXISTS] in the same file",
        """CREATE TABLE nba_predictions.player_prop_predictions (a INT64);
           ALTER TABLE `nba-props-platform.nba_predictions.player_prop_predictions`
             ADD COLUMN IF NOT EXISTS b STRING OPTIONS(description = 'b'),
             ADD COLUMN c ARRAY<INT64>;
           ALTER TABLE nba_predictions.player_prop_predictions ADD COLUMN IF NOT EXISTS a INT64;""",
        [("a", "INT64"), ("b", "STRING"), ("c", "ARRAY<INT64>")],
    ),
    (
        "ALTER mixing ADD and DROP (sqlglot keeps it as text: split and re-read)",
        """CREATE TABLE nba_predictions.player_prop_predictions (a INT64, b STRING);
           ALTER TABLE nba_predictions.player_prop_predictions
             ADD COLUMN z STRUCT<p INT64, q STRING>, DROP COLUMN b;""",
        [("a", "INT64"), ("z", "STRUCT<p INT64, q STRING>")],
    ),
    (
        "RENAME COLUMN, SET DATA TYPE, DROP NOT NULL, DROP COLUMN IF EXISTS",
        """CREATE TABLE nba_predictions.player_prop_predictions (a INT64 NOT NULL, b INT64);
           ALTER TABLE nba_predictions.player_prop_predictions RENAME COLUMN b TO c;
           ALTER TABLE nba_predictions.player_prop_predictions ALTER COLUMN c SET DATA TYPE NUMERIC;
           ALTER TABLE nba_predictions.player_prop_predictions ALTER COLUMN a DROP NOT NULL;
           ALTER TABLE nba_predictions.player_prop_predictions DROP COLUMN IF EXISTS gone;""",
        [("a", "INT64"), ("c", "NUMERIC")],
    ),
    (
        "statements about other tables are ignored",
        """CREATE TABLE nba_predictions.other (x INT64);
           CREATE TABLE nba_predictions.player_prop_predictions (a INT64);
           ALTER TABLE nba_predictions.other ADD COLUMN y STRING;
           CREATE VIEW nba_predictions.v AS SELECT 1 AS one;""",
        [("a", "INT64")],
    ),
    (
        "table named without its dataset",
        "CREATE TABLE player_prop_predictions (a INT64)",
        [("a", "INT64")],
    ),
    (
        "collation and quoted column names",
        "CREATE TABLE nba_predictions.player_prop_predictions "
        "(`select` STRING COLLATE 'und:ci', `game date` DATE)",
        [("select", "STRING"), ("game date", "DATE")],
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_ddl_snippet_columns(name: str, text: str, expected: list[tuple[str, str]]) -> None:
    assert columns(text) == expected
    assert warnings(text) == []


def test_unparseable_statement_is_a_warning_with_file_and_line_and_the_rest_counts() -> None:
    text = (
        "CREATE TABLE nba_predictions.player_prop_predictions (a INT64);\n"
        "\n"
        "ALTER TABLE nba_predictions.player_prop_predictions ADD COLUMN b STRING;\n"
        "INSERT INTO nba_predictions.broken (x VALUES (1;\n"
        "ALTER TABLE nba_predictions.player_prop_predictions ADD COLUMN c BOOL;\n"
    )
    ddl = table_ddl(parse_statements(text, "schemas/x.sql"), TABLE)
    assert [c.name for c in ddl.columns] == ["a", "b", "c"]
    assert len(ddl.warnings) == 1
    assert ddl.warnings[0].startswith("schemas/x.sql:4: cannot parse statement")


def test_unreadable_column_of_another_table_warns_about_that_table_only() -> None:
    text = (
        "CREATE TABLE nba_predictions.player_prop_predictions (a INT64);\n"
        "CREATE TABLE nba_predictions.broken (x INT64 y STRING, z DATE);\n"
    )
    statements = parse_statements(text, "schemas/x.sql")
    assert table_ddl(statements, TABLE).warnings == []
    broken = table_ddl(statements, "nba_predictions.broken")
    assert broken.names() == ["z"]
    assert broken.warnings == [
        "schemas/x.sql:2: columns not read (unsupported syntax): x INT64 y STRING"
    ]
    assert broken.notes == []


def test_unterminated_string_warns_at_its_statement_and_later_statements_still_count() -> None:
    text = (
        "CREATE TABLE nba_predictions.player_prop_predictions (a INT64);\n"
        "ALTER TABLE nba_predictions.player_prop_predictions\n"
        "  ADD COLUMN b STRING OPTIONS(description = 'oops);\n"
        "ALTER TABLE nba_predictions.player_prop_predictions ADD COLUMN c BOOL;\n"
    )
    ddl = table_ddl(parse_statements(text, "m.sql"), TABLE)
    assert [c.name for c in ddl.columns] == ["a", "c"]
    assert ddl.warnings == [
        "m.sql:2: cannot tokenize statement (unterminated string, comment or quote?)"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CREATE SNAPSHOT TABLE nba_predictions.snap CLONE nba_predictions.t", "unsupported"),
        (
            "CREATE TABLE nba_predictions.player_prop_predictions AS SELECT 1 AS a",
            "without a column list",
        ),
        (
            "CREATE TABLE nba_predictions.player_prop_predictions (a INT64);\n"
            "ALTER TABLE nba_predictions.player_prop_predictions ADD COLUMN a STRING",
            "exists already",
        ),
        (
            "CREATE TABLE nba_predictions.player_prop_predictions (a INT64);\n"
            "ALTER TABLE nba_predictions.player_prop_predictions ADD COLUMN b STRING NOT NULL",
            "BigQuery refuses it",
        ),
        (
            "CREATE TABLE nba_predictions.player_prop_predictions (a INT64);\n"
            "ALTER TABLE nba_predictions.player_prop_predictions DROP COLUMN nope",
            "no such column",
        ),
    ],
)
def test_statements_that_cannot_be_applied_are_warned_about(text: str, expected: str) -> None:
    found = warnings(text)
    assert len(found) == 1 and expected in found[0] and found[0].startswith("t.sql:")


def test_migration_files_and_folders_apply_in_order(tmp_path: Path) -> None:
    ddl = tmp_path / "01_table.sql"
    ddl.write_text("CREATE TABLE nba_predictions.player_prop_predictions (a INT64);\n")
    folder = tmp_path / "migrations"
    folder.mkdir()
    # Name order, not creation order: 002 renames what 001 added.
    (folder / "002_rename.sql").write_text(
        "ALTER TABLE nba_predictions.player_prop_predictions RENAME COLUMN b TO b2;\n"
    )
    (folder / "001_add.sql").write_text(
        "ALTER TABLE nba_predictions.player_prop_predictions ADD COLUMN IF NOT EXISTS b STRING;\n"
    )
    (folder / "notes.txt").write_text("not SQL")
    read = read_table_ddl([ddl, folder], TABLE)
    assert [c.name for c in read.columns] == ["a", "b2"]
    assert read.warnings == []
    assert read.files == [str(ddl), str(folder / "001_add.sql"), str(folder / "002_rename.sql")]


def test_a_file_without_the_table_says_so(tmp_path: Path) -> None:
    ddl = tmp_path / "other.sql"
    ddl.write_text("CREATE TABLE nba_raw.other (a INT64);")
    read = read_table_ddl([ddl], TABLE)
    assert read.columns == [] and not read.created
    assert read.warnings == [f"{ddl}: no CREATE TABLE with a column list for {TABLE}"]


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "file not found"), (b"CREATE TABLE \xff\xfe", "not UTF-8 text")],
)
def test_unreadable_ddl_file_is_one_config_error(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "x.sql"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigError, match=message):
        read_table_ddl([path], TABLE)


def test_table_of_an_ad_hoc_ddl_file(tmp_path: Path) -> None:
    one = tmp_path / "one.sql"
    one.write_text(
        "-- x\nCREATE TABLE `p.nba_raw.t1` (a INT64);\nALTER TABLE nba_raw.t1 ADD COLUMN b INT64;"
    )
    assert table_from_ddl([one]) == "nba_raw.t1"
    two = tmp_path / "two.sql"
    two.write_text("CREATE TABLE nba_raw.t1 (a INT64); CREATE TABLE nba_raw.t2 (a INT64);")
    with pytest.raises(InputError, match=re.escape("creates nba_raw.t1, nba_raw.t2")):
        table_from_ddl([two])
    none = tmp_path / "none.sql"
    none.write_text("SELECT 1;")
    with pytest.raises(InputError, match="no CREATE TABLE"):
        table_from_ddl([none])


# --- CREATE TABLEs sqlglot keeps only as raw text: read tolerantly, never dropped ------------
# Written in the style of the pipeline's own schema files: project-qualified backticked names,
# NOT NULL + DEFAULT, column OPTIONS(description=...), STRUCT/ARRAY/JSON, then PARTITION BY,
# CLUSTER BY with a sort order and table OPTIONS.
REPO_STYLE = """
-- Table: player_prop_predictions (every system's prediction per player)
CREATE TABLE IF NOT EXISTS `nba-props-platform.nba_predictions.player_prop_predictions` (
  prediction_id STRING NOT NULL,            -- one row per prediction
  system_id STRING NOT NULL OPTIONS(description="which model; 'a;b' stays one string"),
  game_date DATE NOT NULL,
  predicted_points NUMERIC(5,1) NOT NULL,
  key_factors JSON,
  context STRUCT<line FLOAT64, books ARRAY<STRING>>,
  default_feature_indices ARRAY<INT64>,
  made_at DATETIME,
  is_active BOOLEAN NOT NULL DEFAULT TRUE,
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP() NOT NULL
)
PARTITION BY game_date
CLUSTER BY system_id, predicted_points DESC, game_date
OPTIONS(
  description="All predictions; versioned",
  partition_expiration_days=365,
  require_partition_filter=TRUE
);

ALTER TABLE `nba-props-platform.nba_predictions.player_prop_predictions`
ADD COLUMN IF NOT EXISTS build_commit_sha STRING OPTIONS(description="deployed commit"),
ADD COLUMN IF NOT EXISTS kalshi_line NUMERIC(4,1);
"""


def test_create_with_cluster_by_desc_yields_every_column() -> None:
    ddl = table_ddl(parse_statements(REPO_STYLE, "p.sql"), TABLE)
    assert ddl.created
    assert [(c.name, type_signature(c)) for c in ddl.columns] == [
        ("prediction_id", "STRING NOT NULL"),
        ("system_id", "STRING NOT NULL"),
        ("game_date", "DATE NOT NULL"),
        ("predicted_points", "NUMERIC NOT NULL"),
        ("key_factors", "JSON"),
        ("context", "STRUCT<line FLOAT64, books ARRAY<STRING>>"),
        ("default_feature_indices", "ARRAY<INT64>"),
        ("made_at", "DATETIME"),
        ("is_active", "BOOL NOT NULL"),
        ("created_at", "TIMESTAMP NOT NULL"),
        ("build_commit_sha", "STRING"),
        ("kalshi_line", "NUMERIC"),
    ]
    assert ddl.warnings == []
    assert ddl.notes == ["p.sql:3: read without the CLUSTER BY sort order (ASC/DESC)"]


@pytest.mark.parametrize("order", ["DESC", "ASC", "desc"])
def test_every_sort_order_in_cluster_by_is_tolerated(order: str) -> None:
    text = (
        "CREATE TABLE nba_predictions.system_daily_performance (system_id STRING, "
        f"performance_date DATE) PARTITION BY performance_date CLUSTER BY system_id, "
        f"performance_date {order} OPTIONS(description='daily')"
    )
    ddl = table_ddl(parse_statements(text, "t.sql"), "nba_predictions.system_daily_performance")
    assert ddl.names() == ["system_id", "performance_date"]
    assert ddl.notes == ["t.sql:1: read without the CLUSTER BY sort order (ASC/DESC)"]


def test_create_read_from_its_column_list_when_a_trailing_clause_is_unknown() -> None:
    text = (
        "CREATE TABLE `p.nba_predictions.player_prop_predictions` (a INT64, b STRING) "
        "PARTITION BY RANGE_BUCKET(a, GENERATE_ARRAY(0, 10, 1)) WITH CONNECTION x.y.z"
    )
    ddl = table_ddl(parse_statements(text, "t.sql"), TABLE)
    assert ddl.names() == ["a", "b"]
    assert ddl.warnings == []
    assert len(ddl.notes) == 1 and "clauses not parsed: PARTITION BY RANGE_BUCKET" in ddl.notes[0]


def test_a_column_sqlglot_cannot_read_is_a_warning_and_the_others_are_kept() -> None:
    text = (
        "CREATE TABLE nba_predictions.player_prop_predictions (a INT64, "
        "b STRING COLLATE 'und:ci' WEIRD THING, c DATE) CLUSTER BY a DESC"
    )
    ddl = table_ddl(parse_statements(text, "t.sql"), TABLE)
    assert ddl.created
    assert ddl.names() == ["a", "c"]
    assert len(ddl.warnings) == 1
    assert "columns not read (unsupported syntax): b STRING COLLATE" in ddl.warnings[0]


@pytest.mark.parametrize(
    ("text", "warning"),
    [
        (
            "CREATE TABLE nba_predictions.copy AS SELECT * FROM nba_predictions.t "
            "CLUSTER BY a DESC",
            "unsupported syntax, statement not read: CREATE TABLE nba_predictions.copy AS",
        ),
        (
            "CREATE TABLE nba_predictions.copy CLUSTER BY a AS SELECT * FROM nba_predictions.t",
            "CREATE TABLE without a column list: its columns are unknown",
        ),
    ],
)
def test_create_table_as_select_is_never_read_as_columns_and_says_so(
    text: str, warning: str
) -> None:
    ddl = table_ddl(parse_statements(text, "t.sql"), "nba_predictions.copy")
    assert not ddl.created and ddl.columns == []
    assert len(ddl.warnings) == 1 and warning in ddl.warnings[0]


def test_repo_style_file_names_its_table_for_an_ad_hoc_run(tmp_path: Path) -> None:
    path = tmp_path / "01_player_prop_predictions.sql"
    path.write_text(REPO_STYLE)
    assert table_from_ddl([path]) == TABLE
