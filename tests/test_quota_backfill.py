"""The backfill quota estimate and `pipeval quota` on tiny real warehouses."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from pipeval.checks import checks_for
from pipeval.checks.quota_backfill import BackfillFit
from pipeval.metrics.jobs import jobs_window
from pipeval.query import Context
from pipeval.quota_estimate import estimate_backfill, fail_budget
from pipeval.results import CheckResult, Status
from pipeval.suites.runner import run_suite
from tests.builders import build_warehouse
from tests.quota_jobs import AS_OF, JOBS, RUN_HISTORY, jobs, with_quota

HOUR = timedelta(hours=1)
SCHEDULE = "nba_raw.nbac_schedule"


def history(per_day: list[int], table: str = RUN_HISTORY) -> list[dict]:
    """`per_day[k]` jobs in the k-th of the last len(per_day) 24 h periods before as-of."""
    rows = []
    for index, count in enumerate(per_day):
        rows += jobs(count, AS_OF - timedelta(days=len(per_day) - index) + 12 * HOUR, table=table)
    return rows


def games(*days: date) -> list[dict]:
    return [
        {
            "game_id": f"00225{n:05d}",
            "game_date": day,
            "away_team_tricode": "LAL",
            "home_team_tricode": "BOS",
            "game_status": 3,
        }
        for n, day in enumerate(days)
    ]


def every_day(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def backfill(profile, make_warehouse, rows, start: date, end: date, schedule=()) -> CheckResult:
    warehouse = make_warehouse({JOBS: rows, SCHEDULE: list(schedule)})
    ctx = Context(profile=profile, as_of=AS_OF, start=start, end=end, warehouse=warehouse)
    checks = [*checks_for(profile, "quota"), BackfillFit(start, end)]
    result = run_suite("quota", checks, ctx, {})
    assert warehouse.stats.queries == 2  # the jobs view once, the schedule once
    return result.checks[-1]


def test_fail_budget_stays_below_the_fail_threshold() -> None:
    assert fail_budget(1500, 95) == 1424
    assert fail_budget(100, 95) == 94
    assert fail_budget(10, 100) == 9


def test_a_date_costs_the_median_active_day_and_counts_game_days(profile, make_warehouse) -> None:
    small = with_quota(profile, table_operations_limit=100)
    rows = history([3, 0, 4, 5, 30, 4, 3])  # one off-day, one burst
    days = games(date(2026, 1, 20), date(2026, 1, 21), date(2026, 1, 23))  # the 22nd is off
    result = backfill(small, make_warehouse, rows, date(2026, 1, 20), date(2026, 1, 23), days)
    table = result.metrics["tables"][0]
    assert (table["table"], table["per_date"], table["peak_day"]) == (RUN_HISTORY, 4, 30)
    assert table["active_days"] == 6 and table["used_now"] == 3
    assert result.metrics["dates"] == 3 and table["adds"] == 12 and table["projected"] == 15
    assert result.status is Status.OK and result.metrics["fits"] is True
    assert result.summary.startswith("fits: 3 dates add ~12 table operations")
    assumption = result.metrics["assumption"]
    assert "median" in assumption and "last 7 days" in assumption
    assert "no data-date column" in assumption and "3 dates to re-run" in assumption


def test_too_many_dates_are_spread_over_days(profile, make_warehouse) -> None:
    small = with_quota(profile, table_operations_limit=100)
    start, end = date(2025, 12, 1), date(2026, 1, 19)
    days = games(*every_day(start, end))
    result = backfill(small, make_warehouse, history([4] * 7), start, end, days)
    table = result.metrics["tables"][0]
    assert result.metrics["dates"] == 50 and table["projected"] == 4 + 200
    assert table["dates_per_day"] == 94 // 4 - 1  # the pipeline's own date takes one share
    assert result.status is Status.WARN
    assert "run at most 22 dates per day (~3 days)" in result.summary
    assert result.remediation == [
        "Re-run 2025-12-01..2026-01-19 in slices of at most 22 dates per day, checking the "
        "quota again between slices"
    ]


def test_a_full_window_says_when_the_backfill_fits(profile, make_warehouse) -> None:
    small = with_quota(profile, table_operations_limit=100)
    rows = history([4] * 6 + [0]) + jobs(80, AS_OF - 23.5 * HOUR)
    start, end = date(2026, 1, 20), date(2026, 1, 24)
    result = backfill(small, make_warehouse, rows, start, end, games(*every_day(start, end)))
    assert result.metrics["tables"][0]["projected"] == 80 + 5 * 4
    assert result.status is Status.WARN
    assert "does not fit now" in result.summary
    assert "it fits from ~2026-01-27 16:00Z" in result.summary  # once the 80 have left
    # two dates that fit in a day: when, not "slices of at most N dates per day"
    assert result.remediation == [
        "Wait until ~2026-01-27 16:00Z, when the whole backfill fits, then re-run "
        "2026-01-20..2026-01-24"
    ]


def test_a_table_over_budget_every_day_cannot_be_backfilled(profile, make_warehouse) -> None:
    tiny = with_quota(profile, table_operations_limit=10)
    start = end = date(2026, 1, 20)
    result = backfill(tiny, make_warehouse, history([12] * 7), start, end, games(start))
    assert result.status is Status.FAIL
    assert "does not fit even one date per day" in result.summary
    assert RUN_HISTORY in result.summary


def test_a_range_without_games_needs_nothing(profile, make_warehouse) -> None:
    start, end = date(2026, 1, 20), date(2026, 1, 21)
    result = backfill(profile, make_warehouse, history([4] * 7), start, end)
    assert result.status is Status.OK
    assert result.summary == "nothing to re-run: no game days in 2026-01-20..2026-01-21"


def test_estimate_is_reusable_from_a_context(profile, make_warehouse) -> None:
    """The historical suite calls the estimate directly with its own date count."""
    warehouse = make_warehouse({JOBS: history([10, 10, 12, 10, 11, 10, 9])})
    ctx = Context(
        profile=profile, as_of=AS_OF, start=AS_OF.date(), end=AS_OF.date(), warehouse=warehouse
    )
    estimate = estimate_backfill(
        jobs_window(ctx), profile.thresholds.quota, date(2026, 1, 1), date(2026, 1, 10), 10
    )
    assert estimate.fits and estimate.tables[0].adds == 100
    document = estimate.to_dict()
    assert document["verdict"] == estimate.verdict and document["tables"][0]["per_date"] == 10
    json.dumps(document)


# -- the command --------------------------------------------------------------------------------


@pytest.fixture
def warehouse_url(tmp_path: Path) -> str:
    day = date(2026, 1, 26)
    rows = {JOBS: history([30] * 7), SCHEDULE: games(day - timedelta(days=1), day)}
    return f"duckdb://{build_warehouse(tmp_path / 'wh.duckdb', rows)}"


def test_quota_command_json(run_cli, warehouse_url: str) -> None:
    code, out, err = run_cli(
        "quota",
        "--warehouse",
        warehouse_url,
        "--as-of",
        AS_OF.isoformat(),
        "--backfill",
        "2026-01-25",
        "2026-01-26",
        "--format",
        "json",
    )
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert document["suite"] == "quota"
    assert document["target"]["backfill"] == {"start": "2026-01-25", "end": "2026-01-26"}
    ids = [check["id"] for check in document["checks"]]
    assert ids == [
        "quota.table_operations",
        "quota.partition_modifications",
        "quota.dml_queue",
        "quota.errors",
        "quota.regions",
        "quota.backfill",
    ]
    assert document["checks"][-1]["metrics"]["tables"][0]["adds"] == 60
    assert document["stats"]["queries"] == 2


def test_quota_command_markdown_to_a_file(run_cli, warehouse_url: str, tmp_path: Path) -> None:
    report = tmp_path / "quota.md"
    code, out, _ = run_cli(
        "quota",
        "--warehouse",
        warehouse_url,
        "--as-of",
        AS_OF.isoformat(),
        "--backfill",
        "2026-01-25",
        "2026-01-26",
        "--output",
        str(report),
    )
    assert code == 0 and out == ""
    text = report.read_text()
    assert "# pipeval quota" in text
    assert "| nba\\_orchestration.processor\\_run\\_history |" not in text  # no over-escaping
    assert "| nba_reference.processor_run_history | 30 | 1,500 |" in text
    assert "## Backfill 2026-01-25 … 2026-01-26" in text and "Assumption:" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--backfill", "2026-01-26", "2026-01-25"],
            "--backfill END 2026-01-25 is before --backfill START 2026-01-26",
        ),
        (["--backfill", "2026-13-01", "2026-01-25"], "is not a date"),
        (["--backfill", "2024-01-01", "2026-01-25"], "over the profile's limit"),
        (["--as-of", "yesterday"], "--as-of 'yesterday' is not an ISO-8601 timestamp"),
    ],
)
def test_quota_command_bad_input(run_cli, warehouse_url: str, args, message: str) -> None:
    code, out, err = run_cli("quota", "--warehouse", warehouse_url, *args)
    assert code == 3 and out == ""
    assert message in err and err.count("\n") == 1


def test_quota_command_needs_a_warehouse(run_cli, monkeypatch) -> None:
    monkeypatch.delenv("PIPEVAL_WAREHOUSE", raising=False)
    code, _, err = run_cli("quota")
    assert code == 3 and "no warehouse" in err


def test_quota_command_without_the_jobs_view_is_exit_3(run_cli, tmp_path: Path) -> None:
    url = f"duckdb://{build_warehouse(tmp_path / 'wh.duckdb', skip=[JOBS])}"
    code, out, err = run_cli("quota", "--warehouse", url, "--as-of", AS_OF.isoformat())
    assert code == 3 and err == ""
    assert "| quota.table_operations | ⛔ ERROR | could not run: cannot read job metadata" in out
    assert "**FAIL** quota.errors: cannot read job metadata" in out


def test_quota_command_dry_run_lists_the_two_queries(run_cli, warehouse_url: str) -> None:
    code, out, err = run_cli(
        "quota",
        "--warehouse",
        warehouse_url,
        "--as-of",
        AS_OF.isoformat(),
        "--backfill",
        "2026-01-25",
        "2026-01-26",
        "--dry-run",
        "--format",
        "json",
    )
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert document["dry_run"] is True
    assert [q["label"] for q in document["queries"]] == ["jobs_by_project", "schedule"]
    assert "quota.backfill" in document["queries"][0]["checks"]
