"""completeness.<phase> on tiny warehouses: missing vs pending vs off-day, critical vs not."""

from __future__ import annotations

from dataclasses import dataclass
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


PENDING = (("LAL", "BOS", 3), ("NYK", "MIA", 2), ("GSW", "PHX", 1))
PRE_GAME = (("LAL", "BOS", 3), ("NYK", "MIA", 1))
SUMMARY = "nba_analytics.player_game_summary"
LINES = "nba_raw.odds_api_player_points_props"
FEATURES = "nba_predictions.ml_feature_store_v2"
PREDICTIONS = "nba_predictions.player_prop_predictions"


@dataclass(frozen=True)
class Case:
    """Copy a complete day, change one table, judge one phase: the status and what it says."""

    id: str
    phase: str
    status: Status
    games: tuple[tuple[str, str, int], ...] = tuple(GAMES)
    table: str | None = None  # the table changed
    holds: int | None = None  # it keeps the rows of its first `holds` games; None: no rows
    active: bool = True  # predictions' is_active on the kept rows
    day: date = DAY  # the date judged
    missing: tuple[str, ...] | None = None  # the changed table's missing games
    pending: int | None = None  # the changed (or summary) table's pending games
    says: tuple[str, ...] = ()  # in the summary, a finding or a remediation step


CASES = [
    *(
        Case(f"complete-{phase}", phase, Status.OK, says=("all 3 expected games present",))
        for phase in ("phase2", "phase3", "phase4", "phase5")
    ),
    Case(
        "final-game-missing-in-critical-table",
        "phase3",
        Status.FAIL,
        table=SUMMARY,
        holds=1,
        missing=("20260125_GSW_PHX", "20260125_NYK_MIA"),
        says=("20260125_NYK_MIA", "run_year_phase3.sh --start-date 2026-01-25"),
    ),
    Case("game-missing-in-non-critical-table", "phase2", Status.WARN, table=LINES, holds=2),
    Case(
        "in-progress-and-scheduled-games-are-pending",
        "phase3",
        Status.OK,
        games=PENDING,
        table=SUMMARY,
        holds=1,  # the final game only: what a complete post-game table holds
        missing=(),
        pending=2,
        says=("2 pending",),
    ),
    Case(
        "pre-game-tables-expect-games-not-final",
        "phase5",
        Status.FAIL,
        games=PRE_GAME,
        table=PREDICTIONS,
        holds=1,
        missing=("20260125_NYK_MIA",),
    ),
    Case(
        "inactive-predictions-do-not-count",
        "phase5",
        Status.FAIL,
        table=PREDICTIONS,
        holds=3,
        active=False,
    ),
    Case("off-day", "phase3", Status.OK, day=date(2026, 1, 24), says=("off-day",)),
    Case("table-empty-for-the-date", "phase4", Status.FAIL, table=FEATURES, says=("3 of 3",)),
]


def case_data(case: Case) -> dict[str, list[dict]]:
    games = list(case.games)
    data = full_day(games)
    if case.table is not None and case.holds is None:
        del data[case.table]
    elif case.table is not None:
        extra = {"is_active": case.active} if case.table == PREDICTIONS else {}
        data[case.table] = rows_for(games[: case.holds], **extra)
    return data


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_completeness_cases(profile, make_warehouse, case: Case) -> None:
    result = run(profile, make_warehouse(case_data(case)), case.phase, day=case.day)
    assert result.status is case.status, result.summary
    table = result.metrics.get("tables", {}).get(case.table or SUMMARY, {})
    if case.missing is not None:
        assert table["missing"] == list(case.missing)
    if case.pending is not None:
        assert len(table["pending"]) == case.pending
    text = [result.summary, *(f.message for f in result.findings), *result.remediation]
    for said in case.says:
        assert any(said in line for line in text), (said, text)
    if case.status is Status.FAIL and case.table is not None:
        assert result.findings[0].subject == case.table


def test_one_query_per_table_whatever_the_range(profile, make_warehouse) -> None:
    warehouse = make_warehouse(full_day())
    for days in (1, 30):
        start = date(2026, 1, 1) if days == 30 else DAY
        ctx = Context(profile=profile, as_of=AS_OF, start=start, end=DAY, warehouse=warehouse)
        before = warehouse.stats.queries
        for check in checks_for(profile):
            ctx.cache.prefetch(check.queries(ctx))
            check.run(ctx)
        # each check prefetches alone here: one statement for its phase's tables (they travel
        # together, the schedule read once), whatever the range
        assert warehouse.stats.queries - before == len(profile.phases)
