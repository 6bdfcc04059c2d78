"""Games per date: the schedule, and which game keys each phase table holds.

One statement per table covers the whole date range, so a day and a season cost the same
number of queries. Each statement filters on the table's partition (date) column.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from sqlglot import exp

from pipeval.identifiers import TableName
from pipeval.ports import Row
from pipeval.profile.model import PhaseTable, Profile
from pipeval.query import Context, Query
from pipeval.sqlkit import column, parse_expression, render

SCHEDULE_SQL = """
SELECT _e_date AS game_date, _e_key AS game_key, _e_status AS game_status
FROM _t_schedule
WHERE _e_date BETWEEN @range_start AND @range_end
"""

PRESENCE_SQL = """
SELECT _e_date AS game_date, _e_key AS game_key, COUNT(*) AS row_count
FROM _t_main
WHERE _e_date BETWEEN @range_start AND @range_end AND _e_filter
GROUP BY game_date, game_key
"""


@dataclass(frozen=True)
class Game:
    key: str
    status: int
    final: bool


@dataclass
class Schedule:
    games: dict[date, list[Game]] = field(default_factory=dict)

    def on(self, day: date) -> list[Game]:
        return self.games.get(day, [])


def schedule_query(profile: Profile, start: date, end: date) -> Query:
    spec = profile.schedule
    sql = _schedule_sql(spec.table, spec.date_column, spec.game_key, spec.status_column)
    return Query.of(sql, label="schedule", range_start=start, range_end=end)


# Every check asks for its queries twice (prefetch, then run) and a historical run once per
# date: the SQL text depends only on the profile's strings, so it is parsed and rendered once.
@lru_cache(maxsize=64)
def _schedule_sql(table: str, date_column: str, game_key: str, status_column: str) -> str:
    return render(
        SCHEDULE_SQL,
        {"schedule": TableName.parse(table)},
        {
            "date": column(date_column),
            "key": parse_expression(game_key, "schedule.game_key"),
            "status": column(status_column),
        },
    )


def read_schedule(rows: list[Row], final_status: int) -> Schedule:
    games: dict[date, dict[str, Game]] = defaultdict(dict)
    for row in rows:
        status = int(row["game_status"]) if row["game_status"] is not None else 0
        games[row["game_date"]][row["game_key"]] = Game(
            row["game_key"], status, status == final_status
        )
    return Schedule(
        {day: sorted(by_key.values(), key=lambda g: g.key) for day, by_key in games.items()}
    )


def load_schedule(ctx: Context) -> Schedule:
    """The context range's schedule, parsed once per run: completeness, orchestration and
    coverage all read the same statement."""
    query = schedule_query(ctx.profile, ctx.start, ctx.end)
    key = ("schedule", query.key())
    final = ctx.profile.schedule.final_status
    return ctx.memo_get(key, lambda: read_schedule(ctx.fetch(query), final))


def load_presence(ctx: Context, table: PhaseTable) -> dict[date, dict[str, int]]:
    """Games per date held by `table` over the context range, parsed once per run."""
    query = presence_query(table, ctx.start, ctx.end)
    key = ("presence", query.key())
    return ctx.memo_get(key, lambda: read_presence(ctx.fetch(query)))


def presence_query(table: PhaseTable, start: date, end: date) -> Query:
    sql = _presence_sql(table.table, table.date_column, table.game_key, table.filter)
    return Query.of(sql, label=f"presence:{table.table}", range_start=start, range_end=end)


@lru_cache(maxsize=128)
def _presence_sql(table: str, date_column: str, game_key: str, filter_text: str | None) -> str:
    where = f"{table}.filter"
    filter_expr = parse_expression(filter_text, where) if filter_text else exp.true()
    return render(
        PRESENCE_SQL,
        {"main": TableName.parse(table)},
        {
            "date": column(date_column),
            "key": parse_expression(game_key, f"{table}.game_key"),
            "filter": filter_expr,
        },
    )


def read_presence(rows: list[Row]) -> dict[date, dict[str, int]]:
    present: dict[date, dict[str, int]] = defaultdict(dict)
    for row in rows:
        present[row["game_date"]][row["game_key"]] = int(row["row_count"])
    return present


@dataclass(frozen=True)
class TableDay:
    """One table on one date: which expected games it holds and which are not due yet."""

    table: str
    critical: bool
    expects: str
    expected: tuple[str, ...]
    present: tuple[str, ...]
    missing: tuple[str, ...]
    pending: tuple[str, ...]
    rows: int

    @property
    def complete(self) -> bool:
        return not self.missing


def assess(table: PhaseTable, games: list[Game], present: dict[str, int]) -> TableDay:
    """Post-game tables expect final games only; the rest are pending, never missing."""
    if table.expects == "final":
        expected = [game.key for game in games if game.final]
        pending = [game.key for game in games if not game.final]
    else:
        expected = [game.key for game in games]
        pending = []
    return TableDay(
        table=table.table,
        critical=table.critical,
        expects=table.expects,
        expected=tuple(expected),
        present=tuple(key for key in expected if key in present),
        missing=tuple(key for key in expected if key not in present),
        pending=tuple(pending),
        rows=sum(present.get(key, 0) for key in expected),
    )
