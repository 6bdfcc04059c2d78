"""`pipeval handoff`: write the end-of-session handoff (validation, git log, next steps).

The handoff date is --date or today in the profile's timezone; the validation runs for --date or,
without it, for yesterday (the last full game day), as `pipeval daily` would. Exit code: the
validation's (0 OK, 1 WARN, 2 FAIL, 3 a check could not run), 0 when there is no warehouse;
3 when the handoff could not be written.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path

import click

from pipeval.cli.options import (
    Options,
    common_options,
    invocation,
    open_context,
    profile_and_time,
)
from pipeval.clock import check_not_future, default_date, local_date, parse_date
from pipeval.errors import InputError
from pipeval.files import LIMITS, read_text
from pipeval.handoff.document import build, default_output
from pipeval.handoff.git import GitFacts, GitUnavailable, collect, repository
from pipeval.profile import Profile
from pipeval.report.output import write_atomic
from pipeval.report.render import render
from pipeval.results import SuiteResult
from pipeval.suites.daily import run_daily

NO_WAREHOUSE = "no warehouse configured (pass --warehouse URL or set PIPEVAL_WAREHOUSE)"


def read_notes(path: Path | None) -> str | None:
    if path is None:
        return None
    notes = read_text(path, "--notes", InputError, kind="Markdown file", limit=LIMITS["notes"])
    return notes.strip() or None


def _git_facts(since: str | None, as_of: datetime) -> tuple[GitFacts | None, str | None]:
    try:
        return collect(Path.cwd(), since, as_of), None
    except GitUnavailable as err:
        if since is not None:
            raise InputError(f"--since {since!r} needs a git repository: {err}") from None
        return None, str(err)


def _output_root() -> Path:
    try:
        return repository(Path.cwd())
    except GitUnavailable:
        return Path.cwd()


def _validate(
    opts: Options, profile: Profile, as_of: datetime, day: date
) -> tuple[SuiteResult | None, str | None]:
    if not opts.warehouse:
        return None, NO_WAREHOUSE
    ctx = open_context(opts, profile, as_of, day, day)
    return run_daily(ctx, day), None


def _make_dir(directory: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"cannot create {directory}: {err.strerror}") from None


@click.command()
@click.option(
    "--since",
    metavar="REV",
    help="List commits after REV (default: the previous handoff's commit, else the last 24 h).",
)
@click.option(
    "--date",
    "day",
    help="Game date to validate and to date the handoff "
    "(default: today for the file, yesterday for the validation).",
)
@click.option("--title", help="Title of the handoff; its slug names the file.")
@click.option("--notes", type=click.Path(path_type=Path), help="Markdown file appended as Notes.")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@common_options
def handoff(
    opts: Options,
    since: str | None,
    day: str | None,
    title: str | None,
    notes: Path | None,
    force: bool,
) -> int:
    """Write the session handoff to docs/handoffs/YYYY-MM-DD-<slug>.md (never overwrites)."""
    profile, as_of = profile_and_time(opts)
    chosen = check_not_future(parse_date(day), as_of, profile.timezone) if day is not None else None
    handoff_day = chosen or local_date(as_of, profile.timezone)
    validation_day = chosen or default_date(as_of, profile.timezone)
    extension = "json" if opts.format == "json" else "md"
    path = opts.output or default_output(_output_root(), handoff_day, title, extension)
    if path.exists() and not force:
        raise InputError(f"{path} exists already; pass --force to replace it")
    notes_text = read_notes(notes)
    facts, git_note = _git_facts(since, as_of)
    result, validation_note = _validate(opts, profile, as_of, validation_day)
    document = build(
        title=title,
        day=handoff_day,
        validation_day=validation_day,
        as_of=as_of,
        profile=profile.name,
        result=result,
        validation_note=validation_note,
        facts=facts,
        git_note=git_note,
        notes=notes_text,
        invocation=invocation(opts, as_of),
    )
    if opts.format == "json":
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    else:
        text = render("handoff.md.j2", document).rstrip("\n") + "\n"
    if opts.output is None:
        _make_dir(path.parent)
    write_atomic(path, text, overwrite=force, protect=opts.inputs)
    sys.stdout.write(f"{path}\n")
    return result.exit_code if result is not None else 0
