"""The lint suite: every `lint.<rule>` check over one scan of the given paths."""

from __future__ import annotations

import time

from pipeval.checks.lint import TARGET, checks_for, scan_report
from pipeval.lint.engine import LintTarget
from pipeval.query import Context
from pipeval.results import SuiteResult
from pipeval.suites.runner import run_suite


def run_lint(ctx: Context, target: LintTarget) -> SuiteResult:
    started = time.perf_counter()
    ctx.options[TARGET] = target
    # Scan before the checks run so that a bad PATH is bad input (exit 3), not a check ERROR.
    report = scan_report(ctx)
    described = {
        "paths": [str(path) for path in target.paths],
        "exclude": list(target.exclude),
        "include_tests": target.include_tests,
    }
    result = run_suite("lint", checks_for(ctx.profile), ctx, described)
    result.stats.update(
        files=report.files, parsed=report.parsed, query_wrappers=len(report.wrappers)
    )
    result.duration_s = time.perf_counter() - started  # the scan, not only the checks
    return result
