"""`pipeval historical`: a date range at a glance, its gaps, and what to re-run in what order."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click

from pipeval.cli.options import (
    Options,
    common_options,
    open_context,
    profile_and_time,
    render_result,
)
from pipeval.clock import EARLIEST_DATE, check_not_future, check_range, default_date, parse_date
from pipeval.errors import InputError
from pipeval.profile import Profile
from pipeval.report.heatmap import LEGEND, heat_strip, heatmap_svg
from pipeval.report.output import check_writable, emit, write_atomic
from pipeval.results import SuiteResult

LONG_RANGE_DAYS = 31


def resolve_range(
    profile: Profile, start: str | None, end: str | None, yesterday: date
) -> tuple[date, date]:
    # `is not None`: an empty value (an unset shell variable) is bad input, not "the default".
    last = parse_date(end, "--end") if end is not None else yesterday
    first = (
        parse_date(start, "--start")
        if start is not None
        else last - timedelta(days=profile.historical.default_days - 1)
    )
    check_range(first, last, profile.historical.max_range_days, "--start", "--end")
    if first < EARLIEST_DATE:
        raise InputError(
            f"range {first}..{last} starts before {EARLIEST_DATE}: pass a later --end or --start"
        )
    return first, last


def _markdown(document: dict[str, Any], svg: Path | None) -> str:
    from pipeval.report.render import render  # Jinja2: only for Markdown

    if "historical" not in document:
        return render("verify.md.j2", document)
    strip = heat_strip(document["historical"]["matrix"])
    return render(
        "historical.md.j2",
        {**document, "strip": strip, "legend": LEGEND, "heatmap": svg.name if svg else None},
    )


def heatmap_path(report: Path) -> Path:
    """The SVG beside the report: `x.md` -> `x.svg`; never the report itself (`x.svg`)."""
    svg = report.with_suffix(".svg")
    return svg if svg != report else report.with_name(f"{report.stem}.heatmap.svg")


def _emit(result: SuiteResult, opts: Options) -> None:
    if opts.format == "json":
        emit(render_result(result, "json", ""), opts.output, protect=opts.inputs)
        return
    document = result.to_dict()
    if opts.output is None or "historical" not in document:
        emit(_markdown(document, None), opts.output, protect=opts.inputs, markdown=True)
        return
    svg = heatmap_path(opts.output)
    target = result.target
    title = f"pipeval historical {target['start']} … {target['end']}"
    # Both documents are rendered before either is written: a failure leaves neither behind.
    picture = heatmap_svg(document["historical"]["matrix"], title)
    report = _markdown(document, svg)
    check_writable(opts.output, protect=opts.inputs)
    write_atomic(svg, picture, protect=opts.inputs)
    try:
        write_atomic(opts.output, report, protect=opts.inputs)
    except BaseException:
        svg.unlink(missing_ok=True)
        raise


@click.command()
@click.option("--start", help="First game date (default: --end minus the profile's default_days).")
@click.option("--end", help="Last game date (default: yesterday in the profile's timezone).")
@click.option(
    "--verify-backfill",
    "verify",
    metavar="D",
    help="Check that D and its cascade window are complete again after a backfill.",
)
@common_options
def historical(opts: Options, start: str | None, end: str | None, verify: str | None) -> int:
    """Date × phase matrix, gaps with cascade windows, and a remediation plan."""
    from pipeval.suites.historical import run_historical, run_verify_backfill

    profile, as_of = profile_and_time(opts)
    yesterday = default_date(as_of, profile.timezone)
    if verify is not None:
        day = parse_date(verify, "--verify-backfill")
        check_not_future(day, as_of, profile.timezone, "--verify-backfill")
        ctx = open_context(opts, profile, as_of, day, day)
        result = run_verify_backfill(ctx, day)
    else:
        first, last = resolve_range(profile, start, end, yesterday)
        check_not_future(last, as_of, profile.timezone, "--end")
        ctx = open_context(opts, profile, as_of, first, last)
        days = (last - first).days + 1
        if _wants_progress(opts, days):
            result = run_historical(ctx, first, last, _track)
        else:
            result = run_historical(ctx, first, last)
    _emit(result, opts)
    return result.exit_code


def _wants_progress(opts: Options, days: int) -> bool:
    """A progress bar on stderr for long ranges on a terminal; never in JSON mode."""
    return opts.format != "json" and days >= LONG_RANGE_DAYS and sys.stderr.isatty()


def _track(items: Iterable[Any], label: str, total: int) -> Iterable[Any]:
    from rich.console import Console  # only on a terminal, for long ranges
    from rich.progress import track

    return track(
        items, description=label, total=total, console=Console(stderr=True), transient=True
    )
