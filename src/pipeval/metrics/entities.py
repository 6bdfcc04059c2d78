"""Entity sources' template slots, and entities per date and group (e.g. players per
`system_id`): the coverage statement counts them in the warehouse and packs them into its
per-date row, so a season of predictions is one row a date, whatever the number of players.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pipeval.lazy import exp
from pipeval.profile.model import EntitySource
from pipeval.sqlkit import column, parse_expression


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


@dataclass
class GroupDays:
    """Per date: how many entities each group covered."""

    groups: dict[date, dict[str, int]] = field(default_factory=dict)

    def groups_on(self, day: date) -> dict[str, int]:
        return self.groups.get(day, {})
