"""coverage, orchestration and hygiene on the sample season: the seeds' incidents are found and
explained, and clean days stay clean. Every expected number comes from pipeval.sample.incidents."""

from __future__ import annotations

import json
from datetime import date

import pytest

from pipeval.sample import incidents

FAMILIES = "coverage,orchestration,hygiene"


@pytest.fixture
def daily(run_cli, sample_urls):
    """`pipeval daily` on one date for these families, as JSON: (exit code, {check id: check})."""

    def run(day: str, as_of: str) -> tuple[int, dict[str, dict]]:
        args = ["--date", day, "--checks", FAMILIES, "--as-of", as_of, "--format", "json"]
        code, out, err = run_cli("daily", *args, *sample_urls)
        assert out, err
        return code, {check["id"]: check for check in json.loads(out)["checks"]}

    return run


def test_dml_loss_day_coverage_fails_with_every_player_explained(daily) -> None:
    code, checks = daily("2025-12-29", "2025-12-30T15:00:00Z")
    coverage = checks["coverage.predictions"]
    assert code == 2 and coverage["status"] == "FAIL"
    assert coverage["summary"] == (
        f"{incidents.DML_LOSS_PREDICTED_PLAYERS} of {incidents.DML_LOSS_CONTEXT_PLAYERS} players "
        "(43.0 %)"
    )
    reasons = coverage["metrics"]["missing_by_reason"]
    unresolved = coverage["metrics"]["unresolved_names"]
    aliased = sorted(name for name, how in unresolved.items() if how["via"] == "alias")
    spelled = sorted(name for name, how in unresolved.items() if how["via"] == "suffix")
    assert aliased == sorted(incidents.UNRESOLVED_ALIASES)
    assert spelled == sorted(incidents.SUFFIX_VARIANTS)
    assert {name: unresolved[name]["related"] for name in spelled} == {
        name: [canonical] for name, canonical in incidents.SUFFIX_VARIANTS.items()
    }
    assert reasons["not_in_registry"] == sorted(incidents.UNREGISTERED)
    assert len(reasons["no_line"]) == incidents.DML_LOSS_DEEP_BENCH
    assert len(reasons["unknown"]) == incidents.DML_LOSS_LOST_WRITES
    assert sum(len(names) for names in reasons.values()) == incidents.DML_LOSS_MISSING_PLAYERS
    steps = "\n".join(coverage["remediation"])
    assert (
        "Add alias rows to nba_reference.player_aliases for: kevinporterjr ↔ kevinporter" in steps
    )
    assert "lost writes on 2025-12-29 (quota.errors, quota.dml_queue)" in steps


def test_dml_loss_day_reports_the_live_registry_duplicate(daily) -> None:
    _, checks = daily("2025-12-29", "2025-12-30T15:00:00Z")
    duplicates = checks["hygiene.registry_duplicates"]
    assert duplicates["status"] == "WARN"
    lookup, uid = incidents.REGISTRY_DUPLICATE
    assert duplicates["metrics"]["live"] == [
        {"lookups": ["garytrent", lookup], "ids": ["garytrent_001", uid]}
    ]
    assert checks["orchestration.phase3"]["status"] == "OK"


def test_outage_day_orchestration_names_the_missing_phase3_processor(daily) -> None:
    code, checks = daily("2026-01-26", "2026-01-27T15:00:00Z")
    assert code == 2
    phase3, phase4 = checks["orchestration.phase3"], checks["orchestration.phase4"]
    assert phase3["status"] == "FAIL"
    assert phase3["metrics"]["missing"] == ["player_game_summary"]
    assert sorted(phase3["metrics"]["completed"]) == sorted(incidents.PHASE3_OUTAGE_DONE)
    assert "missing: player_game_summary (critical)" in phase3["summary"]
    # Not triggered, and phase 4 has no data: consistent, so no stale-flag warning.
    assert not any(f["data"].get("stale_flag") for f in phase3["findings"])
    assert phase4["status"] == "FAIL"
    assert "no phase4_completion/2026-01-26 document" in phase4["summary"]
    assert checks["coverage.predictions"]["metrics"]["covered"] == 0


def test_orphaned_staging_tables_are_reported_from_metadata(daily) -> None:
    _, checks = daily("2026-01-26", "2026-01-27T15:00:00Z")
    staging = checks["hygiene.staging_tables"]
    assert staging["status"] == "WARN"
    assert [o["table"] for o in staging["metrics"]["orphaned"]] == [
        f"nba_predictions.{name}" for name in incidents.STAGING_TABLES
    ]
    assert "(41 h)" in staging["findings"][0]["message"]


@pytest.mark.parametrize(
    ("day", "as_of"),
    [
        ("2025-12-15", "2025-12-16T15:00:00Z"),
        ("2026-01-10", "2026-01-11T15:00:00Z"),
        ("2026-01-20", "2026-01-21T15:00:00Z"),
        ("2025-12-24", "2025-12-25T15:00:00Z"),  # off-day
    ],
)
def test_clean_days_are_ok_without_warnings(daily, day: str, as_of: str) -> None:
    code, checks = daily(day, as_of)
    assert code == 0, {c: (v["status"], v["summary"]) for c, v in checks.items()}
    assert set(checks) == {
        "coverage.predictions",
        "orchestration.phase3",
        "orchestration.phase4",
        "hygiene.staging_tables",
        "hygiene.registry_duplicates",
    }
    for check in checks.values():
        assert check["status"] == "OK"
        assert all(f["severity"] == "INFO" for f in check["findings"]), check["findings"]


def test_last_evening_of_the_sample_is_pending_not_missing(daily) -> None:
    last = date(2026, 1, 31)
    assert incidents.LIVE_IN_PROGRESS + incidents.LIVE_SCHEDULED > 0
    _, checks = daily(last.isoformat(), "2026-02-01T03:00:00Z")
    for phase in ("phase3", "phase4"):
        check = checks[f"orchestration.{phase}"]
        assert check["status"] == "OK" and check["summary"].startswith("pending:")
