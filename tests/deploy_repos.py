"""Tiny pipeline clones with a dated history, and the deployments that go with them.

`DriftScene` builds, in a test's temporary directory, a git repository whose commits carry
fixed dates, a standalone profile with two services, and `deploy/<service>.json` in the Cloud
Run API's Service shape. The same resources are served by `tests/recorded_run.py`, so a scene
runs through `dir://` and `run://` alike.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeval.profile import load_profile
from pipeval.profile.model import ServiceSpec
from pipeval.sample.deployments import service_resource

PROJECT = "nba-props-platform"
REGION = "us-west2"

PROFILE = """\
name: drift-test
schedule:
  table: nba_raw.nbac_schedule
  game_key: game_id
phases:
  - name: phase5
    tables:
      - table: nba_predictions.player_prop_predictions
thresholds:
  deploy:
    max_lag_hours: {lag}
services:
  - name: prediction-worker
    region: us-west2
    paths: [worker, shared]
    deploy: ./bin/deploy-service.sh prediction-worker
    phases: [phase5]
  - name: analytics-processors
    region: us-west2
    paths: [analytics, shared]
    deploy: ./bin/deploy-service.sh analytics-processors
  - name: health-check
    kind: function
    region: us-west2
    paths: [functions/health]
"""


@functools.cache
def _empty_config() -> Path:
    """An empty global git config of our own: not os.devnull, which a misbehaving process on
    a shared machine can turn into a regular file with content."""
    path = Path(tempfile.mkdtemp(prefix="pipeval-test-git-")) / "config"
    path.write_text("", "utf-8")
    return path


def git(repo: Path, *args: str, when: str | None = None) -> str:
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": str(_empty_config()),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
    }
    if when is not None:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@dataclass
class DriftScene:
    root: Path
    lag_hours: int = 24
    commits: dict[str, str] = field(default_factory=dict)  # subject -> full sha
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)  # service -> resource

    def __post_init__(self) -> None:
        self.repo.mkdir(parents=True)
        self.deploy_dir.mkdir()
        git(self.repo, "init", "--quiet", "--initial-branch=main")
        self.profile_path.write_text(PROFILE.format(lag=self.lag_hours), "utf-8")

    @property
    def repo(self) -> Path:
        return self.root / "repo"

    @property
    def deploy_dir(self) -> Path:
        return self.root / "deploy"

    @property
    def profile_path(self) -> Path:
        return self.root / "profile.yaml"

    @property
    def deploy_url(self) -> str:
        return f"dir://{self.deploy_dir}"

    def spec(self, name: str) -> ServiceSpec:
        return next(s for s in load_profile(str(self.profile_path)).services if s.name == name)

    def commit(self, subject: str, when: str, files: dict[str, str]) -> str:
        for relative, text in files.items():
            target = self.repo / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, "utf-8")
        git(self.repo, "add", "--all")
        git(self.repo, "commit", "--quiet", "-m", subject, when=when)
        sha = git(self.repo, "rev-parse", "HEAD")
        self.commits[subject] = sha
        return sha

    def deploy(
        self, name: str, at: str, commit: str | None, revision: int = 1, **changes: Any
    ) -> dict[str, Any]:
        """Write (and remember) the service's resource as `services.get` would return it."""
        resource = service_resource(self.spec(name), updated=at, commit=commit, revision=revision)
        resource.update(changes)
        self.resources[name] = resource
        text = json.dumps(resource, indent=2)
        (self.deploy_dir / f"{name}.json").write_text(text, "utf-8")
        return resource

    def by_name(self) -> dict[str, dict[str, Any]]:
        return {resource["name"]: resource for resource in self.resources.values()}


def standard_scene(root: Path, lag_hours: int = 24) -> DriftScene:
    """The worker deployed before the commit that fixed it; analytics and the health function
    deployed from HEAD's code. Commit dates: Jan 10 (initial), Jan 12 (analytics), Jan 20 09:00
    (the worker fix), Jan 20 12:00 (docs only)."""
    scene = DriftScene(root, lag_hours=lag_hours)
    scene.commit(
        "initial pipeline",
        "2026-01-10T10:00:00Z",
        {
            "worker/app.py": "def predict(x):\n    return x['line']\n",
            "analytics/proc.py": "def minutes(box):\n    return box['min']\n",
            "shared/util.py": "TIMEOUT = 30\n",
            "functions/health/main.py": "def main(request):\n    return 'ok'\n",
        },
    )
    deployed = scene.commit(
        "analytics: count overtime",
        "2026-01-12T10:00:00Z",
        {"analytics/proc.py": "def minutes(box):\n    return box['min'] + box['ot']\n"},
    )
    scene.commit(
        "worker: keep players without a line",
        "2026-01-20T09:00:00Z",
        {"worker/app.py": "def predict(x):\n    return x.get('line')\n"},
    )
    scene.commit("docs: handoff", "2026-01-20T12:00:00Z", {"docs/handoff.md": "# handoff\n"})
    scene.deploy("prediction-worker", "2026-01-12T11:00:00Z", deployed[:7], revision=16)
    scene.deploy("analytics-processors", "2026-01-12T11:30:00Z", deployed[:7], revision=61)
    scene.deploy("health-check", "2026-01-11T08:00:00Z", None, revision=2)
    return scene
