"""Historical validation on tiny warehouses: matrix, cascade, plan, verify, query counts, SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

import pytest

from pipeval.adapters.dir_store import DirStore
from pipeval.clock import date_range
from pipeval.history.cascade import severity, window_days
from pipeval.history.matrix import Cell, classify
from pipeval.history.plan import DateRange, merge_ranges
from pipeval.metrics.games import TableDay
from pipeval.query import Context
from pipeval.report.heatmap import heat_strip, heatmap_svg
from pipeval.results import Status
from pipeval.suites.historical import run_historical, run_verify_backfill
from tests.builders import season_rows

START = date(2026, 1, 1)
DAYS = [d for d in date_range(START, date(2026, 2, 10)) if d.weekday() != 6]  # Sundays off
GAP = date(2026, 1, 12)
AS_OF = datetime(2026, 2, 11, 15, tzinfo=UTC)


@pytest.fixture
def ctx_for(profile, tmp_path):
    """Contexts on a warehouse; orchestration runs in historical too, and an empty state
    directory makes its completion documents missing."""
    state = DirStore(tmp_path)

    def make(warehouse, start: date, end: date) -> Context:
        return Context(
            profile=profile, as_of=AS_OF, start=start, end=end, warehouse=warehouse, state=state
        )

    return make


@pytest.fixture
def gap_warehouse(make_warehouse):
    return make_warehouse(
        season_rows(
            DAYS,
            drop={
                ("nba_analytics.player_game_summary", GAP): 2,
                ("nba_predictions.ml_feature_store_v2", GAP): 1,
            },
        )
    )


def test_matrix_statuses(profile, ctx_for, gap_warehouse) -> None:
    result = run_historical(
        ctx_for(gap_warehouse, date(2026, 1, 10), date(2026, 1, 13)),
        date(2026, 1, 10),
        date(2026, 1, 13),
    )
    matrix = result.to_dict()["historical"]["matrix"]
    by_date = {phase: {c["date"]: c for c in cells} for phase, cells in matrix.items()}
    # the summary table holds none of the day's games: the worst table decides the cell
    assert by_date["phase3"]["2026-01-12"]["status"] == "missing"
    assert by_date["phase4"]["2026-01-12"]["status"] == "partial"
    assert by_date["phase4"]["2026-01-12"]["present"] == 1
    assert by_date["phase3"]["2026-01-11"]["status"] == "off-day"
    assert by_date["phase2"]["2026-01-12"]["status"] == "complete"
    assert result.status is Status.FAIL


def test_gap_cascade_and_plan(profile, ctx_for, gap_warehouse) -> None:
    result = run_historical(
        ctx_for(gap_warehouse, date(2026, 1, 5), date(2026, 1, 20)),
        date(2026, 1, 5),
        date(2026, 1, 20),
    )
    document = result.to_dict()["historical"]
    (gap,) = document["gaps"]
    assert gap["date"] == "2026-01-12" and gap["phases"] == ["phase3", "phase4"]
    # 21 calendar days after the gap hold 18 game days (three Sundays off); the window reaches
    # past --end because the cascade does.
    assert gap["windows"]["long"]["days"] == 18 and gap["windows"]["long"]["last"] == "2026-02-02"
    assert gap["windows"]["L5"]["days"] == 5  # 01-13..01-17, Tuesday to Saturday
    assert gap["predictions_affected"] == 18 * 2 * 2  # 2 games × 2 players per day
    assert gap["severity"] == "medium"  # 72 predictions: 50..100
    steps = document["plan"]
    assert [s["action"] for s in steps] == [
        "re-run phase3",
        "re-run phase4",
        "re-run phase5",
        "verify",
    ]
    assert steps[0]["ranges"] == ["2026-01-12"]
    assert steps[1]["ranges"] == ["2026-01-12..2026-02-02"]
    assert "--start-date 2026-01-12 --end-date 2026-02-02" in steps[2]["command"][0]


def test_same_number_of_queries_for_3_and_30_dates(profile, ctx_for, gap_warehouse) -> None:
    counts = []
    for start, end in [
        (date(2026, 1, 10), date(2026, 1, 12)),
        (date(2026, 1, 1), date(2026, 1, 30)),
    ]:
        before = gap_warehouse.stats.queries
        run_historical(ctx_for(gap_warehouse, start, end), start, end)
        counts.append(gap_warehouse.stats.queries - before)
    assert counts[0] == counts[1]
    # one statement for the schedule, every phase table and the schedule's games (one row
    # each) that declarative checks judge per game + coverage's one statement (context,
    # predictions and their systems, lines, registry and aliases joined in it) + the jobs view
    # for the plan's quota estimate + one per table of the declarative checks
    declared = len({check.table for check in profile.checks})
    assert counts[0] == 1 + 1 + 1 + declared


def test_verify_backfill_fails_before_and_passes_after(
    profile, ctx_for, gap_warehouse, make_warehouse
) -> None:
    before = run_verify_backfill(ctx_for(gap_warehouse, GAP, GAP), GAP)
    items = {check.id: check for check in before.checks}
    assert items["backfill.day"].status is Status.FAIL
    assert items["backfill.day"].summary.startswith("FAIL")
    assert items["backfill.cascade"].status is Status.OK
    repaired = make_warehouse(season_rows(DAYS))
    after = run_verify_backfill(ctx_for(repaired, GAP, GAP), GAP)
    assert all(
        check.status is Status.OK for check in after.checks if check.id != "backfill.coverage"
    )
    assert {c.id for c in after.checks} == {"backfill.day", "backfill.cascade", "backfill.coverage"}


def test_verify_backfill_fails_when_the_cascade_is_still_broken(
    profile, ctx_for, make_warehouse
) -> None:
    later = date(2026, 1, 20)
    warehouse = make_warehouse(
        season_rows(DAYS, drop={("nba_predictions.ml_feature_store_v2", later): 1})
    )
    result = run_verify_backfill(ctx_for(warehouse, GAP, GAP), GAP)
    cascade = next(c for c in result.checks if c.id == "backfill.cascade")
    assert cascade.status is Status.FAIL and "2026-01-20" in cascade.summary


def _table(
    name: str,
    expected: int,
    present: int,
    missing: tuple[str, ...] = (),
    pending: tuple[str, ...] = (),
    critical: bool = True,
) -> TableDay:
    return TableDay(name, critical, "final", expected, present, missing, pending, 9)


@pytest.mark.parametrize(
    ("tables", "cell", "counts", "missing", "critical"),
    [
        ([_table("a", 0, 0), _table("b", 0, 0)], Cell.OFF, (0, 0), (), False),
        ([_table("a", 5, 5), _table("b", 4, 4)], Cell.COMPLETE, (5, 5), (), False),  # first
        ([_table("a", 5, 5), _table("b", 4, 3, ("g1",))], Cell.PARTIAL, (3, 4), ("g1",), True),
        ([_table("a", 2, 0, ("g1", "g2"))], Cell.MISSING, (0, 2), ("g1", "g2"), True),
        (
            [_table("a", 5, 5, critical=False), _table("b", 2, 1, ("g1",), critical=False)],
            Cell.PARTIAL,
            (1, 2),
            ("g1",),
            False,
        ),
        ([_table("a", 3, 3), _table("b", 3, 3, pending=("g9",))], Cell.PENDING, (3, 3), (), False),
    ],
)
def test_a_cell_is_its_worst_table(
    tables: list[TableDay],
    cell: Cell,
    counts: tuple[int, int],
    missing: tuple[str, ...],
    critical: bool,
) -> None:
    # The complete cell takes its counts from the first table, as ranking all-zero ratios does.
    found = classify("phase3", date(2026, 1, 5), tables)
    assert (found.cell, (found.present, found.expected)) == (cell, counts)
    assert (found.missing, found.critical_missing) == (missing, critical)


def test_cascade_window_at_season_end_and_off_days() -> None:
    game_days = {date(2026, 4, 10), date(2026, 4, 11), date(2026, 4, 12)}  # season ends 04-12
    assert window_days(date(2026, 4, 10), 21, game_days) == (date(2026, 4, 11), date(2026, 4, 12))
    assert window_days(date(2026, 4, 12), 21, game_days) == ()
    with_off_day = {date(2025, 12, 23), date(2025, 12, 25), date(2025, 12, 26)}
    assert window_days(date(2025, 12, 23), 2, with_off_day) == (date(2025, 12, 25),)


def test_merge_ranges_across_off_days_only() -> None:
    game_days = {date(2025, 12, d) for d in (22, 23, 25, 26, 27)}
    merged = merge_ranges({date(2025, 12, 23), date(2025, 12, 25), date(2025, 12, 27)}, game_days)
    assert merged == [
        DateRange(date(2025, 12, 23), date(2025, 12, 25)),
        DateRange(date(2025, 12, 27), date(2025, 12, 27)),
    ]
    assert merge_ranges(set(), game_days) == []


@pytest.mark.parametrize(
    ("count", "level"), [(0, "low"), (49, "low"), (50, "medium"), (100, "medium"), (101, "high")]
)
def test_severity_thresholds_from_profile(profile, count: int, level: str) -> None:
    assert severity(count, profile.historical) == level


def test_svg_is_well_formed_and_names_every_phase_and_date() -> None:
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(5)]
    matrix = {
        phase: [
            {"date": d.isoformat(), "status": s}
            for d, s in zip(
                days, ["complete", "partial", "missing", "pending", "off-day"], strict=True
            )
        ]
        for phase in ("phase2", "phase3", "coverage.predictions")
    }
    root = ET.fromstring(heatmap_svg(matrix, "t"))
    texts = {node.text for node in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"phase2", "phase3", "coverage.predictions"} <= texts
    assert {d.isoformat() for d in days} <= texts
    svg = "{http://www.w3.org/2000/svg}"
    cells = [r for r in root.iter(f"{svg}rect") if r.find(f"{svg}title") is not None]
    assert len(cells) == 3 * 5 and len({r.get("fill") for r in cells}) == 5
    assert {"complete", "missing", "off-day"} <= texts  # the legend
    assert heat_strip(matrix)[0].endswith("🟩🟨🟥⬜·")
