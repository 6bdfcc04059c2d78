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

APPROACHES = ("pipeval", "floor", "lower_bound", "per_date", "pipeval_cli")


@pytest.fixture(scope="module")
def smoke(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str, Path]:
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
    return json.loads(raw.read_text()), report.read_text(), report.with_name("benchmarks-curve.svg")


def test_every_approach_is_timed_or_explained(smoke) -> None:
    document, _, _ = smoke
    for scope in ("historical", "daily"):
        timings = document[scope]["timings"]
        # the in-database floor and its like-for-like run (the built-in checks alone) are
        # whole-range figures: historical only
        whole_range = {"floor", "pipeval_builtin"}
        if scope == "historical":
            wanted = set(APPROACHES) | whole_range
        else:
            wanted = set(APPROACHES) - whole_range
        assert wanted <= set(timings)
        for timing in timings.values():
            assert timing["n"] >= 1 and timing["min"] <= timing["median"] <= timing["max"]
    # the peer was switched off: the results say so instead of holding a number
    assert document["soda"] == {"skipped": "not run (--no-soda)"}


def test_query_counts(smoke) -> None:
    document, _, _ = smoke
    counts = document["query_counts"]
    assert counts["short_days"] == 7 and counts["long_days"] > counts["short_days"]
    assert counts["short"] == counts["long"] and counts["identical"]
    days = document["historical"]["days"]
    assert document["historical"]["queries"]["per_date"] == days * len(per_date.DATED_TABLES)
    assert document["historical"]["queries"]["pipeval"] == counts["long"]
    assert document["daily"]["queries"]["per_date"] == len(per_date.DATED_TABLES)


def test_lower_bound_counts_what_pipeval_reports(smoke) -> None:
    document, _, _ = smoke
    assert document["agreement"]["agree"], document["agreement"]["mismatches"]
    assert len(document["agreement"]["dates"]) == 2


def test_bytes_and_startup(smoke) -> None:
    document, _, _ = smoke
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
    _, markdown, _ = smoke
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


def test_floor_agrees_and_the_realistic_loop_runs(smoke) -> None:
    document, _, _ = smoke
    assert document["floor_agreement"]["agree"], document["floor_agreement"]["mismatches"]
    assert document["historical"]["queries"]["floor"] == 2
    loop = document["daily_loop"]
    assert loop["days"] == document["historical"]["days"] and loop["seconds"] > 0
    # run_daily per date sends its statements again for every date
    assert loop["queries"] > document["historical"]["queries"]["pipeval"] * loop["days"] / 2


def test_cost_curve_points_and_plot(smoke) -> None:
    document, markdown, svg = smoke
    curve = document["curve"]
    days = [point["days"] for point in curve]
    assert days == sorted(days) and days[-1] == document["historical"]["days"] and days[0] == 7
    # the statements stay the same; rows grow with dates (per-date counts), never per player
    assert len({point["queries"] for point in curve}) == 1
    rows = [point["rows_fetched"] for point in curve]
    assert rows == sorted(rows) and rows[0] > 0
    assert all(point["peak_rss_mib"] > 0 and point["cli_wall_s"] > 0 for point in curve)
    assert "## Cost curve" in markdown and "benchmarks-curve.svg" in markdown
    # the built-in checks alone: fewer rows than the whole suite at every point
    assert all(0 < p["rows_fetched_builtin"] < p["rows_fetched"] for p in curve)
    assert all(p["in_process_builtin_s"] > 0 for p in curve)
    text = svg.read_text("utf-8")
    # time: CLI, in-process, built-in, floor; memory; rows: whole suite, built-in
    assert text.startswith("<svg") and text.count("<polyline") == 7


def test_the_floor_is_compared_with_the_same_check_set(smoke) -> None:
    document, markdown, _ = smoke
    hist = document["historical"]
    # the `checks: []` run fetches exactly the built-in statements' rows of the full run
    assert hist["rows_fetched"]["pipeval_builtin"] == hist["rows_by_statement"]["built_in"]
    assert hist["queries"]["pipeval_builtin"] < hist["queries"]["pipeval"]
    assert (
        "built-in checks only" in markdown and "(same check set: the built-in checks)" in markdown
    )


def test_the_built_in_time_is_split_into_statements_and_python(smoke) -> None:
    document, markdown, _ = smoke
    split = document["builtin_split"]
    # the adapter's time is a part of the suite's own duration, measured in the same runs
    assert 0 < split["statements_s"] < split["in_process_s"]
    assert split["python_s"] == pytest.approx(split["in_process_s"] - split["statements_s"])
    assert "in the warehouse adapter" in markdown and "pipeval's Python" in markdown
