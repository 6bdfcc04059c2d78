"""`pipeval daily` and `pipeval demo` on the sample season: incidents caught, clean days clean."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

CLEAN_DAYS = ["2025-12-15", "2026-01-10", "2026-01-20", "2025-12-24"]  # 12-24 is an off-day


def daily_json(run_cli, sample_urls: list[str], day: str, as_of: str) -> tuple[int, dict]:
    code, out, err = run_cli(
        "daily", *sample_urls, "--date", day, "--as-of", as_of, "--format", "json"
    )
    assert err == "" or code != 3, err
    return code, json.loads(out)


def by_id(document: dict) -> dict[str, dict]:
    return {check["id"]: check for check in document["checks"]}


def _next_morning(day: str) -> str:
    """The demo's as-of for `day`: 15:00 the next day in the shipped profile's timezone."""
    from datetime import date

    from pipeval.clock import iso_instant, morning_after

    return iso_instant(morning_after(date.fromisoformat(day), "America/New_York"))


@pytest.mark.parametrize("day", CLEAN_DAYS)
def test_clean_days_are_clean(run_cli, sample_urls: list[str], day: str) -> None:
    code, document = daily_json(run_cli, sample_urls, day, _next_morning(day))
    flagged = {c["id"]: c["summary"] for c in document["checks"] if c["status"] != "OK"}
    assert flagged == {} and code == 0


def test_2026_01_26_names_every_missing_game(run_cli, sample_urls: list[str]) -> None:
    code, document = daily_json(run_cli, sample_urls, "2026-01-26", "2026-01-27T15:00:00Z")
    checks = by_id(document)
    assert code == 2
    summary = checks["completeness.phase3"]["metrics"]["tables"][
        "nba_analytics.player_game_summary"
    ]
    assert summary["present"] == 0 and len(summary["missing"]) == summary["expected"] > 0
    assert all(key.startswith("20260126_") for key in summary["missing"])
    for phase in ("phase4", "phase5"):
        assert checks[f"completeness.{phase}"]["status"] == "FAIL"
    assert checks["completeness.phase2"]["status"] == "OK"


def test_2026_01_25_names_the_two_missing_games(run_cli, sample_urls: list[str]) -> None:
    _, document = daily_json(run_cli, sample_urls, "2026-01-25", "2026-01-26T15:00:00Z")
    phase3 = by_id(document)["completeness.phase3"]
    missing = phase3["metrics"]["tables"]["nba_analytics.player_game_summary"]["missing"]
    assert phase3["status"] == "FAIL" and len(missing) == 2
    for key in missing:
        assert key in phase3["findings"][0]["message"]


def test_in_progress_games_are_pending(run_cli, sample_urls: list[str]) -> None:
    _, document = daily_json(run_cli, sample_urls, "2026-01-31", "2026-02-01T03:00:00Z")
    phase3 = by_id(document)["completeness.phase3"]
    summary = phase3["metrics"]["tables"]["nba_analytics.player_game_summary"]
    assert phase3["status"] == "OK" and summary["missing"] == [] and len(summary["pending"]) == 3


def test_every_check_sql_ran_through_duckdb_and_parses_as_bigquery(
    run_cli, sample_urls: list[str], sample_dir: Path
) -> None:
    import sqlglot

    from pipeval.adapters.dir_store import DirStore
    from pipeval.adapters.duckdb_warehouse import DuckDBWarehouse
    from pipeval.clock import parse_as_of
    from pipeval.profile import load_profile
    from pipeval.query import Context
    from pipeval.suites.daily import run_daily

    warehouse = DuckDBWarehouse(sample_dir / "warehouse.duckdb")
    ctx = Context(
        profile=load_profile(str(sample_dir / "pipeline" / "profile.yaml")),
        as_of=parse_as_of("2026-01-27T15:00:00Z"),
        start=parse_as_of("2026-01-26").date(),
        end=parse_as_of("2026-01-26").date(),
        warehouse=warehouse,
        state=DirStore(sample_dir / "state"),
    )
    result = run_daily(ctx, ctx.start)
    assert all(check.status.value != "ERROR" for check in result.checks), [
        (c.id, c.summary) for c in result.checks if c.status.value == "ERROR"
    ]
    assert warehouse.stats.sent, "no SQL was sent"
    for sql in warehouse.stats.sent:
        assert sqlglot.parse_one(sql, read="bigquery") is not None
    warehouse.close()


def test_demo_through_the_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "pipeval"
    env = {"PIPEVAL_CACHE_DIR": str(tmp_path / "cache"), "PATH": str(script.parent)}
    first = subprocess.run(
        [str(script), "demo"], capture_output=True, text=True, env=env, check=False
    )
    assert first.returncode == 2, first.stderr
    assert first.stdout.startswith("# pipeval daily — 2026-01-26 — ❌ FAIL")
    assert (
        "## Diagnosis" in first.stdout
        and "7 of 7 games missing" in first.stdout
        and "completeness.phase3" in first.stdout
    )
    assert "building" in first.stderr
    again = subprocess.run(
        [str(script), "demo", "--date", "2026-01-25", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert again.returncode == 2 and "building" not in again.stderr  # cached sample reused
    assert json.loads(again.stdout)["target"] == {"date": "2026-01-25"}


@pytest.fixture
def demo_cache(tmp_path: Path, sample_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A demo cache holding the session's sample, so `pipeval demo` does not rebuild it."""
    from pipeval.cli.sample import SAMPLE_VERSION

    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / f"sample-{SAMPLE_VERSION}").symlink_to(sample_dir, target_is_directory=True)
    monkeypatch.setenv("PIPEVAL_CACHE_DIR", str(cache))
    return cache


@pytest.mark.parametrize("day", ["2026-01-10", "2025-12-15"])
def test_demo_date_is_judged_the_morning_after(run_cli, demo_cache: Path, day: str) -> None:
    # Not as of the worst day's morning: its quota burst and the worker commit of 2026-01-22
    # would make every earlier date FAIL.
    code, out, err = run_cli("demo", "--date", day, "--format", "json")
    document = json.loads(out)
    flagged = {c["id"]: c["summary"] for c in document["checks"] if c["status"] != "OK"}
    assert (code, flagged) == (0, {})
    assert "building" not in err and "--warehouse duckdb://" in err  # the cached sample's paths
    assert document["as_of"].startswith(_next_morning(day)[:19])
    assert "deploy.drift" in {c["id"] for c in document["checks"]}


def test_demo_date_shows_that_dates_incident(run_cli, demo_cache: Path) -> None:
    code, out, _ = run_cli("demo", "--date", "2025-12-29", "--format", "json")
    checks = by_id(json.loads(out))
    assert code == 2 and checks["coverage.predictions"]["summary"] == "68 of 158 players (43.0 %)"
    assert checks["quota.table_operations"]["status"] == "OK"  # the 2026-01-26 burst is later


def test_demo_as_of_still_wins(run_cli, demo_cache: Path) -> None:
    code, out, _ = run_cli(
        "demo", "--date", "2026-01-10", "--as-of", "2026-01-27T15:00:00Z", "--format", "json"
    )
    document = json.loads(out)
    assert code == 2 and document["as_of"].startswith("2026-01-27T15:00:00")


def test_demo_never_reuses_a_sample_built_by_other_generator_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A cache built before the declarative checks' tables existed made `pipeval demo` ERROR on
    # every check of those tables: the cache's name follows the generator's sources.
    import shutil

    import pipeval
    from pipeval.cli import sample as cli_sample

    package = tmp_path / "pipeval"
    shutil.copytree(Path(pipeval.__file__).parent, package)
    monkeypatch.setattr(cli_sample, "__file__", str(package / "cli" / "sample.py"))
    before = cli_sample._generator_digest()
    assert before == cli_sample.SAMPLE_VERSION.removeprefix(f"{cli_sample.SAMPLE_LAYOUT}-")
    profile = package / "profile" / "nba-props.yaml"
    profile.write_text(profile.read_text("utf-8") + "# another check\n", "utf-8")
    after_profile = cli_sample._generator_digest()
    incidents = package / "sample" / "incidents.py"
    incidents.write_text(incidents.read_text("utf-8") + "# another incident\n", "utf-8")
    assert len({before, after_profile, cli_sample._generator_digest()}) == 3


def test_one_table_phase_summary_is_singular(run_cli, sample_urls: list[str]) -> None:
    _, document = daily_json(run_cli, sample_urls, "2026-01-25", "2026-01-26T15:00:00Z")
    checks = by_id(document)
    assert checks["completeness.phase4"]["summary"] == "all 8 expected games present in 1 table"
    assert checks["completeness.phase2"]["summary"].endswith("present in 2 tables")
