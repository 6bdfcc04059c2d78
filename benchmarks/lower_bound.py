"""The lower bound: the minimal hand-written DuckDB SQL that computes the counts pipeval reports.

One aggregate per table over the whole range, read with a bare DuckDB cursor: no profile, no
parsing or transpiling, no row dictionaries, no checks. The completion documents are read with
`json`. `tally` turns the rows into the numbers pipeval's daily report shows, so the benchmark
can prove both sides computed the same thing before it compares their times.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

FINAL = 3

SCHEDULE = "nba_raw.nbac_schedule"
# table -> what its games are expected to be (post-game tables only hold final games)
GAME_TABLES: dict[str, str] = {
    "nba_raw.nbac_gamebook_player_stats": "final",
    "nba_raw.odds_api_player_points_props": "scheduled",
    "nba_analytics.player_game_summary": "final",
    "nba_analytics.upcoming_player_game_context": "scheduled",
    "nba_predictions.ml_feature_store_v2": "scheduled",
    "nba_predictions.player_prop_predictions": "scheduled",
}
EXPECTED_PLAYERS = "nba_analytics.upcoming_player_game_context"
PREDICTIONS = "nba_predictions.player_prop_predictions"
STATE_COLLECTIONS = ("phase3_completion", "phase4_completion")

SCHEDULE_SQL = """
SELECT game_date, strftime(game_date, '%Y%m%d') || '_' || away_team_tricode || '_'
       || home_team_tricode AS game_key, game_status
FROM nba_raw.nbac_schedule WHERE game_date BETWEEN $start AND $end
"""
# One statement per table: games (and players, where coverage needs them) per date.
TABLE_SQL: dict[str, str] = {
    "nba_raw.nbac_gamebook_player_stats": """
        SELECT game_date, game_id, NULL AS player, COUNT(*) AS n
        FROM nba_raw.nbac_gamebook_player_stats
        WHERE game_date BETWEEN $start AND $end GROUP BY ALL""",
    "nba_raw.odds_api_player_points_props": """
        SELECT game_date, game_id, player_lookup AS player, COUNT(*) AS n
        FROM nba_raw.odds_api_player_points_props
        WHERE game_date BETWEEN $start AND $end GROUP BY ALL""",
    "nba_analytics.player_game_summary": """
        SELECT game_date, game_id, NULL AS player, COUNT(*) AS n
        FROM nba_analytics.player_game_summary
        WHERE game_date BETWEEN $start AND $end GROUP BY ALL""",
    "nba_analytics.upcoming_player_game_context": """
        SELECT game_date, game_id, player_lookup AS player, COUNT(*) AS n
        FROM nba_analytics.upcoming_player_game_context
        WHERE game_date BETWEEN $start AND $end GROUP BY ALL""",
    "nba_predictions.ml_feature_store_v2": """
        SELECT game_date, game_id, NULL AS player, COUNT(*) AS n
        FROM nba_predictions.ml_feature_store_v2
        WHERE game_date BETWEEN $start AND $end GROUP BY ALL""",
    # Players per game, plus players per system and date (per-system parity) in one statement.
    "nba_predictions.player_prop_predictions": """
        SELECT game_date, game_id, player_lookup AS player, system_id,
               COUNT(DISTINCT player_lookup) AS systems_players, COUNT(*) AS n
        FROM nba_predictions.player_prop_predictions
        WHERE game_date BETWEEN $start AND $end AND is_active
        GROUP BY GROUPING SETS ((game_date, game_id, player_lookup), (game_date, system_id))""",
}
REFERENCE_SQL = (
    "SELECT DISTINCT player_lookup, universal_player_id FROM nba_reference.nba_players_registry",
    "SELECT DISTINCT alias_lookup, nba_canonical_lookup FROM nba_reference.player_aliases",
)
JOBS_SQL = """
SELECT destination_table.dataset_id, destination_table.table_id, job_type, statement_type,
       state, error_result.reason, date_trunc('hour', creation_time) AS hour, COUNT(*) AS jobs,
       SUM(COALESCE(total_modified_partitions, 0)) AS partitions
FROM bq_meta.jobs_by_project
WHERE creation_time >= $since AND creation_time < $as_of
GROUP BY ALL
"""
STAGING_SQL = """
SELECT dataset_id, table_id, creation_time FROM bq_meta.tables
WHERE starts_with(table_id, '_staging_') AND creation_time <= $as_of
"""
JOBS_LOOKBACK = timedelta(days=7)


@dataclass
class Rows:
    """What the statements returned, kept as DuckDB gave it (tuples)."""

    schedule: list[tuple[Any, ...]] = field(default_factory=list)
    tables: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    reference: list[list[tuple[Any, ...]]] = field(default_factory=list)
    jobs: list[tuple[Any, ...]] = field(default_factory=list)
    staging: list[tuple[Any, ...]] = field(default_factory=list)
    documents: dict[tuple[str, date], dict[str, Any]] = field(default_factory=dict)
    queries: int = 0


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(warehouse), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    return con


def read_range(
    con: duckdb.DuckDBPyConnection,
    state: Path,
    start: date,
    end: date,
    as_of: datetime,
    daily: bool = False,
) -> Rows:
    """Every statement once for the range; `daily` adds what only the daily suite reads."""
    rows = Rows()
    bounds = {"start": start, "end": end}
    rows.schedule = con.execute(SCHEDULE_SQL, bounds).fetchall()
    rows.tables = {table: con.execute(sql, bounds).fetchall() for table, sql in TABLE_SQL.items()}
    rows.reference = [con.execute(sql).fetchall() for sql in REFERENCE_SQL]
    naive = as_of.replace(tzinfo=None)
    rows.jobs = con.execute(JOBS_SQL, {"since": naive - JOBS_LOOKBACK, "as_of": naive}).fetchall()
    rows.queries = 3 + len(TABLE_SQL) + len(REFERENCE_SQL)
    if daily:
        rows.staging = con.execute(STAGING_SQL, {"as_of": naive}).fetchall()
        rows.queries += 1
    game_days = sorted({row[0] for row in rows.schedule})
    rows.documents = read_documents(state, game_days)
    return rows


def read_documents(state: Path, days: list[date]) -> dict[tuple[str, date], dict[str, Any]]:
    documents = {}
    for collection in STATE_COLLECTIONS:
        for day in days:
            path = state / collection / f"{day.isoformat()}.json"
            if path.is_file():
                documents[(collection, day)] = json.loads(path.read_text("utf-8"))
    return documents


@dataclass(frozen=True)
class TableCounts:
    expected: int
    present: int
    rows: int


@dataclass(frozen=True)
class DayCounts:
    """The numbers pipeval's daily report shows for one date."""

    tables: dict[str, TableCounts]
    covered: int
    expected_players: int


def tally(rows: Rows) -> dict[date, DayCounts]:
    """Every date's counts in one pass over the rows."""
    games: dict[date, list[tuple[str, int]]] = defaultdict(list)
    for game_date, key, status in rows.schedule:
        games[game_date].append((key, status))
    held: dict[tuple[str, date], dict[str, int]] = {}
    players: dict[tuple[str, date], set[str]] = {}
    for table, table_rows in rows.tables.items():
        keep_players = table in (EXPECTED_PLAYERS, PREDICTIONS)
        for row in table_rows:
            game = row[1]
            if game is None:  # a per-system total of the predictions statement
                continue
            key = (table, row[0])
            counts = held.get(key)
            if counts is None:
                counts = held[key] = {}
            counts[game] = counts.get(game, 0) + row[-1]
            if keep_players:
                found = players.get(key)
                if found is None:
                    found = players[key] = set()
                found.add(row[2])
    days = sorted({day for _, day in held} | set(games))
    return {day: _day_counts(day, games.get(day, []), held, players) for day in days}


def _day_counts(
    day: date,
    games: list[tuple[str, int]],
    held: dict[tuple[str, date], dict[str, int]],
    players: dict[tuple[str, date], set[str]],
) -> DayCounts:
    finals = {key for key, status in games if status == FINAL}
    scheduled = {key for key, _ in games}
    tables = {}
    for table, expects in GAME_TABLES.items():
        expected = finals if expects == "final" else scheduled
        counts = held.get((table, day), {})
        present = expected & counts.keys()
        tables[table] = TableCounts(len(expected), len(present), sum(counts[k] for k in present))
    expected_players = players.get((EXPECTED_PLAYERS, day), set())
    covered = expected_players & players.get((PREDICTIONS, day), set())
    return DayCounts(tables, len(covered), len(expected_players))


def nothing_on_date() -> DayCounts:
    """An off-day with no rows anywhere."""
    return DayCounts({table: TableCounts(0, 0, 0) for table in GAME_TABLES}, 0, 0)
