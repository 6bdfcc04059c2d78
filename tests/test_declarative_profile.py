"""A profile adds declarative checks without Python: they run in `daily` and `historical`, on
the sample season, at one statement per table whatever the number of dates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeval.profile import load_profile

TWO_CHECKS = """\
extends: nba-props
name: mine
checks:
  - id: mine.summary_rows_per_game
    table: nba_analytics.player_game_summary
    kind: row_count
    per: game
    expects: final
    warn: {below: 10, above: 40}
    fail: 1
    remediation: ["Re-run phase 3 for {date}"]
  - id: mine.summary_minutes_missing
    table: nba_analytics.player_game_summary
    kind: missing_percent
    column: minutes_played
    subject: player_lookup
    warn: 1
    fail: 5
"""


@pytest.fixture
def profile_path(tmp_path: Path) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text(TWO_CHECKS, "utf-8")
    return path


def test_extends_keeps_the_base_checks_and_adds_its_own(profile_path: Path) -> None:
    base = {check.id for check in load_profile("nba-props").checks}
    mine = {check.id for check in load_profile(str(profile_path)).checks}
    assert mine == base | {"mine.summary_rows_per_game", "mine.summary_minutes_missing"}


def test_two_new_checks_run_in_daily(run_cli, sample_urls, profile_path: Path) -> None:
    code, out, err = run_cli(
        "daily",
        *sample_urls,
        "--profile",
        str(profile_path),
        "--date",
        "2026-01-25",
        "--as-of",
        "2026-01-26T15:00:00Z",
        "--checks",
        "mine",
        "--format",
        "json",
    )
    document = json.loads(out)
    checks = {c["id"]: c for c in document["checks"]}
    assert set(checks) == {"mine.summary_rows_per_game", "mine.summary_minutes_missing"}, err
    rows = checks["mine.summary_rows_per_game"]
    # seed 000: two final games of 2026-01-25 never reached player_game_summary
    assert rows["status"] == "FAIL" and code == 2
    assert "2 of 8 games" in rows["summary"]
    assert rows["remediation"] == ["Re-run phase 3 for 2026-01-25"]
    assert checks["mine.summary_minutes_missing"]["status"] == "OK"
    assert document["stats"]["queries"] == 2  # the schedule and the table's one statement


def historical(run_cli, sample_urls, profile_path: Path, start: str, end: str) -> dict:
    code, out, err = run_cli(
        "historical",
        *sample_urls,
        "--profile",
        str(profile_path),
        "--start",
        start,
        "--end",
        end,
        "--as-of",
        "2026-01-31T15:00:00Z",
        "--format",
        "json",
    )
    assert code in (1, 2), err
    return json.loads(out)


def test_two_new_checks_are_rows_of_the_heat_strip(run_cli, sample_urls, profile_path) -> None:
    week = historical(run_cli, sample_urls, profile_path, "2026-01-20", "2026-01-26")
    season = historical(run_cli, sample_urls, profile_path, "2025-12-01", "2026-01-30")
    matrix = week["historical"]["matrix"]
    cells = {c["date"]: c["status"] for c in matrix["mine.summary_rows_per_game"]}
    assert cells["2026-01-25"] == "missing" and cells["2026-01-24"] == "complete"
    assert "mine.summary_minutes_missing" in matrix
    off = {
        c["date"]: c["status"] for c in season["historical"]["matrix"]["mine.summary_rows_per_game"]
    }
    assert off["2025-12-24"] == "off-day"
    # a week and two months cost the same number of statements
    assert week["stats"]["queries"] == season["stats"]["queries"]


def test_every_built_in_family_is_reserved_for_built_in_checks() -> None:
    """profile/ cannot import checks/ (layers), so the reserved list is kept by hand: this ties
    it to the catalogue, so a new family cannot be shadowed by a profile's `checks:` id."""
    from pipeval.checks import FAMILIES
    from pipeval.profile.declarative import RESERVED_FAMILIES

    assert set(FAMILIES) <= RESERVED_FAMILIES
