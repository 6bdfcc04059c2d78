"""Entities per date (players in context, in predictions, with a line), one statement per table.

A source with a `group_by` column (e.g. `system_id`) also returns how many entities each group
covered per date, in the same statement (GROUPING SETS), so per-system parity costs nothing more.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from sqlglot import exp

from pipeval.identifiers import TableName
from pipeval.ports import Row
from pipeval.profile.model import EntitySource
from pipeval.query import Query
from pipeval.sqlkit import column, parse_expression, render

ENTITIES_SQL = """
SELECT _e_date AS day, _e_entity AS entity, _e_key AS game_key, COUNT(*) AS row_count
FROM _t_main
WHERE _e_date BETWEEN @range_start AND @range_end AND _e_entity IS NOT NULL AND _e_filter
GROUP BY day, entity, game_key
"""

# Rows with an entity are (date, entity); rows without one are (date, group) totals.
GROUPED_ENTITIES_SQL = """
SELECT _e_date AS day, _e_entity AS entity, _e_key AS game_key, _e_group AS grp,
  COUNT(DISTINCT _e_entity) AS entities, COUNT(*) AS row_count
FROM _t_main
WHERE _e_date BETWEEN @range_start AND @range_end AND _e_entity IS NOT NULL AND _e_filter
GROUP BY GROUPING SETS ((_e_date, _e_entity, _e_key), (_e_date, _e_group))
"""


def entities_query(source: EntitySource, start: date, end: date) -> Query:
    sql = _entities_sql(
        source.table,
        source.date_column,
        source.entity,
        source.game_key,
        source.filter,
        source.group_by,
    )
    return Query.of(sql, label=f"entities:{source.table}", range_start=start, range_end=end)


# The SQL depends only on the profile's strings: parsed and rendered once per process, not once
# per check and date of a historical run.
@lru_cache(maxsize=64)
def _entities_sql(
    table: str,
    date_column: str,
    entity: str,
    game_key: str,
    filter_text: str | None,
    group_by: str | None,
) -> str:
    # Parenthesised: a filter `a OR b` must not escape the date range it is ANDed with.
    filter_expr = (
        exp.paren(parse_expression(filter_text, f"{table}.filter")) if filter_text else exp.true()
    )
    exprs = {
        "date": column(date_column),
        "entity": column(entity),
        "key": parse_expression(game_key, f"{table}.game_key"),
        "filter": filter_expr,
    }
    template = ENTITIES_SQL
    if group_by:
        template = GROUPED_ENTITIES_SQL
        exprs["group"] = column(group_by)
    return render(template, {"main": TableName.parse(table)}, exprs)


@dataclass
class EntityDays:
    """Which entities a table holds per date, their games, and per-group entity counts."""

    entities: dict[date, set[str]] = field(default_factory=dict)
    games: dict[date, dict[str, str]] = field(default_factory=dict)
    groups: dict[date, dict[str, int]] = field(default_factory=dict)

    def on(self, day: date) -> set[str]:
        return self.entities.get(day, set())

    def game_of(self, day: date, entity: str) -> str | None:
        return self.games.get(day, {}).get(entity)

    def groups_on(self, day: date) -> dict[str, int]:
        return self.groups.get(day, {})


def read_entities(rows: list[Row]) -> EntityDays:
    entities: dict[date, set[str]] = defaultdict(set)
    games: dict[date, dict[str, str]] = defaultdict(dict)
    groups: dict[date, dict[str, int]] = defaultdict(dict)
    for row in rows:
        day = row["day"]
        if row["entity"] is None:
            group = "(none)" if row["grp"] is None else str(row["grp"])
            groups[day][group] = int(row["entities"])
            continue
        entities[day].add(row["entity"])
        if row.get("game_key") is not None:
            games[day][row["entity"]] = row["game_key"]
    return EntityDays(dict(entities), dict(games), dict(groups))
