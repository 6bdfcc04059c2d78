"""Isolated failures: a check that cannot run is ERROR with its reason, every other check still
reports, the exit code is 3, and the report names the checks that could not run.

Embedded mode covers checks that raise (a missing table, a missing jobs view, a malformed
completion document). A timeout and a permission error on one view are BigQuery's: the real
`google.cloud.bigquery` client runs through the CLI against the recorded-response server
(tests/recorded_bq.py), where one query never finishes and the jobs view answers 403.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipeval.clock import parse_as_of
from tests.builders import build_warehouse, season_rows, write_state
from tests.recorded_bq import (
    Answer,
    Request,
    Rows,
    Running,
    http_error,
    presence_result,
    recorded_bigquery,
)

DAY = date(2026, 1, 20)
AS_OF = "2026-01-21T18:00:00Z"
FEATURES = "nba_predictions.ml_feature_store_v2"
JOBS = "bq_meta.jobs_by_project"
QUOTA_IDS = [
    "quota.table_operations",
    "quota.partition_modifications",
    "quota.dml_queue",
    "quota.errors",
    "quota.regions",
]


def _phase3_document() -> dict[str, Any]:
    names = [
        "player_game_summary",
        "team_offense_game_summary",
        "team_defense_game_summary",
        "upcoming_player_game_context",
        "upcoming_team_game_context",
    ]
    document: dict[str, Any] = {
        name: {"status": "success", "completed_at": "2026-01-21T11:00:00Z", "record_count": 9}
        for name in names
    }
    return {**document, "_triggered": True, "_mode": "overnight"}


@pytest.fixture
def broken(tmp_path: Path) -> list[str]:
    """A day whose phase 4 table, jobs view and phase 4 document are unusable; the rest clean."""
    warehouse = build_warehouse(tmp_path / "w.duckdb", season_rows([DAY]), skip=[FEATURES, JOBS])
    state = tmp_path / "state"
    write_state(state, "phase3_completion", str(DAY), _phase3_document())
    write_state(state, "phase4_completion", str(DAY), {"ml_feature_store": ["not", "a", "map"]})
    return ["--warehouse", f"duckdb://{warehouse}", "--state", f"dir://{state}", "--as-of", AS_OF]


def by_id(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["id"]: check for check in document["checks"]}


def feature_checks(profile) -> list[str]:
    """The profile's declarative checks on the (missing) feature store table."""
    return [c.id for c in profile.checks if c.table == "nba_predictions.ml_feature_store_v2"]


def test_checks_that_raise_are_error_and_the_rest_report(
    run_cli, broken: list[str], profile
) -> None:
    code, out, err = run_cli("daily", *broken, "--format", "json")
    assert (code, err) == (3, "")
    checks = by_id(json.loads(out))
    errors = {check_id for check_id, check in checks.items() if check["status"] == "ERROR"}
    # Phase 3's document is fine, but judging its `_triggered` needs phase 4's (missing) data.
    readers_of_phase4 = {"completeness.phase4", "orchestration.phase3", *feature_checks(profile)}
    assert errors == {*QUOTA_IDS, *readers_of_phase4, "orchestration.phase4"}
    for check_id in readers_of_phase4:
        assert "ml_feature_store_v2" in checks[check_id]["summary"]
        assert "does not exist" in checks[check_id]["summary"]
    assert "cannot read job metadata" in checks["quota.errors"]["summary"]
    assert "processor 'ml_feature_store' must be a map" in checks["orchestration.phase4"]["summary"]
    # Everything else was judged on its own data.
    for check_id in ("completeness.phase2", "completeness.phase3", "completeness.phase5"):
        assert checks[check_id]["status"] == "OK", checks[check_id]
    assert checks["coverage.predictions"]["status"] == "OK"
    assert {"hygiene.staging_tables", "hygiene.registry_duplicates"} <= set(checks)


def test_the_markdown_report_says_which_checks_could_not_run(
    run_cli, broken: list[str], tmp_path: Path, profile
) -> None:
    report = tmp_path / "report.md"
    code, out, err = run_cli("daily", *broken, "--output", str(report))
    assert (code, out, err) == (3, "", "")
    text = report.read_text("utf-8")
    assert text.startswith("# pipeval daily — 2026-01-20 — ⛔ ERROR")
    line = next(row for row in text.splitlines() if row.startswith("**Could not run:**"))
    assert line == (
        "**Could not run:** quota.table_operations, quota.partition_modifications, "
        "quota.dml_queue, quota.errors, quota.regions, completeness.phase4, orchestration.phase3, "
        "orchestration.phase4, " + ", ".join(feature_checks(profile))
    )
    assert "| completeness.phase3 | ✅ OK |" in text
    assert "### ⛔ completeness.phase4 — ERROR" in text


def test_the_quota_report_names_what_could_not_run(run_cli, broken: list[str]) -> None:
    code, out, _ = run_cli("quota", *broken)
    assert code == 3
    assert "**Could not run:** " + ", ".join(QUOTA_IDS) in out


def test_historical_reports_the_phase_it_cannot_read_and_judges_the_others(
    run_cli, broken: list[str], profile
) -> None:
    code, out, err = run_cli(
        "historical", *broken, "--start", "2026-01-19", "--end", "2026-01-20", "--format", "json"
    )
    assert "Traceback" not in err
    # Documented contract (DESIGN.md "Isolated failures"): the phase 4 check is ERROR, the
    # other phases are judged, exit 3.
    assert code == 3 and err == "", err
    checks = by_id(json.loads(out))
    assert checks["completeness.phase4"]["status"] == "ERROR"
    assert checks["completeness.phase3"]["status"] == "OK"
    # The declarative checks on the missing table cannot tell their settled dates either: each
    # game day is judged, and ERROR, rather than the run failing.
    for check_id in feature_checks(profile):
        assert checks[check_id]["status"] == "ERROR", check_id
        assert checks[check_id]["metrics"]["dates"] == {"2026-01-19": "OK", "2026-01-20": "ERROR"}


def test_verify_backfill_says_which_item_could_not_run(run_cli, broken: list[str]) -> None:
    code, out, err = run_cli("historical", *broken, "--verify-backfill", "2026-01-19")
    assert (code, err) == (3, "")
    assert "**Could not run:** backfill.day, backfill.cascade" in out
    assert "| backfill.coverage |" in out


def test_verify_items_are_error_when_a_phase_table_cannot_be_read(profile, make_warehouse) -> None:
    from pipeval.checks.completeness import checks_for
    from pipeval.history.verify import verify_cascade, verify_day
    from pipeval.query import Context
    from pipeval.suites.runner import prefetch

    after = DAY + timedelta(days=1)  # a later game day: the cascade window is not empty
    warehouse = make_warehouse(season_rows([DAY, after]), skip=[FEATURES])
    ctx = Context(
        profile=profile, as_of=parse_as_of(AS_OF), start=DAY, end=after, warehouse=warehouse
    )
    completeness = checks_for(profile)
    prefetch(completeness, ctx)
    cascade = verify_cascade(ctx, DAY, completeness, {DAY, after})
    for item in (verify_day(ctx, DAY, completeness), cascade):
        assert item.status == "ERROR"
        assert "ml_feature_store_v2" in item.summary and "does not exist" in item.summary


# --- BigQuery: a query that times out, a permission error on the jobs view -------------------


BQ_DAY = "2026-01-26"
BQ_GAMES = ["20260126_LAL_BOS", "20260126_NYK_MIA"]
# Every presence statement (each joins the schedule): both final games held, 12 rows each.
PRESENCE = Rows(presence_result(BQ_DAY, BQ_GAMES, 12))


def answer(request: Request) -> Answer:
    """The jobs view is forbidden, the feature store never finishes, the rest answer."""
    if not request.is_query_job:
        return None
    if "INFORMATION_SCHEMA.JOBS" in request.sql:
        return http_error("error_403_access_denied_jobs")
    if "ml_feature_store_v2" in request.sql:
        return Running()
    return PRESENCE


def test_bigquery_timeout_and_permission_error_are_isolated(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = tmp_path / "fast.yaml"
    profile.write_text(
        "extends: nba-props\n"
        "warehouse: {region: us-west2, maximum_bytes_billed: 10000000000, query_timeout_s: 1}\n",
        "utf-8",
    )
    report = tmp_path / "report.md"
    with recorded_bigquery(answer) as server:
        monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", server.endpoint)
        code, out, err = run_cli(
            "daily",
            "--warehouse",
            "bigquery://nba-props-platform?location=us-west2",
            "--profile",
            str(profile),
            "--checks",
            "quota,completeness",
            "--date",
            BQ_DAY,
            "--as-of",
            "2026-01-27T15:00:00Z",
            "--output",
            str(report),
        )
        cancelled = server.sent("jobs.cancel")
    assert (code, out, err) == (3, "", "")
    text = report.read_text("utf-8")
    rows = {line.split(" | ")[0].strip("| "): line for line in text.splitlines() if "|" in line}
    for check_id in QUOTA_IDS:
        assert "⛔ ERROR" in rows[check_id]
        assert "permission bigquery.jobs.listAll is missing" in rows[check_id]
        assert "BigQuery Resource Viewer (roles/bigquery.resourceViewer)" in rows[check_id]
    assert "⛔ ERROR" in rows["completeness.phase4"]
    assert "did not finish within the timeout" in rows["completeness.phase4"]
    for check_id in ("completeness.phase2", "completeness.phase3", "completeness.phase5"):
        assert "✅ OK" in rows[check_id], rows[check_id]
    assert (
        "**Could not run:** quota.table_operations, quota.partition_modifications, "
        "quota.dml_queue, quota.errors, quota.regions, completeness.phase4"
    ) in text
    # The combined statement timed out first: said once, with the timeout as its reason.
    (fallback,) = [line for line in text.splitlines() if line.startswith("**Fallback:**")]
    assert "each table was queried on its own" in fallback
    assert "its timeout was waited out twice" in fallback
    assert fallback.endswith("Reason: query (presence) did not finish within the timeout")
    # Every query that ran out of time is cancelled, so none keeps billing: the phase tables'
    # combined statement (it reads the feature store too), then the feature store's own
    # statement, sent alone so that only its check fails.
    assert len(cancelled) == 2
