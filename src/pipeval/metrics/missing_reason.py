"""Why an entity the coverage pair expected is missing: the first reason that applies, from the
facts `metrics/coverage.py` fetched for it (the schedule, the phases lacking its game, the
lookups of the same person in use or registered)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pipeval.metrics.coverage import CoverageInputs, Uncovered
from pipeval.metrics.identity import variants

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
class Missing:
    entity: str
    reason: str
    # For an unresolved name: the other lookups of the same person, and how they were found.
    related: tuple[str, ...] = ()
    via: str = ""


def classify(
    item: Uncovered,
    day: date,
    inputs: CoverageInputs,
    expects: str,
    phase_gaps: dict[str, tuple[str, ...]] | None = None,
) -> Missing:
    """The first reason that applies, in the order of REASONS. `phase_gaps`: game key -> the
    phases (the target's and those it reads) that hold no rows for that game on `day`."""
    entity = item.entity
    game = item.game_key
    if expects == "final" and game is not None and not inputs.schedule.is_final(day, game):
        return Missing(entity, GAME_NOT_FINAL)
    if phase_gaps and game is not None and game in phase_gaps:
        return Missing(entity, PHASE_MISSING, phase_gaps[game], "phase")
    split = _name_split(item, inputs)
    if split is not None:
        return split
    if inputs.registry_configured and not item.in_registry:
        return Missing(entity, NOT_IN_REGISTRY)
    if inputs.lines_configured and not item.in_lines:
        return Missing(entity, NO_LINE)
    return Missing(entity, UNKNOWN)


def _name_split(item: Uncovered, inputs: CoverageInputs) -> Missing | None:
    """The same person under another lookup (alias row or generational suffix), with evidence
    that the split bit on this date: the entity has no line under its own lookup while the
    other one has a line or a target row, or the registry knows only the other one. An alias
    row alone proves nothing: on a day everything was lost, its player is simply lost too."""
    entity = item.entity
    unregistered = inputs.registry_configured and not item.in_registry

    def evidence(others: frozenset[str] | set[str]) -> tuple[str, ...]:
        found = others & item.related_in_use if not item.in_lines else set()
        if unregistered:
            found |= others & item.related_registered
        return tuple(sorted(found))

    aliased = evidence(item.aliased)
    if aliased:
        return Missing(entity, UNRESOLVED_NAME, aliased, "alias")
    spelled = evidence(variants(entity, inputs.suffixes))
    if spelled:
        return Missing(entity, UNRESOLVED_NAME, spelled, "suffix")
    return None
