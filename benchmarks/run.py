"""`python -m benchmarks.run [--quick]`: pipeval against the lower bound, the per-date loop and
Soda Core on the full-season sample, written to docs/benchmarks.md.

Everything runs in this process and machine: the season is built once into the cache, then each
scope (the whole season for `historical`, ten dates for `daily`) is timed with a warm-up and
interleaved repetitions. Before any time is compared, the lower bound's counts are checked
against pipeval's own report for the same dates.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click

from benchmarks import (
    bq_bytes,
    floor,
    guard_speed,
    lower_bound,
    machine,
    per_date,
    pipeval_runs,
    soda_peer,
)
from benchmarks.curve_svg import curve_svg
from benchmarks.lint_speed import keep_section
from benchmarks.profiles import hotspots
from benchmarks.report import render_markdown
from benchmarks.startup import help_timing, import_report
from benchmarks.timing import Timing, interleaved
from pipeval.cli.sample import SAMPLE_VERSION
from pipeval.metrics.games import games_query
from pipeval.profile import Profile, load_profile
from pipeval.report.output import check_writable, write_atomic
from pipeval.results import SuiteResult
from pipeval.suites.daily import run_daily
from pipeval.suites.historical import run_historical

HERE = Path(__file__).resolve().parent
CURVE_SVG = "benchmarks-curve.svg"
DOCS = HERE.parent / "docs" / "benchmarks.md"
SAMPLE_NAME = f"season-{SAMPLE_VERSION}"  # rebuilt when the generator changes version
# Dates the daily scope prefers: the seeds' incidents, an off-day and clean days.
PREFERRED_DAYS = (
    "2026-01-26",
    "2025-12-29",
    "2026-01-25",
    "2025-12-24",
    "2025-12-15",
    "2026-01-10",
    "2026-01-20",
    "2025-11-15",
    "2026-02-20",
    "2026-03-20",
)


@dataclass(frozen=True)
class Config:
    sample: pipeval_runs.Sample
    cache: Path
    warmup: int
    reps: int
    daily_days: int
    soda: bool
    quick: bool


def cache_root(explicit: Path | None) -> Path:
    if explicit is not None:
        return explicit
    env = os.environ.get("PIPEVAL_CACHE_DIR")
    return Path(env) / "benchmarks" if env else HERE / ".cache"


def season_sample(cache: Path) -> pipeval_runs.Sample:
    """The full-season sample, built on first use and reused after (the build is atomic)."""
    path = cache / SAMPLE_NAME
    if not (path / "warehouse.duckdb").is_file():
        from pipeval.sample import build_sample

        click.echo(f"building the full-season sample in {path} (once) ...", err=True)
        build_sample(path, season=True)
    return pipeval_runs.Sample(path / "warehouse.duckdb", path / "state")


def game_range(sample: pipeval_runs.Sample) -> tuple[date, date]:
    con = lower_bound.connect(sample.warehouse)
    try:
        first, last = con.execute(
            "SELECT MIN(game_date), MAX(game_date) FROM nba_raw.nbac_schedule"
        ).fetchone()
    finally:
        con.close()
    return first, last


def daily_dates(start: date, end: date, wanted: int) -> list[date]:
    """The preferred dates inside the range, topped up with evenly spaced ones."""
    days = [d for d in map(date.fromisoformat, PREFERRED_DAYS) if start <= d <= end]
    span = (end - start).days
    step = 0
    while len(days) < wanted and step <= span:
        candidate = start + timedelta(days=(step * 7) % (span + 1))
        if candidate not in days:
            days.append(candidate)
        step += 1
    return sorted(days[:wanted])


# -- the approaches ---------------------------------------------------------------------------


def pipeval_counts(result: SuiteResult) -> lower_bound.DayCounts:
    """The numbers of pipeval's daily report, in the lower bound's shape."""
    tables: dict[str, lower_bound.TableCounts] = {}
    covered = expected = 0
    for check in result.checks:
        if check.id.startswith("completeness."):
            for table, facts in check.metrics.get("tables", {}).items():
                tables[table] = lower_bound.TableCounts(
                    facts["expected"], facts["present"], facts["rows"]
                )
        if check.id.startswith("coverage."):
            covered = int(check.metrics.get("covered", 0))
            expected = int(check.metrics.get("expected", 0)) + int(check.metrics.get("pending", 0))
    return lower_bound.DayCounts(tables, covered, expected)


def agreement(profile: Profile, config: Config, days: list[date]) -> dict[str, Any]:
    """Do the lower bound and pipeval's daily report count the same things on these dates?"""
    con = lower_bound.connect(config.sample.warehouse)
    mismatches = []
    try:
        for day in days:
            rows = lower_bound.read_range(
                con, config.sample.state, day, day, pipeval_runs.morning_after(day), daily=True
            )
            ours = lower_bound.tally(rows).get(day) or lower_bound.nothing_on_date()
            result, _ = pipeval_runs.daily(profile, config.sample, day)
            if ours != pipeval_counts(result):
                mismatches.append({"date": day.isoformat(), "lower_bound": asdict(ours)})
    finally:
        con.close()
    return {
        "dates": [d.isoformat() for d in days],
        "agree": not mismatches,
        "mismatches": mismatches,
    }


def built_in(profile: Profile) -> Profile:
    """The profile without its declarative `checks:`: historical then runs only the built-in
    families (completeness, coverage, orchestration, and the plan's quota estimate), the check
    set the in-database floor answers, so the two compare like for like."""
    return dataclasses.replace(profile, checks=[])


def historical_scope(profile: Profile, config: Config, start: date, end: date) -> dict[str, Any]:
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    as_of = pipeval_runs.morning_after(end)
    con = lower_bound.connect(config.sample.warehouse)
    queries: dict[str, int] = {}
    builtin_profile = built_in(profile)

    rows: dict[str, int] = {}

    def pipeval_suite() -> float:
        result, _ = pipeval_runs.historical(profile, config.sample, start, end)
        queries["pipeval"] = result.stats["queries"]
        rows["pipeval"] = result.stats["rows_fetched"]
        return result.duration_s

    def pipeval_builtin() -> float:
        result, _ = pipeval_runs.historical(builtin_profile, config.sample, start, end)
        queries["pipeval_builtin"] = result.stats["queries"]
        rows["pipeval_builtin"] = result.stats["rows_fetched"]
        return result.duration_s

    def in_database() -> float:
        with _clock() as took:
            floor.per_date(con, start, end)
        queries["floor"] = floor.STATEMENTS
        return took()

    def bound() -> float:
        with _clock() as took:
            rows = lower_bound.read_range(con, config.sample.state, start, end, as_of)
            lower_bound.tally(rows)
        queries["lower_bound"] = rows.queries
        return took()

    def loop() -> float:
        with _clock() as took:
            rows = per_date.read_per_date(con, days)
            lower_bound.tally(rows)
        queries["per_date"] = rows.queries
        return took()

    click.echo(f"historical: {len(days)} dates, in-process ...", err=True)
    try:
        timings = interleaved(
            {
                "pipeval": pipeval_suite,
                "pipeval_builtin": pipeval_builtin,
                "floor": in_database,
                "lower_bound": bound,
                "per_date": loop,
            },
            config.warmup,
            config.reps,
        )
    finally:
        con.close()
    click.echo("historical: CLI processes ...", err=True)
    args = pipeval_runs.historical_args(config.sample, start, end)
    runs = [pipeval_runs.run_process(args) for _ in range(config.warmup + config.reps)]
    timings["pipeval_cli"] = Timing(tuple(run.seconds for run in runs[config.warmup :]))
    queries["pipeval_cli"] = runs[-1].queries or 0
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "days": len(days),
        "timings": {name: t.to_dict() for name, t in timings.items()},
        "queries": queries,
        "rows_fetched": rows,
        "rows_by_statement": _rows_by_statement(profile, config, start, end),
        # The timed runs, like the wall figure; the first run may also fill the SQL and profile
        # caches (sqlglot, YAML, validators): its peak is reported beside.
        "cli_peak_rss_mib": max(run.peak_rss_mib for run in runs[config.warmup :]),
        "cli_first_peak_rss_mib": runs[0].peak_rss_mib,
    }


def _rows_by_statement(profile: Profile, config: Config, start: date, end: date) -> dict:
    """Rows fetched per statement label: the built-in checks' apart from the profile's
    declarative ones (`checks:` statements, and the per-game list they read: its rows travel
    in the phase tables' combined statement, so they are counted from its own answer)."""
    _, ctx = pipeval_runs.historical(profile, config.sample, start, end, True)
    by_label = dict(ctx.warehouse.rows_by_label)  # type: ignore[union-attr]
    declarative = sum(n for label, n in by_label.items() if label.startswith("checks:"))
    declarative += len(ctx.peek(games_query(ctx.profile, ctx.start, ctx.end)) or [])
    return {
        "labels": by_label,
        "declarative": declarative,
        "built_in": sum(by_label.values()) - declarative,
    }


def builtin_split(profile: Profile, config: Config, start: date, end: date) -> dict[str, float]:
    """Where the built-in checks' in-process time goes: the statements (time inside the
    warehouse adapter: execution, fetch, decoding) and the rest, pipeval's Python (planning,
    the per-date judging, the state documents, the plan). Medians of separate runs after the
    timed ones, so the timing wrapper does not touch those."""
    builtin_profile = built_in(profile)
    totals, statements = [], []
    for _ in range(config.warmup + config.reps):
        result, ctx = pipeval_runs.historical(builtin_profile, config.sample, start, end, True)
        totals.append(result.duration_s)
        statements.append(ctx.warehouse.seconds)  # type: ignore[union-attr]
    total = Timing(tuple(totals[config.warmup :])).median
    sql = Timing(tuple(statements[config.warmup :])).median
    return {"in_process_s": total, "statements_s": sql, "python_s": total - sql}


def floor_agreement(config: Config, start: date, end: date) -> dict[str, Any]:
    """Do the in-database floor's per-date counts equal the lower bound's (and so pipeval's)?"""
    con = lower_bound.connect(config.sample.warehouse)
    try:
        bound = lower_bound.tally(
            lower_bound.read_range(
                con, config.sample.state, start, end, pipeval_runs.morning_after(end)
            )
        )
        ours = floor.per_date(con, start, end)
    finally:
        con.close()
    days = sorted(set(bound) | set(ours))
    empty = lower_bound.nothing_on_date()
    differ = [d.isoformat() for d in days if bound.get(d, empty) != ours.get(d, empty)]
    return {"dates": len(days), "agree": not differ, "mismatches": differ[:10]}


def daily_loop(profile: Profile, config: Config, start: date, end: date) -> dict[str, Any]:
    """The realistic loop: `run_daily` for each date of the range, in this process, on one open
    warehouse (what a script calling pipeval per date would do). Timed once: it is long."""
    from pipeval.adapters.dir_store import DirStore
    from pipeval.adapters.duckdb_warehouse import DuckDBWarehouse
    from pipeval.query import Context

    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    warehouse = DuckDBWarehouse(config.sample.warehouse)
    state = DirStore(config.sample.state)
    click.echo(f"daily loop: run_daily for each of {len(days)} dates ...", err=True)
    try:
        with _clock() as took:
            for day in days:
                ctx = Context(profile, pipeval_runs.morning_after(day), day, day, warehouse, state)
                run_daily(ctx, day)
        return {"days": len(days), "seconds": took(), "queries": warehouse.stats.queries}
    finally:
        warehouse.close()


CURVE_DAYS = (7, 30, 90)


def cost_curve(profile: Profile, config: Config, start: date, end: date) -> list[dict[str, Any]]:
    """historical over the last 7, 30, 90 dates and the whole range: CLI wall and peak memory,
    in-process time (the whole suite, and the built-in checks alone, the floor's check set),
    the floor's time and the rows fetched, each the median of the reps."""
    builtin_profile = built_in(profile)
    total = (end - start).days + 1
    spans = sorted({d for d in CURVE_DAYS if d < total} | {total})
    reps = max(1, min(config.reps, 3))
    con = lower_bound.connect(config.sample.warehouse)
    points = []
    try:
        for days in spans:
            first = end - timedelta(days=days - 1)
            click.echo(f"cost curve: {days} dates ...", err=True)
            suite, builtin = [], []
            for _ in range(reps):  # interleaved: both see the same load
                suite.append(pipeval_runs.historical(profile, config.sample, first, end)[0])
                builtin.append(
                    pipeval_runs.historical(builtin_profile, config.sample, first, end)[0]
                )
            floor_times = []
            for _ in range(reps):
                with _clock() as took:
                    floor.per_date(con, first, end)
                floor_times.append(took())
            args = pipeval_runs.historical_args(config.sample, first, end)
            runs = [pipeval_runs.run_process(args) for _ in range(reps + 1)][1:]  # 1 warm-up
            points.append(
                {
                    "days": days,
                    "cli_wall_s": Timing(tuple(r.seconds for r in runs)).median,
                    "in_process_s": Timing(tuple(r.duration_s for r in suite)).median,
                    "in_process_builtin_s": Timing(tuple(r.duration_s for r in builtin)).median,
                    "floor_s": Timing(tuple(floor_times)).median,
                    "peak_rss_mib": max(r.peak_rss_mib for r in runs),
                    "rows_fetched": suite[-1].stats["rows_fetched"],
                    "rows_fetched_builtin": builtin[-1].stats["rows_fetched"],
                    "queries": suite[-1].stats["queries"],
                }
            )
    finally:
        con.close()
    return points


def daily_scope(profile: Profile, config: Config, days: list[date]) -> dict[str, Any]:
    con = lower_bound.connect(config.sample.warehouse)
    queries: dict[str, int] = {}
    per_day: dict[str, dict[str, list[float]]] = {}

    def runner(day: date) -> dict[str, Any]:
        as_of = pipeval_runs.morning_after(day)

        def pipeval_suite() -> float:
            result, _ = pipeval_runs.daily(profile, config.sample, day)
            queries["pipeval"] = result.stats["queries"]
            return result.duration_s

        def bound() -> float:
            with _clock() as took:
                rows = lower_bound.read_range(con, config.sample.state, day, day, as_of, True)
                lower_bound.tally(rows)
            queries["lower_bound"] = rows.queries
            return took()

        def loop() -> float:
            with _clock() as took:
                rows = per_date.read_per_date(con, [day])
                lower_bound.tally(rows)
            queries["per_date"] = rows.queries
            return took()

        return {"pipeval": pipeval_suite, "lower_bound": bound, "per_date": loop}

    click.echo(f"daily: {len(days)} dates, in-process ...", err=True)
    try:
        for day in days:
            timed = interleaved(runner(day), config.warmup, config.reps)
            per_day[day.isoformat()] = {name: list(t.samples) for name, t in timed.items()}
    finally:
        con.close()
    click.echo("daily: CLI processes ...", err=True)
    pipeval_runs.run_process(pipeval_runs.daily_args(config.sample, days[0]))  # warm-up
    cli = [pipeval_runs.run_process(pipeval_runs.daily_args(config.sample, d)) for d in days]
    queries["pipeval_cli"] = cli[-1].queries or 0
    names = ("pipeval", "lower_bound", "per_date")
    timings = {
        name: Timing(tuple(s for day in per_day.values() for s in day[name])) for name in names
    }
    timings["pipeval_cli"] = Timing(tuple(run.seconds for run in cli))
    medians = {
        day: {name: Timing(tuple(samples)).median for name, samples in runs.items()}
        for day, runs in per_day.items()
    }
    overhead = Timing(tuple(m["pipeval"] - m["lower_bound"] for m in medians.values()))
    return {
        "dates": list(per_day),
        "timings": {name: t.to_dict() for name, t in timings.items()},
        "per_date_medians": medians,
        "overhead_over_lower_bound": overhead.to_dict(),
        "queries": queries,
    }


class _clock:
    """`with _clock() as took: ...; took()` -> seconds spent inside the block."""

    def __enter__(self) -> Callable[[], float]:
        self._started = time.perf_counter()
        self._elapsed = 0.0
        return lambda: self._elapsed

    def __exit__(self, *exc: object) -> None:
        self._elapsed = time.perf_counter() - self._started


def query_counts(profile: Profile, config: Config, start: date, end: date) -> dict[str, Any]:
    """pipeval's statements for a week and for the whole range: the same count and text."""
    week_start = max(start, end - timedelta(days=6))
    week, week_ctx = pipeval_runs.historical(profile, config.sample, week_start, end)
    full, full_ctx = pipeval_runs.historical(profile, config.sample, start, end)
    same_text = sorted(week_ctx.warehouse.stats.sent) == sorted(full_ctx.warehouse.stats.sent)  # type: ignore[union-attr]
    return {
        "short_days": (end - week_start).days + 1,
        "short": week.stats["queries"],
        "long_days": (end - start).days + 1,
        "long": full.stats["queries"],
        "identical": week.stats["queries"] == full.stats["queries"] and same_text,
    }


def bytes_estimate(profile: Profile, config: Config, start: date, end: date, day: date) -> dict:
    from pipeval.adapters.duckdb_warehouse import DuckDBWarehouse

    partitions = bq_bytes.partition_columns(profile)
    estimator = DuckDBWarehouse(config.sample.warehouse)
    out: dict[str, Any] = {
        "price_per_tib_usd": bq_bytes.PRICE_PER_TIB_USD,
        "min_billed_bytes": bq_bytes.MIN_BILLED_BYTES,
    }
    try:
        for scope, run in (
            (
                "historical",
                lambda: pipeval_runs.historical(profile, config.sample, start, end, True),
            ),
            ("daily", lambda: pipeval_runs.daily(profile, config.sample, day, True)),
        ):
            _, ctx = run()
            warehouse = ctx.warehouse
            sent = list(zip(warehouse.stats.sent, warehouse.params, strict=True))  # type: ignore[union-attr]
            statements = bq_bytes.estimate(estimator, sent, partitions)
            columns: dict[str, set[str]] = {}
            for statement in statements:
                for qualified in statement.columns:
                    dataset, table, column = qualified.split(".", 2)
                    columns.setdefault(f"{dataset}.{table}", set()).add(column)
            days = [start + timedelta(n) for n in range((end - start).days + 1)]
            loop_days = days if scope == "historical" else [day]
            out[scope] = {
                "statements": [asdict(s) for s in statements],
                "scanned": sum(s.scanned for s in statements),
                "unpruned": sum(s.unpruned for s in statements),
                "billed": sum(s.billed for s in statements),
                "whole_tables": bq_bytes.whole_tables(estimator, columns),
                "per_date_billed": bq_bytes.per_date_billed(
                    estimator,
                    {t: tuple(sorted(c)) for t, c in columns.items()},
                    partitions,
                    loop_days,
                ),
                "per_date_queries": len(loop_days) * len(per_date.DATED_TABLES),
            }
    finally:
        estimator.close()
    return out


def soda_scope(config: Config, start: date, end: date, days: list[date]) -> dict[str, Any]:
    if not config.soda:
        return {"skipped": "not run (--no-soda)"}
    click.echo("soda: preparing its venv and data (cached) ...", err=True)
    setup = soda_peer.prepare(config.cache, config.sample.warehouse)
    if setup.python is None:
        return {"skipped": setup.reason}
    con = lower_bound.connect(config.sample.warehouse)
    try:
        game_days = [
            row[0].isoformat()
            for row in con.execute(
                "SELECT DISTINCT game_date FROM nba_raw.nbac_schedule "
                "WHERE game_date BETWEEN $start AND $end ORDER BY 1",
                {"start": start, "end": end},
            ).fetchall()
        ]
    finally:
        con.close()
    reps = max(1, min(config.reps, 3))
    scopes = [
        {"name": "filters", "mode": "filters", "days": game_days},
        {"name": "groupby", "mode": "groupby", "days": game_days},
        {
            "name": "daily",
            "mode": "filters",
            "days": [d.isoformat() for d in days],
            "each_day": True,
        },
    ]
    click.echo("soda: timing the scans ...", err=True)
    timed = soda_peer.run_scans(setup, scopes, config.warmup, reps)
    if "error" in timed:
        return {"skipped": timed["error"]}
    processes = {}
    for scope in scopes[:2]:
        single = soda_peer.run_scans(setup, [scope], 0, 1)
        processes[scope["name"]] = single.get("wall_s")
    return {
        "version": timed["soda_version"],
        "game_days": len(game_days),
        "scopes": {
            name: {**result, "timing": Timing(tuple(result["execute_s"])).to_dict()}
            for name, result in timed["scopes"].items()
        },
        "process_s": processes,
    }


def startup(config: Config, day: date) -> dict[str, Any]:
    report = import_report([*pipeval_runs.daily_args(config.sample, day), "--format", "json"])
    return {
        "help": help_timing(max(config.reps, 3)).to_dict(),
        "importtime": {
            "command": "pipeval daily --date " + day.isoformat(),
            "modules": report.modules,
            "google_cloud_modules": list(report.cloud_modules),
            "heaviest": [{"package": name, "seconds": s} for name, s in report.top],
            "exit_code": report.exit_code,
        },
    }


def profiles(profile: Profile, config: Config, start: date, end: date, day: date) -> dict:
    """cProfile of each suite alone (the files are opened before and closed after)."""
    out = {}
    for scope, first, last, runner in (
        ("historical", start, end, lambda ctx: run_historical(ctx, start, end)),
        ("daily", day, day, lambda ctx: run_daily(ctx, day)),
    ):
        ctx = pipeval_runs.context(profile, config.sample, pipeval_runs.morning_after(last), first)
        try:
            out[scope] = hotspots(lambda ctx=ctx, runner=runner: runner(ctx))
        finally:
            ctx.warehouse.close()  # type: ignore[union-attr]
    return out


def collect(config: Config) -> dict[str, Any]:
    profile = load_profile("nba-props")
    start, end = game_range(config.sample)
    days = daily_dates(start, end, config.daily_days)
    document: dict[str, Any] = {
        "machine": machine.describe(),
        "quick": config.quick,
        "warmup": config.warmup,
        "reps": config.reps,
        "sample": {"warehouse": str(config.sample.warehouse), "start": start, "end": end},
    }
    document["agreement"] = agreement(profile, config, days)
    document["historical"] = historical_scope(profile, config, start, end)
    document["declarative_checks"] = len(profile.checks)
    document["daily"] = daily_scope(profile, config, days)
    document["query_counts"] = query_counts(profile, config, start, end)
    document["floor_agreement"] = floor_agreement(config, start, end)
    document["builtin_split"] = builtin_split(profile, config, start, end)
    document["daily_loop"] = daily_loop(profile, config, start, end)
    document["curve"] = cost_curve(profile, config, start, end)
    document["per_date_loop_queries"] = document["historical"]["queries"]["per_date"]
    # The demo's date when the sample has it: the day the seeds' worst incident is judged.
    focus = next((d for d in days if d.isoformat() == PREFERRED_DAYS[0]), days[0])
    document["bytes"] = bytes_estimate(profile, config, start, end, focus)
    document["soda"] = soda_scope(config, start, end, days)
    document["startup"] = startup(config, focus)
    document["profile"] = profiles(profile, config, start, end, focus)
    document["load_after"] = round(os.getloadavg()[0], 2)
    return document


@click.command()
@click.option("--quick", is_flag=True, help="Smoke version: one repetition, two daily dates.")
@click.option("--reps", type=click.IntRange(1), help="Timed repetitions (default 5; quick 1).")
@click.option("--warmup", type=click.IntRange(0), help="Untimed warm-up runs (default 1; quick 0).")
@click.option(
    "--sample-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Use this sample (DIR/warehouse.duckdb, DIR/state) instead of the cached season.",
)
@click.option(
    "--cache-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Cache for the season and Soda's venv (default $PIPEVAL_CACHE_DIR/benchmarks "
    "or benchmarks/.cache).",
)
@click.option(
    "--daily-dates", type=click.IntRange(1), help="Dates for daily (default 10; quick 2)."
)
@click.option("--no-soda", is_flag=True, help="Skip the Soda Core peer.")
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=DOCS,
    show_default=True,
    help="Markdown report to (re)write.",
)
@click.option("--json", "json_path", type=click.Path(path_type=Path, dir_okay=False))
def main(
    quick: bool,
    reps: int | None,
    warmup: int | None,
    sample_dir: Path | None,
    cache_dir: Path | None,
    daily_dates: int | None,
    no_soda: bool,
    output: Path,
    json_path: Path | None,
) -> None:
    """Benchmark pipeval against the lower bound, the per-date loop and Soda Core."""
    for path in (output, json_path):
        if path is not None:  # fail before minutes of work, not after
            path.parent.mkdir(parents=True, exist_ok=True)
            check_writable(path)
    cache = cache_root(cache_dir)
    cache.mkdir(parents=True, exist_ok=True)
    if sample_dir is not None:
        sample = pipeval_runs.Sample(sample_dir / "warehouse.duckdb", sample_dir / "state")
        if not sample.warehouse.is_file():
            raise click.BadParameter(
                f"no warehouse.duckdb in {sample_dir}", param_hint="--sample-dir"
            )
    else:
        sample = season_sample(cache)
    config = Config(
        sample=sample,
        cache=cache,
        warmup=warmup if warmup is not None else (0 if quick else 1),
        reps=reps or (1 if quick else 5),
        daily_days=daily_dates or (2 if quick else 10),
        soda=not no_soda,
        quick=quick,
    )
    document = collect(config)
    document["command"] = "python -m benchmarks.run" + (" --quick" if quick else "")
    # The edit-time hook's own section (benchmarks/guard_speed.py, also runnable alone).
    document["guard"] = guard_speed.measure(reps=config.reps * 4)
    markdown = guard_speed.splice(render_markdown(document), guard_speed.section(document["guard"]))
    # The lint figures come from benchmarks.lint_speed; keep them when this page is rewritten.
    write_atomic(output, keep_section(markdown, output))
    # The cost curve's plot beside the page that shows it.
    write_atomic(output.with_name(CURVE_SVG), curve_svg(document["curve"]))
    if json_path is not None:
        import json

        write_atomic(json_path, json.dumps(document, indent=2, default=str) + "\n")
    click.echo(f"wrote {output}", err=True)


if __name__ == "__main__":
    main(sys.argv[1:])
