"""The JSON results recorded before a change, and how a new run is compared with them.

`tests/data/results/*.json` hold the full `--format json` output of three runs on the sample
(see RUNS), with what varies from run to run removed (`duration_s`, `stats`, the version) and
the sample's directory replaced by `<SAMPLE>`. A refactoring or a speed-up must reproduce them.

The comparison allows additions and nothing else: every check recorded must come back with the
same id, status, summary, metrics, findings and remediation; every key recorded must be there
with the same value; checks, keys (e.g. a `diagnosis` object) and map entries that the fixture
does not hold are allowed, because other changes add them. Lists keep their length and order.

Re-record (`python -m tests.results_fixtures SAMPLE_DIR SEASON_DIR`) only when the sample's data
changes on purpose (a new incident), never to make a behaviour change pass.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data" / "results"
PLACEHOLDER = "<SAMPLE>"
RUN_VARYING = ("duration_s", "stats", "pipeval_version")


@dataclass(frozen=True)
class Run:
    name: str
    sample: str  # "slice" (the default sample) or "season" (`pipeval sample --season`)
    args: tuple[str, ...]


RUNS = (
    # The demo: the seeds' worst day, the morning after (15:00 the next day in the profile's
    # timezone, pipeval.clock.morning_after: 20:00Z in winter, 19:00Z in summer time).
    Run(
        "daily-demo", "slice", ("daily", "--date", "2026-01-26", "--as-of", "2026-01-27T20:00:00Z")
    ),
    Run(
        "historical-slice",
        "slice",
        (
            "historical",
            "--start",
            "2025-12-01",
            "--end",
            "2026-01-31",
            "--as-of",
            "2026-02-01T20:00:00Z",
        ),
    ),
    # The benchmark's range: the season's first to last game date, the morning after.
    Run(
        "historical-season",
        "season",
        (
            "historical",
            "--start",
            "2025-10-21",
            "--end",
            "2026-04-12",
            "--as-of",
            "2026-04-13T19:00:00Z",
        ),
    ),
)


def normalized(output: str, sample: Path) -> dict[str, Any]:
    """The JSON document without run-varying fields, the sample's path as a placeholder."""
    text = output.replace(str(sample.resolve()), PLACEHOLDER).replace(str(sample), PLACEHOLDER)
    document = json.loads(text)
    for key in RUN_VARYING:
        document.pop(key, None)
    return document


def cli_args(run: Run, sample: Path) -> list[str]:
    return [
        *run.args,
        "--warehouse",
        f"duckdb://{sample / 'warehouse.duckdb'}",
        "--state",
        f"dir://{sample / 'state'}",
        "--format",
        "json",
    ]


def differences(recorded: Any, new: Any, path: str = "$") -> list[str]:
    """Where `new` does not hold `recorded`: empty when every recorded value is reproduced."""
    if isinstance(recorded, dict):
        if not isinstance(new, dict):
            return [f"{path}: expected an object, got {new!r:.80}"]
        found = []
        for key, value in recorded.items():
            if key not in new:
                found.append(f"{path}.{key}: missing")
            else:
                found += differences(value, new[key], f"{path}.{key}")
        return found
    if isinstance(recorded, list):
        if not isinstance(new, list):
            return [f"{path}: expected a list, got {new!r:.80}"]
        if path.endswith(".checks"):
            return _checks_differences(recorded, new, path)
        if len(recorded) != len(new):
            return [f"{path}: {len(recorded)} items recorded, {len(new)} now"]
        return [
            d
            for i, (a, b) in enumerate(zip(recorded, new, strict=True))
            for d in differences(a, b, f"{path}[{i}]")
        ]
    if recorded != new or type(recorded) is not type(new):
        return [f"{path}: recorded {recorded!r:.120}, now {new!r:.120}"]
    return []


def _checks_differences(recorded: list[Any], new: list[Any], path: str) -> list[str]:
    """Checks are matched by id: new checks may appear anywhere, recorded ones must stay."""
    by_id = {check.get("id"): check for check in new if isinstance(check, dict)}
    found = []
    for check in recorded:
        if check["id"] not in by_id:
            found.append(f"{path}[{check['id']}]: missing")
        else:
            found += differences(check, by_id[check["id"]], f"{path}[{check['id']}]")
    return found


def record(run_cli: Callable[[list[str]], str], samples: dict[str, Path]) -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    for run in RUNS:
        sample = samples[run.sample]
        document = normalized(run_cli(cli_args(run, sample)), sample)
        (DATA / f"{run.name}.json").write_text(
            json.dumps(document, indent=1, sort_keys=True) + "\n"
        )


def _subprocess_cli(args: list[str]) -> str:
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "pipeval", *args], capture_output=True, text=True, check=False
    )
    if done.returncode not in (0, 1, 2):
        raise SystemExit(f"pipeval {' '.join(args)} exited {done.returncode}: {done.stderr}")
    return done.stdout


if __name__ == "__main__":
    slice_dir, season_dir = (Path(arg) for arg in sys.argv[1:3])
    record(_subprocess_cli, {"slice": slice_dir, "season": season_dir})
