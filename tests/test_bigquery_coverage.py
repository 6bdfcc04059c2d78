"""One dialect: the coverage and registry-duplicate SQL (GROUPING SETS, DISTINCT over reference
tables) gives the same answers through the BigQuery adapter (official client, bqemulator) as in
embedded mode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeval.adapters.bigquery_warehouse import BigQueryWarehouse
from pipeval.adapters.duckdb_warehouse import DuckDBWarehouse
from pipeval.checks import select_checks
from pipeval.query import Context
from pipeval.results import CheckResult
from pipeval.suites.runner import run_check
from tests.bq_emulator import Emulator, create_tables
from tests.builders import build_warehouse
from tests.test_coverage import AS_OF, DAY, names, world

pytestmark = pytest.mark.emulator


@pytest.fixture
def bq(bigquery_emulator: Emulator) -> Emulator:
    # The session's one emulator (tests/conftest.py); each test works in a project of its own.
    return bigquery_emulator


def results(warehouse, profile) -> list[CheckResult]:
    ctx = Context(profile=profile, as_of=AS_OF, start=DAY, end=DAY, warehouse=warehouse)
    checks = select_checks(profile, "coverage,hygiene.registry_duplicates", ())
    for check in checks:
        ctx.cache.prefetch(check.queries(ctx))
    return [run_check(check, ctx) for check in checks]


def test_coverage_and_duplicates_agree_on_bigquery_and_embedded(
    bq: Emulator, profile, tmp_path: Path
) -> None:
    players = [*names(30), "herbjones", "kevinporterjr", "alexsarr", "garytrentjr"]
    registry = {p: f"{p}_001" for p in names(30)}
    registry |= {"herbjones": "h1", "kevinporter": "k1", "garytrent": "g1", "garytrentjr": "g2"}
    lines = [*names(30), "herbertjones", "kevinporter", "alexsarr", "garytrent"]
    data = world(
        players,
        {"s1": names(25), "s2": names(10)},
        lines=lines,
        registry=registry,
        aliases=[("herbjones", "herbertjones")],
    )
    client = bq.client(bq.new_project())
    create_tables(client, data)
    bigquery = BigQueryWarehouse(client.project, endpoint=bq.endpoint)
    duckdb = DuckDBWarehouse(build_warehouse(tmp_path / "w.duckdb", data))
    try:
        on_bigquery, embedded = results(bigquery, profile), results(duckdb, profile)
    finally:
        bigquery.close()
        duckdb.close()
        client.close()

    def comparable(checks: list[CheckResult]) -> list[tuple[str, str, str, str]]:
        return [
            (c.id, c.status.value, c.summary, json.dumps(c.metrics, default=str, sort_keys=True))
            for c in checks
        ]

    assert comparable(on_bigquery) == comparable(embedded)
    coverage, duplicates = on_bigquery
    assert coverage.summary == "25 of 34 players (73.5 %)"
    assert coverage.metrics["missing_by_reason"]["unresolved_name"] == [
        "garytrentjr",
        "herbjones",
        "kevinporterjr",
    ]
    assert coverage.metrics["systems"]["s2"] == {"entities": 10, "share_of_best_pct": 40.0}
    assert duplicates.status.value == "WARN"
