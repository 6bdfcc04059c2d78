"""What every check is: an id, the batched queries it needs, and pure evaluation logic.

Following soda-core's split, a check does not talk to a client: it names `Query` objects
(see `pipeval.query`) and reads their rows from the context.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
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


def run_check(check: Check, ctx: Context) -> CheckResult:
    """A check that raises becomes ERROR with its reason; the suite goes on."""
    try:
        return check.run(ctx)
    except PipevalError as err:
        return CheckResult.error(check.id, first_line(err))
    except Exception as err:
        return CheckResult.error(check.id, f"{type(err).__name__}: {first_line(err)}")
