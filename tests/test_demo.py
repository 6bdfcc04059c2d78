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
    assert document["as_of"] == "2026-01-11T15:00:00Z"
    quota = {c["id"]: c for c in document["checks"]}["quota.table_operations"]
    assert "processor_run_history 2,466" not in quota["summary"]  # January 26's outage is later
    # the last date of the sample is no longer refused: judged on February 1
    code, out, _ = run_cli("demo", "--date", "2026-01-30", "--format", "json")
    assert code in (0, 1, 2) and json.loads(out)["as_of"] == "2026-01-31T15:00:00Z"
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
    assert "embedded sample season" in text and "next day 15:00 UTC" in text
    assert "2025-12-01..2026-01-31" in text
