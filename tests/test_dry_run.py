"""`pipeval daily --dry-run`: exactly the queries a real run sends, and nothing run.

BigQuery's byte estimates are tested in test_bigquery_contract.py (recorded responses) and
test_bigquery_emulator.py; here the embedded warehouse, which has no estimate to give.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from pipeval.adapters.dir_store import DirStore
from pipeval.adapters.duckdb_warehouse import DuckDBWarehouse
from pipeval.checks import select_checks
from pipeval.checks.base import Check
from pipeval.errors import ConfigError
from pipeval.profile import Profile
from pipeval.query import Context, Query
from pipeval.results import CheckResult
from pipeval.suites.daily import plan_daily, run_daily
from pipeval.suites.dry_run import plan
from tests.builders import build_warehouse, season_rows

DAY = date(2026, 1, 20)
AS_OF = datetime(2026, 1, 21, 15, tzinfo=UTC)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    state = tmp_path / "state"
    state.mkdir()
    return build_warehouse(tmp_path / "w.duckdb", season_rows([DAY])), state


def open_ctx(profile: Profile, files: tuple[Path, Path]) -> Context:
    warehouse, state = files
    return Context(profile, AS_OF, DAY, DAY, DuckDBWarehouse(warehouse), DirStore(str(state)))


def test_the_plan_is_exactly_what_a_real_daily_run_sends(
    profile: Profile, files: tuple[Path, Path]
) -> None:
    planning = open_ctx(profile, files)
    query_plan = plan_daily(planning, DAY)
    assert planning.warehouse.stats.queries == 0  # nothing ran
    running = open_ctx(profile, files)
    run_daily(running, DAY)
    planned = sorted(p.query.sql for p in query_plan.queries)
    assert planned and planned == sorted(running.warehouse.stats.sent)
    assert query_plan.undeclared == {} and query_plan.exit_code == 0
    # each distinct statement once, naming every check that needs it; the phase tables'
    # presence statements (and the schedule's) travel as one
    presence = [
        p
        for p in query_plan.queries
        if "presence:nba_predictions.player_prop_predictions" in p.to_dict()["combines"]
    ]
    assert len(presence) == 1
    assert {"completeness.phase5", "orchestration.phase4"} <= set(presence[0].checks)
    assert not any(p.query.label.startswith("presence:") for p in query_plan.queries)


def test_dry_run_on_duckdb_lists_queries_without_estimates(
    run_cli, files: tuple[Path, Path]
) -> None:
    warehouse, state = files
    args = [
        "daily",
        "--dry-run",
        "--warehouse",
        f"duckdb://{warehouse}",
        "--state",
        f"dir://{state}",
        "--as-of",
        "2026-01-21T15:00:00Z",
        "--checks",
        "completeness",
    ]
    code, out, err = run_cli(*args, "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert document["dry_run"] is True and document["estimated"] is False
    assert document["total_estimated_bytes"] is None
    assert "no byte estimate" in document["note"]
    assert document["fallbacks"] == 0  # nothing priced, nothing predicted to fall back
    # one statement for the six phase tables (the schedule read once), as a real run sends
    assert len(document["queries"]) == 1
    assert all(q["estimated_bytes"] is None for q in document["queries"])
    presence = document["queries"][0]
    assert presence["label"] == "presence" and len(presence["combines"]) == 6
    assert presence["params"] == {
        "range_start": "2026-01-20",
        "range_end": "2026-01-20",
        "final_status": 3,
    }

    code, out, _ = run_cli(*args)
    assert code == 0
    assert out.startswith("# pipeval daily --dry-run — 2026-01-20")
    assert "No estimate: this warehouse gives no byte estimate" in out
    assert out.count("```sql") == 1 and out.count("| n/a |") == 1
    assert "| presence (6 in one) |" in out and "Fallback" not in out


class Misconfigured(Check):
    category = "broken"

    def queries(self, ctx: Context) -> list[Query]:
        raise ConfigError("phase tables misconfigured")

    def run(self, ctx: Context) -> CheckResult:
        raise AssertionError("a dry run runs nothing")


def test_a_check_that_cannot_declare_its_queries_fails_the_dry_run(
    profile: Profile, files: tuple[Path, Path]
) -> None:
    ctx = open_ctx(profile, files)
    checks = [Misconfigured("broken.one"), *select_checks(profile, "completeness", ())]
    query_plan = plan("daily", checks, ctx, {"date": DAY.isoformat()})
    assert query_plan.exit_code == 3
    assert query_plan.errors == ["broken.one: phase tables misconfigured"]
    assert len(query_plan.queries) == 1  # the other checks are still listed (one statement)


def test_queries_the_suite_reads_itself_are_listed_once(
    profile: Profile, files: tuple[Path, Path]
) -> None:
    from pipeval.metrics.games import presence_query

    ctx = open_ctx(profile, files)
    own = presence_query(profile, profile.phase("phase2").tables[0], DAY, DAY)
    checks = select_checks(profile, "completeness", ())
    query_plan = plan("daily", checks, ctx, {"date": DAY.isoformat()}, extra=[own])
    listed = [p for p in query_plan.queries if own.key() in {q.query.key() for q in p.parts}]
    assert len(listed) == 1 and listed[0].checks[0] == "(suite)"
    assert "completeness.phase2" in listed[0].checks
    assert len(query_plan.queries) == 1  # the phase tables' statements travel as one


def test_declarative_checks_plan_one_statement_per_table(
    profile: Profile, files: tuple[Path, Path]
) -> None:
    ctx = open_ctx(profile, files)
    checks = select_checks(profile, "declarative", ())
    assert {c.id for c in checks} == {c.id for c in profile.checks}
    query_plan = plan("daily", checks, ctx, {"date": DAY.isoformat()})
    statements = {
        p.query.label: p for p in query_plan.queries if p.query.label.startswith("checks:")
    }
    by_table: dict[str, set[str]] = {}
    for check in profile.checks:
        by_table.setdefault(check.table, set()).add(check.id)
    assert set(statements) == {f"checks:{table}" for table in by_table}
    for table, ids in by_table.items():
        planned = statements[f"checks:{table}"]
        assert set(planned.checks) == ids  # every check of the table shares the statement
        assert planned.query.bound()["range_end"] == DAY
    # drift reads its trailing baseline days in the same statement
    accuracy = statements["checks:nba_predictions.prediction_accuracy"].query.bound()
    assert accuracy["range_start"] == DAY - timedelta(days=14)
    # a table partitioned by DATE(run_date) is bounded on run_date as well
    workers = statements["checks:nba_predictions.prediction_worker_runs"].query
    assert "run_date >= @partition_start" in workers.sql
