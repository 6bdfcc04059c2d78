"""`pipeval demo`: a date of the sample judged the morning after, its paths always printed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: Cli) -> Path:
    """A demo cache built once for the test (the first run builds it)."""
    monkeypatch.setenv("PIPEVAL_CACHE_DIR", str(tmp_path / "cache"))
    code, _, err = run_cli("demo", "--date", "2026-01-10", "--format", "json")
    assert code in (0, 1, 2) and "building" in err
    from pipeval.cli.sample import cache_dir

    return cache_dir()


def test_a_date_is_judged_the_morning_after(cached: Path, run_cli: Cli) -> None:
    _, out, _ = run_cli("demo", "--date", "2026-01-10", "--format", "json")
    document = json.loads(out)
    # 15:00 the next day in the profile's timezone (America/New_York, EST in January)
    assert document["as_of"] == "2026-01-11T20:00:00Z"
    quota = {c["id"]: c for c in document["checks"]}["quota.table_operations"]
    assert "processor_run_history 2,466" not in quota["summary"]  # January 26's outage is later
    # the last date of the sample is no longer refused: judged on February 1
    code, out, _ = run_cli("demo", "--date", "2026-01-30", "--format", "json")
    assert code in (0, 1, 2) and json.loads(out)["as_of"] == "2026-01-31T20:00:00Z"
    # --as-of still wins
    _, out, _ = run_cli("demo", "--as-of", "2026-01-27T15:00:00Z", "--format", "json")
    assert json.loads(out)["as_of"] == "2026-01-27T15:00:00Z"


def test_a_cached_sample_still_prints_its_paths(cached: Path, run_cli: Cli) -> None:
    _, _, err = run_cli("demo", "--date", "2026-01-10", "--format", "json")
    assert "building" not in err
    assert f"--warehouse duckdb://{(cached / 'warehouse.duckdb').resolve()}" in err
    assert f"--state dir://{(cached / 'state').resolve()}" in err


def test_demo_help_says_what_it_does(run_cli: Cli) -> None:
    code, out, _ = run_cli("demo", "--help")
    assert code == 0
    text = " ".join(out.split())
    assert "embedded sample season" in text
    assert "next day 15:00 in the profile's timezone" in text and "15:00 UTC" not in text
    assert "2025-12-01..2026-01-31" in text


def test_the_morning_after_follows_the_profiles_timezone(
    cached: Path, run_cli: Cli, tmp_path: Path
) -> None:
    pacific = tmp_path / "pacific.yaml"
    pacific.write_text("extends: nba-props\ntimezone: America/Los_Angeles\n", encoding="utf-8")
    _, out, _ = run_cli(
        "demo", "--date", "2026-01-10", "--profile", str(pacific), "--format", "json"
    )
    assert json.loads(out)["as_of"] == "2026-01-11T23:00:00Z"  # 15:00 PST


def test_a_date_outside_the_sample_is_refused_before_any_build(run_cli: Cli) -> None:
    # 2026-03-20 (summer time) would be judged 2026-03-21 19:00Z, but the sample ends in January.
    code, out, err = run_cli("demo", "--date", "2026-03-20")
    assert code == 3 and out == ""
    assert "the demo's sample has games 2025-12-01..2026-01-31" in err


def test_the_demo_day_keeps_its_quota_root_and_waits_past_its_as_of(
    cached: Path, run_cli: Cli
) -> None:
    code, out, _ = run_cli("demo", "--format", "json")
    document = json.loads(out)
    assert code == 2 and document["as_of"] == "2026-01-27T20:00:00Z"  # 15:00 EST
    [quota_root] = [
        i for i in document["diagnosis"]["incidents"] if i["root"]["check"].startswith("quota.")
    ]
    assert quota_root["root"] == {
        "check": "quota.table_operations",
        "subject": "nba_reference.processor_run_history",
    }
    checks = {c["id"]: c for c in document["checks"]}
    usage = checks["quota.table_operations"]["metrics"]["tables"][quota_root["root"]["subject"]]
    assert usage["percent"] > 100  # the whole outage is inside the 24 h before the as-of
    back = usage["back_under_at"]
    assert back > document["as_of"]  # ISO-8601 UTC strings order as instants
    wait = quota_root["plan"][0]
    assert wait["action"].startswith(f"Wait until ~{back[:10]} {back[11:16]}Z")
    assert "--as-of 2026-01-27T20:00:00Z" in wait["command"]
