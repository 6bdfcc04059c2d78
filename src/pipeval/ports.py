"""The two ports every check talks through: a read-only warehouse and a read-only state store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

Row = dict[str, Any]


@dataclass(frozen=True)
class Column:
    """A column in BigQuery terms: normalised type name, mode and nested fields."""

    name: str
    type: str
    mode: str = "NULLABLE"
    fields: tuple[Column, ...] = ()


@dataclass
class QueryResult:
    rows: list[Row]
    bytes_processed: int | None = None


@dataclass
class QueryStats:
    queries: int = 0
    bytes_processed: int = 0
    sent: list[str] = field(default_factory=list)


class Warehouse(Protocol):
    url: str
    stats: QueryStats

    def query(self, sql: str, params: dict[str, Any] | None = None, label: str = "") -> QueryResult:
        """Run one read-only BigQuery Standard SQL query with bound @parameters."""
        ...

    def table_schema(self, table: str) -> list[Column] | None:
        """Columns of `dataset.table`, or None when the table does not exist."""
        ...

    def list_tables(self, dataset: str) -> list[str]: ...

    def close(self) -> None: ...


class StateStore(Protocol):
    url: str

    def get(self, collection: str, document: str) -> dict[str, Any] | None:
        """One document as a plain dict, or None when it does not exist."""
        ...

    def list(self, collection: str) -> list[str]:
        """Document ids of a collection, sorted."""
        ...
