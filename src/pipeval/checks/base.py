"""What every check is: an id, the batched queries it needs, and pure evaluation logic.

Following soda-core's split, a check does not talk to a client: it names `Query` objects
(see `pipeval.query`) and reads their rows from the context.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import date
from typing import ClassVar

from pipeval.errors import PipevalError, first_line
from pipeval.query import Context, Query
from pipeval.results import CheckResult


class Check(ABC):
    """A check reads like its line in DESIGN.md's catalogue: `id`, then `run`."""

    category: ClassVar[str]

    def __init__(self, check_id: str) -> None:
        self.id = check_id

    def queries(self, ctx: Context) -> list[Query]:
        """Queries to prefetch (possibly concurrently) before `run`; default none."""
        return []

    @abstractmethod
    def run(self, ctx: Context) -> CheckResult: ...

    def settled(self, ctx: Context, days: list[date]) -> set[date]:
        """The dates of `days` that `run` is known to call OK, told from per-range facts at
        once (e.g. dates the warehouse judged passing, dates no table lacks a game). A
        historical run reports only the dates that are not OK, so it skips `run` for these;
        daily always runs. Default: none."""
        return set()


def settled_dates(check: Check, ctx: Context, days: list[date]) -> set[date]:
    """`check.settled`, or none when it raises: `run` then reports the reason date by date."""
    try:
        return check.settled(ctx, days)
    except Exception:
        return set()


def run_check(check: Check, ctx: Context) -> CheckResult:
    """A check that raises becomes ERROR with its reason; the suite goes on."""
    try:
        return check.run(ctx)
    except PipevalError as err:
        return CheckResult.error(check.id, first_line(err))
    except Exception as err:
        return CheckResult.error(check.id, f"{type(err).__name__}: {first_line(err)}")
