"""quota.* on the sample season: the seeds' quota incidents are found, clean days stay clean."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from pipeval.sample import incidents

RUN_HISTORY = ".".join(incidents.RUN_HISTORY_TABLE)
PREDICTIONS = "nba_predictions.player_prop_predictions"


def daily(run_cli, sample_urls, day: str, as_of: str) -> tuple[int, dict]:
    code, out, err = run_cli(
        "daily",
        "--date",
        day,
        "--as-of",
        as_of,
        "--checks",
        "quota",
        "--format",
        "json",
        *sample_urls,
    )
    assert err == ""
    document = json.loads(out)
    return code, {check["id"]: check for check in document["checks"]}


def count_jobs(
    sample_dir: Path, start: datetime, end: datetime, job_type: str = "LOAD", reason: str = ""
) -> int:
    """Run-history jobs counted straight from the sample's jobs table (the test's oracle)."""
    con = duckdb.connect(str(sample_dir / "warehouse.duckdb"), read_only=True)
    try:
        row = con.execute(
            "SELECT COUNT(*) FROM bq_meta.jobs_by_project WHERE creation_time >= $start "
            "AND creation_time < $end AND destination_table.table_id = $table "
            "AND job_type = $job_type AND ($reason = '' OR error_result.reason = $reason)",
            {
                "start": start,
                "end": end,
                "table": incidents.RUN_HISTORY_TABLE[1],
                "job_type": job_type,
                "reason": reason,
            },
        ).fetchone()
        return int(row[0])
    finally:
        con.close()


def test_outage_day_fails_table_operations_for_the_run_history(
    run_cli, sample_urls, sample_dir
) -> None:
    code, checks = daily(run_cli, sample_urls, "2026-01-26", "2026-01-27T15:00:00Z")
    assert code == 2
    ops = checks["quota.table_operations"]
    assert ops["status"] == "FAIL"
    assert ops["summary"] == f"{RUN_HISTORY} 2,466 of 1,500 (164 %)"
    table = ops["metrics"]["tables"][RUN_HISTORY]
    assert table["used"] == incidents.OUTAGE_JOBS and table["job_types"] == {"LOAD": 2466}
    # The 1,400-job burst of 2026-01-25 is in the history, but outside the rolling window.
    assert sum(table["per_day"][:-1]) >= incidents.BURST_JOBS
    assert ops["remediation"][0].startswith(
        f"{RUN_HISTORY}: 2,466 of 1,500 (164 %), 100 % LOAD jobs"
    )
    batching = "batching 100 rows per load job would use ~25 table operations in 24 h"
    assert batching in ops["remediation"][0]
    assert "not at midnight Pacific" in ops["findings"][0]["message"]


def test_outage_day_reports_the_refused_loads(run_cli, sample_urls, sample_dir) -> None:
    _, checks = daily(run_cli, sample_urls, "2026-01-26", "2026-01-27T15:00:00Z")
    refused = count_jobs(
        sample_dir,
        datetime(2026, 1, 26, 15),
        datetime(2026, 1, 27, 15),
        reason=incidents.LOAD_QUOTA_REASON,
    )
    errors = checks["quota.errors"]
    assert errors["status"] == "FAIL" and refused > 0
    assert errors["metrics"]["errors"][0]["table"] == RUN_HISTORY
    assert errors["metrics"]["errors"][0]["jobs"] == refused
    assert incidents.LOAD_QUOTA_MESSAGE in errors["findings"][0]["message"]


def test_the_burst_day_itself_counts_the_burst(run_cli, sample_urls, sample_dir) -> None:
    start = datetime(2026, 1, 25, 15)
    expected = count_jobs(sample_dir, start, start + timedelta(hours=24))
    _, checks = daily(run_cli, sample_urls, "2026-01-25", "2026-01-26T15:00:00Z")
    used = checks["quota.table_operations"]["metrics"]["tables"][RUN_HISTORY]["used"]
    assert used == expected and used > 1000


def test_dml_loss_day_reports_the_rejected_merges(run_cli, sample_urls) -> None:
    _, checks = daily(run_cli, sample_urls, "2025-12-29", "2025-12-30T15:00:00Z")
    errors = checks["quota.errors"]
    assert errors["status"] == "FAIL"
    found = {(e["table"], e["reason"]): e for e in errors["metrics"]["errors"]}
    merges = found[(PREDICTIONS, incidents.DML_LOSS_REASON)]
    assert merges["jobs"] == incidents.DML_LOSS_FAILED_MERGES
    assert merges["job_types"] == {"MERGE": incidents.DML_LOSS_FAILED_MERGES}
    assert "Too many DML statements outstanding" in merges["message"]
    assert any("staging tables" in step for step in errors["remediation"])
    queue = checks["quota.dml_queue"]
    assert queue["metrics"]["failed_on_quota"] == {PREDICTIONS: incidents.DML_LOSS_FAILED_MERGES}
    assert checks["quota.table_operations"]["status"] == "OK"  # DML is not a table operation


@pytest.mark.parametrize(
    ("day", "as_of"),
    [
        ("2025-12-15", "2025-12-16T15:00:00Z"),
        ("2026-01-10", "2026-01-11T15:00:00Z"),
        ("2026-01-20", "2026-01-21T15:00:00Z"),
    ],
)
def test_clean_days_are_ok(run_cli, sample_urls, day: str, as_of: str) -> None:
    code, checks = daily(run_cli, sample_urls, day, as_of)
    assert {check_id: c["status"] for check_id, c in checks.items()} == {
        "quota.table_operations": "OK",
        "quota.partition_modifications": "OK",
        "quota.dml_queue": "OK",
        "quota.errors": "OK",
        "quota.regions": "OK",
    }
    assert code == 0
    # Anonymous SELECT results and script parents are in the data but never counted.
    assert not any(t.startswith("_") for t in checks["quota.table_operations"]["metrics"]["tables"])


def test_backfill_after_the_outage(run_cli, sample_urls, sample_dir) -> None:
    code, out, err = run_cli(
        "quota",
        "--backfill",
        "2026-01-25",
        "2026-01-26",
        "--as-of",
        "2026-01-27T15:00:00Z",
        "--format",
        "json",
        *sample_urls,
    )
    assert err == "" and code == 2  # the window itself is over the limit
    backfill = json.loads(out)["checks"][-1]
    assert backfill["id"] == "quota.backfill" and backfill["status"] == "WARN"
    assert backfill["metrics"]["dates"] == 2 and backfill["metrics"]["fits"] is False
    tight = backfill["metrics"]["tables"][0]
    assert tight["table"] == RUN_HISTORY and tight["used_now"] == incidents.OUTAGE_JOBS
    assert "does not fit now" in backfill["summary"] and "it fits from" in backfill["summary"]


def test_quota_command_prices_the_re_run_of_the_last_game_day(run_cli, sample_urls) -> None:
    # As of the morning of 2026-01-27 the failed writes are 2026-01-26's overnight run; pricing
    # a re-run of 2026-01-27 (not played yet) would answer the wrong question.
    code, out, err = run_cli(
        "quota", *sample_urls, "--as-of", "2026-01-27T15:00:00Z", "--format", "json"
    )
    checks = {check["id"]: check for check in json.loads(out)["checks"]}
    assert code == 2 and err == ""
    steps = " ".join(checks["quota.table_operations"]["remediation"])
    assert "`pipeval quota --backfill 2026-01-26 2026-01-26 " in steps
    assert "2026-01-27 2026-01-27" not in steps


def test_quota_report_header_counts_one_query(run_cli, sample_urls) -> None:
    code, out, _ = run_cli("quota", *sample_urls, "--as-of", "2026-01-27T15:00:00Z")
    assert code == 2 and " · 1 query · " in out and "1 queries" not in out


def test_quota_backfill_run_prices_the_range_it_was_given(run_cli, sample_urls) -> None:
    code, out, _ = run_cli(
        "quota", *sample_urls, "--backfill", "2026-01-26", "2026-01-27",
        "--as-of", "2026-01-27T15:00:00Z", "--format", "json",
    )  # fmt: skip
    checks = {check["id"]: check for check in json.loads(out)["checks"]}
    steps = " ".join(checks["quota.table_operations"]["remediation"])
    assert code == 2 and "`pipeval quota --backfill 2026-01-26 2026-01-27 " in steps
    assert "--backfill 2026-01-27 2026-01-27" not in steps
