"""Three-way comparison of a table's columns: the DDL file, the live table, the code's fields.

The DDL file is the reference the repository controls, so every other side is compared with it:
- `code_only`: fields the code writes that the DDL or the live table lacks. Missing from the live
  table, writes fail now; missing from the DDL only, they fail as soon as the table is created
  from the file (a new environment, a rebuild). Either way the code and the schema disagree.
- `live_only`: live columns the DDL lacks: a runtime `ALTER TABLE` never written back.
- `ddl_only`: DDL columns the live table lacks (migration not applied). Without a live table,
  DDL columns no configured writer writes (never written; informative only).
- `type_mismatches`: columns in the DDL and the live table whose type or mode differ.
A field in the code and the live table but not in the DDL (seed 003's eight fields) is both
code-only and live-only: two facts about one omission, and each list keeps its meaning.
Names compare case-insensitively, as BigQuery column names do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from pipeval.ports import Column
from pipeval.types import type_signature


@dataclass(frozen=True)
class Mismatch:
    column: str
    ddl: str
    live: str


@dataclass
class Drift:
    code_only: list[str] = field(default_factory=list)
    ddl_only: list[str] = field(default_factory=list)
    live_only: list[str] = field(default_factory=list)
    type_mismatches: list[Mismatch] = field(default_factory=list)
    # code-only field -> the sides that lack it ("ddl", "live")
    missing_from: dict[str, list[str]] = field(default_factory=dict)
    # what `ddl_only` was computed against: "live", "code" or None (not computed)
    ddl_only_against: str | None = None

    @property
    def clean(self) -> bool:
        return not (self.code_only or self.ddl_only or self.live_only or self.type_mismatches)


def canonical(column: Column) -> str:
    """Type signature for comparison: nested field order and name case do not matter."""
    return type_signature(_sorted_fields(column))


def _sorted_fields(column: Column) -> Column:
    fields = sorted(
        (replace(_sorted_fields(f), name=f.name.lower()) for f in column.fields),
        key=lambda f: f.name,
    )
    return replace(column, fields=tuple(fields))


def _by_name(columns: Sequence[Column]) -> dict[str, Column]:
    return {column.name.lower(): column for column in columns}


def _missing(names: Sequence[str], present: set[str]) -> list[str]:
    return sorted((name for name in names if name.lower() not in present), key=str.lower)


def compare(
    ddl: Sequence[Column] | None,
    live: Sequence[Column] | None,
    code: Sequence[str] | None,
    code_complete: bool = True,
) -> Drift:
    """Each side is None when it was not read (no DDL configured, no warehouse, no writer)."""
    drift = Drift()
    ddl_names = set(_by_name(ddl)) if ddl is not None else None
    live_names = set(_by_name(live)) if live is not None else None
    if code is not None:
        for name in code:
            sides = [
                side
                for side, present in (("ddl", ddl_names), ("live", live_names))
                if present is not None and name.lower() not in present
            ]
            if sides and name not in drift.missing_from:
                drift.missing_from[name] = sides
        drift.code_only = sorted(drift.missing_from, key=str.lower)
    if ddl is not None and live is not None:
        assert ddl_names is not None and live_names is not None
        drift.live_only = _missing([c.name for c in live], ddl_names)
        drift.ddl_only = _missing([c.name for c in ddl], live_names)
        drift.ddl_only_against = "live"
        live_by_name = _by_name(live)
        for column in ddl:
            other = live_by_name.get(column.name.lower())
            if other is not None and canonical(column) != canonical(other):
                drift.type_mismatches.append(
                    Mismatch(column.name, type_signature(column), type_signature(other))
                )
    elif ddl is not None and code is not None and code_complete:
        drift.ddl_only = _missing([c.name for c in ddl], {name.lower() for name in code})
        drift.ddl_only_against = "code"
    return drift
