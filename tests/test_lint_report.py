"""`pipeval lint --format json`: the report's text is exactly the recorded one, and the command
imports only what linting needs.

The recorded text (tests/data/results/lint-tree.json) is the command's output on the
benchmark's generated tree plus a few files for the rarer findings (a parse error, a
suppression, non-ASCII text, a query wrapper in another file), with placeholders for the
tree's path, the run's duration, pipeval's version and the `stats` (counters other work adds
to). It was written before the report's speed work and must not change: re-record it
(`python -m tests.test_lint_report`) only for a deliberate change of a rule's findings or of
the generated tree, and say so.
"""

from __future__ import annotations

import gc
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from benchmarks.lint_speed import generate_tree

from pipeval.lint import engine, pool

RunCli = Callable[..., tuple[int, str, str]]
RECORDED = Path(__file__).parent / "data" / "results" / "lint-tree.json"
AS_OF = "2026-12-01T08:00:00Z"
ROOT = "<ROOT>"
DURATION = re.compile(r'"duration_s": [0-9.e-]+')
VERSION = re.compile(r'"pipeval_version": "[^"]*"')
STATS = re.compile(r'\n  "stats": \{\n.*?\n  \},', re.DOTALL)
EXTRA = {
    "extra/broken.py": "def f(:\n",
    "extra/suppressed.py": (
        "def log(client, table_id, record):\n"
        "    client.insert_rows_json(table_id, [record])  # pipeval: ignore[single-row-write]\n"
    ),
    "extra/accents.py": (
        "def rename(client, old, new):\n"
        "    client.query(f\"UPDATE t SET joueur = '{new}' WHERE joueur = '{old}'  -- é→è\")\n"
    ),
    "extra/bq.py": "def run_sql(client, statement):\n    return client.query(statement).result()\n",
    "extra/uses.py": (
        "from extra.bq import run_sql\n\n\n"
        "def purge(client, days):\n"
        "    for day in days:\n"
        "        run_sql(client, f\"DELETE FROM nba_raw.t WHERE game_date = '{day}'\")\n"
    ),
}


def build_tree(root: Path) -> Path:
    generate_tree(root, 24)
    for relative, text in EXTRA.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    return root


def placeholders(text: str, root: Path) -> str:
    text = DURATION.sub('"duration_s": 0', text.replace(str(root), ROOT))
    text = VERSION.sub('"pipeval_version": ""', text, count=1)
    return STATS.sub('\n  "stats": {},', text, count=1)


def lint_args(root: Path) -> list[str]:
    return ["lint", str(root), "--format", "json", "--as-of", AS_OF]


def test_the_json_text_is_the_recorded_one(tmp_path: Path, run_cli: RunCli) -> None:
    root = build_tree(tmp_path / "tree")
    code, out, err = run_cli(*lint_args(root))
    assert code == 2, err  # the hot single-row writes FAIL
    assert placeholders(out, root) == RECORDED.read_text(encoding="utf-8")


def test_written_to_a_file_the_text_is_the_same(tmp_path: Path, run_cli: RunCli) -> None:
    root = build_tree(tmp_path / "tree")
    report = tmp_path / "lint.json"
    code, out, err = run_cli(*lint_args(root), "--output", str(report))
    assert (code, out) == (2, ""), err
    text = report.read_text(encoding="utf-8")
    assert placeholders(text, root) == RECORDED.read_text(encoding="utf-8")
    findings = [f for c in json.loads(text)["checks"] for f in c["findings"]]
    assert {"path", "line", "rule"} <= set(findings[0]["data"])  # DESIGN.md's lint fields


def test_the_command_runs_with_the_cyclic_collector_paused(
    tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Linting, reading the workers' reports and writing the report add no cycles to collect
    (each parsed file breaks its own): the collector's passes over them are spared; it is on
    again after the command."""
    from pipeval.report import json_text

    seen: list[bool] = []
    dumps = json_text.dumps

    def spy(document: object) -> str:
        seen.append(gc.isenabled())
        return dumps(document)

    monkeypatch.setattr(json_text, "dumps", spy)
    assert gc.isenabled()
    code, _, err = run_cli(*lint_args(build_tree(tmp_path / "tree")))
    assert code == 2, err
    assert seen == [False]
    assert gc.isenabled()


# What `pipeval lint` never needs: the warehouse and state adapters, SQL rendering and the
# profile's validation (a warm run reads the stored profile), Markdown rendering, cloud clients;
# and where it forks its workers (pipeval.lint.pool), no concurrent.futures or multiprocessing.
NOT_FOR_LINT = (
    "pipeval.adapters",
    "pipeval.sqlkit",
    "sqlglot",
    "pydantic",
    "yaml",
    "jinja2",
    "rich",
    "google",
    "duckdb",
    *(("concurrent.futures", "multiprocessing") if pool.FORKS else ()),
)
PROBE = (
    "import sys, json\n"
    "from pipeval.cli.main import main\n"
    "try:\n"
    "    main(sys.argv[1:])\n"
    "except SystemExit:\n"
    "    pass\n"
    f"watched = {NOT_FOR_LINT!r}\n"
    "print(json.dumps(sorted(w for w in watched"
    " if any(m == w or m.startswith(w + '.') for m in sys.modules))))\n"
)


def test_a_warm_lint_run_imports_nothing_it_does_not_need(tmp_path: Path) -> None:
    root = build_tree(tmp_path / "tree")
    for index in range(engine.POOL_MIN_FILES):  # enough files for the workers
        (root / "more" / f"m{index}.py").parent.mkdir(parents=True, exist_ok=True)
        (root / "more" / f"m{index}.py").write_text("x = 1\n", encoding="utf-8")
    env = {**os.environ, "PIPEVAL_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-c", PROBE, *lint_args(root), "--output", str(tmp_path / "r")]
    cold = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert "pydantic" in json.loads(cold.stdout), cold.stderr  # the first run validates
    warm = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert json.loads(warm.stdout) == [], warm.stderr
    report = json.loads((tmp_path / "r").read_text(encoding="utf-8"))
    assert report["stats"]["files"] == 29 + engine.POOL_MIN_FILES  # all linted, in the pool


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        tree = build_tree(Path(scratch) / "tree")
        done = subprocess.run(
            [sys.executable, "-m", "pipeval", *lint_args(tree)],
            capture_output=True,
            text=True,
            check=False,
        )
        RECORDED.write_text(placeholders(done.stdout, tree), encoding="utf-8")
