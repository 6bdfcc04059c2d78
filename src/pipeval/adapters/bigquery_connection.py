"""The BigQuery connection: the client, its credentials and endpoint, and the retry budgets.

Split from the warehouse the way soda-bigquery splits its data source from its connection: this
module sends requests and waits for them; `bigquery_warehouse` decides what may be sent and what
the answers mean. Exceptions leave here untranslated (`bigquery_errors.translate` does that).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from google.api_core import exceptions as api_errors
from google.api_core import retry as api_retry

from pipeval.adapters.bigquery_errors import (
    is_connection_error,
    is_transient,
    is_transient_job_failure,
)
from pipeval.adapters.google_credentials import load_credentials
from pipeval.errors import BackendError

if TYPE_CHECKING:
    from google.cloud import bigquery

EMULATOR_ENV = "BIGQUERY_EMULATOR_HOST"


def endpoint_url(explicit: str | None) -> str | None:
    host = explicit or os.environ.get(EMULATOR_ENV) or None
    if host and "://" not in host:
        host = f"http://{host}"
    return host


def make_client(
    project: str,
    location: str | None,
    credentials_file: str | Path | None,
    credentials: Any,
    endpoint: str | None,
) -> bigquery.Client:
    from google.api_core.client_options import ClientOptions
    from google.auth import exceptions as auth_errors
    from google.cloud import bigquery

    api_endpoint = endpoint_url(endpoint)
    if credentials is None and credentials_file:
        credentials = load_credentials(credentials_file)
    if credentials is None and api_endpoint:
        from google.auth.credentials import AnonymousCredentials

        credentials = AnonymousCredentials()  # a local emulator takes no credentials
    options = ClientOptions(api_endpoint=api_endpoint) if api_endpoint else None
    try:
        return bigquery.Client(
            project=project, location=location, credentials=credentials, client_options=options
        )
    except auth_errors.DefaultCredentialsError:
        raise BackendError(
            "no Google credentials for BigQuery: run `gcloud auth application-default "
            "login` or pass --credentials FILE"
        ) from None


class BigQueryConnection:
    """One client and the retry policy of one run.

    Each query has its own deadline (`query_timeout_s`). An endpoint that refuses connections
    gets one budget for the whole run: from the first refusal, network errors are retried for
    `query_timeout_s` at most, and once a request has given up on them, later requests are not
    retried at all (until an answer comes back), so a run against a dead endpoint reports ERROR
    within the timeout instead of waiting it out once per query.
    """

    def __init__(
        self,
        client: bigquery.Client,
        location: str | None,
        query_timeout_s: float,
        retry_initial_s: float = 1.0,
        retry_maximum_s: float = 16.0,
    ) -> None:
        self.client = client
        self.location = location
        self.query_timeout_s = float(query_timeout_s)
        self._backoff_s = (retry_initial_s, retry_maximum_s)
        self._lock = threading.Lock()
        self._unreachable_since: float | None = None
        self._gave_up = False

    # -- retry budgets -----------------------------------------------------------------------

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
        initial, maximum = self._backoff_s
        return api_retry.Retry(
            predicate=lambda err: self._worth_retrying(err, until, transient),
            initial=initial,
            maximum=maximum,
            multiplier=2.0,
            timeout=self.query_timeout_s,
        )

    def _worth_retrying(
        self, err: BaseException, until: float, transient: Callable[[BaseException], bool]
    ) -> bool:
        now = time.monotonic()
        if not is_connection_error(err):
            return now < until and transient(err)
        with self._lock:
            if self._unreachable_since is None:
                self._unreachable_since = now
            if self._gave_up:
                return False
            if now < until and now < self._unreachable_since + self.query_timeout_s:
                return True
            # The run's budget for this endpoint is spent: later requests fail at once.
            self._gave_up = True
            return False

    def reached(self) -> None:
        """An answer came back: the endpoint is up, a later refusal starts a new budget."""
        with self._lock:
            self._unreachable_since = None
            self._gave_up = False

    # -- requests ------------------------------------------------------------------------------

    def run(
        self,
        sql: str,
        config: bigquery.QueryJobConfig,
        deadline: float,
        location: str | None = None,
    ) -> tuple[Any, Any]:
        """Insert the job (in `location`, else the connection's) and wait for its rows;
        (job, rows). A late job is cancelled."""
        import concurrent.futures

        job = None
        try:
            # jobs.insert rather than jobs.query: every run leaves a job (with its labels) in
            # the project's history, and a failed job is always an HTTP error, never a
            # 200 response whose `errors` a client may not read.
            job = self.client.query(
                sql,
                job_config=config,
                location=location or self.location,
                retry=self.retry(deadline),
                timeout=self.query_timeout_s,
                # Not here: the client would wrap jobs.insert in its own 10-minute retry.
                job_retry=None,
            )
            left = max(deadline - time.monotonic(), 0.001)
            rows = job.result(
                retry=self.retry(deadline), timeout=left, job_retry=self.job_retry(deadline)
            )
        except concurrent.futures.TimeoutError:
            if job is not None:
                _cancel(job)
            raise
        except Exception as err:
            self._note_failure(err)
            raise
        self.reached()
        return job, rows

    def _note_failure(self, err: BaseException) -> None:
        """A request that ended on a refused connection (its retries spent, whichever budget
        ran out first) spends the run's budget: later requests are not retried."""
        cause = err.cause if isinstance(err, api_errors.RetryError) else err
        if cause is not None and is_connection_error(cause):
            with self._lock:
                self._gave_up = True

    def dry_run(
        self, sql: str, config: bigquery.QueryJobConfig, location: str | None = None
    ) -> int:
        job = self.client.query(
            sql,
            job_config=config,
            location=location or self.location,
            retry=self.retry(),
            timeout=self.query_timeout_s,
            job_retry=None,  # a dry run starts no job that could fail later
        )
        self.reached()
        return int(job.total_bytes_processed or 0)

    def get_table(self, table_id: str) -> Any:
        found = self.client.get_table(table_id, retry=self.retry(), timeout=self.query_timeout_s)
        self.reached()
        return found

    def list_table_ids(self, dataset_id: str) -> list[str]:
        listed = self.client.list_tables(
            dataset_id, retry=self.retry(), timeout=self.query_timeout_s
        )
        names = sorted(table.table_id for table in listed)
        self.reached()
        return names

    def close(self) -> None:
        self.client.close()


def _cancel(job: Any) -> None:
    """Best effort: a query that ran out of time must not keep billing."""
    with contextlib.suppress(Exception):
        job.cancel(timeout=10)
