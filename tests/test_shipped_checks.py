"""The shipped profile's declarative checks that the sample never trips (no incident of theirs)
fire on rows that break them, on the real table and column names, in a tiny real warehouse."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipeval.adapters.duckdb_warehouse import DuckDBWarehouse
from pipeval.checks.declarative import DeclarativeDataCheck
from pipeval.profile import Profile
from pipeval.query import Context
from pipeval.suites.runner import prefetch, run_check
from tests.builders import PREDICTIONS, build_warehouse, game_key

DAY = date(2026, 1, 10)
AS_OF = datetime(2026, 1, 11, 15, tzinfo=UTC)
GAME = game_key(DAY, "AAA", "BBB")


def prediction(**values: Any) -> dict[str, Any]:
    row = {
        "prediction_id": "p",
        "game_id": GAME,
        "game_date": DAY,
        "player_lookup": "someone",
        "system_id": "catboost_v8",
        "current_points_line": 20.5,
        "is_active": True,
        "created_at": datetime(2026, 1, 10, 15),
        "is_actionable": True,
        "line_minutes_before_game": 240,
        "model_version": "catboost_v8_20251118",
    }
    return row | values


def graded(correct: bool) -> dict[str, Any]:
    return {"game_id": GAME, "game_date": DAY, "system_id": "x", "prediction_correct": correct}


def features(value: float, day: date = DAY, n: int = 1) -> list[dict[str, Any]]:
    row = {"game_id": GAME, "game_date": day, "player_lookup": "p", "feature_count": 34}
    return [row | {"features": [value, 0.5]} for _ in range(n)]


def summary(usage: float) -> dict[str, Any]:
    return {"game_id": GAME, "game_date": DAY, "player_lookup": "p", "usage_rate": usage}


def team(pace: float) -> dict[str, Any]:
    return {"game_id": GAME, "game_date": DAY, "team_abbr": "AAA", "pace": pace}


def injury(status: str) -> dict[str, Any]:
    return {"report_date": DAY, "game_date": DAY, "player_lookup": "p", "injury_status": status}


BASELINE = [row for days in range(1, 15) for row in features(10.0, DAY - timedelta(days=days))]

# (check id, rows per table, expected status)
CASES: list[tuple[str, dict[str, list[dict[str, Any]]], str]] = [
    (
        "grading.hit_rate",
        {"nba_predictions.prediction_accuracy": [graded(True)] * 4 + [graded(False)] * 6},
        "FAIL",
    ),
    (
        "grading.hit_rate",
        {"nba_predictions.prediction_accuracy": [graded(True)] * 6 + [graded(False)] * 4},
        "OK",
    ),
    ("predictions.active_duplicates", {PREDICTIONS: [prediction(), prediction()]}, "FAIL"),
    (
        "predictions.active_duplicates",
        {PREDICTIONS: [prediction(), prediction(is_active=False)]},
        "OK",
    ),
    (
        "predictions.after_tipoff",
        {PREDICTIONS: [prediction(line_minutes_before_game=-5), prediction(player_lookup="b")]},
        "FAIL",
    ),
    (
        "predictions.actionable_without_line",
        {PREDICTIONS: [prediction(current_points_line=None)]},
        "FAIL",
    ),
    (
        "predictions.actionable_without_line",
        {PREDICTIONS: [prediction(current_points_line=None, is_actionable=False)]},
        "OK",
    ),
    (
        "predictions.line_missing",
        {PREDICTIONS: [prediction(current_points_line=None), prediction(player_lookup="b")]},
        "FAIL",
    ),
    (
        "features.distribution_drift",
        {"nba_predictions.ml_feature_store_v2": BASELINE + features(20.0)},
        "FAIL",
    ),
    (
        "features.distribution_drift",
        {"nba_predictions.ml_feature_store_v2": BASELINE + features(11.0)},
        "OK",
    ),
    ("features.rows_per_game", {"nba_predictions.ml_feature_store_v2": features(10, n=5)}, "WARN"),
    ("features.rows_per_game", {"nba_predictions.ml_feature_store_v2": features(10, n=20)}, "OK"),
    # no rows at all: completeness.phase4's finding (absent: skip), not this check's
    ("features.rows_per_game", {"nba_predictions.ml_feature_store_v2": []}, "OK"),
    ("minutes.usage_range", {"nba_analytics.player_game_summary": [summary(75.0)]}, "FAIL"),
    ("minutes.usage_range", {"nba_analytics.player_game_summary": [summary(60.0)]}, "OK"),
    (
        "teams.pace_range",
        {"nba_analytics.team_offense_game_summary": [team(140.0), team(100.0)]},
        "FAIL",
    ),
    ("injuries.status_values", {"nba_raw.nbac_injury_report": [injury("gtd")]}, "FAIL"),
    ("injuries.status_values", {"nba_raw.nbac_injury_report": [injury("out")]}, "OK"),
]


@pytest.mark.parametrize(("check_id", "rows", "status"), CASES, ids=[c[0] for c in CASES])
def test_shipped_check_fires_on_breaking_rows(
    profile: Profile, tmp_path: Path, check_id: str, rows: dict, status: str
) -> None:
    schedule = {
        "game_id": "0022500001",
        "game_date": DAY,
        "away_team_tricode": "AAA",
        "home_team_tricode": "BBB",
        "game_status": 3,
    }
    # every phase holds the game (a check with a `phase` judges only games its phase has)
    upstream = {
        "nba_raw.nbac_gamebook_player_stats": [{"game_id": GAME, "game_date": DAY}],
        "nba_analytics.player_game_summary": [{"game_id": GAME, "game_date": DAY}],
        "nba_analytics.upcoming_player_game_context": [{"game_id": GAME, "game_date": DAY}],
        "nba_predictions.ml_feature_store_v2": features(10.0, n=20),
        PREDICTIONS: [prediction(prediction_id=f"p{n}", player_lookup=f"x{n}") for n in range(4)],
    }
    tables = {"nba_raw.nbac_schedule": [schedule], **upstream, **rows}
    path = build_warehouse(tmp_path / "w.duckdb", tables)
    warehouse = DuckDBWarehouse(path)
    try:
        ctx = Context(profile, AS_OF, DAY, DAY, warehouse=warehouse)
        check = DeclarativeDataCheck(next(c for c in profile.checks if c.id == check_id))
        prefetch([check], ctx)
        result = run_check(check, ctx)
    finally:
        warehouse.close()
    assert result.status.value == status, result.summary
