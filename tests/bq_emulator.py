"""A local BigQuery emulator (bqemulator) for tests through the official client.

bqemulator lives in its own venv because it pins DuckDB 1.5.5; `bash .ci/setup-bqemu` creates
it (CI runs that script). The emulator is started once per test session on a free loopback
port and never skipped: if it is missing the tests fail and say how to install it.
Each test gets its own project id, so the data of one test never leaks into another.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any

import sqlglot
from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery
from sqlglot import exp

from pipeval.ports import Column
from pipeval.types import column_from_type
from tests.builders import CONTRACT
from tests.local_servers import free_port, wait_for_http

REPO = Path(__file__).resolve().parents[1]
SETUP = "bash .ci/setup-bqemu"
STARTUP_LIMIT_S = 90
PR_SET_PDEATHSIG = 1
PARTITION_COLUMN = "game_date"


def emulator_binary() -> Path:
    """$PIPEVAL_BQEMU, else this checkout's .venv-bqemu, else the one of the main checkout this
    git worktree belongs to (worktrees share one emulator venv)."""
    configured = os.environ.get("PIPEVAL_BQEMU")
    if configured:
        return Path(configured)
    local = REPO / ".venv-bqemu" / "bin" / "bqemulator"
    if local.exists():
        return local
    common = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--path-format=absolute", "--git-common-dir"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    shared = Path(common).parent / ".venv-bqemu" / "bin" / "bqemulator" if common else local
    return shared if shared.exists() else local


@dataclass
class Emulator:
    endpoint: str
    process: subprocess.Popen[bytes]
    log: Path
    _projects: Any = None

    def new_project(self) -> str:
        """A fresh project id: a test's datasets and tables live only there."""
        if self._projects is None:
            self._projects = count(1)
        return f"pipeval-test-{next(self._projects)}"

    def client(self, project: str) -> bigquery.Client:
        return bigquery.Client(
            project=project,
            credentials=AnonymousCredentials(),
            client_options=ClientOptions(api_endpoint=self.endpoint),
        )


# Loaded here, not in the child: between fork and exec only the prctl call itself runs.
LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def die_with_parent() -> None:
    """The emulator gets SIGTERM if the test process dies without running its teardown."""
    assert LIBC is not None
    LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def start_emulator(workdir: Path) -> Emulator:
    binary = emulator_binary()
    if not binary.exists():
        raise RuntimeError(f"bqemulator is not installed at {binary}: run `{SETUP}` first")
    port = free_port()
    log = workdir / "bqemulator.log"
    command = [
        str(binary),
        "start",
        "--rest-host",
        "127.0.0.1",
        "--rest-port",
        str(port),
        "--grpc-host",
        "127.0.0.1",
        "--grpc-port",
        "0",
        "--ephemeral",
        "--project",
        "pipeval-test-0",
        "--log-level",
        "warning",
    ]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            cwd=workdir,
            stdout=sink,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent if LIBC is not None else None,
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(process, f"{endpoint}/healthz", log, STARTUP_LIMIT_S, "bqemulator")
    except RuntimeError:
        stop(process)
        raise
    return Emulator(endpoint, process, log)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


def schema_field(column: Column) -> bigquery.SchemaField:
    kind = "RECORD" if column.type == "STRUCT" else column.type
    return bigquery.SchemaField(
        column.name, kind, mode=column.mode, fields=[schema_field(f) for f in column.fields]
    )


def contract_schema(table: str, columns_sql: str | None = None) -> list[bigquery.SchemaField]:
    """The BigQuery schema of a contract table, from the DuckDB column list in builders."""
    columns_sql = columns_sql or CONTRACT[table]
    tree = sqlglot.parse_one(f"CREATE TABLE t ({columns_sql})", read="duckdb")
    return [
        schema_field(column_from_type(column.name, column.args["kind"].sql("duckdb")))
        for column in tree.find_all(exp.ColumnDef)
        if column.parent is tree.this
    ]


def create_tables(
    client: bigquery.Client,
    rows: Mapping[str, Iterable[Mapping[str, Any]]],
    tables: Iterable[str] = (),
    schemas: Mapping[str, str] | None = None,
) -> None:
    """Contract tables (partitioned by game_date where they have it) holding `rows`."""
    schemas = schemas or {}
    names = list(dict.fromkeys([*tables, *rows]))
    for dataset in sorted({name.split(".")[0] for name in names}):
        client.create_dataset(f"{client.project}.{dataset}", exists_ok=True)
    for name in names:
        schema = contract_schema(name, schemas.get(name))
        table = bigquery.Table(f"{client.project}.{name}", schema=schema)
        if any(field.name == PARTITION_COLUMN for field in schema):
            table.time_partitioning = bigquery.TimePartitioning(field=PARTITION_COLUMN)
        client.create_table(table)
        payload = [_json_row(row) for row in rows.get(name, [])]
        if payload:
            errors = client.insert_rows_json(f"{client.project}.{name}", payload)
            if errors:
                raise RuntimeError(f"insert into {name} failed: {errors}")


def _json_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: _json_value(value) for key, value in row.items()}


def _json_value(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return _json_row(value)
    return value
