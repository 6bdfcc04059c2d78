"""The shipped profile's declarative checks on the sample: each family's incident fires on its
own date, every other date is clean, and the statements do not depend on the range's length."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from pipeval.adapters.dir_store import DirStore
from pipeval.adapters.duckdb_warehouse import DuckDBWarehouse
from pipeval.checks import select_checks
from pipeval.checks.base import run_check, settled_dates
from pipeval.clock import date_range
from pipeval.query import Context
from pipeval.results import Status
from pipeval.sample import incidents
from pipeval.suites.historical import HISTORICAL_FAMILIES
from pipeval.suites.runner import prefetch

# (check id, status on the incident date, text its findings show)
INCIDENTS: list[tuple[date, str, str, str]] = [
    (incidents.RUNS_FAILED_DATE, "runs.failed", "FAIL", "COUNTIF(status = 'failed') = 2"),
    (incidents.GRADING_GAP_DATE, "grading.rows_per_game", "FAIL", "3 of "),
    (incidents.FEATURES_BROKEN_DATE, "features.null_vectors", "FAIL", "% NULL features"),
    (incidents.FEATURES_BROKEN_DATE, "features.feature_count", "FAIL", "% invalid feature_count"),
    (incidents.ATTRIBUTION_DATE, "predictions.model_attribution", "FAIL", "catboost_v8"),
    (incidents.TEAM_DUPLICATE_DATE, "teams.duplicates", "FAIL", "duplicate keys"),
    (incidents.TEAM_DUPLICATE_DATE, "teams.rows_per_game", "WARN", "above 2"),
    (incidents.PBP_GAP_DATE, "pbp.events_per_game", "FAIL", "2 of "),
    (incidents.MINUTES_NULL_DATE, "minutes.missing", "FAIL", "% NULL minutes_played"),
    (incidents.MINUTES_NULL_DATE, "minutes.usage_missing", "FAIL", "% NULL usage_rate"),
    (incidents.INJURY_STALL_DATE, "injuries.freshness", "FAIL", "hours since the latest"),
    (incidents.SOURCES_MISMATCH_DATE, "sources.player_points", "FAIL", "= 3 on"),
    (incidents.SOURCES_MISMATCH_DATE, "sources.team_points", "FAIL", "keys differing"),
    (incidents.WORKER_FAILURE_DATE, "execution.worker_failures", "FAIL", "COUNTIF(NOT success)"),
    (incidents.MODEL_BIAS_DATE, "models.bias", "FAIL", "AVG(signed_error)"),
    (incidents.MODEL_BIAS_DATE, "models.error_drift", "WARN", "% change vs baseline"),
]
SEED_DATES = {incidents.DML_LOSS_DATE, incidents.SUMMARY_GAP_DATE, incidents.PHASE3_OUTAGE_DATE}


def daily(run_cli, sample_urls, day: date, checks: str) -> dict:
    _, out, err = run_cli(
        "daily",
        *sample_urls,
        "--date",
        day.isoformat(),
        "--as-of",
        f"{day + timedelta(days=1)}T15:00:00Z",
        "--checks",
        checks,
        "--format",
        "json",
    )
    assert out, err
    return json.loads(out)


@pytest.mark.parametrize(("day", "check_id", "status", "text"), INCIDENTS)
def test_each_family_incident_fires_on_its_date(
    run_cli, sample_urls, profile, day: date, check_id: str, status: str, text: str
) -> None:
    document = daily(run_cli, sample_urls, day, check_id)
    (check,) = document["checks"]
    assert check["status"] == status, check["summary"]
    messages = " ".join(f["message"] for f in check["findings"])
    assert text in check["summary"] + " " + messages
    # the table's one statement, and one for the per-game list and its phase's presence
    # statements (the ones completeness sends: shared in a full run), which travel together
    assert document["stats"]["queries"] == 2


def test_one_incident_per_family_each_on_its_own_date(profile) -> None:
    families = {c.family for c in profile.checks}
    dated = {check_id.split(".")[0]: day for day, check_id, _, _ in INCIDENTS}
    assert set(dated) <= families
    # families whose incident is a built-in seed date, or none (checks proven by the case tables)
    assert families - set(dated) == set()
    days = list(dict.fromkeys(dated.values()))
    assert len(days) == len(set(days)) == len(dated), "one date per family"
    assert not set(days) & SEED_DATES


def test_every_other_date_is_clean(run_cli, sample_urls, profile) -> None:
    families = ",".join(sorted({c.family for c in profile.checks}))
    _, out, _ = run_cli(
        "historical",
        *sample_urls,
        "--start",
        "2025-12-01",
        "--end",
        "2026-01-31",
        "--as-of",
        "2026-02-01T15:00:00Z",
        "--format",
        "json",
    )
    document = json.loads(out)
    declared = {c.id for c in profile.checks}
    incident_days = {day.isoformat() for day, *_ in INCIDENTS} | {d.isoformat() for d in SEED_DATES}
    for check in document["checks"]:
        if check["id"] not in declared:
            continue
        bad = {day for day, status in check["metrics"]["dates"].items() if status != "OK"}
        assert bad <= incident_days, (check["id"], bad - incident_days, families)
    strip = document["historical"]["matrix"]
    assert declared <= set(strip), "each declarative check is a row of the heat strip"
    cells = {c["date"]: c["status"] for c in strip["pbp.events_per_game"]}
    assert cells[incidents.PBP_GAP_DATE.isoformat()] == "missing"
    assert cells["2025-12-24"] == "off-day"


def test_settled_dates_are_dates_run_calls_ok(sample_dir: Path, profile) -> None:
    """historical skips `run` on a check's settled dates (declarative: off-days and dates the
    warehouse judged passing; completeness: dates no table lacks a game): `run` must call each
    of them OK, and no incident date is settled."""
    start, end = date(2025, 12, 1), date(2026, 1, 31)
    ctx = Context(
        profile=profile,
        as_of=datetime(2026, 2, 1, 15, tzinfo=UTC),
        start=start,
        end=end,
        warehouse=DuckDBWarehouse(sample_dir / "warehouse.duckdb"),
        state=DirStore(sample_dir / "state"),
    )
    checks = select_checks(profile, None, HISTORICAL_FAMILIES)
    prefetch(checks, ctx)
    days = date_range(start, end)
    incident = {(check_id, day) for day, check_id, *_ in INCIDENTS}
    settled = {check.id: settled_dates(check, ctx, days) for check in checks}
    for check in checks:
        for day in sorted(settled[check.id]):
            ctx.day = day
            result = run_check(check, ctx)
            assert result.status is Status.OK, (check.id, day)
            assert (check.id, day) not in incident
    declared = {c.id for c in profile.checks}
    # Most of the pairs are settled (the few kinds the statement never passes are judged daily).
    assert sum(len(settled[check_id]) for check_id in declared) > len(declared) * len(days) // 2
    for check in checks:
        if check.category == "completeness":
            assert len(settled[check.id]) > len(days) // 2, check.id


def test_a_week_and_174_dates_send_the_same_number_of_statements(run_cli, sample_urls) -> None:
    def statements(start: date, days: int) -> int:
        end = start + timedelta(days=days - 1)
        _, out, err = run_cli(
            "historical",
            *sample_urls,
            "--start",
            start.isoformat(),
            "--end",
            end.isoformat(),
            "--as-of",
            f"{end + timedelta(days=1)}T15:00:00Z",
            "--format",
            "json",
        )
        assert out, err
        return json.loads(out)["stats"]["queries"]

    assert statements(date(2026, 1, 1), 7) == statements(date(2025, 12, 1), 174)


def test_markdown_shows_the_data_checks_in_one_row(run_cli, sample_urls) -> None:
    day = incidents.GRADING_GAP_DATE
    _, out, _ = run_cli(
        "daily", *sample_urls, "--date", day.isoformat(), "--as-of", f"{day}T23:00:00Z"
    )
    rows = [line for line in out.splitlines() if "data checks |" in line]
    assert len(rows) == 1, out
    assert "❌ FAIL" in rows[0]
    assert "grading.rows_per_game (nba_predictions.prediction_accuracy)" in rows[0]
    assert "| grading.hit_rate |" not in out  # OK data checks are counted, not listed
    # its findings name the ungraded games under Details
    assert "### ❌ grading.rows_per_game — FAIL" in out or "`grading.rows_per_game`" in out


def test_games_missing_upstream_are_blocked_not_failed(run_cli, sample_urls) -> None:
    # 2026-01-26: phases 3-5 never ran, so nothing could be graded; completeness.* reports the
    # games, the grading check says why it cannot judge them.
    document = daily(run_cli, sample_urls, incidents.PHASE3_OUTAGE_DATE, "grading,features")
    checks = {c["id"]: c for c in document["checks"]}
    grading = checks["grading.rows_per_game"]
    assert grading["status"] == "OK"
    assert "7 blocked upstream" in grading["summary"]
    assert len(grading["metrics"]["blocked"]) == 7
    assert all(c["status"] == "OK" for c in checks.values()), {
        k: c["summary"] for k, c in checks.items() if c["status"] != "OK"
    }
