"""Profile expressions, the read-only guard and template rendering."""

from __future__ import annotations

import pytest

from pipeval.errors import ConfigError, UnsafeStatementError
from pipeval.identifiers import TableName, is_identifier
from pipeval.sqlkit import column, ensure_query, parse_expression, render

GOOD_EXPRESSIONS = [
    "game_id",
    "FORMAT_DATE('%Y%m%d', game_date) || '_' || away_team_tricode || '_' || home_team_tricode",
    "is_active",
    "is_active AND system_id != 'legacy'",
    "COALESCE(player_lookup, '')",
    "CONCAT(CAST(game_date AS STRING), '_', team_abbr)",
]

BAD_EXPRESSIONS = [
    ("game_id; DROP TABLE x", "several statements"),
    ("(SELECT MAX(game_id) FROM t)", "scalar"),
    ("game_id -- hidden", "comments"),
    ("game_id /* hidden */", "comments"),
    ("COUNT(*)", "scalar"),
    ("SUM(points)", "scalar"),
    ("ROW_NUMBER() OVER (ORDER BY game_id)", "scalar"),
    ("s.game_id", "unqualified"),
    ("@game", "scalar"),
    ("game_id IN (SELECT game_id FROM other)", "scalar"),
    ("", "expected a SQL expression"),
    ("DELETE FROM t WHERE TRUE", "scalar"),
]


@pytest.mark.parametrize("text", GOOD_EXPRESSIONS)
def test_scalar_expressions_are_accepted(text: str) -> None:
    assert parse_expression(text, "key").sql("bigquery")


@pytest.mark.parametrize(("text", "reason"), BAD_EXPRESSIONS)
def test_unsafe_expressions_are_refused(text: str, reason: str) -> None:
    with pytest.raises(ConfigError, match=reason):
        parse_expression(text, "key")


def test_expression_columns_must_belong_to_the_table() -> None:
    with pytest.raises(ConfigError, match="not_a_column"):
        parse_expression("not_a_column || game_id", "key", columns={"game_id"})


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM nba_raw.t WHERE TRUE",
        "UPDATE nba_raw.t SET a = 1 WHERE TRUE",
        "INSERT INTO nba_raw.t SELECT 1",
        "MERGE nba_raw.t USING s ON FALSE WHEN NOT MATCHED THEN INSERT ROW",
        "CREATE TABLE nba_raw.t AS SELECT 1",
        "DROP TABLE nba_raw.t",
        "ALTER TABLE nba_raw.t ADD COLUMN x INT64",
        "SELECT 1; DELETE FROM nba_raw.t WHERE TRUE",
        "TRUNCATE TABLE nba_raw.t",
        "SELECT * FROM (",
    ],
)
def test_guard_refuses_everything_but_one_query(sql: str) -> None:
    with pytest.raises(UnsafeStatementError):
        ensure_query(sql)


@pytest.mark.parametrize(
    "sql",
    ["SELECT 1", "WITH a AS (SELECT 1 AS x) SELECT x FROM a", "SELECT 1 UNION ALL SELECT 2"],
)
def test_guard_accepts_queries(sql: str) -> None:
    assert ensure_query(sql) is not None


def test_render_fills_slots_in_the_tree_not_the_text() -> None:
    sql = render(
        "SELECT _e_key AS k FROM _t_main WHERE _e_day = @day",
        {"main": TableName("nba_raw", "nbac_schedule")},
        {"key": parse_expression("game_id", "key"), "day": column("game_date")},
    )
    assert "nba_raw.nbac_schedule" in sql
    assert "game_id AS k" in sql
    assert "@day" in sql
    assert "_e_" not in sql and "_t_main" not in sql.split(" AS ")[0]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("nba_raw", True),
        ("region-us-west2", True),
        ("_staging_x", True),
        ("x; DROP TABLE y", False),
        ("`x`", False),
        ("has space", False),
        ("nbа_raw", False),  # Cyrillic 'а'
        ("1abc", False),
        ("", False),
        ("a.b", False),
    ],
)
def test_identifier_grammar(value: str, ok: bool) -> None:
    assert is_identifier(value) is ok


def test_table_names_are_dataset_dot_table() -> None:
    assert str(TableName.parse("nba_raw.nbac_schedule")) == "nba_raw.nbac_schedule"
    for bad in ["nbac_schedule", "a.b.c", "nba_raw.x y", "nba_raw.`x`"]:
        with pytest.raises(ConfigError):
            TableName.parse(bad)


def test_information_schema_views_are_region_qualified() -> None:
    from pipeval.sqlkit import info_schema

    sql = render(
        "SELECT job_id FROM _t_jobs AS j", {"jobs": info_schema("us-west2", "JOBS_BY_PROJECT")}
    )
    assert sql == "SELECT job_id FROM `region-us-west2`.`INFORMATION_SCHEMA.JOBS_BY_PROJECT` AS j"
    with pytest.raises(ConfigError):
        info_schema("us; DROP", "JOBS_BY_PROJECT")
    with pytest.raises(ConfigError):
        info_schema("us", "SESSIONS_BY_USER")


def test_substituted_filters_cannot_escape_the_date_predicate() -> None:
    sql = render(
        "SELECT 1 FROM _t_main WHERE d BETWEEN @range_start AND @range_end AND _e_filter",
        {"main": TableName("nba_raw", "t")},
        {"filter": parse_expression("is_active OR system_id = 'x'", "filter")},
    )
    assert sql.endswith("AND (is_active OR system_id = 'x')")
    plain = render(
        "SELECT _e_k AS k FROM _t_main",
        {"main": TableName("nba_raw", "t")},
        {"k": parse_expression("game_id", "k")},
    )
    assert plain.startswith("SELECT game_id AS k")
