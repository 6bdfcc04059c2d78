"""sql-string-building: values spliced into SQL text that reaches query() or a wrapper of it.

Graded by what is spliced (`pipeval.lint.origin`): only numbers, dates or validated values is
INFO; a value from the command line, an HTTP request or a database row is WARN, FAIL in a
statement that changes data (INSERT/UPDATE/DELETE/MERGE); any other value is WARN.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from pipeval.lint.origin import CHECKED, UNTRUSTED
from pipeval.lint.resolve import At, callee
from pipeval.lint.rule import Hit, Rule, Settings
from pipeval.lint.sinks import sql_arguments
from pipeval.lint.source import SourceFile
from pipeval.lint.sqltext import IN_STRING, Slot, is_dml, is_sql, risky, templates
from pipeval.lint.writes import write_name
from pipeval.results import Severity

MAX_SLOT_TEXT = 60


def _short(code: str) -> str:
    return code if len(code) <= MAX_SLOT_TEXT else code[: MAX_SLOT_TEXT - 1] + "…"


def grade(spliced: list[Slot], dml: bool) -> Severity:
    origins = {slot.origin for slot in spliced}
    if origins & UNTRUSTED:
        return Severity.FAIL if dml else Severity.WARN
    return Severity.INFO if origins == {CHECKED} else Severity.WARN


class SqlStringBuilding(Rule):
    id = "sql-string-building"
    description = (
        "SQL text built by f-string, %, .format() or + with non-literal values, passed to "
        "query() or to a function of the scanned tree that passes it on to query(), directly "
        "or through a local variable (identifiers such as table names, which cannot be "
        "parameters, are allowed); INFO when only numbers, dates or validated values are "
        "spliced, FAIL for command-line, HTTP or database-row values in DML"
    )
    why = (
        "A value spliced into SQL breaks on its own quotes and is an injection hole: the retry "
        "queue failed on error messages like \"Can't connect\" ('concatenated string literals "
        "must be separated')."
    )
    fix = (
        "Bind values as query parameters: @name in the SQL, and "
        "bigquery.ScalarQueryParameter or ArrayQueryParameter in the QueryJobConfig."
    )

    def check(self, source: SourceFile, settings: Settings) -> Iterator[Hit]:
        for site in source.calls:
            found = callee(site)
            if found is None:
                continue
            for sql, sink in sql_arguments(site, found):
                if isinstance(sql, ast.Constant):
                    continue  # a literal has nothing spliced into it
                for built in templates(sql, At.call(site)):
                    spliced = risky(built) if is_sql(built) else []
                    if not spliced:
                        continue
                    slots = [slot for slot, _ in spliced]
                    how = "/".join(sorted(built.how)) or "concatenation"
                    first, place = max(spliced, key=lambda sp: (_rank(sp[0]), sp[1] == IN_STRING))
                    suffix = f" (from {first.origin})" if first.origin in UNTRUSTED else ""
                    yield self.hit(
                        source,
                        site,
                        f"SQL built by {how} (line {built.line}) reaches "
                        f"{write_name(site, found)}: {{{_short(first.code)}}} spliced "
                        f"{place}{suffix}",
                        grade(slots, is_dml(built)),
                        sink,
                        built_by=sorted(built.how),
                        built_line=built.line,
                        values=[
                            {"code": slot.code, "place": where, "origin": slot.origin}
                            for slot, where in spliced
                        ],
                        **({"via": found.name} if sink is not None else {}),
                    )
                    break


def _rank(slot: Slot) -> int:
    if slot.origin in UNTRUSTED:
        return 2
    return 0 if slot.origin == CHECKED else 1
