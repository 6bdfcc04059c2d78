"""The in-database floor: the fewest hand-written statements that compute, inside DuckDB, the
per-date answers pipeval's reports hold (every phase table's expected games, games present and
their rows; expected and covered players). Two statements for any range, a few rows per date
back: what is left of pipeval's time above this is its own overhead.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import duckdb

from benchmarks.lower_bound import DayCounts, TableCounts

GAMES_SQL = """
WITH games AS (
  SELECT game_date,
         strftime(game_date, '%Y%m%d') || '_' || away_team_tricode || '_' || home_team_tricode
           AS game_key,
         max(CASE WHEN game_status = 3 THEN 1 ELSE 0 END) AS final
  FROM nba_raw.nbac_schedule WHERE game_date BETWEEN $start AND $end GROUP BY ALL
), held AS (
  SELECT 'nba_raw.nbac_gamebook_player_stats' AS tbl, game_date, game_id AS game_key,
         count(*) AS n
  FROM nba_raw.nbac_gamebook_player_stats WHERE game_date BETWEEN $start AND $end GROUP BY ALL
  UNION ALL
  SELECT 'nba_raw.odds_api_player_points_props', game_date, game_id, count(*)
  FROM nba_raw.odds_api_player_points_props WHERE game_date BETWEEN $start AND $end GROUP BY ALL
  UNION ALL
  SELECT 'nba_analytics.player_game_summary', game_date, game_id, count(*)
  FROM nba_analytics.player_game_summary WHERE game_date BETWEEN $start AND $end GROUP BY ALL
  UNION ALL
  SELECT 'nba_analytics.upcoming_player_game_context', game_date, game_id, count(*)
  FROM nba_analytics.upcoming_player_game_context
  WHERE game_date BETWEEN $start AND $end GROUP BY ALL
  UNION ALL
  SELECT 'nba_predictions.ml_feature_store_v2', game_date, game_id, count(*)
  FROM nba_predictions.ml_feature_store_v2 WHERE game_date BETWEEN $start AND $end GROUP BY ALL
  UNION ALL
  SELECT 'nba_predictions.player_prop_predictions', game_date, game_id, count(*)
  FROM nba_predictions.player_prop_predictions
  WHERE game_date BETWEEN $start AND $end AND is_active GROUP BY ALL
), tables(tbl, final_only) AS (
  VALUES ('nba_raw.nbac_gamebook_player_stats', true),
         ('nba_raw.odds_api_player_points_props', false),
         ('nba_analytics.player_game_summary', true),
         ('nba_analytics.upcoming_player_game_context', false),
         ('nba_predictions.ml_feature_store_v2', false),
         ('nba_predictions.player_prop_predictions', false)
)
SELECT g.game_date, t.tbl,
       count(*) FILTER (WHERE NOT t.final_only OR g.final = 1) AS expected,
       count(h.n) FILTER (WHERE NOT t.final_only OR g.final = 1) AS present,
       coalesce(sum(h.n) FILTER (WHERE NOT t.final_only OR g.final = 1), 0) AS n
FROM games AS g CROSS JOIN tables AS t
LEFT JOIN held AS h ON h.tbl = t.tbl AND h.game_date = g.game_date AND h.game_key = g.game_key
GROUP BY ALL
"""

COVERAGE_SQL = """
WITH expected AS (
  SELECT DISTINCT game_date, player_lookup FROM nba_analytics.upcoming_player_game_context
  WHERE game_date BETWEEN $start AND $end
), covered AS (
  SELECT DISTINCT game_date, player_lookup FROM nba_predictions.player_prop_predictions
  WHERE game_date BETWEEN $start AND $end AND is_active
)
SELECT e.game_date, count(*) AS expected, count(c.player_lookup) AS covered
FROM expected AS e LEFT JOIN covered AS c USING (game_date, player_lookup)
GROUP BY ALL
"""
STATEMENTS = 2


def per_date(con: duckdb.DuckDBPyConnection, start: date, end: date) -> dict[date, DayCounts]:
    """Every date's counts, computed in the database by the two statements."""
    bounds = {"start": start, "end": end}
    tables: dict[date, dict[str, TableCounts]] = defaultdict(dict)
    for day, table, expected, present, rows in con.execute(GAMES_SQL, bounds).fetchall():
        tables[day][table] = TableCounts(expected, present, int(rows))
    players = {day: (exp, cov) for day, exp, cov in con.execute(COVERAGE_SQL, bounds).fetchall()}
    days = sorted(set(tables) | set(players))
    return {
        day: DayCounts(
            tables.get(day, {}),
            players.get(day, (0, 0))[1],
            players.get(day, (0, 0))[0],
        )
        for day in days
    }
