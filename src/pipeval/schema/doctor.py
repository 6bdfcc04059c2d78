"""`pipeval doctor`: does the warehouse hold what the profile and the enabled checks read?

Every table they reference must exist, every column must exist with the data contract's type
for its role (a date column is a DATE, a filter is a BOOL, game keys share the schedule key's
type), and every DDL and writer path of the `schema:` section must exist, its DDL statements
readable (a statement that cannot be read, or a table the files never create, is a WARN) and
its writers must name a record. One finding per problem, so a renamed column is one line that
names it (and the closest existing name).
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify

from pipeval.errors import PipevalError
from pipeval.ports import Column, Warehouse
from pipeval.profile.model import Profile
from pipeval.query import Context, Query
from pipeval.results import CheckResult, Finding, Severity
from pipeval.schema.ddl import ddl_files, read_table_ddl, read_text
from pipeval.schema.references import (
    KEY_ROLE,
    ROLE_TYPES,
    Reference,
    expression_columns,
    profile_references,
    query_references,
)
from pipeval.schema.writers import fields_in_source, split_spec
from pipeval.sqlkit import parse_expression
from pipeval.types import normalize_type, type_signature

MAX_WHERE = 3


@dataclass
class Usage:
    """Every place one table (or one column of it) is referenced, and the types roles need."""

    where: list[str] = field(default_factory=list)
    expected: dict[str, list[str]] = field(default_factory=dict)  # type -> where

    def add(self, where: str, expected: str | None = None) -> None:
        if where not in self.where:
            self.where.append(where)
        if expected is not None:
            self.expected.setdefault(expected, []).append(where)

    def places(self) -> str:
        shown = ", ".join(self.where[:MAX_WHERE])
        rest = len(self.where) - MAX_WHERE
        return f"{shown} (+{rest} more)" if rest > 0 else shown


def _expression_type(text: str, table: str, columns: list[Column]) -> str | None:
    """The type of a profile expression over a table's live columns, via sqlglot's annotator."""
    dataset, name = table.split(".")
    schema = {
        dataset: {name: {c.name: type_signature(c).removesuffix(" NOT NULL") for c in columns}}
    }
    select = exp.select(exp.alias_(parse_expression(text, table), "v")).from_(
        exp.table_(name, db=dataset)
    )
    try:
        typed = annotate_types(qualify(select, schema=schema, dialect="bigquery"), schema=schema)
    except (SqlglotError, ValueError, KeyError):
        return None
    dtype = typed.selects[0].type
    if dtype is None or dtype.is_type(exp.DataType.Type.UNKNOWN):
        return None
    return normalize_type(dtype.sql("bigquery"))


class Doctor:
    def __init__(self, profile: Profile, warehouse: Warehouse | None) -> None:
        self.profile = profile
        self.warehouse = warehouse
        self.schemas: dict[str, list[Column] | None] = {}

    def schema(self, table: str) -> list[Column] | None:
        if table not in self.schemas:
            self.schemas[table] = (
                self.warehouse.table_schema(table) if self.warehouse is not None else None
            )
        return self.schemas[table]

    # --- gathering references -----------------------------------------------------------------
    def usages(self, references: Iterable[Reference]) -> dict[str, dict[str | None, Usage]]:
        """table -> column (None: the table itself) -> where it is used and what type it needs."""
        found: dict[str, dict[str | None, Usage]] = defaultdict(lambda: defaultdict(Usage))
        for ref in references:
            found[ref.table][None].add(ref.where)
            if ref.column is not None:
                found[ref.table][ref.column].add(ref.where, ROLE_TYPES.get(ref.role or ""))
            elif ref.expression is not None:
                for column in expression_columns(ref.expression, ref.where):
                    found[ref.table][column].add(ref.where)
        return found

    def expression_findings(self, references: Iterable[Reference]) -> list[Finding]:
        """Expressions whose type does not fit their role (a key, a filter). Only expressions
        over existing columns are typed: a missing column is reported once, as a column."""
        schedule = self.profile.schedule
        key_type = self._type(schedule.game_key, schedule.table)
        findings = []
        for ref in references:
            if ref.expression is None:
                continue
            expected = key_type if ref.role == KEY_ROLE else ROLE_TYPES.get(ref.role or "")
            actual = self._type(ref.expression, ref.table) if expected else None
            if actual is not None and actual != expected:
                findings.append(
                    Finding(
                        Severity.FAIL,
                        f"{ref.table}: {ref.where} {ref.expression!r} is {actual}, "
                        f"expected {expected}",
                        subject=ref.table,
                        data={"where": ref.where, "type": actual, "expected": expected},
                    )
                )
        return findings

    def _type(self, expression: str, table: str) -> str | None:
        columns = self.schema(table)
        if not columns:
            return None
        names = {c.name.lower() for c in columns}
        if any(c.lower() not in names for c in expression_columns(expression, table)):
            return None
        return _expression_type(expression, table, columns)

    # --- judging ------------------------------------------------------------------------------
    def table_findings(self, references: list[Reference]) -> list[Finding]:
        findings: list[Finding] = []
        for table, columns in self.usages(references).items():
            live = self.schema(table)
            if live is None:
                findings.append(
                    Finding(
                        Severity.FAIL,
                        f"{table}: table not found (used by {columns[None].places()})",
                        subject=table,
                        data={"table": table, "where": columns[None].where},
                    )
                )
                continue
            by_name = {c.name.lower(): c for c in live}
            for column, usage in columns.items():
                if column is not None:
                    findings.extend(self._column_findings(table, column, usage, by_name))
        return findings + self.expression_findings(references)

    def _column_findings(
        self, table: str, column: str, usage: Usage, live: dict[str, Column]
    ) -> list[Finding]:
        found = live.get(column.lower())
        if found is None:
            close = difflib.get_close_matches(column.lower(), list(live), n=1)
            hint = f"; did you mean {live[close[0]].name}?" if close else ""
            return [
                Finding(
                    Severity.FAIL,
                    f"{table}.{column}: column not found (used by {usage.places()}){hint}",
                    subject=f"{table}.{column}",
                    data={"table": table, "column": column, "where": usage.where},
                )
            ]
        actual = type_signature(found).removesuffix(" NOT NULL")
        return [
            Finding(
                Severity.FAIL,
                f"{table}.{column}: {actual}, expected {expected} ({', '.join(where)})",
                subject=f"{table}.{column}",
                data={"table": table, "column": column, "type": actual, "expected": expected},
            )
            for expected, where in usage.expected.items()
            if actual != expected
        ]

    def dataset_findings(self) -> list[Finding]:
        return [
            Finding(
                Severity.WARN,
                f"dataset {dataset}: no tables found (thresholds.hygiene.datasets)",
                subject=dataset,
            )
            for dataset in self.profile.thresholds.hygiene.datasets
            if self.warehouse is not None and not self.warehouse.list_tables(dataset)
        ]

    def path_findings(self) -> tuple[list[Finding], int]:
        findings: list[Finding] = []
        checked = 0
        base = self.profile.base_dir
        for index, spec in enumerate(self.profile.schema_tables):
            where = f"schema[{index}] ({spec.table})"
            paths = [base / p for p in ([spec.ddl] if spec.ddl else []) + spec.migrations]
            unreadable = 0
            for path in ddl_files(paths[:1]) + paths[1:]:
                checked += 1
                problems = self._readable(path, where, "DDL file")
                unreadable += len(problems)
                findings.extend(problems)
            if paths and not unreadable:
                findings.extend(self._statements(paths, spec.table, where))
            for writer in spec.writers:
                checked += 1
                findings.extend(self._writer(writer, base, where))
        return findings, checked

    def _readable(self, path: Path, where: str, what: str) -> list[Finding]:
        try:
            if path.is_dir():
                return []  # a migrations folder: its *.sql files are read in order
            read_text(path, what)
        except PipevalError as err:
            return [Finding(Severity.FAIL, f"{where}: {err}", subject=str(path))]
        return []

    @staticmethod
    def _statements(paths: list[Path], table: str, where: str) -> list[Finding]:
        """Statements of the DDL files that could not be read (or only in part), and a table
        the files never create: a WARN each, so no column list is lost without a word."""
        try:
            ddl = read_table_ddl(paths, table)
        except PipevalError as err:
            return [Finding(Severity.FAIL, f"{where}: {err}", subject=table)]
        return [
            Finding(Severity.WARN, f"{where}: {warning}", subject=table, data={"ddl": warning})
            for warning in ddl.warnings
        ] + [
            Finding(Severity.INFO, f"{where}: {note}", subject=table, data={"ddl": note})
            for note in ddl.notes
        ]

    def _writer(self, spec: str, base: Path, where: str) -> list[Finding]:
        try:
            path_text, function = split_spec(spec)
            path = base / path_text
            fields_in_source(read_text(path, "writer"), function, str(path))
        except PipevalError as err:
            return [Finding(Severity.FAIL, f"{where}: {err}", subject=spec)]
        return []


SqlFor = Callable[[str], tuple[str, str]]


class Asking(Protocol):
    """What doctor needs of a check (schema sits below checks, so it names no check class)."""

    id: str

    def queries(self, ctx: Context) -> list[Query]: ...


def check_references(check: Asking, ctx: Context, sql_for: SqlFor) -> list[Reference]:
    """Tables and columns in every query an enabled check would send."""
    found: list[Reference] = []
    for query in check.queries(ctx):
        sql, dialect = sql_for(query.sql)
        found.extend(query_references(sql, f"check {check.id}", dialect))
    return found


def diagnose(ctx: Context, checks: Sequence[Asking]) -> list[CheckResult]:
    """`doctor.tables` (tables, columns, types) and `doctor.paths` (DDL and writer files).

    Without a warehouse the profile (it loaded: valid) and the paths are still checked;
    `doctor.tables` says what it skipped."""
    if ctx.warehouse is None:
        return [_skipped_tables(ctx.profile, checks), _paths(Doctor(ctx.profile, None))]
    doctor = Doctor(ctx.profile, ctx.warehouse)
    references = profile_references(ctx.profile)
    query_problems: list[Finding] = []
    sql_for = _sql_for(ctx.warehouse)
    for check in checks:
        try:
            references.extend(check_references(check, ctx, sql_for))
        except PipevalError as err:
            query_problems.append(
                Finding(Severity.FAIL, f"check {check.id}: cannot build its queries: {err}")
            )
    tables = doctor.table_findings(references) + doctor.dataset_findings() + query_problems
    table_count = len({ref.table for ref in references})
    column_count = len({(ref.table, ref.column) for ref in references if ref.column})
    return [
        CheckResult.from_findings(
            "doctor.tables",
            _summary(tables, f"{_count(table_count, 'table')}, {_count(column_count, 'column')}"),
            tables,
            {"tables": table_count, "columns": column_count, "checks": [c.id for c in checks]},
        ),
        _paths(doctor),
    ]


def _paths(doctor: Doctor) -> CheckResult:
    paths, path_count = doctor.path_findings()
    return CheckResult.from_findings(
        "doctor.paths",
        _summary(paths, _count(path_count, "DDL/writer path")),
        paths,
        {"paths": path_count},
    )


def _skipped_tables(profile: Profile, checks: Sequence[Asking]) -> CheckResult:
    tables = len({ref.table for ref in profile_references(profile)})
    message = (
        f"skipped: no --warehouse, so the {_count(tables, 'table')} of profile {profile.source} "
        "and their columns were not checked (the profile itself is valid)"
    )
    return CheckResult.from_findings(
        "doctor.tables",
        message,
        [Finding(Severity.INFO, message)],
        {"skipped": True, "tables": tables, "checks": [c.id for c in checks]},
    )


def _sql_for(warehouse: Warehouse) -> SqlFor:
    """The SQL the warehouse actually runs: embedded mode maps metadata views onto `bq_meta`,
    so its tables are checked too; BigQuery serves INFORMATION_SCHEMA itself."""
    if warehouse.url.startswith("duckdb:"):
        from pipeval.adapters.bq_to_duckdb import to_duckdb

        return lambda sql: (to_duckdb(sql)[0], "duckdb")
    return lambda sql: (sql, "bigquery")


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun if number == 1 else noun + 's'}"


def _summary(findings: list[Finding], checked: str) -> str:
    problems = [f for f in findings if f.severity is not Severity.INFO]
    if not problems:
        return f"all present: {checked}"
    noun = "problem" if len(problems) == 1 else "problems"
    return f"{len(problems)} {noun} in {checked}"
