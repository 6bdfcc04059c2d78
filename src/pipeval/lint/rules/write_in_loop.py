"""write-in-loop: a load, insert or DML query repeated by a for/while loop or comprehension.

Loops that repeat a write on purpose are not findings: a retry loop (the same write again
until it succeeds), a flush when the batch is full (`if len(rows) >= N: write(rows)`), and
chunked writes (`for chunk in chunks(rows, 500)`, `for i in range(0, len(rows), N)`), which
is the batching this rule asks for.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipeval.lint.resolve import At, callee
from pipeval.lint.rule import Hit, Rule, Settings
from pipeval.lint.sinks import sql_arguments
from pipeval.lint.source import SourceFile
from pipeval.lint.sqltext import first_keyword, is_dml, templates
from pipeval.lint.writes import is_write, write_name


class WriteInLoop(Rule):
    id = "write-in-loop"
    description = (
        "a load job, streaming insert, write helper or DML query() (also through a wrapper of "
        "query() in the scanned tree) inside the body of a for or while loop or a "
        "comprehension (a function defined in the loop is not the loop; retry loops, "
        "flush-when-full and chunked writes are not findings)"
    )
    why = (
        "Each iteration is its own table operation or DML statement: per-table quotas (1,500 "
        "table operations per 24 h; 2 running + 20 queued DML) run out, and MERGEs past the "
        "queue fail with 'Too many DML statements outstanding' (57 % of one day's "
        "predictions were lost that way)."
    )
    fix = (
        "Collect the rows in the loop and write once after it (one load job, or one MERGE from "
        "a staging table) instead of one statement per iteration."
    )

    def check(self, source: SourceFile, settings: Settings) -> Iterator[Hit]:
        for site in source.calls:
            loop = site.loop
            if loop is None or loop.purpose or site.flush:
                continue
            found = callee(site)
            if found is None:
                continue
            where = f"inside a {loop.kind} (line {loop.line})"
            extra = {"loop": loop.kind, "loop_line": loop.line}
            if is_write(found.name):
                shown = write_name(site, found)
                yield self.hit(source, site, f"{shown} {where}: one write per iteration", **extra)
                continue
            for sql, sink in sql_arguments(site, found):
                dml = [t for t in templates(sql, At.call(site)) if is_dml(t)]
                if dml:
                    statement = first_keyword(dml[0])
                    yield self.hit(
                        source,
                        site,
                        f"{statement} via {write_name(site, found)} {where}: one DML "
                        "statement per iteration",
                        None,
                        sink,
                        statement=statement,
                        **extra,
                        **({"via": found.name} if sink is not None else {}),
                    )
                    break
