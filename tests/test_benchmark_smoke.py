"""The benchmark's code paths on the default sample, one repetition: it cannot rot unnoticed.

No timing is asserted; the structure, the query counts and the agreement of counts are.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from benchmarks import per_date, soda_peer, soda_scan
from benchmarks.run import main

APPROACHES = ("pipeval", "lower_bound", "per_date", "pipeval_cli")


@pytest.fixture(scope="module")
def smoke(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    out = tmp_path_factory.mktemp("bench")
    report, raw = out / "docs" / "benchmarks.md", out / "bench.json"
    main.main(
        [
            "--quick",
            "--no-soda",
            "--sample-dir",
            str(sample_dir),
            "--cache-dir",
            str(out / "cache"),
            "--output",
            str(report),
            "--json",
            str(raw),
        ],
        standalone_mode=False,
    )
    return json.loads(raw.read_text()), report.read_text()


def test_every_approach_is_timed_or_explained(smoke) -> None:
    document, _ = smoke
    for scope in ("historical", "daily"):
        timings = document[scope]["timings"]
        assert set(APPROACHES) <= set(timings)
        for timing in timings.values():
            assert timing["n"] >= 1 and timing["min"] <= timing["median"] <= timing["max"]
    # the peer was switched off: the results say so instead of holding a number
    assert document["soda"] == {"skipped": "not run (--no-soda)"}


def test_query_counts(smoke) -> None:
    document, _ = smoke
    counts = document["query_counts"]
    assert counts["short_days"] == 7 and counts["long_days"] > counts["short_days"]
    assert counts["short"] == counts["long"] and counts["identical"]
    days = document["historical"]["days"]
    assert document["historical"]["queries"]["per_date"] == days * len(per_date.DATED_TABLES)
    assert document["historical"]["queries"]["pipeval"] == counts["long"]
    assert document["daily"]["queries"]["per_date"] == len(per_date.DATED_TABLES)


def test_lower_bound_counts_what_pipeval_reports(smoke) -> None:
    document, _ = smoke
    assert document["agreement"]["agree"], document["agreement"]["mismatches"]
    assert len(document["agreement"]["dates"]) == 2


def test_bytes_and_startup(smoke) -> None:
    document, _ = smoke
    for scope in ("historical", "daily"):
        estimate = document["bytes"][scope]
        assert estimate["billed"] >= estimate["scanned"] > 0
        assert estimate["unpruned"] >= estimate["scanned"]
        assert len(estimate["statements"]) == document[scope]["queries"]["pipeval"]
    # the daily date's partitions are a small part of the range
    assert document["bytes"]["daily"]["scanned"] < document["bytes"]["historical"]["scanned"]
    assert document["startup"]["importtime"]["google_cloud_modules"] == []
    assert document["startup"]["importtime"]["modules"] > 0


def test_markdown_holds_every_section(smoke) -> None:
    _, markdown = smoke
    for heading in ("## Targets", "## `historical`", "## `daily`", "## BigQuery bytes", "## CLI"):
        assert heading in markdown
    assert "Not run: not run (--no-soda)" in markdown
    assert "lower bound" in markdown and "per-date loop" in markdown


def test_soda_sections_are_one_per_table_and_date() -> None:
    days = ["2026-01-25", "2026-01-26"]
    sections, variables = soda_scan.scope_sections({"mode": "filters", "days": days})
    row_counts = [s for s in sections if any(k.startswith("filter ") for k in s)]
    assert len(row_counts) == len(days) * len(soda_scan.PHASE_TABLES) + 1  # + the reference scope
    assert variables["d20260126"] == "2026-01-26" and variables["start"] == days[0]
    grouped, _ = soda_scan.scope_sections({"mode": "groupby", "days": days})
    assert len(grouped) == len(soda_scan.PHASE_TABLES) + 1


def test_soda_export_copies_the_checked_tables(sample_dir: Path, tmp_path: Path) -> None:
    target = soda_peer.export_tables(sample_dir / "warehouse.duckdb", tmp_path / "soda.duckdb")
    con = duckdb.connect(str(target), read_only=True)
    try:
        names = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        count = con.execute("SELECT COUNT(*) FROM nbac_schedule").fetchone()[0]
    finally:
        con.close()
    assert len(names) == len(soda_peer.COPY_SQL)
    assert count > 0
