"""The quota suite: the four quota checks, plus the backfill estimate when a range is given."""

from __future__ import annotations

from datetime import date
from typing import Any

from pipeval.checks import checks_for
from pipeval.checks.base import Check
from pipeval.checks.quota_backfill import BackfillFit
from pipeval.query import Context
from pipeval.results import SuiteResult
from pipeval.suites.dry_run import QueryPlan, plan
from pipeval.suites.runner import run_suite

Range = tuple[date, date]


def quota_checks(ctx: Context, backfill: Range | None) -> tuple[list[Check], dict[str, Any]]:
    checks: list[Check] = list(checks_for(ctx.profile, "quota"))
    target: dict[str, Any] = {"window_hours": ctx.profile.thresholds.quota.window_hours}
    if backfill is not None:
        checks.append(BackfillFit(*backfill))
        target["backfill"] = {"start": backfill[0].isoformat(), "end": backfill[1].isoformat()}
    return checks, target


def run_quota(ctx: Context, backfill: Range | None = None) -> SuiteResult:
    checks, target = quota_checks(ctx, backfill)
    return run_suite("quota", checks, ctx, target)


def plan_quota(ctx: Context, backfill: Range | None = None) -> QueryPlan:
    """`--dry-run`: the queries `run_quota` would send, priced, none run."""
    checks, target = quota_checks(ctx, backfill)
    return plan("quota", checks, ctx, target)
