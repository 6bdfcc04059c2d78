"""The inputs of one coverage pair, and why each missing entity is missing.

Aggregated in the warehouse: per date, how many entities were expected and how many the target
covered, plus the exception rows only (the uncovered entities, and for them the lookups of the
same person that the date's lines or target use). Each is one statement for the whole date
range, whatever the number of dates; the reference tables (registry, aliases) are small and
read whole. Several checks asking for the same statement share it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from pipeval.identifiers import TableName
from pipeval.lazy import exp, sqlglot
from pipeval.metrics.entities import GroupDays, groups_query, read_groups, source_exprs
from pipeval.metrics.games import Schedule, load_schedule, schedule_query
from pipeval.metrics.identity import (
    Registry,
    aliases_query,
    load_registry,
    read_aliases,
    registry_query,
    variants,
)
from pipeval.ports import Row
from pipeval.profile.model import CoverageSpec, Profile
from pipeval.query import Context, Query
from pipeval.sqlcache import cached_sql
from pipeval.sqlkit import DIALECT, column, render

# Classification order: the first reason that applies is the entity's reason.
GAME_NOT_FINAL = "game_not_final"
UNRESOLVED_NAME = "unresolved_name"
NOT_IN_REGISTRY = "not_in_registry"
NO_LINE = "no_line"
UNKNOWN = "unknown"
# The target's phase, or one it reads, has no rows for the entity's game: it never ran for it.
PHASE_MISSING = "phase_missing"
REASONS = (GAME_NOT_FINAL, PHASE_MISSING, UNRESOLVED_NAME, NOT_IN_REGISTRY, NO_LINE, UNKNOWN)

# Per date: expected entities and how many the target covers; then one row per uncovered one.
COVERAGE_SQL = """
WITH expected AS (
  SELECT _e_xdate AS day, _e_xentity AS entity, MIN(_e_xkey) AS game_key
  FROM _t_expected
  WHERE _e_xdate BETWEEN @range_start AND @range_end AND _e_xentity IS NOT NULL AND _e_xfilter
  GROUP BY day, entity
),
target AS (
  SELECT DISTINCT _e_tdate AS day, _e_tentity AS entity
  FROM _t_target
  WHERE _e_tdate BETWEEN @range_start AND @range_end AND _e_tentity IS NOT NULL AND _e_tfilter
),
judged AS (
  SELECT e.day, e.entity, e.game_key, t.entity IS NOT NULL AS covered
  FROM expected AS e
  LEFT JOIN target AS t ON e.day = t.day AND e.entity = t.entity
)
SELECT day, CAST(NULL AS STRING) AS entity, CAST(NULL AS STRING) AS game_key,
  COUNT(*) AS expected, COUNTIF(covered) AS covered
FROM judged
GROUP BY day
UNION ALL
SELECT day, entity, game_key, NULL AS expected, NULL AS covered
FROM judged
WHERE NOT covered
"""

# For each uncovered entity: the lookups in use on its date (in the lines or the target) that
# may be the same person: itself, an alias-table partner, or a spelling that shares its stem
# (the lookup minus the longest suffix) and is at most one suffix longer. The stem test is a
# superset of `identity.variants`; the exact test is made on these few rows in Python.
RELATED_SQL = """
WITH expected AS (
  SELECT DISTINCT _e_xdate AS day, _e_xentity AS entity
  FROM _t_expected
  WHERE _e_xdate BETWEEN @range_start AND @range_end AND _e_xentity IS NOT NULL AND _e_xfilter
),
target AS (
  SELECT DISTINCT _e_tdate AS day, _e_tentity AS entity
  FROM _t_target
  WHERE _e_tdate BETWEEN @range_start AND @range_end AND _e_tentity IS NOT NULL AND _e_tfilter
),
lines AS (
  SELECT DISTINCT _e_ldate AS day, _e_lentity AS entity
  FROM _t_lines
  WHERE _e_ldate BETWEEN @range_start AND @range_end AND _e_lentity IS NOT NULL AND _e_lfilter
),
aliases AS (
  SELECT _e_alias AS alias_name, _e_canonical AS canonical_name
  FROM _t_aliases
  WHERE _e_alias IS NOT NULL AND _e_canonical IS NOT NULL
),
links AS (
  SELECT alias_name AS one, canonical_name AS other FROM aliases
  UNION ALL
  SELECT canonical_name AS one, alias_name AS other FROM aliases
),
missing AS (
  SELECT e.day, e.entity,
    SUBSTR(e.entity, 1, GREATEST(1, LENGTH(e.entity) - @suffix_length)) AS stem
  FROM expected AS e
  LEFT JOIN target AS t ON e.day = t.day AND e.entity = t.entity
  WHERE t.entity IS NULL
),
in_use AS (
  SELECT day, entity, MAX(in_lines) AS in_lines, MAX(in_target) AS in_target
  FROM (
    SELECT day, entity, 1 AS in_lines, 0 AS in_target FROM lines
    UNION ALL
    SELECT day, entity, 0 AS in_lines, 1 AS in_target FROM target
  ) AS used
  GROUP BY day, entity
)
SELECT DISTINCT m.day, m.entity, u.entity AS lookup, u.in_lines, u.in_target
FROM missing AS m
JOIN in_use AS u ON u.day = m.day
LEFT JOIN links AS l ON l.one = m.entity AND l.other = u.entity
WHERE u.entity = m.entity
  OR l.one IS NOT NULL
  OR (STARTS_WITH(u.entity, m.stem) AND LENGTH(u.entity) <= LENGTH(m.entity) + @suffix_length)
"""

# hygiene.registry_duplicates: the lookups used on each date (expected, target or lines) that
# may belong to a person with several universal ids. Candidates are registry lookups sharing a
# stem with a lookup of another id (a superset of `identity.duplicate_groups`' members).
IN_USE_SQL = """
WITH registry AS (
  SELECT DISTINCT _e_rentity AS entity, CAST(_e_uid AS STRING) AS uid
  FROM _t_registry
  WHERE _e_rentity IS NOT NULL
),
candidates AS (
  SELECT DISTINCT r1.entity
  FROM registry AS r1
  JOIN registry AS r2
    ON COALESCE(r1.uid, '') <> COALESCE(r2.uid, '')
    AND STARTS_WITH(
      r2.entity, SUBSTR(r1.entity, 1, GREATEST(1, LENGTH(r1.entity) - @suffix_length))
    )
),
expected AS (
  SELECT DISTINCT _e_xdate AS day, _e_xentity AS entity
  FROM _t_expected
  WHERE _e_xdate BETWEEN @range_start AND @range_end AND _e_xentity IS NOT NULL AND _e_xfilter
),
target AS (
  SELECT DISTINCT _e_tdate AS day, _e_tentity AS entity
  FROM _t_target
  WHERE _e_tdate BETWEEN @range_start AND @range_end AND _e_tentity IS NOT NULL AND _e_tfilter
),
lines AS (
  SELECT DISTINCT _e_ldate AS day, _e_lentity AS entity
  FROM _t_lines
  WHERE _e_ldate BETWEEN @range_start AND @range_end AND _e_lentity IS NOT NULL AND _e_lfilter
),
used AS (
  SELECT day, entity FROM expected
  UNION DISTINCT
  SELECT day, entity FROM target
  UNION DISTINCT
  SELECT day, entity FROM lines
)
SELECT DISTINCT u.day, u.entity
FROM used AS u
JOIN candidates AS c ON u.entity = c.entity
"""

# What a CTE becomes when the profile does not configure its table: no rows, same columns.
_EMPTY = {
    "lines": "SELECT CAST(NULL AS DATE) AS day, CAST(NULL AS STRING) AS entity LIMIT 0",
    "aliases": (
        "SELECT CAST(NULL AS STRING) AS alias_name, CAST(NULL AS STRING) AS canonical_name LIMIT 0"
    ),
}


@lru_cache(maxsize=16)
def _without(template: str, ctes: frozenset[str]) -> str:
    """The template with the named CTEs replaced by empty relations (in the parsed tree)."""
    if not ctes:
        return template
    tree = sqlglot.parse_one(template, read=DIALECT)
    for cte in tree.find_all(exp.CTE):
        if cte.alias in ctes:
            cte.set("this", sqlglot.parse_one(_EMPTY[cte.alias], read=DIALECT))
    return tree.sql(DIALECT)


def _suffix_length(spec: CoverageSpec) -> int:
    return max((len(suffix) for suffix in spec.diagnostics.suffixes), default=0)


def _diagnostic_slots(spec: CoverageSpec) -> tuple[dict[str, TableName], dict, frozenset[str]]:
    """Tables and expressions of the lines and aliases CTEs, and those left empty."""
    diag = spec.diagnostics
    tables: dict[str, TableName] = {}
    exprs: dict[str, exp.Expression] = {}
    empty = set()
    if diag.lines is not None:
        tables["lines"] = TableName.parse(diag.lines.table)
        exprs |= source_exprs(diag.lines, "l")
    else:
        empty.add("lines")
    if diag.aliases is not None:
        tables["aliases"] = TableName.parse(diag.aliases.table)
        exprs |= {"alias": column(diag.aliases.alias), "canonical": column(diag.aliases.canonical)}
    else:
        empty.add("aliases")
    return tables, exprs, frozenset(empty)


def _pair_slots(spec: CoverageSpec) -> tuple[dict[str, TableName], dict[str, exp.Expression]]:
    tables = {
        "expected": TableName.parse(spec.expected.table),
        "target": TableName.parse(spec.target.table),
    }
    return tables, {**source_exprs(spec.expected, "x"), **source_exprs(spec.target, "t")}


@cached_sql
def _coverage_sql(spec: CoverageSpec) -> str:
    return render(COVERAGE_SQL, *_pair_slots(spec))


@cached_sql
def _related_sql(spec: CoverageSpec) -> str:
    tables, exprs = _pair_slots(spec)
    more_tables, more_exprs, empty = _diagnostic_slots(spec)
    return render(_without(RELATED_SQL, empty), tables | more_tables, exprs | more_exprs)


@cached_sql
def _in_use_sql(spec: CoverageSpec) -> str:
    registry = spec.diagnostics.registry
    if registry is None or registry.universal_id is None:
        raise ValueError(f"coverage.{spec.name}: no registry with universal ids")
    tables, exprs = _pair_slots(spec)
    more_tables, more_exprs, empty = _diagnostic_slots(spec)
    tables |= {"registry": TableName.parse(registry.table), **more_tables}
    exprs |= {
        "rentity": column(registry.entity),
        "uid": column(registry.universal_id),
        **more_exprs,
    }
    return render(_without(IN_USE_SQL, empty - {"aliases"}), tables, exprs)


def in_use_query(spec: CoverageSpec, start: date, end: date) -> Query:
    """Lookups of possible registry duplicates used per date (hygiene.registry_duplicates)."""
    return Query.of(
        _in_use_sql(spec),
        label=f"in-use:{spec.name}",
        range_start=start,
        range_end=end,
        suffix_length=_suffix_length(spec),
    )


@dataclass(frozen=True)
class CoverageQueries:
    schedule: Query
    coverage: Query
    related: Query
    groups: Query | None
    registry: Query | None
    aliases: Query | None

    def all(self) -> list[Query]:
        queries = [self.schedule, self.coverage, self.related]
        queries += [q for q in (self.groups, self.registry, self.aliases) if q is not None]
        return queries


def coverage_queries(
    profile: Profile, spec: CoverageSpec, start: date, end: date
) -> CoverageQueries:
    lookback = profile.thresholds.coverage.system_lookback_days
    diag = spec.diagnostics
    target = spec.target
    return CoverageQueries(
        schedule=schedule_query(profile, start, end),
        coverage=Query.of(
            _coverage_sql(spec), label=f"coverage:{spec.name}", range_start=start, range_end=end
        ),
        related=Query.of(
            _related_sql(spec),
            label=f"related:{spec.name}",
            range_start=start,
            range_end=end,
            suffix_length=_suffix_length(spec),
        ),
        groups=(
            groups_query(target, start - timedelta(days=lookback), end) if target.group_by else None
        ),
        registry=registry_query(diag.registry) if diag.registry else None,
        aliases=aliases_query(diag.aliases) if diag.aliases else None,
    )


@dataclass(frozen=True)
class Uncovered:
    """An expected entity without a target row, and the same person's lookups in use that day."""

    entity: str
    game_key: str | None
    in_lines: bool = False
    # Related lookups (not the entity itself) used in the date's lines or target.
    related_in_use: frozenset[str] = frozenset()


@dataclass
class CoverageDays:
    expected: dict[date, int] = field(default_factory=dict)
    covered: dict[date, int] = field(default_factory=dict)
    uncovered: dict[date, list[Uncovered]] = field(default_factory=dict)


def read_coverage(rows: list[Row], related: list[Row]) -> CoverageDays:
    days = CoverageDays()
    games: dict[date, dict[str, str | None]] = defaultdict(dict)
    for row in rows:
        day = row["day"]
        if row["entity"] is None:
            days.expected[day] = int(row["expected"])
            days.covered[day] = int(row["covered"])
        else:
            games[day][row["entity"]] = row["game_key"]
    lines: set[tuple[date, str]] = set()
    in_use: dict[tuple[date, str], set[str]] = defaultdict(set)
    for row in related:
        key = (row["day"], row["entity"])
        if row["lookup"] == row["entity"]:
            if row["in_lines"]:
                lines.add(key)
        else:
            in_use[key].add(row["lookup"])
    for day, entities in games.items():
        days.uncovered[day] = [
            Uncovered(
                entity,
                entities[entity],
                (day, entity) in lines,
                frozenset(in_use.get((day, entity), ())),
            )
            for entity in sorted(entities)
        ]
    return days


@dataclass
class CoverageInputs:
    schedule: Schedule
    days: CoverageDays
    groups: GroupDays
    lines_configured: bool
    registry: Registry | None
    aliases: dict[str, set[str]] | None
    suffixes: list[str] = field(default_factory=list)


def load_inputs(ctx: Context, spec: CoverageSpec) -> CoverageInputs:
    """Parsed once per run and range, then shared by every date and check (ctx.memo)."""
    key = ("coverage-inputs", spec.name, ctx.start, ctx.end)

    def compute() -> CoverageInputs:
        queries = coverage_queries(ctx.profile, spec, ctx.start, ctx.end)
        diag = spec.diagnostics
        return CoverageInputs(
            schedule=load_schedule(ctx),
            days=read_coverage(ctx.fetch(queries.coverage), ctx.fetch(queries.related)),
            groups=read_groups(ctx.fetch(queries.groups)) if queries.groups else GroupDays(),
            lines_configured=spec.diagnostics.lines is not None,
            registry=load_registry(ctx, diag.registry) if diag.registry else None,
            aliases=read_aliases(ctx.fetch(queries.aliases)) if queries.aliases else None,
            suffixes=list(spec.diagnostics.suffixes),
        )

    return ctx.memo_get(key, compute)


def load_in_use(ctx: Context, spec: CoverageSpec) -> dict[date, set[str]]:
    """Per date, the possible registry duplicates' lookups in use, parsed once per run."""
    query = in_use_query(spec, ctx.start, ctx.end)

    def compute() -> dict[date, set[str]]:
        used: dict[date, set[str]] = defaultdict(set)
        for row in ctx.fetch(query):
            used[row["day"]].add(row["entity"])
        return dict(used)

    return ctx.memo_get(("in-use", query.key()), compute)


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
    if inputs.registry is not None and entity not in inputs.registry:
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
    registry = inputs.registry

    def evidence(others: set[str]) -> tuple[str, ...]:
        found = others & item.related_in_use if not item.in_lines else set()
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
