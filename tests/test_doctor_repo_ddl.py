"""`pipeval doctor` on an embedded warehouse built from DDL written the way the pipeline writes it.

The statements below are our own, in the style of the reference repository's
`schemas/bigquery/` files: project-qualified backticked names, NOT NULL with DEFAULT
CURRENT_TIMESTAMP(), column and table OPTIONS(...), PARTITION BY, CLUSTER BY with a sort order
(which sqlglot cannot parse whole), JSON, NUMERIC(p,s), STRUCT/ARRAY and ALTER TABLE ... ADD
COLUMN migrations. They reach DuckDB through pipeval's own DDL reading (`parse_statements`, with
its tolerant fallback) and sqlglot's transpiler, so a profile table whose CREATE TABLE were
dropped would be missing and doctor would FAIL.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from sqlglot import exp

from pipeval.profile import load_profile
from pipeval.schema.ddl import parse_statements, table_parts
from pipeval.schema.references import profile_references
from tests.builders import CONTRACT, build_warehouse

PROJECT = "nba-props-platform"

REPO_STYLE_DDL = f"""
-- Schedule: one row per game, refreshed by the schedule scraper
CREATE TABLE IF NOT EXISTS `{PROJECT}.nba_raw.nbac_schedule` (
  game_id STRING NOT NULL OPTIONS(description="NBA id, e.g. 0022500852"),
  game_date DATE NOT NULL,
  home_team_tricode STRING NOT NULL,
  away_team_tricode STRING NOT NULL,
  game_status INT64 OPTIONS(description="1 scheduled, 2 live, 3 final"),
  arena STRUCT<name STRING, city STRING>,
  scraped_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP() NOT NULL
)
PARTITION BY game_date
CLUSTER BY game_date DESC, home_team_tricode
OPTIONS(description="NBA.com schedule", require_partition_filter=TRUE);

CREATE TABLE IF NOT EXISTS `{PROJECT}.nba_raw.nbac_gamebook_player_stats` (
  game_id STRING NOT NULL,       -- YYYYMMDD_AWAY_HOME
  game_date DATE NOT NULL,
  player_lookup STRING,
  team_abbr STRING,
  points INT64,
  source_file_path STRING,
  processed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP()
)
PARTITION BY game_date
CLUSTER BY player_lookup, game_date DESC;

CREATE TABLE IF NOT EXISTS `{PROJECT}.nba_raw.odds_api_player_points_props` (
  game_id STRING NOT NULL,
  game_date DATE NOT NULL,
  player_lookup STRING,
  bookmaker STRING NOT NULL,
  points_line FLOAT64 NOT NULL,
  snapshot_timestamp TIMESTAMP
)
PARTITION BY game_date
CLUSTER BY player_lookup, bookmaker
OPTIONS(partition_expiration_days=1095);

CREATE TABLE IF NOT EXISTS `{PROJECT}.nba_analytics.player_game_summary` (
  game_id STRING NOT NULL,
  game_date DATE NOT NULL,
  player_lookup STRING NOT NULL,
  team_abbr STRING NOT NULL,
  points INT64,
  minutes_played NUMERIC(5,1) OPTIONS(description="decimal minutes"),
  data_quality_flags ARRAY<STRING>
)
PARTITION BY game_date
CLUSTER BY player_lookup, team_abbr, game_date DESC;

CREATE TABLE IF NOT EXISTS `{PROJECT}.nba_analytics.upcoming_player_game_context` (
  game_id STRING NOT NULL,
  game_date DATE NOT NULL,
  player_lookup STRING NOT NULL,
  team_abbr STRING NOT NULL,
  context JSON
)
PARTITION BY game_date
CLUSTER BY player_lookup, game_date DESC;

CREATE TABLE IF NOT EXISTS `{PROJECT}.nba_predictions.ml_feature_store_v2` (
  game_id STRING NOT NULL,
  game_date DATE NOT NULL,
  player_lookup STRING NOT NULL,
  features ARRAY<FLOAT64> OPTIONS(description="feature vector, fixed order"),
  feature_count INT64 NOT NULL,
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP() NOT NULL
)
PARTITION BY game_date
CLUSTER BY player_lookup, feature_count DESC;

CREATE TABLE IF NOT EXISTS `{PROJECT}.nba_predictions.player_prop_predictions` (
  prediction_id STRING NOT NULL,
  system_id STRING NOT NULL,
  player_lookup STRING NOT NULL,
  game_date DATE NOT NULL,
  game_id STRING NOT NULL,
  predicted_points NUMERIC(5,1) NOT NULL,
  confidence_score NUMERIC(5,2) NOT NULL,
  current_points_line NUMERIC(4,1),
  key_factors JSON,
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP() NOT NULL
)
PARTITION BY game_date
CLUSTER BY system_id, player_lookup, confidence_score DESC, game_date
OPTIONS(description="every system's predictions", require_partition_filter=TRUE);

-- Status column arrived with a later migration
ALTER TABLE `{PROJECT}.nba_predictions.player_prop_predictions`
ADD COLUMN IF NOT EXISTS is_active BOOLEAN OPTIONS(description="FALSE once superseded"),
ADD COLUMN IF NOT EXISTS superseded_by STRING;

CREATE TABLE IF NOT EXISTS `{PROJECT}.nba_reference.nba_players_registry` (
  player_lookup STRING NOT NULL,
  universal_player_id STRING,
  team_abbr STRING NOT NULL,
  season STRING NOT NULL,
  last_processor STRING
)
CLUSTER BY player_lookup, team_abbr;

CREATE TABLE IF NOT EXISTS `{PROJECT}.nba_reference.player_aliases` (
  alias_lookup STRING NOT NULL,
  nba_canonical_lookup STRING NOT NULL,
  alias_type STRING,
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP() NOT NULL
)
CLUSTER BY alias_lookup;

CREATE TABLE IF NOT EXISTS `{PROJECT}.nba_reference.processor_run_history` (
  processor_name STRING NOT NULL,
  run_id STRING NOT NULL,
  status STRING NOT NULL,
  data_date DATE NOT NULL,
  started_at TIMESTAMP NOT NULL,
  summary JSON,
  PRIMARY KEY (processor_name, data_date, run_id) NOT ENFORCED
)
PARTITION BY data_date
CLUSTER BY processor_name, status, started_at DESC
OPTIONS(description="one row per processor run", partition_expiration_days=365);

ALTER TABLE `{PROJECT}.nba_reference.processor_run_history`
ADD COLUMN IF NOT EXISTS game_code STRING,
ADD COLUMN IF NOT EXISTS phase STRING;

-- Read by the shipped profile's declarative checks (`checks:`)
ALTER TABLE `{PROJECT}.nba_analytics.player_game_summary`
ADD COLUMN IF NOT EXISTS usage_rate NUMERIC(6,2) OPTIONS(description="% of team plays used");

ALTER TABLE `{PROJECT}.nba_predictions.player_prop_predictions`
ADD COLUMN IF NOT EXISTS is_actionable BOOLEAN,
ADD COLUMN IF NOT EXISTS line_minutes_before_game INT64,
ADD COLUMN IF NOT EXISTS model_version STRING;

CREATE TABLE IF NOT EXISTS `{PROJECT}.nba_predictions.prediction_accuracy` (
  player_lookup STRING NOT NULL,
  game_id STRING NOT NULL,
  game_date DATE NOT NULL,
  system_id STRING NOT NULL,
  predicted_points NUMERIC(5,1),
  line_value NUMERIC(5,1),
  actual_points INT64,
  minutes_played NUMERIC(5,1),
  absolute_error NUMERIC(5,1),
  signed_error NUMERIC(5,1) OPTIONS(description="predicted minus actual"),
  prediction_correct BOOLEAN,
  model_version STRING,
  graded_at TIMESTAMP
)
PARTITION BY game_date
CLUSTER BY system_id, player_lookup;

CREATE TABLE IF NOT EXISTS `{PROJECT}.nba_analytics.team_offense_game_summary` (
  game_id STRING NOT NULL,
  nba_game_id STRING,
  game_date DATE NOT NULL,
  team_abbr STRING NOT NULL,
  opponent_team_abbr STRING NOT NULL,
  points_scored INT64,
  pace NUMERIC(5,1),
  home_game BOOLEAN NOT NULL,
  processed_at TIMESTAMP
)
PARTITION BY game_date
CLUSTER BY team_abbr, game_date;

CREATE TABLE IF NOT EXISTS `{PROJECT}.nba_raw.bigdataball_play_by_play` (
  game_id STRING NOT NULL,
  game_date DATE NOT NULL,
  event_sequence INT64 NOT NULL,
  period INT64,
  processed_at TIMESTAMP NOT NULL
)
PARTITION BY game_date
CLUSTER BY game_id, period;

CREATE TABLE IF NOT EXISTS `{PROJECT}.nba_raw.nbac_injury_report` (
  report_date DATE,
  report_hour INT64,
  game_date DATE,
  game_id STRING,
  team STRING,
  player_lookup STRING,
  injury_status STRING,
  reason_category STRING,
  processed_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP()
)
PARTITION BY report_date
CLUSTER BY player_lookup, game_id, injury_status;

CREATE TABLE IF NOT EXISTS `{PROJECT}.nba_predictions.prediction_worker_runs` (
  request_id STRING NOT NULL,
  run_date TIMESTAMP NOT NULL,
  player_lookup STRING NOT NULL,
  game_date DATE NOT NULL,
  game_id STRING,
  success BOOLEAN NOT NULL,
  error_type STRING,
  predictions_generated INT64
)
PARTITION BY DATE(run_date)
CLUSTER BY player_lookup, success, game_date;
"""


def duckdb_statements(text: str) -> list[str]:
    """pipeval's reading of each statement, transpiled to DuckDB: the project part dropped
    (a dataset is a DuckDB schema), `PRIMARY KEY ... NOT ENFORCED` dropped (DuckDB knows no
    unenforced key), one ALTER action per statement (DuckDB's limit)."""
    translated = []
    for statement in parse_statements(text, "repo_style.sql"):
        assert statement.tree is not None and not statement.error, statement
        tree = statement.tree.copy()
        table = tree.find(exp.Table)
        assert table is not None
        dataset, name = table_parts(table)
        table.replace(exp.table_(name, db=dataset))
        for key in list(tree.find_all(exp.PrimaryKey)):  # NOT ENFORCED: BigQuery-only
            key.pop()
        actions = tree.args.get("actions") if isinstance(tree, exp.Alter) else None
        for action in actions or [None]:
            if action is not None:
                tree.set("actions", [action])
            translated.append(tree.sql("duckdb"))
    return translated


def build_from_ddl(path: Path) -> Path:
    metadata = [name for name in CONTRACT if not name.startswith("bq_meta.")]
    build_warehouse(path, skip=metadata)  # only the bq_meta views (no DDL exists for them)
    with duckdb.connect(str(path)) as con:
        for dataset in ("nba_raw", "nba_analytics", "nba_predictions", "nba_reference"):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {dataset}")
        for sql in duckdb_statements(REPO_STYLE_DDL):
            con.execute(sql)
    return path


def test_every_repo_style_statement_is_read_and_covers_the_profile() -> None:
    statements = parse_statements(REPO_STYLE_DDL, "repo_style.sql")
    creates = [s for s in statements if isinstance(s.tree, exp.Create)]
    assert len(creates) == 15 and len(statements) == 19
    tolerated = [s for s in creates if s.note]
    assert len(tolerated) == 7  # the ones with CLUSTER BY ... DESC
    created = {".".join(table_parts(s.tree.find(exp.Table))) for s in creates}
    referenced = {ref.table for ref in profile_references(load_profile())}
    missing = sorted(t for t in referenced - created if not t.startswith("bq_meta."))
    assert missing == [], f"add repo-style DDL for {missing}"


def test_doctor_passes_on_a_warehouse_built_from_repo_style_ddl(tmp_path: Path, run_cli) -> None:
    path = build_from_ddl(tmp_path / "w.duckdb")
    with duckdb.connect(str(path), read_only=True) as con:
        described = dict(
            (name, kind)
            for name, kind, *_ in con.execute(
                "DESCRIBE nba_predictions.player_prop_predictions"
            ).fetchall()
        )
    assert described["created_at"] == "TIMESTAMP WITH TIME ZONE"
    assert described["is_active"] == "BOOLEAN" and described["key_factors"] == "JSON"
    code, out, err = run_cli(
        "doctor",
        "--warehouse",
        f"duckdb://{path}",
        "--as-of",
        "2026-01-27T15:00:00Z",
        "--format",
        "json",
    )
    document = json.loads(out)
    messages = [f["message"] for check in document["checks"] for f in check["findings"]]
    assert (code, err) == (0, ""), messages
    assert document["status"] == "OK" and messages == []
    assert document["checks"][0]["metrics"]["tables"] >= 10
