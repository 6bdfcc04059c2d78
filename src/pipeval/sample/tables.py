"""Table names and DuckDB column types of the sample warehouse (DESIGN.md's data contract).

Column order here is the order of the CSV files the generators write.
"""

from __future__ import annotations

from datetime import datetime

from pipeval.sample import incidents

SCHEDULE = "nba_raw.nbac_schedule"
GAMEBOOK = "nba_raw.nbac_gamebook_player_stats"
PROPS = "nba_raw.odds_api_player_points_props"
SUMMARY = "nba_analytics.player_game_summary"
CONTEXT = "nba_analytics.upcoming_player_game_context"
FEATURES = "nba_predictions.ml_feature_store_v2"
PREDICTIONS = "nba_predictions.player_prop_predictions"
REGISTRY = "nba_reference.nba_players_registry"
ALIASES = "nba_reference.player_aliases"
RUN_HISTORY = "nba_reference.processor_run_history"
ACCURACY = "nba_predictions.prediction_accuracy"
TEAM_OFFENSE = "nba_analytics.team_offense_game_summary"
PBP = "nba_raw.bigdataball_play_by_play"
INJURIES = "nba_raw.nbac_injury_report"
WORKER_RUNS = "nba_predictions.prediction_worker_runs"
JOBS = "bq_meta.jobs_by_project"
TABLES = "bq_meta.tables"

_PREDICTION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("prediction_id", "VARCHAR"),
    ("game_id", "VARCHAR"),
    ("game_date", "DATE"),
    ("player_lookup", "VARCHAR"),
    ("system_id", "VARCHAR"),
    ("current_points_line", "DECIMAL(4,1)"),  # NUMERIC(4,1) in the pipeline's DDL
    ("is_active", "BOOLEAN"),
    ("created_at", "TIMESTAMP"),
    # Seed 003's drift: added by runtime ALTERs, never written back to the DDL file.
    ("feature_importance", "VARCHAR"),
    ("filter_reason", "VARCHAR"),
    ("is_actionable", "BOOLEAN"),
    ("line_minutes_before_game", "BIGINT"),
    ("model_version", "VARCHAR"),
    ("teammate_opportunity_score", "DOUBLE"),
    ("teammate_out_starters", "BIGINT"),
    ("teammate_usage_boost", "DOUBLE"),
)

COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    SCHEDULE: (
        ("game_id", "VARCHAR"),
        ("game_date", "DATE"),
        ("home_team_tricode", "VARCHAR"),
        ("away_team_tricode", "VARCHAR"),
        ("game_status", "BIGINT"),
    ),
    GAMEBOOK: (
        ("game_id", "VARCHAR"),
        ("game_date", "DATE"),
        ("player_lookup", "VARCHAR"),
        ("team_abbr", "VARCHAR"),
        ("points", "BIGINT"),
    ),
    PROPS: (
        ("game_id", "VARCHAR"),
        ("game_date", "DATE"),
        ("player_lookup", "VARCHAR"),
        ("bookmaker", "VARCHAR"),
        ("points_line", "DOUBLE"),
    ),
    SUMMARY: (
        ("game_id", "VARCHAR"),
        ("game_date", "DATE"),
        ("player_lookup", "VARCHAR"),
        ("team_abbr", "VARCHAR"),
        ("points", "BIGINT"),
        ("minutes_played", "DECIMAL(5,1)"),  # NUMERIC(5,1) in the pipeline's DDL
        ("usage_rate", "DECIMAL(6,2)"),  # NUMERIC(6,2) in the pipeline's DDL
    ),
    CONTEXT: (
        ("game_id", "VARCHAR"),
        ("game_date", "DATE"),
        ("player_lookup", "VARCHAR"),
        ("team_abbr", "VARCHAR"),
    ),
    FEATURES: (
        ("game_id", "VARCHAR"),
        ("game_date", "DATE"),
        ("player_lookup", "VARCHAR"),
        ("features", "DOUBLE[]"),
        ("feature_count", "BIGINT"),
    ),
    PREDICTIONS: _PREDICTION_COLUMNS,
    REGISTRY: (
        ("player_lookup", "VARCHAR"),
        ("universal_player_id", "VARCHAR"),
        ("team_abbr", "VARCHAR"),
    ),
    ALIASES: (
        ("alias_lookup", "VARCHAR"),
        ("nba_canonical_lookup", "VARCHAR"),
        ("alias_type", "VARCHAR"),
    ),
    RUN_HISTORY: (
        ("processor_name", "VARCHAR"),
        ("data_date", "DATE"),
        ("status", "VARCHAR"),
        ("started_at", "TIMESTAMP"),
        ("phase", "VARCHAR"),
    ),
    ACCURACY: (
        ("player_lookup", "VARCHAR"),
        ("game_id", "VARCHAR"),
        ("game_date", "DATE"),
        ("system_id", "VARCHAR"),
        ("predicted_points", "DECIMAL(5,1)"),
        ("line_value", "DECIMAL(5,1)"),
        ("actual_points", "BIGINT"),
        ("minutes_played", "DECIMAL(5,1)"),
        ("absolute_error", "DECIMAL(5,1)"),
        ("signed_error", "DECIMAL(5,1)"),
        ("prediction_correct", "BOOLEAN"),
        ("model_version", "VARCHAR"),
        ("graded_at", "TIMESTAMP"),
    ),
    TEAM_OFFENSE: (
        ("game_id", "VARCHAR"),
        ("nba_game_id", "VARCHAR"),
        ("game_date", "DATE"),
        ("team_abbr", "VARCHAR"),
        ("opponent_team_abbr", "VARCHAR"),
        ("points_scored", "BIGINT"),
        ("pace", "DECIMAL(5,1)"),
        ("home_game", "BOOLEAN"),
        ("processed_at", "TIMESTAMP"),
    ),
    PBP: (
        ("game_id", "VARCHAR"),
        ("game_date", "DATE"),
        ("event_sequence", "BIGINT"),
        ("period", "BIGINT"),
    ),
    INJURIES: (
        ("report_date", "DATE"),
        ("report_hour", "BIGINT"),
        ("game_date", "DATE"),
        ("game_id", "VARCHAR"),
        ("team", "VARCHAR"),
        ("player_lookup", "VARCHAR"),
        ("injury_status", "VARCHAR"),
        ("reason_category", "VARCHAR"),
        ("processed_at", "TIMESTAMP"),
    ),
    WORKER_RUNS: (
        ("request_id", "VARCHAR"),
        ("run_date", "TIMESTAMP"),
        ("player_lookup", "VARCHAR"),
        ("game_date", "DATE"),
        ("game_id", "VARCHAR"),
        ("success", "BOOLEAN"),
        ("error_type", "VARCHAR"),
        ("predictions_generated", "BIGINT"),
    ),
    **{f"nba_predictions.{name}": _PREDICTION_COLUMNS for name in incidents.STAGING_TABLES},
    JOBS: (
        ("job_id", "VARCHAR"),
        ("creation_time", "TIMESTAMP"),
        ("job_type", "VARCHAR"),
        ("statement_type", "VARCHAR"),
        ("state", "VARCHAR"),
        ("destination_table", "STRUCT(project_id VARCHAR, dataset_id VARCHAR, table_id VARCHAR)"),
        ("error_result", "STRUCT(reason VARCHAR, location VARCHAR, message VARCHAR)"),
        ("total_modified_partitions", "BIGINT"),
        ("total_bytes_processed", "BIGINT"),
    ),
    TABLES: (
        ("dataset_id", "VARCHAR"),
        ("table_id", "VARCHAR"),
        ("creation_time", "TIMESTAMP"),
    ),
}

# When each table was created in BigQuery; the pipeline predates the season.
CREATED: dict[str, datetime] = {
    SCHEDULE: datetime(2024, 9, 30, 17, 4, 12),
    GAMEBOOK: datetime(2024, 9, 30, 17, 6, 40),
    PROPS: datetime(2024, 10, 8, 21, 15, 3),
    SUMMARY: datetime(2024, 10, 14, 19, 42, 55),
    CONTEXT: datetime(2024, 10, 14, 19, 44, 10),
    FEATURES: datetime(2025, 9, 22, 16, 30, 0),  # v2 replaced the first feature store
    PREDICTIONS: datetime(2024, 11, 4, 18, 2, 31),
    REGISTRY: datetime(2024, 9, 25, 15, 0, 9),
    ALIASES: datetime(2024, 12, 2, 20, 11, 45),
    RUN_HISTORY: datetime(2024, 11, 19, 22, 37, 18),
    ACCURACY: datetime(2024, 11, 26, 17, 12, 40),
    TEAM_OFFENSE: datetime(2024, 10, 14, 19, 45, 2),
    PBP: datetime(2024, 10, 22, 16, 8, 51),
    INJURIES: datetime(2024, 10, 1, 14, 20, 33),
    WORKER_RUNS: datetime(2024, 11, 4, 18, 5, 12),
}


def split(table: str) -> tuple[str, str]:
    dataset, name = table.split(".")
    return dataset, name


def table_rows() -> list[tuple[str, str, datetime]]:
    """bq_meta.tables: every table of the pipeline's datasets, orphaned staging tables included."""
    rows = [(*split(table), created) for table, created in CREATED.items()]
    rows += [
        ("nba_predictions", name, incidents.STAGING_CREATED.replace(second=7 + 11 * index))
        for index, name in enumerate(incidents.STAGING_TABLES)
    ]
    return rows
