"""`pipeval lint PATH...`: write patterns in pipeline code (code, not data: no warehouse)."""

from __future__ import annotations

from pathlib import Path

import click

from pipeval.cli.options import Options, common_options, finish, profile_and_time
from pipeval.lint.engine import LintTarget
from pipeval.query import Context
from pipeval.suites.lint import run_lint


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--exclude",
    "excludes",
    multiple=True,
    metavar="PATTERN",
    help=".gitignore-style pattern, relative to each PATH, of files to skip (repeatable).",
)
@click.option(
    "--include-tests",
    is_flag=True,
    help="Also scan tests/ folders, test_*.py and *_test.py (skipped by default).",
)
@common_options
def lint(
    opts: Options, paths: tuple[Path, ...], excludes: tuple[str, ...], include_tests: bool
) -> int:
    """Scan Python code for single-row writes, writes in loops and SQL built from strings.

    Findings name the file relative to its PATH and the line; `# pipeval: ignore[RULE]` on
    that line suppresses one. FAIL for a single-row write to a profile `lint_hot_tables`
    table, WARN otherwise.
    """
    profile, as_of = profile_and_time(opts)
    today = as_of.date()
    ctx = Context(profile=profile, as_of=as_of, start=today, end=today)
    target = LintTarget(paths=paths, exclude=excludes, include_tests=include_tests)
    return finish(run_lint(ctx, target), opts, "lint.md.j2")
