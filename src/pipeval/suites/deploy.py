"""The deploy suite: deploy.drift alone (`pipeval deploy`)."""

from __future__ import annotations

from pipeval.checks.deploy import DriftCheck
from pipeval.query import Context
from pipeval.results import SuiteResult
from pipeval.suites.runner import run_suite


def run_deploy(ctx: Context, repo: str) -> SuiteResult:
    deployments = ctx.require_deployments()
    return run_suite("deploy", [DriftCheck()], ctx, {"repo": repo, "deploy": deployments.url})
