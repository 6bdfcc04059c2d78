"""The embedded warehouse: one DuckDB file opened read-only, queried in BigQuery SQL."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import Any

try:  # the engine alone: `duckdb` is it plus a Python relational API (~30 ms of imports)
    import _duckdb as duckdb  # duckdb >= 1.4; `duckdb.connect` and `duckdb.Error` are its own
except ImportError:  # pragma: no cover - older duckdb keeps the engine inside the package
    import duckdb

from pipeval.adapters.values import decode, to_naive_utc
from pipeval.errors import BackendError, PipevalError, first_line
from pipeval.files import read_head, regular_file_problem
from pipeval.identifiers import TableName, check_identifier
from pipeval.ports import Column, Query, QueryKey, QueryResult, QueryStats, Row
from pipeval.sqlcache import cached
from pipeval.sqlkit import check_bound
from pipeval.types import column_from_type

_COLUMNS_SQL = (
    "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
    "WHERE table_schema = $dataset AND table_name = $table ORDER BY ordinal_position"
)
_TABLES_SQL = (
    "SELECT table_name FROM information_schema.tables "
    "WHERE table_schema = $dataset ORDER BY table_name"
)
# Result types whose Python values are already what rows carry; every other column (timestamps,
# decimals, lists, structs) goes through `decode`. Skipping the plain ones per column rather than
# per value keeps a season's ~100k-row fetches from being dominated by isinstance calls.
_PLAIN_TYPES = frozenset(
    {
        "VARCHAR",
        "BOOLEAN",
        "DATE",
        "DOUBLE",
        "FLOAT",
        "TINYINT",
        "SMALLINT",
        "INTEGER",
        "BIGINT",
        "HUGEINT",
        "UTINYINT",
        "USMALLINT",
        "UINTEGER",
        "UBIGINT",
        "UHUGEINT",
    }
)


@lru_cache(maxsize=1024)
def transpiled(sql: str) -> tuple[str, tuple[str, ...]]:
    """The DuckDB text of a BigQuery statement and its parameter names. Kept in the SQL cache:
    a warm run neither imports sqlglot nor transpiles (a statement that fails the read-only
    guard raises and is never cached; the connection is read-only as well)."""

    def compute() -> str:
        from pipeval.adapters.bq_to_duckdb import to_duckdb

        return json.dumps(to_duckdb(sql))

    duck_sql, names = json.loads(cached("duckdb", sql, compute))
    return duck_sql, tuple(names)


_SETTINGS = (
    "SET autoinstall_known_extensions = false",
    "SET autoload_known_extensions = false",
    # One worker thread: pipeval's statements scan tables of a row group or a few, where a
    # second thread has nothing to split but keeps its own buffers. On the season sample it
    # cut the peak memory of `historical` by ~16 MiB (DuckDB's share: 131 -> ~111 MiB) and
    # its CPU time by ~5 %, wall time unchanged (2 cores, interleaved runs).
    "SET threads = 1",
)
# A DuckDB database file starts with an 8-byte checksum, then the magic bytes "DUCK".
_MAGIC = b"DUCK"
_MAGIC_AT = 8


def _is_duckdb_file(path: Path) -> bool:
    try:
        header = read_head(path, _MAGIC_AT + len(_MAGIC))
    except OSError:
        return True  # unreadable: let DuckDB's open report why, in its words
    return header[_MAGIC_AT:] == _MAGIC


def _column(name: str, data_type: str, is_nullable: str) -> Column:
    """A catalog row in BigQuery terms: NOT NULL is mode REQUIRED (arrays stay REPEATED)."""
    column = column_from_type(name, data_type)
    if is_nullable == "NO" and column.mode == "NULLABLE":
        return replace(column, mode="REQUIRED")
    return column


def _decoded(row: tuple[Any, ...], positions: list[int]) -> list[Any]:
    values = list(row)
    for position in positions:
        values[position] = decode(values[position])
    return values


class DuckDBWarehouse:
    def __init__(self, path: str | Path, url: str | None = None) -> None:
        self.path = Path(path)
        self.url = url or f"duckdb:///{self.path}"
        self.stats = QueryStats()
        problem = regular_file_problem(self.path)
        if problem == "is a directory":
            raise BackendError(f"warehouse {self.path} is a directory, expected a DuckDB file")
        if problem == "file not found":
            raise BackendError(f"warehouse file not found: {self.path}")
        if problem is not None:
            # A FIFO would block DuckDB's open forever; a device is no database.
            raise BackendError(f"warehouse {self.path}: {problem}, expected a DuckDB file")
        if not _is_duckdb_file(self.path):
            # DuckDB would hand a SQLite or Postgres file to an extension it downloads.
            raise BackendError(f"cannot open warehouse {self.path}: not a DuckDB database file")
        try:
            # read_only: pipeval never writes, and the file may be open in the pipeline too.
            # No extension is installed or loaded behind the user's back (no network, no
            # code from ~/.duckdb): a foreign file format is refused, not auto-handled.
            self._con = duckdb.connect(str(self.path), read_only=True)
            # Set after connecting, not as connect() config: DuckDB refuses a second
            # connection to one file with a different config (a caller may hold one).
            for statement in _SETTINGS:
                self._con.execute(statement)
            self._con.execute("SET TimeZone = 'UTC'")
        except duckdb.Error as err:
            raise BackendError(f"cannot open warehouse {self.path}: {first_line(err)}") from None

    def query(
        self, sql: str, params: dict[str, Any] | None = None, label: str = "", check: str = ""
    ) -> QueryResult:
        duck_sql, names = transpiled(sql)
        given = check_bound(names, params)
        bound = {name: to_naive_utc(given[name]) for name in names}
        self.stats.queries += 1
        self.stats.sent.append(sql)
        rows = self._fetch(duck_sql, bound, label)
        self.stats.rows_fetched += len(rows)
        return QueryResult(rows, bytes_processed=None)

    def prefetch(self, queries: Iterable[Query]) -> dict[QueryKey, list[Row] | PipevalError]:
        """One after another: one embedded connection, and each query is already one scan."""
        outcomes: dict[QueryKey, list[Row] | PipevalError] = {}
        for query in queries:
            if query.key() in outcomes:
                continue
            try:
                outcomes[query.key()] = self.query(
                    query.sql, query.bound(), query.label, query.check
                ).rows
            except PipevalError as err:
                outcomes[query.key()] = err
        return outcomes

    def estimate_all(self, queries: Iterable[Query]) -> None:
        """DuckDB has no byte estimate: a dry run lists the queries without one."""
        return None

    def _fetch(self, duck_sql: str, bound: dict[str, Any], label: str) -> list[dict[str, Any]]:
        try:
            cursor = self._con.execute(duck_sql, bound)
            description = cursor.description or []
            rows = cursor.fetchall()
        except duckdb.Error as err:
            where = f" ({label})" if label else ""
            raise BackendError(f"query failed{where}: {first_line(err)}") from None
        columns = [desc[0] for desc in description]
        special = [i for i, desc in enumerate(description) if str(desc[1]) not in _PLAIN_TYPES]
        if special:
            rows = [_decoded(row, special) for row in rows]
        # map/zip over the rows builds the dicts at C speed (a season is ~100k rows); every row
        # has exactly the cursor's columns.
        return list(map(dict, map(zip, repeat(columns), rows)))

    def table_schema(self, table: str) -> list[Column] | None:
        name = TableName.parse(table)
        rows = self._con.execute(_COLUMNS_SQL, {"dataset": name.dataset, "table": name.table})
        found = rows.fetchall()
        if not found:
            return None
        return [_column(*row) for row in found]

    def list_tables(self, dataset: str) -> list[str]:
        rows = self._con.execute(_TABLES_SQL, {"dataset": check_identifier(dataset, "dataset")})
        return [row[0] for row in rows.fetchall()]

    def close(self) -> None:
        self._con.close()
