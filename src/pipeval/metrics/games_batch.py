"""The phase tables' presence, the schedule and the per-game list of one range in ONE statement.

Each of those statements (metrics/games.py) carries a `Batch` naming its group (the schedule and
the range) and its member (`SCHEDULE`, `GAMES`, or a table's presence fields). When a run asks
for two or more of a group, the query cache sends `batch_query` instead: the schedule is read
once, and each table's counts are one branch of a UNION ALL built with sqlglot's builders. Its
rows carry `part` (the member's position) and are split back into exactly the rows each
statement returns on its own; if it fails, each is sent on its own (pipeval.query.combine).
On BigQuery that is one job instead of seven, and the schedule billed once.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date
from typing import NamedTuple

from pipeval.identifiers import TableName
from pipeval.lazy import exp
from pipeval.ports import Batch, Query
from pipeval.profile.model import ScheduleSpec
from pipeval.sqlcache import cached_sql
from pipeval.sqlkit import DIALECT, column, parse_expression, render_tree

# Each scheduled game of the range once, final when any of its schedule rows says so (a
# re-scraped schedule may repeat it): the per-game list, and the `games` every statement over
# the schedule starts from (filled into their `_q_games` slot as a tree).
GAMES_SQL = """
SELECT _e_sdate AS game_date, _e_skey AS game_key,
  MAX(CASE WHEN _e_status = @final_status THEN 1 ELSE 0 END) AS final
FROM _t_schedule
WHERE _e_sdate BETWEEN @range_start AND @range_end
GROUP BY game_date, game_key
"""

# games.py's statements in one (`batch_query`): the games once; `held` a UNION ALL of each
# table's per-game counts tagged with its member's position (`part`); the games crossed with
# the tables' parts and FULL OUTER JOINed to what each holds; then `answers`, each member's own
# rows tagged with its part (the presence rows per table, the schedule's, the per-game list).
BATCH_SQL = """
WITH games AS (SELECT * FROM _q_games),
parts AS (SELECT * FROM _q_parts),
held AS (SELECT * FROM _q_held),
joined AS (
  SELECT COALESCE(g.part, h.part) AS part, COALESCE(g.game_date, h.game_date) AS game_date,
    g.game_key, g.final, h.row_count, g.game_key IS NOT NULL AS scheduled,
    g.game_date IS NOT NULL AND g.game_key IS NULL AS unkeyed
  FROM (
    SELECT p.part, s.game_date, s.game_key, s.final FROM parts AS p CROSS JOIN games AS s
  ) AS g
  FULL OUTER JOIN held AS h
    ON g.part = h.part AND g.game_date = h.game_date AND g.game_key = h.game_key
),
answers AS (SELECT * FROM _q_answers)
SELECT * FROM answers
"""

# BATCH_SQL without a table among the members: the schedule's rows and the per-game list.
GAMES_BATCH_SQL = """
WITH games AS (SELECT * FROM _q_games),
answers AS (SELECT * FROM _q_answers)
SELECT * FROM answers
"""

# One table's branch of `held`.
HELD_PART_SQL = """
SELECT _e_part AS part, _e_date AS game_date, _e_key AS game_key, COUNT(*) AS row_count
FROM _t_main
WHERE _e_date BETWEEN @range_start AND @range_end AND _e_filter
GROUP BY game_date, game_key
"""

# PRESENCE_SQL's rows, for every table part at once.
PRESENCE_ROWS_SQL = """
SELECT part, game_date, CAST(NULL AS STRING) AS game_key, NULL AS final, NULL AS held,
  COUNTIF(scheduled) AS games, COALESCE(SUM(final), 0) AS finals,
  COUNTIF(scheduled AND row_count IS NOT NULL) AS present_all,
  COUNTIF(final = 1 AND row_count IS NOT NULL) AS present_final,
  COALESCE(SUM(CASE WHEN scheduled THEN row_count ELSE 0 END), 0) AS rows_all,
  COALESCE(SUM(CASE WHEN final = 1 THEN row_count ELSE 0 END), 0) AS rows_final,
  COALESCE(SUM(row_count), 0) AS rows_written, COUNTIF(unkeyed) AS null_keys
FROM joined
GROUP BY part, game_date
UNION ALL
SELECT part, game_date, game_key, final, row_count IS NOT NULL AS held,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM joined
WHERE scheduled AND (row_count IS NULL OR final = 0)
"""

# SCHEDULE_SQL's rows, in the columns of PRESENCE_ROWS_SQL.
SCHEDULE_ROWS_SQL = """
SELECT _e_part AS part, game_date, CAST(NULL AS STRING) AS game_key, NULL AS final,
  NULL AS held, COUNTIF(game_key IS NOT NULL) AS games,
  COALESCE(SUM(CASE WHEN game_key IS NOT NULL THEN final ELSE 0 END), 0) AS finals,
  NULL AS present_all, NULL AS present_final, NULL AS rows_all, NULL AS rows_final,
  NULL AS rows_written, COUNTIF(game_key IS NULL) AS null_keys
FROM games
GROUP BY game_date
UNION ALL
SELECT _e_part, game_date, game_key, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM games
WHERE final = 0 AND game_key IS NOT NULL
"""

# GAMES_SQL's rows, in the columns of PRESENCE_ROWS_SQL.
GAMES_ROWS_SQL = """
SELECT _e_part AS part, game_date, game_key, final, NULL AS held, NULL AS games, NULL AS finals,
  NULL AS present_all, NULL AS present_final, NULL AS rows_all, NULL AS rows_final,
  NULL AS rows_written, NULL AS null_keys
FROM games
"""

# The columns each member's own statement returns, which its rows keep when split back.
PRESENCE_COLUMNS = (
    "game_date",
    "game_key",
    "final",
    "held",
    "games",
    "finals",
    "present_all",
    "present_final",
    "rows_all",
    "rows_final",
    "rows_written",
    "null_keys",
)
SCHEDULE_COLUMNS = ("game_date", "game_key", "games", "finals", "null_keys")
GAMES_COLUMNS = ("game_date", "game_key", "final")
SCHEDULE: Hashable = ("schedule",)
GAMES: Hashable = ("games",)


class Group(NamedTuple):
    """What the statements of one batch share: the schedule and the range."""

    schedule: str
    date_column: str
    game_key: str
    status_column: str
    final_status: int
    start: date
    end: date


class TablePart(NamedTuple):
    """A phase table's presence statement as a member: what its statement is made of."""

    table: str
    date_column: str
    game_key: str
    filter: str | None


def batch(
    spec: ScheduleSpec, start: date, end: date, member: Hashable, columns: tuple[str, ...]
) -> Batch:
    """The statements over one schedule and range travel together."""
    group = Group(
        spec.table,
        spec.date_column,
        spec.game_key,
        spec.status_column,
        spec.final_status,
        start,
        end,
    )
    return Batch(group, member, columns, batch_query)


def schedule_exprs(
    date_column: str, game_key: str, status_column: str
) -> dict[str, exp.Expression]:
    return {
        "sdate": column(date_column),
        "skey": parse_expression(game_key, "schedule.game_key"),
        "status": column(status_column),
    }


def games_tree(table: str, date_column: str, game_key: str, status_column: str) -> exp.Query:
    """GAMES_SQL over the profile's schedule, as a tree for a template's `_q_games` slot."""
    return render_tree(
        GAMES_SQL,
        {"schedule": TableName.parse(table)},
        schedule_exprs(date_column, game_key, status_column),
    )


def table_exprs(
    table: str, date_column: str, game_key: str, filter_text: str | None
) -> dict[str, exp.Expression]:
    where = f"{table}.filter"
    return {
        "date": column(date_column),
        "key": parse_expression(game_key, f"{table}.game_key"),
        "filter": parse_expression(filter_text, where) if filter_text else exp.true(),
    }


def batch_query(group: Hashable, members: tuple[Hashable, ...]) -> Query:
    """One statement answering every member (`SCHEDULE`, `GAMES`, or a table's presence
    fields), its rows tagged with the member's position: `part`."""
    assert isinstance(group, Group)
    sql = _batch_sql(
        group.schedule, group.date_column, group.game_key, group.status_column, members
    )
    return Query.of(
        sql,
        label="presence",
        range_start=group.start,
        range_end=group.end,
        final_status=group.final_status,
    )


def alone_sql(
    schedule: str,
    schedule_date: str,
    schedule_key: str,
    status_column: str,
    member: Hashable,
    columns: tuple[str, ...],
) -> str:
    """The statement of one member sent on its own: the batch of that member alone, its rows
    in the member's own `columns` (no `part`). One shape for both ways a member travels."""
    return _batch_sql(schedule, schedule_date, schedule_key, status_column, (member,), columns)


@cached_sql
def _batch_sql(
    schedule: str,
    schedule_date: str,
    schedule_key: str,
    status_column: str,
    members: tuple[Hashable, ...],
    columns: tuple[str, ...] | None = None,
) -> str:
    parts: list[exp.Query] = []
    held: list[exp.Query] = []
    answers: list[exp.Query] = []
    for position, member in enumerate(members):
        tag = {"part": exp.Literal.number(position)}
        if member == SCHEDULE:
            answers.append(render_tree(SCHEDULE_ROWS_SQL, {}, tag))
        elif member == GAMES:
            answers.append(render_tree(GAMES_ROWS_SQL, {}, tag))
        else:
            assert isinstance(member, TablePart)
            exprs = {**tag, **table_exprs(*member)}
            held.append(render_tree(HELD_PART_SQL, {"main": TableName.parse(member.table)}, exprs))
            parts.append(exp.select(exp.Literal.number(position).as_("part")))
    template = GAMES_BATCH_SQL
    queries: dict[str, exp.Query] = {}
    if held:
        template = BATCH_SQL
        answers.insert(0, render_tree(PRESENCE_ROWS_SQL, {}))
        queries = {"parts": _union(parts), "held": _union(held)}
    queries["answers"] = _union(answers)
    queries["games"] = games_tree(schedule, schedule_date, schedule_key, status_column)
    tree = render_tree(template, {}, {}, queries)
    if columns is not None:
        tree = tree.select(*columns, append=False, dialect=DIALECT)
    return tree.sql(DIALECT)


def _union(branches: list[exp.Query]) -> exp.Query:
    """UNION ALL of the branches, built as a tree (sqlglot's builder), never as text."""
    return exp.union(*branches, distinct=False) if len(branches) > 1 else branches[0]
