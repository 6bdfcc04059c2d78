"""sql-string-building: values spliced into SQL text that reaches query()."""

from __future__ import annotations

from collections.abc import Iterator

from pipeval.lint.resolve import At, argument, callee
from pipeval.lint.rule import Hit, Rule, Settings
from pipeval.lint.source import SourceFile
from pipeval.lint.sqltext import IN_STRING, is_sql, risky, templates
from pipeval.lint.writes import QUERY_CALLS, write_name

MAX_SLOT_TEXT = 60


def _short(code: str) -> str:
    return code if len(code) <= MAX_SLOT_TEXT else code[: MAX_SLOT_TEXT - 1] + "…"


class SqlStringBuilding(Rule):
    id = "sql-string-building"
    description = (
        "SQL text built by f-string, %, .format() or + with non-literal values, passed to "
        "query() directly or through a local variable (identifiers such as table names, which "
        "cannot be parameters, are allowed)"
    )
    why = (
        "A value spliced into SQL breaks on its own quotes and is an injection hole: the retry "
        "queue failed on error messages like \"Can't connect\" ('concatenated string literals "
        "must be separated', seed 001)."
    )
    fix = (
        "Bind values as query parameters: @name in the SQL, and "
        "bigquery.ScalarQueryParameter or ArrayQueryParameter in the QueryJobConfig."
    )

    def check(self, source: SourceFile, settings: Settings) -> Iterator[Hit]:
        for site in source.calls:
            found = callee(site)
            if found is None or found.name not in QUERY_CALLS:
                continue
            sql = argument(site.node, *QUERY_CALLS[found.name])
            if sql is None:
                continue
            for built in templates(sql, At.call(site)):
                spliced = risky(built) if is_sql(built) else []
                if not spliced:
                    continue
                how = "/".join(sorted(built.how)) or "concatenation"
                quoted = [slot for slot, place in spliced if place == IN_STRING]
                first, place = (quoted[0], IN_STRING) if quoted else spliced[0]
                yield self.hit(
                    source,
                    site,
                    f"SQL built by {how} (line {built.line}) reaches "
                    f"{write_name(site, found)}: {{{_short(first.code)}}} spliced {place}",
                    built_by=sorted(built.how),
                    built_line=built.line,
                    values=[{"code": slot.code, "place": where} for slot, where in spliced],
                )
                break
