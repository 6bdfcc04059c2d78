"""Who is who: the registry's lookups and universal ids, and generational suffixes.

The reference tables (registry, aliases) are never fetched whole: the coverage statement joins
them for its uncovered entities, and hygiene.registry_duplicates reads only the registry rows of
possible duplicates (metrics/coverage.py), grouped here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from pipeval.ports import Row


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
