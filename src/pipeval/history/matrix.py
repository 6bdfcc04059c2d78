"""The date × phase matrix, from the same per-table assessment that `daily` uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pipeval.metrics.games import TableDay


class Cell(StrEnum):
    COMPLETE = "complete"
    PARTIAL = "partial"
    MISSING = "missing"
    PENDING = "pending"
    OFF = "off-day"


# Not frozen: one per phase and date of a season (a frozen __init__ costs several times a plain
# one). Nothing mutates a cell.
@dataclass
class PhaseDay:
    phase: str
    day: date
    cell: Cell
    present: int
    expected: int
    missing: tuple[str, ...]
    critical_missing: bool

    @property
    def is_gap(self) -> bool:
        """A gap needs a backfill: a critical table lacks games that are due."""
        return self.critical_missing


def classify(phase: str, day: date, tables: list[TableDay]) -> PhaseDay:
    """One cell: the worst table decides; counts come from that table."""
    if not any(t.expected or t.pending for t in tables):
        return PhaseDay(phase, day, Cell.OFF, 0, 0, (), False)
    missing = tuple(key for t in tables for key in t.missing)
    if not missing and not any(t.pending for t in tables):
        # Complete (most cells of a season): every table ranks 0, so the worst is the first.
        first = tables[0]
        return PhaseDay(phase, day, Cell.COMPLETE, first.present, first.expected, (), False)
    worst = max(tables, key=lambda t: (len(t.missing) / t.expected) if t.expected else 0)
    critical_missing = any(t.missing and t.critical for t in tables)
    if worst.missing and not worst.present:
        cell = Cell.MISSING
    elif missing:
        cell = Cell.PARTIAL
    else:
        cell = Cell.PENDING
    return PhaseDay(phase, day, cell, worst.present, worst.expected, missing, critical_missing)
