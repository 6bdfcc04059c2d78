"""Guards for the benchmark-driven optimisations: rows decode only where a type needs it, and a
historical run sends the same statements whatever the range holds."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from pipeval.adapters.dir_store import DirStore
from pipeval.adapters.duckdb_warehouse import DuckDBWarehouse
from pipeval.query import Context
from pipeval.results import SuiteResult
from pipeval.suites.historical import run_historical


def _warehouse(path: Path) -> DuckDBWarehouse:
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA d")
    con.execute(
        "CREATE TABLE d.t AS SELECT 'x' AS s, 7::BIGINT AS n, DATE '2026-01-26' AS day, "
        "TIMESTAMP '2026-01-26 15:00:00' AS at, 1.25::DECIMAL(5, 2) AS price, "
        "[TIMESTAMP '2026-01-26 01:00:00'] AS stamps, {'reason': 'quotaExceeded', "
        "'n': 2.50::DECIMAL(4, 2)} AS error, true AS flag, 0.5::DOUBLE AS share"
    )
    con.close()
    return DuckDBWarehouse(path)


def test_rows_decode_only_the_types_that_need_it(tmp_path: Path) -> None:
    warehouse = _warehouse(tmp_path / "w.duckdb")
    (row,) = warehouse.query("SELECT * FROM d.t").rows
    warehouse.close()
    assert row == {
        "s": "x",
        "n": 7,
        "day": date(2026, 1, 26),
        "at": datetime(2026, 1, 26, 15, tzinfo=UTC),
        "price": 1.25,
        "stamps": [datetime(2026, 1, 26, 1, tzinfo=UTC)],
        "error": {"reason": "quotaExceeded", "n": 2.5},
        "flag": True,
        "share": 0.5,
    }
    assert type(row["price"]) is float and type(row["day"]) is date
    assert row["at"].tzinfo is UTC and row["stamps"][0].tzinfo is UTC


# The sample's two months, judged the morning after.
TWO_MONTHS = (date(2025, 12, 1), date(2026, 1, 31))


def _historical(
    sample_dir: Path, profile, warehouse: DuckDBWarehouse, span: tuple[date, date] = TWO_MONTHS
) -> SuiteResult:
    """`historical` over `span` on `warehouse` (closed after), as of 2026-02-01 15:00Z."""
    start, end = span
    ctx = Context(
        profile=profile,
        as_of=datetime(2026, 2, 1, 15, tzinfo=UTC),
        start=start,
        end=end,
        warehouse=warehouse,
        state=DirStore(sample_dir / "state"),
    )
    try:
        return run_historical(ctx, start, end)
    finally:
        warehouse.close()


def _statements(sample_dir: Path, profile, start: date, end: date) -> list[str]:
    warehouse = DuckDBWarehouse(sample_dir / "warehouse.duckdb")
    result = _historical(sample_dir, profile, warehouse, (start, end))
    assert result.stats["queries"] == len(warehouse.stats.sent)
    return sorted(warehouse.stats.sent)


def test_a_clean_week_and_a_range_with_gaps_send_the_same_statements(
    sample_dir: Path, profile
) -> None:
    # 2026-01-01..07 has no gap (no plan, no quota estimate); the whole sample has 01-25/26.
    clean = _statements(sample_dir, profile, date(2026, 1, 1), date(2026, 1, 7))
    gaps = _statements(sample_dir, profile, *TWO_MONTHS)
    assert clean == gaps
    assert any("JOBS_BY_PROJECT" in sql for sql in clean)


def _historical_rows(sample_dir: Path, profile) -> tuple[int, int]:
    warehouse = DuckDBWarehouse(sample_dir / "warehouse.duckdb")
    result = _historical(sample_dir, profile, warehouse)
    return result.stats["rows_fetched"], warehouse.stats.rows_fetched


def test_declarative_checks_fetch_per_date_and_per_game_aggregates(
    sample_dir: Path, profile
) -> None:
    """The profile's `checks:` add, per check, one row per date (or per game for `per: game`)
    and at most a few subjects per date: bounded by checks x dates, never by players."""
    from pipeval.metrics.declarative import SUBJECTS_LISTED

    with_checks, _ = _historical_rows(sample_dir, profile)
    without, _ = _historical_rows(sample_dir, dataclasses.replace(profile, checks=[]))
    con = duckdb.connect(str(sample_dir / "warehouse.duckdb"), read_only=True)
    (games,) = con.execute("SELECT COUNT(*) FROM nba_raw.nbac_schedule").fetchone()
    con.close()
    days = 62 + max(c.baseline_days for c in profile.checks if c.kind == "drift")
    per_game = sum(1 for c in profile.checks if c.per == "game")
    bound = len(profile.checks) * days * (1 + SUBJECTS_LISTED) + per_game * games + games
    assert 0 < with_checks - without <= bound


def test_only_aggregates_and_exception_rows_cross_the_wire(sample_dir: Path, profile) -> None:
    """Per-date counts and the exceptions (missing games, uncovered players), never a row per
    player per date: the whole sample fetches far fewer rows than it has players in context.
    (The declarative checks' per-check aggregates are bounded by the test above.)"""
    fetched, counted = _historical_rows(sample_dir, dataclasses.replace(profile, checks=[]))
    con = duckdb.connect(str(sample_dir / "warehouse.duckdb"), read_only=True)
    (player_days,) = con.execute(
        "SELECT COUNT(*) FROM (SELECT DISTINCT game_date, player_lookup "
        "FROM nba_analytics.upcoming_player_game_context)"
    ).fetchone()
    con.close()
    assert fetched == counted > 0
    assert fetched * 5 < player_days


class _RowsByLabel(DuckDBWarehouse):
    """The embedded warehouse, counting the rows each statement label brought back."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.rows_by_label: dict[str, int] = {}

    def query(self, sql, params=None, label="", check=""):  # type: ignore[no-untyped-def]
        result = super().query(sql, params, label, check)
        self.rows_by_label[label] = self.rows_by_label.get(label, 0) + len(result.rows)
        return result


def test_declarative_statements_send_figures_only_for_dates_that_may_fail(
    sample_dir: Path, profile
) -> None:
    """Thresholds are judged in the warehouse: over the sample's two months the `checks:`
    statements send one row per check for its passing dates, the figures of the dates that
    may fail, and every date of the drift (baseline) and freshness checks: far fewer rows than
    one per check and date, let alone one per check, date and game."""
    warehouse = _RowsByLabel(sample_dir / "warehouse.duckdb")
    start, end = TWO_MONTHS
    result = _historical(sample_dir, profile, warehouse)
    sent = sum(n for label, n in warehouse.rows_by_label.items() if label.startswith("checks:"))
    days = (end - start).days + 1
    in_python = [c for c in profile.checks if c.kind in ("drift", "freshness")]
    lookback = max(c.baseline_days for c in profile.checks if c.kind == "drift")
    not_ok = sum(
        status != "OK"
        for check in result.checks
        if check.id in {c.id for c in profile.checks}
        for status in check.metrics["dates"].values()
    )
    assert not_ok > 0  # the sample's incidents fail some dates
    assert sent <= len(profile.checks) + len(in_python) * (days + lookback + 1) + 30 * not_ok
    assert sent * 4 < len(profile.checks) * days
