"""The inputs of one coverage pair, and why each missing entity is missing.

Queries: the schedule, the expected and target entities (the target over a look-back window for
per-system history), and the diagnostic sources (lines, registry, aliases). Each is one
statement for the whole date range; several checks asking for the same one share it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from pipeval.metrics.entities import EntityDays, entities_query, read_entities
from pipeval.metrics.games import Schedule, load_schedule, schedule_query
from pipeval.metrics.identity import (
    Registry,
    aliases_query,
    read_aliases,
    read_registry,
    registry_query,
    variants,
)
from pipeval.profile.model import CoverageSpec, Profile
from pipeval.query import Context, Query

# Classification order: the first reason that applies is the entity's reason.
GAME_NOT_FINAL = "game_not_final"
UNRESOLVED_NAME = "unresolved_name"
NOT_IN_REGISTRY = "not_in_registry"
NO_LINE = "no_line"
UNKNOWN = "unknown"
# The target's phase, or one it reads, has no rows for the entity's game: it never ran for it.
PHASE_MISSING = "phase_missing"
REASONS = (GAME_NOT_FINAL, PHASE_MISSING, UNRESOLVED_NAME, NOT_IN_REGISTRY, NO_LINE, UNKNOWN)


@dataclass(frozen=True)
class CoverageQueries:
    schedule: Query
    expected: Query
    target: Query
    lines: Query | None
    registry: Query | None
    aliases: Query | None

    def all(self) -> list[Query]:
        queries = [self.schedule, self.expected, self.target]
        queries += [q for q in (self.lines, self.registry, self.aliases) if q is not None]
        return queries


def coverage_queries(
    profile: Profile, spec: CoverageSpec, start: date, end: date
) -> CoverageQueries:
    lookback = profile.thresholds.coverage.system_lookback_days
    diag = spec.diagnostics
    return CoverageQueries(
        schedule=schedule_query(profile, start, end),
        expected=entities_query(spec.expected, start, end),
        target=entities_query(spec.target, start - timedelta(days=lookback), end),
        lines=entities_query(diag.lines, start, end) if diag.lines else None,
        registry=registry_query(diag.registry) if diag.registry else None,
        aliases=aliases_query(diag.aliases) if diag.aliases else None,
    )


@dataclass
class CoverageInputs:
    schedule: Schedule
    expected: EntityDays
    target: EntityDays
    lines: EntityDays | None
    registry: Registry | None
    aliases: dict[str, set[str]] | None
    suffixes: list[str] = field(default_factory=list)

    def seen_on(self, day: date) -> set[str]:
        """Every lookup the date's data uses: expected, target and lines."""
        seen = self.expected.on(day) | self.target.on(day)
        return seen | (self.lines.on(day) if self.lines else set())


def load_inputs(ctx: Context, spec: CoverageSpec) -> CoverageInputs:
    """Parsed once per run and range, then shared by every date and check (ctx.memo)."""
    key = ("coverage-inputs", spec.name, ctx.start, ctx.end)

    def compute() -> CoverageInputs:
        queries = coverage_queries(ctx.profile, spec, ctx.start, ctx.end)
        return CoverageInputs(
            schedule=load_schedule(ctx),
            expected=read_entities(ctx.fetch(queries.expected)),
            target=read_entities(ctx.fetch(queries.target)),
            lines=read_entities(ctx.fetch(queries.lines)) if queries.lines else None,
            registry=read_registry(ctx.fetch(queries.registry)) if queries.registry else None,
            aliases=read_aliases(ctx.fetch(queries.aliases)) if queries.aliases else None,
            suffixes=list(spec.diagnostics.suffixes),
        )

    return ctx.memo_get(key, compute)


@dataclass(frozen=True)
class Missing:
    entity: str
    reason: str
    # For an unresolved name: the other lookups of the same person, and how they were found.
    related: tuple[str, ...] = ()
    via: str = ""


def classify(
    entity: str,
    day: date,
    inputs: CoverageInputs,
    expects: str,
    phase_gaps: dict[str, tuple[str, ...]] | None = None,
) -> Missing:
    """The first reason that applies, in the order of REASONS. `phase_gaps`: game key -> the
    phases (the target's and those it reads) that hold no rows for that game on `day`."""
    if expects == "final" and not _game_final(entity, day, inputs):
        return Missing(entity, GAME_NOT_FINAL)
    game = inputs.expected.game_of(day, entity)
    if phase_gaps and game is not None and game in phase_gaps:
        return Missing(entity, PHASE_MISSING, phase_gaps[game], "phase")
    split = _name_split(entity, day, inputs)
    if split is not None:
        return split
    if inputs.registry is not None and entity not in inputs.registry:
        return Missing(entity, NOT_IN_REGISTRY)
    if inputs.lines is not None and entity not in inputs.lines.on(day):
        return Missing(entity, NO_LINE)
    return Missing(entity, UNKNOWN)


def _name_split(entity: str, day: date, inputs: CoverageInputs) -> Missing | None:
    """The same person under another lookup (alias row or generational suffix), with evidence
    that the split bit on this date: the entity has no line under its own lookup while the
    other one has a line or a target row, or the registry knows only the other one. An alias
    row alone proves nothing: on a day everything was lost, its player is simply lost too."""
    lines = inputs.lines.on(day) if inputs.lines else set()
    in_use = lines | inputs.target.on(day)
    registry = inputs.registry

    def evidence(others: set[str]) -> tuple[str, ...]:
        found = others & in_use if entity not in lines else set()
        if registry is not None and entity not in registry:
            found |= {other for other in others if other in registry}
        return tuple(sorted(found))

    aliased = evidence(inputs.aliases.get(entity, set()) if inputs.aliases else set())
    if aliased:
        return Missing(entity, UNRESOLVED_NAME, aliased, "alias")
    spelled = evidence(variants(entity, inputs.suffixes))
    if spelled:
        return Missing(entity, UNRESOLVED_NAME, spelled, "suffix")
    return None


def _game_final(entity: str, day: date, inputs: CoverageInputs) -> bool:
    game = inputs.expected.game_of(day, entity)
    status = {g.key: g.final for g in inputs.schedule.on(day)}
    # A game the schedule does not know cannot be pending: the entity is simply missing.
    return status.get(game, True) if game is not None else True
