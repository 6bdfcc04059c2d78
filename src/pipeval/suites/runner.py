"""Run a list of checks against one context: prefetch their batched queries, isolate failures
(`run_check`, in checks/base.py so history/verify.py below the suites can use it too)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from pipeval import __version__
from pipeval.checks.base import Check, run_check
from pipeval.query import Context, Query
from pipeval.results import CheckResult, SuiteResult


def prefetch(checks: list[Check], ctx: Context, extra: Iterable[Query] = ()) -> None:
    """Every query the checks declare, plus `extra` ones the suite itself reads, in one batch."""
    queries: list[Query] = list(extra)
    for check in checks:
        try:
            # Tagged with the asking check: BigQuery jobs carry it as a label.
            queries.extend(replace(q, check=q.check or check.id) for q in check.queries(ctx))
        except Exception:
            continue
    ctx.cache.prefetch(queries)


def suite_result(
    suite: str,
    ctx: Context,
    target: dict[str, Any],
    checks: list[CheckResult],
    started: float,
    extra: dict[str, Any] | None = None,
) -> SuiteResult:
    """Assemble the result document: the checks plus what the warehouse counted."""
    stats = ctx.warehouse.stats if ctx.warehouse is not None else None
    return SuiteResult(
        suite=suite,
        as_of=ctx.as_of,
        target=target,
        warehouse=ctx.warehouse.url if ctx.warehouse is not None else None,
        checks=checks,
        stats={
            "queries": stats.queries if stats else 0,
            "bytes_processed": stats.bytes_processed if stats else 0,
            "rows_fetched": stats.rows_fetched if stats else 0,
            # Combined statements that failed and had their members sent alone, and why: a
            # run that paid for them is told so (README "stats"), a healthy run says 0 and [].
            "fallbacks": stats.fallbacks if stats else 0,
            "fallback_reasons": list(stats.fallback_reasons) if stats else [],
        },
        duration_s=time.perf_counter() - started,
        pipeval_version=__version__,
        extra=extra or {},
    )


def run_suite(suite: str, checks: list[Check], ctx: Context, target: dict[str, Any]) -> SuiteResult:
    started = time.perf_counter()
    prefetch(checks, ctx)
    return suite_result(suite, ctx, target, [run_check(check, ctx) for check in checks], started)


__all__ = ["prefetch", "run_check", "run_suite", "suite_result"]
