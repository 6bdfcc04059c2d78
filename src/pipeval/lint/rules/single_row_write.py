"""single-row-write: one row per load job or insert request."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pipeval.lint.resolve import (
    At,
    Callee,
    all_arguments,
    argument,
    callee,
    hot_table,
    string_text,
)
from pipeval.lint.rule import Hit, Rule, Settings
from pipeval.lint.source import CallSite, SourceFile
from pipeval.lint.writes import ROW_WRITES, is_helper, one_row, write_name
from pipeval.results import Severity


def _cost(name: str) -> str:
    api = ROW_WRITES.get(name)
    if api is None:
        return "one write per row"
    if api.job:
        return "one load job (a table operation) per row"
    return "one streaming insert per row (rows stay in the streaming buffer, blocking DML)"


class SingleRowWrite(Rule):
    id = "single-row-write"
    description = (
        "load_table_from_json([x], ...), insert_rows_json(t, [x]), a one-row DataFrame load, "
        "or a write helper called with one row, directly or through a local alias"
    )
    why = (
        "Every load job is a table operation and BigQuery allows 1,500 per table per rolling "
        "24 h: one job per row exhausted it at 2,466 jobs/day and stopped phases 3-5 "
        "(2026-01-26); one write per event burned the partition-modification quota."
    )
    fix = (
        "Buffer rows and write them in batches (e.g. 100 rows per load job, flushed on size or "
        "timeout, as the BigQueryBatchWriter does)."
    )

    def check(self, source: SourceFile, settings: Settings) -> Iterator[Hit]:
        for site in source.calls:
            found = callee(site)
            if found is None:
                continue
            api = ROW_WRITES.get(found.name)
            if api is not None:
                at = At.call(site)
                single = one_row(argument(site.node, *api.rows), at, api.frame)
                tables = [argument(site.node, *api.table)]
            elif is_helper(found.name):
                at = At.call(site)
                arguments = all_arguments(site.node)
                single = any(one_row(arg, at) for arg in arguments)
                tables = arguments
            else:
                continue
            if single:
                cost = _cost(found.name)
                yield self._hit(source, site, found, tables, at, settings, cost)

    def _hit(
        self,
        source: SourceFile,
        site: CallSite,
        found: Callee,
        tables: list[ast.expr | None],
        at: At,
        settings: Settings,
        cost: str,
    ) -> Hit:
        texts = [string_text(table, at) for table in tables if table is not None]
        hot = next((t for t in (hot_table(x, settings.hot_tables) for x in texts) if t), None)
        shown = write_name(site, found)
        if hot:
            return self.hit(
                source,
                site,
                f"one-row {shown} to hot table {hot}: {cost}",
                Severity.FAIL,
                table=hot,
            )
        return self.hit(source, site, f"one-row {shown}: {cost}")
