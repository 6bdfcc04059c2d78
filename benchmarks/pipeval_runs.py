"""pipeval itself: the suites in this process (their own `duration_s`) and as CLI processes."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pipeval import clock
from pipeval.adapters.dir_store import DirStore
from pipeval.adapters.duckdb_warehouse import DuckDBWarehouse
from pipeval.profile import Profile, load_profile
from pipeval.query import Context
from pipeval.results import SuiteResult
from pipeval.suites.daily import run_daily
from pipeval.suites.historical import run_historical


@dataclass(frozen=True)
class Sample:
    warehouse: Path
    state: Path

    @property
    def urls(self) -> list[str]:
        return [
            "--warehouse",
            f"duckdb://{self.warehouse.resolve()}",
            "--state",
            f"dir://{self.state.resolve()}",
        ]


class RecordingWarehouse(DuckDBWarehouse):
    """The embedded warehouse, also keeping each statement's bound parameters (for bytes), the
    rows per label and the time spent in the adapter (the statements, their rows decoded)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.params: list[dict[str, Any]] = []
        self.rows_by_label: dict[str, int] = {}
        self.seconds = 0.0

    def query(
        self, sql: str, params: dict[str, Any] | None = None, label: str = "", check: str = ""
    ) -> Any:
        started = time.perf_counter()
        result = super().query(sql, params, label, check)
        self.seconds += time.perf_counter() - started
        self.params.append(dict(params or {}))
        self.rows_by_label[label] = self.rows_by_label.get(label, 0) + len(result.rows)
        return result


def morning_after(day: date) -> datetime:
    """The as-of of a validation run: the demo's, 15:00 the next day in the profile's timezone."""
    return clock.morning_after(day, _timezone())


@functools.cache
def _timezone() -> str:
    # The benchmark runs the shipped profile, as the demo does.
    return load_profile("nba-props").timezone


def context(
    profile: Profile, sample: Sample, as_of: datetime, day: date, recording: bool = False
) -> Context:
    kind = RecordingWarehouse if recording else DuckDBWarehouse
    return Context(
        profile=profile,
        as_of=as_of,
        start=day,
        end=day,
        warehouse=kind(sample.warehouse),
        state=DirStore(sample.state),
    )


def historical(
    profile: Profile, sample: Sample, start: date, end: date, recording: bool = False
) -> tuple[SuiteResult, Context]:
    ctx = context(profile, sample, morning_after(end), end, recording)
    try:
        return run_historical(ctx, start, end), ctx
    finally:
        ctx.warehouse.close()  # type: ignore[union-attr]


def daily(
    profile: Profile, sample: Sample, day: date, recording: bool = False
) -> tuple[SuiteResult, Context]:
    ctx = context(profile, sample, morning_after(day), day, recording)
    try:
        return run_daily(ctx, day), ctx
    finally:
        ctx.warehouse.close()  # type: ignore[union-attr]


def console_script() -> list[str]:
    """The installed `pipeval` entry point (next to this interpreter), as a user runs it."""
    beside = Path(sys.executable).with_name("pipeval")
    found = str(beside) if beside.is_file() else shutil.which("pipeval")
    return [found] if found else [sys.executable, "-m", "pipeval"]


@dataclass(frozen=True)
class ProcessRun:
    seconds: float
    exit_code: int
    queries: int | None
    peak_rss_mib: float = 0.0  # the process's own maximum resident set
    rows_fetched: int | None = None


def run_process(args: list[str]) -> ProcessRun:
    """One whole `pipeval ... --format json` process; the JSON proves it ran the suite.

    Started through a small Python wrapper that reports its one child's peak memory
    (RUSAGE_CHILDREN): a child forked straight from this big process would count this
    process's pages in its peak until it execs. The wall time is the wrapper's own
    measurement of the child, so its start-up is not in it either."""
    env = {**os.environ, "PIPEVAL_DEBUG": ""}
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *console_script(), *args, "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
    )
    *errors, measured = done.stderr.rstrip("\n").rsplit("\n", 1) or [""]
    seconds, peak_kib = (float(part) for part in measured.split())
    if done.returncode not in (0, 1, 2):
        message = "\n".join(errors)
        raise RuntimeError(f"pipeval {' '.join(args)} exited {done.returncode}: {message}")
    stats = json.loads(done.stdout).get("stats", {})
    return ProcessRun(
        seconds,
        done.returncode,
        stats.get("queries"),
        peak_kib / 1024,
        stats.get("rows_fetched"),
    )


# argv[1:] is the command; prints "<wall seconds> <peak KiB>" as the last line of stderr.
_WRAPPER = (
    "import resource, subprocess, sys, time\n"
    "started = time.perf_counter()\n"
    "code = subprocess.call(sys.argv[1:])\n"
    "took = time.perf_counter() - started\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(took, peak, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def historical_args(sample: Sample, start: date, end: date) -> list[str]:
    return [
        "historical",
        "--start",
        start.isoformat(),
        "--end",
        end.isoformat(),
        "--as-of",
        clock.iso_instant(morning_after(end)),
        *sample.urls,
    ]


def daily_args(sample: Sample, day: date) -> list[str]:
    return [
        "daily",
        "--date",
        day.isoformat(),
        "--as-of",
        clock.iso_instant(morning_after(day)),
        *sample.urls,
    ]
