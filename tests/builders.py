"""Tiny, real embedded warehouses and state directories for unit tests.

Tables follow the DESIGN.md data contract; a test passes only the rows it cares about.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

CONTRACT: dict[str, str] = {
    "nba_raw.nbac_schedule": "game_id VARCHAR, game_date DATE, home_team_tricode VARCHAR, "
    "away_team_tricode VARCHAR, game_status BIGINT",
    "nba_raw.nbac_gamebook_player_stats": "game_id VARCHAR, game_date DATE, "
    "player_lookup VARCHAR, team_abbr VARCHAR, points BIGINT",
    "nba_raw.odds_api_player_points_props": "game_id VARCHAR, game_date DATE, "
    "player_lookup VARCHAR, bookmaker VARCHAR, points_line DOUBLE",
    "nba_analytics.player_game_summary": "game_id VARCHAR, game_date DATE, "
    "player_lookup VARCHAR, team_abbr VARCHAR, points BIGINT, minutes_played DECIMAL(5,1), "
    "usage_rate DECIMAL(6,2)",
    "nba_analytics.upcoming_player_game_context": "game_id VARCHAR, game_date DATE, "
    "player_lookup VARCHAR, team_abbr VARCHAR",
    "nba_predictions.ml_feature_store_v2": "game_id VARCHAR, game_date DATE, "
    "player_lookup VARCHAR, features DOUBLE[], feature_count BIGINT",
    "nba_predictions.player_prop_predictions": "prediction_id VARCHAR, game_id VARCHAR, "
    "game_date DATE, player_lookup VARCHAR, system_id VARCHAR, current_points_line DECIMAL(4,1), "
    "is_active BOOLEAN, created_at TIMESTAMP, "
    # read by the shipped profile's declarative checks (model attribution, late picks, edge)
    "is_actionable BOOLEAN, line_minutes_before_game BIGINT, model_version VARCHAR",
    "nba_reference.nba_players_registry": "player_lookup VARCHAR, universal_player_id VARCHAR, "
    "team_abbr VARCHAR",
    "nba_reference.player_aliases": "alias_lookup VARCHAR, nba_canonical_lookup VARCHAR, "
    "alias_type VARCHAR",
    "nba_reference.processor_run_history": "processor_name VARCHAR, data_date DATE, "
    "status VARCHAR, started_at TIMESTAMP, phase VARCHAR",
    # read by the shipped profile's declarative checks (`checks:`)
    "nba_predictions.prediction_accuracy": "player_lookup VARCHAR, game_id VARCHAR, "
    "game_date DATE, system_id VARCHAR, predicted_points DECIMAL(5,1), "
    "line_value DECIMAL(5,1), actual_points BIGINT, minutes_played DECIMAL(5,1), "
    "absolute_error DECIMAL(5,1), signed_error DECIMAL(5,1), "
    "prediction_correct BOOLEAN, model_version VARCHAR, graded_at TIMESTAMP",
    "nba_analytics.team_offense_game_summary": "game_id VARCHAR, nba_game_id VARCHAR, "
    "game_date DATE, team_abbr VARCHAR, opponent_team_abbr VARCHAR, points_scored BIGINT, "
    "pace DECIMAL(5,1), home_game BOOLEAN, processed_at TIMESTAMP",
    "nba_raw.bigdataball_play_by_play": "game_id VARCHAR, game_date DATE, "
    "event_sequence BIGINT, period BIGINT",
    "nba_raw.nbac_injury_report": "report_date DATE, report_hour BIGINT, game_date DATE, "
    "game_id VARCHAR, team VARCHAR, player_lookup VARCHAR, injury_status VARCHAR, "
    "reason_category VARCHAR, processed_at TIMESTAMP",
    "nba_predictions.prediction_worker_runs": "request_id VARCHAR, run_date TIMESTAMP, "
    "player_lookup VARCHAR, game_date DATE, game_id VARCHAR, success BOOLEAN, "
    "error_type VARCHAR, predictions_generated BIGINT",
    "bq_meta.jobs_by_project": "job_id VARCHAR, creation_time TIMESTAMP, job_type VARCHAR, "
    "statement_type VARCHAR, state VARCHAR, "
    "destination_table STRUCT(project_id VARCHAR, dataset_id VARCHAR, table_id VARCHAR), "
    "error_result STRUCT(reason VARCHAR, location VARCHAR, message VARCHAR), "
    "total_modified_partitions BIGINT, total_bytes_processed BIGINT",
    "bq_meta.tables": "dataset_id VARCHAR, table_id VARCHAR, creation_time TIMESTAMP",
}


PREDICTIONS = "nba_predictions.player_prop_predictions"


def build_warehouse(
    path: Path,
    rows: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
    extra_tables: Mapping[str, str] | None = None,
    skip: Iterable[str] = (),
) -> Path:
    """Create every contract table (minus `skip`), then insert the given rows by column name."""
    tables = {**CONTRACT, **(extra_tables or {})}
    con = duckdb.connect(str(path))
    try:
        for name, columns in tables.items():
            if name in skip:
                continue
            schema = name.split(".")[0]
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            con.execute(f"CREATE TABLE {name} ({columns})")
        for name, table_rows in (rows or {}).items():
            if name in skip:
                continue
            for row in table_rows:
                keys = list(row)
                marks = ", ".join("?" for _ in keys)
                con.execute(
                    f"INSERT INTO {name} ({', '.join(keys)}) VALUES ({marks})",
                    [row[key] for key in keys],
                )
    finally:
        con.close()
    return path


def game_key(day: date, away: str, home: str) -> str:
    return f"{day:%Y%m%d}_{away}_{home}"


def write_state(root: Path, collection: str, doc_id: str, document: Mapping[str, Any]) -> Path:
    folder = root / collection
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{doc_id}.json"
    path.write_text(json.dumps(document, default=str), "utf-8")
    return path


PHASE_TABLES_FINAL = ("nba_raw.nbac_gamebook_player_stats", "nba_analytics.player_game_summary")
PHASE_TABLES_SCHEDULED = (
    "nba_raw.odds_api_player_points_props",
    "nba_analytics.upcoming_player_game_context",
    "nba_predictions.ml_feature_store_v2",
    "nba_predictions.player_prop_predictions",
)
MATCHUPS = [("LAL", "BOS"), ("NYK", "MIA"), ("GSW", "PHX"), ("DEN", "DAL")]


def season_rows(
    days: Iterable[date],
    games_per_day: int = 2,
    drop: Mapping[tuple[str, date], int] | None = None,
    status: Mapping[date, int] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Complete phase data for `days`; `drop[(table, day)] = n` removes that table's first n games.

    Every game has two players; predictions are active rows.
    """
    drop = drop or {}
    rows: dict[str, list[dict[str, Any]]] = {"nba_raw.nbac_schedule": []}
    for table in PHASE_TABLES_FINAL + PHASE_TABLES_SCHEDULED:
        rows[table] = []
    number = 0
    for day in days:
        for index, (away, home) in enumerate(MATCHUPS[:games_per_day]):
            number += 1
            game_status = (status or {}).get(day, 3)
            rows["nba_raw.nbac_schedule"].append(
                {
                    "game_id": f"00225{number:05d}",
                    "game_date": day,
                    "away_team_tricode": away,
                    "home_team_tricode": home,
                    "game_status": game_status,
                }
            )
            key = game_key(day, away, home)
            for table in PHASE_TABLES_FINAL + PHASE_TABLES_SCHEDULED:
                if index < drop.get((table, day), 0):
                    continue
                if table in PHASE_TABLES_FINAL and game_status != 3:
                    continue
                for player in (f"{away.lower()}player", f"{home.lower()}player"):
                    row: dict[str, Any] = {
                        "game_id": key,
                        "game_date": day,
                        "player_lookup": player,
                    }
                    if table == "nba_predictions.player_prop_predictions":
                        row["is_active"] = True
                    rows[table].append(row)
    return rows


def schedule_rows(day: date, games: Iterable[tuple[str, str, int]]) -> list[dict[str, Any]]:
    """Schedule rows for one date from (away, home, game_status) triples."""
    return [
        {
            "game_id": f"00225{day:%m%d}{index:02d}",
            "game_date": day,
            "away_team_tricode": away,
            "home_team_tricode": home,
            "game_status": status,
        }
        for index, (away, home, status) in enumerate(games)
    ]
