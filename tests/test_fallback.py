"""A combined statement that fails is visible: `stats.fallbacks` counts the statements whose
members were sent alone, `stats.fallback_reasons` says why (redacted like any error), and the
Markdown reports give one line with what to do. A healthy run says 0, [] and nothing.

Embedded mode on real DuckDB files (a missing phase table, rows that name no part); BigQuery
through the official client against the recorded-response server (the byte cap, a reason that
quotes a secret). The emulator's bad-column case, the recorded timeout and the healthy runs are
asserted where those tests already live (test_bigquery_emulator.py, test_partial_failure.py,
test_presence_batch.py).
"""

from __future__ import annotations

import json
from collections.abc import Hashable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from pipeval.ports import Batch, Query
from pipeval.profile import Profile
from pipeval.query import Context
from pipeval.report.render import render
from pipeval.suites.daily import run_daily
from tests.builders import build_warehouse, season_rows
from tests.recorded_bq import Answer, JobFails, Request, http_error, recorded, recorded_bigquery

DAY = date(2026, 1, 20)
AS_OF = datetime(2026, 1, 21, 15, tzinfo=UTC)
FEATURES = "nba_predictions.ml_feature_store_v2"
MISSING = (
    "query failed (presence): Catalog Error: Table with name ml_feature_store_v2 does not exist!"
)


def fallback_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.startswith("**Fallback:**")]
    assert len(lines) == 1, text
    return lines[0]


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """Two game days, the phase 4 table missing: the combined statement fails as a whole."""
    days = [DAY, DAY.replace(day=21)]
    return build_warehouse(tmp_path / "w.duckdb", season_rows(days), skip=[FEATURES])


def test_daily_json_counts_the_fallback_with_its_reason(run_cli, broken: Path) -> None:
    args = ["daily", "--warehouse", f"duckdb://{broken}", "--date", str(DAY)]
    code, out, err = run_cli(*args, "--as-of", "2026-01-21T15:00:00Z", "--format", "json")
    assert code == 3, err  # phase 4 is ERROR, as before
    stats = json.loads(out)["stats"]
    assert stats["fallbacks"] == 1 and stats["fallback_reasons"] == [MISSING]
    # the failed combined statement, then the statements it stood for, each alone
    assert stats["queries"] > 1


def test_daily_markdown_says_what_happened_and_what_to_do(run_cli, broken: Path) -> None:
    args = ["daily", "--warehouse", f"duckdb://{broken}", "--date", str(DAY)]
    code, out, _ = run_cli(*args, "--as-of", "2026-01-21T15:00:00Z", "--checks", "completeness")
    assert code == 3
    line = fallback_line(out)
    assert "the combined statement (the schedule and the phase tables in one) failed" in line
    assert "each table was queried on its own: 7 statements in all" in line
    assert "named by its check in ERROR above" in line
    assert line.endswith(f"Reason: {MISSING}")
    # below the table and the checks that could not run, above the details
    assert out.index("**Could not run:** completeness.phase4") < out.index(line)
    assert out.index(line) < out.index("## Details")


@pytest.mark.parametrize(
    "command",
    [
        ("historical", "--start", str(DAY), "--end", str(DAY)),
        ("historical", "--verify-backfill", str(DAY)),
    ],
)
def test_historical_and_verify_report_the_fallback(
    run_cli, broken: Path, command: tuple[str, ...]
) -> None:
    args = [*command, "--warehouse", f"duckdb://{broken}", "--as-of", "2026-01-21T15:00:00Z"]
    code, out, _ = run_cli(*args, "--format", "json")
    assert code == 3  # a phase 4 item is ERROR, as before
    stats = json.loads(out)["stats"]
    assert stats["fallbacks"] == 1 and stats["fallback_reasons"] == [MISSING]
    _, out, _ = run_cli(*args)
    line = fallback_line(out)
    assert "each table was queried on its own" in line and "in ERROR above" in line
    assert "Reason: query failed (presence)" in line
    assert out.index("**Could not run:**") < out.index(line)


def test_a_healthy_run_has_no_fallback_and_no_line(run_cli, tmp_path: Path) -> None:
    healthy = build_warehouse(tmp_path / "ok.duckdb", season_rows([DAY]))
    args = ["daily", "--warehouse", f"duckdb://{healthy}", "--date", str(DAY)]
    args += ["--as-of", "2026-01-21T15:00:00Z", "--checks", "completeness"]
    code, out, _ = run_cli(*args, "--format", "json")
    assert code == 0
    stats = json.loads(out)["stats"]
    assert (stats["queries"], stats["fallbacks"], stats["fallback_reasons"]) == (1, 0, [])
    code, out, _ = run_cli(*args)
    assert code == 0 and "Fallback" not in out


def _no_part(group: Hashable, members: tuple[Hashable, ...]) -> Query:
    # A "combined" statement whose rows carry no `part`: not an answer the cache can split.
    return Query.of("SELECT 1 AS x", "two-in-one")


def test_rows_that_name_no_part_count_as_a_fallback(profile: Profile, make_warehouse) -> None:
    warehouse = make_warehouse(season_rows([DAY]))
    one, two = (
        Query(
            f"SELECT {n} AS n",
            label=f"member-{n}",
            batch=Batch("group", n, ("n",), _no_part),
        )
        for n in (1, 2)
    )
    ctx = Context(profile, AS_OF, DAY, DAY, warehouse)
    ctx.cache.prefetch([one, two])
    # each member answered on its own, with its own rows
    assert ctx.fetch(one) == [{"n": 1}] and ctx.fetch(two) == [{"n": 2}]
    assert warehouse.stats.fallbacks == 1
    assert warehouse.stats.fallback_reasons == [
        "query (two-in-one) answered rows without a `part` column"
    ]
    assert len(warehouse.stats.sent) == 3


# --- BigQuery (recorded responses): the byte cap, a reason that quotes a secret -----------------


def _combined(request: Request) -> bool:
    """The phase tables' combined statement (label `presence`; alone, each is `presence-…`)."""
    return request.is_query_job and request.config.get("labels", {}).get("query") == "presence"


def _bigquery_daily(profile: Profile, fails: dict[str, Any]) -> Any:
    def responder(request: Request) -> Answer:
        return JobFails(fails) if _combined(request) else None

    with recorded_bigquery(responder) as server:
        ctx = Context(profile, AS_OF, DAY, DAY, warehouse=server.warehouse())
        result = run_daily(ctx, DAY, "completeness")
        jobs = server.query_jobs()
    return result, jobs


def test_over_the_byte_cap_the_combined_statement_falls_back_and_says_raise_it(
    profile: Profile,
) -> None:
    """A cap sized for one table: every table answers alone (the checks are OK), but the run
    paid for the failed job, and the report says to raise the cap or fall back every run."""
    result, jobs = _bigquery_daily(profile, recorded("error_400_bytes_billed"))
    assert len(jobs) == 1 + 6
    assert {check.status.value for check in result.checks} == {"OK"}
    assert result.stats["fallbacks"] == 1
    (reason,) = result.stats["fallback_reasons"]
    assert reason.startswith("query (presence) would bill at least 21,474,836,480 bytes")
    assert "over maximum_bytes_billed 10,000,000,000" in reason
    line = fallback_line(render("daily.md.j2", result.to_dict()))
    assert "Raise `warehouse.maximum_bytes_billed` in the profile" in line
    assert "or every run falls back" in line and "ERROR" not in line


def test_a_reason_is_redacted_like_any_error(profile: Profile) -> None:
    secret = "ghp_" + "a1B2" * 9
    message = f"Invalid query: cannot read gs://bucket/x?token={secret} near {secret}"
    body = {
        "error": {
            "code": 400,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": "invalidQuery"}],
            "status": "INVALID_ARGUMENT",
        }
    }
    result, _ = _bigquery_daily(profile, body)
    (reason,) = result.stats["fallback_reasons"]
    assert reason.startswith("query failed (presence): 400 invalidQuery: Invalid query")
    assert secret not in reason and "REDACTED" in reason


def test_a_handoff_carries_the_line_under_the_system_state(profile: Profile, broken: Path) -> None:
    from pipeval.adapters.duckdb_warehouse import DuckDBWarehouse
    from pipeval.handoff.document import build
    from pipeval.invocation import Invocation

    warehouse = DuckDBWarehouse(broken)
    try:
        result = run_daily(Context(profile, AS_OF, DAY, DAY, warehouse), DAY, "completeness")
    finally:
        warehouse.close()
    document = build(
        title=None,
        day=DAY,
        validation_day=DAY,
        as_of=AS_OF,
        profile="nba-props",
        result=result,
        validation_note=None,
        facts=None,
        git_note="not in a git repository",
        notes=None,
        invocation=Invocation(),
    )
    text = render("handoff.md.j2", document)
    state = text.split("## Current System State", 1)[1].split("\n## ", 1)[0]
    assert f"Reason: {MISSING}" in fallback_line(state)


# --- --dry-run: a combined statement a real run would see fail --------------------------------


def _dry_run(run_cli, responder, *extra: str) -> tuple[int, str]:
    with recorded_bigquery(responder) as server:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("BIGQUERY_EMULATOR_HOST", server.endpoint)
            code, out, _ = run_cli(
                "daily",
                "--dry-run",
                "--warehouse",
                "bigquery://nba-props-platform",
                "--date",
                str(DAY),
                "--as-of",
                "2026-01-21T15:00:00Z",
                "--checks",
                "completeness",
                *extra,
            )
        assert server.query_jobs() == []  # priced only, nothing run
    return code, out


def _priced_at(request: Request, total: int) -> tuple[int, dict[str, Any]]:
    """BigQuery's dry-run answer for `request`, estimating `total` bytes."""
    job = recorded("dry_run_job")
    job["configuration"] = {**request.config, "jobType": "QUERY"}
    job["jobReference"] = (request.body or {}).get("jobReference", job["jobReference"])
    job["statistics"]["totalBytesProcessed"] = str(total)
    job["statistics"]["query"]["totalBytesProcessed"] = str(total)
    return 200, job


def _combined_dry_run(request: Request) -> bool:
    labels = request.config.get("labels", {})
    return request.dry_run and labels.get("query") == "presence"


def test_a_dry_run_over_the_byte_cap_lists_the_fallback_and_says_raise_it(run_cli) -> None:
    """Six tables in one job read more than a cap sized for one: the real job would be refused,
    so the plan lists each table's own statement priced after it, and says so."""
    over = 20 * 10**9  # the shipped profile's cap is 10 GB

    def responder(request: Request) -> Answer:
        return _priced_at(request, over) if _combined_dry_run(request) else None

    code, out = _dry_run(run_cli, responder, "--format", "json")
    document = json.loads(out)
    # as the real run: its first statement refused, every table's own answers, no ERROR
    assert code == 0 and document["errors"] == [] and document["fallbacks"] == 1
    combined, *parts = document["queries"]
    assert combined["error"] == (
        "query (presence) would process 20,000,000,000 bytes, over maximum_bytes_billed "
        "10,000,000,000 (profile warehouse.maximum_bytes_billed): not run"
    )
    assert combined["estimated_bytes"] is None  # refused: nothing billed
    assert [part["label"] for part in parts] == combined["combines"] and len(parts) == 6
    assert all(part["error"] is None and part["estimated_bytes"] > 0 for part in parts)

    code, out = _dry_run(run_cli, responder)
    line = fallback_line(out)
    assert "the combined statement presence would fail" in line
    assert "then query each table on its own: the 6 statements listed after it" in line
    assert "Raise `warehouse.maximum_bytes_billed` in the profile to at least its estimate" in line
    assert line.endswith("Reason: " + combined["error"])


def test_a_dry_run_whose_combined_statement_is_refused_names_the_cause(run_cli) -> None:
    def responder(request: Request) -> Answer:
        refused = request.dry_run and "ml_feature_store_v2" in request.sql
        return http_error("error_400_invalid_query") if refused else None

    code, out = _dry_run(run_cli, responder, "--format", "json")
    document = json.loads(out)
    assert document["fallbacks"] == 1
    # the phase 4 table's own statement is what the real run reports as ERROR
    assert code == 3 and len(document["errors"]) == 1
    assert document["errors"][0].startswith("presence:nba_predictions.ml_feature_store_v2: ")
    _, out = _dry_run(run_cli, responder)
    line = fallback_line(out)
    assert "The table whose own statement is refused too is the cause" in line
    assert "Reason: query failed (presence)" in line and "Unrecognized name" in line


def test_a_dry_run_that_prices_everything_has_no_fallback(run_cli) -> None:
    code, out = _dry_run(run_cli, None, "--format", "json")
    assert code == 0 and json.loads(out)["fallbacks"] == 0
    _, out = _dry_run(run_cli, None)
    assert "Fallback" not in out
