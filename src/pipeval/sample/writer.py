"""Bulk loading: rows go to CSV with the csv module, then DuckDB COPYs each file into its table.

COPY into a table created with explicit types parses every value with the column's own type
(DATE, TIMESTAMP, DOUBLE[], STRUCT), which is far faster than row-by-row inserts.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb

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


def create_tables(con: duckdb.DuckDBPyConnection, names: Iterable[str]) -> None:
    names = list(names)
    for schema in sorted({split(name)[0] for name in names}):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for name in names:
        columns = ", ".join(f"{column} {kind}" for column, kind in COLUMNS[name])
        con.execute(f"CREATE TABLE {name} ({columns})")


def copy_csv(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    """COPY a CSV file into `table`; the names are this package's constants, never user input."""
    if table not in COLUMNS:
        raise KeyError(table)
    literal = str(path).replace("'", "''")
    con.execute(
        f"COPY {table} FROM '{literal}' (FORMAT csv, HEADER false, DELIMITER ',', "
        "QUOTE '\"', ESCAPE '\"', NULLSTR '', AUTO_DETECT false)"
    )
