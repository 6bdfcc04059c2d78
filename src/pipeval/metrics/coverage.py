"""The inputs of one coverage pair (why each missing entity is missing: missing_reason.py).

Aggregated in the warehouse, in one statement per coverage pair for the whole date range: per
date, how many entities were expected, how many the target covered and how many each group
(system) covered, plus the exception rows only (the uncovered entities, each with the lookups of
the same person that the date's lines or target use or the registry holds). The reference
tables are joined in the statement, never fetched. Several checks asking for it share it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from pipeval.identifiers import TableName
from pipeval.lazy import exp, sqlglot
from pipeval.metrics.entities import GroupDays, source_exprs
from pipeval.metrics.games import Schedule, load_schedule, schedule_query
from pipeval.metrics.identity import Registry, read_registry
from pipeval.ports import Row
from pipeval.profile.model import CoverageSpec, Profile
from pipeval.query import Context, Query
from pipeval.sqlcache import cached_sql
from pipeval.sqlkit import DIALECT, column, render

# One statement per coverage pair. Per date: expected entities, how many the target covers and
# (when the target is grouped, e.g. per system) how many each group covers, packed into the row;
# the group counts reach back to @groups_start for the look-back days. Then one row per uncovered
# entity with its related lookups packed: the lookups that may be the same person (itself, an
# alias-table partner, or a spelling that shares its stem, the lookup minus the longest suffix,
# and is at most one suffix longer) and that are in use on its date (lines or target) or in the
# registry. The stem test is a superset of `identity.variants`; the exact test is made on these
# few lookups in Python. Registry membership is decided here: the registry is never fetched.
# `wanted`: per uncovered entity, its stem (`partner` NULL) and each alias partner, keyed by the
# first letter a match must have; `candidates` joins them once to the lookups in use and once
# to the registry (spellings sharing the stem, the entity itself among them, or the partner).
# Equality on the first letter keeps these joins small (a day's uncovered entities times its
# lookups in use otherwise; implied by the stem test: a stem has at least one letter). `in_use`
# holds only the dates with an uncovered entity (most have none: 2 of 167 on the season sample,
# 660 rows joined instead of 88,000) and is not de-duplicated: `related` groups by lookup.
# CHAR_LENGTH/LEFT/IF, not LENGTH/SUBSTR/GREATEST: they transpile to DuckDB's plain functions
# (LENGTH and GREATEST become type and NULL guards there).
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
groups AS (
  SELECT day, ARRAY_AGG(STRUCT(grp AS grp, entities AS entities)) AS groups
  FROM (
    SELECT _e_tdate AS day, _e_tgroup AS grp, COUNT(DISTINCT _e_tentity) AS entities
    FROM _t_target
    WHERE _e_tdate BETWEEN @groups_start AND @range_end AND _e_tentity IS NOT NULL AND _e_tfilter
    GROUP BY day, grp
  ) AS per_group
  GROUP BY day
),
judged AS (
  SELECT e.day, e.entity, e.game_key, t.entity IS NOT NULL AS covered
  FROM expected AS e
  LEFT JOIN target AS t ON e.day = t.day AND e.entity = t.entity
),
totals AS (
  SELECT day, COUNT(*) AS expected, COUNTIF(covered) AS covered
  FROM judged
  GROUP BY day
),
lines AS (
  SELECT _e_ldate AS day, _e_lentity AS entity
  FROM _t_lines
  WHERE _e_ldate BETWEEN @range_start AND @range_end AND _e_lentity IS NOT NULL AND _e_lfilter
),
registry AS (
  SELECT DISTINCT _e_rentity AS entity
  FROM _t_registry
  WHERE _e_rentity IS NOT NULL
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
  SELECT day, entity, game_key,
    CHAR_LENGTH(entity) + @suffix_length AS longest,
    LEFT(entity, IF(CHAR_LENGTH(entity) - @suffix_length > 1,
      CHAR_LENGTH(entity) - @suffix_length, 1)) AS stem
  FROM judged
  WHERE NOT covered
),
wanted AS (
  SELECT day, entity, LEFT(entity, 1) AS initial, stem, longest,
    CAST(NULL AS STRING) AS partner
  FROM missing
  UNION ALL
  SELECT m.day, m.entity, LEFT(l.other, 1) AS initial, m.stem, m.longest, l.other AS partner
  FROM missing AS m
  JOIN links AS l ON l.one = m.entity
),
in_use AS (
  SELECT day, entity
  FROM (
    SELECT day, entity FROM lines
    UNION ALL
    SELECT day, entity FROM target
  ) AS used
  WHERE day IN (SELECT day FROM missing)
),
candidates AS (
  SELECT w.day, w.entity, u.entity AS lookup, TRUE AS in_use, FALSE AS registered,
    w.partner IS NOT NULL AS aliased
  FROM wanted AS w
  JOIN in_use AS u ON u.day = w.day AND LEFT(u.entity, 1) = w.initial
  WHERE u.entity = w.partner
    OR (w.partner IS NULL AND STARTS_WITH(u.entity, w.stem)
      AND CHAR_LENGTH(u.entity) <= w.longest)
  UNION ALL
  SELECT w.day, w.entity, r.entity AS lookup, FALSE AS in_use, TRUE AS registered,
    w.partner IS NOT NULL AS aliased
  FROM wanted AS w
  JOIN registry AS r ON LEFT(r.entity, 1) = w.initial
  WHERE r.entity = w.partner
    OR (w.partner IS NULL AND STARTS_WITH(r.entity, w.stem)
      AND CHAR_LENGTH(r.entity) <= w.longest)
),
related AS (
  SELECT day, entity,
    ARRAY_AGG(STRUCT(lookup AS lookup, in_use AS in_use, registered AS registered,
      aliased AS aliased)) AS related
  FROM (
    SELECT day, entity, lookup, LOGICAL_OR(in_use) AS in_use,
      LOGICAL_OR(registered) AS registered, LOGICAL_OR(aliased) AS aliased
    FROM candidates
    GROUP BY day, entity, lookup
  ) AS found
  GROUP BY day, entity
)
SELECT COALESCE(t.day, g.day) AS day, CAST(NULL AS STRING) AS entity,
  CAST(NULL AS STRING) AS game_key, t.expected, t.covered, g.groups, NULL AS related
FROM totals AS t
FULL OUTER JOIN groups AS g ON g.day = t.day
UNION ALL
SELECT m.day, m.entity, m.game_key, NULL AS expected, NULL AS covered, NULL AS groups,
  r.related
FROM missing AS m
LEFT JOIN related AS r ON r.day = m.day AND r.entity = m.entity
"""

# hygiene.registry_duplicates: the registry rows of the candidates (registry lookups sharing a
# stem with a lookup of another id: a superset of `identity.duplicate_groups`' members, so the
# groups found in these rows are those of the whole registry), with a NULL day; then the
# candidates' lookups used on each date (expected, target or lines). The self-join is a hash
# join on the first letter: a non-empty stem starts with it, so only an empty lookup loses
# partners, and it never shares a group with another lookup (`identity.base_name`).
IN_USE_SQL = """
WITH registry AS (
  SELECT DISTINCT _e_rentity AS entity, CAST(_e_uid AS STRING) AS uid, _e_uid AS universal_id
  FROM _t_registry
  WHERE _e_rentity IS NOT NULL
),
candidates AS (
  SELECT DISTINCT r1.entity
  FROM registry AS r1
  JOIN registry AS r2
    ON LEFT(r2.entity, 1) = LEFT(r1.entity, 1)
    AND COALESCE(r1.uid, '') <> COALESCE(r2.uid, '')
    AND STARTS_WITH(r2.entity, LEFT(r1.entity, IF(CHAR_LENGTH(r1.entity) - @suffix_length > 1,
      CHAR_LENGTH(r1.entity) - @suffix_length, 1)))
),
expected AS (
  SELECT _e_xdate AS day, _e_xentity AS entity
  FROM _t_expected
  WHERE _e_xdate BETWEEN @range_start AND @range_end AND _e_xentity IS NOT NULL AND _e_xfilter
),
target AS (
  SELECT _e_tdate AS day, _e_tentity AS entity
  FROM _t_target
  WHERE _e_tdate BETWEEN @range_start AND @range_end AND _e_tentity IS NOT NULL AND _e_tfilter
),
lines AS (
  SELECT _e_ldate AS day, _e_lentity AS entity
  FROM _t_lines
  WHERE _e_ldate BETWEEN @range_start AND @range_end AND _e_lentity IS NOT NULL AND _e_lfilter
),
used AS (
  SELECT day, entity FROM expected
  UNION ALL
  SELECT day, entity FROM target
  UNION ALL
  SELECT day, entity FROM lines
)
SELECT CAST(NULL AS DATE) AS day, r.entity, r.universal_id
FROM registry AS r
JOIN candidates AS c ON r.entity = c.entity
UNION ALL
SELECT DISTINCT u.day, u.entity, NULL AS universal_id
FROM used AS u
JOIN candidates AS c ON u.entity = c.entity
"""

# What a CTE becomes when the profile does not configure its table: no rows, same columns.
_EMPTY = {
    "lines": "SELECT CAST(NULL AS DATE) AS day, CAST(NULL AS STRING) AS entity LIMIT 0",
    "aliases": (
        "SELECT CAST(NULL AS STRING) AS alias_name, CAST(NULL AS STRING) AS canonical_name LIMIT 0"
    ),
    "registry": "SELECT CAST(NULL AS STRING) AS entity LIMIT 0",
    "groups": (
        "SELECT CAST(NULL AS DATE) AS day, "
        "CAST(NULL AS ARRAY<STRUCT<grp STRING, entities INT64>>) AS groups LIMIT 0"
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
    tables, exprs = _pair_slots(spec)
    more_tables, more_exprs, empty = _diagnostic_slots(spec)
    tables |= more_tables
    exprs |= more_exprs
    registry = spec.diagnostics.registry
    if registry is not None:
        tables["registry"] = TableName.parse(registry.table)
        exprs["rentity"] = column(registry.entity)
    else:
        empty |= {"registry"}
    if spec.target.group_by is not None:
        exprs["tgroup"] = column(spec.target.group_by)
    else:
        empty |= {"groups"}
    return render(_without(COVERAGE_SQL, empty), tables, exprs)


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
    """The registry's possible duplicates and their lookups used per date
    (hygiene.registry_duplicates)."""
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

    def all(self) -> list[Query]:
        return [self.schedule, self.coverage]


def coverage_queries(
    profile: Profile, spec: CoverageSpec, start: date, end: date
) -> CoverageQueries:
    # Group counts reach back the look-back days: a group that stopped is seen on the first date.
    lookback = profile.thresholds.coverage.system_lookback_days if spec.target.group_by else 0
    return CoverageQueries(
        schedule=schedule_query(profile, start, end),
        coverage=Query.of(
            _coverage_sql(spec),
            label=f"coverage:{spec.name}",
            range_start=start,
            range_end=end,
            groups_start=start - timedelta(days=lookback),
            suffix_length=_suffix_length(spec),
        ),
    )


@dataclass(frozen=True)
class Uncovered:
    """An expected entity without a target row, and what the date's data and the registry hold
    of the same person."""

    entity: str
    game_key: str | None
    in_lines: bool = False
    # Related lookups (not the entity itself) used in the date's lines or target.
    related_in_use: frozenset[str] = frozenset()
    in_registry: bool = False
    # Related lookups in the registry, and those tied to the entity by an alias row (each of
    # them in use on the date or in the registry: the only ones that can be evidence).
    related_registered: frozenset[str] = frozenset()
    aliased: frozenset[str] = frozenset()


@dataclass
class CoverageDays:
    expected: dict[date, int] = field(default_factory=dict)
    covered: dict[date, int] = field(default_factory=dict)
    uncovered: dict[date, list[Uncovered]] = field(default_factory=dict)
    groups: GroupDays = field(default_factory=GroupDays)


def _uncovered(row: Row) -> Uncovered:
    entity = row["entity"]
    found = {item["lookup"]: item for item in row["related"] or ()}
    own = found.pop(entity, None)
    return Uncovered(
        entity,
        row["game_key"],
        in_lines=bool(own and own["in_use"]),  # never in the target: it is uncovered
        related_in_use=frozenset(k for k, item in found.items() if item["in_use"]),
        in_registry=bool(own and own["registered"]),
        related_registered=frozenset(k for k, item in found.items() if item["registered"]),
        aliased=frozenset(k for k, item in found.items() if item["aliased"]),
    )


def read_coverage(rows: list[Row]) -> CoverageDays:
    days = CoverageDays()
    uncovered: dict[date, list[Uncovered]] = defaultdict(list)
    groups: dict[date, dict[str, int]] = defaultdict(dict)
    for row in rows:
        day = row["day"]
        if row["entity"] is not None:
            uncovered[day].append(_uncovered(row))
            continue
        if row["expected"] is not None:
            days.expected[day] = int(row["expected"])
            days.covered[day] = int(row["covered"])
        for item in row["groups"] or ():
            group = "(none)" if item["grp"] is None else str(item["grp"])
            groups[day][group] = int(item["entities"])
    days.uncovered = {
        day: sorted(items, key=lambda item: item.entity) for day, items in uncovered.items()
    }
    days.groups = GroupDays(dict(groups))
    return days


@dataclass
class CoverageInputs:
    schedule: Schedule
    days: CoverageDays
    lines_configured: bool
    registry_configured: bool
    suffixes: list[str] = field(default_factory=list)

    @property
    def groups(self) -> GroupDays:
        return self.days.groups


def load_inputs(ctx: Context, spec: CoverageSpec) -> CoverageInputs:
    """Parsed once per run and range, then shared by every date and check (ctx.memo)."""
    key = ("coverage-inputs", spec.name, ctx.start, ctx.end)

    def compute() -> CoverageInputs:
        queries = coverage_queries(ctx.profile, spec, ctx.start, ctx.end)
        diag = spec.diagnostics
        return CoverageInputs(
            schedule=load_schedule(ctx),
            days=read_coverage(ctx.fetch(queries.coverage)),
            lines_configured=diag.lines is not None,
            registry_configured=diag.registry is not None,
            suffixes=list(diag.suffixes),
        )

    return ctx.memo_get(key, compute)


@dataclass(frozen=True)
class InUse:
    """The registry's possible duplicates (their rows only) and, per date, their lookups used."""

    registry: Registry
    used: dict[date, set[str]]


def load_in_use(ctx: Context, spec: CoverageSpec) -> InUse:
    """hygiene.registry_duplicates' one statement, parsed once per run."""
    query = in_use_query(spec, ctx.start, ctx.end)

    def compute() -> InUse:
        rows = ctx.fetch(query)
        used: dict[date, set[str]] = defaultdict(set)
        for row in rows:
            if row["day"] is not None:
                used[row["day"]].add(row["entity"])
        registry = read_registry([row for row in rows if row["day"] is None])
        return InUse(registry, dict(used))

    return ctx.memo_get(("in-use", query.key()), compute)
