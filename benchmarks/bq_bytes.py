"""What pipeval's statements would cost on BigQuery on-demand, from the sample's own data.

For each statement pipeval sent (`warehouse.stats.sent`, with the parameters it bound), sqlglot
finds the table, the columns it reads and the conjuncts of its WHERE clause on the table's
partition column; the bytes are those columns' BigQuery sizes summed over the rows in the
selected partitions (STRING 2 + UTF-8 length, INT64/FLOAT64/DATE/TIMESTAMP 8, BOOL 1, ARRAY the
sum of its elements, NULL 0), each statement billed at least 10 MB per table it references.
The same columns without the partition filter, and every column of every table touched, give
what the same questions cost without pruning.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlglot
from sqlglot import exp

from pipeval.adapters.duckdb_warehouse import DuckDBWarehouse
from pipeval.ports import Column
from pipeval.profile import Profile

# On-demand compute: US$ 6.25 per TiB scanned (BigQuery pricing page, "On-demand pricing (per
# TiB)"; the first TiB of each month is free), with a minimum of 10 MB per table referenced.
PRICE_PER_TIB_USD = 6.25
TIB = 2**40
MIN_BILLED_BYTES = 10 * 2**20
EIGHT_BYTES = {"INT64", "FLOAT64", "NUMERIC", "DATE", "DATETIME", "TIME", "TIMESTAMP"}
JOBS_PARTITION = "creation_time"  # INFORMATION_SCHEMA.JOBS* are partitioned by creation_time
SIZE_TEMPLATES = {
    "STRING": "SUM(2 + LENGTH(CAST(_c AS BYTES)))",
    "BYTES": "SUM(2 + LENGTH(CAST(_c AS BYTES)))",
    "BOOL": "COUNT(_c)",
    "EIGHT": "8 * COUNT(_c)",
    "REPEATED_EIGHT": "8 * SUM(ARRAY_LENGTH(_c))",
}


@dataclass(frozen=True)
class StatementBytes:
    table: str  # the tables it reads, comma-separated
    columns: tuple[str, ...]  # `dataset.table.column`
    partition_filtered: bool
    scanned: int  # the referenced columns in the selected partitions
    unpruned: int  # the same columns over the whole table
    billed: int  # scanned, with the 10 MB minimum

    @property
    def cost_usd(self) -> float:
        return self.billed / TIB * PRICE_PER_TIB_USD


def cost(billed: int) -> float:
    return billed / TIB * PRICE_PER_TIB_USD


def partition_columns(profile: Profile) -> dict[str, str]:
    """Date-partitioned tables (DESIGN.md: the schedule and the phase tables) -> their column."""
    columns = {profile.schedule.table: profile.schedule.date_column}
    for phase in profile.phases:
        columns.update({table.table: table.date_column for table in phase.tables})
    # declarative checks' tables (a reconcile's other table too); a DATE(timestamp)-partitioned
    # table prunes on its timestamp column
    for check in profile.checks:
        columns.setdefault(check.table, check.partition_column or check.date_column)
        if check.other is not None:
            columns.setdefault(check.other.table, check.other.date_column)
    return columns


def embedded_name(table: exp.Table) -> str:
    """The DuckDB table behind a statement's table (metadata views live in `bq_meta`)."""
    flat = ".".join(part.name for part in table.parts).upper()
    if "INFORMATION_SCHEMA.JOBS" in flat:
        return "bq_meta.jobs_by_project"
    if "INFORMATION_SCHEMA.TABLES" in flat:
        return "bq_meta.tables"
    return f"{table.db}.{table.name}"


def _leaves(tree: exp.Expression, schema: list[Column]) -> dict[str, tuple[exp.Column, Column]]:
    """Columns (and STRUCT fields, as `struct.field`) that the statement reads."""
    by_name = {column.name: column for column in schema}
    found: dict[str, tuple[exp.Column, Column]] = {}
    for node in tree.find_all(exp.Column):
        parent = by_name.get(node.table) if node.table else None
        if parent is not None and parent.type == "STRUCT":
            field = next((f for f in parent.fields if f.name == node.name), None)
            if field is not None:
                found[f"{parent.name}.{field.name}"] = (exp.column(field.name, parent.name), field)
        elif not node.table and node.name in by_name:
            found[node.name] = (exp.column(node.name), by_name[node.name])
    return found


def _size(column: exp.Column, kind: Column) -> exp.Expression | None:
    if kind.mode == "REPEATED":
        key = "REPEATED_EIGHT" if kind.type in EIGHT_BYTES else None
    elif kind.type in EIGHT_BYTES:
        key = "EIGHT"
    else:
        key = kind.type if kind.type in SIZE_TEMPLATES else None
    if key is None:
        return None
    template = sqlglot.parse_one(SIZE_TEMPLATES[key], read="bigquery")
    return template.transform(
        lambda node: column.copy() if isinstance(node, exp.Column) and node.name == "_c" else node
    )


def _partition_filter(tree: exp.Expression, column: str | None) -> exp.Expression | None:
    """The WHERE conjuncts that only test the partition column: what BigQuery prunes with."""
    where = tree.args.get("where")
    if column is None or where is None:
        return None
    condition = where.this
    conjuncts = list(condition.flatten()) if isinstance(condition, exp.And) else [condition]
    kept = [
        part
        for part in conjuncts
        if isinstance(part, exp.Predicate | exp.Between)
        and {c.name for c in part.find_all(exp.Column)} == {column}
    ]
    return exp.and_(*(part.copy() for part in kept)) if kept else None


def _measure(
    warehouse: DuckDBWarehouse,
    table: exp.Table,
    sizes: list[exp.Expression],
    where: exp.Expression | None,
    params: dict[str, Any],
) -> int:
    if not sizes:
        return 0
    select = exp.select(
        *(
            exp.alias_(exp.func("COALESCE", s, exp.Literal.number(0)), f"b{i}")
            for i, s in enumerate(sizes)
        )
    ).from_(table.copy())
    if where is not None:
        select = select.where(where)
    row = warehouse.query(select.sql("bigquery"), params, "bytes estimate").rows[0]
    return int(sum(row.values()))


def _reads(tree: exp.Expression) -> dict[str, list[exp.Select]]:
    """Each real table a statement reads -> the SELECT scopes whose FROM names it (a statement
    with CTEs reads several tables; references to a CTE are not tables)."""
    ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
    found: dict[str, list[exp.Select]] = {}
    for select in tree.find_all(exp.Select):
        source = select.args.get("from_") or select.args.get("from")  # key renamed in sqlglot
        table = source.this if source is not None else None
        if isinstance(table, exp.Table) and (table.db or table.name not in ctes):
            found.setdefault(embedded_name(table), []).append(select)
    return found


def estimate(
    warehouse: DuckDBWarehouse,
    statements: Iterable[tuple[str, dict[str, Any]]],
    partitions: dict[str, str],
) -> list[StatementBytes]:
    """One entry per statement; a statement reading several tables sums them, each billed at
    least the 10 MB minimum, with the columns and partition filter of the scopes reading it."""
    results = []
    for sql, params in statements:
        tree = sqlglot.parse_one(sql, read="bigquery")
        names, columns, filtered = [], set(), True
        scanned = unpruned = billed = 0
        for name, scopes in _reads(tree).items():
            schema = warehouse.table_schema(name) or []
            leaves: dict[str, tuple[exp.Column, Column]] = {}
            for scope in scopes:
                leaves.update(_leaves(scope, schema))
            sizes = [s for ref, kind in leaves.values() if (s := _size(ref, kind)) is not None]
            partition = (
                JOBS_PARTITION if name == "bq_meta.jobs_by_project" else partitions.get(name)
            )
            wheres = [_partition_filter(scope, partition) for scope in scopes]
            where = wheres[0] if all(w is not None for w in wheres) else None
            source = scopes[0].args.get("from_") or scopes[0].args.get("from")
            table = source.this.copy()
            table.set("alias", None)
            table_scanned = _measure(warehouse, table, sizes, where, params)
            table_unpruned = (
                _measure(warehouse, table, sizes, None, params)
                if where is not None
                else table_scanned
            )
            names.append(name)
            columns.update(f"{name}.{leaf}" for leaf in leaves)
            filtered = filtered and (where is not None or partition is None)
            scanned += table_scanned
            unpruned += table_unpruned
            billed += max(table_scanned, MIN_BILLED_BYTES)
        results.append(
            StatementBytes(
                ", ".join(names),
                tuple(sorted(columns)),
                filtered,
                scanned,
                unpruned,
                billed,
            )
        )
    return results


def whole_tables(warehouse: DuckDBWarehouse, tables: Iterable[str]) -> int:
    """Every column of every row of each table, billed once per table (a `SELECT *` each)."""
    total = 0
    for name in sorted(set(tables)):
        schema = warehouse.table_schema(name) or []
        refs = [(exp.column(c.name), c) for c in schema]
        sizes = [s for ref, kind in refs if (s := _size(ref, kind)) is not None]
        dataset, table = name.split(".")
        total += max(
            _measure(warehouse, exp.table_(table, db=dataset), sizes, None, {}), MIN_BILLED_BYTES
        )
    return total


def per_date_billed(
    warehouse: DuckDBWarehouse,
    per_table_columns: dict[str, tuple[str, ...]],
    partitions: dict[str, str],
    days: list[date],
) -> int:
    """The old loop's bill: one statement per table and date, each at least 10 MB.

    Measured with one statement per table grouped by date (the loop itself is not re-run)."""
    total = 0
    bounds = {"start": min(days), "end": max(days)}
    for name, columns in sorted(per_table_columns.items()):
        partition = partitions.get(name)
        if partition is None:
            continue
        schema = {c.name: c for c in warehouse.table_schema(name) or []}
        sizes = [s for c in columns if c in schema and (s := _size(exp.column(c), schema[c]))]
        dataset, table = name.split(".")
        day = exp.column(partition)
        total_size = exp.Add(this=exp.Literal.number(0), expression=exp.Literal.number(0))
        for size in sizes:
            total_size = exp.Add(
                this=total_size, expression=exp.func("COALESCE", size, exp.Literal.number(0))
            )
        select = (
            exp.select(exp.alias_(day.copy(), "day"), exp.alias_(total_size, "bytes"))
            .from_(exp.table_(table, db=dataset))
            .where(
                day.copy().between(
                    exp.Parameter(this=exp.var("start")), exp.Parameter(this=exp.var("end"))
                )
            )
            .group_by(day.copy())
        )
        rows = warehouse.query(select.sql("bigquery"), bounds, "bytes per date").rows
        by_day = {row["day"]: int(row["bytes"] or 0) for row in rows}
        total += sum(max(by_day.get(d, 0), MIN_BILLED_BYTES) for d in days)
    return total
