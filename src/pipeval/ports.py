"""The ports every check talks through: a read-only warehouse, a read-only state store and the
deployed services (read-only too)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from pipeval.errors import PipevalError

Row = dict[str, Any]
# A query's identity (`Query.key()`): its SQL and bound parameters, not its labels.
QueryKey = tuple[str, tuple[tuple[str, Any], ...]]


@dataclass(frozen=True)
class Query:
    """One batched statement: BigQuery SQL plus bound parameters. Hashable for de-duplication."""

    sql: str
    params: tuple[tuple[str, Any], ...] = ()
    label: str = ""
    # The check that asked for it (a BigQuery job label); not part of the query's identity.
    check: str = field(default="", compare=False)
    # How it may travel in one statement with others of its kind (`Batch`); not part of the
    # query's identity either: alone, it is sent as it is.
    batch: Batch | None = field(default=None, compare=False)

    @classmethod
    def of(cls, sql: str, label: str = "", **params: Any) -> Query:
        frozen = tuple(
            sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items())
        )
        return cls(sql=sql, params=frozen, label=label)

    def bound(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.params}

    def key(self) -> QueryKey:
        return (self.sql, self.params)


@dataclass(frozen=True)
class Batch:
    """What lets a query be answered by one statement sent for several: the queries of one
    `group` that are asked together (e.g. every phase table's presence over one schedule and
    range) go as `combine(group, members)`, whose rows carry a `part` column (the position of
    the member they answer) besides the member's own `columns`. The query cache splits those
    rows back, so each query reads exactly what its own statement returns
    (`pipeval.query.combine`)."""

    group: Hashable
    member: Hashable
    columns: tuple[str, ...]
    combine: Callable[[Hashable, tuple[Hashable, ...]], Query]


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
    # Result rows brought into Python: what crosses the wire from BigQuery.
    rows_fetched: int = 0
    sent: list[str] = field(default_factory=list)
    # Combined statements (`Batch`) that failed, so that their members were sent alone (counted
    # by the query cache): the failed job was paid for too, and a byte cap or a timeout that
    # fails it fails it on every run. One reason (its error's first line, redacted) per fallback.
    fallbacks: int = 0
    fallback_reasons: list[str] = field(default_factory=list)


class Warehouse(Protocol):
    """A read-only warehouse that batches: both adapters implement every method.

    `label` names the query and `check` the check that asked for it (BigQuery jobs carry both
    as labels; DuckDB ignores them). `prefetch` runs independent queries as the engine can
    (BigQuery concurrently, DuckDB one after another) and returns each one's rows or error.
    `estimate_all` prices queries without running them, or is None when the engine has no
    estimate (DuckDB), so callers never probe for a method.
    """

    url: str
    stats: QueryStats

    def query(
        self, sql: str, params: dict[str, Any] | None = None, label: str = "", check: str = ""
    ) -> QueryResult:
        """Run one read-only BigQuery Standard SQL query with bound @parameters."""
        ...

    def prefetch(self, queries: Iterable[Query]) -> dict[QueryKey, list[Row] | PipevalError]:
        """Rows (or the error) of each distinct query, keyed by `Query.key()`."""
        ...

    def estimate_all(self, queries: Iterable[Query]) -> dict[QueryKey, int | PipevalError] | None:
        """Bytes each query would process, keyed by `Query.key()`; None: no estimates here."""
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

    def get_many(
        self, collection: str, documents: list[str]
    ) -> dict[str, dict[str, Any] | PipevalError | None]:
        """Several documents of one collection in one read (a range's dates: one round trip on
        Firestore, not one per date). Each id maps to what `get` returns for it (None when the
        document does not exist), or to the error `get` raises for it alone (an id refused, a
        document that cannot be read): one bad document fails only itself. Raises when the read
        as a whole fails (a collection refused, the store unreachable, no permission): then no
        document can be read, and asking again per document would wait for the same failure
        once per document. An empty list reads nothing."""
        ...

    def list(self, collection: str) -> list[str]:
        """Document ids of a collection, sorted."""
        ...


@dataclass(frozen=True)
class DeployedService:
    """What a deployment says about itself: the Cloud Run Service resource, reduced."""

    name: str
    labels: dict[str, str]
    update_time: datetime | None
    revision: str = ""
    # A gen2 Cloud Function is a Cloud Run service managed by Cloud Functions.
    is_function: bool = False


class Deployments(Protocol):
    url: str

    def describe(self, service: str, region: str) -> DeployedService | None:
        """The deployed service, or None when no service of that name exists in the region."""
        ...
