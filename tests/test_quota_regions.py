"""Jobs metadata per region: one statement each, run in its own location, and quota.regions."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest

from pipeval.checks import checks_for
from pipeval.checks.quota_regions import JobRegions, url_location
from pipeval.errors import ConfigError
from pipeval.metrics.games import presence_query
from pipeval.metrics.jobs import jobs_queries, jobs_window, read_jobs
from pipeval.profile import Profile, load_profile
from pipeval.profile.model import Warehouse
from pipeval.profile.validation import validate
from pipeval.query import Context
from pipeval.results import CheckResult, Severity, Status
from pipeval.suites.runner import run_suite
from tests.quota_jobs import AS_OF, JOBS, RUN_HISTORY, spread
from tests.recorded_bq import recorded_bigquery

DAY = AS_OF.date() - timedelta(days=1)
GAMEBOOK = "nba_raw.nbac_gamebook_player_stats"
WRITTEN = {GAMEBOOK: [{"game_id": "20260126_MIL_NOP", "game_date": DAY, "player_lookup": "a"}]}


def with_regions(profile: Profile, *regions: str) -> Profile:
    warehouse = dataclasses.replace(profile.warehouse, regions=list(regions))
    return dataclasses.replace(profile, warehouse=warehouse)


def run(profile: Profile, warehouse: Any, families: tuple[str, ...]) -> dict[str, CheckResult]:
    ctx = Context(profile=profile, as_of=AS_OF, start=DAY, end=DAY, warehouse=warehouse)
    checks = [check for family in families for check in checks_for(profile, family)]
    return {check.id: check for check in run_suite("daily", checks, ctx, {}).checks}


# -- the profile ------------------------------------------------------------------------------


def test_shipped_profile_reads_the_region_of_the_pipelines_datasets() -> None:
    assert load_profile().warehouse.regions == ["us"]


def test_one_region_name_is_read_as_a_list_of_one() -> None:
    assert validate(Warehouse, {"region": "us-west2"}).regions == ["us-west2"]
    assert validate(Warehouse, {"regions": ["us", "eu"]}).region == "us"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("warehouse: {region: us, regions: [us]}", r"give regions \(a list\) or region"),
        ("warehouse: {regions: []}", "warehouse.regions: List should have at least 1 item"),
        ("warehouse: {regions: [us, US]}", "lists a region twice"),
        ("warehouse: {regions: [us, 'us west']}", "is not a plain name"),
    ],
)
def test_bad_regions_are_one_config_error(tmp_path, text: str, message: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(f"extends: nba-props\n{text}\n")
    with pytest.raises(ConfigError, match=message):
        load_profile(str(path))


# -- one statement per region, each in its own location ------------------------------------------


def test_one_jobs_statement_per_region_in_the_profiles_order(profile: Profile) -> None:
    queries = jobs_queries(with_regions(profile, "us", "us-west2"), AS_OF)
    assert len(queries) == 2
    assert "`region-us`.`INFORMATION_SCHEMA.JOBS_BY_PROJECT`" in queries[0].sql
    assert "`region-us-west2`.`INFORMATION_SCHEMA.JOBS_BY_PROJECT`" in queries[1].sql
    assert queries[0].params == queries[1].params


def test_each_jobs_statement_runs_in_its_region_and_data_in_the_urls(profile: Profile) -> None:
    two = with_regions(profile, "us", "us-west2")
    with recorded_bigquery() as server:
        warehouse = server.warehouse()  # the URL's location: us-west2
        results = run(two, warehouse, ("quota",))
        warehouse.query("SELECT 1 AS one FROM nba_raw.nbac_schedule", {}, "data")
        jobs = server.query_jobs()
    located = sorted(
        (job.body["jobReference"]["location"], "JOBS_BY_PROJECT" in job.sql) for job in jobs
    )
    assert located == [("us", True), ("us-west2", False), ("us-west2", True)]
    assert results["quota.regions"].metrics["regions"] == [
        {"region": "us", "jobs": 0},
        {"region": "us-west2", "jobs": 0},
    ]


def test_jobs_of_every_region_are_counted_once_each(profile: Profile, make_warehouse) -> None:
    # Embedded mode serves one jobs table for every region: one region, 30 jobs.
    ctx = Context(profile, AS_OF, DAY, DAY, warehouse=make_warehouse({JOBS: spread(30)}))
    window = jobs_window(ctx)
    assert window.regions == (("us", 30),)
    assert sum(group.jobs for group in window.groups) == 30


# -- quota.regions --------------------------------------------------------------------------------


def test_no_jobs_while_a_phase_table_was_written_is_a_warning(
    profile: Profile, make_warehouse
) -> None:
    results = run(profile, make_warehouse(WRITTEN), ("quota", "completeness"))
    result = results["quota.regions"]
    assert result.status is Status.WARN
    (finding,) = result.findings
    assert finding.severity is Severity.WARN and finding.subject == "us"
    assert finding.message.startswith(
        "region-us.INFORMATION_SCHEMA.JOBS_BY_PROJECT shows no job at all in the 7 days before "
        "2026-01-27 15:00Z, yet nba_raw.nbac_gamebook_player_stats has rows for 2026-01-26"
    )
    assert result.remediation and "warehouse.regions" in result.remediation[0]
    # the other quota checks pass on the empty view: the reason this check exists
    assert results["quota.table_operations"].status is Status.OK


def test_a_quota_only_run_sends_no_data_statement_and_says_so(
    profile: Profile, make_warehouse
) -> None:
    warehouse = make_warehouse(WRITTEN)
    results = run(profile, warehouse, ("quota",))
    assert warehouse.stats.queries == 1  # metadata only
    result = results["quota.regions"]
    assert result.status is Status.OK
    (finding,) = result.findings
    assert finding.severity is Severity.INFO
    assert "this run read no phase table" in finding.message


def test_no_jobs_and_no_data_is_only_a_note(profile: Profile, make_warehouse) -> None:
    results = run(profile, make_warehouse({}), ("quota", "completeness"))
    result = results["quota.regions"]
    assert result.status is Status.OK
    (finding,) = result.findings
    assert finding.severity is Severity.INFO
    assert "no phase table has rows for 2026-01-26 either" in finding.message


def _group(table: str, jobs: int) -> dict[str, Any]:
    dataset, name = table.split(".")
    return {
        "dataset_id": dataset,
        "table_id": name,
        "job_type": "LOAD",
        "statement_type": None,
        "state": "DONE",
        "error_reason": None,
        "error_message": None,
        "day_slot": 6,
        "hour_slot": 20,
        "jobs": jobs,
        "modified_partitions": jobs,
        "bytes_processed": 0,
        "first_job": AS_OF - timedelta(hours=3),
        "last_job": AS_OF - timedelta(hours=2),
    }


@pytest.mark.parametrize(
    ("destination", "severity"),
    [(GAMEBOOK, Severity.INFO), (RUN_HISTORY, Severity.WARN)],
    ids=["written-table-seen-elsewhere", "written-table-seen-nowhere"],
)
def test_an_empty_region_next_to_a_busy_one(
    profile: Profile, make_warehouse, destination: str, severity: Severity
) -> None:
    two = with_regions(profile, "us", "us-west2")
    ctx = Context(two, AS_OF, DAY, DAY, warehouse=make_warehouse(WRITTEN))
    for phase in two.phases:  # the completeness statements a daily run reads anyway
        for table in phase.tables:
            ctx.fetch(presence_query(two, table, DAY, DAY))
    window = read_jobs([_group(destination, 12)], two, AS_OF, (("us", 12), ("us-west2", 0)))
    result = JobRegions().evaluate(ctx, window)
    (finding,) = result.findings
    assert (finding.severity, finding.subject) == (severity, "us-west2")
    if severity is Severity.INFO:
        assert "are in the other regions read" in finding.message
    else:
        assert f"yet {GAMEBOOK} has rows for {DAY}" in finding.message


def test_a_url_location_outside_the_regions_read_is_a_warning(profile: Profile) -> None:
    with recorded_bigquery() as server:
        warehouse = server.warehouse(url="bigquery://nba-props-platform?location=us-west2")
        ctx = Context(profile, AS_OF, DAY, DAY, warehouse=warehouse)
        window = read_jobs([_group(RUN_HISTORY, 3)], profile, AS_OF, (("us", 3),))
        result = JobRegions().evaluate(ctx, window)
    (finding,) = result.findings
    assert finding.severity is Severity.WARN and finding.subject == "us-west2"
    assert "location us-west2, which is not in warehouse.regions (us)" in finding.message
    inside = with_regions(profile, "us", "US-WEST2")
    ok = JobRegions().evaluate(Context(inside, AS_OF, DAY, DAY, warehouse=warehouse), window)
    assert ok.findings == [] and ok.status is Status.OK  # compared case-insensitively


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("bigquery://p?location=us-west2", "us-west2"),
        ("bigquery://p?location=US", "US"),
        ("bigquery://p", None),
        ("duckdb:///tmp/w.duckdb", None),
    ],
)
def test_url_location(url: str, location: str | None) -> None:
    assert url_location(url) == location
