"""The phase tables' presence statements, the schedule's and the per-game list's travel as one
statement (metrics/games.py `batch_query`, split back by the query cache), and a table that
cannot be read still fails only its own checks: the parts are then sent on their own."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pipeval.adapters.duckdb_warehouse import DuckDBWarehouse
from pipeval.metrics.games import games_query, presence_query, schedule_query
from pipeval.profile import Profile
from pipeval.query import Combined, Context, Query, combine
from pipeval.suites.daily import run_daily
from tests.builders import season_rows

DAY = date(2026, 1, 20)
AS_OF = datetime(2026, 1, 21, 15, tzinfo=UTC)
FEATURES = "nba_predictions.ml_feature_store_v2"
PREDICTIONS = "nba_predictions.player_prop_predictions"


def every_statement(profile: Profile, start: date, end: date) -> list[Query]:
    tables = [table for phase in profile.phases for table in phase.tables]
    return [
        *(presence_query(profile, table, start, end) for table in tables),
        schedule_query(profile, start, end),
        games_query(profile, start, end),
    ]


def with_filter(profile: Profile, table: str, text: str) -> Profile:
    """The profile with `text` as `table`'s filter (vetted like any, failing only at run)."""
    phases = [
        dataclasses.replace(
            phase,
            tables=[
                dataclasses.replace(t, filter=text) if t.table == table else t for t in phase.tables
            ],
        )
        for phase in profile.phases
    ]
    return dataclasses.replace(profile, phases=phases)


def _rows_key(row: dict) -> tuple[str, ...]:
    return tuple(str(value) for value in row.values())


@pytest.mark.parametrize(
    "span",
    [(date(2025, 12, 1), date(2026, 1, 31)), (date(2026, 1, 26), date(2026, 1, 26))],
)
def test_each_part_reads_exactly_what_its_own_statement_returns(
    sample_dir: Path, profile: Profile, span: tuple[date, date]
) -> None:
    """Over the sample (its incidents: missing games, pending games), the combined statement's
    rows split back into each statement's own rows, values and Python types alike."""
    queries = every_statement(profile, *span)
    (unit,) = combine(queries)
    assert isinstance(unit, Combined) and unit.parts == tuple(queries)
    warehouse = DuckDBWarehouse(sample_dir / "warehouse.duckdb")
    try:
        split = unit.split(warehouse.query(unit.query.sql, unit.query.bound()).rows)
        assert split is not None
        for query in queries:
            own = sorted(warehouse.query(query.sql, query.bound()).rows, key=_rows_key)
            mine = sorted(split[query.key()], key=_rows_key)
            assert own and mine == own, query.label
            for theirs, ours in zip(own, mine, strict=True):
                assert [type(v) for v in ours.values()] == [type(v) for v in theirs.values()]
    finally:
        warehouse.close()


def test_combine_groups_by_schedule_and_range_and_leaves_the_rest(profile: Profile) -> None:
    other = Query.of("SELECT 1 AS x", "other")
    day, later = every_statement(profile, DAY, DAY), every_statement(profile, DAY, date(2026, 2, 1))
    units = combine([other, *day[:3], later[0], *day[3:]])
    # the other query first, as asked; one statement per range; a range asked once goes alone
    assert units[0] == other
    assert isinstance(units[1], Combined) and units[2] == later[0] and len(units) == 3
    assert set(units[1].parts) == set(day)
    assert "nba_predictions.player_prop_predictions" in units[1].query.sql
    assert units[1].query.bound() == {"range_start": DAY, "range_end": DAY, "final_status": 3}
    assert combine([day[0]]) == [day[0]]


def test_rows_that_name_no_part_are_not_taken_for_an_answer(profile: Profile) -> None:
    (unit,) = combine(every_statement(profile, DAY, DAY))
    assert isinstance(unit, Combined)
    assert unit.split([{"game_date": DAY, "game_key": None}]) is None  # no `part`
    assert unit.split([{"part": 99, "game_date": DAY}]) is None
    assert unit.split([]) == {part.key(): [] for part in unit.parts}


def _daily(profile: Profile, warehouse: DuckDBWarehouse, checks: str):  # type: ignore[no-untyped-def]
    ctx = Context(profile, AS_OF, DAY, DAY, warehouse)
    return run_daily(ctx, DAY, checks)


def test_a_healthy_run_sends_one_statement_for_every_phase_table(
    profile: Profile, make_warehouse
) -> None:
    warehouse = make_warehouse(season_rows([DAY], drop={(PREDICTIONS, DAY): 1}))
    result = _daily(profile, warehouse, "completeness,coverage,orchestration")
    # completeness, the coverage chain and orchestration's cross-check read the same statement
    # and the schedule travels in it: no other statement reads the schedule
    reading = [sql for sql in warehouse.stats.sent if "nbac_schedule" in sql]
    assert len(reading) == 1 and PREDICTIONS in reading[0] and FEATURES in reading[0]
    checks = {check.id: check for check in result.checks}
    assert checks["completeness.phase5"].status.value == "FAIL"
    assert checks["completeness.phase5"].metrics["tables"][PREDICTIONS]["missing"] == [
        "20260120_LAL_BOS"
    ]
    completeness = _daily(profile, make_warehouse(season_rows([DAY])), "completeness")
    assert completeness.stats["queries"] == 1
    # nothing fell back: the counter says so, and so does every report (no line)
    for healthy in (result, completeness):
        assert (healthy.stats["fallbacks"], healthy.stats["fallback_reasons"]) == (0, [])


@pytest.mark.parametrize(
    ("broken", "phase", "error"),
    [
        ("missing", "completeness.phase4", "does not exist"),
        ("filter", "completeness.phase5", "no_such_column"),
    ],
)
def test_a_broken_table_fails_only_its_own_phase(
    profile: Profile, make_warehouse, broken: str, phase: str, error: str
) -> None:
    """The combined statement fails as a whole (a missing table, a filter on a column the table
    lacks), so each part is sent on its own and only the broken table's checks are ERROR, with
    its own statement's error, exactly as when every table had its own statement."""
    skip = [FEATURES] if broken == "missing" else []
    if broken == "filter":
        profile = with_filter(profile, PREDICTIONS, "no_such_column = 1")
    warehouse = make_warehouse(season_rows([DAY]), skip=skip)
    result = _daily(profile, warehouse, "completeness")
    statuses = {check.id: check.status.value for check in result.checks}
    assert statuses.pop(phase) == "ERROR"
    assert set(statuses.values()) == {"OK"} and len(statuses) == 3
    summary = next(check.summary for check in result.checks if check.id == phase)
    table = FEATURES if broken == "missing" else PREDICTIONS
    assert f"query failed (presence:{table})" in summary and error in summary
    # the combined statement's failure is counted, with its own error's first line
    assert result.stats["fallbacks"] == 1
    (reason,) = result.stats["fallback_reasons"]
    assert reason.startswith("query failed (presence): ") and error in reason
    # the combined statement, then the six phase tables' own
    own = [query.sql for query in every_statement(profile, DAY, DAY)[:6]]
    assert warehouse.stats.sent[0].startswith("WITH games AS")
    assert sorted(warehouse.stats.sent[1:]) == sorted(own)
