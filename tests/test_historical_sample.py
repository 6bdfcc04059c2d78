"""`pipeval historical` on the sample season: the Dec–Jan incidents with their cascade windows."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

AS_OF = "2026-01-31T15:00:00Z"


def test_dec_jan_run_shows_incidents_cascades_and_plan(
    run_cli, sample_urls: list[str], tmp_path: Path
) -> None:
    report = tmp_path / "history.md"
    code, _, err = run_cli(
        "historical",
        *sample_urls,
        "--start",
        "2025-12-01",
        "--end",
        "2026-01-30",
        "--as-of",
        AS_OF,
        "--output",
        str(report),
    )
    assert code == 2, err
    text = report.read_text("utf-8")
    svg = report.with_suffix(".svg")
    assert "[history.svg](history.svg)" in text
    root = ET.fromstring(svg.read_text("utf-8"))
    labels = {node.text for node in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"phase3", "coverage.predictions", "2025-12-29", "2026-01-26"} <= labels
    assert text.index("```text") < text.index("| Check |")  # the heat strip leads

    _, out, _ = run_cli(
        "historical",
        *sample_urls,
        "--start",
        "2025-12-01",
        "--end",
        "2026-01-30",
        "--as-of",
        AS_OF,
        "--format",
        "json",
    )
    document = json.loads(out)
    history = document["historical"]
    gaps = {gap["date"]: gap for gap in history["gaps"]}
    # 2025-12-29 holds every game but coverage FAILs (68 of 158): a gap of phase5, in the plan
    assert set(gaps) == {"2025-12-29", "2026-01-25", "2026-01-26"}
    assert gaps["2025-12-29"]["phases"] == ["phase5"]
    assert gaps["2025-12-29"]["reason"].startswith("coverage.predictions 68 of 158")
    assert gaps["2026-01-25"]["phases"] == ["phase3"] and gaps["2026-01-25"]["missing_games"] == 2
    assert gaps["2026-01-26"]["cascade_days"][0] == "2026-01-27"
    assert gaps["2026-01-26"]["severity"] == "high"
    cells = {c["date"]: c["status"] for c in history["matrix"]["coverage.predictions"]}
    assert cells["2025-12-29"] == "missing" and cells["2025-12-24"] == "off-day"
    assert {c["date"]: c["status"] for c in history["matrix"]["phase3"]}["2025-12-24"] == "off-day"
    plan = history["plan"]
    assert [step["action"] for step in plan][:3] == [
        "re-run phase3",
        "re-run phase4",
        "re-run phase5",
    ]
    assert plan[0]["ranges"] == ["2026-01-25..2026-01-26"]
    assert plan[1]["ranges"] == ["2026-01-25..2026-01-31"]
    assert plan[2]["ranges"] == ["2025-12-29", "2026-01-25..2026-01-31"]
    assert "2025-12-29" in plan[3]["ranges"]  # verified too
    assert history["quota"]["fits"] is True and "fits" in history["quota"]["verdict"]


def test_verify_backfill_fails_on_the_broken_day(run_cli, sample_urls: list[str]) -> None:
    code, out, _ = run_cli(
        "historical", *sample_urls, "--verify-backfill", "2026-01-26", "--as-of", AS_OF
    )
    assert code == 2
    assert "verify-backfill — 2026-01-26 — FAIL" in out
    assert "FAIL: 2026-01-26 incomplete" in out
    # Each coverage line names its check once.
    assert "- coverage.predictions: 0 of " in out
    assert "coverage.predictions: coverage.predictions" not in out


def test_verify_backfill_lists_other_gaps_in_its_window_as_warnings(
    run_cli, sample_urls: list[str]
) -> None:
    # 2026-01-26 is in 2026-01-25's cascade window, but its own outage (post-game data missing)
    code, out, _ = run_cli(
        "historical",
        *sample_urls,
        "--verify-backfill",
        "2026-01-25",
        "--as-of",
        AS_OF,
        "--format",
        "json",
    )
    items = {item["id"]: item for item in json.loads(out)["checks"]}
    cascade = items["backfill.cascade"]
    assert cascade["status"] == "WARN"
    assert "other gaps in the window: 2026-01-26" in cascade["summary"]
    assert {f["severity"] for f in cascade["findings"]} == {"WARN"}
    assert all("a gap of its own, not from 2026-01-25" in f["message"] for f in cascade["findings"])
    assert items["backfill.day"]["status"] == "FAIL" and code == 2  # D itself is still broken


def test_range_errors_are_one_line(run_cli, sample_urls: list[str]) -> None:
    for args, message in [
        (["--start", "2026-01-10", "--end", "2026-01-01"], "before --start"),
        (["--start", "2024-01-01", "--end", "2026-01-01"], "over the profile's limit"),
        (["--verify-backfill", "2026-13-01"], "is not a date"),
    ]:
        code, out, err = run_cli("historical", *sample_urls, "--as-of", AS_OF, *args)
        assert code == 3 and message in err and out == ""


def test_verify_backfill_names_a_one_day_cascade_in_the_singular(
    run_cli, sample_urls: list[str]
) -> None:
    # As of the next morning the cascade window of 2026-01-26 is one game day.
    code, out, _ = run_cli(
        "historical", *sample_urls, "--verify-backfill", "2026-01-26",
        "--as-of", "2026-01-27T15:00:00Z",
    )  # fmt: skip
    assert code == 2 and "1 game day of the cascade window (2026-01-27..2026-01-27)" in out
    assert "1 game days" not in out
