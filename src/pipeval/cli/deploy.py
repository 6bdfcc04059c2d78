"""`pipeval deploy`: deploy.drift alone — is every service running its latest source?"""

from __future__ import annotations

from pathlib import Path

import click

from pipeval.cli.options import (
    Options,
    common_options,
    finish,
    open_context,
    profile_and_time,
    repo_option,
)
from pipeval.clock import local_date
from pipeval.errors import InputError
from pipeval.metrics.commits import Repository
from pipeval.suites.deploy import run_deploy


@click.command()
@repo_option
@common_options
def deploy(opts: Options, repo: Path | None) -> int:
    """Compare each deployed service's commit with the commits on its source paths."""
    profile, as_of = profile_and_time(opts)
    if not profile.services:
        raise InputError(f"profile {profile.source} lists no services: add a services: section")
    if opts.deploy is None:
        raise InputError(
            "no deployments: pass --deploy run://PROJECT or dir:///PATH (or set PIPEVAL_DEPLOY)"
        )
    today = local_date(as_of, profile.timezone)
    ctx = open_context(opts, profile, as_of, today, today, need_warehouse=False)
    clone = Repository(repo)  # a bad --repo is one line, before any API call
    ctx.repo = clone.root
    ctx.memo[("repo", clone.root)] = clone
    return finish(run_deploy(ctx, str(clone.root)), opts, "deploy.md.j2")
