"""The production warehouse: google-cloud-bigquery with cost and safety guards on every job.

Every statement passes the read-only guard before anything is sent; every job carries the byte
cap, pipeval's labels and a timeout; transient errors are retried with backoff, 400s never.
This module is the data source (what may be sent, what answers mean); the client and its retry
budgets are `bigquery_connection`, error lines `bigquery_errors`, parameter and column typing
`bigquery_types`, key files `google_credentials`. `google.cloud.bigquery` is imported by these
modules only, so embedded mode never loads it.
"""

from __future__ import annotations

import concurrent.futures
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from google.api_core import exceptions as api_errors

from pipeval.adapters.bigquery_connection import BigQueryConnection, make_client
from pipeval.adapters.bigquery_errors import translate
from pipeval.adapters.bigquery_types import column_from_field, job_labels, query_parameter
from pipeval.adapters.values import decode
from pipeval.errors import PipevalError
from pipeval.identifiers import TableName, check_identifier
from pipeval.ports import Column, Query, QueryKey, QueryResult, QueryStats, Row
from pipeval.sqlkit import check_bound, ensure_query, metadata_region, parameter_names

if TYPE_CHECKING:
    from google.cloud import bigquery


DEFAULT_MAX_BYTES = 10_000_000_000
DEFAULT_TIMEOUT_S = 120.0
DEFAULT_WORKERS = 8

T = TypeVar("T")


class BigQueryWarehouse:
    """`bigquery://PROJECT?location=REGION`, read-only, with guards on every job."""

    def __init__(
        self,
        project: str,
        location: str | None = None,
        url: str | None = None,
        *,
        maximum_bytes_billed: int = DEFAULT_MAX_BYTES,
        query_timeout_s: float = DEFAULT_TIMEOUT_S,
        region: str | None = None,
        credentials_file: str | Path | None = None,
        credentials: Any = None,
        endpoint: str | None = None,
        client: bigquery.Client | None = None,
        max_workers: int = DEFAULT_WORKERS,
        retry_initial_s: float = 1.0,
        retry_maximum_s: float = 16.0,
    ) -> None:
        self.project = check_identifier(project, "BigQuery project")
        self.location = location or region
        self.url = url or f"bigquery://{project}"
        self.stats = QueryStats()
        self.maximum_bytes_billed = int(maximum_bytes_billed)
        self.query_timeout_s = float(query_timeout_s)
        self.max_workers = max(1, int(max_workers))
        self._lock = threading.Lock()
        self.connection = BigQueryConnection(
            client
            or make_client(self.project, self.location, credentials_file, credentials, endpoint),
            self.location,
            self.query_timeout_s,
            retry_initial_s,
            retry_maximum_s,
        )

    @property
    def client(self) -> bigquery.Client:
        return self.connection.client

    # -- guards ------------------------------------------------------------------------------

    def job_config(
        self,
        sql: str,
        params: Mapping[str, Any] | None,
        label: str = "",
        check: str = "",
        dry_run: bool = False,
    ) -> bigquery.QueryJobConfig:
        """Refuse anything but one read-only query, then the config every job carries."""
        from google.cloud import bigquery

        given = check_bound(parameter_names(ensure_query(sql)), params)
        return bigquery.QueryJobConfig(
            query_parameters=[query_parameter(name, value) for name, value in given.items()],
            maximum_bytes_billed=self.maximum_bytes_billed,
            labels=job_labels(label, check),
            job_timeout_ms=int(self.query_timeout_s * 1000),
            use_legacy_sql=False,
            dry_run=dry_run,
            use_query_cache=not dry_run,
        )

    def job_location(self, sql: str) -> str | None:
        """Where the job runs: a region-qualified INFORMATION_SCHEMA view is served only in its
        own region (jobs metadata is per region), everything else in the URL's location."""
        return metadata_region(ensure_query(sql)) or self.location

    # -- the Warehouse port ------------------------------------------------------------------

    def query(
        self, sql: str, params: dict[str, Any] | None = None, label: str = "", check: str = ""
    ) -> QueryResult:
        config = self.job_config(sql, params, label, check)
        # One budget for the whole query: API retries, job re-runs and waiting for rows.
        deadline = time.monotonic() + self.query_timeout_s
        with self._lock:  # counted when sent, as the embedded warehouse does, failed or not
            self.stats.queries += 1
            self.stats.sent.append(sql)
        try:
            job, rows = self.connection.run(sql, config, deadline, self.job_location(sql))
            decoded = [{key: decode(value) for key, value in row.items()} for row in rows]
        except Exception as err:
            raise translate(err, sql, label, self.maximum_bytes_billed) from None
        processed = job.total_bytes_processed
        with self._lock:
            self.stats.bytes_processed += int(processed or 0)
            self.stats.rows_fetched += len(decoded)
        return QueryResult(decoded, bytes_processed=processed)

    def estimate(
        self, sql: str, params: dict[str, Any] | None = None, label: str = "", check: str = ""
    ) -> int:
        """BigQuery's dry-run estimate of the bytes a query would process; runs nothing."""
        config = self.job_config(sql, params, label, check, dry_run=True)
        try:
            return self.connection.dry_run(sql, config, self.job_location(sql))
        except Exception as err:
            raise translate(err, sql, label, self.maximum_bytes_billed) from None

    def prefetch(self, queries: Iterable[Query]) -> dict[QueryKey, list[Row] | PipevalError]:
        """Independent queries at once (bounded pool): a suite costs about one query's latency."""
        return self._map(queries, lambda q: self.query(q.sql, q.bound(), q.label, q.check).rows)

    def estimate_all(self, queries: Iterable[Query]) -> dict[QueryKey, int | PipevalError]:
        return self._map(queries, lambda q: self.estimate(q.sql, q.bound(), q.label, q.check))

    def _map(
        self, queries: Iterable[Query], work: Callable[[Query], T]
    ) -> dict[QueryKey, T | PipevalError]:
        unique = {query.key(): query for query in queries}
        if not unique:
            return {}
        outcomes: dict[QueryKey, T | PipevalError] = {}
        workers = min(self.max_workers, len(unique))
        with concurrent.futures.ThreadPoolExecutor(workers, "pipeval-bq") as pool:
            futures = {pool.submit(work, query): key for key, query in unique.items()}
            for future in concurrent.futures.as_completed(futures):
                key = futures[future]
                try:
                    outcomes[key] = future.result()
                except PipevalError as err:
                    outcomes[key] = err
                except Exception as err:
                    outcomes[key] = translate(err, unique[key].sql, unique[key].label)
        return outcomes

    def table_schema(self, table: str) -> list[Column] | None:
        name = TableName.parse(table)
        try:
            found = self.connection.get_table(f"{self.project}.{name.dataset}.{name.table}")
        except api_errors.NotFound:
            return None
        except Exception as err:
            raise translate(err, label=f"schema of {name}") from None
        return [column_from_field(field) for field in found.schema]

    def list_tables(self, dataset: str) -> list[str]:
        dataset_id = check_identifier(dataset, "dataset")
        try:
            return self.connection.list_table_ids(f"{self.project}.{dataset_id}")
        except api_errors.NotFound:
            return []
        except Exception as err:
            raise translate(err, label=f"tables of {dataset_id}") from None

    def close(self) -> None:
        self.connection.close()
