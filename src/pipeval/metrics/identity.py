"""Who is who: the registry's lookups and universal ids, alias rows, and generational suffixes.

Reference tables are small and not date-partitioned: each is read once, whole, and shared by
every check that needs it (coverage diagnostics and hygiene.registry_duplicates).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from pipeval.identifiers import TableName
from pipeval.lazy import exp
from pipeval.ports import Row
from pipeval.profile.model import AliasSource, RegistrySource
from pipeval.query import Context, Query
from pipeval.sqlcache import cached_sql
from pipeval.sqlkit import column, render

REGISTRY_SQL = """
SELECT DISTINCT _e_entity AS entity, _e_uid AS universal_id
FROM _t_registry
WHERE _e_entity IS NOT NULL
"""

ALIASES_SQL = """
SELECT DISTINCT _e_alias AS alias_name, _e_canonical AS canonical_name
FROM _t_aliases
WHERE _e_alias IS NOT NULL AND _e_canonical IS NOT NULL
"""


def registry_query(source: RegistrySource) -> Query:
    return Query.of(_registry_sql(source), label=f"registry:{source.table}")


@cached_sql
def _registry_sql(source: RegistrySource) -> str:
    uid = column(source.universal_id) if source.universal_id else exp.cast(exp.null(), "STRING")
    return render(
        REGISTRY_SQL,
        {"registry": TableName.parse(source.table)},
        {"entity": column(source.entity), "uid": uid},
    )


def aliases_query(source: AliasSource) -> Query:
    return Query.of(_aliases_sql(source), label=f"aliases:{source.table}")


@cached_sql
def _aliases_sql(source: AliasSource) -> str:
    return render(
        ALIASES_SQL,
        {"aliases": TableName.parse(source.table)},
        {"alias": column(source.alias), "canonical": column(source.canonical)},
    )


@dataclass(frozen=True)
class Registry:
    ids: dict[str, frozenset[str]]  # lookup -> universal ids (empty when not configured)

    def __contains__(self, lookup: object) -> bool:
        return lookup in self.ids


def read_registry(rows: list[Row]) -> Registry:
    ids: dict[str, set[str]] = {}
    for row in rows:
        found = ids.setdefault(row["entity"], set())  # registered even without a universal id
        if row["universal_id"] is not None:
            found.add(str(row["universal_id"]))
    return Registry({lookup: frozenset(found) for lookup, found in ids.items()})


def read_aliases(rows: list[Row]) -> dict[str, set[str]]:
    """Each lookup named in an alias row -> the other lookups it is tied to (both directions)."""
    linked: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        alias, canonical = row["alias_name"], row["canonical_name"]
        if alias != canonical:
            linked[alias].add(canonical)
            linked[canonical].add(alias)
    return dict(linked)


def base_name(lookup: str, suffixes: Iterable[str]) -> str:
    """`garytrentjr` -> `garytrent`: the lookup without one trailing generational suffix."""
    for suffix in sorted(suffixes, key=len, reverse=True):
        if lookup.endswith(suffix) and len(lookup) > len(suffix):
            return lookup[: -len(suffix)]
    return lookup


def variants(lookup: str, suffixes: Iterable[str]) -> set[str]:
    """Other spellings of the same person: with another suffix, or none."""
    ordered = list(suffixes)
    base = base_name(lookup, ordered)
    return ({base} | {base + suffix for suffix in ordered}) - {lookup}


def duplicate_groups(registry: Registry, suffixes: Iterable[str]) -> list[dict[str, list[str]]]:
    """Lookups equal after removing a generational suffix that carry different universal ids."""
    ordered = list(suffixes)
    by_base: dict[str, dict[str, frozenset[str]]] = defaultdict(dict)
    for lookup, ids in registry.ids.items():
        by_base[base_name(lookup, ordered)][lookup] = ids
    groups = []
    for base in sorted(by_base):
        members = by_base[base]
        ids = set().union(*members.values())
        if len(ids) > 1:
            groups.append({"lookups": sorted(members), "ids": sorted(ids)})
    return groups


def load_registry(ctx: Context, source: RegistrySource) -> Registry:
    """The registry, read and parsed once per run for every check that needs it."""
    query = registry_query(source)
    return ctx.memo_get(("registry", query.key()), lambda: read_registry(ctx.fetch(query)))
