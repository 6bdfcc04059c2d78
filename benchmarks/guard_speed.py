"""`python -m benchmarks.guard_speed`: how long the edit-time hook takes, whole process.

The issue's target: one file of 2,000 lines guarded in at most 300 ms. A synthetic pipeline
module of 2,000 lines (processors that batch their loads, parameterised queries, one one-row
write the hook must flag) sits in a scratch project; each run is the `pipeval` console script
with a recorded PostToolUse payload on stdin, timed from start to exit (wall clock, and the
child's user + system CPU, which the machine's other work moves less). Three cases: an edit once
the profile's facts are cached (every edit but the first), the first edit after a profile change
(the profile is validated), and a Markdown edit (not pipeline code). Writes its section of
docs/benchmarks.md between markers; `benchmarks.run` includes the same section.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import click

from benchmarks.pipeval_runs import console_script

LINES = 2000
BEGIN = "<!-- guard-speed: begin (python -m benchmarks.guard_speed) -->"
END = "<!-- guard-speed: end -->"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
TARGET_S = 0.3


def pipeline_module(lines: int = LINES) -> str:
    out = [
        "from google.cloud import bigquery",
        "",
        "RUNS = 'nba_reference.processor_run_history'",
        "",
    ]
    step = 0
    while len(out) < lines - 14:
        step += 1
        out += [
            f"def process_step_{step}(client: bigquery.Client, rows: list, table: str) -> int:",
            f'    """Transform step {step} of the phase and load it in one job."""',
            "    batch = []",
            "    for row in rows:",
            f"        batch.append({{'game_id': row['game_id'], 'value': row.get('v{step}')}})",
            "    if batch:",
            "        client.load_table_from_json(batch, table).result()",
            "    query = 'SELECT COUNT(*) AS n FROM t WHERE game_date = @game_date'",
            "    client.query(query, job_config=None)",
            "    return len(batch)",
            "",
        ]
    out += ["# end of the phase's steps"] * (lines - 3 - len(out))
    out += ["def log_run(client, table, row):", "    client.load_table_from_json([row], table)", ""]
    return "\n".join(out) + "\n"


def _payload(project: Path, file: str, session: str, new_string: str) -> bytes:
    return json.dumps(
        {
            "session_id": session,
            "cwd": str(project),
            "hook_event_name": "PostToolUse",
            "tool_name": "Edit",
            "tool_input": {"file_path": str(project / file), "old_string": "x",
                           "new_string": new_string},
        }
    ).encode()  # fmt: skip


def _run(
    command: list[str], raw: bytes, env: dict[str, str], cwd: Path
) -> tuple[float, float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, input=raw, capture_output=True, env=env, cwd=cwd, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.returncode


def _summary(samples: list[tuple[float, float, int]]) -> dict[str, Any]:
    walls = [s[0] for s in samples]
    cpus = [s[1] for s in samples]
    return {
        "n": len(samples),
        "wall": {"median": statistics.median(walls), "min": min(walls), "max": max(walls)},
        "cpu": {"median": statistics.median(cpus), "min": min(cpus), "max": max(cpus)},
        "exit_codes": sorted({s[2] for s in samples}),
    }


def measure(reps: int = 20) -> dict[str, Any]:
    command = [*console_script(), "guard"]
    with tempfile.TemporaryDirectory(prefix="guard-speed-") as scratch:
        project = Path(scratch) / "pipeline"
        (project / "data_processors").mkdir(parents=True)
        (project / "data_processors" / "phase3.py").write_text(pipeline_module(), "utf-8")
        (project / "docs").mkdir()
        (project / "docs" / "notes.md").write_text("# Notes\n", "utf-8")
        profile = project / "pipeval.yaml"
        profile.write_text("extends: nba-props\n", "utf-8")
        env = {**os.environ, "PIPEVAL_CACHE_DIR": str(Path(scratch) / "cache")}
        env.pop("PIPEVAL_PROFILE", None)
        edit = "    client.load_table_from_json([row], table)"
        cases: dict[str, list[tuple[float, float, int]]] = {"warm": [], "cold": [], "markdown": []}
        for rep in range(reps):
            # a new session each time, so every run reports the same warning and does the same work
            raw = _payload(project, "data_processors/phase3.py", f"bench-{rep}", edit)
            profile.write_text(f"extends: nba-props\n# edit {rep}\n", "utf-8")  # facts go stale
            cases["cold"].append(_run(command, raw, env, project))
            raw = _payload(project, "data_processors/phase3.py", f"bench-warm-{rep}", edit)
            cases["warm"].append(_run(command, raw, env, project))
            note = _payload(project, "docs/notes.md", f"bench-{rep}", "# Notes")
            cases["markdown"].append(_run(command, note, env, project))
        lines = len((project / "data_processors" / "phase3.py").read_text().splitlines())
    return {"lines": lines, "reps": reps, "target_s": TARGET_S,
            **{name: _summary(samples) for name, samples in cases.items()}}  # fmt: skip


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def section(result: dict[str, Any]) -> str:
    warm = result["warm"]
    met = warm["wall"]["median"] <= result["target_s"]
    rows = [
        ("edit of a pipeline file (profile facts cached: every edit but the first)", warm),
        ("first edit after a profile change (the profile is validated)", result["cold"]),
        ("edit of a Markdown file (not pipeline code)", result["markdown"]),
    ]
    table = "\n".join(
        f"| {label} | {_ms(r['wall']['median'])} | {_ms(r['wall']['min'])} | "
        f"{_ms(r['wall']['max'])} | {_ms(r['cpu']['median'])} | "
        f"{', '.join(map(str, r['exit_codes']))} |"
        for label, r in rows
    )
    return f"""{BEGIN}
## Edit-time guard

`pipeval guard` as the Claude Code hook runs it: the console script, a PostToolUse payload on
stdin, one synthetic pipeline module of {result['lines']:,} lines with one one-row write to flag;
whole process, {result['reps']} runs per case, a new session each run. Target (issue #20): a
{result['lines']:,}-line file guarded in ≤ {_ms(result['target_s'])}:
**{'met' if met else 'not met'}** ({_ms(warm['wall']['median'])} median wall clock).

| case | median | min | max | CPU (user + sys) median | exit |
|---|---:|---:|---:|---:|---:|
{table}

Regenerate this section alone with `python -m benchmarks.guard_speed`.
{END}
"""  # fmt: skip


def splice(document: str, block: str) -> str:
    """`document` with its guard section replaced by `block` (added before "## Reproduce",
    or at the end, when it has none)."""
    if BEGIN in document and END in document:
        head, rest = document.split(BEGIN, 1)
        return head + block.rstrip("\n") + rest.split(END, 1)[1]
    anchor = "## Reproduce"
    if anchor in document:
        head, tail = document.split(anchor, 1)
        return f"{head}{block}\n{anchor}{tail}"
    return document.rstrip("\n") + "\n\n" + block


@click.command()
@click.option("--reps", type=click.IntRange(1), default=20, show_default=True)
@click.option("--output", type=click.Path(path_type=Path), default=DOCS, show_default=True)
def main(reps: int, output: Path) -> None:
    """Time the guard hook and rewrite its section of docs/benchmarks.md."""
    result = measure(reps)
    text = output.read_text("utf-8") if output.is_file() else "# Benchmarks\n"
    output.write_text(splice(text, section(result)), "utf-8")
    click.echo(json.dumps(result, indent=2), err=True)


if __name__ == "__main__":
    main()
