"""Today's practice: the old skill's loop, one query per date and table.

The prose skill pasted one `bq query` per table for the date being checked; validating a range
meant repeating them for every date. Here each of those statements runs on the same open DuckDB
connection (generous to the loop: no CLI process or BigQuery job per query). The statements are
the lower bound's, with `game_date = $day` instead of the range, so the rows are the same.
"""

from __future__ import annotations

from datetime import date

import duckdb

from benchmarks.lower_bound import SCHEDULE, TABLE_SQL, Rows

SCHEDULE_ON_DAY_SQL = """
SELECT game_date, strftime(game_date, '%Y%m%d') || '_' || away_team_tricode || '_'
       || home_team_tricode AS game_key, game_status
FROM nba_raw.nbac_schedule WHERE game_date = $day
"""
# The range statements bound to one date: `BETWEEN $day AND $day` selects exactly that date.
DATED_TABLES = (SCHEDULE, *TABLE_SQL)


def read_per_date(con: duckdb.DuckDBPyConnection, days: list[date]) -> Rows:
    rows = Rows(tables={table: [] for table in TABLE_SQL})
    for day in days:
        rows.schedule += con.execute(SCHEDULE_ON_DAY_SQL, {"day": day}).fetchall()
        for table, sql in TABLE_SQL.items():
            rows.tables[table] += con.execute(sql, {"start": day, "end": day}).fetchall()
        rows.queries += len(DATED_TABLES)
    return rows
