"""The profile's `checks:` section: declarative metric checks, one list item per check.

Each item names its id `<family>.<name>`, the table it reads, the kind of metric and its `warn` /
`fail` thresholds. Everything is validated when the profile loads: identifiers against the
plain-name grammar, row expressions and aggregate expressions through `sqlkit`'s vetting, ids
against the reserved built-in families. Checks of one table compile to one statement per run
(`pipeval.metrics.declarative`); their evaluation lives in `pipeval.checks.declarative`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, get_args

from pipeval.identifiers import IDENTIFIER_RE
from pipeval.profile.constraints import After, Strict, limited, model
from pipeval.profile.fields import AggregateExpression, Expression, Identifier, Table

# Built-in check families (DESIGN.md): a declarative check names a family of its own.
RESERVED_FAMILIES = frozenset(
    {
        "quota",
        "completeness",
        "orchestration",
        "coverage",
        "schema",
        "hygiene",
        "deploy",
        "lint",
        # ids the tool itself emits outside the catalogue's families
        "doctor",
        "backfill",
        "declarative",
    }
)
Kind = Literal[
    "row_count",
    "freshness",
    "duplicates",
    "missing_percent",
    "invalid_percent",
    "drift",
    "reconcile",
    "metric",
]
KINDS: tuple[str, ...] = get_args(Kind)
CHECK_ID_RE = re.compile(r"([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)\Z")


def _check_id(value: str) -> str:
    match = CHECK_ID_RE.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a check id <family>.<name> (lower case, digits, _)")
    if match.group(1) in RESERVED_FAMILIES:
        raise ValueError(f"{value!r}: family {match.group(1)!r} is reserved for built-in checks")
    return value


def _phase_name(value: str) -> str:
    # not `_identifier`: doctor reads identifier fields of a table's section as its columns
    if not IDENTIFIER_RE.match(value):
        raise ValueError(f"{value!r} is not a phase name")
    return value


CheckId = Annotated[str, After(_check_id)]
PhaseName = Annotated[str, After(_phase_name)]
Scalar = str | int | float


@model
class Bounds(Strict):
    """Trips when the value is strictly below `below` or strictly above `above`: a value exactly
    at the threshold passes, as coverage's 95 of 100 is 95 %, not below 95 %."""

    below: float | None = None
    above: float | None = None

    def __post_init__(self) -> None:  # cross-field check, after the fields are validated
        if self.below is None and self.above is None:
            raise ValueError("a threshold needs `below` and/or `above` (or is one number)")

    def tripped(self, value: float) -> bool:
        return (self.below is not None and value < self.below) or (
            self.above is not None and value > self.above
        )

    def describe(self) -> str:
        parts = []
        if self.below is not None:
            parts.append(f"below {self.below:g}")
        if self.above is not None:
            parts.append(f"above {self.above:g}")
        return " or ".join(parts)


# A bare number is the kind's own direction: `row_count` trips below it, every other kind above.
Threshold = float | Bounds


@model
class ReconcileSide(Strict):
    """The other table of a `reconcile` check: its key and metric, per date."""

    table: Table
    date_column: Identifier = "game_date"
    key: Expression
    expression: AggregateExpression
    filter: Expression | None = None


@model
class DeclarativeCheck(Strict):
    """One declarative check; see README "profile format" for every kind's fields."""

    id: CheckId
    table: Table
    kind: Kind
    description: str = ""
    # The pipeline phase whose output this table derives from: the diagnosis puts a failure of
    # this check under an incident of that phase (or one upstream of it).
    phase: PhaseName | None = None
    date_column: Identifier = "game_date"
    # A table partitioned by DATE(<timestamp column>) rather than by `date_column` (e.g. a run
    # log partitioned on when it ran): reads also bound this column, from `partition_slack_days`
    # before the first date to that many days after the last, so BigQuery prunes partitions.
    partition_column: Identifier | None = None
    partition_slack_days: int = limited(1, ge=0, le=30)
    # Evaluated per date, or per game of the schedule (row_count, metric).
    per: Literal["date", "game"] = "date"
    # The game key expression for `per: game` (default `game_id`); unused per date.
    game_key: Expression | None = None
    # final: judged once the date's (or the game's) games are final, pending before;
    # scheduled: due for every scheduled game.
    expects: Literal["final", "scheduled"] = "scheduled"
    filter: Expression | None = None
    # per: game: a due game without rows counts as 0 rows (`zero`), or is left to the
    # completeness checks (`skip`: the check judges the games the table holds).
    absent: Literal["zero", "skip"] = "zero"
    warn: Threshold | None = None
    fail: Threshold | None = None
    # kind-specific fields
    column: Identifier | None = None  # freshness, missing_percent, invalid_percent
    key: list[Identifier] = limited(default_factory=list)  # duplicates
    subject: Identifier | None = None  # listed for offending rows (missing/invalid)
    values: list[Scalar] = limited(default_factory=list)  # invalid_percent: accepted values
    min: float | None = None  # invalid_percent: accepted range
    max: float | None = None
    expression: AggregateExpression | None = None  # drift, metric, reconcile (this side)
    baseline_days: int = limited(14, gt=0, le=90)  # drift
    method: Literal["percent", "zscore"] = "percent"  # drift
    reconcile_key: Expression | None = None  # reconcile: key on this side
    other: ReconcileSide | None = None  # reconcile
    tolerance: float = limited(0, ge=0)  # reconcile: absolute difference allowed
    remediation: list[str] = limited(default_factory=list)

    @property
    def game_key_expression(self) -> str:
        return self.game_key or "game_id"

    @property
    def family(self) -> str:
        return self.id.split(".", 1)[0]

    def __post_init__(self) -> None:  # cross-field check, after the fields are validated
        needs: dict[str, tuple[str, ...]] = {
            "freshness": ("column",),
            "missing_percent": ("column",),
            "invalid_percent": ("column",),
            "drift": ("expression",),
            "metric": ("expression",),
            "reconcile": ("expression", "reconcile_key", "other"),
        }
        for name in needs.get(self.kind, ()):
            if getattr(self, name) is None:
                raise ValueError(f"{self.id}: kind {self.kind} needs `{name}`")
        if self.kind == "duplicates" and not self.key:
            raise ValueError(f"{self.id}: kind duplicates needs `key` (columns)")
        if self.kind == "invalid_percent":
            if not self.values and self.min is None and self.max is None:
                raise ValueError(f"{self.id}: invalid_percent needs `values` or `min`/`max`")
            if self.values and (self.min is not None or self.max is not None):
                raise ValueError(f"{self.id}: invalid_percent takes `values` or a range, not both")
            if len({type(v) for v in self.values}) > 1:
                raise ValueError(f"{self.id}: accepted `values` must all have one type")
        if self.per == "game" and self.kind not in ("row_count", "metric"):
            raise ValueError(f"{self.id}: per: game is for row_count and metric checks")
        if self.warn is None and self.fail is None:
            raise ValueError(f"{self.id}: needs `warn` and/or `fail`")

    def bounds(self, which: Literal["warn", "fail"]) -> Bounds | None:
        """The threshold with a bare number read in the kind's own direction."""
        found = self.warn if which == "warn" else self.fail
        if found is None or isinstance(found, Bounds):
            return found
        if self.kind == "row_count":
            return Bounds(below=float(found))
        return Bounds(above=float(found))


def unique_ids(checks: list[DeclarativeCheck]) -> None:
    """Ids are unique; the checks of one table agree on how it is partitioned (they share one
    statement, whose base read filters on one date column)."""
    ids = [check.id for check in checks]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise ValueError(f"check ids must be unique, got {duplicated} more than once")
    layout: dict[str, tuple[str, str | None, int]] = {}
    for check in checks:
        mine = (check.date_column, check.partition_column, check.partition_slack_days)
        if layout.setdefault(check.table, mine) != mine:
            raise ValueError(
                f"{check.id}: checks of {check.table} must share date_column, "
                "partition_column and partition_slack_days"
            )
