"""Diagnosis: failing checks grouped into incidents along the lineage, one ordered plan each.

Unit cases build check results the way the checks do (ids, subjects, metrics) and group them
with the shipped profile's lineage or a variant of it; the demo-day case runs the real suite
on the sample season.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from pipeval.diagnosis import diagnose
from pipeval.errors import ConfigError
from pipeval.invocation import Invocation
from pipeval.profile import Profile, load_profile
from pipeval.profile.model import LineagePhase
from pipeval.results import CheckResult, Finding, Severity, Status

DAY = date(2026, 1, 26)
AS_OF = datetime(2026, 1, 27, 15, tzinfo=UTC)
RUN_LOG = "nba_reference.processor_run_history"
WAREHOUSE = "duckdb:///tmp/w h.duckdb"


def fail(check_id: str, subject: str, message: str = "bad", **metrics: Any) -> CheckResult:
    return CheckResult.from_findings(
        check_id, f"{subject}: {message}", [Finding(Severity.FAIL, message, subject)], metrics
    )


def warn(check_id: str, subject: str, message: str = "odd") -> CheckResult:
    return CheckResult.from_findings(
        check_id, message, [Finding(Severity.WARN, message, subject)], {}
    )


def ok(check_id: str) -> CheckResult:
    return CheckResult(check_id, check_id.split(".")[0], Status.OK, "fine")


def missing(phase: str, table: str) -> CheckResult:
    metrics = {"tables": {table: {"missing": ["g1", "g2"], "expected": 2}}}
    return fail(f"completeness.{phase}", table, "2 of 2 games missing", **metrics)


def quota_over(table: str = RUN_LOG) -> CheckResult:
    usage = {
        "used": 2466,
        "limit": 1500,
        "percent": 164.4,
        "back_under_at": datetime(2026, 1, 27, 20, tzinfo=UTC),
    }
    result = fail("quota.table_operations", table, "2,466 of 1,500", tables={table: usage})
    result.remediation = [
        f"{table}: 2,466 of 1,500 (164 %), 100 % LOAD jobs; batching 100 rows per load job "
        "would use ~25 table operations in 24 h: buffer rows"
    ]
    return result


def coverage_zero() -> CheckResult:
    return fail("coverage.predictions", "nba_predictions.player_prop_predictions", "0 of 178")


def outage() -> list[CheckResult]:
    """The demo day's shape: the run log out of quota, phases 3-5 empty, coverage 0."""
    return [
        quota_over(),
        fail("quota.errors", RUN_LOG, "966 quotaExceeded"),
        ok("completeness.phase2"),
        missing("phase3", "nba_analytics.player_game_summary"),
        missing("phase4", "nba_predictions.ml_feature_store_v2"),
        missing("phase5", "nba_predictions.player_prop_predictions"),
        fail("orchestration.phase3", "phase3_completion/2026-01-26", "critical missing"),
        fail("orchestration.phase4", "phase4_completion/2026-01-26", "no document"),
        coverage_zero(),
    ]


def run(checks: list[CheckResult], profile: Profile, **given: Any) -> list[dict[str, Any]]:
    invocation = Invocation(warehouse=WAREHOUSE, as_of=AS_OF, **given)
    return diagnose(checks, profile, DAY, AS_OF, invocation)["incidents"]


def with_lineage(profile: Profile, lineage: dict[str, LineagePhase]) -> Profile:
    return dataclasses.replace(profile, lineage=lineage)


def actions(incident: dict[str, Any]) -> list[str]:
    return [step["action"] for step in incident["plan"]]


def test_one_outage_is_one_incident_rooted_in_the_quota_of_the_run_log(profile: Profile) -> None:
    [incident] = run(outage(), profile)
    assert incident["root"] == {"check": "quota.table_operations", "subject": RUN_LOG}
    assert set(incident["consequences"]) == {
        "quota.errors",
        "orchestration.phase3",
        "completeness.phase3",
        "orchestration.phase4",
        "completeness.phase4",
        "completeness.phase5",
        "coverage.predictions",
    }
    assert incident["phases"] == ["phase3", "phase4", "phase5"]
    assert "→" in incident["summary"] and "coverage.predictions" in incident["summary"]
    steps = actions(incident)
    assert steps[0].startswith("Wait until ~2026-01-27 20:00Z")
    assert steps[1].startswith("Check the backfill's quota cost")
    assert steps[2:5] == [
        "Re-run phase3 for 2026-01-26",
        "Re-run phase4 for 2026-01-26..2026-01-27",
        "Re-run phase5 for 2026-01-26..2026-01-27",
    ]
    assert steps[5].startswith("Verify 2026-01-26")
    assert steps[6].startswith(f"Stop a repeat on {RUN_LOG}: batching 100 rows")
    assert len(steps) == len(set(steps)) == len(incident["plan"])
    assert [s["step"] for s in incident["plan"]] == list(range(1, 8))
    commands = [s["command"] for s in incident["plan"] if s["command"]]
    assert len(commands) == len(set(commands))
    # pipeval commands repeat the run's context, shell-quoted
    assert f"--warehouse '{WAREHOUSE}'" in incident["plan"][1]["command"]
    assert "--as-of 2026-01-27T15:00:00Z" in incident["plan"][5]["command"]
    assert incident["plan"][1]["command"].startswith(
        "pipeval quota --backfill 2026-01-26 2026-01-27"
    )
    assert incident["playbook"] == "references/playbook-quota.md#quotatable_operations"


def test_an_unrelated_warning_is_an_incident_of_its_own(profile: Profile) -> None:
    checks = [*outage(), warn("hygiene.staging_tables", "", "3 orphaned staging tables")]
    first, second = run(checks, profile)
    assert first["root"]["check"] == "quota.table_operations"
    assert second["root"]["check"] == "hygiene.staging_tables" and second["status"] == "WARN"
    assert second["consequences"] == [] and "hygiene.staging_tables" not in first["consequences"]


def test_two_independent_roots_stay_separate(profile: Profile) -> None:
    # phase2 and phase4 each broken, and nothing links them (phase4 reads no phase here).
    lineage = {
        "phase2": LineagePhase(),
        "phase3": LineagePhase(reads=["phase2"]),
        "phase4": LineagePhase(),
        "phase5": LineagePhase(reads=["phase4"]),
    }
    checks = [
        missing("phase2", "nba_raw.nbac_gamebook_player_stats"),
        missing("phase3", "nba_analytics.player_game_summary"),
        fail("orchestration.phase4", "phase4_completion/2026-01-26", "no document"),
        missing("phase5", "nba_predictions.player_prop_predictions"),
    ]
    first, second = run(checks, with_lineage(profile, lineage))
    assert first["root"]["check"] == "completeness.phase2"
    assert first["phases"] == ["phase2", "phase3"]
    assert first["consequences"] == ["completeness.phase3"]
    assert second["root"]["check"] == "orchestration.phase4"
    assert second["phases"] == ["phase4", "phase5"]
    assert "Re-run phase3 for 2026-01-26..2026-01-27" in actions(first)
    assert not any("phase4" in action for action in actions(first))


def test_two_quota_outages_on_unrelated_tables_are_two_incidents(profile: Profile) -> None:
    checks = [
        quota_over(RUN_LOG),
        quota_over("nba_raw.some_other_log"),
        missing("phase3", "nba_analytics.player_game_summary"),
    ]
    explained, alone = run(checks, profile)
    assert explained["root"]["subject"] == RUN_LOG and explained["phases"] == ["phase3"]
    assert alone["root"]["subject"] == "nba_raw.some_other_log" and alone["phases"] == []


def test_a_missing_phase_without_quota_trouble_is_its_own_root(profile: Profile) -> None:
    checks = [
        ok("quota.table_operations"),
        missing("phase4", "nba_predictions.ml_feature_store_v2"),
        fail("orchestration.phase4", "phase4_completion/2026-01-26", "no document"),
        missing("phase5", "nba_predictions.player_prop_predictions"),
        coverage_zero(),
    ]
    [incident] = run(checks, profile)
    assert incident["root"] == {
        "check": "orchestration.phase4",
        "subject": "phase4_completion/2026-01-26",
    }
    assert set(incident["consequences"]) == {
        "completeness.phase4",
        "completeness.phase5",
        "coverage.predictions",
    }
    steps = actions(incident)
    assert not any(step.startswith("Wait") for step in steps)
    assert steps[1:3] == [
        "Re-run phase4 for 2026-01-26",
        "Re-run phase5 for 2026-01-26..2026-01-27",
    ]
    assert incident["playbook"] == "references/playbook-orchestration.md#orchestrationphase"


def test_a_stale_flag_is_not_a_phase_failure(profile: Profile) -> None:
    stale = CheckResult.from_findings(
        "orchestration.phase3",
        "stale _triggered flag",
        [Finding(Severity.WARN, "stale flag", "phase3_completion/x", {"stale_flag": True})],
    )
    stale.remediation = ["No re-run needed: phase4 data exists"]
    [incident] = run([stale], profile)
    assert incident["phases"] == [] and actions(incident) == [
        "No re-run needed: phase4 data exists"
    ]


def test_without_lineage_every_failing_check_is_an_incident(profile: Profile) -> None:
    incidents = run(outage(), with_lineage(profile, {}))
    assert [i["root"]["check"] for i in incidents] == [
        c.id for c in outage() if c.status is not Status.OK
    ]
    assert all(i["consequences"] == [] for i in incidents)


def test_a_stale_deployment_of_a_phase_service_is_the_root(profile: Profile) -> None:
    # The hook for deploy.drift: its subject is a service that lineage maps to phases.
    drift = fail("deploy.drift", "nba-phase3-analytics-processors", "12 commits not deployed")
    command = "cd /srv/repo && ./bin/deploy-service.sh nba-phase3-analytics-processors"
    drift.remediation = [f"Redeploy nba-phase3-analytics-processors: `{command}`"]
    checks = [drift, missing("phase3", "nba_analytics.player_game_summary")]
    [incident] = run(checks, profile, deploy="dir:///srv/deploy")
    assert incident["root"] == {"check": "deploy.drift", "subject": drift.findings[0].subject}
    assert incident["consequences"] == ["completeness.phase3"]
    assert "--deploy dir:///srv/deploy" in incident["plan"][-1]["command"]
    assert incident["plan"][0] == {
        "step": 1,
        "action": "Redeploy nba-phase3-analytics-processors (a re-run on the deployed code fails "
        "the same way)",
        "command": command,
    }


def test_a_deployed_commit_missing_from_the_clone_is_fetched_not_redeployed(
    profile: Profile,
) -> None:
    # Run from the wrong clone, every service's deployed commit is unknown: a WARN whose step
    # is to fetch, which says nothing about the service being stale.
    drift = warn(
        "deploy.drift", "prediction-worker", "deployed commit bca9693 is not in this clone"
    )
    drift.remediation = ["Fetch the clone, then run the check again: `git -C /srv/repo fetch`"]
    [incident] = run([drift], profile)
    assert incident["root"] == {"check": "deploy.drift", "subject": "prediction-worker"}
    assert incident["plan"] == [
        {
            "step": 1,
            "action": "Fetch the clone, then run the check again",
            "command": "git -C /srv/repo fetch",
        }
    ]


def test_quota_beats_a_stale_deployment_of_the_same_phase(profile: Profile) -> None:
    drift = fail("deploy.drift", "nba-phase3-analytics-processors", "pending")
    checks = [drift, quota_over(), missing("phase3", "nba_analytics.player_game_summary")]
    first, second = run(checks, profile)
    assert first["root"]["check"] == "quota.table_operations"
    assert second["root"]["check"] == "deploy.drift" and second["phases"] == []


def test_an_unknown_family_joins_the_incident_of_its_tables_phase(profile: Profile) -> None:
    features = warn("features.row_count", "nba_predictions.ml_feature_store_v2", "few rows")
    other = warn("grading.freshness", "nba_predictions.prediction_accuracy", "stale")
    checks = [missing("phase4", "nba_predictions.ml_feature_store_v2"), features, other]
    joined, alone = run(checks, profile)
    assert joined["consequences"] == ["features.row_count"]
    assert alone["root"]["check"] == "grading.freshness"


def test_a_check_that_could_not_run_stays_alone(profile: Profile) -> None:
    broken = CheckResult.error("coverage.predictions", "permission denied")
    checks = [missing("phase5", "nba_predictions.player_prop_predictions"), broken]
    incidents = run(checks, profile)
    assert {i["root"]["check"] for i in incidents} == {
        "completeness.phase5",
        "coverage.predictions",
    }
    assert incidents[0]["status"] == "ERROR" and "permission denied" in incidents[0]["summary"]


@pytest.mark.parametrize(
    ("lineage", "problem"),
    [
        ("{phase9: {reads: [phase2]}}", "unknown phase 'phase9'"),
        ("{phase3: {reads: [phase7]}}", "unknown phase 'phase7'"),
        ("{phase3: {reads: [phase4]}, phase4: {reads: [phase3]}}", "lineage has a cycle"),
        ("{phase3: {writes: ['bad name']}}", "lineage.phase3.writes.0"),
    ],
)
def test_a_broken_lineage_is_refused_when_the_profile_loads(
    tmp_path: Path, lineage: str, problem: str
) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(f"extends: nba-props\nlineage: {lineage}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=problem):
        load_profile(str(path))


def test_the_shipped_lineage_has_the_run_log_written_by_phases_3_to_5(profile: Profile) -> None:
    from pipeval.profile.lineage import Lineage

    lineage = Lineage.of(profile)
    assert lineage.writers(RUN_LOG) == ["phase3", "phase4", "phase5"]
    assert lineage.downstream("phase3") == ["phase4", "phase5"]
    assert lineage.running("prediction-worker") == ["phase5"]
