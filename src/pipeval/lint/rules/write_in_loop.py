"""write-in-loop: a load, insert or DML query repeated by a for/while loop or comprehension."""

from __future__ import annotations

from collections.abc import Iterator

from pipeval.lint.resolve import At, argument, callee
from pipeval.lint.rule import Hit, Rule, Settings
from pipeval.lint.source import SourceFile
from pipeval.lint.sqltext import first_keyword, is_dml, templates
from pipeval.lint.writes import QUERY_CALLS, is_write, write_name


class WriteInLoop(Rule):
    id = "write-in-loop"
    description = (
        "a load job, streaming insert, write helper or DML query() inside the body of a for or "
        "while loop or a comprehension (a function defined in the loop is not the loop)"
    )
    why = (
        "Each iteration is its own table operation or DML statement: per-table quotas (1,500 "
        "table operations per 24 h; 2 running + 20 queued DML) run out, and MERGEs past the "
        "queue fail with 'Too many DML statements outstanding' (seed 002 lost 57 % of "
        "predictions that way)."
    )
    fix = (
        "Collect the rows in the loop and write once after it (one load job, or one MERGE from "
        "a staging table) instead of one statement per iteration."
    )

    def check(self, source: SourceFile, settings: Settings) -> Iterator[Hit]:
        for site in source.calls:
            if site.loop is None:
                continue
            found = callee(site)
            if found is None:
                continue
            where = f"inside a {site.loop.kind} (line {site.loop.line})"
            extra = {"loop": site.loop.kind, "loop_line": site.loop.line}
            if is_write(found.name):
                shown = write_name(site, found)
                yield self.hit(source, site, f"{shown} {where}: one write per iteration", **extra)
            elif found.name in QUERY_CALLS:
                sql = argument(site.node, *QUERY_CALLS[found.name])
                dml = [t for t in templates(sql, At.call(site)) if is_dml(t)] if sql else []
                if dml:
                    statement = first_keyword(dml[0])
                    yield self.hit(
                        source,
                        site,
                        f"{statement} via {write_name(site, found)} {where}: one DML "
                        "statement per iteration",
                        statement=statement,
                        **extra,
                    )
