"""Games per date: the schedule, and how many of each date's games each phase table holds.

One statement per table covers the whole date range, so a day and a season cost the same
number of queries, and each returns per-date aggregates plus the exception rows only (the games
a table lacks, the games not final yet): what crosses the wire does not grow with the rows a
table holds. Each statement filters every table it reads on its partition (date) column. The
SQL is games_batch.py's: a statement sent on its own is the batch of that one member.

The schedule's, the per-game list's and every table's presence statements over one range say
how to travel together (`Batch`, games_batch.py): a run that asks for several sends one
statement (the schedule read once) and the query cache splits its rows back into each
statement's own answer; when that statement fails (a missing table, a bad column), each is sent
on its own, so a broken table fails only its own checks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from datetime import date

from pipeval.metrics.games_batch import (
    GAMES,
    GAMES_COLUMNS,
    PRESENCE_COLUMNS,
    SCHEDULE,
    SCHEDULE_COLUMNS,
    TablePart,
    alone_sql,
    batch,
)
from pipeval.ports import Row
from pipeval.profile.model import PhaseTable, Profile
from pipeval.query import Context, Query


@dataclass(frozen=True)
class Game:
    key: str
    final: bool


@dataclass
class Schedule:
    """Games and final games per date, and the keys of the games not final yet."""

    games: dict[date, int] = field(default_factory=dict)
    finals: dict[date, int] = field(default_factory=dict)
    not_final: dict[date, set[str]] = field(default_factory=dict)
    # Schedule games whose key is NULL (e.g. a NULL tricode in the key expression), per date:
    # they match no phase table, so they are counted apart and reported, never judged.
    null_keys: dict[date, int] = field(default_factory=dict)

    def games_on(self, day: date) -> int:
        return self.games.get(day, 0)

    def is_final(self, day: date, key: str) -> bool:
        """A game the schedule does not know is not pending: only known unfinished games are."""
        return key not in self.not_final.get(day, set())


def schedule_query(profile: Profile, start: date, end: date) -> Query:
    return _member_query(profile, start, end, SCHEDULE, SCHEDULE_COLUMNS, "schedule")


def _member_query(
    profile: Profile,
    start: date,
    end: date,
    member: Hashable,
    columns: tuple[str, ...],
    label: str,
) -> Query:
    """One member's statement over the profile's schedule and the range: sent alone, the batch
    of that member (games_batch.alone_sql); asked with others of its group, combined."""
    spec = profile.schedule
    schedule = (spec.table, spec.date_column, spec.game_key, spec.status_column)
    query = Query.of(
        alone_sql(*schedule, member, columns),
        label=label,
        range_start=start,
        range_end=end,
        final_status=spec.final_status,
    )
    return replace(query, batch=batch(spec, start, end, member, columns))


def read_schedule(rows: list[Row]) -> Schedule:
    schedule = Schedule()
    for row in rows:
        day = row["game_date"]
        if row["game_key"] is None:
            schedule.games[day] = int(row["games"])
            schedule.finals[day] = int(row["finals"] or 0)
            if row.get("null_keys"):
                schedule.null_keys[day] = int(row["null_keys"])
        else:
            schedule.not_final.setdefault(day, set()).add(row["game_key"])
    return schedule


def load_schedule(ctx: Context) -> Schedule:
    """The context range's schedule, parsed once per run: orchestration and coverage read the
    same statement."""
    query = schedule_query(ctx.profile, ctx.start, ctx.end)
    return ctx.memo_get(("schedule", query.key()), lambda: read_schedule(ctx.fetch(query)))


def games_query(profile: Profile, start: date, end: date) -> Query:
    # One row per scheduled game: only for checks that judge each game (`per: game`).
    return _member_query(profile, start, end, GAMES, GAMES_COLUMNS, "games")


def load_games(ctx: Context) -> dict[date, list[Game]]:
    """Each date's games sorted by key, parsed once per run."""
    query = games_query(ctx.profile, ctx.start, ctx.end)

    def compute() -> dict[date, list[Game]]:
        games: dict[date, list[Game]] = defaultdict(list)
        for row in ctx.fetch(query):
            games[row["game_date"]].append(Game(row["game_key"], bool(row["final"])))
        return {day: sorted(found, key=lambda g: g.key) for day, found in games.items()}

    return ctx.memo_get(("games", query.key()), compute)


@dataclass(frozen=True)
class DayCounts:
    """One table on one date, as the warehouse aggregated it."""

    games: int
    finals: int
    present_all: int
    present_final: int
    rows_all: int
    rows_final: int
    rows_written: int  # every row for the date, of a scheduled game or not


NO_GAMES = DayCounts(0, 0, 0, 0, 0, 0, 0)


@dataclass(frozen=True)
class FlaggedGame:
    key: str
    final: bool
    held: bool


@dataclass
class Presence:
    """Per date: a table's aggregates and its exception games (lacking, or not final yet)."""

    days: dict[date, DayCounts] = field(default_factory=dict)
    exceptions: dict[date, list[FlaggedGame]] = field(default_factory=dict)
    # Schedule games whose key is NULL, per date: they match no row of the table, so they are
    # counted apart (a finding), never judged present or missing.
    null_keys: dict[date, int] = field(default_factory=dict)


def presence_query(profile: Profile, table: PhaseTable, start: date, end: date) -> Query:
    member = TablePart(table.table, table.date_column, table.game_key, table.filter)
    return _member_query(profile, start, end, member, PRESENCE_COLUMNS, f"presence:{table.table}")


def read_presence(rows: list[Row]) -> Presence:
    presence = Presence()
    exceptions: dict[date, list[FlaggedGame]] = defaultdict(list)
    for row in rows:
        day = row["game_date"]
        if row["game_key"] is None:
            presence.days[day] = DayCounts(
                int(row["games"]),
                int(row["finals"] or 0),
                int(row["present_all"]),
                int(row["present_final"] or 0),
                int(row["rows_all"]),
                int(row["rows_final"]),
                int(row["rows_written"]),
            )
            if row.get("null_keys"):
                presence.null_keys[day] = int(row["null_keys"])
        else:
            exceptions[day].append(
                FlaggedGame(row["game_key"], bool(row["final"]), bool(row["held"]))
            )
    presence.exceptions = {
        day: sorted(found, key=lambda e: e.key) for day, found in exceptions.items()
    }
    return presence


def load_presence(ctx: Context, table: PhaseTable) -> Presence:
    """`table`'s games per date over the context range, parsed once per run."""

    def read() -> Presence:
        return read_presence(ctx.fetch(presence_query(ctx.profile, table, ctx.start, ctx.end)))

    # Keyed on what the statement is made of (the schedule is the profile's own), not on the
    # statement: the checks ask per table and date, ~1,500 times a season, and building the
    # query to key on it cost more than the answer.
    shape = (table.table, table.date_column, table.game_key, table.filter)
    return ctx.memo_get(("presence", shape, ctx.start, ctx.end), read)


# Not frozen: one per table and date of a season (~1,000), and a frozen __init__ costs more
# than twice a plain one. Nothing mutates a TableDay.
@dataclass
class TableDay:
    """One table on one date: how many expected games it holds, which it lacks, which are not
    due yet (counts for the complete part, keys for the exceptions)."""

    table: str
    critical: bool
    expects: str
    expected: int
    present: int
    missing: tuple[str, ...]
    pending: tuple[str, ...]
    rows: int

    @property
    def complete(self) -> bool:
        return not self.missing


def assess(table: PhaseTable, presence: Presence, day: date) -> TableDay:
    """Post-game tables expect final games only; the rest are pending, never missing."""
    counts = presence.days.get(day, NO_GAMES)
    exceptions = presence.exceptions.get(day, [])
    if table.expects == "final":
        expected, present, rows = counts.finals, counts.present_final, counts.rows_final
        missing = tuple(e.key for e in exceptions if e.final and not e.held)
        pending = tuple(e.key for e in exceptions if not e.final)
    else:
        expected, present, rows = counts.games, counts.present_all, counts.rows_all
        missing = tuple(e.key for e in exceptions if not e.held)
        pending = ()
    return TableDay(
        table=table.table,
        critical=table.critical,
        expects=table.expects,
        expected=expected,
        present=present,
        missing=missing,
        pending=pending,
        rows=rows,
    )
