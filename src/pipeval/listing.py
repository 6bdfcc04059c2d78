"""Text in finding messages: capped lists (the first few names, then how many more), counts."""

from __future__ import annotations

from collections.abc import Sequence

MAX_LISTED = 12


def listed(names: Sequence[str], cap: int = MAX_LISTED, total: int | None = None) -> str:
    """The first `cap` names, then how many more: of `names`, or of `total` when the names are
    already a sample (a statement that returns a few subjects per date and counts the rest)."""
    shown = ", ".join(names[:cap])
    rest = (len(names) if total is None else total) - min(len(names), cap)
    return f"{shown} (+{rest} more)" if rest > 0 else shown


def count(number: int, singular: str, plural: str | None = None) -> str:
    """`1 table`, `3 tables`, `2 people`, `1,500 findings`."""
    return f"{number:,} {singular if number == 1 else plural or singular + 's'}"
