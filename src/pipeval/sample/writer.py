"""Bulk loading: rows go to CSV with the csv module, then DuckDB COPYs each file into its table.

COPY into a table created with explicit types parses every value with the column's own type
(DATE, TIMESTAMP, DOUBLE[], STRUCT), which is far faster than row-by-row inserts.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp

from pipeval.identifiers import TableName, check_identifier
from pipeval.sample.tables import COLUMNS, split


def write_csv(path: Path, rows: Iterable[Sequence[object]]) -> int:
    """Write rows (None -> empty field, read back as NULL); returns how many were written."""
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for row in rows:  # csv writes booleans as True/False, which COPY reads as BOOLEAN
            writer.writerow(row)
            count += 1
    return count


# DDL and COPY cannot bind parameters: the statements are built as sqlglot trees from this
# package's own table constants (validated as identifiers) and a literal node for the path.
_COPY = (
    "COPY _t_ FROM '_path_' (FORMAT csv, HEADER false, DELIMITER ',', QUOTE '\"', ESCAPE '\"', "
    "NULLSTR '', AUTO_DETECT false)"
)


def _table(name: str) -> exp.Table:
    parsed = TableName.parse(name)
    return exp.table_(parsed.table, db=parsed.dataset)


def create_tables(con: duckdb.DuckDBPyConnection, names: Iterable[str]) -> None:
    names = list(names)
    for schema in sorted({split(name)[0] for name in names}):
        identifier = exp.to_identifier(check_identifier(schema, "dataset"))
        con.execute(
            exp.Create(kind="SCHEMA", this=exp.Table(this=identifier), exists=True).sql("duckdb")
        )
    for name in names:
        columns = [
            exp.ColumnDef(
                this=exp.to_identifier(check_identifier(column, "column")),
                kind=exp.DataType.build(kind, dialect="duckdb"),
            )
            for column, kind in COLUMNS[name]
        ]
        create = exp.Create(kind="TABLE", this=exp.Schema(this=_table(name), expressions=columns))
        con.execute(create.sql("duckdb"))


def copy_csv(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    """COPY a CSV file into `table`, one of this package's tables."""
    if table not in COLUMNS:
        raise KeyError(table)

    def fill(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table) and node.name == "_t_":
            return _table(table)
        if isinstance(node, exp.Literal) and node.this == "_path_":
            return exp.Literal.string(str(path))
        return node

    con.execute(sqlglot.parse_one(_COPY, read="duckdb").transform(fill).sql("duckdb"))
