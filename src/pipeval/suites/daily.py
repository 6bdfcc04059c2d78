"""The daily suite: every configured check for one validation date."""

from __future__ import annotations

from datetime import date

from pipeval.checks import DAILY_FAMILIES, select_checks
from pipeval.checks.base import Check
from pipeval.diagnosis import diagnose
from pipeval.query import Context
from pipeval.results import SuiteResult
from pipeval.suites.dry_run import QueryPlan, plan
from pipeval.suites.runner import run_suite


def daily_checks(ctx: Context, day: date, checks: str | None = None) -> list[Check]:
    ctx.start = ctx.end = ctx.day = day
    # deploy.drift joins the defaults when there is somewhere to read deployments from.
    families = DAILY_FAMILIES + (("deploy",) if ctx.deployments is not None else ())
    return select_checks(ctx.profile, checks, families)


def run_daily(ctx: Context, day: date, checks: str | None = None) -> SuiteResult:
    selected = daily_checks(ctx, day, checks)
    result = run_suite("daily", selected, ctx, {"date": day.isoformat()})
    result.diagnosis = diagnose(result.checks, ctx.profile, day, ctx.as_of, ctx.invocation)
    return result


def plan_daily(ctx: Context, day: date, checks: str | None = None) -> QueryPlan:
    """`--dry-run`: the queries `run_daily` would send, priced, none run."""
    return plan("daily", daily_checks(ctx, day, checks), ctx, {"date": day.isoformat()})
