"""The sample pipeline's git history and its deployed services (`deploy/<service>.json`).

Seed 003 found the prediction worker running code older than the fix it needed. The sample's
pipeline repository gets a small, dated history and every service of the shipped profile a
Service resource in the Cloud Run Admin API v2 shape, deployed from some commit of that
history: the worker before the commit that fixed it (stale, for days), everything else up to
date, one function without a `commit-sha` label (judged by time). Commits and deploys carry
fixed dates, so the commit ids are the same on every build.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeval.gitrun import GitMissing, run_git
from pipeval.profile.model import ServiceSpec
from pipeval.sample import pipeline_repo

PROJECT = "nba-props-platform"
PROJECT_NUMBER = "756957797294"
DEPLOY = "deploy"
STALE_SERVICE = "prediction-worker"
FRESH_SERVICE = "nba-phase3-analytics-processors"
UNLABELED_SERVICE = "grading-gap-detector"
ANALYTICS_FILE = "data_processors/analytics/player_game_summary_processor.py"
HANDOFF_FILE = "docs/handoffs/2026-01-26-quota-outage.md"

# (when, subject): the sample's history, oldest first. Each commit's files are set in _stages.
SEASON_START = ("2025-10-15T16:00:00Z", "Pipeline services for the 2025-26 season")
MIGRATION = ("2025-11-04T17:00:00Z", "predictions: flag superseded rows with is_active")
ANALYTICS = ("2026-01-20T16:00:00Z", "analytics: count overtime in minutes_played")
# Committed 19:30 US/Eastern on 2026-01-22: after the morning-after as-of of 2026-01-21 (15:00
# Eastern), under the 24 h lag limit at the next one.
WORKER_FIX = ("2026-01-23T00:30:00Z", "prediction-worker: keep players without a points line")
HANDOFF = ("2026-01-26T14:00:00Z", "docs: handoff for the 2026-01-26 quota outage")

# Before the fix the worker read the line of every player, so one without a line crashed it.
WRITER_BEFORE_FIX = pipeline_repo.WRITER.replace(
    'current_points_line=line["points"] if line else None,',
    'current_points_line=line["points"],',
)
ANALYTICS_BEFORE = '''\
"""Phase 3: one row per player per final game."""


def minutes_played(box: dict) -> float:
    return box["minutes"]
'''
ANALYTICS_AFTER = '''\
"""Phase 3: one row per player per final game."""


def minutes_played(box: dict) -> float:
    # Overtime periods are five minutes each and were dropped before.
    return box["minutes"] + box.get("overtime_minutes", 0.0)
'''
HANDOFF_TEXT = "# 2026-01-26: phase 3 never ran (load-job quota)\n"
EMPTY_CONFIG = ".pipeval-empty-gitconfig"


@dataclass(frozen=True)
class Deploy:
    """When a service was deployed and which commit of the history it was built from."""

    at: str
    commit: str  # the subject-constant of the commit that was HEAD, e.g. MIGRATION
    labeled: bool = True
    revision: int = 1


def _deploys(services: list[ServiceSpec]) -> dict[str, Deploy]:
    plan = {spec.name: Deploy("2025-11-05T18:00:00Z", "migration", revision=7) for spec in services}
    plan[FRESH_SERVICE] = Deploy("2026-01-20T17:10:00Z", "analytics", revision=61)
    # Precompute copies the analytics code into its image: redeployed with it.
    plan["nba-phase4-precompute-processors"] = Deploy(
        "2026-01-20T17:40:00Z", "analytics", revision=42
    )
    plan[STALE_SERVICE] = Deploy("2026-01-21T10:00:00Z", "analytics", revision=16)
    # The coordinator copies the worker's code too; it was redeployed after the fix.
    plan["prediction-coordinator"] = Deploy("2026-01-23T09:00:00Z", "worker_fix", revision=93)
    plan[UNLABELED_SERVICE] = Deploy("2025-10-16T12:00:00Z", "season", labeled=False, revision=2)
    return {name: deploy for name, deploy in plan.items() if name in {s.name for s in services}}


def _git(repo: Path, *args: str, when: str | None = None) -> str:
    # The user's and the system's git config stay out (signing, hooks, templates): an empty
    # global config file next to the repository, removed once the history is written.
    env = {
        "GIT_CONFIG_GLOBAL": str(repo.parent / EMPTY_CONFIG),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Sample Pipeline",
        "GIT_AUTHOR_EMAIL": "pipeline@sample.invalid",
        "GIT_COMMITTER_NAME": "Sample Pipeline",
        "GIT_COMMITTER_EMAIL": "pipeline@sample.invalid",
    }
    if when is not None:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    done = run_git(repo, *args, extra_env=env)
    if done.returncode != 0:
        raise OSError(f"git {args[0]} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def _write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")


def _placeholders(services: list[ServiceSpec]) -> dict[str, str]:
    """A module in every source path of every service, so each path has history."""
    files = {}
    for spec in services:
        for path in spec.paths:
            target = path if path.endswith(".py") else f"{path}/__init__.py"
            files[target] = f'"""{path}: part of the sample pipeline ({spec.name})."""\n'
    return files


def write_history(repo: Path, services: list[ServiceSpec]) -> dict[str, tuple[str, str]]:
    """Commit the already-written pipeline repo as a dated history; commit ids by stage."""
    config = repo.parent / EMPTY_CONFIG
    config.write_text("", "utf-8")
    try:
        return _commit_stages(repo, services)
    finally:
        config.unlink(missing_ok=True)


def _commit_stages(repo: Path, services: list[ServiceSpec]) -> dict[str, tuple[str, str]]:
    migration = repo / pipeline_repo.MIGRATION_PATH
    migration_text = migration.read_text("utf-8")
    migration.unlink()
    _write(repo, _placeholders(services))
    _write(repo, {pipeline_repo.WRITER_PATH: WRITER_BEFORE_FIX, ANALYTICS_FILE: ANALYTICS_BEFORE})
    _git(repo, "init", "--quiet", "--initial-branch=main")
    stages = [
        ("season", SEASON_START, {}),
        ("migration", MIGRATION, {pipeline_repo.MIGRATION_PATH: migration_text}),
        ("analytics", ANALYTICS, {ANALYTICS_FILE: ANALYTICS_AFTER}),
        ("worker_fix", WORKER_FIX, {pipeline_repo.WRITER_PATH: pipeline_repo.WRITER}),
        ("handoff", HANDOFF, {HANDOFF_FILE: HANDOFF_TEXT}),
    ]
    commits: dict[str, tuple[str, str]] = {}
    for key, (when, subject), files in stages:
        _write(repo, files)
        _git(repo, "add", "--all")
        _git(repo, "commit", "--quiet", "--no-verify", "-m", subject, when=when)
        commits[key] = (_git(repo, "rev-parse", "HEAD"), _git(repo, "rev-parse", "--short", "HEAD"))
    return commits


def service_resource(
    spec: ServiceSpec,
    *,
    updated: str,
    commit: str | None,
    revision: int,
    project: str = PROJECT,
) -> dict[str, Any]:
    """A Service resource as `services.get` returns it (Admin API v2 JSON)."""
    parent = f"projects/{project}/locations/{spec.region}"
    labels: dict[str, str] = {}
    if commit is not None:
        stamp = datetime.fromisoformat(updated).astimezone(UTC).strftime("%Y%m%d-%H%M%S")
        labels = {"commit-sha": commit, "deployed-at": stamp}
    if spec.kind == "function":
        labels = {**labels, "goog-managed-by": "cloudfunctions"}
    revision_name = f"{spec.name}-{revision:05d}"
    resource: dict[str, Any] = {
        "name": f"{parent}/services/{spec.name}",
        "uid": f"00000000-0000-4000-8000-{revision:012d}",
        "generation": str(revision),
        "labels": labels,
        "createTime": "2025-10-01T12:00:00Z",
        "updateTime": updated,
        "creator": "deploy@nba-props-platform.iam.gserviceaccount.com",
        "lastModifier": "deploy@nba-props-platform.iam.gserviceaccount.com",
        "ingress": "INGRESS_TRAFFIC_ALL",
        "launchStage": "GA",
        "template": {
            "labels": labels,
            "containers": [
                {
                    "image": f"us-west2-docker.pkg.dev/{project}/nba-props/{spec.name}:"
                    + (commit or "latest")
                }
            ],
        },
        "observedGeneration": str(revision),
        "latestReadyRevision": f"{parent}/revisions/{revision_name}",
        "latestCreatedRevision": f"{parent}/revisions/{revision_name}",
        "uri": f"https://{spec.name}-{PROJECT_NUMBER}.{spec.region}.run.app",
    }
    if spec.kind == "function":
        resource["buildConfig"] = {"functionTarget": "main", "sourceLocation": "gs://sample"}
    return resource


def write_deployments(
    repo: Path, deploy_dir: Path, services: list[ServiceSpec]
) -> dict[str, dict[str, Any]]:
    """The history in `repo` and `deploy_dir/<service>.json` for every service; or nothing
    when git is not installed (the sample then has no deployments to judge)."""
    try:
        commits = write_history(repo, services)
    except GitMissing:
        return {}
    deploy_dir.mkdir(parents=True, exist_ok=True)
    plan = _deploys(services)
    resources = {}
    for spec in services:
        deploy = plan[spec.name]
        short = commits[deploy.commit][1] if deploy.labeled else None
        resource = service_resource(spec, updated=deploy.at, commit=short, revision=deploy.revision)
        resources[spec.name] = resource
        text = json.dumps(resource, indent=2, sort_keys=True) + "\n"
        (deploy_dir / f"{spec.name}.json").write_text(text, "utf-8")
    return resources
