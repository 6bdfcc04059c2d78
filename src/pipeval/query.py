"""Query (defined with the ports it travels through), the query cache and the run context: the
layer below checks.

A check names `Query` objects (metrics for one table in one statement) and reads their rows from
the `Context`. Identical queries requested by several checks run once, and the runner may
prefetch them concurrently; queries that say how (`Batch`) are prefetched as one combined
statement, and on their own when it fails, so a table that cannot be read fails only its own
checks (the fallback is counted, with its reason, in the warehouse's `stats`). Metrics import
this module, never a check module; adapters know only the ports.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from pipeval.clock import date_range
from pipeval.errors import PipevalError, first_line
from pipeval.invocation import Invocation
from pipeval.ports import (
    Deployments,
    Query,
    QueryKey,
    QueryStats,
    Row,
    StateStore,
    Warehouse,
)
from pipeval.profile import Profile
from pipeval.redact import redact_text

T = TypeVar("T")


@dataclass(frozen=True)
class Combined:
    """One statement sent in the place of `parts`, queries of one `Batch` group."""

    query: Query
    parts: tuple[Query, ...]

    def split(self, rows: list[Row]) -> dict[QueryKey, list[Row]] | None:
        """Each part's rows as its own statement returns them (the rows tagged with its
        position, its own columns only); None when the rows are not this statement's answer
        (an engine or a stand-in that answered something else)."""
        found: list[list[Row]] = [[] for _ in self.parts]
        columns = [part.batch.columns if part.batch else () for part in self.parts]
        try:
            for row in rows:
                position = row["part"]
                wanted = columns[position]
                found[position].append({name: row[name] for name in wanted})
        except (KeyError, IndexError, TypeError):
            return None
        return {part.key(): part_rows for part, part_rows in zip(self.parts, found, strict=True)}


def combine(queries: Iterable[Query]) -> list[Query | Combined]:
    """What to send for `queries` (distinct): two or more of one `Batch` group as one
    `Combined`, in the place of the first of them; every other query as it is. A group whose
    statement cannot be built (a profile expression that does not parse) goes as its queries,
    each then failing on its own."""
    groups: dict[Hashable, list[Query]] = {}
    order: list[Query | Hashable] = []  # a query, or a group in the place of its first query
    for query in queries:
        if query.batch is None:
            order.append(query)
        else:
            members = groups.setdefault(query.batch.group, [])
            if not members:
                order.append(query.batch.group)
            members.append(query)
    sent: list[Query | Combined] = []
    for unit in order:
        sent.extend([unit] if isinstance(unit, Query) else _combined(groups[unit]))
    return sent


def _combined(parts: list[Query]) -> list[Query | Combined]:
    first = parts[0].batch
    if len(parts) < 2 or first is None:
        return list(parts)
    members = tuple(part.batch.member for part in parts if part.batch is not None)
    try:
        statement = first.combine(first.group, members)
    except PipevalError:
        return list(parts)
    # Tagged like its first part: a BigQuery job is labelled with the check that asked.
    return [Combined(replace(statement, check=parts[0].check), tuple(parts))]


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
        """Every query not fetched yet, in one batch (a `Batch` group as one statement);
        failures are kept for the checks."""
        pending = [q for q in dict.fromkeys(queries) if q.key() not in self._rows]
        if self.warehouse is None or not pending:
            return
        units = combine(pending)
        sent = [unit.query if isinstance(unit, Combined) else unit for unit in units]
        outcomes = self.warehouse.prefetch(sent)
        alone: list[Query] = []
        for unit in units:
            if not isinstance(unit, Combined):
                continue
            outcome = outcomes.pop(unit.query.key(), None)
            split = (
                None
                if outcome is None or isinstance(outcome, PipevalError)
                else unit.split(outcome)
            )
            if split is None:
                # Isolation: a missing table or column fails the one statement, so each part
                # is asked on its own and reports its own error, as if never combined. Counted
                # and kept with its reason: the run paid for the failed statement too.
                _fell_back(self.warehouse.stats, unit, outcome)
                alone.extend(unit.parts)
            else:
                self._rows.update(split)
        self._keep(outcomes)
        if alone:
            self._keep(self.warehouse.prefetch(alone))

    def _keep(self, outcomes: dict[QueryKey, list[Row] | PipevalError]) -> None:
        for key, outcome in outcomes.items():
            if isinstance(outcome, PipevalError):
                self._errors[key] = outcome
            else:
                self._rows[key] = outcome


def _fell_back(stats: QueryStats, unit: Combined, outcome: list[Row] | PipevalError | None) -> None:
    """Count a combined statement whose members are sent alone, with why (`stats.fallbacks`)."""
    label = unit.query.label or "combined statement"
    if isinstance(outcome, PipevalError):
        reason = first_line(outcome)
    elif outcome is None:
        reason = f"query ({label}) got no answer"
    else:
        reason = f"query ({label}) answered rows without a `part` column"
    stats.fallbacks += 1
    # Shown in reports like a check's error: backend messages can quote URLs or keys.
    stats.fallback_reasons.append(redact_text(reason))


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
