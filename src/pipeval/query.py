"""Query (defined with the ports it travels through), the query cache and the run context: the
layer below checks.

A check names `Query` objects (metrics for one table in one statement) and reads their rows from
the `Context`. Identical queries requested by several checks run once, and the runner may
prefetch them concurrently. Metrics import this module, never a check module; adapters know only
the ports.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from pipeval.clock import date_range
from pipeval.errors import PipevalError
from pipeval.invocation import Invocation
from pipeval.ports import Deployments, Query, QueryKey, Row, StateStore, Warehouse
from pipeval.profile import Profile

T = TypeVar("T")


class QueryCache:
    """Runs each distinct query once; remembers failures so each dependent check reports them."""

    def __init__(self, warehouse: Warehouse | None) -> None:
        self.warehouse = warehouse
        self._rows: dict[QueryKey, list[Row]] = {}
        self._errors: dict[QueryKey, PipevalError] = {}

    def fetch(self, query: Query) -> list[Row]:
        key = query.key()
        if key in self._errors:
            raise self._errors[key]
        if key not in self._rows:
            if self.warehouse is None:
                raise PipevalError("no warehouse configured: pass --warehouse URL")
            try:
                result = self.warehouse.query(query.sql, query.bound(), query.label, query.check)
                self._rows[key] = result.rows
            except PipevalError as err:
                self._errors[key] = err
                raise
        return self._rows[key]

    def peek(self, query: Query) -> list[Row] | None:
        """Rows this run already read for `query`, without sending it; None if it did not."""
        return self._rows.get(query.key())

    def prefetch(self, queries: Iterable[Query]) -> None:
        """Every query not fetched yet, in one batch; failures are kept for the checks."""
        pending = [q for q in dict.fromkeys(queries) if q.key() not in self._rows]
        if self.warehouse is None or not pending:
            return
        for key, outcome in self.warehouse.prefetch(pending).items():
            if isinstance(outcome, PipevalError):
                self._errors[key] = outcome
            else:
                self._rows[key] = outcome


@dataclass
class Context:
    profile: Profile
    as_of: datetime
    start: date
    end: date
    warehouse: Warehouse | None = None
    state: StateStore | None = None
    cache: QueryCache = field(init=False)
    options: dict[str, Any] = field(default_factory=dict)
    # The date a check judges. Queries cover start..end (the whole range of a historical run,
    # so they are issued once); `run` evaluates `day`. In daily runs day == start == end.
    day: date | None = None
    # Facts derived from query rows, shared by the checks of one run (e.g. per-date tables).
    memo: dict[Any, Any] = field(default_factory=dict)
    # Where the deployed services are described (--deploy) and the pipeline's clone (--repo).
    deployments: Deployments | None = None
    repo: Path | None = None
    # The options the run was given: every `pipeval …` command a check prints repeats them.
    invocation: Invocation = field(default_factory=Invocation)

    def __post_init__(self) -> None:
        self.cache = QueryCache(self.warehouse)
        if self.day is None:
            self.day = self.end

    @property
    def judged(self) -> date:
        return self.day if self.day is not None else self.end

    @property
    def dates(self) -> list[date]:
        return date_range(self.start, self.end)

    def fetch(self, query: Query) -> list[Row]:
        return self.cache.fetch(query)

    def peek(self, query: Query) -> list[Row] | None:
        """Rows another check of this run read, for evidence that must not cost a statement."""
        return self.cache.peek(query)

    def command(self, *args: object) -> str:
        """A copy-paste `pipeval ARGS` with this run's --profile/--warehouse/--state/--as-of."""
        return self.invocation.command(*args)

    def memo_get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The fact under `key`, computed once per run and shared by every check and date."""
        if key not in self.memo:
            self.memo[key] = compute()
        value: T = self.memo[key]
        return value

    def require_deployments(self) -> Deployments:
        if self.deployments is None:
            raise PipevalError(
                "no deployments configured: pass --deploy run://PROJECT or dir:///PATH"
            )
        return self.deployments

    def require_state(self) -> StateStore:
        if self.state is None:
            raise PipevalError("no state store configured: pass --state URL")
        return self.state
