"""completeness.<phase> on tiny warehouses: missing vs pending vs off-day, critical vs not."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from pipeval.checks.completeness import checks_for
from pipeval.query import Context
from pipeval.results import Status
from tests.builders import game_key

DAY = date(2026, 1, 25)
AS_OF = datetime(2026, 1, 26, 15, 0, tzinfo=UTC)
GAMES = [("LAL", "BOS", 3), ("NYK", "MIA", 3), ("GSW", "PHX", 3)]


def schedule(games=GAMES, day: date = DAY) -> list[dict]:
    return [
        {
            "game_id": f"00225{i:05d}",
            "game_date": day,
            "away_team_tricode": away,
            "home_team_tricode": home,
            "game_status": status,
        }
        for i, (away, home, status) in enumerate(games)
    ]


def rows_for(games, day: date = DAY, **extra) -> list[dict]:
    return [
        {"game_id": game_key(day, away, home), "game_date": day, "player_lookup": "p", **extra}
        for away, home, _ in games
    ]


def full_day(games=GAMES, day: date = DAY) -> dict[str, list[dict]]:
    final = [g for g in games if g[2] == 3]
    return {
        "nba_raw.nbac_schedule": schedule(games, day),
        "nba_raw.nbac_gamebook_player_stats": rows_for(final, day),
        "nba_raw.odds_api_player_points_props": rows_for(games, day),
        "nba_analytics.player_game_summary": rows_for(final, day),
        "nba_analytics.upcoming_player_game_context": rows_for(games, day),
        "nba_predictions.ml_feature_store_v2": rows_for(games, day),
        "nba_predictions.player_prop_predictions": rows_for(games, day, is_active=True),
    }


def run(profile, warehouse, phase: str, day: date = DAY):
    ctx = Context(profile=profile, as_of=AS_OF, start=day, end=day, warehouse=warehouse)
    check = next(c for c in checks_for(profile) if c.id == f"completeness.{phase}")
    return check.run(ctx)


@pytest.mark.parametrize("phase", ["phase2", "phase3", "phase4", "phase5"])
def test_complete_day_is_ok(profile, make_warehouse, phase: str) -> None:
    result = run(profile, make_warehouse(full_day()), phase)
    assert result.status is Status.OK
    assert "all 3 expected games present" in result.summary


def test_missing_final_game_in_critical_table_fails_and_is_named(profile, make_warehouse) -> None:
    data = full_day()
    data["nba_analytics.player_game_summary"] = rows_for(GAMES[:1])
    result = run(profile, make_warehouse(data), "phase3")
    assert result.status is Status.FAIL
    missing = result.metrics["tables"]["nba_analytics.player_game_summary"]["missing"]
    assert missing == ["20260125_GSW_PHX", "20260125_NYK_MIA"]
    assert "20260125_NYK_MIA" in result.findings[0].message
    assert result.findings[0].subject == "nba_analytics.player_game_summary"
    assert any("run_year_phase3.sh --start-date 2026-01-25" in step for step in result.remediation)


def test_missing_game_in_non_critical_table_warns(profile, make_warehouse) -> None:
    data = full_day()
    data["nba_raw.odds_api_player_points_props"] = rows_for(GAMES[:2])
    result = run(profile, make_warehouse(data), "phase2")
    assert result.status is Status.WARN


def test_in_progress_and_scheduled_games_are_pending_not_missing(profile, make_warehouse) -> None:
    games = [("LAL", "BOS", 3), ("NYK", "MIA", 2), ("GSW", "PHX", 1)]
    result = run(profile, make_warehouse(full_day(games)), "phase3")
    assert result.status is Status.OK
    table = result.metrics["tables"]["nba_analytics.player_game_summary"]
    assert table["missing"] == [] and len(table["pending"]) == 2
    assert "2 pending" in result.summary


def test_pre_game_tables_expect_games_that_are_not_final(profile, make_warehouse) -> None:
    games = [("LAL", "BOS", 3), ("NYK", "MIA", 1)]
    data = full_day(games)
    data["nba_predictions.player_prop_predictions"] = rows_for(games[:1], is_active=True)
    result = run(profile, make_warehouse(data), "phase5")
    assert result.status is Status.FAIL
    assert result.metrics["tables"]["nba_predictions.player_prop_predictions"]["missing"] == [
        "20260125_NYK_MIA"
    ]


def test_inactive_prediction_rows_do_not_count(profile, make_warehouse) -> None:
    data = full_day()
    data["nba_predictions.player_prop_predictions"] = rows_for(GAMES, is_active=False)
    assert run(profile, make_warehouse(data), "phase5").status is Status.FAIL


def test_off_day_is_ok(profile, make_warehouse) -> None:
    result = run(profile, make_warehouse(full_day()), "phase3", day=date(2026, 1, 24))
    assert result.status is Status.OK
    assert "off-day" in result.summary


def test_empty_table_for_the_date_fails(profile, make_warehouse) -> None:
    data = full_day()
    del data["nba_predictions.ml_feature_store_v2"]
    result = run(profile, make_warehouse(data), "phase4")
    assert result.status is Status.FAIL
    assert "3 of 3" in result.findings[0].message


def test_one_query_per_table_whatever_the_range(profile, make_warehouse) -> None:
    warehouse = make_warehouse(full_day())
    for days in (1, 30):
        start = date(2026, 1, 1) if days == 30 else DAY
        ctx = Context(profile=profile, as_of=AS_OF, start=start, end=DAY, warehouse=warehouse)
        before = warehouse.stats.queries
        for check in checks_for(profile):
            ctx.cache.prefetch(check.queries(ctx))
            check.run(ctx)
        tables = sum(len(phase.tables) for phase in profile.phases)
        assert warehouse.stats.queries - before == tables  # each one joins the schedule
