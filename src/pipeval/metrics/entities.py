"""Entities per date and group (e.g. players per `system_id`), one statement per target table.

Only the per-date, per-group counts cross the wire: a season of predictions is a few rows a
date, whatever the number of players.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from pipeval.identifiers import TableName
from pipeval.lazy import exp
from pipeval.ports import Row
from pipeval.profile.model import EntitySource
from pipeval.query import Query
from pipeval.sqlcache import cached_sql
from pipeval.sqlkit import column, parse_expression, render

GROUPS_SQL = """
SELECT _e_date AS day, _e_group AS grp, COUNT(DISTINCT _e_entity) AS entities
FROM _t_main
WHERE _e_date BETWEEN @range_start AND @range_end AND _e_entity IS NOT NULL AND _e_filter
GROUP BY day, grp
"""


def source_exprs(source: EntitySource, prefix: str = "") -> dict[str, exp.Expression]:
    """The `_e_` slots of one entity source: its date, entity, game key and filter."""
    # Parenthesised: a filter `a OR b` must not escape the date range it is ANDed with.
    filter_expr = (
        exp.paren(parse_expression(source.filter, f"{source.table}.filter"))
        if source.filter
        else exp.true()
    )
    return {
        f"{prefix}date": column(source.date_column),
        f"{prefix}entity": column(source.entity),
        f"{prefix}key": parse_expression(source.game_key, f"{source.table}.game_key"),
        f"{prefix}filter": filter_expr,
    }


def groups_query(source: EntitySource, start: date, end: date) -> Query:
    """Entities per date and `group_by` value; the source must have a `group_by` column."""
    return Query.of(
        _groups_sql(source), label=f"groups:{source.table}", range_start=start, range_end=end
    )


# Profile models are frozen (hashable): the SQL is parsed and rendered once per process.
@cached_sql
def _groups_sql(source: EntitySource) -> str:
    if source.group_by is None:
        raise ValueError(f"{source.table}: no group_by column")
    exprs = {**source_exprs(source), "group": column(source.group_by)}
    return render(GROUPS_SQL, {"main": TableName.parse(source.table)}, exprs)


@dataclass
class GroupDays:
    """Per date: how many entities each group covered."""

    groups: dict[date, dict[str, int]] = field(default_factory=dict)

    def groups_on(self, day: date) -> dict[str, int]:
        return self.groups.get(day, {})


def read_groups(rows: list[Row]) -> GroupDays:
    groups: dict[date, dict[str, int]] = defaultdict(dict)
    for row in rows:
        group = "(none)" if row["grp"] is None else str(row["grp"])
        groups[row["day"]][group] = int(row["entities"])
    return GroupDays(dict(groups))
