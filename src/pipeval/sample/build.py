"""Assemble the sample: plan the games, write every table and document, swap into place."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from pipeval.profile import load_profile
from pipeval.sample import declared, facts, incidents, tables
from pipeval.sample.deployments import DEPLOY, write_deployments
from pipeval.sample.jobs import DayJobs, job_rows
from pipeval.sample.lineups import GamePlan, build_plans, slate_days
from pipeval.sample.pipeline_repo import write_pipeline_repo
from pipeval.sample.rosters import Player, alias_rows, build_rosters, registry_rows
from pipeval.sample.runs import run_rows
from pipeval.sample.schedule import (
    SEASON_END,
    SEASON_START,
    SLICE_END,
    SLICE_START,
    build_schedule,
)
from pipeval.sample.state import DayCounts, write_documents
from pipeval.sample.writer import copy_csv, create_tables, write_csv

WAREHOUSE = "warehouse.duckdb"
MARKER = ".pipeval-sample"
SAMPLE_FORMAT = "v1"
STATE = "state"
# Seed 003's pipeline repo (DDL, writer, profile with a schema section) beside the warehouse.
PIPELINE = "pipeline"

Rows = Iterable[Sequence[object]]


@dataclass(frozen=True)
class SampleInfo:
    warehouse: Path
    state: Path
    start: date
    end: date
    games: int
    rows: dict[str, int]  # "dataset.table" -> rows
    deploy: Path | None = None  # None when git is not installed: no history, no deployments
    repo: Path | None = None


def build_sample(path: Path, *, season: bool = False, seed: int = 2025) -> SampleInfo:
    """Write path/warehouse.duckdb and path/state/, replacing any previous sample there.

    Everything is built in a hidden directory inside `path` and renamed into place at the end,
    so an interrupted build never leaves a half-written warehouse behind.
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    start, end = (SEASON_START, SEASON_END) if season else (SLICE_START, SLICE_END)
    scratch = Path(tempfile.mkdtemp(prefix=".pipeval-build-", dir=path))
    try:
        rosters = build_rosters(seed)
        games = build_schedule(seed, start, end, live_tail=not season)
        plans = build_plans(seed, games, rosters)
        overnight = _overnight(plans, season)
        rows = _write_warehouse(scratch, _table_sources(seed, plans, rosters, overnight))
        write_documents(scratch / STATE, seed, _day_counts(plans, overnight))
        write_pipeline_repo(scratch / PIPELINE)
        services = load_profile("nba-props").services
        deployed = bool(write_deployments(scratch / PIPELINE, scratch / DEPLOY, services))
        _install(scratch, path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return SampleInfo(
        path / WAREHOUSE,
        path / STATE,
        start,
        end,
        len(games),
        rows,
        deploy=path / DEPLOY if deployed else None,
        repo=path / PIPELINE,
    )


def _overnight(plans: list[GamePlan], season: bool) -> set[date]:
    """Game dates whose overnight run has happened: all but the default slice's last evening."""
    game_days = {plan.game.day for plan in plans}
    return game_days if season else game_days - {max(game_days)}


def _write_warehouse(scratch: Path, sources: dict[str, Rows]) -> dict[str, int]:
    """Create every table and bulk-load its rows; returns rows per table."""
    csv_dir = scratch / "csv"
    csv_dir.mkdir()
    # No progress bar: a long COPY would otherwise draw one on the caller's terminal.
    con = duckdb.connect(str(scratch / WAREHOUSE))
    try:
        con.execute("SET enable_progress_bar = false")
        create_tables(con, sources)
        counts = {}
        # DuckDB releases the GIL while it loads, so one table loads while the next is generated.
        with ThreadPoolExecutor(max_workers=1) as loader:
            loads = []
            for index, (table, rows) in enumerate(sources.items()):
                csv_path = csv_dir / f"{index:02d}.csv"
                counts[table] = write_csv(csv_path, rows)
                loads.append(loader.submit(_load, con, table, csv_path))
            for load in loads:
                load.result()
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return counts


def _load(con: duckdb.DuckDBPyConnection, table: str, csv_path: Path) -> None:
    copy_csv(con, table, csv_path)
    csv_path.unlink()


def _table_sources(
    seed: int,
    plans: list[GamePlan],
    rosters: dict[str, tuple[Player, ...]],
    overnight_done: set[date],
) -> dict[str, Rows]:
    """Every table of the warehouse and the (lazy) rows it gets, in load order."""
    game_days = sorted({plan.game.day for plan in plans})
    return {
        tables.SCHEDULE: facts.schedule_rows(plans),
        tables.GAMEBOOK: facts.box_rows(seed, plans),
        tables.PROPS: facts.prop_rows(seed, plans),
        tables.SUMMARY: facts.summary_rows(seed, plans),
        tables.CONTEXT: facts.context_rows(plans),
        tables.FEATURES: facts.feature_rows(seed, plans),
        tables.PREDICTIONS: facts.prediction_rows(seed, plans),
        tables.REGISTRY: registry_rows(rosters),
        tables.ALIASES: alias_rows(),
        tables.RUN_HISTORY: run_rows(seed, game_days, overnight_done),
        # read only by the profile's declarative checks
        tables.ACCURACY: declared.accuracy_rows(seed, plans),
        tables.TEAM_OFFENSE: declared.team_rows(seed, plans),
        tables.PBP: declared.pbp_rows(seed, plans),
        tables.INJURIES: declared.injury_rows(seed, plans),
        tables.WORKER_RUNS: declared.worker_rows(seed, plans),
        **_staging_sources(seed, plans),
        tables.JOBS: job_rows(seed, _day_jobs(plans, overnight_done)),
        tables.TABLES: tables.table_rows(),
    }


def _staging_sources(seed: int, plans: list[GamePlan]) -> dict[str, Rows]:
    """Seed 002's orphans: each worker's first few predictions for the night they were left."""
    night = [plan for plan in plans if plan.game.day == incidents.SUMMARY_GAP_DATE]
    rows = list(facts.prediction_rows(seed, night))
    size = incidents.STAGING_ROWS
    return {
        f"nba_predictions.{name}": rows[index * size : (index + 1) * size]
        for index, name in enumerate(incidents.STAGING_TABLES)
    }


def _day_jobs(plans: list[GamePlan], overnight_done: set[date]) -> list[DayJobs]:
    days = []
    for day, slate in slate_days(plans).items():
        written = {
            tables.GAMEBOOK: any(plan.box_score for plan in slate),
            tables.SUMMARY: any(plan.summary for plan in slate),
            tables.FEATURES: any(plan.features for plan in slate),
            tables.PREDICTIONS: any(plan.predictions for plan in slate),
        }
        names = frozenset(name for name, wrote in written.items() if wrote)
        days.append(DayJobs(day, names, overnight=day in overnight_done))
    return days


def _day_counts(plans: list[GamePlan], overnight_done: set[date]) -> list[DayCounts]:
    counts = []
    for day, slate in slate_days(plans).items():
        if day not in overnight_done:
            continue
        summary = sum(sum(e.played for e in plan.entries) for plan in slate if plan.summary)
        context = sum(len(plan.expected) for plan in slate)
        features = sum(len(plan.expected) for plan in slate if plan.features)
        counts.append(DayCounts(day, len(slate), summary, context, features))
    return counts


def _install(scratch: Path, path: Path) -> None:
    """Rename the finished build over the previous one (same filesystem, so atomic per item)."""
    # The marker tells `pipeval sample` that this folder holds a sample it may rebuild.
    (path / MARKER).write_text(f"pipeval sample {SAMPLE_FORMAT}\n", "utf-8")
    # A write-ahead log left by the old file would be replayed into the new one.
    (path / f"{WAREHOUSE}.wal").unlink(missing_ok=True)
    os.replace(scratch / WAREHOUSE, path / WAREHOUSE)
    for folder in (STATE, PIPELINE, DEPLOY):
        if (path / folder).exists():
            os.replace(path / folder, scratch / f"{folder}.old")
        if (scratch / folder).exists():
            os.replace(scratch / folder, path / folder)


def is_sample_dir(path: Path) -> bool:
    """An empty folder, or one an earlier build wrote (its marker is there)."""
    try:
        entries = list(path.iterdir())
    except OSError:
        return False
    return not entries or (path / MARKER).is_file()
