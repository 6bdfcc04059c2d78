"""The production warehouse: google-cloud-bigquery with cost and safety guards on every job.

Every statement passes the read-only guard before anything is sent; every job carries the byte
cap, pipeval's labels and a timeout; transient errors are retried with backoff, 400s never.
`google.cloud.bigquery` is imported here only, so embedded mode never loads it.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from google.api_core import exceptions as api_errors
from google.api_core import retry as api_retry

from pipeval.adapters.values import decode
from pipeval.errors import BackendError, PermissionDeniedError, PipevalError, first_line
from pipeval.identifiers import TableName, check_identifier
from pipeval.ports import Column, QueryResult, QueryStats
from pipeval.sqlkit import ensure_query, parameter_names
from pipeval.types import normalize_type

if TYPE_CHECKING:
    from google.cloud import bigquery

    from pipeval.query import Query

EMULATOR_ENV = "BIGQUERY_EMULATOR_HOST"
DEFAULT_MAX_BYTES = 10_000_000_000
DEFAULT_TIMEOUT_S = 120.0
DEFAULT_WORKERS = 8
SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)

# Reasons BigQuery gives for errors that go away when retried later.
TRANSIENT_REASONS = frozenset({"rateLimitExceeded", "backendError", "internalError", "badGateway"})
TRANSIENT_JOB_REASONS = frozenset({"jobBackendError", "jobInternalError", "jobRateLimitExceeded"})
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    api_errors.TooManyRequests,
    api_errors.InternalServerError,
    api_errors.BadGateway,
    api_errors.ServiceUnavailable,
    api_errors.GatewayTimeout,
    ConnectionError,
)

# What to grant for a permission BigQuery says is missing (predefined roles that hold it).
ROLE_FOR_PERMISSION = {
    "bigquery.jobs.listAll": "BigQuery Resource Viewer (roles/bigquery.resourceViewer)",
    "bigquery.jobs.create": "BigQuery Job User (roles/bigquery.jobUser)",
    "bigquery.tables.getData": "BigQuery Data Viewer (roles/bigquery.dataViewer)",
    "bigquery.tables.get": "BigQuery Data Viewer (roles/bigquery.dataViewer)",
    "bigquery.tables.list": "BigQuery Data Viewer (roles/bigquery.dataViewer)",
    "bigquery.datasets.get": "BigQuery Data Viewer (roles/bigquery.dataViewer)",
}
_PERMISSION_RE = re.compile(r"\b(bigquery\.[A-Za-z]+\.[A-Za-z]+)\b")
_JOBS_VIEW_RE = re.compile(r"INFORMATION_SCHEMA\.JOBS", re.IGNORECASE)
_BYTES_CAP_RE = re.compile(r"limit for bytes billed: (\d+)\. (\d+) or higher required")
_REQUEST_PREFIX = re.compile(r"^(?:GET|POST|PUT|PATCH|DELETE) \S+: ")
_LABEL_VALUE_RE = re.compile(r"[^a-z0-9_-]+")
LABEL_MAX = 63

T = TypeVar("T")


def label_value(text: str) -> str:
    """A BigQuery label value: lowercase, [a-z0-9_-] only, at most 63 characters."""
    return _LABEL_VALUE_RE.sub("_", text.lower()).strip("_")[:LABEL_MAX]


def job_labels(query_label: str = "", check: str = "") -> dict[str, str]:
    """`tool=pipeval` plus the check and the query, so users can find pipeval's own cost."""
    labels = {"tool": "pipeval"}
    for key, text in (("check", check), ("query", query_label)):
        value = label_value(text)
        if value:
            labels[key] = value
    return labels


def is_transient(err: BaseException) -> bool:
    """Worth retrying: BigQuery's reason decides when it gives one (rateLimitExceeded comes
    as a 403, a failed job's reason as any status), else 429/500/502/503/504 or the network.
    A 400 never is."""
    if isinstance(err, api_errors.BadRequest):
        return False
    if isinstance(err, api_errors.GoogleAPICallError):
        reason = _reason(err)
        return reason in TRANSIENT_REASONS if reason else isinstance(err, TRANSIENT_ERRORS)
    import requests  # a dependency of google-cloud-bigquery; only its network errors matter

    return isinstance(err, ConnectionError | requests.ConnectionError | requests.Timeout)


def is_transient_job_failure(err: BaseException) -> bool:
    """A job that failed for a reason that may not recur (what BigQuery's client re-runs)."""
    if isinstance(err, api_errors.RetryError):
        return False  # the API retries already used the budget
    if isinstance(err, api_errors.GoogleAPICallError) and _reason(err) in TRANSIENT_JOB_REASONS:
        return True
    return is_transient(err)


def _reason(err: api_errors.GoogleAPICallError) -> str:
    errors = getattr(err, "errors", None) or []
    first = errors[0] if errors else {}
    return str(first.get("reason", "")) if isinstance(first, Mapping) else ""


def _api_message(err: BaseException) -> str:
    message = getattr(err, "message", None) or str(err)
    # The client prefixes HTTP errors with the request ("POST https://...: "): not the news.
    return _REQUEST_PREFIX.sub("", first_line(message)) or type(err).__name__


def permission_denied(err: api_errors.GoogleAPICallError, sql: str = "") -> PermissionDeniedError:
    """A 403 accessDenied, naming the missing permission and the role that grants it."""
    message = _api_message(err)
    found = _PERMISSION_RE.search(message)
    if found:
        permission = found.group(1)
    elif _JOBS_VIEW_RE.search(sql):
        # BigQuery names only the view ("User does not have permission to query table ...").
        permission = "bigquery.jobs.listAll"
    else:
        permission = "bigquery.tables.getData"
    role = ROLE_FOR_PERMISSION.get(permission, "")
    grant = f"; grant {role}" if role else ""
    return PermissionDeniedError(
        f"permission denied: needs {permission}{grant} ({message})",
        permission=permission,
        role=role,
    )


def translate(err: BaseException, sql: str = "", label: str = "", cap: int = 0) -> PipevalError:
    """Turn a client exception into one clear PipevalError line."""
    where = f" ({label})" if label else ""
    if isinstance(err, PipevalError):
        return err
    if isinstance(err, api_errors.RetryError) and err.cause is not None:
        cause = _api_message(err.cause)
        return BackendError(f"BigQuery kept failing{where} after retries: {cause}")
    if isinstance(err, concurrent.futures.TimeoutError | api_errors.DeadlineExceeded):
        return BackendError(f"query{where} did not finish within the timeout")
    if isinstance(err, api_errors.GoogleAPICallError):
        reason = _reason(err)
        if reason == "accessDenied" or (isinstance(err, api_errors.Forbidden) and not reason):
            return permission_denied(err, sql)
        if reason == "bytesBilledLimitExceeded":
            return _over_cap(err, where, cap)
        code = f"{err.code} " if err.code else ""
        return BackendError(f"query failed{where}: {code}{reason or 'error'}: {_api_message(err)}")
    from google.auth import exceptions as auth_errors

    if isinstance(err, auth_errors.GoogleAuthError):
        return BackendError(f"cannot authenticate to BigQuery: {first_line(str(err))}")
    detail = f"{type(err).__name__}: {_api_message(err)}"
    return BackendError(f"BigQuery request failed{where}: {detail}")


def _over_cap(err: api_errors.GoogleAPICallError, where: str, cap: int) -> BackendError:
    found = _BYTES_CAP_RE.search(_api_message(err))
    limit = int(found.group(1)) if found else cap
    needed = f"at least {int(found.group(2)):,} bytes" if found else "more bytes"
    return BackendError(
        f"query{where} would bill {needed}, over maximum_bytes_billed {limit:,} "
        "(profile warehouse.maximum_bytes_billed): not run"
    )


def query_parameter(name: str, value: Any) -> Any:
    """A named BigQuery parameter typed from its Python value."""
    from google.cloud import bigquery

    if isinstance(value, list | tuple):
        present = [item for item in value if item is not None]
        element = _scalar_type(name, present[0]) if present else "STRING"
        return bigquery.ArrayQueryParameter(name, element, [_scalar(item) for item in value])
    return bigquery.ScalarQueryParameter(name, _scalar_type(name, value), _scalar(value))


def _scalar_type(name: str, value: Any) -> str:
    # Order matters: bool is an int and datetime is a date.
    for python_type, bigquery_type in (
        (bool, "BOOL"),
        (int, "INT64"),
        (float, "FLOAT64"),
        (Decimal, "NUMERIC"),
        (str, "STRING"),
        (bytes, "BYTES"),
        (datetime, "TIMESTAMP"),
        (date, "DATE"),
    ):
        if isinstance(value, python_type):
            return bigquery_type
    if value is None:
        return "STRING"
    raise BackendError(f"parameter @{name}: cannot bind a {type(value).__name__}")


def _scalar(value: Any) -> Any:
    # Naive datetimes are UTC instants, as everywhere in pipeval.
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def column_from_field(field: Any) -> Column:
    """A BigQuery SchemaField as a Column: normalised type, mode and nested fields."""
    return Column(
        name=field.name,
        type=normalize_type(field.field_type),
        mode=(field.mode or "NULLABLE").upper(),
        fields=tuple(column_from_field(sub) for sub in field.fields),
    )


def _endpoint(explicit: str | None) -> str | None:
    host = explicit or os.environ.get(EMULATOR_ENV) or None
    if host and "://" not in host:
        host = f"http://{host}"
    return host


def load_credentials(path: str | Path) -> Any:
    """A service-account key or an authorized-user file (`gcloud auth application-default
    login`). Other kinds go through Application Default Credentials. Errors never echo the
    file's path or content."""
    import json

    from google.auth import exceptions as auth_errors
    from google.oauth2 import credentials as user_credentials
    from google.oauth2 import service_account

    loaders = {
        "service_account": service_account.Credentials.from_service_account_info,
        "authorized_user": user_credentials.Credentials.from_authorized_user_info,
    }
    try:
        info = json.loads(Path(path).read_text("utf-8"))
    except FileNotFoundError:
        raise BackendError("--credentials: no such file") from None
    except (OSError, UnicodeDecodeError, ValueError):
        raise BackendError("--credentials: not a readable JSON file") from None
    kind = info.get("type") if isinstance(info, dict) else None
    if kind not in loaders:
        raise BackendError(
            "--credentials: expected a service_account or authorized_user JSON file "
            "(for other kinds set GOOGLE_APPLICATION_CREDENTIALS instead)"
        )
    try:
        return loaders[kind](info, scopes=list(SCOPES))
    except (auth_errors.GoogleAuthError, ValueError, KeyError):
        raise BackendError(f"--credentials: not a valid {kind} credentials file") from None


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
        self._retry_backoff = (retry_initial_s, retry_maximum_s)
        self._lock = threading.Lock()
        self.client = client or self._make_client(credentials_file, credentials, endpoint)

    def _make_client(
        self, credentials_file: str | Path | None, credentials: Any, endpoint: str | None
    ) -> bigquery.Client:
        from google.api_core.client_options import ClientOptions
        from google.auth import exceptions as auth_errors
        from google.cloud import bigquery

        api_endpoint = _endpoint(endpoint)
        if credentials is None and credentials_file:
            credentials = load_credentials(credentials_file)
        if credentials is None and api_endpoint:
            from google.auth.credentials import AnonymousCredentials

            credentials = AnonymousCredentials()  # a local emulator takes no credentials
        options = ClientOptions(api_endpoint=api_endpoint) if api_endpoint else None
        try:
            return bigquery.Client(
                project=self.project,
                location=self.location,
                credentials=credentials,
                client_options=options,
            )
        except auth_errors.DefaultCredentialsError:
            raise BackendError(
                "no Google credentials for BigQuery: run `gcloud auth application-default "
                "login` or pass --credentials FILE"
            ) from None

    # -- guards ------------------------------------------------------------------------------

    def retry(self, deadline: float | None = None) -> api_retry.Retry:
        """Backoff on transient errors only, and never past the query's deadline."""
        return self._backoff(is_transient, deadline)

    def job_retry(self, deadline: float) -> api_retry.Retry:
        """Run the query again when its job failed for a transient reason, within the deadline."""
        return self._backoff(is_transient_job_failure, deadline)

    def _backoff(
        self, transient: Callable[[BaseException], bool], deadline: float | None
    ) -> api_retry.Retry:
        until = deadline if deadline is not None else time.monotonic() + self.query_timeout_s
        initial, maximum = self._retry_backoff
        return api_retry.Retry(
            predicate=lambda err: time.monotonic() < until and transient(err),
            initial=initial,
            maximum=maximum,
            multiplier=2.0,
            timeout=self.query_timeout_s,
        )

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

        tree = ensure_query(sql)
        given = dict(params or {})
        missing = [name for name in parameter_names(tree) if name not in given]
        if missing:
            raise BackendError(f"query needs parameters {missing} that were not bound")
        return bigquery.QueryJobConfig(
            query_parameters=[query_parameter(name, value) for name, value in given.items()],
            maximum_bytes_billed=self.maximum_bytes_billed,
            labels=job_labels(label, check),
            job_timeout_ms=int(self.query_timeout_s * 1000),
            use_legacy_sql=False,
            dry_run=dry_run,
            use_query_cache=not dry_run,
        )

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
        job = None
        try:
            # jobs.insert rather than jobs.query: every run leaves a job (with its labels) in
            # the project's history, and a failed job is always an HTTP error, never a
            # 200 response whose `errors` a client may not read.
            job = self.client.query(
                sql,
                job_config=config,
                location=self.location,
                retry=self.retry(deadline),
                timeout=self.query_timeout_s,
                # Not here: the client would wrap jobs.insert in its own 10-minute retry.
                job_retry=None,
            )
            left = max(deadline - time.monotonic(), 0.001)
            rows = job.result(
                retry=self.retry(deadline), timeout=left, job_retry=self.job_retry(deadline)
            )
            decoded = [{key: decode(value) for key, value in row.items()} for row in rows]
        except Exception as err:
            if job is not None and isinstance(err, concurrent.futures.TimeoutError):
                _cancel(job)
            raise translate(err, sql, label, self.maximum_bytes_billed) from None
        processed = job.total_bytes_processed
        with self._lock:
            self.stats.bytes_processed += int(processed or 0)
        return QueryResult(decoded, bytes_processed=processed)

    def estimate(
        self, sql: str, params: dict[str, Any] | None = None, label: str = "", check: str = ""
    ) -> int:
        """BigQuery's dry-run estimate of the bytes a query would process; runs nothing."""
        config = self.job_config(sql, params, label, check, dry_run=True)
        try:
            job = self.client.query(
                sql,
                job_config=config,
                location=self.location,
                retry=self.retry(),
                timeout=self.query_timeout_s,
                job_retry=None,  # a dry run starts no job that could fail later
            )
        except Exception as err:
            raise translate(err, sql, label, self.maximum_bytes_billed) from None
        return int(job.total_bytes_processed or 0)

    def prefetch(self, queries: Iterable[Query]) -> dict[Any, list[dict[str, Any]] | PipevalError]:
        """Independent queries at once (bounded pool): a suite costs about one query's latency."""
        return self._map(queries, lambda q: self.query(q.sql, q.bound(), q.label, _check(q)).rows)

    def estimate_all(self, queries: Iterable[Query]) -> dict[Any, int | PipevalError]:
        return self._map(queries, lambda q: self.estimate(q.sql, q.bound(), q.label, _check(q)))

    def _map(
        self, queries: Iterable[Query], work: Callable[[Query], T]
    ) -> dict[Any, T | PipevalError]:
        unique = {query.key(): query for query in queries}
        if not unique:
            return {}
        outcomes: dict[Any, T | PipevalError] = {}
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
            found = self.client.get_table(
                f"{self.project}.{name.dataset}.{name.table}",
                retry=self.retry(),
                timeout=self.query_timeout_s,
            )
        except api_errors.NotFound:
            return None
        except Exception as err:
            raise translate(err, label=f"schema of {name}") from None
        return [column_from_field(field) for field in found.schema]

    def list_tables(self, dataset: str) -> list[str]:
        dataset_id = check_identifier(dataset, "dataset")
        try:
            listed = self.client.list_tables(
                f"{self.project}.{dataset_id}", retry=self.retry(), timeout=self.query_timeout_s
            )
            return sorted(table.table_id for table in listed)
        except api_errors.NotFound:
            return []
        except Exception as err:
            raise translate(err, label=f"tables of {dataset_id}") from None

    def close(self) -> None:
        self.client.close()


def _cancel(job: Any) -> None:
    """Best effort: a query that ran out of time must not keep billing."""
    with contextlib.suppress(Exception):
        job.cancel(timeout=10)


def _check(query: Query) -> str:
    return str(getattr(query, "check", "") or "")
