"""`pipeval quota [--backfill START END]`: quota headroom now, and whether a backfill fits."""

from __future__ import annotations

import click

from pipeval.cli.dry_run import finish_dry_run
from pipeval.cli.options import Options, common_options, finish, open_context, profile_and_time
from pipeval.clock import check_not_future, check_range, default_date, parse_date
from pipeval.suites.quota import plan_quota, run_quota


def _two_dates(
    _ctx: click.Context, _param: click.Parameter, value: tuple[str, str] | None
) -> tuple[str, str] | None:
    # Click takes the next two words whatever they are: with one date given, the option after
    # it becomes END and the option's own value an "unexpected extra argument".
    for role, word in zip(("START", "END"), value or (), strict=False):
        if word.startswith("-"):
            raise click.BadParameter(
                f"takes two dates, START END (one date: --backfill D D); got {word!r} as {role}"
            )
    return value


@click.command()
@click.option(
    "--backfill",
    nargs=2,
    metavar="START END",
    callback=_two_dates,
    help="Estimate the table operations re-running these dates (YYYY-MM-DD) would add.",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Run nothing: list every query with BigQuery's byte estimate and the total.",
)
@common_options
def quota(opts: Options, backfill: tuple[str, str] | None, dry_run: bool) -> int:
    """Quota headroom per table over the rolling window ending at --as-of; with --backfill,
    whether re-running START..END fits and how many dates per day do."""
    profile, as_of = profile_and_time(opts)
    span = None
    if backfill:
        start, end = (parse_date(value, "--backfill") for value in backfill)
        limit = profile.historical.max_range_days
        check_range(start, end, limit, "--backfill START", "--backfill END")
        # A date that has not been played cannot be re-run.
        check_not_future(end, as_of, profile.timezone, "--backfill END")
        span = (start, end)
    # Without a range the run judges the last full game day, as `daily` does: the re-run its
    # remediation prices (`quota --backfill D D`) is of the games whose writes failed overnight,
    # not of today's, which have not been played.
    yesterday = default_date(as_of, profile.timezone)
    first, last = span or (yesterday, yesterday)
    ctx = open_context(opts, profile, as_of, first, last)
    if dry_run:
        return finish_dry_run(plan_quota(ctx, span), opts)
    return finish(run_quota(ctx, span), opts, "quota.md.j2")
