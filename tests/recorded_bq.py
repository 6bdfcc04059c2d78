"""A loopback HTTP server that answers the BigQuery REST API from recorded responses.

What no emulator serves (dry-run bytes, the byte cap, 403/429/500 bodies, the jobs view) is
tested here: the real `google.cloud.bigquery.Client` talks real HTTP to this server, which
records every request the client sends (method, path, JSON body) and answers with BigQuery
API bodies kept in `tests/data/bigquery/`. Tests assert on the exact requests sent.

A query runs as BigQuery runs it: jobs.insert accepts the job, jobs.get reports its state,
getQueryResults returns its rows, or the error of a job that failed.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

from pipeval.adapters.bigquery_warehouse import BigQueryWarehouse
from tests.local_servers import JsonLoopbackServer

DATA = Path(__file__).parent / "data" / "bigquery"
PROJECT = "nba-props-platform"
EMPTY_RESULT: dict[str, Any] = {
    "kind": "bigquery#getQueryResultsResponse",
    "schema": {"fields": []},
    "totalRows": "0",
    "totalBytesProcessed": "0",
    "jobComplete": True,
    "cacheHit": False,
}


def recorded(name: str) -> dict[str, Any]:
    return json.loads((DATA / f"{name}.json").read_text("utf-8"))


def status_of(body: dict[str, Any]) -> int:
    return int(body["error"]["code"]) if "error" in body else 200


ROUTES = [
    ("POST", re.compile(r"/projects/[^/]+/jobs"), "jobs.insert"),
    ("POST", re.compile(r"/projects/[^/]+/queries"), "jobs.query"),
    ("GET", re.compile(r"/projects/[^/]+/queries/(?P<job>[^/]+)"), "getQueryResults"),
    ("GET", re.compile(r"/projects/[^/]+/jobs/(?P<job>[^/]+)"), "jobs.get"),
    ("POST", re.compile(r"/projects/[^/]+/jobs/(?P<job>[^/]+)/cancel"), "jobs.cancel"),
]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: dict[str, Any] | None

    def _route(self) -> tuple[str, str]:
        path = self.path.removeprefix("/bigquery/v2")
        for method, pattern, kind in ROUTES:
            found = pattern.fullmatch(path)
            if found and self.method == method:
                return kind, found.groupdict().get("job", "")
        return f"{self.method} {path}", ""

    @property
    def kind(self) -> str:
        """jobs.insert, getQueryResults, jobs.get, jobs.cancel, ..."""
        return self._route()[0]

    @property
    def job_id(self) -> str:
        if self.kind == "jobs.insert":
            return str((self.body or {}).get("jobReference", {}).get("jobId", ""))
        return self._route()[1]

    @property
    def config(self) -> dict[str, Any]:
        return (self.body or {}).get("configuration", {})

    @property
    def dry_run(self) -> bool:
        return bool(self.config.get("dryRun"))

    @property
    def sql(self) -> str:
        return str(self.config.get("query", {}).get("query", ""))

    @property
    def is_query_job(self) -> bool:
        """A job that runs a query (not a dry run): what the guards are about."""
        return self.kind == "jobs.insert" and not self.dry_run


@dataclass(frozen=True)
class Rows:
    """Accept the job; getQueryResults then answers with this recorded result body."""

    result: dict[str, Any]


@dataclass(frozen=True)
class JobFails:
    """Accept the job, which then fails: jobs.get shows its errorResult and getQueryResults
    answers with the recorded error body, as BigQuery does for a failed job."""

    error: dict[str, Any]


@dataclass(frozen=True)
class Running:
    """Accept the job, which never finishes."""


# A responder answers a request with a raw (HTTP status, JSON body), or a query job's
# jobs.insert with Rows / JobFails / Running, or None for the default answer.
Answer = tuple[int, dict[str, Any]] | Rows | JobFails | Running | None
Responder = Callable[["Request"], Answer]


def job_resource(sent: dict[str, Any], state: str, error: dict[str, Any] | None = None):
    """The job BigQuery returns for an inserted query: the sent configuration echoed."""
    job: dict[str, Any] = {
        "kind": "bigquery#job",
        "jobReference": sent.get("jobReference", {}),
        "configuration": {**sent.get("configuration", {}), "jobType": "QUERY"},
        "statistics": {"creationTime": "1769500000000", "query": {"statementType": "SELECT"}},
        "status": {"state": state},
    }
    if error is not None:
        job["status"]["errorResult"] = error["error"]["errors"][0]
        job["status"]["errors"] = error["error"]["errors"]
    return job


class RecordedBigQuery(JsonLoopbackServer):
    """Serve recorded answers on 127.0.0.1 and keep every request the client sent."""

    methods = ("GET", "POST", "DELETE")

    def __init__(self, responder: Responder | None = None) -> None:
        self.responder = responder or (lambda request: None)
        self.requests: list[Request] = []
        self._jobs: dict[str, tuple[dict[str, Any], Answer]] = {}
        super().__init__()

    def sent(self, kind: str) -> list[Request]:
        with self._lock:
            return [request for request in self.requests if request.kind == kind]

    def query_jobs(self) -> list[Request]:
        """Every query job the client asked BigQuery to run (retries included)."""
        with self._lock:
            return [request for request in self.requests if request.is_query_job]

    def _answer(self, request: Request) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append(request)
        answer = self.responder(request)
        if isinstance(answer, tuple):
            return answer
        if request.kind == "jobs.insert":
            return self._insert(request, answer)
        with self._lock:
            sent, outcome = self._jobs.get(request.job_id, ({}, None))
        if not sent:
            return 404, not_found(request.path)
        return follow_up(request, sent, outcome)

    def _insert(self, request: Request, answer: Answer) -> tuple[int, dict[str, Any]]:
        if request.dry_run:
            job = recorded("dry_run_job")
            job["configuration"] = {**request.config, "jobType": "QUERY"}
            job["jobReference"] = (request.body or {}).get("jobReference", job["jobReference"])
            return 200, job
        outcome = answer if answer is not None else Rows(EMPTY_RESULT)
        with self._lock:
            self._jobs[request.job_id] = (request.body or {}, outcome)
        return 200, job_resource(request.body or {}, "RUNNING")

    def respond(self, request: BaseHTTPRequestHandler) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        return self._answer(Request(request.command, parts.path, parse_qs(parts.query), body))

    def client(self) -> bigquery.Client:
        return bigquery.Client(
            project=PROJECT,
            credentials=AnonymousCredentials(),
            client_options=ClientOptions(api_endpoint=self.endpoint),
        )

    def warehouse(self, **options: Any) -> BigQueryWarehouse:
        # Backoff in milliseconds: the retry behaviour is what is tested, not the waiting.
        settings = {"retry_initial_s": 0.001, "retry_maximum_s": 0.004, **options}
        return BigQueryWarehouse(PROJECT, location="us-west2", client=self.client(), **settings)


def follow_up(
    request: Request, sent: dict[str, Any], outcome: Answer
) -> tuple[int, dict[str, Any]]:
    """jobs.get / getQueryResults / jobs.cancel for a job accepted earlier."""
    kind, reference = request.kind, sent.get("jobReference", {})
    if kind == "jobs.cancel":
        return 200, {"kind": "bigquery#jobCancelResponse", "job": job_resource(sent, "DONE")}
    if isinstance(outcome, Running):
        if kind == "jobs.get":
            return 200, job_resource(sent, "RUNNING")
        return 200, {
            "kind": "bigquery#getQueryResultsResponse",
            "jobReference": reference,
            "jobComplete": False,
        }
    if isinstance(outcome, JobFails):
        if kind == "jobs.get":
            return 200, job_resource(sent, "DONE", outcome.error)
        return status_of(outcome.error), outcome.error
    result = outcome.result if isinstance(outcome, Rows) else EMPTY_RESULT
    if kind == "jobs.get":
        job = job_resource(sent, "DONE")
        processed = result.get("totalBytesProcessed", "0")
        job["statistics"]["query"].update(
            {"totalBytesProcessed": processed, "totalBytesBilled": processed}
        )
        return 200, job
    page = {**result, "kind": "bigquery#getQueryResultsResponse", "jobReference": reference}
    if request.query.get("maxResults") == ["0"]:
        page.pop("rows", None)  # the client asked whether the job is done, not for rows
    return 200, page


def not_found(path: str) -> dict[str, Any]:
    message = f"Not found: {path}"
    return {
        "error": {
            "code": 404,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": "notFound"}],
            "status": "NOT_FOUND",
        }
    }


@contextmanager
def recorded_bigquery(responder: Responder | None = None) -> Iterator[RecordedBigQuery]:
    with RecordedBigQuery(responder) as server:
        yield server


def replay(*answers: Answer) -> Responder:
    """Answer successive query jobs (jobs.insert) with these, then with empty results.

    A raw (status, body) is the HTTP answer to jobs.insert itself: an API error such as a
    429 or a 403 on job creation. Rows / JobFails accept the job and decide how it ends.
    """
    queue = list(answers)
    lock = threading.Lock()

    def responder(request: Request) -> Answer:
        if not request.is_query_job:
            return None
        with lock:
            return queue.pop(0) if queue else None

    return responder


def http_error(name: str) -> tuple[int, dict[str, Any]]:
    """A recorded error body as the HTTP answer to the request itself."""
    body = recorded(name)
    return status_of(body), body


def result_body(fields: list[tuple[str, str]], rows: list[list[Any]]) -> dict[str, Any]:
    """A getQueryResults body with these columns (name, type) and rows (None is NULL)."""
    return {
        "kind": "bigquery#getQueryResultsResponse",
        "schema": {"fields": [{"name": n, "type": t, "mode": "NULLABLE"} for n, t in fields]},
        "totalRows": str(len(rows)),
        "rows": [{"f": [{"v": None if v is None else str(v)} for v in row]} for row in rows],
        "totalBytesProcessed": "1048576",
        "jobComplete": True,
        "cacheHit": False,
    }


PRESENCE_FIELDS = [
    ("game_date", "DATE"),
    ("game_key", "STRING"),
    ("final", "INTEGER"),
    ("held", "BOOLEAN"),
    ("games", "INTEGER"),
    ("finals", "INTEGER"),
    ("present_all", "INTEGER"),
    ("present_final", "INTEGER"),
    ("rows_all", "INTEGER"),
    ("rows_final", "INTEGER"),
    ("rows_written", "INTEGER"),
]


def presence_result(day: str, games: list[str], rows_per_game: int) -> dict[str, Any]:
    """A phase table's presence statement for one date whose games are all final: each game
    held with `rows_per_game` rows, or (0) none held, which adds one exception row per game."""
    held = len(games) if rows_per_game else 0
    rows = rows_per_game * held
    result: list[list[Any]] = [
        [day, None, None, None, len(games), len(games), held, held, rows, rows, rows]
    ]
    if not rows_per_game:
        result += [[day, key, 1, "false", *[None] * 7] for key in games]
    return result_body(PRESENCE_FIELDS, result)
