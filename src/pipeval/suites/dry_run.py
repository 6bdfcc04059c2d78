"""`--dry-run`: every query a suite would send, with BigQuery's byte estimate, and nothing run.

The list comes from the same place the runner prefetches from (each selected check's
`queries(ctx)`), combined as the query cache combines them (`pipeval.query.combine`: e.g. every
phase table's presence in one statement), so what the dry run shows is exactly what a real run
sends. BigQuery prices each query with a free dry-run job; the embedded DuckDB warehouse has no
estimate to give. A combined statement BigQuery refuses to price, or whose estimate is over the
profile's `maximum_bytes_billed` (applied per job), would fail in the real run, which then sends
its parts on their own: those are listed and priced after it, and the plan counts the fallback
(`fallbacks`, as a real run's `stats.fallbacks`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from pipeval.checks.base import Check
from pipeval.errors import PipevalError, first_line
from pipeval.query import Combined, Context, Query, combine
from pipeval.results import jsonable

SUITE = "(suite)"  # a query the suite reads itself rather than for one check
NO_ESTIMATE = "this warehouse gives no byte estimate (embedded DuckDB): queries are listed only"


@dataclass
class PlannedQuery:
    query: Query
    checks: list[str] = field(default_factory=list)
    estimated_bytes: int | None = None
    error: str | None = None
    # The statements a combined one stands for, sent on their own only if it fails.
    parts: list[PlannedQuery] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.query.label,
            "checks": self.checks,
            "sql": self.query.sql,
            "params": self.query.bound(),
            "estimated_bytes": self.estimated_bytes,
            "error": self.error,
            "combines": [part.query.label for part in self.parts],
        }


@dataclass
class QueryPlan:
    suite: str
    ctx: Context
    target: dict[str, Any]
    queries: list[PlannedQuery]
    undeclared: dict[str, str]
    estimated: bool

    @property
    def total_bytes(self) -> int | None:
        if not self.estimated:
            return None
        return sum(planned.estimated_bytes or 0 for planned in self.queries)

    @property
    def errors(self) -> list[str]:
        """What the real run would report as ERROR: not a combined statement's failure (its
        parts are then sent alone, listed after it with their own errors: a fallback)."""
        failed = [
            f"{p.query.label or 'query'}: {p.error}"
            for p in self.queries
            if p.error and not p.parts
        ]
        return failed + [f"{check}: {reason}" for check, reason in self.undeclared.items()]

    @property
    def fallbacks(self) -> int:
        """Combined statements a real run would see fail, then send each of their parts alone."""
        return sum(1 for planned in self.queries if planned.parts and planned.error)

    @property
    def exit_code(self) -> int:
        # A query BigQuery refuses to price (or over the byte cap) would be an ERROR in the
        # real run; a fallback alone would not, as in the run.
        return 3 if self.errors else 0

    def to_dict(self) -> dict[str, Any]:
        warehouse = self.ctx.warehouse
        return jsonable(
            {
                "suite": self.suite,
                "dry_run": True,
                "as_of": self.ctx.as_of,
                "target": self.target,
                "warehouse": warehouse.url if warehouse is not None else None,
                "estimated": self.estimated,
                "note": "" if self.estimated else NO_ESTIMATE,
                "total_estimated_bytes": self.total_bytes,
                "queries": [planned.to_dict() for planned in self.queries],
                "errors": self.errors,
                "fallbacks": self.fallbacks,
            }
        )


def declared_queries(
    checks: list[Check], ctx: Context, extra: Iterable[Query] = ()
) -> tuple[list[PlannedQuery], dict[str, str]]:
    """Distinct statements in first-asked order, combined as the query cache sends them, each
    with the checks that need it; `extra` are those the suite itself reads (as passed to the
    runner's prefetch)."""
    planned: dict[Any, PlannedQuery] = {
        query.key(): PlannedQuery(query, [SUITE]) for query in extra
    }
    undeclared: dict[str, str] = {}
    for check in checks:
        try:
            asked = check.queries(ctx)
        except Exception as err:
            undeclared[check.id] = first_line(err)
            continue
        for query in asked:
            entry = planned.setdefault(
                query.key(), PlannedQuery(replace(query, check=query.check or check.id))
            )
            if check.id not in entry.checks:
                entry.checks.append(check.id)
    statements = [_planned(unit, planned) for unit in combine(p.query for p in planned.values())]
    return statements, undeclared


def _planned(unit: Query | Combined, planned: dict[Any, PlannedQuery]) -> PlannedQuery:
    if not isinstance(unit, Combined):
        return planned[unit.key()]
    parts = [planned[part.key()] for part in unit.parts]
    checks = list(dict.fromkeys(check for part in parts for check in part.checks))
    return PlannedQuery(unit.query, checks, parts=parts)


def _price(queries: list[PlannedQuery], outcomes: dict[Any, int | PipevalError], cap: int) -> None:
    for planned in queries:
        outcome = outcomes.get(planned.query.key())
        if isinstance(outcome, PipevalError):
            planned.error = first_line(outcome)
        elif outcome is not None and outcome > cap:
            # Billed bytes are at least the processed ones: the real job is refused for sure
            # (nothing billed), as BigQuery's own message in the run says.
            label = f" ({planned.query.label})" if planned.query.label else ""
            planned.error = (
                f"query{label} would process {outcome:,} bytes, over maximum_bytes_billed "
                f"{cap:,} (profile warehouse.maximum_bytes_billed): not run"
            )
        else:
            planned.estimated_bytes = outcome


def plan(
    suite: str,
    checks: list[Check],
    ctx: Context,
    target: dict[str, Any],
    extra: Iterable[Query] = (),
) -> QueryPlan:
    queries, undeclared = declared_queries(checks, ctx, extra)
    warehouse = ctx.warehouse
    outcomes = None
    if warehouse is not None:
        outcomes = warehouse.estimate_all([planned.query for planned in queries])
    if warehouse is not None and outcomes is not None:
        cap = ctx.profile.warehouse.maximum_bytes_billed
        _price(queries, outcomes, cap)
        alone = [part for planned in queries if planned.error for part in planned.parts]
        if alone:
            # As the real run would: the parts of a statement that fails, each on its own.
            _price(alone, warehouse.estimate_all([part.query for part in alone]) or {}, cap)
            queries = [
                listed
                for planned in queries
                for listed in ([planned, *planned.parts] if planned.error else [planned])
            ]
    return QueryPlan(suite, ctx, target, queries, undeclared, outcomes is not None)
