"""A phase table's games on every date of the range, assessed once per run.

Completeness judges them date by date; orchestration (the downstream phase's rows), coverage
(the games a phase lacks) and the declarative checks (games blocked upstream) read the same
assessment instead of assessing the table again for every date they judge.
"""

from __future__ import annotations

from datetime import date

from pipeval.metrics.games import TableDay, assess, load_presence
from pipeval.profile.model import PhaseTable
from pipeval.query import Context


def table_days(ctx: Context, table: PhaseTable) -> dict[date, TableDay]:
    """`table` on every date of the context's range (computed once per run)."""
    # Keyed on everything the assessment reads: the statement's fields and how it is judged.
    shape = (table.table, table.date_column, table.game_key, table.filter)
    key = ("table-days", shape, table.expects, table.critical, ctx.start, ctx.end)

    def compute() -> dict[date, TableDay]:
        presence = load_presence(ctx, table)
        return {day: assess(table, presence, day) for day in ctx.dates}

    return ctx.memo_get(key, compute)


def table_day(ctx: Context, table: PhaseTable, day: date) -> TableDay:
    """`table` on `day`: from the range's assessment, or assessed alone outside the range."""
    found = table_days(ctx, table).get(day)
    return found if found is not None else assess(table, load_presence(ctx, table), day)
