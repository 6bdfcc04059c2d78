"""deploy.drift and `pipeval deploy` on temporary git clones, through dir:// and run://.

Each scene is a real git repository with dated commits and the services' resources in the Cloud
Run API's shape; run:// cases send the same resources through the real `google-cloud-run` client
to the loopback server of `tests/recorded_run.py`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from pipeval.gitrun import run_git
from pipeval.profile import load_profile
from pipeval.sample import deployments
from pipeval.sample.deployments import PROJECT
from tests.builders import build_warehouse, season_rows
from tests.deploy_repos import DriftScene, git, standard_scene
from tests.recorded_run import cloud_run

BEFORE_LIMIT = "2026-01-20T18:00:00Z"  # the worker fix has waited 9 h
AFTER_LIMIT = "2026-01-22T12:00:00Z"  # ... 51 h

RunCli = Callable[..., tuple[int, str, str]]


def deploy_json(run_cli: RunCli, scene: DriftScene, as_of: str, *extra: str) -> tuple[int, dict]:
    code, out, err = run_cli(
        "deploy",
        "--repo",
        str(scene.repo),
        "--deploy",
        scene.deploy_url,
        "--profile",
        str(scene.profile_path),
        "--as-of",
        as_of,
        "--format",
        "json",
        *extra,
    )
    assert err == "", err
    return code, json.loads(out)


def findings(document: dict) -> dict[str, dict]:
    (check,) = document["checks"]
    assert check["id"] == "deploy.drift"
    return {finding["subject"]: finding for finding in check["findings"]}


def test_pending_commit_within_the_limit_is_a_warn_with_the_commit_listed(
    tmp_path: Path, run_cli: RunCli
) -> None:
    scene = standard_scene(tmp_path)
    code, document = deploy_json(run_cli, scene, BEFORE_LIMIT)
    found = findings(document)
    worker = found["prediction-worker"]
    fix = scene.commits["worker: keep players without a line"]
    assert code == 1 and document["status"] == "WARN"
    assert worker["severity"] == "WARN"
    assert f"{fix[:7]} 2026-01-20 worker: keep players without a line" in worker["message"]
    assert "oldest waiting 9 h (limit 24 h" in worker["message"]
    assert worker["data"]["pending_count"] == 1
    assert worker["data"]["pending"][0]["sha"] == fix
    # The docs commit touches no service path; the analytics commit is deployed.
    assert "docs: handoff" not in worker["message"]
    assert found["analytics-processors"]["severity"] == "INFO"
    assert found["analytics-processors"]["message"].startswith("up to date (commit ")


def test_pending_commit_older_than_max_lag_hours_is_a_fail(tmp_path: Path, run_cli: RunCli) -> None:
    scene = standard_scene(tmp_path)
    code, document = deploy_json(run_cli, scene, AFTER_LIMIT)
    worker = findings(document)["prediction-worker"]
    assert code == 2 and worker["severity"] == "FAIL"
    assert "oldest waiting 51 h (limit 24 h" in worker["message"]
    check = document["checks"][0]
    assert check["summary"] == "3 services: 1 stale (prediction-worker), 2 up to date"
    # Remediation: the profile's deploy command for the stale service, run from the clone.
    command = f"cd {scene.repo} && ./bin/deploy-service.sh prediction-worker"
    assert check["remediation"] == [f"Redeploy prediction-worker: `{command}`"]


def test_commits_after_as_of_are_not_pending(tmp_path: Path, run_cli: RunCli) -> None:
    # As of Jan 15 the worker fix (Jan 20) did not exist yet: nothing was waiting, and no
    # negative wait is reported.
    scene = standard_scene(tmp_path)
    code, document = deploy_json(run_cli, scene, "2026-01-15T12:00:00Z")
    worker = findings(document)["prediction-worker"]
    assert code == 0 and worker["severity"] == "INFO"
    assert worker["data"]["pending_count"] == 0 and "lag_hours" not in worker["data"]
    assert worker["message"].startswith("up to date (commit ")


def test_max_lag_hours_comes_from_the_profile(tmp_path: Path, run_cli: RunCli) -> None:
    scene = standard_scene(tmp_path, lag_hours=72)
    code, document = deploy_json(run_cli, scene, AFTER_LIMIT)
    assert code == 1
    assert "(limit 72 h" in findings(document)["prediction-worker"]["message"]


def test_markdown_prints_one_line_per_service(tmp_path: Path, run_cli: RunCli) -> None:
    scene = standard_scene(tmp_path)
    code, out, err = run_cli(
        "deploy", "--repo", str(scene.repo), "--deploy", scene.deploy_url, "--profile",
        str(scene.profile_path), "--as-of", AFTER_LIMIT,
    )  # fmt: skip
    assert code == 2 and err == ""
    lines = [line for line in out.splitlines() if line.startswith("- ")]
    assert [line.split("**")[1] for line in lines] == ["FAIL", "OK", "OK"]
    assert "prediction-worker: 1 commit on its paths not deployed" in lines[0]
    assert "analytics-processors: up to date" in lines[1]
    assert "`cd " in out and "./bin/deploy-service.sh prediction-worker`" in out


def test_more_than_five_pending_commits_are_listed_then_counted(
    tmp_path: Path, run_cli: RunCli
) -> None:
    scene = standard_scene(tmp_path)
    for n in range(7):
        scene.commit(f"worker: step {n}", f"2026-01-20T1{n}:30:00Z", {"worker/app.py": f"# {n}\n"})
    code, document = deploy_json(run_cli, scene, AFTER_LIMIT)
    worker = findings(document)["prediction-worker"]
    assert code == 2 and worker["data"]["pending_count"] == 8
    assert len(worker["data"]["pending"]) == 5
    assert worker["message"].count("worker: step") == 5 and "; and 3 more" in worker["message"]
    assert "worker: step 6" in worker["message"]  # newest first


def test_without_a_label_the_comparison_is_by_time_and_says_so(
    tmp_path: Path, run_cli: RunCli
) -> None:
    scene = standard_scene(tmp_path)
    scene.deploy("prediction-worker", "2026-01-15T00:00:00Z", None)
    code, document = deploy_json(run_cli, scene, AFTER_LIMIT)
    found = findings(document)
    worker, health = found["prediction-worker"], found["health-check"]
    assert code == 2 and worker["severity"] == "FAIL" and worker["data"]["basis"] == "time"
    assert (
        "no commit-sha label: compared by time, deployed 2026-01-15 00:00 UTC" in worker["message"]
    )
    assert "last change on its paths 2026-01-20 09:00 UTC" in worker["message"]
    assert worker["data"]["pending_count"] == 1
    # The function was deployed after the last change on its paths: OK, by time too.
    assert health["severity"] == "INFO" and "compared by time" in health["message"]


def test_a_label_that_is_not_a_commit_id_falls_back_to_time(
    tmp_path: Path, run_cli: RunCli
) -> None:
    scene = standard_scene(tmp_path)
    scene.deploy("prediction-worker", "2026-01-21T00:00:00Z", "unknown")
    code, document = deploy_json(run_cli, scene, AFTER_LIMIT)
    worker = findings(document)["prediction-worker"]
    assert code == 0 and worker["severity"] == "INFO"
    assert "label commit-sha='unknown' is not a commit id: compared by time" in worker["message"]


def test_a_deployed_commit_missing_from_the_clone_is_a_warn_asking_to_fetch(
    tmp_path: Path, run_cli: RunCli
) -> None:
    scene = standard_scene(tmp_path)
    scene.deploy("analytics-processors", "2026-01-21T00:00:00Z", "abc1234")
    code, document = deploy_json(run_cli, scene, BEFORE_LIMIT)
    analytics = findings(document)["analytics-processors"]
    assert code == 1 and analytics["severity"] == "WARN"
    assert analytics["message"] == "deployed commit abc1234 is not in this clone: fetch?"
    assert document["checks"][0]["remediation"][-1] == (
        f"Fetch the clone, then run the check again: `git -C {scene.repo} fetch`"
    )


def test_a_service_missing_from_the_deployments_is_a_fail_naming_it(
    tmp_path: Path, run_cli: RunCli
) -> None:
    scene = standard_scene(tmp_path)
    (scene.deploy_dir / "analytics-processors.json").unlink()
    code, document = deploy_json(run_cli, scene, BEFORE_LIMIT)
    analytics = findings(document)["analytics-processors"]
    assert code == 2 and analytics["severity"] == "FAIL"
    assert analytics["message"] == f"not found in us-west2 on {scene.deploy_url}"


def test_up_to_date_everywhere_is_ok(tmp_path: Path, run_cli: RunCli) -> None:
    scene = standard_scene(tmp_path)
    head = scene.commits["docs: handoff"]
    scene.deploy("prediction-worker", "2026-01-20T13:00:00Z", head[:9])
    code, document = deploy_json(run_cli, scene, AFTER_LIMIT)
    assert code == 0 and document["status"] == "OK"
    assert document["checks"][0]["metrics"]["up_to_date"] == 3
    assert document["checks"][0]["metrics"]["head"] == head


def test_run_url_through_the_cloud_run_client_gives_the_same_result(
    tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    scene = standard_scene(tmp_path)
    _, by_dir = deploy_json(run_cli, scene, AFTER_LIMIT)
    with cloud_run(scene.by_name()) as server:
        monkeypatch.setenv("PIPEVAL_RUN_ENDPOINT", server.endpoint)
        code, by_api = deploy_json(run_cli, scene, AFTER_LIMIT, "--deploy", f"run://{PROJECT}")
        asked = list(server.paths)
    assert code == 2
    assert by_api["checks"][0]["findings"] == by_dir["checks"][0]["findings"]
    assert by_api["target"]["deploy"] == f"run://{PROJECT}"
    assert asked == [
        f"/v2/projects/{PROJECT}/locations/us-west2/services/{name}"
        for name in ("prediction-worker", "analytics-processors", "health-check")
    ]


def test_run_url_missing_service_and_unknown_sha(
    tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    scene = standard_scene(tmp_path)
    resources = scene.by_name()
    worker = resources.pop(f"projects/{PROJECT}/locations/us-west2/services/prediction-worker")
    assert worker["labels"]["commit-sha"]
    scene.deploy("analytics-processors", "2026-01-21T00:00:00Z", "abc1234")
    resources = {**resources, **scene.by_name()}
    del resources[worker["name"]]
    with cloud_run(resources) as server:
        monkeypatch.setenv("PIPEVAL_RUN_ENDPOINT", server.endpoint)
        code, document = deploy_json(run_cli, scene, BEFORE_LIMIT, "--deploy", f"run://{PROJECT}")
    found = findings(document)
    assert code == 2
    assert found["prediction-worker"]["message"] == f"not found in us-west2 on run://{PROJECT}"
    assert found["analytics-processors"]["message"] == (
        "deployed commit abc1234 is not in this clone: fetch?"
    )


def test_permission_denied_is_an_error_naming_the_role(
    tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    scene = standard_scene(tmp_path)
    with cloud_run(scene.by_name()) as server:
        server.forbidden.add(f"projects/{PROJECT}/locations/us-west2/services/prediction-worker")
        monkeypatch.setenv("PIPEVAL_RUN_ENDPOINT", server.endpoint)
        code, document = deploy_json(run_cli, scene, AFTER_LIMIT, "--deploy", f"run://{PROJECT}")
    (check,) = document["checks"]
    assert code == 3 and check["status"] == "ERROR"
    assert "roles/run.viewer" in check["summary"] and "run.services.get" in check["summary"]
    with cloud_run(scene.by_name()) as server:
        server.forbidden.add(f"projects/{PROJECT}/locations/us-west2/services/prediction-worker")
        monkeypatch.setenv("PIPEVAL_RUN_ENDPOINT", server.endpoint)
        code, out, err = run_cli(
            "deploy", "--repo", str(scene.repo), "--deploy", f"run://{PROJECT}", "--profile",
            str(scene.profile_path), "--as-of", AFTER_LIMIT,
        )  # fmt: skip
    assert code == 3 and err == ""
    assert out.count("roles/run.viewer") == 1
    assert "**Could not run:** deploy.drift: permission denied reading" in out


def test_daily_runs_deploy_drift_only_with_deploy(
    tmp_path: Path, run_cli: RunCli, sample_urls: list[str]
) -> None:
    scene = standard_scene(tmp_path)
    common = ("daily", *sample_urls, "--date", "2026-01-20", "--as-of", AFTER_LIMIT,
              "--format", "json", "--profile", str(scene.profile_path))  # fmt: skip
    _, out, _ = run_cli(*common)
    assert "deploy.drift" not in [check["id"] for check in json.loads(out)["checks"]]
    _, out, err = run_cli(*common, "--deploy", scene.deploy_url, "--repo", str(scene.repo))
    checks = {check["id"]: check for check in json.loads(out)["checks"]}
    assert checks["deploy.drift"]["status"] == "FAIL", err
    _, out, _ = run_cli(*common, "--deploy", scene.deploy_url, "--repo", str(scene.repo),
                        "--checks", "deploy")  # fmt: skip
    assert [check["id"] for check in json.loads(out)["checks"]] == ["deploy.drift"]


def test_pipeval_deploy_env_variable_names_the_deployments(
    tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    scene = standard_scene(tmp_path)
    monkeypatch.setenv("PIPEVAL_DEPLOY", scene.deploy_url)
    monkeypatch.chdir(scene.repo / "worker")  # --repo defaults to the clone around the cwd
    code, out, err = run_cli(
        "deploy", "--profile", str(scene.profile_path), "--as-of", BEFORE_LIMIT, "--format", "json"
    )
    assert err == ""
    assert code == 1 and json.loads(out)["target"]["repo"] == str(scene.repo)


def test_git_never_runs_the_repository_fsmonitor_hook(tmp_path: Path, run_cli: RunCli) -> None:
    """A clone's config may name an fsmonitor program; pipeval's git calls switch it off."""
    scene = standard_scene(tmp_path)
    marker = tmp_path / "hook-ran"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\n", "utf-8")
    hook.chmod(0o755)
    git(scene.repo, "config", "core.fsmonitor", str(hook))
    git(scene.repo, "status")  # plain git runs it: the hook is real
    assert marker.exists()
    marker.unlink()
    assert run_git(scene.repo, "status").returncode == 0
    code, _ = deploy_json(run_cli, scene, AFTER_LIMIT)
    assert code == 2
    assert not marker.exists()


# --- the sample and the demo ---------------------------------------------------------------------

DEMO_AS_OF = "2026-01-27T20:00:00Z"  # what `pipeval demo` judges 2026-01-26 as of


def test_sample_ships_a_stale_worker_and_up_to_date_services(
    sample_dir: Path, run_cli: RunCli
) -> None:
    code, out, err = run_cli(
        "deploy", "--repo", str(sample_dir / "pipeline"), "--deploy",
        f"dir://{sample_dir / 'deploy'}", "--as-of", DEMO_AS_OF, "--format", "json",
    )  # fmt: skip
    assert err == "" and code == 2
    found = findings(json.loads(out))
    stale = {name for name, finding in found.items() if finding["severity"] != "INFO"}
    assert stale == {deployments.STALE_SERVICE}
    worker = found[deployments.STALE_SERVICE]
    assert worker["severity"] == "FAIL"
    assert [c["subject"] for c in worker["data"]["pending"]] == [deployments.WORKER_FIX[1]]
    assert found[deployments.FRESH_SERVICE]["data"]["basis"] == "commit"
    assert found[deployments.UNLABELED_SERVICE]["data"]["basis"] == "time"
    assert set(found) == {spec.name for spec in load_profile("nba-props").services}


def test_demo_shows_the_stale_worker(
    tmp_path: Path, run_cli: RunCli, sample_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPEVAL_CACHE_DIR", str(tmp_path / "cache"))
    code, out, err = run_cli("demo", "--format", "json")
    checks = {check["id"]: check for check in json.loads(out)["checks"]}
    assert code == 2 and "building" in err
    assert (
        checks["deploy.drift"]["summary"]
        == "15 services: 1 stale (prediction-worker), 14 up to date"
    )
    # Fixed dates: the same commit ids on every build.
    from pipeval.cli.sample import SAMPLE_VERSION

    demo_repo = tmp_path / "cache" / f"sample-{SAMPLE_VERSION}" / "pipeline"
    assert git(demo_repo, "rev-parse", "HEAD") == git(sample_dir / "pipeline", "rev-parse", "HEAD")


def test_services_merge_by_name_on_extends(tmp_path: Path) -> None:
    own = tmp_path / "profile.yaml"
    own.write_text(
        "extends: nba-props\nservices:\n"
        "  - {name: prediction-worker, region: us-east1, paths: [worker]}\n"
        "  - {name: my-new-service, region: us-west2, paths: [new]}\n",
        "utf-8",
    )
    services = {spec.name: spec for spec in load_profile(str(own)).services}
    shipped = load_profile("nba-props").services
    assert len(services) == len(shipped) + 1
    assert services["prediction-worker"].region == "us-east1"
    assert services["prediction-worker"].paths == ["worker"]
    assert services["nba-scrapers"] == next(s for s in shipped if s.name == "nba-scrapers")


def test_dir_deployments_never_import_google_cloud(tmp_path: Path) -> None:
    """Light start: only a run:// URL loads the Cloud Run client."""
    scene = standard_scene(tmp_path)
    code = (
        "import sys; from pipeval.cli.main import main\n"
        f"try:\n    main(['deploy', '--repo', {str(scene.repo)!r}, '--deploy', "
        f"{scene.deploy_url!r}, '--profile', {str(scene.profile_path)!r}, '--as-of', "
        f"{AFTER_LIMIT!r}, '--format', 'json'])\nexcept SystemExit as done:\n"
        "    print('EXIT', done.code)\n"
        "print([m for m in sys.modules if m.startswith('google.cloud')])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = done.stdout.strip().splitlines()
    assert lines[-2:] == ["EXIT 2", "[]"]


# --- the diagnosis: a stale deployment explains the phase its service runs -----------------------

LINEAGE_PROFILE = """\
name: drift-lineage
schedule:
  table: nba_raw.nbac_schedule
  game_key: >-
    FORMAT_DATE('%Y%m%d', game_date) || '_' || away_team_tricode || '_' || home_team_tricode
phases:
  - name: phase4
    tables: [{table: nba_predictions.ml_feature_store_v2, expects: scheduled}]
  - name: phase5
    rerun: "python predictions_backfill.py --start-date {start} --end-date {end}"
    tables:
      - {table: nba_predictions.player_prop_predictions, expects: scheduled, filter: is_active}
lineage:
  phase4: {}
  phase5: {reads: [phase4]}
services:
  - name: prediction-worker
    region: us-west2
    paths: [worker, shared]
    deploy: ./bin/deploy-service.sh prediction-worker
    phases: [phase5]
  - name: analytics-processors
    region: us-west2
    paths: [analytics, shared]
"""


def test_a_stale_worker_is_the_root_cause_of_missing_predictions(
    tmp_path: Path, run_cli: RunCli
) -> None:
    scene = standard_scene(tmp_path / "scene")
    profile = tmp_path / "lineage.yaml"
    profile.write_text(LINEAGE_PROFILE, "utf-8")
    day = date(2026, 1, 21)
    predictions = "nba_predictions.player_prop_predictions"
    warehouse = build_warehouse(
        tmp_path / "wh.duckdb", season_rows([day], drop={(predictions, day): 2})
    )
    code, out, err = run_cli(
        "daily", "--warehouse", f"duckdb://{warehouse}", "--profile", str(profile),
        "--date", str(day), "--as-of", AFTER_LIMIT, "--checks", "completeness,deploy",
        "--deploy", scene.deploy_url, "--repo", str(scene.repo), "--format", "json",
    )  # fmt: skip
    document = json.loads(out)
    assert code == 2, err
    [incident] = document["diagnosis"]["incidents"]
    assert incident["root"] == {"check": "deploy.drift", "subject": "prediction-worker"}
    assert incident["consequences"] == ["completeness.phase5"]
    first, second = incident["plan"][:2]
    assert first["action"].startswith("Redeploy prediction-worker")
    assert first["command"] == f"cd {scene.repo} && ./bin/deploy-service.sh prediction-worker"
    # Then the predictions are re-run, on the redeployed code.
    assert any("predictions_backfill.py" in (step["command"] or "") for step in incident["plan"])
    assert second["step"] == 2
