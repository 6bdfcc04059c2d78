"""`pipeval sample` and `pipeval demo`: the embedded sample season and a one-command demo."""

from __future__ import annotations

import hashlib
from pathlib import Path

import click
from rich.console import Console

from pipeval.cli.options import (
    Options,
    common_options,
    finish,
    open_context,
    profile_and_time,
    use_repo,
)
from pipeval.clock import check_not_future, iso_instant, morning_after, parse_date
from pipeval.errors import InputError
from pipeval.sqlcache import cache_root
from pipeval.suites.daily import run_daily

# The demo validates the morning after the seeds' worst day: phase 3 never ran on 2026-01-26
# and the run-history table had used 164 % of its load-job quota.
DEMO_DATE = "2026-01-26"
SAMPLE_LAYOUT = "v2"  # v2: deploy/ and the pipeline repo's git history


def _generator_digest() -> str:
    """A digest of what the sample is generated from: the sample package and the shipped profile.

    A cached sample built by other code (new tables, new incidents) would make the demo ERROR on
    tables it lacks; its cache name changes with the code instead, so it is rebuilt, never reused.
    """
    package = Path(__file__).resolve().parent.parent
    sources = [*sorted((package / "sample").glob("*.py")), package / "profile" / "nba-props.yaml"]
    digest = hashlib.sha256()
    for source in sources:
        digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


SAMPLE_VERSION = f"{SAMPLE_LAYOUT}-{_generator_digest()}"


def cache_dir() -> Path:
    return cache_root() / f"sample-{SAMPLE_VERSION}"


def _build(path: Path, season: bool) -> None:
    from pipeval.sample import build_sample

    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"--path {path}: cannot create the directory ({err.strerror})") from None
    err = Console(stderr=True, soft_wrap=True, highlight=False)
    err.print(f"building the {'season' if season else 'sample'} in {path} ...")
    try:
        with err.status("generating games, phase tables, jobs metadata and state documents"):
            info = build_sample(path, season=season)
    except OSError as error:
        # Disk full or a read-only mount; the build is staged, so the old sample is intact.
        raise InputError(f"cannot build the sample in {path}: {error.strerror or error}") from None
    err.print(
        f"sample: {info.games:,} games {info.start}..{info.end}, {sum(info.rows.values()):,} rows"
    )
    print_paths(path, err)


def print_paths(path: Path, err: Console | None = None) -> None:
    """The options that point pipeval at the sample in `path` (on stderr)."""
    err = err or Console(stderr=True, soft_wrap=True, highlight=False)
    deploy, repo = path / "deploy", path / "pipeline"
    err.print(
        f"  --warehouse duckdb://{(path / 'warehouse.duckdb').resolve()}\n"
        f"  --state dir://{(path / 'state').resolve()}\n"
        f"  --profile {(repo / 'profile.yaml').resolve()}"
        "  (the shipped profile plus the worker's 8-field schema drift)"
        + (
            f"\n  --deploy dir://{deploy.resolve()} --repo {repo.resolve()}"
            "  (the stale prediction worker)"
            if deploy.is_dir() and (repo / ".git").exists()
            else "\n  (git is not installed: no deployments in this sample)"
        ),
        markup=False,
    )


@click.command()
@click.option(
    "--path",
    "path_text",
    type=click.Path(),  # a str: an empty --path must not become "."
    default="pipeval-sample",
    show_default=True,
    help="Directory to write warehouse.duckdb and state/ into.",
)
@click.option("--season", is_flag=True, help="A full season (~1,230 games) instead of Dec-Jan.")
@click.option("--force", is_flag=True, help="Build into a non-empty folder that is no sample.")
def sample(path_text: str, season: bool, force: bool) -> int:
    """Build the embedded sample: DIR/warehouse.duckdb and DIR/state/, incidents included."""
    from pipeval.sample.build import is_sample_dir

    if not path_text.strip():
        raise InputError(f"--path {path_text!r} names no directory")
    path = Path(path_text)
    if path.exists() and not path.is_dir():
        raise click.BadParameter(f"{path} exists and is not a directory", param_hint="--path")
    if path.is_dir() and not force and not is_sample_dir(path):
        # Its warehouse.duckdb and state/ would be replaced: user tables and documents lost.
        raise InputError(
            f"--path {path} is not empty and holds no earlier sample; "
            "pass --force to build into it (its warehouse.duckdb and state/ are replaced)"
        )
    _build(path, season)
    return 0


@click.command()
@click.option(
    "--date",
    "day",
    default=DEMO_DATE,
    show_default=True,
    help="Game date of the sample (2025-12-01..2026-01-31) to validate.",
)
@common_options
def demo(opts: Options, day: str) -> int:
    """Validate one day of the embedded sample season, with its real incidents injected.

    The first run builds the sample (a DuckDB warehouse, Firestore-like state documents,
    deployments and the pipeline's git repository) in a cache directory; every run prints the
    paths it uses, then runs `pipeval daily` on --date, judged the morning after: the next day
    15:00 in the profile's timezone (20:00Z in winter for nba-props, 19:00Z in summer time);
    --as-of overrides. The default date, 2026-01-26, is the run-history quota outage: the
    report's Diagnosis explains it and exits 2.
    """
    from pipeval.sample.schedule import SLICE_END, SLICE_START

    # Bad input is refused before the (seconds-long) build writes anything.
    target = parse_date(day)
    if not SLICE_START <= target <= SLICE_END:
        raise InputError(f"--date {target}: the demo's sample has games {SLICE_START}..{SLICE_END}")
    given = opts.as_of
    profile, as_of = profile_and_time(opts)
    if given is None:
        # Without --as-of the date is judged the morning after, so the quota window and the
        # deploy lag show that date's incidents; the printed commands repeat this as-of.
        as_of = morning_after(target, profile.timezone)
        opts.as_of = iso_instant(as_of)
    check_not_future(target, as_of, profile.timezone)
    path = cache_dir()
    if not (path / "warehouse.duckdb").is_file():
        _build(path, season=False)
    else:
        Console(stderr=True, soft_wrap=True, highlight=False).print(f"sample in {path}:")
        print_paths(path)
    opts.warehouse = f"duckdb://{(path / 'warehouse.duckdb').resolve()}"
    opts.state = f"dir://{(path / 'state').resolve()}"
    if opts.deploy is None and (path / "deploy").is_dir():
        opts.deploy = f"dir://{(path / 'deploy').resolve()}"
    ctx = open_context(opts, profile, as_of, target, target)
    use_repo(ctx, (path / "pipeline").resolve())
    return finish(run_daily(ctx, target), opts, "daily.md.j2")
