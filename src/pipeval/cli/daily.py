"""`pipeval daily`: every configured check for one game date."""

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
    use_repo,
)
from pipeval.clock import check_not_future, default_date, parse_date
from pipeval.suites.daily import plan_daily, run_daily


@click.command()
@click.option(
    "--date", "day", help="Game date YYYY-MM-DD (default: yesterday in the profile's timezone)."
)
@click.option("--checks", help="Comma-separated families or check ids, e.g. quota,completeness.")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Run nothing: list every query with BigQuery's byte estimate and the total.",
)
@repo_option
@common_options
def daily(
    opts: Options, day: str | None, checks: str | None, dry_run: bool, repo: Path | None
) -> int:
    """Validate one game date: quota, completeness, orchestration, coverage, schema, hygiene,
    the profile's data checks, and deploy.drift when --deploy is given."""
    profile, as_of = profile_and_time(opts)
    target = parse_date(day) if day is not None else default_date(as_of, profile.timezone)
    check_not_future(target, as_of, profile.timezone)
    ctx = open_context(opts, profile, as_of, target, target)
    use_repo(ctx, repo)
    if dry_run:
        from pipeval.cli.dry_run import finish_dry_run

        return finish_dry_run(plan_daily(ctx, target, checks), opts)
    return finish(run_daily(ctx, target, checks), opts, "daily.md.j2")
