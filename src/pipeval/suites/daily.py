"""The daily suite: every configured check for one validation date."""

from __future__ import annotations

from datetime import date

from pipeval.checks import DAILY_FAMILIES, select_checks
from pipeval.checks.base import Context
from pipeval.results import SuiteResult
from pipeval.suites.runner import run_suite


def run_daily(ctx: Context, day: date, checks: str | None = None) -> SuiteResult:
    ctx.start = ctx.end = ctx.day = day
    selected = select_checks(ctx.profile, checks, DAILY_FAMILIES)
    return run_suite("daily", selected, ctx, {"date": day.isoformat()})
