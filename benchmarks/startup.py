"""CLI start-up: `pipeval --help` wall time, and which modules a real embedded daily run imports."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass

from benchmarks.pipeval_runs import console_script
from benchmarks.timing import Timing


def help_timing(reps: int) -> Timing:
    samples = []
    for _ in range(reps + 1):
        started = time.perf_counter()
        subprocess.run([*console_script(), "--help"], check=True, capture_output=True)
        samples.append(time.perf_counter() - started)
    return Timing(tuple(samples[1:]))  # the first one warms the OS file cache


@dataclass(frozen=True)
class ImportReport:
    modules: int
    cloud_modules: tuple[str, ...]  # google.cloud.* modules imported (must be none)
    top: tuple[tuple[str, float], ...]  # heaviest top-level packages, cumulative seconds
    exit_code: int


def import_report(args: list[str]) -> ImportReport:
    """`python -X importtime -m pipeval ARGS`: every module the process imported, with times."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "pipeval", *args],
        capture_output=True,
        text=True,
    )
    modules: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line or "self [us]" in line:
            continue
        _, cumulative, name = (part.strip() for part in line[len("import time:") :].split("|"))
        modules[name] = int(cumulative) / 1e6
    cloud = tuple(sorted(name for name in modules if name.startswith("google.cloud")))
    top_level = {name: seconds for name, seconds in modules.items() if "." not in name}
    heaviest = tuple(sorted(top_level.items(), key=lambda item: -item[1])[:6])
    return ImportReport(len(modules), cloud, heaviest, done.returncode)
